/* reader_mf_json.c — Miniflux's shapes (docs/reader-api.md) written
 * straight into a struct buf from the store's rows, without a JSON tree:
 * a feed, a category, an entry. Called on whichever thread runs the store
 * work (a reader's worker, the store thread).
 *
 * Ownership: rows and feeds are borrowed; the bytes go to the caller's
 * struct buf. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apifmt.h"
#include "core/date.h"
#include "daemon/reader_content.h"
#include "daemon/reader_int.h"

int64_t mf_category_id(const char *tag)
{
	/* FNV-1a, folded into 2..2^31-1: Miniflux's ids are ints. */
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)tag; *p; p++)
		h = (h ^ *p) * 16777619u;
	h &= 0x7fffffffu;
	return h < 2 ? h + 2 : h;
}

void mf_put_category(struct buf *b, const char *tag)
{
	buf_puts(b, "{\"id\":");
	apifmt_put_int(b, tag ? mf_category_id(tag) : 1);
	buf_puts(b, ",\"title\":");
	apifmt_put_lossy(b, tag ? tag : "All");
	buf_puts(b, ",\"user_id\":1}");
}

/* S, or "" when absent: Miniflux's strings are never null. */
static void put_str(struct buf *b, const char *s)
{
	apifmt_put_lossy(b, s ? s : "");
}

/* Epoch seconds T as RFC 3339 (the epoch itself when unknown). */
static void put_time(struct buf *b, int64_t t)
{
	apifmt_put_date(b, t > 0 ? t : 0);
}

void mf_put_feed(struct buf *b, const struct reader_feed *f, const json_t *titles)
{
	buf_puts(b, "{\"id\":");
	apifmt_put_int(b, f->id);
	buf_puts(b, ",\"user_id\":1,\"feed_url\":");
	put_str(b, f->url);
	buf_puts(b, ",\"site_url\":");
	put_str(b, f->site_url);
	buf_puts(b, ",\"title\":");
	const char *own = json_string_value(json_object_get(titles, f->name ? f->name : ""));
	put_str(b, own ? own : f->title ? f->title : f->name);
	buf_puts(b, ",\"checked_at\":");
	put_time(b, f->last_fetch);
	buf_puts(b, ",\"category\":");
	/* Its first tag (alphabetical), else "All". */
	mf_put_category(b, json_string_value(json_array_get(f->tags, 0)));
	buf_puts(b, ",\"icon\":null,\"disabled\":false,\"parsing_error_count\":");
	buf_puts(b, f->last_error ? "1" : "0");
	buf_puts(b, ",\"parsing_error_message\":");
	put_str(b, f->last_error);
	buf_puts(b, "}");
}

void mf_put_entry_head(struct buf *b, const struct item_row *r)
{
	buf_puts(b, "{\"id\":");
	apifmt_put_int(b, r->id);
	buf_puts(b, ",\"user_id\":1,\"feed_id\":");
	apifmt_put_int(b, r->feed_id);
	buf_puts(b, r->read ? ",\"status\":\"read\",\"hash\":" : ",\"status\":\"unread\",\"hash\":");
	put_str(b, r->guid);
	buf_puts(b, ",\"title\":");
	put_str(b, r->title);
	buf_puts(b, ",\"url\":");
	put_str(b, r->url);
	buf_puts(b, ",\"comments_url\":\"\",\"published_at\":");
	put_time(b, r->date);
	buf_puts(b, ",\"created_at\":");
	put_time(b, r->first_seen);
	buf_puts(b, ",\"changed_at\":");
	put_time(b, r->updated_seen ? r->updated_seen : r->first_seen);
	buf_puts(b, ",\"content\":");
	reader_put_entry_content(b, r);   /* sanitized */
	buf_puts(b, ",\"author\":");
	put_str(b, r->author);
	buf_puts(b, r->starred ? ",\"starred\":true" : ",\"starred\":false");
	buf_puts(b, ",\"reading_time\":0,\"tags\":[]");
}
