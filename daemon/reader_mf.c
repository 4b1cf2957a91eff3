/* reader_mf.c — the Miniflux v1 routes of the reader API
 * (docs/reader-api.md), once reader.c let a request in: the route and its
 * parameters are read on the loop; the store work of a route that only
 * reads runs on the reader pool's workers (reader_pool.c, shared with
 * the Google Reader routes, in arrival order), that of a
 * route that writes (or searches: SQLite indexes first) on the store
 * thread (daemon/storeq.h), in order; either renders the answer
 * (reader_mf_json.c) and the loop sends it.
 *
 * Miniflux's shapes: integer ids (a feed's is its store row's id, stable;
 * a category's is 1 for "All", else a hash of the tag's name, stable
 * too), RFC 3339 times, a feed's category its first tag (alphabetical),
 * an entry's status "read" or "unread". */
#include <errno.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apireq.h"
#include "core/date.h"
#include "core/item.h"
#include "core/log.h"
#include "daemon/api_send.h"
#include "daemon/feedd.h"
#include "daemon/reader_content.h"
#include "daemon/reader_int.h"
#include "daemon/reader_mf_int.h"
#include "daemon/storeq.h"

/* The routes that write: PUT, on the store thread. */
static bool route_writes(enum mf_route rt)
{
	return rt == MF_MARK || rt == MF_BOOKMARK || rt == MF_FEED_READ || rt == MF_CATEGORY_READ;
}

static void job_free(struct mf_job *j)
{
	buf_free(&j->body);
	json_decref(j->titles);
	free(j->search);
	free(j->ids);
	free(j);
}

/* --- store work (on a worker or the store thread) --- */

static void fail(struct mf_job *j, int code, const char *msg)
{
	j->code = code;
	j->error = msg;
	j->body.len = 0;
}

static void store_failed(struct mf_job *j, int rc)
{
	if (rc == -ENOMEM)
		fail(j, 500, "out of memory");
	else
		fail(j, rc == -ECONNRESET ? 503 : 500,
		     rc == -ECONNRESET ? "store unavailable" : "store error");
}

/* The feed ID's name (heap), or NULL with *RC (-ENOENT: none shown). */
struct one_feed {
	char *name;
	struct buf *out;            /* its JSON here too, when not NULL */
	const json_t *titles;
};

static int one_feed(const struct reader_feed *f, void *ud)
{
	struct one_feed *o = ud;
	if (!(o->name = strdup(f->name ? f->name : "")))
		return -ENOMEM;
	if (o->out)
		mf_put_feed(o->out, f, o->titles);
	return 0;
}

static char *feed_name(struct store *s, int64_t id, struct buf *out, const json_t *titles,
		       int *rc)
{
	struct one_feed o = {NULL, out, titles};
	*rc = store_reader_feeds_each(s, false, &id, 1, one_feed, &o);
	if (*rc == 0 && !o.name)
		*rc = -ENOENT;
	if (*rc < 0) {
		free(o.name);
		return NULL;
	}
	return o.name;
}

/* --- a page of entries --- */

/* An entry of the page: its head in HEADS (FROM .. TO) and its feed. */
struct page_entry {
	size_t from, to;
	int64_t feed;
	bool starred;
};

/* A feed of the page: its JSON in FEEDS (FROM .. TO; empty: not shown). */
struct page_feed {
	int64_t id;
	size_t from, to;
};

/* The entries SEEN of a walk, of which the first COUNT make the page (the
 * store left out the offset's); the page's feeds, once each, rendered
 * after the walk. */
struct page {
	struct buf heads, feeds;
	struct page_entry *e;
	size_t n, seen, count;
	struct page_feed *f;
	size_t nf;
	const json_t *titles;
};

static void page_free(struct page *p)
{
	buf_free(&p->heads);
	buf_free(&p->feeds);
	free(p->e);
	free(p->f);
}

static int collect_entry(const struct item_row *row, void *ud)
{
	struct page *p = ud;
	if (p->seen++ >= p->count)
		return 0;
	struct page_entry *e = &p->e[p->n++];
	e->from = p->heads.len;
	mf_put_entry_head(&p->heads, row);
	e->to = p->heads.len;
	e->feed = row->feed_id;
	e->starred = row->starred;
	return p->heads.oom ? -ENOMEM : 0;
}

