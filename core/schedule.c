/* schedule.c — computes a feed's next due time and the reason for it. */
#include "core/schedule.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/date.h"

uint64_t schedule_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool parse_secs(const char *s, int64_t *out)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	int64_t v = 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > INT64_MAX / 100)
			v = INT64_MAX / 100;       /* saturate: absurd values are clamped later */
		else
			v = v * 10 + (*s - '0');
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s && *s != ',' && *s != ';')
		return false;
	*out = v;
	return true;
}

int schedule_retry_after(const char *value, int64_t now, int64_t *secs)
{
	if (!value)
		return -EINVAL;
	int64_t v;
	if (parse_secs(value, &v)) {
		*secs = v;
		return 0;
	}
	int64_t when;
	if (date_parse(value, &when) < 0)
		return -EINVAL;
	*secs = when > now ? when - now : 0;
	return 0;
}

int64_t schedule_host_push_ms(int64_t secs, int n429)
{
	/* A Retry-After goes up to ~9.2e15 s: saturate before the ms. */
	int64_t push = secs > SCHEDULE_HOST_PUSH_MAX_MS / 1000 ? SCHEDULE_HOST_PUSH_MAX_MS
		     : secs > 0 ? secs * 1000 : 0;
	for (int i = SCHEDULE_HOST_429_LIMIT; i < n429 && push < SCHEDULE_HOST_PUSH_MAX_MS; i++)
		push *= 2;
	if (push > SCHEDULE_HOST_PUSH_MAX_MS)
		push = SCHEDULE_HOST_PUSH_MAX_MS;
	if (push < 1000)
		push = 1000;
	return push;
}

int schedule_expires(const char *expires, const char *date, int64_t now, int64_t *secs)
{
	int64_t exp, base = now, d;
	if (!expires || date_parse(expires, &exp) < 0)
		return -EINVAL;
	if (date && date_parse(date, &d) == 0)
		base = d;   /* trust the server's clock for the difference */
	*secs = exp - base;
	return 0;
}

int schedule_max_age(const char *cc, int64_t *secs, bool *no_store)
{
	*no_store = false;
	if (!cc)
		return -ENOENT;
	int found = -ENOENT;
	const char *p = cc;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *name = p;
		while (*p && *p != '=' && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		size_t n = (size_t)(p - name);
		while (*p == ' ' || *p == '\t')
			p++;
		const char *val = NULL;
		if (*p == '=') {
			val = ++p;
			if (*p == '"')
				p++;
			while (*p && *p != ',')
				p++;
		}
		if (n == 7 && strncasecmp(name, "max-age", 7) == 0 && val) {
			const char *v = *val == '"' ? val + 1 : val;
			if (isdigit((unsigned char)*v)) {
				*secs = strtoll(v, NULL, 10);   /* saturates on overflow */
				found = 0;
			}
		} else if ((n == 8 && strncasecmp(name, "no-store", 8) == 0) ||
			   (n == 8 && strncasecmp(name, "no-cache", 8) == 0)) {
			*no_store = true;
		}
		while (*p && *p != ',')
			p++;
	}
	return found;
}

/* A hint candidate: the longest delay wins, ties keep the earlier reason. */
static void consider(int64_t *delay, const char **reason, int64_t cand, const char *why)
{
	if (cand > *delay) {
		*delay = cand;
		*reason = why;
	}
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	if (hi > 0 && v > hi)
		v = hi;
	if (v < lo)
		v = lo;
	return v;
}

/* ±10 %: uniform in [-delay/10, +delay/10]. */
/* DELAY doubled TIMES times, or until it reaches HI (0: no bound),
 * never past INT64_MAX / 2: the retry and backoff steps. */
static int64_t doubled(int64_t delay, int64_t times, int64_t hi)
{
	for (int64_t i = 0; i < times && (!hi || delay < hi); i++)
		delay = delay > INT64_MAX / 2 ? INT64_MAX / 2 : delay * 2;
	return delay;
}

static int64_t jitter(int64_t delay, uint64_t *rng)
{
	if (!rng || delay < 10)
		return delay;
	int64_t span = delay / 10;
	int64_t off = (int64_t)(schedule_rand(rng) % (uint64_t)(2 * span + 1)) - span;
	return delay + off;
}

/* Moves T forward out of skipped hours/days (RSS skipHours/skipDays, UTC)
 * to the start of the first allowed hour, looking at most a week ahead. */
