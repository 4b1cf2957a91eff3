/* sqlite.c — the SQLite store: opening, checking and migrating the file,
 * preparing the kept statements (their SQL is here), figures, checkpoints
 * (after the search index catches up, sqlite_fts.c), and the event and
 * feed-id rows the other files share. Running a statement, transactions,
 * binds and errors are sqlite_stmt.c's.
 *
 * Ownership: sqlite_store_open and _open_reader allocate the store and its
 * statements; sqlite_store_close finalises and frees them. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/storespec.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_int.h"
#include "store/sql_common.h"

/* Every fixed statement's SQL, indexed by enum stmt. */
/* A reader's feeds (store/sql_common.h, READER_FEEDS_SQL). */
#define READER_TAGS "(SELECT json_group_array(tag) FROM" \
	" (SELECT tag FROM feed_tags WHERE feed = f.id ORDER BY tag))"
#define READER_IDS " AND f.id IN (SELECT value FROM json_each(?1))"
#define READER_COUNTS "(SELECT count(*) FROM items WHERE feed = f.id AND read = 0" \
	" AND skipped = 0), (SELECT count(*) FROM items WHERE feed = f.id AND read = 1" \
	" AND skipped = 0), coalesce((SELECT first_seen * 1000000 + id % 1000000 FROM items" \
	" WHERE feed = f.id AND skipped = 0 ORDER BY id DESC LIMIT 1), 0)"

/* Parameters as ?1 in the statements of store/sql_common.h. */
#define SQL_MARK "?"