static int cmp_feed(const void *a, const void *b)
{
	int64_t x = ((const struct page_feed *)a)->id, y = ((const struct page_feed *)b)->id;
	return x < y ? -1 : x > y;
}

static int collect_feed(const struct reader_feed *f, void *ud)
{
	struct page *p = ud;
	struct page_feed key = {.id = f->id};
	struct page_feed *pf = bsearch(&key, p->f, p->nf, sizeof *p->f, cmp_feed);
	if (!pf)
		return 0;
	pf->from = p->feeds.len;
	mf_put_feed(&p->feeds, f, p->titles);
	pf->to = p->feeds.len;
	return p->feeds.oom ? -ENOMEM : 0;
}

/* The page's feeds, each once, from one query of those ids. */
static int page_feeds(struct store *s, struct page *p)
{
	if (!p->n)
		return 0;
	if (!(p->f = calloc(p->n, sizeof *p->f)))
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		p->f[i].id = p->e[i].feed;
	qsort(p->f, p->n, sizeof *p->f, cmp_feed);
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++)
		if (!k || p->f[k - 1].id != p->f[i].id)
			p->f[k++] = p->f[i];
	p->nf = k;
	int64_t *ids = malloc(k * sizeof *ids);
	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < k; i++)
		ids[i] = p->f[i].id;
	int rc = store_reader_feeds_each(s, false, ids, k, collect_feed, p);
	free(ids);
	return rc;
}

/* Entry I of P, its feed inside (none for a feed no longer shown). */
static void page_put_entry(struct buf *b, const struct page *p, size_t i)
{
	const struct page_entry *e = &p->e[i];
	buf_append(b, p->heads.data + e->from, e->to - e->from);
	struct page_feed key = {.id = e->feed};
	const struct page_feed *pf = bsearch(&key, p->f, p->nf, sizeof *p->f, cmp_feed);
	if (pf && pf->to > pf->from) {
		buf_puts(b, ",\"feed\":");
		buf_append(b, p->feeds.data + pf->from, pf->to - pf->from);
	}
	buf_puts(b, "}");
}

/* A category as a walk over the feeds finds it: "All" (1) holds every
 * feed, any other id the feeds with the tag whose id it is (GET
 * /v1/categories's mapping, mf_category_id). Ids are hashes: the tag is
 * the first of the walk (by feed id, then alphabetical) with that id,
 * and the feeds after it are compared by name. */
struct category {
	int64_t id;
	char *tag;                  /* heap, once found */
};

/* 1 when F is in C, else 0; -ENOMEM. */
static int in_category(const struct reader_feed *f, struct category *c)
{
	if (c->id == 1)
		return 1;
	size_t k;
	json_t *v;
	json_array_foreach(f->tags, k, v) {
		const char *tag = json_string_value(v);
		if (!tag || (c->tag ? strcmp(tag, c->tag) : mf_category_id(tag) != c->id))
			continue;
		if (!c->tag && !(c->tag = strdup(tag)))
			return -ENOMEM;
		return 1;
	}
	return 0;
}

/* Whether the walk found C (an unknown id is 404). */
static bool category_found(const struct category *c)
{
	return c->id == 1 || c->tag;
}

static int find_tag(const struct reader_feed *f, void *ud)
{
	int rc = in_category(f, ud);
	return rc < 0 ? rc : 0;
}

static size_t head_size_hint;   /* bytes per entry head of the last page */

