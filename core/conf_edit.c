/* conf_edit.c — feeds.conf edited as text, atomically. */
#include "core/conf_edit.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "core/url.h"

char *conf_edit_add(const char *text, const struct conf_new_feed *f)
{
	struct strbuf b = {0};
	size_t len = strlen(text);
	strbuf_put(&b, text, len);
	if (len && text[len - 1] != '\n')
		strbuf_puts(&b, "\n");
	if (len)
		strbuf_puts(&b, "\n");
	if (f->comment) {
		strbuf_puts(&b, "# ");
		strbuf_puts(&b, f->comment);
		strbuf_puts(&b, "\n");
	}
	strbuf_puts(&b, "[feed ");
	strbuf_puts(&b, f->name);
	strbuf_puts(&b, "]\nurl = ");
	strbuf_puts(&b, f->url);
	strbuf_puts(&b, "\n");
	if (f->interval) {
		strbuf_puts(&b, "interval = ");
		strbuf_puts(&b, f->interval);
		strbuf_puts(&b, "\n");
	}
	if (f->tags && f->tags[0]) {
		strbuf_puts(&b, "tags = ");
		for (size_t i = 0; f->tags[i]; i++) {
			if (i)
				strbuf_puts(&b, ", ");
			strbuf_puts(&b, f->tags[i]);
		}
		strbuf_puts(&b, "\n");
	}
	return b.s;
}

/* Is the line at P a section header, and for which feed? */
static bool is_header(const char *p, const char *end)
{
	return p < end && *p == '[';
}

static bool is_feed_header(const char *p, const char *end, const char *name)
{
	if (!is_header(p, end))
		return false;
	const char *close = memchr(p, ']', (size_t)(end - p));
	if (!close)
		return false;
	const char *q = p + 1;
	while (q < close && isspace((unsigned char)*q))
		q++;
	if ((size_t)(close - q) < 5 || strncmp(q, "feed", 4) != 0 || !isspace((unsigned char)q[4]))
		return false;
	q += 4;
	while (q < close && isspace((unsigned char)*q))
		q++;
	const char *e = close;
	while (e > q && isspace((unsigned char)e[-1]))
		e--;
	return (size_t)(e - q) == strlen(name) && strncmp(q, name, (size_t)(e - q)) == 0;
}

char *conf_edit_remove(const char *text, const char *name, int *found)
{
	*found = 0;
	const char *p = text, *end = text + strlen(text);
	const char *start = NULL, *stop = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		if (start && !stop && is_header(p, end))
			stop = p;
		if (!start && is_feed_header(p, next, name))
			start = p;
		p = next;
	}
	if (!start)
		return NULL;
	if (!stop)
		stop = end;
	/* Comment lines right above the header belong to the section (that is
	 * where `feedctl add` writes one); a blank line ends them. */
	while (start > text) {
		const char *prev = start - 1;            /* the '\n' ending the line above */
		const char *ls = prev;
		while (ls > text && ls[-1] != '\n')
			ls--;
		if (ls == prev || (*ls != '#' && *ls != ';'))
			break;
		start = ls;
	}
	/* Drop one blank line that separated the section from what was above. */
	if (start > text + 1 && start[-1] == '\n' && start[-2] == '\n')
		start--;
	*found = 1;
	struct strbuf b = {0};
	strbuf_put(&b, text, (size_t)(start - text));
	strbuf_put(&b, stop, (size_t)(end - stop));
	if (!b.s)
		b.s = strdup("");
	return b.s;
}

char *conf_name_from_url(const char *url, int (*exists)(const char *name, void *arg), void *arg)
{
	char *host = url_host(url);
	char base[64] = "feed";
	if (host && strspn(host, "0123456789.:[]abcdefABCDEF") == strlen(host) &&
	    (strchr(host, ':') || strspn(host, "0123456789.") == strlen(host))) {
		/* An address, not a name: "127.0.0.1" gives "127-0-0-1". */
		size_t o = 0;
		for (const char *c = host; *c && o < sizeof base - 1; c++)
			if (*c != '[' && *c != ']')
				base[o++] = isalnum((unsigned char)*c) ? (char)tolower((unsigned char)*c) : '-';
		base[o] = '\0';
		free(host);
	} else if (host) {
		/* The registrable label: "en.mehrnews.com" gives "mehrnews". */
		char *labels[16];
		size_t n = 0;
		char *save = NULL;
		for (char *l = strtok_r(host, ".", &save); l && n < 16; l = strtok_r(NULL, ".", &save))
			labels[n++] = l;
		const char *pick = n >= 2 ? labels[n - 2] : n ? labels[0] : "feed";
		/* "co.uk", "com.au": the label before the public suffix. */
		if (n >= 3 && strlen(labels[n - 2]) <= 3 && strlen(labels[n - 1]) == 2)
			pick = labels[n - 3];
		size_t o = 0;
		for (const char *c = pick; *c && o < sizeof base - 1; c++)
			if (isalnum((unsigned char)*c) || *c == '-')
				base[o++] = (char)tolower((unsigned char)*c);
		base[o] = '\0';
		if (!o)
			strcpy(base, "feed");
		free(host);
	}
	char cand[80];
	snprintf(cand, sizeof cand, "%s", base);
	for (int i = 2; exists && exists(cand, arg) && i < 100000; i++)
		snprintf(cand, sizeof cand, "%s-%d", base, i);
	return strdup(cand);
}

int conf_write_atomic(const char *path, const char *text, size_t len)
{
	char *dcopy = strdup(path);
	if (!dcopy)
		return -ENOMEM;
	char tmp[4096];
	int n = snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dirname(dcopy), "feeds.conf");
	free(dcopy);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return -ENAMETOOLONG;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (stat(path, &st) == 0)
		(void)fchmod(fd, st.st_mode & 07777);
	else
		(void)fchmod(fd, 0644);
	size_t off = 0;
	int err = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

char *conf_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct strbuf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		strbuf_put(&b, chunk, n);
		if (b.len > 16u * 1024 * 1024) {
			free(b.s);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(b.s);
		errno = EIO;
		return NULL;
	}
	if (!b.s)
		b.s = strdup("");
	if (len)
		*len = b.len;
	return b.s;
}