static const char *const stmt_sql[ST__COUNT] = {
	/* The statements of the same text in both backends. */
	SQL_COMMON_STMTS(ST_),
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	/* One fetch of a batch (store/commit.c, commit_batch). */
	[ST_SAVEPOINT] = "SAVEPOINT one_fetch",
	[ST_RELEASE] = "RELEASE one_fetch",
	[ST_ROLLBACK_TO] = "ROLLBACK TO one_fetch",
	[ST_SYNC_FULL] = "PRAGMA synchronous=FULL",
	[ST_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
	[ST_FEED_ID] = "SELECT id, link_identity, 0, site_url, url, removed FROM feeds WHERE name = ?1",
	[ST_FEED_INSERT] = "INSERT INTO feeds(name, url, created) VALUES (?1, ?2, ?3)",
	[ST_FEED_STATE] =
		"UPDATE feeds SET url = coalesce(?2, url), effective_url = ?3,"
		" title = coalesce(?4, title), site_url = coalesce(?5, site_url),"
		" etag = ?6, last_modified = ?7, last_fetch = ?8, last_success = ?9,"
		" next_due = ?10, next_reason = ?11, last_status = ?12, last_error = ?13,"
		" failures = ?14, gone = ?15, n_requests = ?16, n_conditional = ?17,"
		" n_200 = ?18, n_304 = ?19, n_err_net = ?20, n_err_http = ?21,"
		" n_err_parse = ?22, bytes_wire = ?23, bytes_decoded = ?24,"
		" last_warning = ?25, n_truncated = ?26 WHERE id = ?1",
	/* What an unchanged document's fetch changes (store_feeds_touch):
	 * never the validators. */
	[ST_FEED_COUNTERS] =
		"UPDATE feeds SET last_fetch = ?2, last_success = ?3, next_due = ?4,"
		" next_reason = ?5, last_status = ?6, n_requests = ?7, n_conditional = ?8,"
		" n_200 = ?9, n_304 = ?10, n_err_net = ?11, n_err_http = ?12,"
		" n_err_parse = ?13, bytes_wire = ?14, bytes_decoded = ?15, n_truncated = ?16"
		" WHERE name = ?1",
	[ST_FEED_SYNC_URL] =
		"UPDATE feeds SET url = ?2, effective_url = NULL, etag = NULL,"
		" last_modified = NULL, gone = 0 WHERE id = ?1",
	[ST_TAG_ADD] = "INSERT OR IGNORE INTO feed_tags(tag, feed) VALUES (?2, ?1)",
	/* A document's lookups, one statement each for all its items; ?2 is a
	 * JSON array of identity keys or canonical links (sqlite_commit.c). */
	[ST_FEED_FACTS] =
		"SELECT EXISTS (SELECT 1 FROM items WHERE feed = ?1),"
		" EXISTS (SELECT 1 FROM tombstones WHERE feed = ?1)",
	[ST_ITEMS_BY_KEYS] =
		"SELECT ikey, id, chash, last_seen FROM items"
		" WHERE feed = ?1 AND ikey IN (SELECT value FROM json_each(?2))",
	[ST_ITEM_SEEN] = "UPDATE items SET last_seen = ?2 WHERE id = ?1",
	[ST_ITEM_BY_CANON_LISTED] =
		"SELECT id, chash, last_seen FROM items WHERE feed = ?1 AND canon_url = ?2"
		" AND id IN (SELECT value FROM json_each((SELECT listed FROM feeds WHERE id = ?1)))"
		" LIMIT 2",
	[ST_ITEM_STORED] = "SELECT url, canon_url, categories, enclosures FROM items WHERE id = ?1",
	[ST_ITEM_REKEY] = "UPDATE items SET ikey = ?2, rule = ?3, guid = ?4 WHERE id = ?1",
	[ST_ITEM_UPDATE] =
		"UPDATE items SET guid = ?2, url = ?3, canon_url = ?4, title = ?5,"
		" author = ?6, summary = ?7, content = ?8, published = ?9, updated = ?10,"
		" categories = ?11, enclosures = ?12, chash = ?13, last_seen = ?14,"
		" updated_seen = ?14,"
		" sort_date = CASE WHEN coalesce(?9, ?10) <= first_seen THEN coalesce(?9, ?10)"
		"  ELSE first_seen END WHERE id = ?1 RETURNING skipped",
	[ST_ITEM_INSERT] =
		"INSERT INTO items(feed, ikey, rule, guid, url, canon_url, title, author,"
		" summary, content, published, updated, categories, enclosures, chash,"
		" first_seen, last_seen, sort_date, duplicate_of, skipped)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
		" ?16, ?16, ?17, ?18, ?19)",
	[ST_DUPS_FIND] =
		"SELECT j.value, (SELECT id FROM items WHERE canon_url = j.value AND feed <> ?1"
		" ORDER BY id LIMIT 1) FROM json_each(?2) j",
	/* An edited item's canonical link before the edit (a look at the row
	 * the edit is about to write). */
	[ST_ITEM_CANON] = "SELECT canon_url FROM items WHERE id = ?1",
	/* An edit moved item ?1 of feed ?4 from canonical link ?2 to ?3
	 * (store/backend.h, dups_resolve): duplicate_of again for it, for the
	 * items at ?2 that had it, for the items of other feeds at ?3 after
	 * it, each a range of items_canon; rows it does not change are not
	 * written. */
	[ST_DUPS_RESOLVE] =
		"UPDATE items SET duplicate_of = " SQL_DUP_OF("items") " WHERE id IN (SELECT ?1"
		" UNION SELECT id FROM items WHERE canon_url = ?2 AND id > ?1 AND duplicate_of = ?1"
		" UNION SELECT id FROM items WHERE canon_url = ?3 AND id > ?1 AND feed <> ?4)"
		" AND duplicate_of IS NOT " SQL_DUP_OF("items"),
	/* The full-text index trails the items (sqlite_fts.c). */
	[ST_FTS_ADD] =
		"INSERT INTO items_fts(rowid, title, summary, content)"
		" SELECT id, title, summary, content FROM items WHERE id > ?1 AND id <= ?2",
	[ST_FTS_UPTO] = "SELECT value FROM store_meta WHERE key = 'fts_upto'",
	[ST_FTS_PENDING] =
		"SELECT EXISTS (SELECT 1 FROM items WHERE id >"
		" (SELECT value FROM store_meta WHERE key = 'fts_upto'))",
	[ST_FTS_BATCH_END] =
		"SELECT max(id) FROM (SELECT id FROM items WHERE id > ?1 ORDER BY id LIMIT ?2)",
	[ST_FTS_SET] = "UPDATE store_meta SET value = ?1 WHERE key = 'fts_upto'",
	/* A document's new items, ids above ?1, get their events and hook
	 * deliveries in one statement each. */
	[ST_EVENTS_NEW] =
		"INSERT INTO events(type, time, feed, item_id)"
		" SELECT 'item.new', ?2, ?3, id FROM items WHERE id > ?1 AND skipped = 0 ORDER BY id",
	[ST_HOOKS_NEW] =
		"INSERT OR IGNORE INTO hook_deliveries(item_id, feed, next_try)"
		" SELECT id, feed, ?2 FROM items WHERE id > ?1 AND skipped = 0",
	[ST_FEED_NAME] = "SELECT name FROM feeds WHERE id = ?1",
	[ST_LAST_ITEM] = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'items'), 0)",
	[ST_LAST_EVENT] = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)",
	[ST_CONSUMER_ADD] = "INSERT INTO consumers(name, cursor, created) VALUES (?1, ?2, ?3)",
	/* Never backwards, and never past the newest id ever handed out. */
	[ST_CONSUMER_ACK] =
		"UPDATE consumers SET acked = ?3, cursor = max(cursor, min(?2,"
		" coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'items'), 0)))"
		" WHERE name = ?1",
	/* One at a time per feed, in item order: only each feed's oldest
	 * pending delivery (running, retrying or due) may be handed out, and
	 * only while none of its feed is retrying; a parked one no longer
	 * holds the rest back. */
	[ST_HOOK_DUE] =
		"SELECT h.attempts, " STORE_ITEM_COLS " FROM hook_deliveries h"
		" JOIN items i ON i.id = h.item_id JOIN feeds f ON f.id = i.feed"
		" WHERE h.given_up = 0 AND h.next_try <= ?1 AND "
		HOOK_IS_HEAD("hook_deliveries d INDEXED BY hook_deliveries_pending", "d.given_up = 0",
			     "h")
		" AND " HOOK_NONE_IN_FLIGHT("hook_deliveries d INDEXED BY hook_deliveries_due",
					    "d.given_up = 0", "h", "?1")
		" ORDER BY h.next_try, h.item_id LIMIT ?2",
	[ST_HOOK_GIVE_UP] =
		"UPDATE hook_deliveries SET attempts = attempts + 1, given_up = 1,"
		" last_error = ?3 WHERE item_id = ?1"
		" RETURNING (SELECT name FROM feeds WHERE id = hook_deliveries.feed)",
	[ST_HOOK_PARKED] =
		"SELECT f.name, h.item_id, i.title, h.attempts, h.last_error FROM hook_deliveries h"
		" JOIN feeds f ON f.id = h.feed JOIN items i ON i.id = h.item_id"
		" WHERE h.given_up = 1 AND (?1 IS NULL OR f.name = ?1)"
		" ORDER BY f.name, h.item_id LIMIT ?2",
	/* Retried in item order: the same next try, and due ones are taken
	 * by next try, then item. */
	[ST_HOOK_UNPARK] =
		"UPDATE hook_deliveries SET given_up = 0, attempts = 0, next_try = ?2"
		" WHERE given_up = 1 AND (?1 IS NULL OR feed = (SELECT id FROM feeds WHERE name = ?1))",
	/* Prunable: not in the latest document, no hook delivery pending or
	 * parked, not starred, and too old or beyond the cap. */
