/* pg_sql.c — the SQL of the PostgreSQL store's fixed statements, indexed
 * by enum pst (pg_int.h): the ones of the same text as SQLite's from
 * store/sql_common.h, the rest in PostgreSQL's own words. pg_conn.c
 * prepares them on every connection. Data only: this file calls nothing. */
#include "store/pg/pg_int.h"
#include "store/sql_common.h"

/* The newest item id and event seq ever handed out (0 before the first). */
#define LAST_ITEM_SQL "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM items_id_seq)"
#define LAST_EVENT_SQL "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_seq_seq)"

/* Prunable: not in the latest document, no hook delivery pending, not
 * starred, and too
 * old or beyond the cap. $1 feed name, $2 retention, $3 cut-off, $4 cap,
 * $5 batch. */
#define PRUNE_SELECT \
	"SELECT i.id FROM items i JOIN feeds f ON i.feed = f.id WHERE f.name = $1" \
	" AND i.id <> ALL (f.listed)" \
	" AND NOT EXISTS (SELECT 1 FROM hook_deliveries h WHERE h.item_id = i.id)" \
	" AND NOT i.starred" \
	" AND NOT EXISTS (SELECT 1 FROM item_labels l WHERE l.item_id = i.id)" \
	" AND (($2::bigint > 0 AND i.first_seen < $3::bigint)" \
	" OR ($4::bigint > 0 AND i.id < coalesce((SELECT id FROM items WHERE feed = f.id" \
	" ORDER BY id DESC LIMIT 1 OFFSET greatest($4::bigint - 1, 0)), 0)))" \
	" ORDER BY i.id LIMIT $5::int"

/* A reader's feeds (store/sql_common.h, READER_FEEDS_SQL). */
#define READER_TAGS "coalesce((SELECT json_agg(tag ORDER BY" \
	" tag) FROM feed_tags WHERE feed = f.id), '[]')::text"
#define READER_IDS " AND f.id = ANY ($1::bigint[])"
#define READER_COUNTS "(SELECT count(*) FROM items WHERE feed = f.id AND NOT read" \
	" AND NOT skipped), (SELECT count(*) FROM items WHERE feed = f.id AND read AND NOT skipped)," \
	" coalesce((SELECT first_seen * 1000000 + id % 1000000 FROM items" \
	" WHERE feed = f.id AND NOT skipped ORDER BY id DESC LIMIT 1), 0)"

/* Parameters as $1 in the statements of store/sql_common.h. */
#define SQL_MARK "$"

