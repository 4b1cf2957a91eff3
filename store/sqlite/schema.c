/* schema.c — the store's SQL schema, as the migrations that build it.
 *
 * Never edit a shipped migration: add the next one. tests/data/store_v1.sql
 * is a database made by version 1, kept to test the upgrade path. */
#include "store/sqlite/schema.h"

#include <stddef.h>

#include "store/sql_common.h"

/* Version 1: feeds, items, tombstones, consumers, events, hook deliveries. */
static const char migration_1[] =
	"CREATE TABLE feeds ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" url TEXT,"
	" effective_url TEXT,"
	" title TEXT,"
	" site_url TEXT,"
	" etag TEXT,"
	" last_modified TEXT,"
	" last_fetch INTEGER NOT NULL DEFAULT 0,"
	" last_success INTEGER NOT NULL DEFAULT 0,"
	" next_due INTEGER NOT NULL DEFAULT 0,"
	" next_reason TEXT,"
	" last_status INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT,"
	" failures INTEGER NOT NULL DEFAULT 0,"
	" gone INTEGER NOT NULL DEFAULT 0,"
	" link_identity INTEGER NOT NULL DEFAULT 0,"
	" removed INTEGER NOT NULL DEFAULT 0,"
	" listed TEXT NOT NULL DEFAULT '[]',"    /* item ids in the latest non-empty document */
	" n_requests INTEGER NOT NULL DEFAULT 0,"
	" n_conditional INTEGER NOT NULL DEFAULT 0,"
	" n_200 INTEGER NOT NULL DEFAULT 0,"
	" n_304 INTEGER NOT NULL DEFAULT 0,"
	" n_err_net INTEGER NOT NULL DEFAULT 0,"
	" n_err_http INTEGER NOT NULL DEFAULT 0,"
	" n_err_parse INTEGER NOT NULL DEFAULT 0,"
	" bytes_wire INTEGER NOT NULL DEFAULT 0,"
	" bytes_decoded INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE feed_tags ("
	" tag TEXT NOT NULL,"
	" feed INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	" PRIMARY KEY (tag, feed)"
	") WITHOUT ROWID;"
	"CREATE INDEX feed_tags_feed ON feed_tags(feed);"
	/* AUTOINCREMENT: an id is never reused, so it can be every cursor. */
	"CREATE TABLE items ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" feed INTEGER NOT NULL REFERENCES feeds(id),"
	" ikey TEXT NOT NULL,"                  /* identity key within the feed */
	" rule TEXT NOT NULL CHECK (rule IN ('guid','link','hash')),"
	" guid TEXT, url TEXT, canon_url TEXT,"
	" title TEXT, author TEXT, summary TEXT, content TEXT,"
	" published INTEGER, updated INTEGER,"
	" categories TEXT NOT NULL DEFAULT '[]',"   /* JSON array of strings */
	" enclosures TEXT NOT NULL DEFAULT '[]',"   /* JSON array of objects */
	" chash TEXT NOT NULL,"                 /* content hash: detects edits */
	" first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"          /* to within a day: see sqlite_commit.c */
	" updated_seen INTEGER,"
	" sort_date INTEGER NOT NULL,"
	" duplicate_of INTEGER"
	");"
	"CREATE UNIQUE INDEX items_feed_key ON items(feed, ikey);"
	/* Serves both the same-feed link rule and cross-feed duplicates. Text,
	 * not a hash: canonical links cluster by site, so one document's
	 * inserts touch few pages (a hash index measured 3x slower). */
	"CREATE INDEX items_canon ON items(canon_url, id);"
	"CREATE INDEX items_feed_id ON items(feed, id);"
	/* Identities of pruned items, so that they never come back as new. */
	"CREATE TABLE tombstones ("
	" feed INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	" ikey TEXT NOT NULL,"
	" canon_url TEXT,"
	" pruned INTEGER NOT NULL,"
	" PRIMARY KEY (feed, ikey)"
	") WITHOUT ROWID;"
	"CREATE INDEX tombstones_canon ON tombstones(feed, canon_url);"
	"CREATE TABLE consumers ("
	" name TEXT PRIMARY KEY,"
	" cursor INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" acked INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE events ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" type TEXT NOT NULL,"
	" time INTEGER NOT NULL,"
	" feed TEXT,"
	" item_id INTEGER,"
	" data TEXT"                            /* JSON object of extra fields */
	");"
	"CREATE TABLE hook_deliveries ("
	" item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
	" feed INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_try INTEGER NOT NULL,"
	" given_up INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT"
	");"
	"CREATE INDEX hook_deliveries_due ON hook_deliveries(given_up, next_try);";

/* Version 2: full-text search over title, summary and content, an
 * external-content FTS5 table. New items are indexed by the store in one
 * statement per document (sqlite_commit.c): an insert trigger would make
 * FTS5 flush a segment at every later statement of the transaction. Edits
 * and deletions, which are rare, are kept in step by triggers. */