#define PRUNE_SELECT \
	"SELECT i.id FROM items i, feeds f WHERE f.name = ?1 AND i.feed = f.id" \
	" AND i.id NOT IN (SELECT value FROM json_each((SELECT listed FROM feeds WHERE name = ?1)))" \
	" AND NOT EXISTS (SELECT 1 FROM hook_deliveries h WHERE h.item_id = i.id)" \
	" AND i.starred = 0" \
	" AND NOT EXISTS (SELECT 1 FROM item_labels l WHERE l.item_id = i.id)" \
	" AND ((?2 > 0 AND i.first_seen < ?3)" \
	" OR (?4 > 0 AND i.id < coalesce((SELECT id FROM items WHERE feed = f.id" \
	" ORDER BY id DESC LIMIT 1 OFFSET ?4 - 1), 0))) ORDER BY i.id LIMIT ?5"
	[ST_PRUNE_TOMB] =
		"INSERT OR IGNORE INTO tombstones(feed, ikey, canon_url, pruned)"
		" SELECT feed, ikey, canon_url, ?6 FROM items WHERE id IN (" PRUNE_SELECT ")",
	[ST_PRUNE_DELETE] = "DELETE FROM items WHERE id IN (" PRUNE_SELECT ")",
#undef PRUNE_SELECT
	/* The oldest events, a batch at a time, if past their keep. */
	/* A reader's feeds (sqlite_readstate.c). */
	READER_FEEDS_STMTS(ST_, READER_TAGS, "f.removed = 0", READER_COUNTS, READER_IDS),
	/* An item's labels (sqlite_labels.c). */
	[ST_LABELS_OF] = "SELECT item_id, label FROM item_labels"
		" WHERE item_id IN (SELECT value FROM json_each(?1)) ORDER BY item_id, label",
	/* A label's tag is its name as feeds.conf folds a tag: trimmed of
	 * spaces (it has no other white space), ASCII lower-cased (SQLite's
	 * lower() without ICU). */
	[ST_LABELS] = "SELECT sum(i.read = 0 AND i.skipped = 0 AND NOT EXISTS (SELECT 1"
		" FROM feed_tags t WHERE t.feed = i.feed AND t.tag = lower(trim(l.label)))),"
		" l.label,"
		" coalesce(max(CASE WHEN i.skipped = 0 THEN i.first_seen * 1000000 + i.id % 1000000"
		" END), 0)"
		" FROM item_labels l JOIN items i ON i.id = l.item_id"
		" WHERE i.feed NOT IN (SELECT id FROM feeds WHERE removed = 1)"
		" GROUP BY l.label ORDER BY l.label",
	[ST_EVENTS_EXPIRE] =
		"DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?3)"
		" AND (time < ?1 OR seq <= ?2)",
	[ST_FIGURES] =
		"SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM feeds WHERE removed = 0),"
		" (SELECT count(*) FROM tombstones), (SELECT count(*) FROM events),"
		" (SELECT count(*) FROM consumers),"
		" (SELECT count(*) FROM hook_deliveries WHERE given_up = 0),"
		" (SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size())",
};

