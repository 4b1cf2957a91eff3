/* reader_mf_params.c — the Miniflux routes' parameters, read on the loop
 * from a request's query and body into its job (reader_mf_int.h): strict
 * numbers within bounds, known words, a search of bounded length, at most
 * STORE_MARK_MAX ids. Untrusted input: fuzzed (fuzz/fuzz_reader_mf.c). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/apireq.h"
#include "core/itemq.h"
#include "daemon/reader_mf_int.h"
#include "store/store.h"

/* Strict decimal in [MIN, MAX]. */
bool mf_num(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s || strlen(s) > 18)
		return false;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* A Unix time of a date filter (after: > T, before: < T) into *BOUND,
 * the tighter of it and what is there; false when not a number. 0 or less
 * is no bound, as in Miniflux. */
static bool mf_time(const char *v, bool after, int64_t *bound)
{
	int64_t t;
	/* Up to the year 9999: what a date filter can mean. */
	if (!mf_num(v, INT64_MIN / 2, 253402300799, &t))
		return false;
	if (t <= 0)
		return true;
	if (*bound == DATE_NONE || (after ? t > *bound : t < *bound))
		*bound = t;
	return true;
}

/* The query's parameters of the entries listings; an error message, or NULL. */
const char *mf_entries_params(struct mf_job *j, const char *query)
{
	j->limit = MF_DEFAULT_LIMIT;
	j->desc = false;
	j->since = j->until = j->changed_after = j->changed_before = DATE_NONE;
	int64_t published_after = DATE_NONE;
	char *copy = strdup(query ? query : "");
	if (!copy)
		return "out of memory";
	const char *err = NULL;
	char *save = NULL;
	/* status may be given more than once: any of them (Miniflux's
	 * WithStatuses). Bit 0 unread, 1 read, 2 removed (feedd removes
	 * nothing: that one alone lists nothing). */
	unsigned statuses = 0;
	for (char *kv = strtok_r(copy, "&", &save); kv && !err; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		char *k = apireq_decode(kv, eq ? (size_t)(eq - kv) : strlen(kv), true);
		char *v = eq ? apireq_decode(eq + 1, strlen(eq + 1), true) : strdup("");
		int64_t n;
		if (!k || !v)
			err = "malformed query";
		else if (!strcmp(k, "status")) {
			if (!strcmp(v, "unread"))
				statuses |= 1;
			else if (!strcmp(v, "read"))
				statuses |= 2;
			else if (strcmp(v, "removed") == 0)
				statuses |= 4;
			else
				err = "status: expected read, unread or removed";
		} else if (!strcmp(k, "starred")) {
			/* Either way a filter, as Miniflux's WithStarred. */
			bool yes = !strcmp(v, "true") || !strcmp(v, "1");
			if (!yes && strcmp(v, "false") && strcmp(v, "0"))
				err = "starred: expected true or false";
			j->starred = yes;
			j->unstarred = !yes;
		} else if (!strcmp(k, "limit")) {
			if (!mf_num(v, 0, MF_MAX_ENTRIES, &n))
				err = "limit: expected 0 to 1000";
			else
				j->limit = n ? (int)n : MF_DEFAULT_LIMIT;
		} else if (!strcmp(k, "offset")) {
			if (!mf_num(v, 0, MF_MAX_OFFSET, &n))
				err = "offset: expected 0 to " MF_MAX_OFFSET_TEXT;
			else
				j->offset = n;
		} else if (!strcmp(k, "order")) {
			/* published_at: the item's date (published, else
			 * updated, else first seen), then id. */
			if (!strcmp(v, "published_at"))
				j->by_date = true;
			else if (!strcmp(v, "id") || !strcmp(v, "created_at"))
				j->by_date = false;
			else
				err = "order: expected id or published_at";
		} else if (!strcmp(k, "search")) {
			/* The store's full-text query (as the socket API's q=). */
			free(j->search);
			j->search = NULL;
			if (strlen(v) > MF_MAX_SEARCH)
				err = "search: too long";
			else if (v[strspn(v, " \t\r\n")] && !(j->search = strdup(v)))
				err = "out of memory";
		} else if (!strcmp(k, "direction")) {
			if (!strcmp(v, "desc"))
				j->desc = true;
			else if (strcmp(v, "asc"))
				err = "direction: expected asc or desc";
		} else if (!strcmp(k, "after_entry_id")) {
			if (!mf_num(v, INT64_MIN / 2, INT64_MAX / 2, &n))
				err = "after_entry_id: expected an entry id";
			else
				j->after = n > 0 ? n : 0;
		} else if (!strcmp(k, "before_entry_id")) {
			/* 0 (or less) is no bound, as after_entry_id's. */
			if (!mf_num(v, INT64_MIN / 2, INT64_MAX / 2, &n))
				err = "before_entry_id: expected an entry id";
			else
				j->before = n > 0 ? n : 0;
		} else if (!strcmp(k, "category_id")) {
			if (!mf_num(v, 1, INT64_MAX / 2, &j->category))
				err = "category_id: expected a category id";
		} else if (!strcmp(k, "feed_id")) {
			if (!mf_num(v, 1, INT64_MAX / 2, &j->feed))
				err = "feed_id: expected a feed id";
		} else if (!strcmp(k, "after") || !strcmp(k, "published_after")) {
			/* published_at > T, as Miniflux's AfterPublishedDate
			 * (after is its older name). */
			if (!mf_time(v, true, &published_after))
				err = "after: expected a Unix time";
		} else if (!strcmp(k, "before") || !strcmp(k, "published_before")) {
			if (!mf_time(v, false, &j->until))
				err = "before: expected a Unix time";
		} else if (!strcmp(k, "changed_after")) {
			if (!mf_time(v, true, &j->changed_after))
				err = "changed_after: expected a Unix time";
		} else if (!strcmp(k, "changed_before")) {
			if (!mf_time(v, false, &j->changed_before))
				err = "changed_before: expected a Unix time";
		}
		/* Other parameters (globally_visible ...) are not filtered on. */
		free(k);
		free(v);
	}
	free(copy);
	/* The store's bound is inclusive (sort date >= since): whole seconds. */
	if (published_after != DATE_NONE)
		j->since = published_after + 1;
	j->status = (statuses & 3) == 1 ? ITEMQ_UNREAD : (statuses & 3) == 2 ? ITEMQ_READ : ITEMQ_ANY;
	if (!err && ((j->before && j->before <= j->after + 1) || statuses == 4))
		j->limit = 0;
	return err;
}

/* {"entry_ids": [ID, ...], "status": "read"|"unread"}. */
const char *mf_mark_body(struct mf_job *j, const char *body, size_t len)
{
	json_error_t jerr;
	json_t *b = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
	json_t *ids = json_object_get(b, "entry_ids");
	const char *st = json_string_value(json_object_get(b, "status"));
	size_t n = json_array_size(ids);
	const char *err = NULL;
	if (!json_is_object(b) || !json_is_array(ids) || n < 1 || !st ||
	    (strcmp(st, "read") && strcmp(st, "unread")))
		err = "the body must be {\"entry_ids\": [ID, ...], \"status\": \"read\"|\"unread\"}";
	else if (n > STORE_MARK_MAX)
		err = "entry_ids: at most " STORE_MARK_MAX_TEXT " ids at once";
	if (!err && !(j->ids = calloc(n, sizeof *j->ids)))
		err = "out of memory";
	for (size_t i = 0; !err && i < n; i++) {
		json_t *v = json_array_get(ids, i);
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			err = "entry_ids: integers >= 1";
		else
			j->ids[j->nids++] = json_integer_value(v);
	}
	if (!err)
		j->read = !strcmp(st, "read");
	json_decref(b);
	return err;
}
