-- tests/data/store_v1.sql — a feedd store made by schema version 1 (before
-- full-text search), kept to test the upgrade to the current version.
-- Load with: sqlite3 new.db < store_v1.sql
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE feeds ( id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, url TEXT, effective_url TEXT, title TEXT, site_url TEXT, etag TEXT, last_modified TEXT, last_fetch INTEGER NOT NULL DEFAULT 0, last_success INTEGER NOT NULL DEFAULT 0, next_due INTEGER NOT NULL DEFAULT 0, next_reason TEXT, last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT, failures INTEGER NOT NULL DEFAULT 0, gone INTEGER NOT NULL DEFAULT 0, link_identity INTEGER NOT NULL DEFAULT 0, removed INTEGER NOT NULL DEFAULT 0, listed TEXT NOT NULL DEFAULT '[]', n_requests INTEGER NOT NULL DEFAULT 0, n_conditional INTEGER NOT NULL DEFAULT 0, n_200 INTEGER NOT NULL DEFAULT 0, n_304 INTEGER NOT NULL DEFAULT 0, n_err_net INTEGER NOT NULL DEFAULT 0, n_err_http INTEGER NOT NULL DEFAULT 0, n_err_parse INTEGER NOT NULL DEFAULT 0, bytes_wire INTEGER NOT NULL DEFAULT 0, bytes_decoded INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL DEFAULT 0);
INSERT INTO feeds VALUES(1,'mehr','https://en.mehrnews.com/rss',NULL,NULL,NULL,'"v1-etag"','Wed, 01 Dec 2021 08:00:00 GMT',1638345600,1638345600,1638347400,'interval',200,NULL,0,0,0,0,'[1,2]',3,0,3,0,0,0,0,0,0,1638000000);
INSERT INTO feeds VALUES(2,'blog','https://blog.example/feed',NULL,NULL,NULL,NULL,NULL,1638345600,1638345600,1638347400,'interval',200,NULL,0,0,0,0,'[3]',1,0,1,0,0,0,0,0,0,1638000000);
CREATE TABLE feed_tags ( tag TEXT NOT NULL, feed INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE, PRIMARY KEY (tag, feed)) WITHOUT ROWID;
INSERT INTO feed_tags VALUES('iran',1);
INSERT INTO feed_tags VALUES('news',1);
CREATE TABLE items ( id INTEGER PRIMARY KEY AUTOINCREMENT, feed INTEGER NOT NULL REFERENCES feeds(id), ikey TEXT NOT NULL, rule TEXT NOT NULL CHECK (rule IN ('guid','link','hash')), guid TEXT, url TEXT, canon_url TEXT, title TEXT, author TEXT, summary TEXT, content TEXT, published INTEGER, updated INTEGER, categories TEXT NOT NULL DEFAULT '[]', enclosures TEXT NOT NULL DEFAULT '[]', chash TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, updated_seen INTEGER, sort_date INTEGER NOT NULL, duplicate_of INTEGER);
INSERT INTO items VALUES(1,1,'g:https://en.mehrnews.com/news/1','guid','https://en.mehrnews.com/news/1','https://en.mehrnews.com/news/1','https://en.mehrnews.com/news/1','Earthquake reported',NULL,'A magnitude 5 earthquake',NULL,1638340000,NULL,'[]','[]','00000000000000000000000000000001',1638345600,1638345600,NULL,1638340000,NULL);
INSERT INTO items VALUES(2,1,'g:https://en.mehrnews.com/news/2','guid','https://en.mehrnews.com/news/2','https://en.mehrnews.com/news/2','https://en.mehrnews.com/news/2','Parliament session',NULL,NULL,'<p>The session opened</p>',1638341000,NULL,'[]','[]','00000000000000000000000000000002',1638345600,1638345600,NULL,1638341000,NULL);
INSERT INTO items VALUES(3,2,'l:https://blog.example/post','link',NULL,'https://blog.example/post','https://blog.example/post','A post about volcanoes',NULL,NULL,NULL,NULL,1638300000,'[]','[]','00000000000000000000000000000003',1638345600,1638345600,NULL,1638345600,NULL);
CREATE TABLE tombstones ( feed INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE, ikey TEXT NOT NULL, canon_url TEXT, pruned INTEGER NOT NULL, PRIMARY KEY (feed, ikey)) WITHOUT ROWID;
INSERT INTO tombstones VALUES(1,'g:https://en.mehrnews.com/news/0','https://en.mehrnews.com/news/0',1638345000);
CREATE TABLE consumers ( name TEXT PRIMARY KEY, cursor INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, acked INTEGER NOT NULL DEFAULT 0);
INSERT INTO consumers VALUES('mail',1,1638000000,1638345600);
CREATE TABLE events ( seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, time INTEGER NOT NULL, feed TEXT, item_id INTEGER, data TEXT);
INSERT INTO events VALUES(1,'item.new',1638345600,'mehr',1,NULL);
INSERT INTO events VALUES(2,'item.new',1638345600,'mehr',2,NULL);
INSERT INTO events VALUES(3,'item.new',1638345600,'blog',3,NULL);
CREATE TABLE hook_deliveries ( item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE, feed INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE, attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL, given_up INTEGER NOT NULL DEFAULT 0, last_error TEXT);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('items',3);
INSERT INTO sqlite_sequence VALUES('events',3);
CREATE INDEX feed_tags_feed ON feed_tags(feed);
CREATE UNIQUE INDEX items_feed_key ON items(feed, ikey);
CREATE INDEX items_canon ON items(canon_url, id);
CREATE INDEX items_feed_id ON items(feed, id);
CREATE INDEX tombstones_canon ON tombstones(feed, canon_url);
CREATE INDEX hook_deliveries_due ON hook_deliveries(given_up, next_try);
COMMIT;
PRAGMA user_version=1;
