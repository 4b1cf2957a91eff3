/* apiquery.c — one item or event request answered from a store handle,
 * rows rendered straight into the answer (no JSON tree per item). */
#include "daemon/apiquery.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"

void apiquery_error(struct buf *b, const char *error, const char *detail)
{
	json_t *j = json_pack("{s:s,s:o}", "error", error, "detail",
			      detail ? json_string_lossy(detail) : json_null());
	apifmt_json(b, j);
	json_decref(j);
}

static void fail(struct api_answer *out, int status, const char *error, const char *detail)
{
	out->body.len = 0;
	out->status = status;
	out->format = FMT_JSON;
	apiquery_error(&out->body, error, detail);
}

void apiquery_store_error(struct api_answer *out, int rc)
{
	if (rc == -ECONNRESET) {
		char detail[512];
		apiquery_unavailable(detail, sizeof detail);
		fail(out, 503, "store unavailable", detail);
	} else {
		fail(out, 500, rc == -ENOMEM ? "out of memory" : "store error", strerror(-rc));
	}
}

void apiquery_unavailable(char *detail, size_t size)
{
	struct store_health h;
	store_health_get(&h);
	if (h.unavailable)
		snprintf(detail, size, "the store (%s) is unavailable since %lld: %s; try again later",
			 h.label, (long long)h.since, h.last_error);
	else
		snprintf(detail, size, "the connection to the store was lost; try again later");
}

/* Where the rows of one answer go. */
struct render {
	struct api_answer *out;
	enum api_format format;
	size_t n;
	int64_t now, newest;     /* Atom: the feed's <updated> */
	struct buf entries;      /* Atom: entries, placed after the head */
};

static int on_row(const struct item_row *row, void *ud)
{
	struct render *rd = ud;
	struct buf *b = &rd->out->body;
	switch (rd->format) {
	case FMT_JSON:
		if (rd->n)
			buf_append(b, ",", 1);
		apifmt_row_json(b, row);
		break;
	case FMT_NDJSON:
		apifmt_row_json(b, row);
		buf_append(b, "\n", 1);
		break;
	case FMT_TSV:
		apifmt_row_tsv(b, row);
		break;
	case FMT_ATOM: {
		int64_t t = apifmt_row_atom(&rd->entries, row, rd->now);
		if (t != DATE_NONE && (rd->newest == DATE_NONE || t > rd->newest))
			rd->newest = t;
		break;
	}
	case FMT__COUNT:
		break;
	}
	rd->n++;
	return b->oom || rd->entries.oom ? -ENOMEM : 0;
}

static void atom_title(const struct apireq *r, char *title, size_t size)
{
	if (r->route == ROUTE_FEED_ITEMS)
		snprintf(title, size, "feedd: %s", r->name);
	else if (r->route == ROUTE_CONSUMER_ITEMS)
		snprintf(title, size, "feedd: new for %s", r->name);
	else
		snprintf(title, size, "feedd: items");
}

int apiquery_check_feeds(struct store *s, const struct apireq *r, struct api_answer *out)
{
	const char *const *names = (const char *const *)r->feeds;
	size_t n = r->nfeeds;
	if (r->route == ROUTE_FEED_ITEMS) {
		names = (const char *const *)&r->name;
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct feed_state st = { 0 };
		int rc = store_feed_load(s, names[i], &st);
		feed_state_clear(&st);
		if (rc == -ENOENT) {
			char detail[300];
			snprintf(detail, sizeof detail, "no feed named \"%s\"", names[i]);
			fail(out, 404, "unknown feed", detail);
			out->empty = false;
			return rc;
		}
	}
	return 0;
}

static void items_run(struct store *s, const struct apireq *r, int64_t now,
		      struct api_answer *out)
{
	if (apiquery_check_feeds(s, r, out) < 0)
		return;
	struct item_query q;
	apireq_item_query(r, &q);
	/* sfeed's TSV has no column for the feed: its name is not read. */
	q.no_feed_name = r->format == FMT_TSV;
	struct render rd = { .out = out, .format = r->format, .now = now, .newest = DATE_NONE };
	struct buf *b = &out->body;
	if (r->format == FMT_JSON)
		buf_append(b, "{\"items\":[", 10);
	int64_t next = 0;
	int rc = store_items_each(s, &q, on_row, &rd, &next);
	if (rc < 0) {
		buf_free(&rd.entries);
		if (rc == -ENOENT && r->route == ROUTE_CONSUMER_ITEMS)
			fail(out, 404, "unknown consumer", r->name);
		else
			apiquery_store_error(out, rc);
		return;
	}
	if (r->format == FMT_JSON) {
		char tail[48];
		int n = snprintf(tail, sizeof tail, "],\"next\":%lld}\n", (long long)next);
		buf_append(b, tail, (size_t)n);
	} else if (r->format == FMT_ATOM) {
		char title[300];
		atom_title(r, title, sizeof title);
		apifmt_atom_doc(b, title, rd.newest, now, rd.entries.data, rd.entries.len);
		buf_free(&rd.entries);
	}
	out->status = 200;
	out->format = r->format;
	out->next = next;
	out->empty = rd.n == 0;
}

static void events_run(struct store *s, const struct apireq *r, struct api_answer *out)
{
	json_t *events = NULL;
	int64_t next = 0;
	int rc = store_events(s, r->after, r->limit, &events, &next);
	if (rc < 0) {
		apiquery_store_error(out, rc);
		return;
	}
	out->status = 200;
	out->format = r->format;
	out->next = next;
	out->empty = json_array_size(events) == 0;
	if (r->format == FMT_NDJSON) {
		apifmt_ndjson(&out->body, events);
	} else {
		json_t *j = json_pack("{s:O,s:I}", "events", events, "next", (json_int_t)next);
		apifmt_json(&out->body, j);
		json_decref(j);
	}
	json_decref(events);
}

void apiquery_run(struct store *s, const struct apireq *r, int64_t now, struct api_answer *out)
{
	out->status = 0;
	out->empty = false;
	out->next = 0;
	out->body.len = 0;
	out->body.oom = false;
	if (r->route == ROUTE_EVENTS)
		events_run(s, r, out);
	else
		items_run(s, r, now, out);
}
