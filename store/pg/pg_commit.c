/* pg_commit.c — one fetched document, one PostgreSQL transaction: the
 * feed's state, its items deduplicated (DESIGN.md, "Dedup", the rules of
 * dedup.c, as sqlite_commit.c applies them) and the events they cause.
 *
 * Round trips, not the server's work, set the cost of a commit: a statement
 * per item and rule (look up, tombstones, link, duplicates, insert, event)
 * took seven per new item. A document takes a fixed few instead, whatever
 * its size: the feed's state (which also says whether the feed has items
 * or tombstones), one lookup of everything the rules may ask about the
 * document's identities and links (skipped when the feed has neither), the
 * refreshes, rewritten identities and edits (each one statement for the
 * whole document, only when there are any), and one statement that inserts
 * the new items with their duplicate_of, events and hook deliveries and
 * records what the document lists (or only records it, when nothing is
 * new); then NOTIFY, COMMIT and the last ids in one query string. The items are passed as arrays. The
 * rules themselves stay in C (dedup_decide()), item by item in document
 * order, as with SQLite. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/log.h"
#include "core/url.h"
#include "store/dedup.h"
#include "store/sql_common.h"
#include "store/strtab.h"
#include "store/pg/pg_int.h"

/* --- the commit's own statements ---
 *
 * Prepared on first use in each server session (named "c<N>"): a
 * reconnect starts a new session, which struct pg's commit_pid notices. */
enum cst {
	CS_STATE,
	CS_LOOKUP,
	CS_SEEN,
	CS_STORED,
	CS_REKEY,
	CS_INSERT,
	CS_EDIT,
	CS_COUNTERS,
	CS_DUPS,
	CS__COUNT
};

