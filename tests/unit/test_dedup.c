/* test_dedup.c — the backend-independent half of dedup (store/dedup.h),
 * with no store: the identity dedup_plan gives each item of a document
 * (guid, link or content key; the link-identity switch; repeats) and the
 * verdict dedup_decide reaches from what the backend answers (stubbed
 * here by tables, as a backend answers from rows). test_dedup_prop drives
 * the same rules through real stores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/item.h"
#include "store/dedup.h"

#define MAXI 8

struct spec { const char *guid, *url, *title; int64_t date; };

static struct item items[MAXI];
static struct doc doc;

static const struct doc *mkdoc(const struct spec *s, size_t n)
{
	memset(items, 0, sizeof items);
	memset(&doc, 0, sizeof doc);
	for (size_t i = 0; i < n; i++) {
		items[i].guid = (char *)s[i].guid;
		items[i].url = (char *)s[i].url;
		items[i].title = (char *)s[i].title;
		items[i].published = s[i].date ? s[i].date : DATE_NONE;
		items[i].updated = DATE_NONE;
	}
	doc.items = items;
	doc.nitems = n;
	return &doc;
}

static struct dedup_item *plan(const struct spec *s, size_t n, bool *link_identity)
{
	struct dedup_item *p = NULL;
	assert_int_equal(dedup_plan(mkdoc(s, n), DEDUP_HASH_XXH3, NULL, link_identity, &p), 0);
	assert_non_null(p);
	return p;
}

static void test_unique_guids(void **state)
{
	(void)state;
	const struct spec s[] = {
		{ "id-1", "http://e.example/1", "One", 1000 },
		{ "id-2", "http://e.example/2", "Two", 2000 },
	};
	bool li = false;
	struct dedup_item *p = plan(s, 2, &li);
	assert_false(li);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(p[i].rule, "guid");
		assert_true(p[i].guid_unique);
		assert_false(p[i].repeat);
		assert_non_null(p[i].canon);
		assert_true(p[i].canon_unique);
		/* Kept its identity: the alternate is its content key. */
		assert_non_null(p[i].alt);
		assert_false(p[i].alt_legacy);
		assert_true(p[i].alt_tomb);
		assert_int_equal(strncmp(p[i].alt, "c:", 2), 0);
		assert_int_equal(strlen(p[i].chash), 32);
		assert_string_equal(p[i].categories, "[]");
		assert_string_equal(p[i].enclosures, "[]");
	}
	assert_string_equal(p[0].key, "g:id-1");
	assert_string_equal(p[1].key, "g:id-2");
	assert_string_not_equal(p[0].chash, p[1].chash);
	dedup_free(p, 2);
}

static void test_missing_guids_switch_to_links(void **state)
{
	(void)state;
	/* Most guids missing: the feed goes over to link identity, even for
	 * the one item that has a guid. */
	const struct spec s[] = {
		{ NULL, "http://e.example/a", "A", 0 },
		{ NULL, "http://e.example/b", "B", 0 },
		{ "only", "http://e.example/c", "C", 0 },
	};
	bool li = false;
	struct dedup_item *p = plan(s, 3, &li);
	assert_true(li);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(p[i].rule, "link");
		assert_int_equal(strncmp(p[i].key, "l:", 2), 0);
		assert_non_null(strstr(p[i].key, p[i].canon));
	}
	assert_false(p[0].guid_unique);
	assert_true(p[2].guid_unique);
	dedup_free(p, 3);

	/* A feed already on link identity stays there with good guids. */
	const struct spec t[] = {
		{ "g1", "http://e.example/1", "One", 0 },
		{ "g2", "http://e.example/2", "Two", 0 },
	};
	li = true;
	p = plan(t, 2, &li);
	assert_true(li);
	assert_string_equal(p[0].rule, "link");
	assert_string_equal(p[1].rule, "link");
	dedup_free(p, 2);
}

static void test_repeat_and_shared(void **state)
{
	(void)state;
	/* The same entry listed twice: one identity, the second a repeat. */
	const struct spec s[] = {
		{ "same", "http://e.example/x", "X", 5 },
		{ "other", "http://e.example/y", "Y", 6 },
		{ "same", "http://e.example/x", "X", 5 },
	};
	bool li = false;
	struct dedup_item *p = plan(s, 3, &li);
	assert_false(li);
	assert_true(p[0].guid_unique);
	assert_string_equal(p[0].key, "g:same");
	assert_string_equal(p[2].key, "g:same");
	assert_false(p[0].repeat);
	assert_false(p[1].repeat);
	assert_true(p[2].repeat);
	assert_string_equal(p[0].chash, p[2].chash);
	dedup_free(p, 3);

	/* Items that differ but share a guid and a link: neither names one
	 * of them, each gets its own content key, none is a repeat. */
	const struct spec t[] = {
		{ "dup", "http://e.example/home", "First", 0 },
		{ "dup", "http://e.example/home", "Second", 0 },
		{ "u", "http://e.example/u", "U", 0 },
		{ "v", "http://e.example/v", "V", 0 },
	};
	p = plan(t, 4, &li);
	assert_false(li);
	assert_string_equal(p[0].rule, "hash");
	assert_string_equal(p[1].rule, "hash");
	assert_int_equal(strncmp(p[0].key, "c:", 2), 0);
	assert_string_not_equal(p[0].key, p[1].key);
	assert_false(p[0].repeat || p[1].repeat);
	assert_false(p[0].guid_unique);
	assert_false(p[0].canon_unique);
	assert_string_equal(p[2].rule, "guid");
	dedup_free(p, 4);
}

