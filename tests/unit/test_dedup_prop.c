/* test_dedup_prop.c — a property test of the store's dedup (DESIGN.md,
 * "Dedup"; issue 16): generated documents with random mixes of missing
 * guid, link, title, description and date, guids and links that several
 * items share, entries listed twice, items coming and going, and edits
 * between fetches, committed cycle after cycle through the real commit
 * path into a real store (SQLite, or PostgreSQL as pg.dedup_prop). After
 * every commit: every distinct item of the document is stored, no item is
 * announced twice, an edited item is not announced again, and the same
 * document committed again announces and changes nothing. Seeded and
 * bounded; FEEDD_PROP_SEEDS=N runs more seeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/date.h"
#include "store_fixture.h"

#define POOL 48

/* A logical item: what a publisher means as one item. */
struct li {
	int serial;
	int group;            /* > 0: shares its guid or link with its group */
	char guid[40], link[64], title[64], desc[64], enc[64];
	bool has_guid, has_link, has_title, has_desc, has_enc;
	int64_t date;         /* 0: none */
	bool date_updated;    /* the date is <updated>, not <published> */
	int version;
	bool announced;
	bool in_doc;
};

static uint64_t rng;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static bool chance(unsigned pct)
{
	return rnd(100) < pct;
}

/* A new logical item; GROUP > 0 makes it share a guid or a link with the
 * other members (a publisher's repeated guid or a site linking one page),
 * and such a group is always listed together: a guid or link that moves
 * from one item to another between documents names one item by the rules. */
static void li_new(struct li *l, int serial, int group, bool share_guid)
{
	memset(l, 0, sizeof *l);
	l->serial = serial;
	l->group = group;
	if (group && share_guid) {
		l->has_guid = true;
		snprintf(l->guid, sizeof l->guid, "shared guid %d", group);
	} else if (chance(50)) {
		l->has_guid = true;
		/* Byte for byte, whatever it looks like. */
		snprintf(l->guid, sizeof l->guid, chance(50) ? "g%d" : "https://ex.com/?p=%d", serial);
	}
	if (group && !share_guid) {
		l->has_link = true;
		snprintf(l->link, sizeof l->link, "https://ex.com/page-%d", group);
	} else if (chance(50)) {
		l->has_link = true;
		snprintf(l->link, sizeof l->link, "https://ex.com/post/%d", serial);
	}
	/* The fields that tell it from the others: a title, a body, a date or
	 * an enclosure of its own, or several; otherwise shared values. */
	unsigned own = 1 + rnd(15);
	l->has_title = chance(60) || (own & 1);
	snprintf(l->title, sizeof l->title, (own & 1) ? "title %d" : "same title", serial);
	l->has_desc = (own & 2) || chance(30);
	snprintf(l->desc, sizeof l->desc, (own & 2) ? "<p>body %d</p>" : "<p>same body</p>", serial);
	if ((own & 4) || chance(40))
		l->date = 1700000000 + ((own & 4) ? serial * 3600 : 0);
	l->date_updated = chance(50);
	l->has_enc = (own & 8) != 0;
	snprintf(l->enc, sizeof l->enc, "https://ex.com/ep%d.mp3", serial);
}

/* Its identity survives an edit by the rules: a guid of its own, or a link
 * of its own. */
static bool li_editable(const struct li *l)
{
	return (l->has_guid && !(l->group && l->guid[0] == 's')) ||
	       (l->has_link && strncmp(l->link, "https://ex.com/post/", 20) == 0);
}

static void li_edit(struct li *l)
{
	l->version++;
	/* Its own title, so that it stays distinct from every other item. */
	l->has_title = true;
	snprintf(l->title, sizeof l->title, "title %d v%d", l->serial, l->version);
}

static void doc_put(struct doc *d, const struct li *l)
{
	struct item *it = doc_add(d, l->has_guid ? l->guid : NULL, l->has_link ? l->link : NULL,
				  l->has_title ? l->title : NULL);
	if (l->has_desc)
		it->summary = xdup(l->desc);
	if (l->date) {
		if (l->date_updated)
			it->updated = l->date;
		else
			it->published = l->date;
	}
	if (l->has_enc) {
		it->enclosures = calloc(1, sizeof *it->enclosures);
		it->enclosures[0].url = xdup(l->enc);
		it->enclosures[0].length = -1;
		it->nenclosures = 1;
	}
}

static bool same_str(json_t *o, const char *key, bool has, const char *v)
{
	const char *s = json_string_value(json_object_get(o, key));
	return has ? s && strcmp(s, v) == 0 : s == NULL;
}

static bool li_matches(const struct li *l, json_t *o)
{
	char date[32] = "";
	if (l->date)
		date_format_rfc3339(l->date, date, sizeof date);
	json_t *enc = json_array_get(json_object_get(o, "enclosures"), 0);
	return same_str(o, "guid", l->has_guid, l->guid) &&
	       same_str(o, "url", l->has_link, l->link) &&
	       same_str(o, "title", l->has_title, l->title) &&
	       same_str(o, "summary", l->has_desc, l->desc) &&
	       same_str(o, "published", l->date && !l->date_updated, date) &&
	       same_str(o, "updated", l->date && l->date_updated, date) &&
	       (enc ? same_str(enc, "url", l->has_enc, l->enc) : !l->has_enc);
}