/* --- opening --- */

/* One text value from a one-row statement, or NULL (*rc set). */
static char *query_text(sqlite3 *db, const char *sql, int *rc)
{
	sqlite3_stmt *st = NULL;
	char *out = NULL;
	*rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (*rc == SQLITE_OK) {
		*rc = sqlite3_step(st);
		if (*rc == SQLITE_ROW) {
			out = store_col_dup(st, 0);
			*rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return out;
}

/* --- the clean-close mark ---
 *
 * quick_check reads the whole file: seconds for a gigabyte. After a clean
 * close (the last connection closed, the WAL checkpointed away) the file
 * cannot need it unless something else wrote to it since, so sqlite_store_close()
 * leaves PATH-clean holding the file's device, inode, size and mtime, and
 * the next open checks only when the mark is missing (a crash, a kill, a
 * first open) or the file differs from it (restored, edited, scribbled
 * on) or a WAL is there. The open removes the mark, so a crash during the
 * run means a check next time. */

static char *mark_path(const char *path)
{
	char *m = NULL;
	return asprintf(&m, "%s-clean", path) < 0 ? NULL : m;
}

static bool mark_describe(const char *path, char *buf, size_t len)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return false;
	snprintf(buf, len, "%llu %llu %lld %lld.%09ld\n", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino, (long long)sb.st_size,
		 (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
	return true;
}

/* Whether the file is as the last clean close left it; removes the mark. */
static bool mark_take(const char *path)
{
	char *m = mark_path(path), *wal = NULL;
	if (!m)
		return false;
	char want[128], got[128] = "";
	FILE *f = fopen(m, "r");
	bool had = f != NULL;
	if (f) {
		if (!fgets(got, sizeof got, f))
			got[0] = '\0';
		fclose(f);
		unlink(m);
	}
	free(m);
	struct stat sb;
	bool no_wal = asprintf(&wal, "%s-wal", path) >= 0 &&
		      (stat(wal, &sb) != 0 || sb.st_size == 0);
	free(wal);
	return had && no_wal && mark_describe(path, want, sizeof want) && strcmp(got, want) == 0;
}

static void mark_leave(const char *path)
{
	char *m = mark_path(path), *wal = NULL, desc[128];
	struct stat sb;
	/* A WAL left behind means another connection is still open. */
	bool no_wal = asprintf(&wal, "%s-wal", path) >= 0 && stat(wal, &sb) != 0;
	free(wal);
	if (m && no_wal && mark_describe(path, desc, sizeof desc)) {
		FILE *f = fopen(m, "w");
		bool ok = f && fputs(desc, f) >= 0;
		if (f && fclose(f) != 0)
			ok = false;
		if (!ok) {
			log_debug("store %s: no clean-close mark: %s", path, strerror(errno));
			unlink(m);
		}
	}
	free(m);
}

/* The store this user may not write: not damage, but the file, or the
 * directory SQLite makes its -wal and -shm files in, is not theirs to
 * write. Said at open, not at the first commit (SQLite opens a file it
 * may only read read-only, and reads it well). */
static int refuse_read_only(struct sqlite_store *s, const char *why, char **err)
{
	*err = fmt_err("store %s cannot be written by this user (%s): feedd writes it, and "
		       "SQLite makes its -wal and -shm files beside it; make the file and its "
		       "directory writable for the user feedd runs as", s->path, why);
	return -EACCES;
}

/* The first connection's look at the file, before anything is written. */
static int check_file(struct sqlite_store *s, bool clean, char **err)
{
	int rc;
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_extended_result_codes(s->db, 1);
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return refuse_read_only(s, "the file is read-only for it", err);
	/* 8 KiB pages for a new file (an existing one keeps its own): a
	 * fetched document's commit touches a page or two of every index and
	 * table wherever its feed's rows sit, each written whole to the WAL
	 * and again by the checkpoint. 16 KiB pages wrote 1.6x the bytes per
	 * item of 8 KiB on a cold refresh for the same CPU; 4 KiB wrote the
	 * fewest but took twice the CPU to commit a document of known items
	 * (bench/pagesize.sh, bench_store; bench/RESULTS.md). Only takes
	 * effect before the first write. */
	sqlite3_exec(s->db, "PRAGMA page_size=8192", NULL, NULL, NULL);
	/* quick_check first: a damaged file must be named before we write.
	 * After a clean close, reading the schema is check enough. */
	char *qc = query_text(s->db, clean ? "SELECT CASE WHEN count(*) >= 0 THEN 'ok' END"
					     " FROM sqlite_schema" : "PRAGMA quick_check(1)", &rc);
	if ((rc & 0xff) == SQLITE_READONLY) {
		free(qc);
		return refuse_read_only(s, sqlite3_errmsg(s->db), err);
	}
	if (rc != SQLITE_OK || !qc || strcmp(qc, "ok") != 0) {
		*err = fmt_err("store %s is damaged or not a feedd database (%s); "
			       "restore a backup or move it aside to start afresh",
			       s->path, qc ? qc : sqlite3_errmsg(s->db));
		free(qc);
		return (rc & 0xff) == SQLITE_BUSY ? -EBUSY : -EIO;
	}
	free(qc);
	return 0;
}

/* Pragmas and the checkpointer for a writer connection; SHARE is the
 * checkpointer of the store's first connection, or NULL for that one. */
static int setup_connection(struct sqlite_store *s, struct sqlite_ckpt *share, char **err)
{
	int rc;
	s->busy_ms = 5000;
	sqlite3_busy_timeout(s->db, s->busy_ms);
	sqlite3_extended_result_codes(s->db, 1);
	char *mode = query_text(s->db, "PRAGMA journal_mode=WAL", &rc);
	bool wal = mode && strcmp(mode, "wal") == 0;
	free(mode);
	if (rc != SQLITE_OK || !wal) {
		*err = fmt_err("store %s: cannot enable WAL: %s", s->path, sqlite3_errmsg(s->db));
		return -EIO;
	}
	/* NORMAL: in WAL mode a commit survives a process crash, and only a
	 * power cut may lose the last ones (acks are written FULL). A 2 MiB
	 * cache: a page it misses is read back from the kernel's page cache,
	 * and with 8 MiB a burst of commits spent more on faulting in the
	 * cache's own memory (2 000 more page faults in a cold refresh of
	 * 1 000 feeds, 11 us each on a virtual machine) than it saved, while
	 * a million-item store inserted no faster (bench/RESULTS.md). */
	rc = sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
			  " PRAGMA cache_size=-2048;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*err = fmt_err("store %s: %s", s->path, sqlite3_errmsg(s->db));
		return -EIO;
	}
	/* Checkpoints run beside the commits, not inside them (sqlite_ckpt.c);
	 * sqlite_store_checkpoint() runs one too. */
	char *ps = query_text(s->db, "PRAGMA page_size", &rc);
	int page = ps ? atoi(ps) : 0;
	free(ps);
	s->ckpt = share ? sqlite_ckpt_ref(share) : sqlite_ckpt_new(s->path, page);
	if (!s->ckpt) {
		*err = fmt_err("store %s: out of memory", s->path);
		return -ENOMEM;
	}
	sqlite_ckpt_attach(s->ckpt, s->db);
	/* A WAL that readers pinned past twice the bound is cut back when it
	 * starts afresh; normal cycles stay under it (no truncate and regrow). */
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA journal_size_limit=%lld",
		 2LL * sqlite_ckpt_limit_bytes());
	rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*err = fmt_err("store %s: %s", s->path, sqlite3_errmsg(s->db));
		return -EIO;
	}
	return 0;
}