static const char migration_2[] =
	"CREATE VIRTUAL TABLE items_fts USING fts5("
	" title, summary, content, content='items', content_rowid='id');"
	"CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN"
	" INSERT INTO items_fts(items_fts, rowid, title, summary, content)"
	"  VALUES ('delete', old.id, old.title, old.summary, old.content);"
	" END;"
	"CREATE TRIGGER items_fts_au AFTER UPDATE OF title, summary, content ON items BEGIN"
	" INSERT INTO items_fts(items_fts, rowid, title, summary, content)"
	"  VALUES ('delete', old.id, old.title, old.summary, old.content);"
	" INSERT INTO items_fts(rowid, title, summary, content)"
	"  VALUES (new.id, new.title, new.summary, new.content);"
	" END;"
	"INSERT INTO items_fts(items_fts) VALUES ('rebuild');";

/* Version 3: new items reach the full-text index after their document's
 * transaction, in large batches (store/sqlite/sqlite_fts.c), not inside it:
 * indexing was over half of an insert's cost. store_meta's fts_upto is
 * the watermark: every item with an id at or below it is indexed, none
 * above it is. The triggers keep only indexed rows in step; a row above
 * the watermark is indexed as it is when its batch comes. */
static const char migration_3[] =
	"CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO store_meta VALUES ('fts_upto', coalesce((SELECT max(id) FROM items), 0));"
	"DROP TRIGGER items_fts_ad;"
	"DROP TRIGGER items_fts_au;"
	"CREATE TRIGGER items_fts_ad AFTER DELETE ON items"
	" WHEN old.id <= (SELECT value FROM store_meta WHERE key = 'fts_upto') BEGIN"
	" INSERT INTO items_fts(items_fts, rowid, title, summary, content)"
	"  VALUES ('delete', old.id, old.title, old.summary, old.content);"
	" END;"
	"CREATE TRIGGER items_fts_au AFTER UPDATE OF title, summary, content ON items"
	" WHEN old.id <= (SELECT value FROM store_meta WHERE key = 'fts_upto') BEGIN"
	" INSERT INTO items_fts(items_fts, rowid, title, summary, content)"
	"  VALUES ('delete', old.id, old.title, old.summary, old.content);"
	" INSERT INTO items_fts(rowid, title, summary, content)"
	"  VALUES (new.id, new.title, new.summary, new.content);"
	" END;";

/* Version 4: the same CHECK on items.rule, written so that SQLite tests
 * it with comparisons: "rule IN ('guid','link','hash')" made every insert
 * build and drop a temporary B-tree for the list (a third of an item
 * insert's CPU). A CHECK does not change what is stored, so the table's
 * SQL is rewritten in place (SQLite's documented procedure for such
 * changes; store/sqlite/sqlite.c bumps schema_version after every migration so
 * that other connections reload the schema). */
static const char migration_4[] =
	"PRAGMA writable_schema=ON;"
	"UPDATE sqlite_schema SET sql = replace(sql,"
	" 'CHECK (rule IN (''guid'',''link'',''hash''))',"
	" 'CHECK (rule = ''guid'' OR rule = ''link'' OR rule = ''hash'')')"
	" WHERE type = 'table' AND name = 'items';"
	"PRAGMA writable_schema=RESET;";

/* Versions 5 to 14: PostgreSQL's 3 to 12 (store/sql_common.h), in SQLite's
 * words. */
#define SQL_TEXT "TEXT"
#define SQL_INT "INTEGER"
#define SQL_BOOL "INTEGER"
#define SQL_FALSE "0"
#define SQL_FALSE_OF(c) c " = 0"
#define SQL_TRUE_OF(c) c " = 1"
#define SQL_ID_KEY "INTEGER PRIMARY KEY"
#define SQL_USER "user"

/* Version 15: the Google Reader API's token ids never reused. A rowid
 * key gives the highest id again once it is deleted (a revoked token's
 * id went to the next login); AUTOINCREMENT never does. SQLite cannot add
 * it to a table: the table is made again, its rows copied (the sequence
 * starts at their highest id). */
static const char migration_15[] =
	"CREATE TABLE reader_tokens_new ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" hash TEXT NOT NULL UNIQUE,"
	" user TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" last_used INTEGER NOT NULL DEFAULT 0);"
	"INSERT INTO reader_tokens_new(id, hash, user, created, last_used)"
	" SELECT id, hash, user, created, last_used FROM reader_tokens;"
	"DROP TABLE reader_tokens;"
	"ALTER TABLE reader_tokens_new RENAME TO reader_tokens;";

/* Version 16: PostgreSQL's 13 (store/sql_common.h). */
const char *const schema_migrations[] = {migration_1, migration_2, migration_3, migration_4,
					 SQL_MIGRATIONS_SHARED, migration_15,
					 SQL_MIGRATE_TOKEN_STAMP, NULL};
const int schema_version = 16;