static void test_content_key_has_the_date(void **state)
{
	(void)state;
	/* No guid, no link: the content key, which differs with the date
	 * alone, and is the same for the same content and date. */
	const struct spec s[] = {
		{ NULL, NULL, "Same", 100 },
		{ NULL, NULL, "Same", 200 },
		{ NULL, NULL, "Same", 100 },
		{ NULL, NULL, "Same", -100 },
	};
	bool li = false;
	struct dedup_item *p = plan(s, 4, &li);
	for (int i = 0; i < 4; i++)
		assert_string_equal(p[i].rule, "hash");
	assert_string_equal(p[0].chash, p[1].chash);   /* the date is not content */
	assert_string_not_equal(p[0].key, p[1].key);
	assert_string_equal(p[0].key, p[2].key);
	assert_string_not_equal(p[0].key, p[3].key);
	assert_true(p[2].repeat);
	assert_false(p[1].repeat || p[3].repeat);
	dedup_free(p, 4);

	/* An empty document plans to nothing. */
	p = NULL;
	li = false;
	assert_int_equal(dedup_plan(mkdoc(NULL, 0), DEDUP_HASH_XXH3, NULL, &li, &p), 0);
	assert_false(li);
	dedup_free(p, 0);
}

static void test_link_usable(void **state)
{
	(void)state;
	const struct spec s[] = {
		{ "a", "http://e.example/post", "A", 0 },
		{ "b", "http://e.example/", "B", 0 },
		{ "c", NULL, "C", 0 },
	};
	bool li = false;
	struct dedup_item *p = plan(s, 3, &li);
	assert_true(dedup_link_usable(&p[0], NULL));
	/* A site's front page names no one article: any host's root, and
	 * the feed's own site however spelt. */
	assert_false(dedup_link_usable(&p[1], NULL));
	assert_false(dedup_link_usable(&p[1], p[1].canon));
	assert_true(dedup_link_usable(&p[0], p[1].canon));
	assert_false(dedup_link_usable(&p[0], "https://www.e.example/post/"));
	assert_false(dedup_link_usable(&p[0], "http://e.example/post/index.html"));
	assert_true(dedup_link_usable(&p[0], "http://e.example/posts"));
	assert_false(dedup_link_usable(&p[2], NULL));   /* no link */
	struct dedup_item q = p[0];
	q.canon_unique = false;
	assert_false(dedup_link_usable(&q, NULL));
	dedup_free(p, 3);
}

/* --- dedup_decide against a stubbed backend --- */

struct fake {
	bool tomb_key, tomb_link, tomb_alt;
	struct dedup_found link, alt, by_key;
	int64_t listed[4];
	size_t nlisted;
	int fail;              /* tomb_key answers this error when set */
	int asked_link, asked_alt;
};

static int f_tomb_key(void *ud, size_t i, bool *has)
{
	struct fake *f = ud;
	*has = f->tomb_key;
	return f->fail;
}
static int f_by_link(void *ud, size_t i, struct dedup_found *out)
{
	struct fake *f = ud;
	f->asked_link++;
	*out = f->link;
	return 0;
}
/* None of the feed's items with the link was in its previous document. */
static int f_by_link_listed(void *ud, size_t i, struct dedup_found *out)
{
	(void)ud;
	(void)i;
	memset(out, 0, sizeof *out);
	return 0;
}
static int f_tomb_link(void *ud, size_t i, bool *has)
{
	*has = ((struct fake *)ud)->tomb_link;
	return 0;
}
static bool f_listed(void *ud, int64_t id)
{
	struct fake *f = ud;
	for (size_t k = 0; k < f->nlisted; k++)
		if (f->listed[k] == id)
			return true;
	return false;
}
static int f_by_key(void *ud, const char *key, struct dedup_found *out)
{
	(void)key;
	*out = ((struct fake *)ud)->by_key;
	return 0;
}

static int f_by_alt(void *ud, size_t i, struct dedup_found *out)
{
	struct fake *f = ud;
	f->asked_alt++;
	*out = f->alt;
	return 0;
}
static int f_tomb_alt(void *ud, size_t i, bool *has)
{
	*has = ((struct fake *)ud)->tomb_alt;
	return 0;
}