static void entries(struct store *s, struct mf_job *j)
{
	struct item_query q = {
		.after = j->after, .before = j->before, .since = j->since, .until = j->until,
		.changed_after = j->changed_after, .changed_before = j->changed_before,
		.desc = j->desc, .by_date = j->by_date, .status = j->status,
		.starred = j->starred, .unstarred = j->unstarred, .q = j->search,
		.no_feed_name = true,   /* an entry names its feed by id */
		.live = true,           /* an unsubscribed feed's entries went with it */
		/* The page and one more: whether more follow. */
		.limit = j->limit + 1, .offset = j->offset,
	};
	char *name = NULL;
	struct category ft = {j->category, NULL};
	int rc = 0;
	if (j->route == MF_FEED_ENTRIES || j->feed) {
		if (!(name = feed_name(s, j->route == MF_FEED_ENTRIES ? j->id : j->feed, NULL, NULL,
				       &rc))) {
			if (rc == -ENOENT)
				fail(j, 404, "feed not found");
			else
				store_failed(j, rc);
			return;
		}
		q.feeds = (const char *const *)&name;
		q.nfeeds = 1;
	}
	if (j->category > 1) {
		rc = store_reader_feeds_each(s, false, NULL, 0, find_tag, &ft);
		if (rc < 0 || !category_found(&ft)) {
			if (rc < 0)
				store_failed(j, rc);
			else
				fail(j, 404, "category not found");
			free(name);
			return;
		}
		q.tag = ft.tag;
	}
	/* Only the page is rendered. Counting every match would read them
	 * all: "total" says how many there are up to the page's end, plus
	 * one when more follow, so that a client paging by offset goes on. */
	struct page p = {.count = (size_t)j->limit,
			 .titles = j->titles};
	if (!(p.e = calloc((size_t)j->limit + 1, sizeof *p.e)))
		rc = -ENOMEM;
	/* The heads' room from the last page's size per entry (any thread's:
	 * a hint), so that a page rarely grows its buffer. */
	size_t per = __atomic_load_n(&head_size_hint, __ATOMIC_RELAXED);
	size_t want = (size_t)(j->limit + 1) * (per ? per + per / 4 : 1024);
	if (rc == 0 && !buf_grow(&p.heads, want < ((size_t)1 << 20) ? want : (size_t)1 << 20))
		p.heads.oom = false;   /* only a hint: the page grows it as it goes */
	if (rc == 0)
		rc = store_items_each(s, &q, collect_entry, &p, NULL);
	if (rc == 0)
		rc = page_feeds(s, &p);
	if (p.n)
		__atomic_store_n(&head_size_hint, p.heads.len / p.n, __ATOMIC_RELAXED);
	free(name);
	free(ft.tag);
	if (rc < 0) {
		page_free(&p);
		store_failed(j, rc);
		return;
	}
	struct buf *b = &j->body;
	/* The answer's size, to allocate it once: no growth, no copy. */
	size_t size = 64;
	for (size_t i = 0; i < p.n; i++) {
		struct page_feed key = {.id = p.e[i].feed};
		const struct page_feed *pf = bsearch(&key, p.f, p.nf, sizeof *p.f, cmp_feed);
		size += p.e[i].to - p.e[i].from + 2 + (pf ? 8 + pf->to - pf->from : 0);
	}
	buf_grow(b, size);
	buf_puts(b, "{\"total\":");
	apifmt_put_int(b, (json_int_t)(j->offset + (int64_t)p.seen));
	buf_puts(b, ",\"entries\":[");
	for (size_t i = 0; i < p.n; i++) {
		if (i)
			buf_puts(b, ",");
		page_put_entry(b, &p, i);
	}
	buf_puts(b, "]}");
	page_free(&p);
}

/* Entry J->ID into J->BODY; *STARRED its star. 404 when not stored. */
static int entry(struct store *s, struct mf_job *j, bool *starred)
{
	struct item_query q = {.after = j->id - 1, .before = j->id + 1, .since = DATE_NONE,
			       .limit = 1, .no_feed_name = true, .live = true};
	struct page p = {.count = 1, .titles = j->titles};
	int rc = -ENOMEM;
	if ((p.e = calloc(1, sizeof *p.e)))
		rc = store_items_each(s, &q, collect_entry, &p, NULL);
	if (rc == 0)
		rc = page_feeds(s, &p);
	if (rc < 0)
		store_failed(j, rc);
	else if (!p.n)
		fail(j, 404, "entry not found");
	else {
		page_put_entry(&j->body, &p, 0);
		if (starred)
			*starred = p.e[0].starred;
	}
	page_free(&p);
	return j->error ? -1 : 0;
}

/* --- the feeds' routes --- */

/* The feeds into B, comma-separated. */
struct feed_list {
	struct buf *b;
	bool any;
	const json_t *titles;
};

