/* sched_fetch.c — the fetch pipeline: a feed's request (validators, auth
 * file, caps) to the fetcher, its body pushed into a parser as it comes,
 * and the answer (status, validators, redirects, caps, a cut body, errors)
 * made into an outcome and the feed's counters, then handed to the commit
 * (sched_commit.c).
 *
 * A feed owns its fetch (RT->fx, until on_fetch_done) and its parser
 * (RT->parser, freed here once the document is out); the document goes to
 * sched_commit, which frees it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/parse.h"
#include "core/schedule.h"
#include "daemon/sched_int.h"

static int read_auth(const char *path, char *buf, size_t len)
{
	/* Read on the loop: a FIFO or a device here would block every feed,
	 * so only a regular file is read (O_NONBLOCK keeps open() from waiting). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOTSUP;
	}
	ssize_t n = read(fd, buf, len - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return strchr(buf, ':') ? 0 : -EINVAL;
}

static int on_fetch_head(void *ud, const struct fetch_result *r)
{
	struct feed_rt *rt = ud;
	struct parse_opts o = {
		.url = r->url,
		.content_type = r->content_type,
		.content_location = r->content_location,
		.content_language = r->content_language,
		.max_doc_bytes = rt->fc->max_size > 0 ? (size_t)rt->fc->max_size : 0,
	};
	rt->parser = parse_new(&o);
	return rt->parser ? 0 : -ENOMEM;
}

static int on_fetch_body(void *ud, const char *buf, size_t len)
{
	struct feed_rt *rt = ud;
	return parse_chunk(rt->parser, buf, len);
}

static void on_fetch_done(void *ud, const struct fetch_result *r);

static void fail_now(struct sched *s, struct feed_rt *rt, const char *msg);

/* The last document was cut at a max_size smaller than today's: its
 * validators describe a document of which only a part was read, and would
 * be answered 304 until it changes. (The cap is read back from the warning
 * that said it: doc_capped writes it.) */
static bool cut_below_max_size(const struct feed_rt *rt)
{
	long long was;
	const char *w = rt->st.last_warning;
	return w && sscanf(w, "max_size: body larger than %lld bytes", &was) == 1 &&
	       was < rt->fc->max_size;
}

void sched_fetch_start(struct sched *s, struct feed_rt *rt)
{
	const struct feed_conf *fc = rt->fc;
	char auth[1024];
	bool whole = cut_below_max_size(rt);
	struct fetch_request req = {
		.url = sched_feed_url(rt),
		.etag = whole ? NULL : rt->st.etag,
		.last_modified = whole ? NULL : rt->st.last_modified,
		.user_agent = fc->user_agent ? fc->user_agent : s->conf->daemon.user_agent,
		.headers = (const char *const *)fc->headers,
		.proxy = fc->proxy,
		.timeout = fc->timeout,
		.max_size = fc->max_size,
		.allow_private = fc->allow_private,
	};
	if (fc->auth_file) {
		int e = read_auth(fc->auth_file, auth, sizeof auth);
		if (e < 0) {
			char msg[512];
			snprintf(msg, sizeof msg, "auth_file %s: %s", fc->auth_file,
				 e == -EINVAL ? "no \"user:password\" line" :
				 e == -ENOTSUP ? "not a regular file" : strerror(-e));
			fail_now(s, rt, msg);
			return;
		}
		req.userpwd = auth;
	}
	static const struct fetch_callbacks cb = { on_fetch_head, on_fetch_body, on_fetch_done };
	rt->state = RT_FETCHING;
	rt->host->active++;
	s->active++;
	int e = fetch_start(s->fetcher, &req, &cb, rt, &rt->fx);
	if (fc->auth_file)
		memset(auth, 0, sizeof auth);   /* no password left on the stack */
	if (e < 0) {
		rt->host->active--;
		s->active--;
		fail_now(s, rt, strerror(-e));
	}
}

/* A fetch that could not even start (auth file, out of memory). */
static void fail_now(struct sched *s, struct feed_rt *rt, const char *msg)
{
	struct outcome o = { .sched = SCHEDULE_FAILED, .count_failure = true,
			     .now = (int64_t)time(NULL) };
	snprintf(o.msg, sizeof o.msg, "%s", msg);
	rt->st.n_err_net++;
	s->totals->errors_net++;
	sched_commit(s, rt, NULL, &o, NULL);
}