const char *const pg_stmt_sql[PS__COUNT] = {
	/* The statements of the same text in both backends. */
	SQL_COMMON_STMTS(PS_),
	[PS_ITEM_BY_CANON_LISTED] =
		"SELECT id, chash, last_seen FROM items WHERE feed = $1 AND canon_url = $2"
		" AND id = ANY ((SELECT listed FROM feeds WHERE id = $1)::bigint[]) LIMIT 2",
	[PS_FEED_ID] = "SELECT id, link_identity, site_url, url, removed FROM feeds WHERE name = $1",
	[PS_FEED_INSERT] =
		"INSERT INTO feeds(name, url, created) VALUES ($1, $2, $3)"
		" ON CONFLICT (name) DO NOTHING RETURNING id",
	[PS_FEED_SYNC_URL] =
		"UPDATE feeds SET url = $2, effective_url = NULL, etag = NULL,"
		" last_modified = NULL, gone = false WHERE id = $1",
	[PS_TAG_ADD] = "INSERT INTO feed_tags(tag, feed) VALUES ($2, $1) ON CONFLICT DO NOTHING",
	[PS_LAST_IDS] = "SELECT " LAST_ITEM_SQL ", " LAST_EVENT_SQL,
	[PS_CONSUMER_ADD] =
		"INSERT INTO consumers(name, cursor, created) VALUES ($1, $2, $3)"
		" ON CONFLICT (name) DO NOTHING",
	/* Never backwards, and never past the newest id ever handed out. */
	[PS_CONSUMER_ACK] =
		"UPDATE consumers SET acked = $3, cursor = greatest(cursor, least($2::bigint, "
		LAST_ITEM_SQL ")) WHERE name = $1",
	/* Due deliveries are claimed: their next try moves past the longest a
	 * hook may run, so that another instance does not run them too; the
	 * result (or, if this instance dies, that time) ends the claim. One
	 * at a time per feed, in item order: only each feed's oldest pending
	 * delivery (claimed, retrying or due) may be handed out, and only
	 * while none of its feed is claimed or retrying (an older one
	 * unparked under it waits); a parked one no longer holds the rest
	 * back. */
	[PS_HOOK_DUE] =
		"WITH c AS (UPDATE hook_deliveries SET next_try = $1::bigint + $4::bigint"
		" WHERE item_id IN (SELECT o.item_id FROM hook_deliveries o WHERE NOT o.given_up"
		" AND o.next_try <= $1::bigint AND o.item_id <> ALL ($3::bigint[]) AND "
		HOOK_IS_HEAD("hook_deliveries d", "NOT d.given_up", "o")
		" AND " HOOK_NONE_IN_FLIGHT("hook_deliveries d", "NOT d.given_up", "o", "$1::bigint")
		" ORDER BY o.next_try, o.item_id LIMIT $2"
		" FOR UPDATE SKIP LOCKED) RETURNING item_id, attempts)"
		" SELECT c.attempts, " STORE_ITEM_COLS " FROM c"
		" JOIN items i ON i.id = c.item_id JOIN feeds f ON f.id = i.feed ORDER BY i.id",
	/* Claims ended without a result (not started after all, or stopped
	 * by a clean exit): due at once, for any instance. */
	[PS_HOOK_RELEASE] =
		"UPDATE hook_deliveries SET next_try = $2 WHERE item_id = ANY ($1::bigint[])"
		" AND NOT given_up AND next_try > $2",
	[PS_HOOK_GIVE_UP] =
		"UPDATE hook_deliveries SET attempts = attempts + 1, given_up = true,"
		" last_error = $3 WHERE item_id = $1 AND $2::bigint = 0"
		" RETURNING (SELECT name FROM feeds WHERE id = hook_deliveries.feed)",
	[PS_HOOK_PARKED] =
		"SELECT f.name, h.item_id, i.title, h.attempts, h.last_error FROM hook_deliveries h"
		" JOIN feeds f ON f.id = h.feed JOIN items i ON i.id = h.item_id"
		" WHERE h.given_up AND ($1::text IS NULL OR f.name = $1::text)"
		" ORDER BY f.name, h.item_id LIMIT $2::int",
	/* Retried in item order: the same next try, and due ones are taken
	 * by next try, then item. */
	[PS_HOOK_UNPARK] =
		"UPDATE hook_deliveries SET given_up = false, attempts = 0, next_try = $2::bigint"
		" WHERE given_up AND ($1::text IS NULL"
		" OR feed = (SELECT id FROM feeds WHERE name = $1::text))",
	[PS_PRUNE_TOMB] =
		"INSERT INTO tombstones(feed, ikey, canon_url, pruned)"
		" SELECT feed, ikey, canon_url, $6 FROM items WHERE id IN (" PRUNE_SELECT ")"
		" ON CONFLICT DO NOTHING",
	[PS_PRUNE_DELETE] = "DELETE FROM items WHERE id IN (" PRUNE_SELECT ")",
	[PS_FIGURES] =
		"SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM feeds WHERE NOT removed),"
		" (SELECT count(*) FROM tombstones), (SELECT count(*) FROM events),"
		" (SELECT count(*) FROM consumers),"
		" (SELECT count(*) FROM hook_deliveries WHERE NOT given_up),"
		" pg_database_size(current_database())",
	[PS_FEEDS_JSON] =
		"SELECT name, url, effective_url, title, site_url, etag, last_modified,"
		" last_fetch, last_success, next_due, next_reason, last_status, last_error,"
		" failures, gone, link_identity, removed, n_requests, n_conditional, n_200,"
		" n_304, n_err_net, n_err_http, n_err_parse, bytes_wire, bytes_decoded,"
		" (SELECT count(*) FROM items WHERE feed = f.id),"
		" (SELECT coalesce(json_agg(tag ORDER BY tag), '[]'::json) FROM feed_tags"
		"  WHERE feed = f.id)::text,"
		" (SELECT count(*) FROM hook_deliveries WHERE feed = f.id AND NOT given_up),"
		" (SELECT count(*) FROM hook_deliveries WHERE feed = f.id AND given_up),"
		" last_warning, n_truncated"
		" FROM feeds f WHERE $1::text IS NULL OR name = $1 ORDER BY name",
	/* A due feed claimed with a lease: skipped while another instance holds
	 * the row or a live lease, refused when its state moved on since the
	 * caller loaded it ($5, $6). */
	[PS_FEED_CLAIM] =
		"SELECT status, wait_ms, n429 FROM feedd_claim($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	/* Consecutive 429s from a host, over every instance: $2 true counts
	 * one more, false ends the run. */
	[PS_HOST_ANSWER] =
		"INSERT INTO hosts(name, n429) VALUES ($1, CASE WHEN $2::boolean THEN 1 ELSE 0 END)"
		" ON CONFLICT (name) DO UPDATE SET n429 = CASE WHEN $2::boolean"
		" THEN hosts.n429 + 1 ELSE 0 END RETURNING n429",
	/* On the server's clock, as feedd_claim() reads it. */
	[PS_HOST_PUSH] =
		"UPDATE hosts SET pushed_until_ms = greatest(pushed_until_ms,"
		" (extract(epoch FROM clock_timestamp()) * 1000)::bigint + $2::bigint)"
		" WHERE name = $1",
	[PS_INSTANCE_ADD] =
		"INSERT INTO instances(id, host, pid, started, last_seen) VALUES ($1, $2, $3, $4, $4)"
		" ON CONFLICT (id) DO UPDATE SET last_seen = $4",
	/* The heartbeat: this instance's row (back, if another dropped it
	 * while this one was stuck), and the rows of instances whose own
	 * heartbeat stopped more than $6 s ago and which hold no live lease
	 * dropped (killed: a clean exit takes its own row away). */
	[PS_INSTANCE_SEEN] =
		"WITH gone AS (DELETE FROM instances i WHERE i.id <> $1"
		"  AND i.last_seen < $2::bigint - $6::bigint AND NOT EXISTS (SELECT 1 FROM feeds f"
		"  WHERE f.lease_owner = i.id AND f.lease_until > $2::bigint))"
		" INSERT INTO instances(id, host, pid, started, last_seen) VALUES ($1, $3, $4, $5, $2)"
		" ON CONFLICT (id) DO UPDATE SET last_seen = $2",
	/* A clean exit hands its leases back at once. */
	[PS_INSTANCE_GONE] =
		"WITH l AS (UPDATE feeds SET lease_owner = NULL, lease_until = 0, lease_host = NULL"
		" WHERE lease_owner = $1) DELETE FROM instances WHERE id = $1",
	/* A reader's feeds (pg_readstate.c). */
	READER_FEEDS_STMTS(PS_, READER_TAGS, "NOT f.removed", READER_COUNTS, READER_IDS),
	/* An item's labels (pg_labels.c), in byte order as SQLite's. */
	[PS_LABELS_OF] = "SELECT item_id, label FROM item_labels"
		" WHERE item_id = ANY ($1::bigint[]) ORDER BY item_id, label COLLATE \"C\"",
	/* A label's tag as SQLite's: lower() under the "C" collation
	 * lower-cases ASCII letters only, as feeds.conf does. */
	[PS_LABELS] = "SELECT count(*) FILTER (WHERE NOT i.read AND NOT i.skipped AND NOT EXISTS"
		" (SELECT 1 FROM feed_tags t WHERE t.feed = i.feed"
		"  AND t.tag = lower(trim(l.label) COLLATE \"C\"))), l.label,"
		" coalesce(max(i.first_seen * 1000000 + i.id % 1000000) FILTER (WHERE NOT i.skipped),"
		" 0)"
		" FROM item_labels l JOIN items i ON i.id = l.item_id"
		" WHERE i.feed NOT IN (SELECT id FROM feeds WHERE removed)"
		" GROUP BY l.label"
		" ORDER BY l.label COLLATE \"C\"",
	[PS_INSTANCES] =
		"SELECT i.id, i.host, i.pid, i.started, i.last_seen,"
		" (SELECT count(*) FROM feeds f WHERE f.lease_owner = i.id"
		"  AND f.lease_until > $1::bigint),"
		" (SELECT coalesce(json_agg(f.name ORDER BY f.name), '[]'::json) FROM feeds f"
		"  WHERE f.lease_owner = i.id AND f.lease_until > $1::bigint)::text,"
		" i.last_seen < $1::bigint - $2::bigint"
		" FROM instances i ORDER BY i.started, i.id",
};

#undef PRUNE_SELECT
