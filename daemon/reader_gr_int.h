/* reader_gr_int.h — what the Google Reader API's files share (internal to
 * daemon/reader_gr*.c; docs/reader-api.md, "Google Reader API"):
 *
 *   reader_gr.c         the routes: which path is which call, the request's
 *                       job (reads on the API's read-only handles, writes
 *                       through the store thread), the answer
 *   reader_gr_ids.c     parsing: paths, form bodies and queries, stream ids,
 *                       item ids (pure; fuzz/fuzz_reader_gr.c)
 *   reader_gr_auth.c    ClientLogin, the tokens (hashed in the store) and
 *                       the short-lived T token of writes
 *   reader_gr_feeds.c   the feeds a request looks at, read by id as its
 *                       walk meets them (struct gr_feeds)
 *   reader_gr_stream.c  the read calls: a stream's items walked through the
 *                       store, their JSON (FreshRSS's shapes) written
 *                       straight from the rows, the lists
 *   reader_gr_atom.c    a stream as Google Reader's Atom (newsboat's
 *                       "feedhq" backend)
 *   reader_gr_write.c   edit-tag (states and labels), mark-all-as-read
 *   reader_gr_subs.c    subscription/quickadd and /edit: feeds.conf through
 *                       core/conf_edit.c, then a reload (on the loop)
 *
 * Ownership: a struct gr_job is the connection's context from submission
 * until reader_gr.c answers it (or reader_gr_abort forgets the connection);
 * its gr_params strings are its own (gr_params_free). Everything a job's
 * store work reads is in the job: the loop's config is never touched from
 * the store thread or a reader's worker. The reads run on a read-only
 * store handle of R's (reader_gr.c's pool, on libuv's workers), the
 * writes and ClientLogin on the store thread. */
#ifndef FEEDD_READER_GR_INT_H
#define FEEDD_READER_GR_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/apifmt.h"
#include "core/item.h"
#include "daemon/storeq.h"
#include "daemon/reader_int.h"

struct store;

#define GR_MAX_N 1000           /* items one page holds */
#define GR_DEFAULT_N 20
#define GR_MAX_IDS 4000         /* i= of one request */
#define GR_MAX_TAGS 16          /* a= / r= of one request */

enum gr_route {
	GR_LOGIN, GR_TOKEN, GR_USER_INFO, GR_SUB_LIST, GR_TAG_LIST, GR_UNREAD_COUNT,
	GR_STREAM_CONTENTS, GR_ITEM_IDS, GR_ITEM_CONTENTS, GR_EDIT_TAG, GR_MARK_ALL,
	GR_QUICKADD, GR_SUB_EDIT, GR_ATOM, GR__COUNT
};

/* A stream id: "feed/URL", "user/-/label/NAME", "user/-/state/com.google/X"
 * (any user in place of "-"). */
enum gr_stream_kind {
	GRS_NONE, GRS_READING_LIST, GRS_STARRED, GRS_READ, GRS_KEPT_UNREAD, GRS_LABEL, GRS_FEED,
	GRS_OTHER_STATE,            /* a state feedd does not keep (broadcast ...) */
};

struct gr_stream {
	enum gr_stream_kind kind;
	char *arg;                  /* the label or the feed's URL (or number) */
	/* A label's tag: the feeds whose tag it is are in the label's stream.
	 * The label as feeds.conf folds a tag (config_fold_tag: trimmed,
	 * ASCII letters lower-cased), so that "Reading" finds the feeds of
	 * "tags = Reading", stored "reading"; the label itself (ARG) keeps
	 * its case, as items' labels do. Inside ARG's allocation. */
	const char *tag;
};

