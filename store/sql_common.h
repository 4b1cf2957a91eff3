/* sql_common.h — the SQL both backends share (internal to store/): the
 * statements whose text is the same in SQLite and PostgreSQL but for the
 * parameter marker, the reader's feed listing built from each dialect's
 * parts, and the schema migrations both backends end with. A backend's
 * table of statements (store/sqlite/sqlite.c stmt_sql, store/pg/pg_sql.c
 * pg_stmt_sql) names them with its enum's prefix; what stays in a
 * backend's table is the SQL that differs between the two.
 *
 * Before expanding SQL_COMMON_STMTS, a backend defines SQL_MARK as its
 * parameter marker: "?" (SQLite's ?1) or "$" (PostgreSQL's $1). Nothing
 * here allocates. */
#ifndef FEEDD_STORE_SQL_COMMON_H
#define FEEDD_STORE_SQL_COMMON_H

/* Parameter N in the backend's spelling: "?" "1" or "$" "1". */
#define SQLP(n) SQL_MARK #n

/* A feed's state (feeds.c, load_row), with COUNT as the item count: one
 * feed's load counts its items; the load of every feed at start-up says
 * -1, since nothing there needs the count and it is a scan of every item
 * (7 % of a warm refresh of 5 000 feeds). */
#define FEED_LOAD_SQL(count) \
	"SELECT name, url, effective_url, title, site_url, etag, last_modified," \
	" last_fetch, last_success, next_due, next_reason, last_status, last_error," \
	" failures, gone, link_identity, n_requests, n_conditional, n_200, n_304," \
	" n_err_net, n_err_http, n_err_parse, bytes_wire, bytes_decoded," \
	" " count ", last_warning, n_truncated FROM feeds"

/* The statements of the same text in both dialects, for a backend's table
 * named P##... (the enums' names after the prefix are the same). */