static enum dedup_verdict decide(const struct dedup_item *p, const struct dedup_found *known,
				 const char *site, struct fake *f, struct dedup_found *found)
{
	struct dedup_ask ask = {
		.tomb_key = f_tomb_key, .by_link = f_by_link,
		.by_link_listed = f_by_link_listed, .tomb_link = f_tomb_link,
		.listed = f_listed, .by_alt = f_by_alt, .tomb_alt = f_tomb_alt,
		.by_key = f_by_key, .ud = f,
	};
	enum dedup_verdict v = DEDUP_NEW;
	assert_int_equal(dedup_decide(p, 0, known, site, &ask, found, &v), 0);
	return v;
}

static void test_decide(void **state)
{
	(void)state;
	const struct spec s[] = {
		{ "g", "http://e.example/p", "P", 0 },
		{ "h", "http://e.example/q", "Q", 0 },
	};
	bool li = false;
	struct dedup_item *p = plan(s, 2, &li);
	struct dedup_found none = {0}, found;
	struct dedup_found known = { .id = 7, .rows = 1, .chash = "abc" };

	/* Nothing known anywhere: new, after asking the alt and the link. */
	struct fake f = {0};
	assert_int_equal(decide(&p[0], &none, NULL, &f, &found), DEDUP_NEW);
	assert_int_equal(f.asked_alt, 1);
	assert_int_equal(f.asked_link, 1);
	assert_int_equal(found.rows, 0);

	/* Stored under its identity: known, unless listed already. */
	memset(&f, 0, sizeof f);
	assert_int_equal(decide(&p[0], &known, NULL, &f, &found), DEDUP_KNOWN);
	assert_int_equal(found.id, 7);
	f.listed[f.nlisted++] = 7;
	assert_int_equal(decide(&p[0], &known, NULL, &f, &found), DEDUP_SKIP);

	/* Pruned once: never new again. */
	memset(&f, 0, sizeof f);
	f.tomb_key = true;
	assert_int_equal(decide(&p[0], &none, NULL, &f, &found), DEDUP_SKIP);
	assert_int_equal(f.asked_link, 0);

	/* Stored under its content key (the alt): the same item, re-keyed. */
	memset(&f, 0, sizeof f);
	f.alt = (struct dedup_found){ .id = 9, .rows = 1 };
	assert_int_equal(decide(&p[0], &none, NULL, &f, &found), DEDUP_REKEY);
	assert_int_equal(found.id, 9);
	f.listed[f.nlisted++] = 9;   /* that row is another item of this document */
	assert_int_equal(decide(&p[0], &none, NULL, &f, &found), DEDUP_NEW);
	f.tomb_alt = true;           /* and its content key was pruned */
	assert_int_equal(decide(&p[0], &none, NULL, &f, &found), DEDUP_SKIP);

	/* The publisher rewrote the guid: found by its link, re-keyed; not
	 * when the link is the site's front page or two rows hold it. */
	memset(&f, 0, sizeof f);
	f.link = (struct dedup_found){ .id = 11, .rows = 1 };
	assert_int_equal(decide(&p[0], &none, NULL, &f, &found), DEDUP_REKEY);
	assert_int_equal(found.id, 11);
	assert_int_equal(decide(&p[0], &none, p[0].canon, &f, &found), DEDUP_NEW);
	f.link.rows = 2;
	assert_int_equal(decide(&p[0], &none, NULL, &f, &found), DEDUP_NEW);
	f.link.rows = 0;
	f.tomb_link = true;          /* its link was pruned */
	assert_int_equal(decide(&p[0], &none, NULL, &f, &found), DEDUP_SKIP);

	/* A backend error comes back as it is. */
	memset(&f, 0, sizeof f);
	f.fail = -EIO;
	struct dedup_ask ask = {
		.tomb_key = f_tomb_key, .by_link = f_by_link,
		.by_link_listed = f_by_link_listed, .tomb_link = f_tomb_link,
		.listed = f_listed, .by_alt = f_by_alt, .tomb_alt = f_tomb_alt,
		.by_key = f_by_key, .ud = &f,
	};
	enum dedup_verdict v;
	assert_int_equal(dedup_decide(&p[0], 0, &none, NULL, &ask, &found, &v), -EIO);
	dedup_free(p, 2);

	/* A repeat is skipped before anything is asked. */
	const struct spec r[] = { { "x", NULL, "X", 0 }, { "x", NULL, "X", 0 } };
	p = plan(r, 2, &li);
	assert_true(p[1].repeat);
	memset(&f, 0, sizeof f);
	f.fail = -EIO;               /* would fail if asked */
	assert_int_equal(decide(&p[1], &known, NULL, &f, &found), DEDUP_SKIP);
	assert_int_equal(found.rows, 0);
	dedup_free(p, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unique_guids),
		cmocka_unit_test(test_missing_guids_switch_to_links),
		cmocka_unit_test(test_repeat_and_shared),
		cmocka_unit_test(test_content_key_has_the_date),
		cmocka_unit_test(test_link_usable),
		cmocka_unit_test(test_decide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