static int put_feed(const struct reader_feed *f, void *ud)
{
	struct feed_list *l = ud;
	if (l->any)
		buf_puts(l->b, ",");
	l->any = true;
	mf_put_feed(l->b, f, l->titles);
	return l->b->oom ? -ENOMEM : 0;
}

/* The feeds of a category into a list. */
struct category_feeds {
	struct category cat;
	struct feed_list l;
};

static int put_category_feed(const struct reader_feed *f, void *ud)
{
	struct category_feeds *cf = ud;
	int rc = in_category(f, &cf->cat);
	return rc <= 0 ? rc : put_feed(f, &cf->l);
}

/* "All", then each tag of a feed once, in the order the feeds come. */
struct categories {
	struct buf *b;
	json_t *seen;
};

static int put_categories(const struct reader_feed *f, void *ud)
{
	struct categories *c = ud;
	size_t k;
	json_t *v;
	json_array_foreach(f->tags, k, v) {
		const char *tag = json_string_value(v);
		if (!tag || json_object_get(c->seen, tag))
			continue;
		json_object_set_new(c->seen, tag, json_true());
		buf_puts(c->b, ",");
		mf_put_category(c->b, tag);
	}
	return c->b->oom ? -ENOMEM : 0;
}

/* {"reads": {"ID": N, ...}, "unreads": {...}}: the reads first, in B,
 * the unreads in UNREADS, joined at the end. */
struct counters {
	struct buf *b, unreads;
};

static int put_counters(const struct reader_feed *f, void *ud)
{
	struct counters *c = ud;
	bool first = c->unreads.len == 0;
	buf_printf(c->b, "%s\"%lld\":%lld", first ? "" : ",", (long long)f->id,
		   (long long)f->read);
	buf_printf(&c->unreads, "%s\"%lld\":%lld", first ? "" : ",", (long long)f->id,
		   (long long)f->unread);
	return c->b->oom || c->unreads.oom ? -ENOMEM : 0;
}

static void feeds_route(struct store *s, struct mf_job *j)
{
	struct buf *b = &j->body;
	int rc = 0;
	switch (j->route) {
	case MF_FEEDS: {
		struct feed_list l = {b, false, j->titles};
		buf_puts(b, "[");
		rc = store_reader_feeds_each(s, false, NULL, 0, put_feed, &l);
		buf_puts(b, "]");
		break;
	}
	case MF_CATEGORY_FEEDS: {
		struct category_feeds cf = {{j->id, NULL}, {b, false, j->titles}};
		buf_puts(b, "[");
		rc = store_reader_feeds_each(s, false, NULL, 0, put_category_feed, &cf);
		buf_puts(b, "]");
		bool found = category_found(&cf.cat);
		free(cf.cat.tag);
		if (rc == 0 && !found) {
			fail(j, 404, "category not found");
			return;
		}
		break;
	}
	case MF_FEED: {
		char *name = feed_name(s, j->id, b, j->titles, &rc);
		free(name);
		if (rc == -ENOENT) {
			fail(j, 404, "feed not found");
			return;
		}
		break;
	}
	case MF_CATEGORIES: {
		struct categories c = {b, json_object()};
		if (!c.seen) {
			rc = -ENOMEM;
			break;
		}
		buf_puts(b, "[");
		mf_put_category(b, NULL);
		rc = store_reader_feeds_each(s, false, NULL, 0, put_categories, &c);
		buf_puts(b, "]");
		json_decref(c.seen);
		break;
	}
	case MF_COUNTERS: {
		/* Counting reads every item: only the counters ask for it. */
		struct counters c = {b, {0}};
		buf_puts(b, "{\"reads\":{");
		rc = store_reader_feeds_each(s, true, NULL, 0, put_counters, &c);
		buf_puts(b, "},\"unreads\":{");
		if (c.unreads.len)
			buf_append(b, c.unreads.data, c.unreads.len);
		buf_puts(b, "}}");
		buf_free(&c.unreads);
		break;
	}
	default:
		break;
	}
	if (rc < 0)
		store_failed(j, rc);
}

/* --- the writes (on the store thread) --- */

/* The names of a category's feeds (heap, each and the array). */
struct category_names {
	struct category cat;
	char **v;
	size_t n, size;
};

