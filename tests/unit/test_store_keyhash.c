/* test_store_keyhash.c — the store's key hash (docs/store.md, "Key
 * versions"): a new store makes its content hashes and content keys with
 * XXH3, a store written before the record keeps FNV-1a after the upgrade
 * and announces nothing anew. Runs on PostgreSQL too (pg.store_keyhash). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <xxhash.h>

#include "store/dedup.h"
#include "store_fixture.h"

#define KEY_HASH_SQL "SELECT value FROM store_meta WHERE key = 'key_hash'"

/* Alpha's content hash as feedd 1a7f938 (before the record) made it: the
 * FNV-1a of every store written so far, which must never change. */
#define ALPHA_FNV "ad06d674adb0517b93c54317edde2c21"

/* A guid item, and two items with neither guid nor link: they take content
 * keys ("c:"). */
static struct doc *mkdoc(void)
{
	struct doc *d = doc_new();
	struct item *a = doc_add(d, "urn:a", "https://example.com/a", "Alpha");
	a->summary = xdup("first");
	struct item *b = doc_add(d, NULL, NULL, "Beta");
	b->content = xdup("<p>no guid, no link</p>");
	b->published = 1700000000;
	struct item *c = doc_add(d, NULL, NULL, "Gamma");
	c->summary = xdup(NULL);
	/* Longer than the one-call buffer (1 KiB): the streamed hash. */
	static const char lead[] = "a body long enough to need the streamed hash: ";
	static const char run[] = "0123456789012345678901234567890123456789012345678901234567890123";
	char body[sizeof lead + 17 * (sizeof run - 1)];
	size_t o = sizeof lead - 1;
	memcpy(body, lead, o);
	for (int i = 0; i < 17; i++, o += sizeof run - 1)
		memcpy(body + o, run, sizeof run - 1);
	body[o] = '\0';
	c->content = xdup(body);
	return d;
}

static struct dedup_item *plan(const struct doc *d, enum dedup_hash h)
{
	bool link = false;
	struct dedup_item *p = NULL;
	assert_int_equal(dedup_plan(d, h, NULL, &link, &p), 0);
	return p;
}

static char *stored(const struct tdb *t, const char *col, const char *title)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT %s FROM items WHERE title = '%s'", col, title);
	return tdb_text(t, sql);
}

static void assert_stored(const struct tdb *t, const char *col, const char *title,
			  const char *want)
{
	char *v = stored(t, col, title);
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static size_t nevents(struct store *s)
{
	json_t *ev = NULL;
	int64_t next;
	assert_int_equal(store_events(s, 0, 1000, &ev, &next), 0);
	size_t n = json_array_size(ev);
	json_decref(ev);
	return n;
}

/* The XXH3 of the documented bytes: each field's length + 1 (0: absent)
 * as 8 bytes little-endian, then its bytes; high half first, in hex. */
static void xxh3_of(const char *const *f, size_t n, char out[33])
{
	XXH3_state_t *st = XXH3_createState();
	XXH3_128bits_reset(st);
	for (size_t i = 0; i < n; i++) {
		uint64_t len = f[i] ? strlen(f[i]) + 1 : 0;
		unsigned char lb[8];
		for (int b = 0; b < 8; b++)
			lb[b] = (unsigned char)(len >> (8 * b));
		XXH3_128bits_update(st, lb, 8);
		if (f[i])
			XXH3_128bits_update(st, f[i], strlen(f[i]));
	}
	XXH128_hash_t h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64,
		 (unsigned long long)h.low64);
}

static void test_new_store_hashes_with_xxh3(void **state)
{
	(void)state;
	struct tdb t;
	struct store *s = tdb_open(&t);
	char *v = tdb_text(&t, KEY_HASH_SQL);
	assert_non_null(v);
	assert_string_equal(v, "2");
	free(v);
	struct doc *d = mkdoc();
	assert_int_equal(commit_count(s, "f", d, NULL), 3);
	struct dedup_item *x = plan(d, DEDUP_HASH_XXH3), *f = plan(d, DEDUP_HASH_FNV);
	/* FNV is what the release before made, to the bit. */
	assert_string_equal(f[0].chash, ALPHA_FNV);
	char want[33];
	const char *alpha[] = {"Alpha", "https://example.com/a", NULL, "first", NULL, "[]", "[]"};
	xxh3_of(alpha, 7, want);
	assert_string_equal(x[0].chash, want);
	assert_stored(&t, "chash", "Alpha", want);
	assert_string_not_equal(want, ALPHA_FNV);
	/* The content keys: XXH3 of (content hash, date), in one go or
	 * streamed (Gamma's content is over the one-go buffer). */
	assert_string_equal(x[1].rule, "hash");
	assert_string_equal(x[2].rule, "hash");
	const char *beta[] = {x[1].chash, "1700000000"};
	xxh3_of(beta, 2, want);
	assert_string_equal(x[1].key + 2, want);
	const char *gamma[] = {"Gamma", NULL, NULL, NULL, d->items[2].content, "[]", "[]"};
	xxh3_of(gamma, 7, want);
	assert_string_equal(x[2].chash, want);
	assert_stored(&t, "ikey", "Beta", x[1].key);
	assert_stored(&t, "ikey", "Gamma", x[2].key);
	assert_stored(&t, "chash", "Gamma", x[2].chash);
	assert_string_not_equal(x[1].key, f[1].key);
	dedup_free(x, d->nitems);
	dedup_free(f, d->nitems);
	/* Fetched again: nothing new, nothing edited. */
	size_t upd = 9;
	assert_int_equal(commit_count(s, "f", d, &upd), 0);
	assert_int_equal(upd, 0);
	doc_free(d);
	tdb_close(&t);
}