/* A validator with a control character cannot be sent back in a request
 * header: it is not kept (the next request is unconditional), and the
 * publisher's mistake is said once per feed, not at every fetch. */
static const char *sendable_validator(struct feed_rt *rt, const char *what, const char *v)
{
	for (const unsigned char *c = (const unsigned char *)v; c && *c; c++) {
		if ((*c < 0x20 && *c != '\t') || *c == 0x7f) {
			if (!rt->validator_warned)
				log_warn("fetch %s: the server's %s holds a control character; "
					 "not used for conditional requests", rt->st.name, what);
			rt->validator_warned = true;
			return NULL;
		}
	}
	return v;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* RFC 9110's weak comparison: W/"x" and "x" name the same version. nginx
 * sends W/"x" with a gzipped 200 and "x" with the 304 that answers it. */
static bool same_etag(const char *a, const char *b)
{
	if (a && b) {
		a += strncmp(a, "W/", 2) == 0 ? 2 : 0;
		b += strncmp(b, "W/", 2) == 0 ? 2 : 0;
	}
	return same_str(a, b);
}

/* A 2xx body that ended inside its root element, or whose transfer broke
 * (BROKE): the fetch failed ("truncated"), the complete items before the
 * cut are stored, and the validators are not, so that the next request
 * fetches the whole document again. Nor are the previous document's
 * kept: sent again, they would be answered 304 by a cache that still has
 * that document, and the items after the cut would never come. */
static void body_cut(struct feed_rt *rt, const struct fetch_result *r, const struct doc *doc,
		     bool broke, struct outcome *o)
{
	char how[320] = "";
	if (doc->cut)
		snprintf(how, sizeof how, "the document ends %s", doc->cut);
	if (broke)
		snprintf(how + strlen(how), sizeof how - strlen(how), "%s%s%s%s",
			 doc->cut ? " (" : "",
			 r->error == FETCH_ERR_PARTIAL ? "" : fetch_error_name(r->error),
			 r->error == FETCH_ERR_PARTIAL ? "" : ": ", r->error_msg ? r->error_msg : "");
	if (broke && doc->cut)
		snprintf(how + strlen(how), sizeof how - strlen(how), ")");
	snprintf(o->msg, sizeof o->msg,
		 "truncated: %s; %zu complete item%s kept, the next fetch asks for the whole document",
		 how, doc->nitems, doc->nitems == 1 ? "" : "s");
	sched_set_str(&rt->st.etag, NULL);
	sched_set_str(&rt->st.last_modified, NULL);
	rt->st.n_truncated++;
	rt->s->totals->truncated++;
}

/* A document read whole but for the caps it hit: the feed's last_warning
 * says what was cut and where (NULL when nothing was), and the daemon's
 * totals count each cap. OVER_SIZE: max_size stopped the body. */
static void doc_capped(struct feed_rt *rt, const struct doc *doc, bool over_size)
{
	struct feedd_totals *t = rt->s->totals;
	char w[1024] = "";
	if (over_size) {
		t->caps[DOC_CAP__COUNT]++;
		snprintf(w, sizeof w, "max_size: body larger than %lld bytes, the rest not read "
			 "(%zu complete item%s kept)", (long long)rt->fc->max_size, doc->nitems,
			 doc->nitems == 1 ? "" : "s");
	}
	for (int i = 0; i < DOC_CAP__COUNT; i++)
		if (doc->caps & (1u << i))
			t->caps[i]++;
	if (doc->capped)
		snprintf(w + strlen(w), sizeof w - strlen(w), "%s%s", *w ? "; " : "", doc->capped);
	sched_set_str(&rt->st.last_warning, *w ? w : NULL);
	if (*w)
		log_warn("fetch %s: capped: %s", rt->st.name, w);
}

static void on_fetch_done(void *ud, const struct fetch_result *r)
{
	struct feed_rt *rt = ud;
	struct sched *s = rt->s;
	struct feedd_totals *t = s->totals;
	struct feed_state *st = &rt->st;
	int64_t now = sched_now_ms();
	struct doc *doc = NULL;
	/* Due times are whole seconds: round the base up, or the next request
	 * could come up to a second before the interval has passed. */
	struct outcome o = { .sched = SCHEDULE_FAILED, .count_failure = true,
			     .now = (now + 999) / 1000 };

	rt->fx = NULL;
	rt->host->active--;
	s->active--;

	st->last_fetch = now / 1000;
	st->n_requests++;
	if (r->conditional)
		st->n_conditional++;
	st->bytes_wire += r->bytes_wire;
	st->bytes_decoded += r->bytes_decoded;
	st->last_status = r->status;
	t->fetches++;
	t->bytes_wire += r->bytes_wire;
	t->bytes_decoded += r->bytes_decoded;
	if (r->status > 0)
		s->last_heard_ms = now;
	if (r->error == FETCH_OK || r->status > 0)
		sched_host_throttled(s, rt, r, now);

	/* A permanent redirect to a feed moves the feed (below, once it is
	 * known that a feed came from there). */
	bool moving = r->moved_url && r->error == FETCH_OK &&
		      ((r->status >= 200 && r->status < 300) || r->status == 304) &&
		      strcmp(r->moved_url, sched_feed_url(rt)) != 0;

	bool body_error = r->error == FETCH_ERR_BODY;
	/* max_size reached in a 2xx body: a cap, like the parser's own. */
	bool over_size = r->error == FETCH_ERR_TOO_BIG && rt->parser;
	/* The transfer broke after a 2xx body began (closed before its
	 * length, reset, timed out): whatever parses is cut short. */
	bool broke = rt->parser && r->error != FETCH_OK && !body_error && !over_size;
	struct doc *pdoc = NULL;
	char *perr = NULL;
	int pe = 1;              /* 1: no body to parse */
	if ((r->error == FETCH_OK && r->status >= 200 && r->status < 300) || body_error ||
	    over_size || broke) {
		if (!rt->parser)
			on_fetch_head(rt, r);
		pe = rt->parser ? parse_finish(rt->parser, &pdoc, &perr) : -ENOMEM;
		parse_free(rt->parser);
		rt->parser = NULL;
	}
	/* Moved only where a feed was found: a 304 to what feedd asked, or a
	 * document that parses. A permanent redirect to a page that is no
	 * feed (a site's home page, after a botched migration) is not
	 * followed next time: the feed stays where it was, and the error
	 * says where the page that was no feed came from. */
	if (moving && (pe == 0 || (r->status == 304 && r->conditional))) {
		log_notice("feed %s moved permanently: %s -> %s", st->name, sched_feed_url(rt),
			   r->moved_url);
		sched_set_str(&st->effective_url, strcmp(r->moved_url, rt->fc->url) ? r->moved_url : NULL);
		o.events |= STORE_EV_MOVED;
		moving = false;
	}
	if (pe == 0 && (broke || (pdoc->cut && !over_size))) {
		body_cut(rt, r, pdoc, broke, &o);
		doc = pdoc;
	} else if (pe == 0) {
		doc = pdoc;
		st->n_200++;
		t->ok200++;
		/* The document's validators, replacing the old ones (absent = none). */
		sched_set_str(&st->etag, sendable_validator(rt, "ETag", r->etag));
		sched_set_str(&st->last_modified,
			sendable_validator(rt, "Last-Modified", r->last_modified));
		if (doc->feed.title)
			sched_set_str(&st->title, doc->feed.title);
		if (doc->feed.link)
			sched_set_str(&st->site_url, doc->feed.link);
		rt->hints = doc->feed.hints;
		rt->have_hints = true;
		st->gone = false;
		o.ok = true;
		o.sched = SCHEDULE_OK;
		o.hints = &rt->hints;
		doc_capped(rt, doc, over_size);
	} else if (pe != 1 && !broke && !over_size) {
		st->n_err_parse++;
		t->errors_parse++;
		if (r->bytes_decoded == 0 && r->content_encoding &&
		    strcasecmp(r->content_encoding, "identity") != 0)
			/* libcurl ends a brotli or zstd stream that never
			 * decoded to a byte without an error of its own. */
			snprintf(o.msg, sizeof o.msg, "not a usable feed: the body, sent with "
				 "Content-Encoding: %.100s, decoded to nothing", r->content_encoding);
		else
			snprintf(o.msg, sizeof o.msg, "not a usable feed%s%.300s%s: %s",
				 moving ? " at " : "", moving ? r->moved_url : "",
				 moving ? " (a permanent redirect, not followed)" : "",
				 perr ? perr : strerror(-pe));
	} else if (r->error == FETCH_OK && r->status == 304 && !r->conditional) {
		/* "Not modified" since nothing: feedd sent no validator (a
		 * first fetch, or the one after a body cut short). A server
		 * error: storing its validators would settle the feed into
		 * 304s for a document feedd never read. */
		st->n_err_http++;
		t->errors_http++;
		snprintf(o.msg, sizeof o.msg, "HTTP 304 Not Modified to a request without "
			 "validators: the server sent no document");
	} else if (r->error == FETCH_OK && r->status == 304) {
		st->n_304++;
		t->not_modified++;
		/* Nothing but times and counters changes: the store hears of it
		 * later (sched_commit). */
		bool same_tag = !r->etag || same_etag(st->etag, sendable_validator(rt, "ETag", r->etag));
		o.unchanged = same_tag &&
			      (!r->last_modified || same_str(st->last_modified,
				sendable_validator(rt, "Last-Modified", r->last_modified)));
		/* A 304 may refresh the validators; keep the ones it does not send,
		 * and the ETag it sends in another strength. */
		if (!same_tag)
			sched_set_str(&st->etag, sendable_validator(rt, "ETag", r->etag));
		if (r->last_modified)
			sched_set_str(&st->last_modified,
				sendable_validator(rt, "Last-Modified", r->last_modified));
		o.ok = true;
		o.sched = SCHEDULE_OK;
		o.hints = rt->have_hints ? &rt->hints : NULL;
	} else if (r->error == FETCH_OK && r->status == 410) {
		st->n_err_http++;
		t->errors_http++;
		if (!st->gone)
			o.events |= STORE_EV_GONE;
		st->gone = true;
		o.count_failure = false;
		snprintf(o.msg, sizeof o.msg,
			 "HTTP 410 Gone: polling stopped (change the feed's config or refresh it to resume)");
	} else if (r->error == FETCH_OK) {
		st->n_err_http++;
		t->errors_http++;
		/* 429, and a 503 that says when: Retry-After. Any other 5xx is
		 * the server's passing trouble: the retry schedule. A Retry-After
		 * of 0 or a past date says nothing (it would only lengthen the
		 * wait, core/schedule.c): such a 503 retries like one without. */
		int64_t ra;
		bool says_when = schedule_retry_after(r->retry_after, now / 1000, &ra) == 0 &&
				 ra > 0;
		if (r->status == 429 || (r->status == 503 && says_when))
			o.sched = SCHEDULE_THROTTLED;
		else if (r->status >= 500 && r->status <= 599)
			o.sched = SCHEDULE_RETRY;
		snprintf(o.msg, sizeof o.msg, "HTTP %d%s%s", r->status,
			 r->retry_after ? ", Retry-After: " : "", r->retry_after ? r->retry_after : "");
	} else {
		bool net = fetch_error_is_network(r->error) ||
			   (r->error == FETCH_ERR_TIMEOUT && r->status == 0);
		st->n_err_net++;
		t->errors_net++;
		snprintf(o.msg, sizeof o.msg, "%s: %s", fetch_error_name(r->error),
			 r->error_msg ? r->error_msg : "");
		/* Refused, unresolved, timed out: likely to pass, retry soon. */
		if (net || r->error == FETCH_ERR_TIMEOUT)
			o.sched = SCHEDULE_RETRY;
		if (net && sched_outage(s, rt, now)) {
			/* Everyone is failing at once: the network, not the feed. */
			o.sched = SCHEDULE_OUTAGE;
			o.count_failure = false;
			snprintf(o.msg, sizeof o.msg, "%s: %s (network outage: not counted)",
				 fetch_error_name(r->error), r->error_msg ? r->error_msg : "");
		}
	}
	if (rt->parser) {
		parse_free(rt->parser);
		rt->parser = NULL;
	}
	free(perr);
	sched_commit(s, rt, doc, &o, r);
	sched_dispatch(s);
}