/* A request's parameters: the query's and the form body's together. */
struct gr_params {
	struct gr_stream s, xt, it;
	int n;                      /* 0: not given */
	int64_t c;                  /* continuation: an item id; 0: none */
	bool oldest_first;          /* r=o */
	int64_t ot, nt;             /* seconds; 0: no bound */
	int64_t ts;                 /* mark-all-as-read's, microseconds; 0: none */
	int64_t *ids;               /* i= */
	size_t nids;
	struct gr_stream add[GR_MAX_TAGS], rem[GR_MAX_TAGS];   /* a=, r= */
	size_t nadd, nrem;
	char *T;                    /* the write token, trimmed */
	char *email, *passwd;       /* ClientLogin */
	char *ac, *title, *quickadd;/* subscription/edit, quickadd */
	bool has_s;
};

void gr_params_free(struct gr_params *p);
/* Adds QUERY's and BODY's (BLEN bytes, application/x-www-form-urlencoded)
 * pairs to P; NULL, or what was wrong (a static string). */
const char *gr_params_parse(struct gr_params *p, const char *query, const char *body,
			    size_t blen);
/* S as a stream id into OUT (OUT->arg a new string); false when it is none. */
bool gr_stream_parse(const char *s, struct gr_stream *out);
/* An item id: "tag:google.com,2005:reader/item/" and 16 hex digits, or
 * the decimal short form (Google's signed 64-bit); false when neither or
 * not a possible feedd id (1 .. 2^63-1). */
bool gr_item_id_parse(const char *s, int64_t *id);
/* ID's long form into BUF (at least 64 bytes). */
void gr_item_id_format(int64_t id, char *buf, size_t size);
/* IDS[0..*N) (item ids, positive) with each id once, where it came first:
 * the repeats taken out, the rest moved up in their order, *N the new
 * count. 0, or -ENOMEM (IDS and *N as they were). */
int gr_item_ids_unique(int64_t *ids, size_t *n);
/* Whether PATH (no query) is the Google Reader API's (ClientLogin, /reader/,
 * both also under /api/greader.php), any runs of slashes alike; *ROUTE its
 * call and *STREAM the stream in the path (a new decoded string) or NULL.
 * -ENOENT: not a route of it (but its prefix); -EINVAL: a bad escape. */
bool gr_is_path(const char *path);
int gr_route(const char *path, enum gr_route *route, char **stream);

/* --- reader_gr_auth.c --- */
/* The token of "GoogleLogin auth=TOKEN" (AUTHORIZATION, may be NULL) in
 * TOK (at most GR_TOKEN_MAX bytes) and its SHA-256 hex in HASH; false
 * when there is none. */
#define GR_TOKEN_MAX 256
bool gr_auth_header_token(const char *authorization, char tok[GR_TOKEN_MAX + 1],
			  char hash[65]);
/* A new random token (64 hex digits) and its hash. 0 or -errno. */
int gr_token_new(char tok[65], char hash[65]);
/* The write token of the login whose hash is HASH for this half-hour
 * (WINDOW 0) or the last one (WINDOW 1), into T (41 bytes). */
void gr_write_token(struct reader_api *r, const char *hash, int window, char t[41]);
bool gr_write_token_ok(struct reader_api *r, const char *hash, const char *t);

/* --- the feeds of one request (reader_gr_feeds.c) --- */
/* Feeds as JSON objects (store_reader_feeds' keys, TITLES's title winning)
 * kept by id as they are read: the request's own, freed with it. */
struct gr_feeds {
	struct store *s;
	const json_t *titles;       /* borrowed: the job's */
	json_t *by_id;              /* {"ID": feed, or null when not shown} */
	json_t *all;                /* every feed, once gr_feeds_all read them */
};
void gr_feeds_init(struct gr_feeds *fs, struct store *s, const json_t *titles);
void gr_feeds_free(struct gr_feeds *fs);
/* Feed ID (borrowed from FS), read from the store the first time; NULL
 * when not shown, or with *RC < 0 when the store failed. */
const json_t *gr_feeds_get(struct gr_feeds *fs, int64_t id, int *rc);
/* Every feed shown, with the counts when COUNTS (only the listings ask):
 * *OUT borrowed from FS. */
