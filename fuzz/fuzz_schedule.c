/* fuzz_schedule.c — the response headers a server controls (Cache-Control,
 * Expires, Date, Retry-After) and the document's hints, through
 * schedule_next: no crash, no overflow, and the due time always inside
 * [now + min_interval, now + max_interval], with a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t take(const uint8_t **p, size_t *n, size_t bytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < bytes && *n; i++, (*p)++, (*n)--)
		v = v << 8 | **p;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	/* Hints as the parser gives them: bounded (a <ttl> in minutes, an
	 * update period), here up to ~35 years. */
	struct feed_hints h = {
		.ttl = (int64_t)(take(&p, &n, 4) % (1u << 30)),
		.skip_hours = (uint32_t)take(&p, &n, 3),
		.skip_days = (uint8_t)take(&p, &n, 1),
		.sy_period = (int64_t)(take(&p, &n, 4) % (1u << 30)),
	};
	uint64_t sel = take(&p, &n, 2);
	/* The rest: four NUL-separated header values. */
	char *s = malloc(n + 5);
	if (!s)
		return 0;
	memcpy(s, p, n);
	memset(s + n, 0, 5);
	const char *v[4];
	const char *c = s;
	for (int i = 0; i < 4; i++) {
		v[i] = c;
		if (c < s + n)
			c += strlen(c) + 1;
	}
	uint64_t rng = sel | 1;
	struct schedule_in in = {
		.now = 1700000000,
		.interval = 1800, .min_interval = 60, .max_interval = 86400,
		.outcome = (enum schedule_outcome)(sel % 5),
		.failures = (int64_t)((sel >> 2) % 64),
		.cache_control = (sel & 0x100) ? v[0] : NULL,
		.expires = (sel & 0x200) ? v[1] : NULL,
		.date = (sel & 0x400) ? v[2] : NULL,
		.retry_after = (sel & 0x800) ? v[3] : NULL,
		.hints = (sel & 0x1000) ? &h : NULL,
		.rng = (sel & 0x2000) ? &rng : NULL,
	};
	struct schedule_out out = {0};
	schedule_next(&in, &out);
	if (!out.reason || out.next_due < in.now + in.min_interval ||
	    out.next_due > in.now + in.max_interval)
		abort();
	int64_t secs;
	bool no_store;
	schedule_retry_after(v[3], in.now, &secs);
	schedule_max_age(v[0], &secs, &no_store);
	free(s);
	return 0;
}