/* Applies every pending migration in one transaction. */
static int migrate(struct sqlite_store *s, char **err)
{
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*err = fmt_err("store %s: %s", s->path, sqlite3_errmsg(s->db));
		return -EIO;
	}
	char *v = query_text(s->db, "PRAGMA user_version", &rc);
	int version = v ? atoi(v) : 0;
	free(v);
	if (version > schema_version) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		*err = fmt_err("store %s has schema version %d, newer than this feedd "
			       "understands (%d): refusing to open it; run a newer feedd",
			       s->path, version, schema_version);
		return -EPROTO;
	}
	for (int i = version; i < schema_version; i++) {
		char *msg = NULL;
		rc = sqlite3_exec(s->db, schema_migrations[i], NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			*err = fmt_err("store %s: migration to version %d failed: %s",
				       s->path, i + 1, msg ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -EIO;
		}
	}
	if (version < schema_version) {
		/* A migration may rewrite a table's SQL in place (writable_schema):
		 * a new schema cookie makes every connection read it again. */
		char *cookie = query_text(s->db, "PRAGMA schema_version", &rc);
		char sql[96];
		snprintf(sql, sizeof sql, "PRAGMA schema_version=%lld; PRAGMA user_version=%d",
			 (cookie ? atoll(cookie) : 0) + 1, schema_version);
		free(cookie);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*err = fmt_err("store %s: %s", s->path, sqlite3_errmsg(s->db));
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -EIO;
	}
	if (version && version < schema_version)
		log_notice("store %s: upgraded schema %d -> %d", s->path, version, schema_version);
	return 0;
}

