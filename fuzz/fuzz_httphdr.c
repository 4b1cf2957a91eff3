/* fuzz_httphdr.c — response header lines as libcurl hands them to the
 * fetcher (status lines of redirects and 1xx responses included), through
 * httphdr_line, against a plain model of what it must keep (trimmed
 * values, Cache-Control lines joined, the last line of any other header);
 * then the values the scheduler reads (Retry-After, Cache-Control max-age,
 * Expires against Date) through their parsers, and a Retry-After through
 * the host push-back of repeated 429s: in range, never UB. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/httphdr.h"
#include "core/schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The model: the fetcher's old code, quadratic joins and all. */
struct model {
	char *v[HTTPHDR__COUNT];
};

static void model_reset(struct model *m)
{
	for (int i = 0; i < HTTPHDR__COUNT; i++) {
		free(m->v[i]);
		m->v[i] = NULL;
	}
}

static void model_line(struct model *m, const char *buf, size_t n)
{
	while (n && (buf[n - 1] == '\r' || buf[n - 1] == '\n'))
		n--;
	const char *colon = memchr(buf, ':', n);
	if (!colon)
		return;
	size_t nl = (size_t)(colon - buf);
	const char *v = colon + 1, *end = buf + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (int i = 0; i < HTTPHDR__COUNT; i++) {
		const char *name = httphdr_name((enum httphdr_name)i);
		if (strlen(name) != nl || strncasecmp(buf, name, nl) != 0)
			continue;
		char *val = strndup(v, (size_t)(end - v));
		if (m->v[i] && i == HTTPHDR_CACHE_CONTROL) {
			char *j = NULL;
			if (asprintf(&j, "%s, %s", m->v[i], val) < 0)
				abort();
			free(val);
			val = j;
		}
		free(m->v[i]);
		m->v[i] = val;
		break;
	}
}

static void check(const struct httphdr *h, const struct model *m, int64_t now)
{
	for (int i = 0; i < HTTPHDR__COUNT; i++) {
		const char *a = httphdr_get(h, (enum httphdr_name)i), *b = m->v[i];
		if (!a != !b || (a && strcmp(a, b) != 0))
			abort();
		if (a && strlen(a) != h->len[i])
			abort();
	}
	int64_t secs;
	const char *ra = httphdr_get(h, HTTPHDR_RETRY_AFTER);
	if (schedule_retry_after(ra, now, &secs) == 0) {
		if (secs < 0)
			abort();
		/* What two or more 429s carrying it do to the host. */
		for (int n = SCHEDULE_HOST_429_LIMIT; n < SCHEDULE_HOST_429_LIMIT + 40; n += 7) {
			int64_t push = schedule_host_push_ms(secs, n);
			if (push < 1000 || push > SCHEDULE_HOST_PUSH_MAX_MS)
				abort();
		}
	}
	bool no_store;
	const char *cc = httphdr_get(h, HTTPHDR_CACHE_CONTROL);
	if (schedule_max_age(cc, &secs, &no_store) == 0 && secs < 0)
		abort();
	schedule_expires(httphdr_get(h, HTTPHDR_EXPIRES), httphdr_get(h, HTTPHDR_DATE), now, &secs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first 4 bytes: the clock. Then lines, each ending at a LF. */
	if (size < 4)
		return 0;
	int64_t now = (int64_t)((uint32_t)data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3]);
	data += 4;
	size -= 4;
	struct httphdr h = { 0 };
	struct model m = { 0 };
	size_t off = 0;
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t n = nl ? (size_t)(nl - (data + off)) + 1 : size - off;
		/* libcurl hands over a copy; so does this, to catch reads past it. */
		char *line = malloc(n ? n : 1);
		memcpy(line, data + off, n);
		int status = -1;
		int r = httphdr_line(&h, line, n, &status);
		if (r == 1) {
			if (status < 0 || status > 999)
				abort();
			if (status < 100 || status >= 200) {
				if (!h.oom)
					check(&h, &m, now);
				httphdr_reset(&h);
				model_reset(&m);
			}
		} else {
			if (r != 0)
				abort();
			model_line(&m, line, n);
		}
		free(line);
		off += n;
	}
	if (!h.oom)
		check(&h, &m, now);
	httphdr_free(&h);
	model_reset(&m);
	return 0;
}