static int add_category_name(const struct reader_feed *f, void *ud)
{
	struct category_names *cn = ud;
	int rc = in_category(f, &cn->cat);
	if (rc <= 0)
		return rc;
	if (cn->n == cn->size) {
		size_t size = cn->size ? 2 * cn->size : 16;
		char **v = realloc(cn->v, size * sizeof *v);
		if (!v)
			return -ENOMEM;
		cn->v = v;
		cn->size = size;
	}
	if (!(cn->v[cn->n] = strdup(f->name ? f->name : "")))
		return -ENOMEM;
	cn->n++;
	return 0;
}

/* Every unread entry of category J->ID's feeds marked read, a feed at a
 * time (the store thread runs nothing else meanwhile: no fetch's items
 * arrive between them). -ENOENT: no such category. */
static int category_read(struct store *s, struct mf_job *j)
{
	struct category_names cn = {{j->id, NULL}, NULL, 0, 0};
	int rc = store_reader_feeds_each(s, false, NULL, 0, add_category_name, &cn);
	if (rc == 0 && !category_found(&cn.cat))
		rc = -ENOENT;
	for (size_t i = 0; i < cn.n; i++) {
		/* A feed removed since the walk has nothing left to mark. */
		if (rc == 0 && (rc = store_feed_mark_read(s, cn.v[i], 0, NULL)) == -ENOENT)
			rc = 0;
		free(cn.v[i]);
	}
	free(cn.v);
	free(cn.cat.tag);
	return rc;
}

static void write_route(struct store *s, struct mf_job *j)
{
	int rc = 0;
	switch (j->route) {
	case MF_MARK: {
		int64_t missing = 0;
		rc = store_reader_items_mark(s, j->ids, j->nids, j->read, -1, &missing);
		break;
	}
	case MF_BOOKMARK: {
		bool starred = false;
		if (entry(s, j, &starred) < 0)
			return;
		j->body.len = 0;
		rc = store_reader_items_mark(s, &j->id, 1, -1, !starred, NULL);
		break;
	}
	case MF_FEED_READ: {
		char *name = feed_name(s, j->id, NULL, NULL, &rc);
		if (name)
			rc = store_feed_mark_read(s, name, 0, NULL);
		free(name);
		if (rc == -ENOENT) {
			fail(j, 404, "feed not found");
			return;
		}
		break;
	}
	case MF_CATEGORY_READ:
		if ((rc = category_read(s, j)) == -ENOENT) {
			fail(j, 404, "category not found");
			return;
		}
		break;
	default:
		break;
	}
	if (rc == -ENOENT)
		fail(j, 404, "entry not found");
	else if (rc < 0)
		store_failed(j, rc);
	else
		j->code = 204;
}

/* J's store work on S, wherever S is (a reader's worker, the store
 * thread): touches only J's parameters and answer. */
static void mf_work(struct store *s, struct mf_job *j)
{
	j->code = 200;
	switch (j->route) {
	case MF_MARK:
	case MF_BOOKMARK:
	case MF_FEED_READ:
	case MF_CATEGORY_READ:
		write_route(s, j);
		break;
	case MF_FEED_ENTRIES:
	case MF_CATEGORY_ENTRIES:
	case MF_ENTRIES:
		entries(s, j);
		break;
	case MF_ENTRY:
		entry(s, j, NULL);
		break;
	default:
		feeds_route(s, j);
		break;
	}
	if (j->code == 200 && j->body.oom)
		fail(j, 500, "out of memory");
}

/* --- where the work runs (the loop's side) --- */

/* J's answer, on the loop; frees J. */
static void job_answer(struct mf_job *j)
{
	struct http_conn *c = j->conn;
	if (c) {
		http_conn_set_ctx(c, NULL);
		if (j->code == 204)
			http_reply(c, 204, NULL, NULL, NULL, 0);
		else if (j->code == 200)
			http_reply(c, 200, "application/json", NULL, j->body.data, j->body.len);
		else
			reader_send_error(c, j->code ? j->code : 500, j->error ? j->error : "error",
					  NULL);
	}
	job_free(j);
}

static void on_store_work(struct store *s, void *arg)
{
	mf_work(s, arg);
}

static void on_store_done(void *arg)
{
	job_answer(arg);
}