/* Which hash the store's content hashes and keys use (the migrations
 * recorded it). */
static int load_key_hash(struct sqlite_store *s, char **err)
{
	int rc;
	char *v = query_text(s->db, SQL_KEY_HASH, &rc);
	int h = v ? atoi(v) : 0;
	free(v);
	bool io = rc != SQLITE_OK && rc != SQLITE_DONE;   /* DONE: no row */
	if (h != DEDUP_HASH_FNV && h != DEDUP_HASH_XXH3) {
		*err = fmt_err("store %s: %s", s->path, io ? sqlite3_errmsg(s->db) :
			       "no key hash this feedd knows (store_meta key_hash)");
		return io ? -EIO : -EPROTO;
	}
	s->key_hash = (enum dedup_hash)h;
	return 0;
}

/* At open: the transaction statements (the others at first use). */
static int prepare_all(struct sqlite_store *s, char **err)
{
	for (int i = 0; i <= ST_ROLLBACK_TO; i++)
		if (store_prepare(s, (enum stmt)i, err) < 0)
			return -EIO;
	return 0;
}

/* Once per process, before SQLite initialises: no memory statistics. This
 * libsqlite3 is built without lookaside, so every small allocation goes to
 * malloc, and with statistics on each one also takes a global mutex (3% of
 * a commit's CPU). Nothing here reads the statistics. Too late (SQLite was
 * used first) is harmless: sqlite3_config() then refuses. */
static void sqlite_global_config(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* Not SQLITE_CONFIG_STMTJRNL_SPILL: with sub-journals kept in memory
	 * up to 8 MiB, the upgrade of a 1 GB store (a migration's CREATE
	 * INDEX, one transaction) failed with SQLITE_FULL; at SQLite's default
	 * (64 KiB, then a temporary file) it passes. A lone commit takes no
	 * savepoint (store/commit.c), so the spill is a batch's cost alone. */
}

int sqlite_store_open(const char *spec, const char *state_dir, struct sqlite_store **out, char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_global_config);
	*out = NULL;
	*err = NULL;
	struct sqlite_store *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->sql = stmt_sql;
	s->path = storespec_file(spec, state_dir);
	if (!s->path) {
		/* The config reader refused it already (core/storespec.c):
		 * a caller that did not go through it. */
		char buf[160];
		const char *why = storespec_problem(spec, buf, sizeof buf);
		*err = fmt_err("%s", why ? why : "out of memory");
		free(s);
		return why ? -EINVAL : -ENOMEM;
	}
	int r;
	bool clean = mark_take(s->path);
	int rc = sqlite3_open_v2(s->path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 sqlite_vfs_name());
	if (rc != SQLITE_OK) {
		*err = fmt_err("store %s: cannot open: %s", s->path,
			       s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		r = (rc & 0xff) == SQLITE_CANTOPEN ? -ENOENT : -EIO;
		goto fail;
	}
	if ((r = check_file(s, clean, err)) < 0 || (r = setup_connection(s, NULL, err)) < 0 ||
	    (r = migrate(s, err)) < 0 || (r = load_key_hash(s, err)) < 0 ||
	    (r = prepare_all(s, err)) < 0)
		goto fail;
	s->opened = true;
	*out = s;
	return 0;
fail:
	if (!*err)
		*err = fmt_err("store %s: cannot open", s->path);
	sqlite_store_close(s);
	return r;
}

/* How much of the store a reader maps (PRAGMA mmap_size): address space
 * only; the pages are the page cache's, counted once however many readers
 * map them. A larger store is read with pread past this point. */
#define READER_MMAP "268435456"