static const char *const cst_sql[CS__COUNT] = {
	/* The feed's HTTP state; returns what the dedup needs of the row.
	 * Fenced ($27 this instance, $28 the claim's lease_until, or $27
	 * NULL: not leased): a commit after this instance's lease ran out
	 * and another instance took (or finished) the feed changes nothing —
	 * its state and document are older than what that instance wrote. */
	[CS_STATE] =
		"UPDATE feeds SET url = coalesce($2, url), effective_url = $3,"
		" title = coalesce($4, title), site_url = coalesce($5, site_url),"
		" etag = $6, last_modified = $7, last_fetch = $8, last_success = $9,"
		" next_due = $10, next_reason = $11, last_status = $12, last_error = $13,"
		" failures = $14, gone = $15, n_requests = $16, n_conditional = $17,"
		" n_200 = $18, n_304 = $19, n_err_net = $20, n_err_http = $21,"
		" n_err_parse = $22, bytes_wire = $23, bytes_decoded = $24,"
		" last_warning = $25, n_truncated = $26, lease_owner = NULL, lease_until = 0, lease_host = NULL WHERE name = $1"
		" AND ($27::text IS NULL OR (lease_owner = $27 AND lease_until = $28::bigint))"
		" RETURNING id, link_identity, site_url,"
		" EXISTS (SELECT 1 FROM items WHERE feed = feeds.id),"
		" EXISTS (SELECT 1 FROM tombstones WHERE feed = feeds.id)",
	/* $1 feed, $2 the document's distinct identities, $3 beside each the
	 * canonical link the link rule may match (NULL when it may not), $4
	 * the item's other identity (dedup.h, or NULL). Kind 0: the stored
	 * item with an identity; for the identities not stored, 1: in the
	 * tombstones; 2: the stored items with the link (two tell "more than
	 * one"); 3: the link in the tombstones; 4: the stored item with the
	 * other identity; 5: the other identity in the tombstones. Every
	 * probe is an index probe (= ANY (ARRAY (...)), not IN, which read
	 * all of a feed's tombstones). */
	[CS_LOOKUP] =
		"WITH d AS (SELECT k, c, a FROM unnest($2::text[], $3::text[], $4::text[])"
		"  AS d(k, c, a)),"
		" known AS (SELECT ikey, id, chash, last_seen FROM items"
		"  WHERE feed = $1::bigint AND ikey = ANY ($2::text[])),"
		" unk AS (SELECT k, c, a FROM d WHERE NOT EXISTS"
		"  (SELECT 1 FROM known WHERE known.ikey = d.k))"
		" SELECT 0, ikey, id, chash, last_seen FROM known"
		" UNION ALL SELECT 1, t.ikey, 0, NULL, 0 FROM tombstones t"
		"  WHERE t.feed = $1 AND t.ikey = ANY (ARRAY (SELECT k FROM unk))"
		" UNION ALL SELECT 2, x.c, i.id, i.chash, i.last_seen"
		"  FROM (SELECT DISTINCT c FROM unk WHERE c IS NOT NULL) x"
		"  CROSS JOIN LATERAL (SELECT id, chash, last_seen FROM items"
		"  WHERE feed = $1 AND canon_url = x.c LIMIT 2) i"
		" UNION ALL SELECT DISTINCT 3, t.canon_url, 0, NULL, 0 FROM tombstones t"
		"  WHERE t.feed = $1 AND t.canon_url = ANY"
		"  (ARRAY (SELECT c FROM unk WHERE c IS NOT NULL))"
		" UNION ALL SELECT 4, ikey, id, chash, last_seen FROM items"
		"  WHERE feed = $1 AND ikey = ANY (ARRAY (SELECT a FROM unk WHERE a IS NOT NULL))"
		" UNION ALL SELECT 5, t.ikey, 0, NULL, 0 FROM tombstones t"
		"  WHERE t.feed = $1 AND t.ikey = ANY (ARRAY (SELECT a FROM unk WHERE a IS NOT NULL))",
	[CS_SEEN] = "UPDATE items SET last_seen = $2::bigint WHERE id = ANY ($1::bigint[])",
	[CS_STORED] = "SELECT url, canon_url, categories, enclosures FROM items WHERE id = $1::bigint",
	/* New identities for stored items ($1 ids, $2 keys, $3 rules, $4 guids). */
	[CS_REKEY] =
		"UPDATE items SET ikey = u.k, rule = u.r, guid = u.g"
		" FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(id, k, r, g)"
		" WHERE items.id = u.id",
	/* The new items in document order ($1 feed, $2 now, $3-$17 one array
	 * per column), each with the first item of another feed with its link
	 * as duplicate_of; their item.new events ($18 feed name) and hook
	 * deliveries ($19); and what the document lists: the known items ($21)
	 * and the new ones, with the feed's identity rule ($20). Items the
	 * filter rules skipped ($22) are stored with no event or delivery, and
	 * their ids are not returned: they are not news. Ids come from
	 * the sequence in the order of the sorted rows (PostgreSQL evaluates
	 * volatile output after the sort). */
	[CS_INSERT] =
		"WITH x AS (SELECT * FROM unnest($3::text[], $4::text[], $5::text[],"
		"  $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],"
		"  $12::bigint[], $13::bigint[], $14::text[], $15::text[], $16::text[],"
		"  $17::bigint[], $22::boolean[]) WITH ORDINALITY AS x(ikey, rule, guid, url, canon,"
		"  title, author, summary, content, published, updated, cats, encs, chash, sdate,"
		"  skip, ord)),"
		" ins AS (INSERT INTO items(feed, ikey, rule, guid, url, canon_url, title, author,"
		"  summary, content, published, updated, categories, enclosures, chash,"
		"  first_seen, last_seen, sort_date, duplicate_of, skipped)"
		"  SELECT $1::bigint, ikey, rule, guid, url, canon, title, author, summary, content,"
		"  published, updated, cats, encs, chash, $2::bigint, $2::bigint, sdate,"
		"  (SELECT d.id FROM items d WHERE d.canon_url = x.canon AND d.feed <> $1"
		"   ORDER BY d.id LIMIT 1), skip"
		"  FROM x ORDER BY ord RETURNING id, skipped),"
		" ev AS (INSERT INTO events(type, time, feed, item_id)"
		"  SELECT 'item.new', $2::bigint, $18::text, id FROM ins WHERE NOT skipped ORDER BY id),"
		" hk AS (INSERT INTO hook_deliveries(item_id, feed, next_try)"
		"  SELECT id, $1::bigint, $2::bigint FROM ins WHERE $19::boolean AND NOT skipped"
		"  ORDER BY id ON CONFLICT DO NOTHING),"
		" fd AS (UPDATE feeds SET link_identity = $20::boolean, listed = $21::bigint[] ||"
		"  coalesce((SELECT array_agg(id ORDER BY id) FROM ins), '{}') WHERE id = $1)"
		" SELECT id FROM ins WHERE NOT skipped ORDER BY id",
	/* What an unchanged document's fetch changes (store_feeds_touch):
	 * never the validators, nor the lease. */
	[CS_COUNTERS] =
		"UPDATE feeds SET last_fetch = $2, last_success = $3, next_due = $4,"
		" next_reason = $5, last_status = $6, n_requests = $7, n_conditional = $8,"
		" n_200 = $9, n_304 = $10, n_err_net = $11, n_err_http = $12,"
		" n_err_parse = $13, bytes_wire = $14, bytes_decoded = $15, n_truncated = $16"
		" WHERE name = $1",
	/* Edited items rewritten in place ($3 ids, $4-$15 their fields), with
	 * their item.updated events in the same order ($1 feed name, $2 now),
	 * but for the items stored as skipped; returns the items whose
	 * canonical link changed, with the one they had (o: the row as it was
	 * before the statement) and their place in the arrays. */
	[CS_EDIT] =
		"WITH u AS (UPDATE items SET guid = x.guid, url = x.url, canon_url = x.canon,"
		"  title = x.title, author = x.author, summary = x.summary, content = x.content,"
		"  published = x.published, updated = x.updated, categories = x.cats,"
		"  enclosures = x.encs, chash = x.chash, last_seen = $2::bigint, updated_seen = $2::bigint,"
		"  sort_date = CASE WHEN coalesce(x.published, x.updated) <= items.first_seen"
		"  THEN coalesce(x.published, x.updated) ELSE items.first_seen END"
		"  FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],"
		"  $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::text[],"
		"  $14::text[], $15::text[]) WITH ORDINALITY AS x(id, guid, url, canon, title,"
		"  author, summary, content, published, updated, cats, encs, chash, ord), items o"
		"  WHERE items.id = x.id AND o.id = x.id"
		"  RETURNING items.id, x.ord, items.skipped, o.canon_url AS was, x.canon),"
		" ev AS (INSERT INTO events(type, time, feed, item_id)"
		"  SELECT 'item.updated', $2::bigint, $1::text, id FROM u WHERE NOT skipped ORDER BY ord)"
		" SELECT id, ord, was FROM u WHERE was IS DISTINCT FROM canon ORDER BY ord",
	/* duplicate_of again after edits of feed $1 moved the items $2 from
	 * the canonical links $3 to $4 (store/backend.h, dups_resolve): for
	 * them, the items at the old link that had one of them, the items of
	 * other feeds at the new link after one; each a range of items_canon.
	 * Rows it does not change are not written. */
	[CS_DUPS] =
		"WITH m AS (SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[]) AS m(id, was, canon)),"
		" c AS (SELECT id FROM m"
		"  UNION SELECT i.id FROM m CROSS JOIN LATERAL (SELECT o.id FROM items o"
		"  WHERE o.canon_url = m.was AND o.id > m.id AND o.duplicate_of = m.id) i"
		"  UNION SELECT i.id FROM m CROSS JOIN LATERAL (SELECT o.id FROM items o"
		"  WHERE o.canon_url = m.canon AND o.id > m.id AND o.feed <> $1::bigint) i),"
		" r AS (SELECT t.id, " SQL_DUP_OF("t") " AS dup FROM items t"
		"  WHERE t.id = ANY (ARRAY (SELECT id FROM c)))"
		" UPDATE items SET duplicate_of = r.dup FROM r"
		" WHERE items.id = r.id AND items.duplicate_of IS DISTINCT FROM r.dup",
};