/* J to the store thread, in order after what was submitted there before. */
static void to_store_thread(struct mf_job *j)
{
	storeq_submit(j->r->d->storeq, &j->sq, on_store_work, on_store_done, j);
}

static void task_work(struct store *s, struct reader_task *t)
{
	mf_work(s, (struct mf_job *)((char *)t - offsetof(struct mf_job, task)));
}

static void task_done(struct reader_task *t)
{
	job_answer((struct mf_job *)((char *)t - offsetof(struct mf_job, task)));
}

static void task_fallback(struct reader_task *t)
{
	to_store_thread((struct mf_job *)((char *)t - offsetof(struct mf_job, task)));
}

/* Runs J's store work where its route says: reads on the reader pool's
 * workers, writes and searches on the store thread. */
static void job_dispatch(struct mf_job *j)
{
	j->task.work = task_work;
	j->task.done = task_done;
	j->task.fallback = task_fallback;
	if (route_writes(j->route) || j->search || !reader_pool_submit(j->r, &j->task))
		to_store_thread(j);
}

void reader_mf_abort(void *ctx)
{
	struct mf_job *j = ctx;
	if (j->r && reader_pool_cancel(j->r, &j->task)) {
		job_free(j);
		return;
	}
	j->conn = NULL;   /* job_answer frees it */
}

/* --- requests (on the loop) --- */

static void me(struct http_conn *c, const char *user)
{
	api_send_json(c, 200, NULL, json_pack("{s:i,s:s,s:b,s:s,s:s,s:s,s:s,s:n}",
		"id", 1, "username", *user ? user : "reader", "is_admin", 0,
		"theme", "system_serif", "language", "en_US", "timezone", "UTC",
		"entry_sorting_direction", "desc", "last_login_at"));
}

/* What Miniflux's /v1/version says of its Go build, said of feedd's C
 * build: the architecture and system in Go's names (GOARCH, GOOS), the
 * compiler and its version. */
#define MF_STR_(x) #x
#define MF_STR(x) MF_STR_(x)
#if defined(__clang__)
#define MF_COMPILER "clang " MF_STR(__clang_major__) "." MF_STR(__clang_minor__) "." \
	MF_STR(__clang_patchlevel__)
#elif defined(__GNUC__)
#define MF_COMPILER "gcc " MF_STR(__GNUC__) "." MF_STR(__GNUC_MINOR__) "." \
	MF_STR(__GNUC_PATCHLEVEL__)
#else
#define MF_COMPILER "cc"
#endif
#if defined(__x86_64__)
#define MF_ARCH "amd64"
#elif defined(__aarch64__)
#define MF_ARCH "arm64"
#elif defined(__i386__)
#define MF_ARCH "386"
#elif defined(__arm__)
#define MF_ARCH "arm"
#elif defined(__riscv) && __riscv_xlen == 64
#define MF_ARCH "riscv64"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MF_ARCH "ppc64le"
#elif defined(__s390x__)
#define MF_ARCH "s390x"
#else
#define MF_ARCH "unknown"
#endif
#if defined(__linux__)
#define MF_OS "linux"
#else
#define MF_OS "unknown"
#endif

/* Miniflux's shape, feedd's version (feedd --version): the build records
 * no commit or date (builds are reproducible), and there is no Go. */
static void version(struct http_conn *c)
{
	api_send_json(c, 200, NULL, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
		"version", FEEDD_VERSION, "commit", "", "build_date", "", "go_version", "",
		"compiler", MF_COMPILER, "arch", MF_ARCH, "os", MF_OS));
}

/* PATH's segments after v1 (at most 4), split in place in BUF. Runs of
 * slashes count as one, as in the Google Reader paths: a client that
 * joins a configured URL ending in '/' to "/v1/feeds" asks "//v1/feeds"
 * (newsboat's miniflux-url "http://host:port/"). */
static int split(const char *path, size_t len, char *buf, size_t size, char **seg)
{
	if (len >= size)
		return -1;
	memcpy(buf, path, len);
	buf[len] = '\0';
	int n = -1;        /* -1 until "v1" */
	char *save = NULL;
	for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n < 0) {
			if (strcmp(t, "v1"))
				return -1;
			n = 0;
		} else if (n == 4) {
			return -1;
		} else {
			seg[n++] = t;
		}
	}
	return n > 0 ? n : -1;
}