int sqlite_store_open_reader(struct sqlite_store *s, struct sqlite_store **out)
{
	*out = NULL;
	struct sqlite_store *r = calloc(1, sizeof *r);
	if (r)
		r->sql = stmt_sql;
	if (!r)
		return -ENOMEM;
	char *err = NULL;
	int rc = SQLITE_NOMEM;
	if (!(r->path = strdup(s->path)))
		goto fail;
	r->key_hash = s->key_hash;
	/* WAL: this connection reads the last commit while the writer goes on.
	 * Its statements are the writer's (prepare_all), so every read the
	 * store offers works here; the writes would fail as read-only. */
	rc = sqlite3_open_v2(r->path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(r->db, 5000);
	sqlite3_extended_result_codes(r->db, 1);
	/* A small private cache: readers jump around a large file, the OS page
	 * cache holds it anyway. The file is read through a mapping of its
	 * first READER_MMAP bytes: no pread and no copy into the cache per
	 * page. Measured with bench/api_compare.sh (a page of 100 items from a
	 * random place in a 100 000-item store, 16 clients), 0.85x the daemon
	 * CPU per request of pread; a reader maps each page once for its
	 * lifetime, so the first faults do not count for a long-lived daemon
	 * (they did in the short runs that once measured mmap as worse). The
	 * mapping is read-only (writes go through the writer's pwrite, where a
	 * full disk is an error as before); what it costs is that a failing
	 * disk's read error becomes SIGBUS instead of an error answer. */
	rc = sqlite3_exec(r->db, "PRAGMA cache_size=-2048; PRAGMA mmap_size=" READER_MMAP, NULL,
			  NULL, NULL);
	r->mapped = true;
	if (rc != SQLITE_OK || prepare_all(r, &err) < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	log_err("store %s: cannot open a reader: %s", s->path,
		err ? err : r->db ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
	free(err);
	sqlite_store_close(r);
	return (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : -EIO;
}

int sqlite_store_reopen(struct sqlite_store *orig, struct sqlite_store **out, char **err)
{
	*out = NULL;
	*err = NULL;
	struct sqlite_store *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->sql = stmt_sql;
	int r;
	s->path = strdup(orig->path);
	if (!s->path) {
		free(s);
		return -ENOMEM;
	}
	s->key_hash = orig->key_hash;
	int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				 sqlite_vfs_name());
	if (rc != SQLITE_OK) {
		*err = fmt_err("store %s: cannot open another connection: %s", s->path,
			       s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		r = -EIO;
		goto fail;
	}
	if ((r = setup_connection(s, orig->ckpt, err)) < 0 || (r = prepare_all(s, err)) < 0)
		goto fail;
	/* Off the loop, waiting for a lock costs nobody else: wait longer
	 * rather than lose a commit to a busy file. */
	s->busy_ms = 60000;
	sqlite3_busy_timeout(s->db, s->busy_ms);
	*out = s;
	return 0;
fail:
	if (!*err)
		*err = fmt_err("store %s: cannot open another connection", s->path);
	sqlite_store_close(s);
	return r;
}

void sqlite_store_close(struct sqlite_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	/* The items queries kept. Not sqlite3_next_stmt: FTS5 keeps
	 * statements of its own on the connection, and finalizes them. */
	for (unsigned i = 0; i < s->niq; i++)
		sqlite3_finalize(s->iq[i].st);
	/* The checkpointer's connection first: the last close checkpoints
	 * and removes the WAL. */
	if (s->ckpt) {
		sqlite3_wal_hook(s->db, NULL, NULL);
		sqlite_ckpt_release(s->ckpt);
	}
	sqlite_names_free(s);
	if (s->db && sqlite3_close(s->db) != SQLITE_OK)
		log_err("store %s: close: %s", s->path, sqlite3_errmsg(s->db));
	else if (s->opened)
		mark_leave(s->path);
	free(s->path);
	free(s);
}

/* --- figures and upkeep --- */

int sqlite_store_last_ids(struct sqlite_store *s, int64_t *last_item_id, int64_t *last_event_seq)
{
	enum stmt ids[2] = {ST_LAST_ITEM, ST_LAST_EVENT};
	int64_t *outs[2] = {last_item_id, last_event_seq};
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st = store_stmt(s, ids[i]);
		int rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			store_done(st);
			return store_fail(s, rc, "last ids");
		}
		if (outs[i])
			*outs[i] = sqlite3_column_int64(st, 0);
		store_done(st);
	}
	return 0;
}

int sqlite_store_figures(struct sqlite_store *s, struct store_figures *f)
{
	memset(f, 0, sizeof *f);
	sqlite3_stmt *st = store_stmt(s, ST_FIGURES);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_done(st);
		return store_fail(s, rc, "figures");
	}
	f->items = sqlite3_column_int64(st, 0);
	f->feeds = sqlite3_column_int64(st, 1);
	f->tombstones = sqlite3_column_int64(st, 2);
	f->events = sqlite3_column_int64(st, 3);
	f->consumers = sqlite3_column_int64(st, 4);
	f->hooks_pending = sqlite3_column_int64(st, 5);
	f->file_bytes = sqlite3_column_int64(st, 6);
	store_done(st);
	char *wal = NULL;
	struct stat sb;
	if (asprintf(&wal, "%s-wal", s->path) >= 0 && stat(wal, &sb) == 0)
		f->wal_bytes = sb.st_size;
	free(wal);
	if (stat(s->path, &sb) == 0 && sb.st_size > f->file_bytes)
		f->file_bytes = sb.st_size;
	return 0;
}

/* Events are kept 30 days, and at most the last million: an event log, not
 * the items' history (that is the items and their tombstones). A batch per
 * upkeep keeps each transaction short. */
#define EVENTS_KEEP_SECONDS (30 * 86400)
#define EVENTS_KEEP_MAX 1000000
#define EVENTS_EXPIRE_BATCH 10000

static int expire_events(struct sqlite_store *s)
{
	int64_t last = 0;
	int r = sqlite_store_last_ids(s, NULL, &last);
	if (r < 0)
		return r;
	sqlite3_stmt *st = store_stmt(s, ST_EVENTS_EXPIRE);
	sqlite3_bind_int64(st, 1, (int64_t)time(NULL) - EVENTS_KEEP_SECONDS);
	sqlite3_bind_int64(st, 2, last - EVENTS_KEEP_MAX);
	sqlite3_bind_int(st, 3, EVENTS_EXPIRE_BATCH);
	int rc = sqlite3_step(st);
	int n = sqlite3_changes(s->db);
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "expire events");
	if (n)
		log_debug("store %s: %d old events expired", s->path, n);
	return 0;
}