/* Only the statements the session lacks: preparing one that exists would
 * fail, and with it the transaction (a first attempt that failed half-way,
 * or a statement found missing, leaves the others in place). */
static int cs_prepare(struct pg *s)
{
	int pid = PQbackendPID(s->conn);
	if (pid && pid == s->commit_pid)
		return 0;
	PGresult *have = PQexec(s->conn, "SELECT name FROM pg_prepared_statements");
	int r = PQresultStatus(have) == PGRES_TUPLES_OK ? 0 : pg_fail(s, have, "statements");
	for (int i = 0; i < CS__COUNT && r == 0; i++) {
		char name[16];
		snprintf(name, sizeof name, "c%d", i);
		bool there = false;
		for (int row = 0; row < PQntuples(have) && !there; row++)
			there = strcmp(PQgetvalue(have, row, 0), name) == 0;
		if (there)
			continue;
		PGresult *res = PQprepare(s->conn, name, cst_sql[i], 0, NULL);
		r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_fail(s, res, name);
		PQclear(res);
	}
	PQclear(have);
	if (r == 0)
		s->commit_pid = pid;
	return r;
}

/* Runs commit statement ID with N text parameters V; the result or NULL
 * (logged, *ERR set). */
static PGresult *cs_exec(struct pg *s, enum cst id, int n, const char *const *v,
			 const char *what, int *err)
{
	int r = pg_ready(s);
	if (r == 0)
		r = cs_prepare(s);
	if (r < 0) {
		*err = r;
		return NULL;
	}
	char name[16];
	snprintf(name, sizeof name, "c%d", (int)id);
	PGresult *res = PQexecPrepared(s->conn, name, n, v, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	/* The statement is gone (a session we did not notice): prepare anew
	 * next time. */
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state && strcmp(state, "26000") == 0)
		s->commit_pid = 0;
	*err = pg_fail(s, res, what);
	PQclear(res);
	return NULL;
}

