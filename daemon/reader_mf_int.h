/* reader_mf_int.h — what the Miniflux routes' files share: a request's
 * job (reader_mf.c runs it, reader_mf_params.c reads its parameters).
 *
 * Ownership: a job is reader_mf.c's (job_free); the parameter readers
 * only fill its fields (search and ids on the heap, freed with it). */
#ifndef FEEDD_READER_MF_INT_H
#define FEEDD_READER_MF_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/apifmt.h"
#include "daemon/http.h"
#include "daemon/reader_int.h"
#include "daemon/storeq.h"

#define MF_MAX_ENTRIES 1000     /* entries of one page at most */
/* An offset the store skips in its query (SQL OFFSET): any a client pages
 * to, within reason. */
#define MF_MAX_OFFSET 1000000000
#define MF_MAX_OFFSET_TEXT "1000000000"
#define MF_DEFAULT_LIMIT 100
#define MF_MAX_SEARCH 1024     /* bytes of a search */

enum mf_route {
	MF_CATEGORIES, MF_FEEDS, MF_FEED, MF_COUNTERS, MF_FEED_ENTRIES, MF_ENTRIES, MF_ENTRY,
	MF_MARK, MF_BOOKMARK, MF_FEED_READ,
	MF_CATEGORY_ENTRIES, MF_CATEGORY_FEEDS, MF_CATEGORY_READ,
};

/* One request with store work: the connection's context until answered.
 * Only the loop touches it, but for the parameters and the answer while
 * a worker or the store thread runs it. */
struct mf_job {
	enum reader_ctx_kind kind;  /* RCTX_JOB */
	struct reader_api *r;
	struct storeq_job sq;       /* its link on the store thread's queue */
	struct http_conn *conn;     /* NULL once the client is gone */
	enum mf_route route;
	int64_t id;                 /* the path's feed, entry or category id */
	/* entries */
	int status;                 /* ITEMQ_* */
	bool starred, unstarred, desc, by_date;
	int64_t after, before, category;
	int64_t feed;               /* feed_id=, 0: any */
	/* published (since <= sort date < until) and changed bounds, Unix
	 * seconds; DATE_NONE: none */
	int64_t since, until, changed_after, changed_before;
	int limit;
	int64_t offset;
	char *search;               /* heap, or NULL */
	/* marks */
	int64_t *ids;
	size_t nids;
	bool read;
	struct reader_task task;    /* or on the reader pool's workers */
	/* the answer, rendered off the loop */
	int code;                   /* HTTP status */
	struct buf body;            /* the JSON of a 200 */
	const char *error;          /* the error_message of an error */
	json_t *titles;             /* feeds.conf's titles (reader_titles_shared), or NULL */
};

/* S, a strict decimal in [MIN, MAX], into *OUT. */
bool mf_num(const char *s, int64_t min, int64_t max, int64_t *out);
/* The query's parameters of the entries listings into J (limit, order,
 * filters; defaults first); an error message for a 400, or NULL. */
const char *mf_entries_params(struct mf_job *j, const char *query);
/* A marks body, {"entry_ids": [ID, ...], "status": "read"|"unread"}, of
 * LEN bytes into J's ids and read; an error message, or NULL. */
const char *mf_mark_body(struct mf_job *j, const char *body, size_t len);

#endif