static json_t *item_by_id(json_t *items, int64_t id)
{
	size_t i;
	json_t *o;
	json_array_foreach(items, i, o)
		if (json_integer_value(json_object_get(o, "id")) == id)
			return o;
	return NULL;
}

static void run_seed(uint64_t seed)
{
	rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	struct tdb t;
	struct store *s = tdb_open(&t);
	struct li pool[POOL];
	int n = 0, groups = 0;
	for (int cycle = 0; cycle < 8; cycle++) {
		/* New items: single ones, or a group sharing a guid or a link. */
		for (int k = rnd(4) + (cycle == 0 ? 3 : 0); k > 0 && n < POOL; k--) {
			if (chance(25) && n + 3 <= POOL) {
				int size = 2 + (int)rnd(2);
				bool g = chance(50);
				groups++;
				for (int m = 0; m < size; m++, n++)
					li_new(&pool[n], n, groups, g);
			} else {
				li_new(&pool[n], n, 0, false);
				n++;
			}
		}
		/* Which items this document lists (groups together), and edits. */
		bool group_in[POOL + 1];
		for (int g = 0; g <= groups; g++)
			group_in[g] = chance(75);
		for (int i = 0; i < n; i++) {
			pool[i].in_doc = pool[i].group ? group_in[pool[i].group] : chance(75);
			if (pool[i].in_doc && pool[i].announced && li_editable(&pool[i]) && chance(20))
				li_edit(&pool[i]);
		}
		struct doc *d = doc_new();
		for (int i = 0; i < n; i++) {
			if (!pool[i].in_doc)
				continue;
			if (getenv("FEEDD_PROP_DEBUG"))
				fprintf(stderr, "cycle %d item %d group %d guid %s link %s title %s desc %s date %lld%s enc %s\n",
					cycle, i, pool[i].group, pool[i].has_guid ? pool[i].guid : "-",
					pool[i].has_link ? pool[i].link : "-",
					pool[i].has_title ? pool[i].title : "-",
					pool[i].has_desc ? pool[i].desc : "-", (long long)pool[i].date,
					pool[i].date_updated ? "u" : "p", pool[i].has_enc ? pool[i].enc : "-");
			doc_put(d, &pool[i]);
			if (chance(10))
				doc_put(d, &pool[i]);   /* the same entry listed twice */
		}
		if (!d->nitems) {
			doc_free(d);
			continue;
		}
		struct store_news news;
		assert_int_equal(commit_doc(s, "p", d, &news), 0);
		json_t *items = all_items(s, "p");
		if (getenv("FEEDD_PROP_DEBUG")) {
			size_t j;
			json_t *o;
			json_array_foreach(items, j, o)
				fprintf(stderr, "  stored %lld %s guid %s title %s\n",
					(long long)json_integer_value(json_object_get(o, "id")),
					json_string_value(json_object_get(o, "identity")),
					json_string_value(json_object_get(o, "guid")),
					json_string_value(json_object_get(o, "title")));
		}
		/* Each new item is one not announced before. */
		for (size_t k = 0; k < news.nnew; k++) {
			json_t *o = item_by_id(items, news.new_ids[k]);
			assert_non_null(o);
			int who = -1;
			for (int i = 0; i < n && who < 0; i++)
				if (pool[i].in_doc && li_matches(&pool[i], o))
					who = i;
			if (who < 0 || pool[who].announced)
				fail_msg("seed %llu cycle %d: item %lld (%s) announced %s",
					 (unsigned long long)seed, cycle, (long long)news.new_ids[k],
					 json_string_value(json_object_get(o, "title")),
					 who < 0 ? "for no item of the document" : "twice");
			pool[who].announced = true;
		}
		/* Every item of the document is stored, as it is now. */
		for (int i = 0; i < n; i++) {
			if (!pool[i].in_doc)
				continue;
			bool found = false;
			size_t j;
			json_t *o;
			json_array_foreach(items, j, o)
				found |= li_matches(&pool[i], o);
			if (!found || !pool[i].announced)
				fail_msg("seed %llu cycle %d: item %d (guid %s, link %s, title %s) %s",
					 (unsigned long long)seed, cycle, i,
					 pool[i].has_guid ? pool[i].guid : "-",
					 pool[i].has_link ? pool[i].link : "-",
					 pool[i].has_title ? pool[i].title : "-",
					 found ? "stored but never announced" : "not stored");
		}
		json_decref(items);
		store_news_clear(&news);
		/* The same document again: nothing new, nothing changed. */
		size_t upd = 0;
		assert_int_equal(commit_count(s, "p", d, &upd), 0);
		assert_int_equal(upd, 0);
		doc_free(d);
	}
	tdb_close(&t);
}

static void test_generated_feeds(void **state)
{
	(void)state;
	const char *e = getenv("FEEDD_PROP_SEEDS");
	int seeds = e && atoi(e) > 0 ? atoi(e) : 40;
	for (int seed = 1; seed <= seeds; seed++)
		run_seed((uint64_t)seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_feeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