static int cs_run(struct pg *s, enum cst id, int n, const char *const *v, const char *what)
{
	int r = 0;
	PGresult *res = cs_exec(s, id, n, v, what, &r);
	PQclear(res);
	return res ? 0 : r;
}

/* --- array parameters ---
 *
 * PostgreSQL's array literal in text form: every element double-quoted
 * with '"' and '\' escaped, so that any bytes come back as they went;
 * NULL unquoted. */
struct arr {
	char *s;
	size_t len, cap;
	bool oom;
};

static void arr_put(struct arr *a, const char *p, size_t n)
{
	if (a->oom)
		return;
	if (a->len + n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap : 256;
		while (cap < a->len + n + 2)
			cap *= 2;
		char *t = realloc(a->s, cap);
		if (!t) {
			a->oom = true;
			return;
		}
		a->s = t;
		a->cap = cap;
	}
	memcpy(a->s + a->len, p, n);
	a->len += n;
}

static void arr_sep(struct arr *a)
{
	arr_put(a, a->len ? "," : "{", 1);
}

static void arr_text(struct arr *a, const char *v)
{
	arr_sep(a);
	if (!v) {
		arr_put(a, "NULL", 4);
		return;
	}
	arr_put(a, "\"", 1);
	for (const char *c = v; *c;) {
		size_t run = strcspn(c, "\"\\");
		arr_put(a, c, run);
		c += run;
		if (*c) {
			char esc[2] = {'\\', *c++};
			arr_put(a, esc, 2);
		}
	}
	arr_put(a, "\"", 1);
}

static void arr_int(struct arr *a, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%" PRId64, v);
	arr_sep(a);
	arr_put(a, num, (size_t)n);
}

static void arr_date(struct arr *a, int64_t t)
{
	if (t == DATE_NONE)
		arr_text(a, NULL);
	else
		arr_int(a, t);
}

/* The literal, or NULL when memory ran out. */
static const char *arr_end(struct arr *a)
{
	if (!a->len)
		arr_put(a, "{", 1);
	arr_put(a, "}", 2);   /* with the terminating NUL */
	return a->oom ? NULL : a->s;
}

static void arrs_free(struct arr *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i].s);
}

/* Ends the N arrays into V; 0 or -ENOMEM. */
static int arrs_end(struct arr *a, size_t n, const char **v)
{
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = arr_end(&a[i])))
			return -ENOMEM;
	return 0;
}

/* The stored fields of D (guid … content hash) into 12 arrays, in the
 * order both the insert and the edit take them. */
static void arr_item(struct arr *a, const struct dedup_item *d)
{
	const struct item *it = d->it;
	arr_text(&a[0], it->guid);
	arr_text(&a[1], it->url);
	arr_text(&a[2], dedup_stored_canon(d));
	arr_text(&a[3], it->title);
	arr_text(&a[4], it->author);
	arr_text(&a[5], it->summary);
	arr_text(&a[6], it->content);
	arr_date(&a[7], it->published);
	arr_date(&a[8], it->updated);
	arr_text(&a[9], d->categories);
	arr_text(&a[10], d->enclosures);
	arr_text(&a[11], d->chash);
}

/* --- the document's lookups --- */

static void found_row(const PGresult *res, int row, struct dedup_found *f)
{
	if (f->rows++)
		return;
	f->id = pg_int(res, row, 2);
	snprintf(f->chash, sizeof f->chash, "%s", PQgetvalue(res, row, 3));
	f->last_seen = pg_int(res, row, 4);
}