/* The store as the release before the record left it: schema 12 (SQLite)
 * or 10 (PostgreSQL), no key_hash (nor the reader tokens' later stamp),
 * rows made with FNV. */
static void downgrade(const struct tdb *t)
{
	if (t->pgdb[0])
		assert_int_equal(tdb_exec(t, "DROP TABLE store_meta;"
					  " ALTER TABLE reader_tokens DROP COLUMN stamp;"
					  " UPDATE schema_version SET version = 10"), 0);
	else
		assert_int_equal(tdb_exec(t, "DELETE FROM store_meta WHERE key = 'key_hash';"
					  " PRAGMA user_version = 12"), 0);
}

static void test_fnv_store_upgraded_announces_nothing(void **state)
{
	(void)state;
	struct tdb t;
	tdb_open(&t);
	/* A store that hashes with FNV, as every store before did: recorded
	 * so while it has no rows, then filled by the store itself. */
	assert_int_equal(tdb_exec(&t, "UPDATE store_meta SET value = 1 WHERE key = 'key_hash'"), 0);
	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), 0);
	struct doc *d = mkdoc();
	assert_int_equal(commit_count(t.s, "f", d, NULL), 3);
	struct dedup_item *f = plan(d, DEDUP_HASH_FNV);
	assert_stored(&t, "chash", "Alpha", ALPHA_FNV);
	assert_stored(&t, "ikey", "Beta", f[1].key);
	assert_stored(&t, "ikey", "Gamma", f[2].key);
	/* Gamma leaves the feed and is pruned: a tombstone under its FNV
	 * content key. */
	struct doc *d2 = mkdoc();
	d2->nitems = 2;
	assert_int_equal(commit_count(t.s, "f", d2, NULL), 0);
	d2->nitems = 3;
	int pruned = 0;
	assert_int_equal(store_prune(t.s, "f", time(NULL) + 10, 1, 1000, 10, &pruned), 0);
	assert_int_equal(pruned, 1);
	char *tomb = tdb_text(&t, "SELECT ikey FROM tombstones");
	assert_non_null(tomb);
	assert_string_equal(tomb, f[2].key);
	free(tomb);
	dedup_free(f, d->nitems);
	store_close(t.s);
	t.s = NULL;
	downgrade(&t);

	/* The upgrade records FNV (the store has rows) ... */
	assert_int_equal(tdb_reopen(&t, &err), 0);
	char *v = tdb_text(&t, KEY_HASH_SQL);
	assert_non_null(v);
	assert_string_equal(v, "1");
	free(v);
	/* ... and the same documents fetched again announce nothing: no
	 * item looks edited, no content key new, the tombstone holds. */
	size_t before = nevents(t.s), upd = 9;
	assert_int_equal(commit_count(t.s, "f", d, &upd), 0);
	assert_int_equal(upd, 0);
	assert_int_equal(nevents(t.s), before);
	/* An edit is still one, and a new item still new, under FNV. */
	item_set(&d2->items[0].summary, "first, edited");
	doc_add(d2, "urn:d", "https://example.com/d", "Delta");
	assert_int_equal(commit_count(t.s, "f", d2, &upd), 1);
	assert_int_equal(upd, 1);
	assert_int_equal(nevents(t.s), before + 2);
	struct dedup_item *g = plan(d2, DEDUP_HASH_FNV);
	assert_stored(&t, "chash", "Alpha", g[0].chash);
	assert_stored(&t, "chash", "Delta", g[3].chash);
	dedup_free(g, d2->nitems);
	doc_free(d);
	doc_free(d2);
	tdb_close(&t);
}

/* A key hash this feedd does not know (a later one's): refused, not
 * guessed, and nothing is written. */
static void test_unknown_key_hash_is_refused(void **state)
{
	(void)state;
	struct tdb t;
	tdb_open(&t);
	store_close(t.s);
	t.s = NULL;
	assert_int_equal(tdb_exec(&t, "UPDATE store_meta SET value = 7 WHERE key = 'key_hash'"), 0);
	char *err = NULL;
	assert_int_equal(tdb_reopen(&t, &err), -EPROTO);
	assert_null(t.s);
	assert_non_null(err);
	assert_non_null(strstr(err, "key_hash"));
	free(err);
	char *v = tdb_text(&t, KEY_HASH_SQL);
	assert_string_equal(v, "7");
	free(v);
	tdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_key_hash_is_refused),
		cmocka_unit_test(test_new_store_hashes_with_xxh3),
		cmocka_unit_test(test_fnv_store_upgraded_announces_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
