/* test_dedup_plan.c — store/dedup.c on its own: the identities dedup_plan()
 * gives a document's items, and dedup_decide()'s verdicts from the answers
 * a backend would give (here from plain arrays: the rule, not the SQL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/dedup.h"
#include "store_fixture.h"

static void test_plan_identities(void **state)
{
	(void)state;
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://ex.com/1", "one");
	doc_add(d, NULL, "HTTPS://EX.COM/2", "two");
	doc_add(d, NULL, NULL, "three");
	doc_add(d, "g1", "https://ex.com/1", "one");   /* the same entry again */
	bool link = false;
	struct dedup_item *p = NULL;
	assert_int_equal(dedup_plan(d, DEDUP_HASH_XXH3, NULL, &link, &p), 0);
	assert_string_equal(p[0].key, "g:g1");
	assert_string_equal(p[0].rule, "guid");
	assert_false(p[0].repeat);
	assert_string_equal(p[1].rule, "link");
	assert_string_equal(p[1].key, "l:https://ex.com/2");
	assert_string_equal(p[1].canon, "https://ex.com/2");
	assert_string_equal(p[2].rule, "hash");
	assert_int_equal(strncmp(p[2].key, "c:", 2), 0);
	assert_true(p[3].repeat);
	assert_string_equal(p[3].chash, p[0].chash);
	assert_string_not_equal(p[1].chash, p[0].chash);
	/* Two items in four without a guid: not "mostly". */
	assert_false(link);
	dedup_free(p, d->nitems);
	/* Three in five: the feed's guids mean nothing, items go by link. */
	doc_add(d, NULL, "https://ex.com/5", "five");
	assert_int_equal(dedup_plan(d, DEDUP_HASH_XXH3, NULL, &link, &p), 0);
	assert_true(link);
	assert_string_equal(p[0].rule, "link");
	dedup_free(p, d->nitems);
	doc_free(d);
}

static void test_plan_keeps_guids_when_most_have_one(void **state)
{
	(void)state;
	struct doc *d = doc_new();
	doc_add(d, "a", "https://ex.com/a", "a");
	doc_add(d, "b", "https://ex.com/b", "b");
	doc_add(d, "c", "https://ex.com/c", "c");
	bool link = false;
	struct dedup_item *p = NULL;
	assert_int_equal(dedup_plan(d, DEDUP_HASH_XXH3, NULL, &link, &p), 0);
	assert_false(link);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(p[i].rule, "guid");
	dedup_free(p, d->nitems);
	doc_free(d);
}

/* What a backend would answer, per item. */
struct answers {
	bool tomb_key[4], tomb_link[4], tomb_alt[4];
	struct dedup_found by_link[4], by_alt[4];
	int64_t listed[4];
	size_t nlisted;
	int asked_link;
};

static int a_tomb_key(void *ud, size_t i, bool *has)
{
	*has = ((struct answers *)ud)->tomb_key[i];
	return 0;
}

static int a_by_link(void *ud, size_t i, struct dedup_found *f)
{
	struct answers *a = ud;
	a->asked_link++;
	*f = a->by_link[i];
	return 0;
}

/* None of the feed's items with the link was in its previous document. */
static int a_by_link_listed(void *ud, size_t i, struct dedup_found *f)
{
	(void)ud;
	(void)i;
	memset(f, 0, sizeof *f);
	return 0;
}

static int a_tomb_link(void *ud, size_t i, bool *has)
{
	*has = ((struct answers *)ud)->tomb_link[i];
	return 0;
}

static bool a_listed(void *ud, int64_t id)
{
	struct answers *a = ud;
	for (size_t k = 0; k < a->nlisted; k++)
		if (a->listed[k] == id)
			return true;
	return false;
}

static int a_by_key(void *ud, const char *key, struct dedup_found *f)
{
	(void)ud;
	(void)key;
	memset(f, 0, sizeof *f);   /* no stored item under another key */
	return 0;
}

static int a_by_alt(void *ud, size_t i, struct dedup_found *f)
{
	*f = ((struct answers *)ud)->by_alt[i];
	return 0;
}