int sqlite_store_checkpoint(struct sqlite_store *s)
{
	/* First the index, so that its pages are in this checkpoint. */
	int64_t indexed = 0;
	int r = store_fts_catch_up(s, &indexed);
	if (indexed)
		log_debug("store %s: %lld items indexed for search", s->path, (long long)indexed);
	/* Each step even when one before failed (a full disk fails the
	 * writes, and the checkpoint is what makes room): the first error is
	 * the answer. */
	int r2 = expire_events(s);
	if (r == 0)
		r = r2;
	int log_frames = 0, ckpt = 0;
	int rc = sqlite_ckpt_now(s->ckpt, s->db, &log_frames, &ckpt);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return r < 0 ? r : store_fail(s, rc, "checkpoint");
	if (rc == SQLITE_OK && log_frames > 0 && ckpt == log_frames && s->ckpt) {
		/* Everything copied: empty the file too, unless someone is
		 * writing or reading right now (no waiting: busy handler off),
		 * so that an idle store keeps no WAL of its last burst. */
		sqlite3_busy_timeout(s->db, 0);
		rc = sqlite_ckpt_truncate(s->ckpt, s->db);
		sqlite3_busy_timeout(s->db, s->busy_ms);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			return r < 0 ? r : store_fail(s, rc, "checkpoint");
		if (rc == SQLITE_OK)
			s->full = false;
	}
	log_debug("store %s: checkpoint %d/%d frames", s->path, ckpt, log_frames);
	return r;
}

int sqlite_store_release_memory(struct sqlite_store *s)
{
	int rc = sqlite3_db_release_memory(s->db);
	/* A reader's feed names go too (sqlite_names.c): refilled by the
	 * next query, a lookup per feed it shows. */
	sqlite_names_free(s);
	/* A reader's mapped pages count in the process's resident size (they
	 * are the page cache's, but an idle daemon would look as large as the
	 * part of the store its last queries read: 7 MiB more with 10 000
	 * feeds, bench/idle.sh). The mapping goes; the next query maps the
	 * file again and touches only what it reads. */
	if (rc == SQLITE_OK && s->mapped)
		rc = sqlite3_exec(s->db, "PRAGMA mmap_size=0; PRAGMA mmap_size=" READER_MMAP, NULL,
				  NULL, NULL);
	return rc == SQLITE_OK ? 0 : store_fail(s, rc, "release memory");
}

/* --- shared pieces --- */

int store_event(struct sqlite_store *s, const char *type, int64_t now, const char *feed,
		int64_t item_id, json_t *data)
{
	char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_ADD);
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	store_bind_text(st, 3, feed);
	if (item_id > 0)
		sqlite3_bind_int64(st, 4, item_id);
	store_bind_text(st, 5, text);
	int rc = sqlite3_step(st);
	store_done(st);
	free(text);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "event");
}

int store_feed_id(struct sqlite_store *s, const char *name, const char *url, bool create,
		  int64_t now, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_FEED_ID);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	store_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "feed lookup");
	if (!create)
		return -ENOENT;
	st = store_stmt(s, ST_FEED_INSERT);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	store_bind_text(st, 2, url);
	sqlite3_bind_int64(st, 3, now);
	rc = sqlite3_step(st);
	store_done(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "feed insert");
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}