int gr_feeds_all(struct gr_feeds *fs, bool counts, json_t **out);
/* The feed of the stream ST (a GRS_FEED: feed/URL by either URL, or
 * feed/NUMBER), or NULL (*RC < 0: the store failed). */
const json_t *gr_feeds_of_stream(struct gr_feeds *fs, const struct gr_stream *st, int *rc);

/* --- one request --- */
struct gr_job {
	enum reader_ctx_kind kind;  /* RCTX_GR */
	struct http_conn *conn;     /* NULL once the client is gone */
	struct reader_api *r;
	struct storeq_job sq;       /* its link on the store thread's queue */
	struct reader_task task;    /* or on the reader pool's workers */
	enum gr_route route;
	struct gr_params p;
	char hash[65];              /* the login token's SHA-256 */
	char given[GR_TOKEN_MAX + 1];  /* the login token the request gave */
	char stamp[65];             /* ClientLogin's: reader_auth_stamp */
	struct reader_auth *auth;   /* reader_auth as the request came (a reference) */
	char tok[65];               /* ClientLogin's new token */
	bool t_ok;                  /* writes: T was right */
	char *user;                 /* the login's user */
	bool touch;                 /* its token's use to record (reader_gr.c) */
	bool stale;                 /* its token's reader_auth line is gone */
	/* the answer, built on the store thread */
	int code;
	bool deny;                  /* 401 after reader.c's delay */
	bool bad_t;                 /* 401 with Google-Bad-Token */
	json_t *json;
	struct buf body;            /* or JSON written straight (a stream's page) */
	char *text;                 /* or a text body (TLEN bytes, CTYPE) */
	size_t tlen;
	const char *ctype;
	const char *error;          /* or an error (static) */
	bool subs_edit;             /* let in: reader_gr_subs.c edits, on the loop */
	char *feed_name;            /* its feed by the store (s=feed/URL, either URL) */
	json_t *titles;             /* feeds.conf's titles (reader_titles_shared), or NULL */
	struct subs *subs;          /* its edit, while the reload runs */
};

void gr_job_free(struct gr_job *j);
/* The subscription edit of J, once the store thread let it in: answers
 * and frees J, now or when the reload is over. */
void gr_subs_start(struct gr_job *j);

/* The store work of the read routes (reader_gr_stream.c, reader_gr_atom.c)
 * and the writes (reader_gr_write.c), on the store thread. */
void gr_read_work(struct store *s, struct gr_job *j, struct gr_feeds *fs);
void gr_atom_work(struct store *s, struct gr_job *j, struct gr_feeds *fs);
void gr_write_work(struct store *s, struct gr_job *j, struct gr_feeds *fs);
void gr_fail(struct gr_job *j, int code, const char *msg);
void gr_store_failed(struct gr_job *j, int rc);

/* A stream's walk (reader_gr_stream.c): up to N of ST's items, honouring
 * P's xt, it, c, r, ot, nt (and TS when MARK), each handed to FN; *CONT
 * the continuation when more may follow (0: none). -ENOENT: no such
 * stream. */
typedef int (*gr_row_fn)(const struct item_row *row, const json_t *feed, void *ud);
int gr_walk(struct store *s, const struct gr_params *p, const struct gr_stream *st,
	    struct gr_feeds *fs, int n, bool mark, gr_row_fn fn, void *ud, int64_t *cont);
/* The microsecond timestamp of ROW (its crawl time, made unique). */
int64_t gr_usec(const struct item_row *row);
/* The feed of FEEDS whose stream is ST (a GRS_FEED), or NULL. */
json_t *gr_feed_of(json_t *feeds, const struct gr_stream *st);
/* "feed/URL" of FEED, into BUF. */
const char *gr_feed_stream(const json_t *feed, char *buf, size_t size);
const char *gr_str(const json_t *o, const char *key, const char *dflt);

#endif