static int a_tomb_alt(void *ud, size_t i, bool *has)
{
	*has = ((struct answers *)ud)->tomb_alt[i];
	return 0;
}

static enum dedup_verdict decide(const struct dedup_item *p, size_t i,
				 const struct dedup_found *known, struct answers *a,
				 struct dedup_found *f)
{
	struct dedup_ask ask = {
		.tomb_key = a_tomb_key, .by_link = a_by_link,
		.by_link_listed = a_by_link_listed, .tomb_link = a_tomb_link,
		.listed = a_listed, .by_alt = a_by_alt, .tomb_alt = a_tomb_alt,
		.by_key = a_by_key, .ud = a,
	};
	enum dedup_verdict v;
	assert_int_equal(dedup_decide(p, i, known, "https://ex.com/", &ask, f, &v), 0);
	return v;
}

static void test_decide_verdicts(void **state)
{
	(void)state;
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://ex.com/1", "one");
	doc_add(d, "g2", "https://ex.com/2", "two");
	doc_add(d, "g1", "https://ex.com/1", "one");
	bool link = false;
	struct dedup_item *p = NULL;
	assert_int_equal(dedup_plan(d, DEDUP_HASH_XXH3, NULL, &link, &p), 0);
	struct answers a = {0};
	struct dedup_found none = {0}, f;
	/* Nothing stored, nothing pruned: new; the repeat is skipped. */
	assert_int_equal(decide(&p[0], 0, &none, &a, &f), DEDUP_NEW);
	assert_int_equal(decide(&p[2], 2, &none, &a, &f), DEDUP_SKIP);
	/* Stored under its identity: known, unless this document listed it. */
	struct dedup_found known = {.id = 7, .rows = 1, .chash = "x"};
	assert_int_equal(decide(&p[0], 0, &known, &a, &f), DEDUP_KNOWN);
	assert_int_equal(f.id, 7);
	a.listed[a.nlisted++] = 7;
	assert_int_equal(decide(&p[0], 0, &known, &a, &f), DEDUP_SKIP);
	/* Pruned once (a tombstone with its identity): never new again, and
	 * the link is not even asked. */
	a.tomb_key[1] = true;
	a.asked_link = 0;
	assert_int_equal(decide(&p[1], 1, &none, &a, &f), DEDUP_SKIP);
	assert_int_equal(a.asked_link, 0);
	/* One stored item with its link under another identity: the
	 * publisher rewrote the guid, the item is rekeyed. */
	a.tomb_key[1] = false;
	a.by_link[1] = (struct dedup_found){.id = 9, .rows = 1};
	assert_int_equal(decide(&p[1], 1, &none, &a, &f), DEDUP_REKEY);
	assert_int_equal(f.id, 9);
	/* Two with that link: no telling which, so a new item; its link in
	 * the tombstones: pruned, skipped. */
	a.by_link[1].rows = 2;
	assert_int_equal(decide(&p[1], 1, &none, &a, &f), DEDUP_NEW);
	a.tomb_link[1] = true;
	assert_int_equal(decide(&p[1], 1, &none, &a, &f), DEDUP_SKIP);
	dedup_free(p, d->nitems);
	doc_free(d);
}

static void test_link_usable_not_for_the_home_page(void **state)
{
	(void)state;
	struct doc *d = doc_new();
	doc_add(d, "g1", "https://ex.com/", "front page");
	doc_add(d, "g2", "https://ex.com/post", "a post");
	bool link = false;
	struct dedup_item *p = NULL;
	assert_int_equal(dedup_plan(d, DEDUP_HASH_XXH3, NULL, &link, &p), 0);
	assert_false(dedup_link_usable(&p[0], "https://ex.com/"));
	assert_true(dedup_link_usable(&p[1], "https://ex.com/"));
	dedup_free(p, d->nitems);
	doc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_identities),
		cmocka_unit_test(test_plan_keeps_guids_when_most_have_one),
		cmocka_unit_test(test_decide_verdicts),
		cmocka_unit_test(test_link_usable_not_for_the_home_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