/* Everything the rules may ask about the document, in one statement. */
static int load(struct pg *s, struct commit_doc *d)
{
	const char *site_canon = d->site_canon;
	struct strtab keys = {0}, canons = {0}, alts = {0};
	struct arr a[3] = {{0}};
	const char *v[4];
	char feed[24];
	snprintf(feed, sizeof feed, "%" PRId64, d->feed);
	v[0] = feed;
	int r;
	if ((r = strtab_init(&keys, d->n)) < 0 || (r = strtab_init(&canons, d->n)) < 0 ||
	    (r = strtab_init(&alts, d->n)) < 0)
		goto out;
	for (size_t i = 0; i < d->n; i++) {
		const struct dedup_item *p = &d->p[i];
		if (p->repeat)
			continue;
		bool link = dedup_link_usable(p, site_canon);
		strtab_add(&keys, p->key, i);
		if (link)
			strtab_add(&canons, p->canon, i);
		arr_text(&a[0], p->key);
		arr_text(&a[1], link ? p->canon : NULL);
		arr_text(&a[2], p->alt);
		if (p->alt)
			strtab_add(&alts, p->alt, i);
	}
	if ((r = arrs_end(a, 3, v + 1)) < 0)
		goto out;
	PGresult *res = cs_exec(s, CS_LOOKUP, 4, v, "item lookup", &r);
	if (!res)
		goto out;
	for (int row = 0; row < PQntuples(res); row++) {
		long kind = (long)pg_int(res, row, 0);
		const char *str = PQgetvalue(res, row, 1);
		if (kind >= 4) {
			long ai = strtab_find(&alts, str);
			if (ai >= 0 && kind == 4)
				found_row(res, row, &d->alt[ai]);
			else if (ai >= 0)
				d->tomb_alt[ai] = true;
			continue;
		}
		long i = strtab_find(kind < 2 ? &keys : &canons, str);
		if (i < 0)
			continue;
		if (kind == 0)
			found_row(res, row, &d->known[i]);
		else if (kind == 1)
			d->tomb_key[i] = true;
		else if (kind == 2)
			found_row(res, row, &d->by_link[i]);
		else
			d->tomb_link[i] = true;
	}
	PQclear(res);
	/* Several items may share an other identity: each gets the answers. */
	for (size_t i = 0; i < d->n; i++) {
		const struct dedup_item *p = &d->p[i];
		long ai = p->alt && !p->repeat ? strtab_find(&alts, p->alt) : -1;
		if (ai >= 0 && (size_t)ai != i) {
			d->alt[i] = d->alt[ai];
			d->tomb_alt[i] = d->tomb_alt[ai];
		}
	}
out:
	arrs_free(a, 3);
	strtab_free(&keys);
	strtab_free(&canons);
	strtab_free(&alts);
	return r;
}

static int lookup(struct pg *s, enum pst id, int64_t feed, const char *arg,
		  struct dedup_found *f)
{
	struct pgp p = {0};
	pgp_int(&p, feed);
	pgp_text(&p, arg);
	memset(f, 0, sizeof *f);
	int r = 0;
	PGresult *res = pg_exec(s, id, &p, "item lookup", &r);
	if (!res)
		return r;
	f->rows = PQntuples(res);
	if (f->rows) {
		f->id = pg_int(res, 0, 0);
		if (PQnfields(res) > 1) {
			snprintf(f->chash, sizeof f->chash, "%s", PQgetvalue(res, 0, 1));
			f->last_seen = pg_int(res, 0, 2);
		}
	}
	PQclear(res);
	return 0;
}

/* A single answer for commit.c (backend.h, doc_probe). */
static int doc_probe(void *b, int64_t feed, enum commit_probe what, const char *arg,
		    struct dedup_found *f)
{
	enum pst id = what == PROBE_TOMB_KEY ? PS_TOMB_BY_KEY :
		      what == PROBE_TOMB_LINK ? PS_TOMB_BY_CANON :
		      what == PROBE_BY_KEY ? PS_ITEM_BY_KEY :
		      what == PROBE_BY_GUID ? PS_ITEM_BY_GUID :
		      what == PROBE_BY_LINK_LISTED ? PS_ITEM_BY_CANON_LISTED : PS_ITEM_BY_CANON;
	return lookup(b, id, feed, arg, f);
}