void reader_mf_request(struct reader_api *r, struct http_conn *c,
		       const struct http_request *hr, const char *user)
{
	const char *target = hr->target;
	size_t plen = strcspn(target, "?");
	const char *query = target[plen] ? target + plen + 1 : NULL;
	char buf[512];
	char *seg[4];
	int n = split(target, plen, buf, sizeof buf, seg);
	bool get = !strcmp(hr->method_name, "GET"), put = !strcmp(hr->method_name, "PUT");
	int64_t id = 0;
	bool has_id = n >= 2 && mf_num(seg[1], 1, INT64_MAX / 2, &id);
	enum mf_route route;
	const char *allow = "GET";
	if (n == 1 && (!strcmp(seg[0], "me") || !strcmp(seg[0], "version"))) {
		if (get) {
			if (seg[0][0] == 'm')
				me(c, user);
			else
				version(c);
			return;
		}
		route = MF_CATEGORIES, n = -2;
	} else if (n == 1 && !strcmp(seg[0], "categories")) {
		route = MF_CATEGORIES;
	} else if (n == 3 && !strcmp(seg[0], "categories") && has_id) {
		if (!strcmp(seg[2], "entries"))
			route = MF_CATEGORY_ENTRIES;
		else if (!strcmp(seg[2], "feeds"))
			route = MF_CATEGORY_FEEDS;
		else if (!strcmp(seg[2], "mark-all-as-read"))
			route = MF_CATEGORY_READ, allow = "PUT";
		else {
			reader_send_error(c, 404, "not found", NULL);
			return;
		}
	} else if (n == 1 && !strcmp(seg[0], "feeds")) {
		route = MF_FEEDS;
	} else if (n == 2 && !strcmp(seg[0], "feeds") && !strcmp(seg[1], "counters")) {
		route = MF_COUNTERS;
	} else if (n == 2 && !strcmp(seg[0], "feeds") && has_id) {
		route = MF_FEED;
	} else if (n == 3 && !strcmp(seg[0], "feeds") && has_id && !strcmp(seg[2], "entries")) {
		route = MF_FEED_ENTRIES;
	} else if (n == 3 && !strcmp(seg[0], "feeds") && has_id &&
		   !strcmp(seg[2], "mark-all-as-read")) {
		route = MF_FEED_READ, allow = "PUT";
	} else if (n == 1 && !strcmp(seg[0], "entries")) {
		route = put ? MF_MARK : MF_ENTRIES, allow = "GET, PUT";
	} else if (n == 2 && !strcmp(seg[0], "entries") && has_id) {
		route = MF_ENTRY;
	} else if (n == 3 && !strcmp(seg[0], "entries") && has_id && !strcmp(seg[2], "bookmark")) {
		route = MF_BOOKMARK, allow = "PUT";
	} else {
		reader_send_error(c, 404, "not found", NULL);
		return;
	}
	if (n == -2 || (route_writes(route) ? !put : !get)) {
		char h[64];
		snprintf(h, sizeof h, "Allow: %s\r\n", n == -2 ? "GET" : allow);
		reader_send_error(c, 405, "method not allowed", h);
		return;
	}
	struct mf_job *j = calloc(1, sizeof *j);
	if (!j) {
		reader_send_error(c, 500, "out of memory", NULL);
		return;
	}
	j->kind = RCTX_JOB;
	j->conn = c;
	j->titles = reader_titles_shared(r);
	j->route = route;
	j->id = id;
	const char *err = NULL;
	if (route == MF_ENTRIES || route == MF_FEED_ENTRIES || route == MF_CATEGORY_ENTRIES)
		err = mf_entries_params(j, query);
	else if (route == MF_MARK)
		err = mf_mark_body(j, hr->body, hr->body_len);
	if (err) {
		reader_send_error(c, 400, err, NULL);
		job_free(j);
		return;
	}
	if (route == MF_CATEGORY_ENTRIES)
		j->category = id;   /* the path's, whatever category_id= said */
	if (put)
		log_info("reader: %s %s by %s", hr->method_name, target, *user ? user : "a token");
	j->r = r;
	http_conn_set_ctx(c, j);
	job_dispatch(j);
}