#define SQL_COMMON_STMTS(p) \
	[p##FEED_LOAD] = FEED_LOAD_SQL("(SELECT count(*) FROM items WHERE feed = feeds.id)") \
		" WHERE name = " SQLP(1), \
	[p##FEED_LOAD_ALL] = FEED_LOAD_SQL("-1"), \
	[p##FEED_DOC] = "UPDATE feeds SET link_identity = " SQLP(2) ", listed = " SQLP(3) \
		" WHERE id = " SQLP(1), \
	[p##FEED_ALL] = "SELECT id, name, url, removed FROM feeds", \
	[p##FEED_REMOVED] = "UPDATE feeds SET removed = " SQLP(2) " WHERE id = " SQLP(1), \
	[p##TAGS_CLEAR] = "DELETE FROM feed_tags WHERE feed = " SQLP(1), \
	[p##TAGS_ALL] = "SELECT feed, tag FROM feed_tags", \
	[p##ITEM_BY_CANON] = "SELECT id, chash, last_seen FROM items WHERE feed = " SQLP(1) \
		" AND canon_url = " SQLP(2) " LIMIT 2", \
	[p##ITEM_BY_KEY] = "SELECT id, chash, last_seen FROM items WHERE feed = " SQLP(1) \
		" AND ikey = " SQLP(2), \
	[p##ITEM_BY_GUID] = "SELECT id, chash, last_seen FROM items WHERE feed = " SQLP(1) \
		" AND guid = " SQLP(2) " LIMIT 2", \
	[p##TOMB_BY_KEY] = "SELECT 1 FROM tombstones WHERE feed = " SQLP(1) \
		" AND ikey = " SQLP(2), \
	[p##TOMB_BY_CANON] = "SELECT 1 FROM tombstones WHERE feed = " SQLP(1) \
		" AND canon_url = " SQLP(2) " LIMIT 1", \
	[p##EVENT_ADD] = "INSERT INTO events(type, time, feed, item_id, data) VALUES (" \
		SQLP(1) ", " SQLP(2) ", " SQLP(3) ", " SQLP(4) ", " SQLP(5) ")", \
	[p##EVENTS] = \
		"SELECT e.seq, e.type, e.time, e.feed, e.item_id, e.data, i.title, i.url" \
		" FROM events e LEFT JOIN items i ON i.id = e.item_id WHERE e.seq > " SQLP(1) \
		" ORDER BY e.seq LIMIT " SQLP(2), \
	[p##CONSUMER_GET] = "SELECT cursor FROM consumers WHERE name = " SQLP(1), \
	/* The lag is what the consumer's next read gives, filters aside: the \
	 * items the filter rules skipped are never read (NOT reads SQLite's \
	 * 0/1 and PostgreSQL's boolean). */ \
	[p##CONSUMERS] = \
		"SELECT name, cursor, created, acked," \
		" (SELECT count(*) FROM items WHERE id > consumers.cursor AND NOT skipped)" \
		" FROM consumers" \
		" ORDER BY name", \
	[p##HOOK_DONE] = "DELETE FROM hook_deliveries WHERE item_id = " SQLP(1), \
	[p##LABEL_ADD] = SQL_LABEL_ADD, \
	[p##LABEL_REMOVE] = SQL_LABEL_REMOVE, \
	[p##HOOK_RETRY] = \
		"UPDATE hook_deliveries SET attempts = attempts + 1, next_try = " SQLP(2) "," \
		" last_error = " SQLP(3) " WHERE item_id = " SQLP(1)

/* The duplicate_of of the item T (a row of items, by its name in the
 * statement) by items_insert's rule: the first item of another feed with
 * its canonical link, of the items before it (an insert sees no others).
 * One range of items_canon (canon_url, id) from its start. NULL for an
 * item without a canonical link. Both backends re-resolve with it after
 * an edit moved a canonical link (backend.h, dups_resolve). */
#define SQL_DUP_OF(t) \
	"(SELECT o.id FROM items o WHERE o.canon_url = " t ".canon_url AND o.feed <> " t ".feed" \
	" AND o.id < " t ".id ORDER BY o.id LIMIT 1)"

/* The statement of reader_feed_rows, in a backend's SQL: TAGS the feed's
 * tags as a sorted JSON array, SHOWN the condition of a feed not removed,
 * COUNTS its unread and read items and its newest item's timestamp (or
 * " 0, 0, 0"), then the configured url; IDS the condition on the
 * ids asked for (or ""). */
#define READER_FEEDS_SQL(tags, shown, counts, ids) \
	"SELECT f.id, f.name, f.title, coalesce(f.effective_url, f.url), f.site_url," \
	" f.last_fetch, f.last_error, " tags "," counts ", f.url FROM feeds f WHERE " shown ids \
	" ORDER BY f.id"
/* Its four statements, for a backend's table of statements named P##...:
 * every feed or those of the ids, without or with the counts (in this
 * order; apart, since "ids IS NULL OR ..." would scan every feed); then
 * the feeds of a URL (configured or effective) without the counts. */
#define READER_FEEDS_STMTS(p, tags, shown, counts, ids) \
	[p##READER_FEEDS] = READER_FEEDS_SQL(tags, shown, " 0, 0, 0", ""), \
	[p##READER_FEEDS_IDS] = READER_FEEDS_SQL(tags, shown, " 0, 0, 0", ids), \
	[p##READER_COUNTS] = READER_FEEDS_SQL(tags, shown, counts, ""), \
	[p##READER_COUNTS_IDS] = READER_FEEDS_SQL(tags, shown, counts, ids), \
	[p##READER_FEED_URL] = READER_FEEDS_SQL(tags, shown, " 0, 0, 0", \
		" AND (f.url = " SQLP(1) " OR f.effective_url = " SQLP(1) ")")

/* The hooks' due query's test that the delivery OUTER (a row of
 * hook_deliveries) is its feed's oldest pending one (one at a time per
 * feed, in item order): no pending delivery of its feed comes before it,
 * one step in the partial index hook_deliveries_pending. FROM names
 * hook_deliveries as d, read there (SQLite's planner, without statistics,
 * would take hook_deliveries_due for "given_up = 0": INDEXED BY), PENDING
 * tests d not given up as the index says it.
 * The due deliveries are walked in their order until enough heads are
 * found; a GROUP BY feed over every pending delivery at each look cost
 * 3.6 ms with 20 000 pending, at each of the 5 000 looks that drain them
 * with exec_jobs = 4 (bench_store). */
#define HOOK_IS_HEAD(from, pending, outer) \
	"NOT EXISTS (SELECT 1 FROM " from " WHERE " pending " AND d.feed = " outer ".feed" \
	" AND d.item_id < " outer ".item_id)"

/* ... and that no delivery of its feed is in flight: none pending whose
 * next try is after NOW. Normally only the head itself is ever claimed
 * or retrying; a later one is when `feedctl hooks retry` unparked older
 * deliveries under it (they become the head while it runs, or waits out
 * its backoff). The older ones wait for it, then go first, in item order:
 * one delivery of a feed at a time, whatever else. FROM names
 * hook_deliveries as d, walked by next try (SQLite: INDEXED BY
 * hook_deliveries_due): the rows after NOW are the deliveries claimed or
 * retrying, about one per feed, not the backlog. A delivery this process
 * runs of a store that claims nothing (SQLite) is due still: the daemon
 * holds its feed's others back (daemon/hooks.c, start_due). */
#define HOOK_NONE_IN_FLIGHT(from, pending, outer, now) \
	"NOT EXISTS (SELECT 1 FROM " from " WHERE " pending " AND d.next_try > " now \
	" AND d.feed = " outer ".feed)"

/* --- the migrations both schemas end with ---
 *
 * SQLite's versions 5 to 14 are PostgreSQL's 3 to 12, the same statements
 * in each dialect's words. Before expanding SQL_MIGRATIONS_SHARED, a
 * schema file defines SQL_TEXT, SQL_INT (a 64-bit integer), SQL_BOOL and
 * SQL_FALSE (its spelling of false), SQL_FALSE_OF(c) and SQL_TRUE_OF(c)
 * (a test of the boolean column C), SQL_ID_KEY (a 64-bit key numbered by
 * the database) and SQL_USER (the column name user, quoted where it is a
 * reserved word). Never edit one: a later version is added after them, in
 * each backend's own SQL or here when it is the same. */

/* An item's date is published, else updated, else first seen
 * (core/item.h, item_date()); items stored with only an updated date had
 * their first-seen time. */
#define SQL_MIGRATE_ITEM_DATE \
	"UPDATE items SET sort_date = updated" \
	" WHERE published IS NULL AND updated IS NOT NULL AND updated <= first_seen;"

/* What the caps of the parser cut from the last document read (the
 * feed's last_warning), and how many bodies came cut short. */
#define SQL_MIGRATE_PARSE_CAPS \
	"ALTER TABLE feeds ADD COLUMN last_warning " SQL_TEXT ";" \
	"ALTER TABLE feeds ADD COLUMN n_truncated " SQL_INT " NOT NULL DEFAULT 0;"

/* Items feeds.conf's skip/keep rules dropped (core/filter.h): stored, so
 * that they are never new again, but never announced, never handed to
 * hooks, and left out of item lists unless asked for. */
#define SQL_MIGRATE_SKIPPED \
	"ALTER TABLE items ADD COLUMN skipped " SQL_BOOL " NOT NULL DEFAULT " SQL_FALSE ";"

/* A reader's state of each item (store/readstate.c): read, starred (never
 * pruned). Partial indexes serve the unread and starred listings without
 * a scan of the read majority. */
#define SQL_MIGRATE_READ_STATE \
	"ALTER TABLE items ADD COLUMN read " SQL_BOOL " NOT NULL DEFAULT " SQL_FALSE ";" \
	"ALTER TABLE items ADD COLUMN starred " SQL_BOOL " NOT NULL DEFAULT " SQL_FALSE ";" \
	"CREATE INDEX items_unread ON items(id) WHERE " SQL_FALSE_OF("read") ";" \
	"CREATE INDEX items_starred ON items(id) WHERE " SQL_TRUE_OF("starred") ";"

/* The unread items in date order (a reader's
 * status=unread&order=published_at) from an index rather than a sort of
 * every unread one; partial like items_unread, so the read majority costs
 * it nothing. */
#define SQL_MIGRATE_UNREAD_DATE \
	"CREATE INDEX items_unread_date ON items(sort_date, id) WHERE " SQL_FALSE_OF("read") ";"

/* items_unread_date dropped again: every fetched item is unread, and an
 * index in date order takes its rows at random places, which cost a cold
 * refresh about a third more CPU (bench/RESULTS.md); the unread in date
 * order (a Miniflux client's order=published_at across all feeds) are
 * sorted instead, from items_unread. */
#define SQL_MIGRATE_DROP_UNREAD_DATE "DROP INDEX IF EXISTS items_unread_date;"

/* The Google Reader API's tokens (store/readtokens.c): the SHA-256 of
 * each token ClientLogin handed out, never the token itself. */
#define SQL_MIGRATE_READER_TOKENS \
	"CREATE TABLE reader_tokens (" \
	" id " SQL_ID_KEY "," \
	" hash " SQL_TEXT " NOT NULL UNIQUE," \
	" " SQL_USER " " SQL_TEXT " NOT NULL," \
	" created " SQL_INT " NOT NULL," \
	" last_used " SQL_INT " NOT NULL DEFAULT 0);"

/* A reader's labels on items (store/labels.c; the Google Reader API's
 * user/-/label/NAME on an item): kept while the item is, gone with it
 * (the cascade), and an item with a label is never pruned. By label for
 * a label's stream and the list of labels. */
#define SQL_MIGRATE_ITEM_LABELS \
	"CREATE TABLE item_labels (" \
	" item_id " SQL_INT " NOT NULL REFERENCES items(id) ON DELETE CASCADE," \
	" label " SQL_TEXT " NOT NULL," \
	" PRIMARY KEY (item_id, label));" \
	"CREATE INDEX item_labels_label ON item_labels(label, item_id);"

/* Them in order, for a schema's list of migrations (SQLite's 5 to 14,
 * PostgreSQL's 3 to 12). */
/* Which function the store's content hashes (items.chash) and content
 * keys ("c:" ikeys of items and tombstones) are made with (store/dedup.h,
 * enum dedup_hash; docs/store.md, "Key versions"): a store with items or
 * tombstones keeps 1, FNV-1a, the only one before; a store without any
 * (a new one) takes 2, XXH3. Nothing is rehashed. SQLite's store_meta
 * exists since its version 3; PostgreSQL's is made here. */
#define SQL_MIGRATE_KEY_HASH \
	"CREATE TABLE IF NOT EXISTS store_meta (key " SQL_TEXT " PRIMARY KEY," \
	" value " SQL_INT " NOT NULL);" \
	"INSERT INTO store_meta(key, value) VALUES ('key_hash'," \
	" CASE WHEN EXISTS (SELECT 1 FROM items) OR EXISTS (SELECT 1 FROM tombstones)" \
	" THEN 1 ELSE 2 END);"

/* Each feed's pending deliveries in item order: where the due query's
 * HOOK_IS_HEAD takes its one step per candidate. IF NOT EXISTS: a store
 * whose version number was set back (the upgrade tests do) has it. */
#define SQL_MIGRATE_HOOK_PENDING \
	"CREATE INDEX IF NOT EXISTS hook_deliveries_pending ON hook_deliveries(feed, item_id)" \
	" WHERE " SQL_FALSE_OF("given_up") ";"

#define SQL_MIGRATIONS_SHARED \
	SQL_MIGRATE_ITEM_DATE, SQL_MIGRATE_PARSE_CAPS, SQL_MIGRATE_SKIPPED, \
	SQL_MIGRATE_READ_STATE, SQL_MIGRATE_UNREAD_DATE, SQL_MIGRATE_READER_TOKENS, \
	SQL_MIGRATE_DROP_UNREAD_DATE, SQL_MIGRATE_ITEM_LABELS, SQL_MIGRATE_KEY_HASH, \
	SQL_MIGRATE_HOOK_PENDING

/* --- after them: SQLite's 16, PostgreSQL's 13 ---
 * The Google Reader API's tokens get the stamp of the reader_auth line
 * they were given for (daemon/reader_auth.h), checked at every use: a
 * user removed or a password changed ends the user's tokens. A token
 * from before has none and could not be checked: they go, and their
 * apps log in again. */
#define SQL_MIGRATE_TOKEN_STAMP \
	"DELETE FROM reader_tokens;" \
	"ALTER TABLE reader_tokens ADD COLUMN stamp " SQL_TEXT " NOT NULL DEFAULT '';"

/* The statement reading it (the migration above guarantees the row). */
#define SQL_KEY_HASH "SELECT value FROM store_meta WHERE key = 'key_hash'"

/* The statements of an item's labels (store/labels.c), the same in both
 * dialects but for the marker: a label added to an item that is stored
 * (none added to one that is not, nor to an item of a feed removed from
 * feeds.conf: the readers, who label, see those no more), a label taken
 * off, every label with how many items have it. */
#define SQL_LABEL_ADD \
	"INSERT INTO item_labels(item_id, label) SELECT id, CAST(" SQLP(2) " AS TEXT)" \
	" FROM items" \
	" WHERE id = " SQLP(1) " AND feed NOT IN (SELECT id FROM feeds WHERE removed)" \
	" ON CONFLICT DO NOTHING"
#define SQL_LABEL_REMOVE \
	"DELETE FROM item_labels WHERE item_id = " SQLP(1) " AND label = " SQLP(2)

#endif