/* The feed's HTTP state; creates the row if the feed has none yet. */
static int write_state(struct pg *s, const struct feed_state *fs, const struct doc *doc,
		       int64_t now, struct commit_feed *fr)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct pgp p = {0};
		pgp_text(&p, fs->name);
		pgp_text(&p, fs->url);
		pgp_text(&p, fs->effective_url);
		pgp_text(&p, doc && doc->feed.title ? doc->feed.title : fs->title);
		pgp_text(&p, doc && doc->feed.link ? doc->feed.link : fs->site_url);
		pgp_text(&p, fs->etag);
		pgp_text(&p, fs->last_modified);
		pgp_int(&p, fs->last_fetch);
		pgp_int(&p, fs->last_success);
		pgp_int(&p, fs->next_due);
		pgp_text(&p, fs->next_reason);
		pgp_int(&p, fs->last_status);
		pgp_text(&p, fs->last_error);
		pgp_int(&p, fs->failures);
		pgp_bool(&p, fs->gone);
		int64_t counters[] = {fs->n_requests, fs->n_conditional, fs->n_200, fs->n_304,
				      fs->n_err_net, fs->n_err_http, fs->n_err_parse,
				      fs->bytes_wire, fs->bytes_decoded};
		for (int i = 0; i < 9; i++)
			pgp_int(&p, counters[i]);
		pgp_text(&p, fs->last_warning);
		pgp_int(&p, fs->n_truncated);
		pgp_text(&p, fs->lease_until ? s->instance : NULL);
		pgp_int(&p, fs->lease_until);
		int r = 0;
		PGresult *res = cs_exec(s, CS_STATE, p.n, p.v, "feed state", &r);
		if (!res)
			return r;
		if (PQntuples(res) > 0) {
			fr->id = pg_int(res, 0, 0);
			fr->link_identity = pg_bool(res, 0, 1);
			fr->site_url = pg_dup(res, 0, 2);
			fr->has_items = pg_bool(res, 0, 3);
			fr->has_tombs = pg_bool(res, 0, 4);
			r = !fr->site_url && !PQgetisnull(res, 0, 2) ? -ENOMEM : 0;
			PQclear(res);
			return r;
		}
		PQclear(res);
		if (fs->lease_until) {
			/* The claim found the row: the lease is what is gone. */
			log_warn("store %s: feed %s: commit fenced off: this instance's lease ran "
				 "out and another instance took the feed; this fetch's result is "
				 "dropped", s->label, fs->name);
			return -ESTALE;
		}
		int64_t id;
		if (attempt == 0 && (r = pg_feed_id(s, fs->name, fs->url, true, now, &id)) < 0)
			return r;
	}
	return -EIO;
}

/* The notification (delivered at commit, to every instance: their
 * long-polls wake too), the commit and, for NEWS, the newest item id and
 * event seq, in one round trip: one query string, a result for each
 * statement. Only a failed COMMIT (or what precedes it) fails the commit;
 * the transaction is over once COMMIT has answered. */
static int tx_commit(void *b, bool notify, struct store_news *news)
{
	struct pg *s = b;
	if (!notify && !news)
		return pg_commit(s);
	char sql[96];
	snprintf(sql, sizeof sql, "%sCOMMIT%s", notify ? "NOTIFY " PG_NEWS_CHANNEL "; " : "",
		 news ? "; EXECUTE s" : "");
	if (news)   /* pg_sql.c's statement for the last ids, by its name */
		snprintf(sql + strlen(sql), sizeof sql - strlen(sql), "%d", (int)PS_LAST_IDS);
	if (!PQsendQuery(s->conn, sql))
		return pg_fail(s, NULL, "commit");
	int r = 0, n = 0, commit_at = notify ? 1 : 0;
	PGresult *res;
	while ((res = PQgetResult(s->conn))) {
		ExecStatusType st = PQresultStatus(res);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			int e = pg_fail(s, res, n <= commit_at ? "commit" : "last ids");
			if (n <= commit_at && !r)
				r = e;
		} else if (n > commit_at && news) {
			news->last_item_id = pg_int(res, 0, 0);
			news->last_event_seq = pg_int(res, 0, 1);
		}
		if (n == commit_at && st == PGRES_COMMAND_OK) {
			s->in_tx = false;
			/* COMMIT of a failed transaction answers ROLLBACK. */
			if (strcmp(PQcmdStatus(res), "COMMIT") != 0 && !r)
				r = -EIO;
		}
		PQclear(res);
		n++;
	}
	return r ? r : n > commit_at ? 0 : -EIO;
}


/* --- the primitives of store/backend.h --- */

static int tx_begin(void *b)
{
	return pg_begin(b);
}

static void tx_rollback(void *b)
{
	pg_rollback(b);
}

/* SAVEPOINT and RELEASE are plain statements: a lost connection fails
 * them, and the batch with them. */
static int sp_begin(void *b)
{
	return pg_sql(b, "SAVEPOINT one_fetch", "savepoint");
}

