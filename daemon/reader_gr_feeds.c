/* reader_gr_feeds.c — the feeds one Google Reader API request looks at
 * (reader_gr_int.h, struct gr_feeds): a stream's page names a few feeds,
 * so they are read from the store by id as the walk meets them and kept
 * for the rest of the request, rather than every feed read for each
 * request (10 000 feeds cost 40 ms a request). Only the listings
 * (subscription/list, tag/list, unread-count) read them all.
 *
 * Each feed is a JSON object as store_reader_feeds' ({"id", "name",
 * "title", "url" (the configured one), "effective_url", "site_url",
 * "tags", "unread", "newest_usec"}), with feeds.conf's title in place of
 * the publisher's when it gives one. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/reader_gr_int.h"
#include "store/store.h"

static json_t *feed_json(const struct gr_feeds *fs, const struct reader_feed *f)
{
	const json_t *t = fs->titles && f->name ? json_object_get(fs->titles, f->name) : NULL;
	return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:O,s:I,s:I,s:I}",
		"id", (json_int_t)f->id, "name", json_string_lossy(f->name),
		"title", t ? json_incref((json_t *)t) : json_string_lossy(f->title),
		"url", json_string_lossy(f->conf_url ? f->conf_url : f->url),
		"effective_url", json_string_lossy(f->url),
		"site_url", json_string_lossy(f->site_url), "tags", f->tags,
		"unread", (json_int_t)f->unread, "read", (json_int_t)f->read,
		"newest_usec", (json_int_t)f->newest_usec);
}

static void key_of(int64_t id, char key[24])
{
	snprintf(key, 24, "%" PRId64, id);
}

/* Adds F to the cache (and to OUT's array when not NULL). A feed read
 * before stays: callers hold it (borrowed) for the whole request. */
struct add {
	struct gr_feeds *fs;
	json_t *out;
};

static int add_feed(const struct reader_feed *f, void *ud)
{
	struct add *a = ud;
	char key[24];
	key_of(f->id, key);
	json_t *o = json_object_get(a->fs->by_id, key);
	if (json_is_object(o))
		return a->out && json_array_append(a->out, o) < 0 ? -ENOMEM : 0;
	if (!(o = feed_json(a->fs, f)) || json_object_set(a->fs->by_id, key, o) < 0 ||
	    (a->out && json_array_append(a->out, o) < 0)) {
		json_decref(o);
		return -ENOMEM;
	}
	json_decref(o);
	return 0;
}

void gr_feeds_init(struct gr_feeds *fs, struct store *s, const json_t *titles)
{
	fs->s = s;
	fs->titles = titles;
	fs->by_id = json_object();
	fs->all = NULL;
}

void gr_feeds_free(struct gr_feeds *fs)
{
	json_decref(fs->by_id);
	json_decref(fs->all);
	fs->by_id = fs->all = NULL;
}

const json_t *gr_feeds_get(struct gr_feeds *fs, int64_t id, int *rc)
{
	*rc = 0;
	if (!fs->by_id) {
		*rc = -ENOMEM;
		return NULL;
	}
	char key[24];
	key_of(id, key);
	json_t *f = json_object_get(fs->by_id, key);
	if (!f && !fs->all) {
		struct add a = {fs, NULL};
		*rc = store_reader_feeds_each(fs->s, false, &id, 1, add_feed, &a);
		if (*rc == 0 && !(f = json_object_get(fs->by_id, key)))
			/* Not shown (removed from feeds.conf): remembered as none. */
			json_object_set_new(fs->by_id, key, json_null());
	}
	return json_is_object(f) ? f : NULL;
}

int gr_feeds_all(struct gr_feeds *fs, bool counts, json_t **out)
{
	*out = NULL;
	if (!fs->all) {
		if (!fs->by_id || !(fs->all = json_array()))
			return -ENOMEM;
		struct add a = {fs, fs->all};
		int rc = store_reader_feeds_each(fs->s, counts, NULL, 0, add_feed, &a);
		if (rc < 0) {
			json_decref(fs->all);
			fs->all = NULL;
			return rc;
		}
	}
	*out = fs->all;
	return 0;
}

/* The feed whose configured URL is URL, else whose URL of now is. */
struct by_url {
	struct add a;
	const char *url;
	int64_t conf, now;
};

static int url_feed(const struct reader_feed *f, void *ud)
{
	struct by_url *u = ud;
	int rc = add_feed(f, &u->a);
	if (rc == 0 && f->conf_url && !strcmp(f->conf_url, u->url) && !u->conf)
		u->conf = f->id;
	else if (rc == 0 && !u->now)
		u->now = f->id;
	return rc;
}

const json_t *gr_feeds_of_stream(struct gr_feeds *fs, const struct gr_stream *st, int *rc)
{
	*rc = 0;
	if (st->kind != GRS_FEED || !st->arg)
		return NULL;
	if (fs->all)
		return gr_feed_of(fs->all, st);
	/* feed/URL: the configured URL (the stream id), or the one of now
	 * (after a permanent redirect: what an older client may hold). */
	struct by_url u = {{fs, NULL}, st->arg, 0, 0};
	if (!fs->by_id)
		*rc = -ENOMEM;
	else
		*rc = store_reader_feeds_url(fs->s, st->arg, url_feed, &u);
	if (*rc < 0)
		return NULL;
	if (u.conf || u.now)
		return gr_feeds_get(fs, u.conf ? u.conf : u.now, rc);
	/* feed/NUMBER: the feed's store id, as FreshRSS names them. */
	char *end;
	long long id = strtoll(st->arg, &end, 10);
	if (*end || end == st->arg || id < 1)
		return NULL;
	return gr_feeds_get(fs, (int64_t)id, rc);
}