static int64_t skip(int64_t t, const struct feed_hints *h, const char **reason)
{
	if (!h || (!h->skip_hours && !h->skip_days))
		return t;
	if ((h->skip_hours & 0xffffff) == 0xffffff || (h->skip_days & 0x7f) == 0x7f)
		return t;   /* skipping everything is a broken feed, not a wish */
	for (int i = 0; i < 24 * 8; i++) {
		int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
		int hour = (int)((t - day * 86400) / 3600);
		int wday = (int)(((day % 7) + 7 + 4) % 7);   /* 1970-01-01 was a Thursday */
		bool skip_d = h->skip_days & (1u << wday);
		bool skip_h = h->skip_hours & (1u << hour);
		if (!skip_d && !skip_h)
			return t;
		*reason = skip_d ? "skip-days" : "skip-hours";
		t = day * 86400 + (int64_t)(hour + 1) * 3600;
	}
	return t;
}

void schedule_next(const struct schedule_in *in, struct schedule_out *out)
{
	int64_t lo = in->min_interval > 0 ? in->min_interval : 1;
	int64_t hi = in->max_interval > 0 ? in->max_interval : 0;
	int64_t interval = in->interval > 0 ? in->interval : lo;
	int64_t delay = interval;
	const char *reason = "interval";

	int64_t ra = 0;
	if (in->outcome == SCHEDULE_THROTTLED &&
	    schedule_retry_after(in->retry_after, in->now, &ra) < 0)
		ra = 0;
	if (in->outcome == SCHEDULE_RETRY || in->outcome == SCHEDULE_OUTAGE) {
		int64_t n = in->failures > 0 ? in->failures : 1;
		delay = clamp(doubled(lo, n - 1, hi), lo, hi);
		if (in->rng && delay >= 10)
			delay -= (int64_t)(schedule_rand(in->rng) % (uint64_t)(delay / 10 + 1));
		out->next_due = in->now + clamp(delay, lo, hi);
		out->reason = in->outcome == SCHEDULE_OUTAGE ? "outage" : "retry";
		return;
	}
	if (in->outcome == SCHEDULE_THROTTLED || in->outcome == SCHEDULE_FAILED) {
		int64_t n = in->failures > 0 ? in->failures : 1;
		delay = doubled(interval, n, hi);
		reason = "backoff";
	} else if (in->outcome == SCHEDULE_OK) {
		int64_t age;
		bool no_store;
		int have_age = schedule_max_age(in->cache_control, &age, &no_store);
		if (!no_store) {
			if (have_age == 0) {
				consider(&delay, &reason, age, "cache-control max-age");
			} else if (schedule_expires(in->expires, in->date, in->now, &age) == 0) {
				consider(&delay, &reason, age, "expires");
			}
		}
		if (in->hints) {
			consider(&delay, &reason, in->hints->ttl, "ttl");
			consider(&delay, &reason, in->hints->sy_period, "sy:updatePeriod");
		}
	}
	delay = clamp(delay, lo, hi);
	delay = clamp(jitter(delay, in->rng), lo, hi);
	/* Retry-After, like every hint, only ever lengthens the wait: 0 or a
	 * date in the past leaves the backoff as it is. When it wins it is
	 * not jittered (never earlier than asked). */
	if (ra > 0 && clamp(ra, lo, hi) >= delay) {
		delay = clamp(ra, lo, hi);
		reason = "retry-after";
	}
	int64_t due = in->now + delay;
	if (in->outcome == SCHEDULE_OK && in->hints) {
		int64_t moved = skip(due, in->hints, &reason);
		if (hi && moved > in->now + hi)
			moved = in->now + hi;
		due = moved;
	}
	out->next_due = due;
	out->reason = reason;
}

int64_t schedule_ceiling(const struct schedule_in *in, const char *reason)
{
	int64_t lo = in->min_interval > 0 ? in->min_interval : 1;
	int64_t hi = in->max_interval > 0 ? in->max_interval : 0;
	int64_t interval = in->interval > 0 ? in->interval : lo;
	int64_t n = in->failures > 0 ? in->failures : 1, delay;
	if (!reason) {
		delay = hi ? hi : INT64_MAX;
	} else if (strcmp(reason, "interval") == 0) {
		delay = clamp(interval + interval / 10, lo, hi);
	} else if (strcmp(reason, "retry") == 0) {
		delay = clamp(doubled(lo, n - 1, hi), lo, hi);
	} else if (strcmp(reason, "backoff") == 0) {
		delay = clamp(doubled(interval, n, hi), lo, hi);
	} else {
		delay = hi ? hi : INT64_MAX;   /* a hint: anything up to max_interval */
	}
	return delay;
}