static int sp_release(void *b)
{
	return pg_sql(b, "RELEASE one_fetch", "release savepoint");
}

static int sp_rollback(void *b)
{
	struct pg *s = b;
	if (!s->in_tx || PQstatus(s->conn) != CONNECTION_OK)
		return -ECONNRESET;
	return pg_sql(s, "ROLLBACK TO one_fetch; RELEASE one_fetch", "rollback to savepoint");
}

static int feed_counters_write(void *b, const struct feed_state *fs)
{
	struct pgp p = {0};
	pgp_text(&p, fs->name);
	pgp_int(&p, fs->last_fetch);
	pgp_int(&p, fs->last_success);
	pgp_int(&p, fs->next_due);
	pgp_text(&p, fs->next_reason);
	pgp_int(&p, fs->last_status);
	int64_t counters[] = {fs->n_requests, fs->n_conditional, fs->n_200, fs->n_304,
			      fs->n_err_net, fs->n_err_http, fs->n_err_parse,
			      fs->bytes_wire, fs->bytes_decoded, fs->n_truncated};
	for (int i = 0; i < 10; i++)
		pgp_int(&p, counters[i]);
	return cs_run(b, CS_COUNTERS, p.n, p.v, "feed counters");
}

static int event_add(void *b, const char *type, int64_t now, const char *feed,
		    int64_t item_id, json_t *data)
{
	return pg_event(b, type, now, feed, item_id, data);
}

static int feed_state_write(void *b, const struct feed_state *st, const struct doc *doc,
			   int64_t now, struct commit_feed *fr)
{
	struct commit_feed mine = {0};
	int r = write_state(b, st, doc, now, fr ? fr : &mine);
	free(mine.site_url);
	return r;
}

static enum dedup_hash key_hash(void *b)
{
	return ((struct pg *)b)->key_hash;
}

/* Everything the rules may ask: prefetched. */
static int doc_lookup(void *b, struct commit_doc *d)
{
	d->prefetched = true;
	return load(b, d);
}

/* One statement for them all. */
static int items_rekey(void *b, const struct commit_doc *d, const struct commit_ref *ref,
		      size_t n)
{
	struct arr a[4] = {{0}};
	for (size_t k = 0; k < n; k++) {
		const struct dedup_item *p = &d->p[ref[k].i];
		arr_int(&a[0], ref[k].id);
		arr_text(&a[1], p->key);
		arr_text(&a[2], p->rule);
		arr_text(&a[3], p->it->guid);
	}
	const char *v[4];
	int r = arrs_end(a, 4, v);
	if (r == 0)
		r = cs_run(b, CS_REKEY, 4, v, "item rekey");
	arrs_free(a, 4);
	return r;
}

static int items_seen(void *b, const int64_t *ids, size_t n, int64_t now)
{
	struct arr a = {0};
	for (size_t k = 0; k < n; k++)
		arr_int(&a, ids[k]);
	char t[24];
	snprintf(t, sizeof t, "%" PRId64, now);
	const char *v[2] = {arr_end(&a), t};
	int r = v[0] ? cs_run(b, CS_SEEN, 2, v, "item seen") : -ENOMEM;
	free(a.s);
	return r;
}

static int item_stored(void *b, int64_t id, struct item_stored *out)
{
	char t[24];
	snprintf(t, sizeof t, "%" PRId64, id);
	const char *v[1] = {t};
	int r = 0;
	*out = (struct item_stored){0};
	PGresult *res = cs_exec(b, CS_STORED, 1, v, "item stored", &r);
	if (!res)
		return r;
	if (PQntuples(res) == 0) {
		r = -ENOENT;
	} else {
		char **f[4] = {&out->url, &out->canon, &out->categories, &out->enclosures};
		for (int i = 0; i < 4; i++)
			if (!(*f[i] = pg_dup(res, 0, i)) && !PQgetisnull(res, 0, i))
				r = -ENOMEM;
		if (r < 0)
			item_stored_free(out);
	}
	PQclear(res);
	return r;
}

/* The new items, their events and hooks, and what the document lists
 * (feeds.listed: the known items, then the new ones), in one statement;
 * the items the filter rules skipped are stored and listed, but neither
 * announced nor handed to hooks nor in NEW_IDS (CS_INSERT). */
static int items_insert(void *b, const struct commit_doc *d, struct commit_insert *w)
{
	struct pg *s = b;
	enum { NA = 15 };
	struct arr a[NA + 1] = {{0}}, skip = {0};
	w->nnew = 0;
	for (size_t k = 0; k < w->nnews; k++) {
		const struct dedup_item *p = &d->p[w->news[k]];
		arr_text(&a[0], p->key);
		arr_text(&a[1], p->rule);
		arr_item(&a[2], p);
		arr_int(&a[14], item_date(p->it, w->now));
		arr_text(&skip, p->it->skipped ? "t" : "f");
	}
	for (size_t k = 0; k < w->nlisted; k++)
		arr_int(&a[NA], w->listed[k]);
	char feed[24], t[24];
	snprintf(feed, sizeof feed, "%" PRId64, d->feed);
	snprintf(t, sizeof t, "%" PRId64, w->now);
	const char *v[22] = {feed, t};
	int r = arrs_end(a, NA, v + 2);
	PGresult *res = NULL;
	if (r == 0 && !(v[20] = arr_end(&a[NA])))
		r = -ENOMEM;
	if (r == 0 && !w->nnews) {
		/* Nothing new (most fetches): the plain update costs the server
		 * less than the insert's statement with empty arrays. */
		struct pgp p = {0};
		pgp_int(&p, d->feed);
		pgp_bool(&p, w->link_identity);
		pgp_text(&p, v[20]);
		r = pg_run(s, PS_FEED_DOC, &p, "feed document");
		arrs_free(a, NA + 1);
		free(skip.s);
		return r;
	}
	if (r == 0 && !(v[21] = arr_end(&skip)))
		r = -ENOMEM;
	if (r == 0) {
		v[17] = d->feed_name;
		v[18] = w->hook ? "t" : "f";
		v[19] = w->link_identity ? "t" : "f";
		res = cs_exec(s, CS_INSERT, 22, v, "item insert", &r);
	}
	arrs_free(a, NA + 1);
	free(skip.s);
	if (!res)
		return r;
	for (int row = 0; row < PQntuples(res) && w->nnew < w->nnews; row++)
		w->new_ids[w->nnew++] = pg_int(res, row, 0);
	PQclear(res);
	return 0;
}

/* Rewritten with their item.updated events (none for the items stored as
 * skipped), in one statement, which also says which ones it moved to
 * another canonical link (CS_EDIT). */
static int items_edit(void *b, const struct commit_doc *d, const struct commit_ref *ref,
		     size_t n, int64_t now, struct commit_move *moves, size_t *nmoves)
{
	*nmoves = 0;
	enum { NA = 13 };
	struct arr a[NA] = {{0}};
	for (size_t k = 0; k < n; k++) {
		arr_int(&a[0], ref[k].id);
		arr_item(&a[1], &d->p[ref[k].i]);
	}
	char t[24];
	snprintf(t, sizeof t, "%" PRId64, now);
	const char *v[2 + NA] = {d->feed_name, t};
	int r = arrs_end(a, NA, v + 2);
	PGresult *res = r == 0 ? cs_exec(b, CS_EDIT, 2 + NA, v, "item update", &r) : NULL;
	arrs_free(a, NA);
	for (int row = 0; res && row < PQntuples(res) && r == 0; row++) {
		int64_t ord = pg_int(res, row, 1);
		if (ord < 1 || (size_t)ord > n)
			continue;
		struct commit_move *m = &moves[(*nmoves)++];
		m->id = pg_int(res, row, 0);
		m->now = dedup_stored_canon(&d->p[ref[ord - 1].i]);
		if (!(m->was = pg_dup(res, row, 2)) && !PQgetisnull(res, row, 2))
			r = -ENOMEM;
	}
	PQclear(res);
	return r;
}

/* One statement for every move of the document (CS_DUPS). */
static int dups_resolve(void *b, int64_t feed, const struct commit_move *moves, size_t n)
{
	struct arr a[3] = {{0}};
	for (size_t k = 0; k < n; k++) {
		arr_int(&a[0], moves[k].id);
		arr_text(&a[1], moves[k].was);
		arr_text(&a[2], moves[k].now);
	}
	char f[24];
	snprintf(f, sizeof f, "%" PRId64, feed);
	const char *v[4] = {f};
	int r = arrs_end(a, 3, v + 1);
	if (r == 0)
		r = cs_run(b, CS_DUPS, 4, v, "duplicates of moved items");
	arrs_free(a, 3);
	return r;
}

const struct store_prims pg_prims = STORE_PRIMS(pg_feed_prims, pg_op_items_rows, pg_op_hook_outcome,
						 pg_op_items_prune, pg_op_events_rows, false);
