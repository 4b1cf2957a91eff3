/* dedup.c — identities for the items of one document: guid, link or hash,
 * the link-identity switch, content hashes (see dedup.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <xxhash.h>

#include "core/date.h"
#include "core/url.h"
#include "store/dedup.h"

/* Both hashes read the same bytes: for each field, its length + 1 (0 when
 * absent) as 8 bytes little-endian, then its bytes. Only ever compared
 * with themselves (content changes, hash identities), never trusted as
 * secure. */
static void len_prefix(size_t len, unsigned char lb[8])
{
	for (int b = 0; b < 8; b++)
		lb[b] = (unsigned char)((uint64_t)len >> (8 * b));
}

/* H1 then H2 as 32 hex digits. By hand: snprintf was a visible part of a
 * known document's commit (two hashes an item). */
static void hex128(uint64_t h1, uint64_t h2, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	for (int b = 0; b < 16; b++) {
		out[b] = hex[(h1 >> (60 - 4 * b)) & 15];
		out[16 + b] = hex[(h2 >> (60 - 4 * b)) & 15];
	}
	out[32] = '\0';
}

/* 128-bit FNV-1a (two lanes, one with a shift): every store before the
 * key version was recorded, and the "h:" keys for good. Never change it. */
static void hash_fnv(const char *const *fields, size_t n, char out[33])
{
	uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
	for (size_t i = 0; i < n; i++) {
		const char *f = fields[i] ? fields[i] : "";
		unsigned char lb[8];
		len_prefix(fields[i] ? strlen(f) + 1 : 0, lb);
		for (int b = 0; b < 8; b++) {
			h1 = (h1 ^ lb[b]) * 0x100000001b3ULL;
			h2 = (h2 ^ lb[b]) * 0x100000001b3ULL;
		}
		for (size_t j = 0; f[j]; j++) {
			h1 = (h1 ^ (unsigned char)f[j]) * 0x100000001b3ULL;
			h2 = (h2 ^ (unsigned char)f[j]) * 0x100000001b3ULL;
			h2 ^= h2 >> 29;
		}
	}
	hex128(h1, h2, out);
}

/* XXH3's 128 bits (high, then low half) over the same bytes: a word at a
 * time where FNV goes a byte at a time. Fields that fit a small buffer
 * are hashed in one call (most items), longer ones streamed. */
#define XXH_SMALL 1024
static int hash_xxh3(const char *const *fields, size_t n, char out[33])
{
	size_t len[8], total = 0;
	if (n > sizeof len / sizeof *len)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		total += 8 + (len[i] = fields[i] ? strlen(fields[i]) : 0);
	XXH128_hash_t h;
	if (total <= XXH_SMALL) {
		unsigned char buf[XXH_SMALL], *w = buf;
		for (size_t i = 0; i < n; i++) {
			len_prefix(fields[i] ? len[i] + 1 : 0, w);
			memcpy(w + 8, fields[i] ? fields[i] : "", len[i]);
			w += 8 + len[i];
		}
		h = XXH3_128bits(buf, total);
	} else {
		XXH3_state_t *st = XXH3_createState();
		if (!st || XXH3_128bits_reset(st) != XXH_OK) {
			XXH3_freeState(st);
			return -ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char lb[8];
			len_prefix(fields[i] ? len[i] + 1 : 0, lb);
			XXH3_128bits_update(st, lb, 8);
			if (len[i])
				XXH3_128bits_update(st, fields[i], len[i]);
		}
		h = XXH3_128bits_digest(st);
		XXH3_freeState(st);
	}
	hex128(h.high64, h.low64, out);
	return 0;
}

/* The fields' hash by HASH, 32 hex digits in OUT. */
static int hash_fields(enum dedup_hash hash, const char *const *fields, size_t n,
		       char out[33])
{
	if (hash == DEDUP_HASH_FNV) {
		hash_fnv(fields, n, out);
		return 0;
	}
	return hash == DEDUP_HASH_XXH3 ? hash_xxh3(fields, n, out) : -EINVAL;
}

/* The content hash is of these fields, in this order: dedup_plan's with
 * the item's own link, commit.c's with a stored one. */
int dedup_chash_with(const struct dedup_item *p, enum dedup_hash hash, const char *url,
		     const char *categories, const char *enclosures, char out[33])
{
	const struct item *it = p->it;
	const char *content[] = {it->title, url, it->author, it->summary,
				 it->content, categories, enclosures};
	return hash_fields(hash, content, sizeof content / sizeof *content, out);
}

int dedup_chash_with_url(const struct dedup_item *p, enum dedup_hash hash, const char *url,
			 char out[33])
{
	return dedup_chash_with(p, hash, url, p->categories, p->enclosures, out);
}

static int cmp_json_str(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);
	return strcmp(x ? x : "", y ? y : "");
}

bool dedup_same_categories(const char *a, const char *b)
{
	json_t *x = json_loads(a, 0, NULL), *y = json_loads(b, 0, NULL);
	size_t n = json_array_size(x);
	bool same = json_is_array(x) && json_is_array(y) && n == json_array_size(y);
	json_t **vx = same && n ? malloc(2 * n * sizeof *vx) : NULL;
	if (same && n && !vx)
		same = false;
	if (vx) {
		json_t **vy = vx + n;
		for (size_t i = 0; i < n; i++) {
			vx[i] = json_array_get(x, i);
			vy[i] = json_array_get(y, i);
		}
		qsort(vx, n, sizeof *vx, cmp_json_str);
		qsort(vy, n, sizeof *vy, cmp_json_str);
		for (size_t i = 0; i < n && same; i++)
			same = json_equal(vx[i], vy[i]);
		free(vx);
	}
	json_decref(x);
	json_decref(y);
	return same;
}

/* Two links that name the same page but for tracking parameters. */
static bool same_link(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	if (!strcmp(a, b))
		return true;
	char *ca = url_canonical(a), *cb = url_canonical(b);
	bool same = ca && cb && !strcmp(ca, cb);
	free(ca);
	free(cb);
	return same;
}

bool dedup_same_enclosures(const char *a, const char *b)
{
	json_t *x = json_loads(a, 0, NULL), *y = json_loads(b, 0, NULL);
	size_t n = json_array_size(x);
	bool same = json_is_array(x) && json_is_array(y) && n == json_array_size(y);
	for (size_t i = 0; i < n && same; i++) {
		json_t *ex = json_array_get(x, i), *ey = json_array_get(y, i);
		json_t *tx = json_object_get(ex, "type"), *ty = json_object_get(ey, "type");
		json_t *lx = json_object_get(ex, "length"), *ly = json_object_get(ey, "length");
		same = (tx ? ty && json_equal(tx, ty) : !ty) && (lx ? ly && json_equal(lx, ly) : !ly) &&
		       same_link(json_string_value(json_object_get(ex, "url")),
				 json_string_value(json_object_get(ey, "url")));
	}
	json_decref(x);
	json_decref(y);
	return same;
}

static char *cats_json(const struct item *it)
{
	if (!it->ncategories)
		return strdup("[]");
	json_t *a = json_array();
	for (size_t i = 0; i < it->ncategories; i++)
		json_array_append_new(a, json_string_lossy(it->categories[i]));
	char *t = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return t;
}

static char *encs_json(const struct item *it)
{
	if (!it->nenclosures)
		return strdup("[]");
	json_t *a = json_array();
	for (size_t i = 0; i < it->nenclosures; i++) {
		const struct enclosure *e = &it->enclosures[i];
		json_array_append_new(a, json_pack("{s:o,s:o,s:o}",
			"url", json_string_lossy(e->url), "type", json_string_lossy(e->type),
			"length", e->length >= 0 ? json_integer(e->length) : json_null()));
	}
	char *t = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return t;
}

static char *prefixed(const char *prefix, const char *s)
{
	size_t a = strlen(prefix), b = strlen(s);
	char *k = malloc(a + b + 1);
	if (k) {
		memcpy(k, prefix, a);
		memcpy(k + a, s, b + 1);
	}
	return k;
}

struct sorted { const char *s; const char *key; size_t i; };

static int cmp_sorted(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;
	int c = strcmp(x->s, y->s);
	return c ? c : strcmp(x->key, y->key);
}

/* UNIQUE[i]: string I (present) names one thing in the document — it occurs
 * once, or (when KEYS is given) only on items that share one identity;
 * ONCE[i] (when given): it occurs once. */
static int mark_unique(const char *const *strs, char *const *keys, size_t n, bool *unique,
		       bool *once)
{
	struct sorted *v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		unique[i] = false;
		if (once)
			once[i] = false;
		if (strs[i] && *strs[i])
			v[m++] = (struct sorted){strs[i], keys ? keys[i] : "", i};
	}
	qsort(v, m, sizeof *v, cmp_sorted);
	for (size_t j = 0; j < m;) {
		size_t e = j + 1;
		while (e < m && strcmp(v[e].s, v[j].s) == 0)
			e++;
		/* Sorted by key within the group: first == last means one key. */
		bool one = keys ? strcmp(v[j].key, v[e - 1].key) == 0 : e - j == 1;
		for (size_t k = j; k < e; k++) {
			unique[v[k].i] = one;
			if (once)
				once[v[k].i] = e - j == 1;
		}
		j = e;
	}
	free(v);
	return 0;
}

/* CANON (a canonical link) past its scheme and a "www." host prefix, and
 * its length without an index page's name or a trailing slash: what
 * tells two spellings of one page apart least. */
static const char *page_part(const char *canon, size_t *len)
{
	const char *p = strstr(canon, "://");
	p = p ? p + 3 : canon;
	if (!strncmp(p, "www.", 4))
		p += 4;
	size_t n = strlen(p);
	static const char *const index_names[] = {"index.html", "index.htm", "index.php"};
	for (size_t i = 0; i < sizeof index_names / sizeof *index_names; i++) {
		size_t k = strlen(index_names[i]);
		if (n > k && p[n - k - 1] == '/' && !strcmp(p + n - k, index_names[i]))
			n -= k;
	}
	while (n && p[n - 1] == '/')
		n--;
	*len = n;
	return p;
}

/* Whether a link (canonical CANON, its fragment FRAG or NULL) is a site's
 * front page, which names no article: the feed's own site (SITE_CANON)
 * however spelt (http or https, www. or not, /index.html), or any site's
 * root. A route of a single-page site ("#/post/7", "#!/post/7") is an
 * article; another anchor on a front page ("#news") is not. */
static bool is_home(const char *canon, const char *frag, const char *site_canon)
{
	if (!canon || (frag && (frag[1] == '/' || frag[1] == '!')))
		return false;
	size_t n, m;
	const char *a = page_part(canon, &n);
	if (!memchr(a, '/', n) && !strchr(a, '?'))
		return true;    /* a host's root */
	if (!site_canon)
		return false;
	const char *b = page_part(site_canon, &m);
	return n == m && !strncmp(a, b, n);
}

static int cmp_key_index(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;
	int c = strcmp(x->s, y->s);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* REPEAT: an earlier item has the same identity (the first one wins). */
static int mark_repeats(struct dedup_item *p, size_t n)
{
	struct sorted *v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = (struct sorted){p[i].key, "", i};
	qsort(v, n, sizeof *v, cmp_key_index);
	for (size_t j = 0; j < n; j++)
		p[v[j].i].repeat = j > 0 && strcmp(v[j].s, v[j - 1].s) == 0;
	free(v);
	return 0;
}

void dedup_free(struct dedup_item *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].canon);
		free(p[i].key);
		free(p[i].alt);
		free(p[i].guid_alt);
		free(p[i].twin);
		free(p[i].unfragmented);
		free(p[i].lid);
		free(p[i].categories);
		free(p[i].enclosures);
	}
	free(p);
}

/* The identity of the last rung: a hash of everything that tells two
 * items apart (the content hash's fields and the date), so that two items
 * of a document that differ in anything are never merged. */
static char *content_key_of(const struct dedup_item *q, const char *chash, enum dedup_hash hash)
{
	char date[24], *e = date + sizeof date - 1, h[33];
	*e = '\0';
	int64_t d = q->it->published != DATE_NONE ? q->it->published : q->it->updated;
	/* The instant in decimal ("" when none), no calendar needed. */
	uint64_t u = d == DATE_NONE ? 0 : d < 0 ? (uint64_t)-(d + 1) + 1 : (uint64_t)d;
	if (d != DATE_NONE) {
		do
			*--e = (char)('0' + u % 10);
		while (u /= 10);
		if (d < 0)
			*--e = '-';
	}
	const char *f[] = {chash, e};
	return hash_fields(hash, f, 2, h) < 0 ? NULL : prefixed("c:", h);
}

static char *content_key(const struct dedup_item *q, enum dedup_hash hash)
{
	return content_key_of(q, q->chash, hash);
}

/* The content key Q had with its link on http:// (its link is on
 * https://): how it was stored before the site moved. */
static char *content_key_http(const struct dedup_item *q, enum dedup_hash hash)
{
	const char *url = q->it->url;
	char *http = malloc(strlen(url));   /* "https" less one byte, NUL more */
	if (!http)
		return NULL;
	memcpy(http, "http", 4);
	strcpy(http + 4, url + 5);
	char ch[33];
	char *k = dedup_chash_with_url(q, hash, http, ch) < 0 ? NULL : content_key_of(q, ch, hash);
	free(http);
	return k;
}

/* The hash identity of versions before the content key (title, date,
 * first enclosure): empty fields gave every such item one key. *EMPTY:
 * all three were. */
static char *legacy_hash_key(const struct item *it, bool *empty)
{
	char date[32] = "", h[33];
	int64_t d = it->published != DATE_NONE ? it->published : it->updated;
	if (d != DATE_NONE)
		date_format_rfc3339(d, date, sizeof date);
	const char *enc = it->nenclosures ? it->enclosures[0].url : NULL;
	*empty = (!it->title || !*it->title) && !*date && (!enc || !*enc);
	const char *f[] = {it->title, date, enc};
	hash_fnv(f, 3, h);   /* FNV for good: no store made them otherwise */
	return prefixed("h:", h);
}

/* Entries with one guid that differ only in their categories are one item
 * too (a planet listing a post once under each of its categories): UNIQUE
 * made again, for the guids it found shared (STRS, KEYS as it had them),
 * with each entry's content hash without its categories. */
static int same_but_categories(struct dedup_item *p, size_t n, enum dedup_hash hash,
			       const char **strs, char **keys, bool *unique)
{
	bool shared = false;
	for (size_t i = 0; i < n && !shared; i++)
		shared = strs[i] && *strs[i] && !unique[i];
	if (!shared)
		return 0;
	char (*bare)[33] = malloc(n * sizeof *bare);
	if (!bare)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		if ((r = dedup_chash_with(&p[i], hash, p[i].it->url, "[]", p[i].enclosures,
					  bare[i])) == 0)
			keys[i] = bare[i];
	if (r == 0)
		r = mark_unique(strs, keys, n, unique, NULL);
	for (size_t i = 0; i < n; i++)
		keys[i] = p[i].chash;
	free(bare);
	return r;
}

/* Works out identities for the whole document; decides link identity.
 * The ladder: a guid unique in the document; else the canonical link,
 * unless items that differ share it; else the guid when it is unique (a
 * feed on link identity); else the content key. Items that are the same
 * in every field share their identity (a repeat: the first one counts). */
int dedup_plan(const struct doc *doc, enum dedup_hash hash, const char *site_canon,
	       bool *link_identity, struct dedup_item **out)
{
	size_t n = doc->nitems;
	struct dedup_item *p = calloc(n, sizeof *p);
	const char **strs = calloc(n, sizeof *strs);
	char **keys = calloc(n ? n : 1, sizeof *keys);
	bool *uniq = calloc(n, sizeof *uniq);
	bool *link_ok = calloc(n, sizeof *link_ok);
	bool *empty = calloc(n, sizeof *empty);
	bool *old_unique = calloc(n, sizeof *old_unique);
	char **legacy = calloc(n ? n : 1, sizeof *legacy);
	/* The link as an identity: the canonical link with the fragment
	 * that names a place in the page (lid, or the canonical link alone). */
#define LID(i) (p[i].lid ? p[i].lid : p[i].canon)
	int r = -ENOMEM;
	if (!p || !strs || !keys || !uniq || !link_ok || !empty || !legacy || !old_unique)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct dedup_item *q = &p[i];
		const struct item *it = q->it = &doc->items[i];
		q->categories = cats_json(it);
		q->enclosures = encs_json(it);
		if (!q->categories || !q->enclosures) {
			r = -ENOMEM;
			goto out;
		}
		if ((r = dedup_chash_with_url(q, hash, it->url, q->chash)) < 0)
			goto out;
		q->canon = url_canonical(it->url);
		const char *frag = q->canon ? url_fragment_kept(it->url) : NULL;
		q->anchored = frag != NULL;
		if (frag && !(q->lid = malloc(strlen(q->canon) + strlen(frag) + 1))) {
			r = -ENOMEM;
			goto out;
		}
		if (frag)
			strcat(strcpy(q->lid, q->canon), frag);
		/* A link to the site's front page names no article. */
		q->home = is_home(q->canon, frag, site_canon);
		strs[i] = it->guid;
		keys[i] = q->chash;
	}
	/* A guid is unique when the entries that carry it are one item: the
	 * same entry listed twice keeps its guid (the repeat is ignored). */
	if ((r = mark_unique(strs, keys, n, uniq, old_unique)) < 0 ||
	    (r = same_but_categories(p, n, hash, strs, keys, uniq)) < 0)
		goto out;
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		p[i].guid_unique = uniq[i];
		bad += !uniq[i];
	}
	/* What versions before counted as unique: a guid that occurs once. */
	size_t old_bad = 0;
	for (size_t i = 0; i < n; i++)
		old_bad += !old_unique[i];
	bool old_link = *link_identity || (n >= 2 && old_bad * 2 > n);
	/* Mostly missing or repeated guids: the publisher's ids mean nothing. */
	if (!*link_identity && n >= 2 && bad * 2 > n)
		*link_identity = true;
	for (size_t i = 0; i < n; i++) {
		/* The items that would take the link rung, grouped by link. */
		bool guid_ok = p[i].guid_unique && !*link_identity;
		strs[i] = !guid_ok && !p[i].home ? LID(i) : NULL;
	}
	/* A link shared by items that differ names none of them. */
	if ((r = mark_unique(strs, keys, n, link_ok, NULL)) < 0)
		goto out;
	r = -ENOMEM;
	bool any_legacy = false;
	for (size_t i = 0; i < n; i++) {
		struct dedup_item *q = &p[i];
		const struct item *it = q->it;
		bool guid_ok = q->guid_unique && !*link_identity;
		char *ckey = content_key(q, hash);
		if (!ckey)
			goto out;
		/* What versions before the content key gave it: 'g', 'l', or
		 * their hash. */
		char old = old_unique[i] && !old_link ? 'g' : q->canon ? 'l' :
			   old_unique[i] ? 'g' : 'h';
		if (guid_ok) {
			q->key = prefixed("g:", it->guid);
			q->rule = "guid";
		} else if (q->canon && link_ok[i] && !q->home) {
			q->key = prefixed("l:", LID(i));
			q->rule = "link";
		} else if (q->guid_unique) {
			q->key = prefixed("g:", it->guid);
			q->rule = "guid";
		} else {
			q->key = ckey;
			q->rule = "hash";
			ckey = NULL;
		}
		if (!q->key) {
			free(ckey);
			goto out;
		}
		/* A guid or link on https may have been stored on http; an
		 * item known by its content, with its link on http. */
		if ((q->key[0] == 'g' || q->key[0] == 'l') && !strncmp(q->key + 2, "https://", 8) &&
		    !(q->twin = prefixed(q->key[0] == 'g' ? "g:http://" : "l:http://",
					 q->key + 10))) {
			free(ckey);
			goto out;
		}
		if (q->key[0] == 'c' && it->url && !strncmp(it->url, "https://", 8) &&
		    !(q->twin = content_key_http(q, hash))) {
			free(ckey);
			goto out;
		}
		/* A link identity with a fragment was the page's before
		 * fragments were kept. */
		const char *hash_mark = q->key[0] == 'l' ? strchr(q->key, '#') : NULL;
		if (hash_mark && !(q->unfragmented = strndup(q->key, (size_t)(hash_mark - q->key)))) {
			free(ckey);
			goto out;
		}
		/* A guid that is not its identity now may have been: the
		 * item stored under it while no other item carried it. */
		if (it->guid && *it->guid && q->key[0] != 'g' && old != 'g' &&
		    !(q->guid_alt = prefixed("g:", it->guid))) {
			free(ckey);
			goto out;
		}
		/* Most items keep the identity they had: no copy of it. */
		if (old == q->key[0] && strcmp(q->key + 2, old == 'g' ? it->guid : LID(i)) == 0) {
			q->alt = ckey;   /* never NULL: a hash key differs */
			legacy[i] = NULL;
			strs[i] = q->key;
			continue;
		}
		free(ckey);
		legacy[i] = old == 'h' ? legacy_hash_key(it, &empty[i]) :
			    prefixed(old == 'g' ? "g:" : "l:", old == 'g' ? it->guid : q->canon);
		if (!legacy[i] || !(q->alt = strdup(legacy[i])))
			goto out;
		q->alt_legacy = true;
		strs[i] = legacy[i];
		any_legacy = true;
	}
	/* Whether an old identity names one item here. */
	if (any_legacy && (r = mark_unique(strs, NULL, n, uniq, NULL)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct dedup_item *q = &p[i];
		/* The front page was an item's link identity before: it
		 * names the item stored under it only with this very content
		 * (the next announcement is a new item). */
		q->alt_unique = any_legacy && uniq[i] && !(q->home && q->alt[0] == 'l');
		/* A content key is exact; an old identity only when one item
		 * here has it and, for an old hash, when it had any field. */
		q->alt_tomb = q->alt && (!q->alt_legacy || (q->alt_unique && !empty[i]));
		strs[i] = q->canon;
		keys[i] = q->key;
	}
	/* Whether a link names one article here, for the link rule. */
	r = mark_unique(strs, keys, n, uniq, NULL);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		p[i].canon_unique = uniq[i];
	if ((r = mark_repeats(p, n)) < 0)
		goto out;
	*out = p;
	p = NULL;
	r = 0;
out:
	if (p)
		dedup_free(p, n);
	for (size_t i = 0; legacy && i < n; i++)
		free(legacy[i]);
	free(legacy);
	free(strs);
	free(keys);
	free(uniq);
	free(link_ok);
	free(empty);
	free(old_unique);
	return r;
#undef LID
}

const char *dedup_stored_canon(const struct dedup_item *p)
{
	return p->home ? NULL : p->lid ? p->lid : p->canon;
}

/* The link rule may only match when the link names one article: no other
 * identity in the document has it, one stored item holds it, and it is not
 * the site's front page (feeds whose every item links home would otherwise
 * collapse). */
bool dedup_link_usable(const struct dedup_item *p, const char *site_canon)
{
	return p->canon && p->canon_unique && !is_home(p->canon, NULL, site_canon);
}


/* 1 with *F when the feed's one stored item under KEY is not listed by
 * this document and (CHASH given) holds this content, else 0 with *F
 * cleared, or a negative errno. */
static int stored_under(const struct dedup_ask *ask, const char *key, const char *chash,
			struct dedup_found *f)
{
	int r = ask->by_key(ask->ud, key, f);
	if (r < 0)
		return r;
	if (f->rows == 1 && !ask->listed(ask->ud, f->id) && (!chash || !strcmp(f->chash, chash)))
		return 1;
	memset(f, 0, sizeof *f);
	return 0;
}

int dedup_decide(const struct dedup_item *p, size_t i, const struct dedup_found *known,
		 const char *site_canon, const struct dedup_ask *ask,
		 struct dedup_found *f, enum dedup_verdict *v)
{
	memset(f, 0, sizeof *f);
	*v = DEDUP_SKIP;
	/* A second item with the same identity in one document: the first wins. */
	if (p->repeat)
		return 0;
	if (known->rows) {
		if (!ask->listed(ask->ud, known->id)) {
			*f = *known;
			*v = DEDUP_KNOWN;
		}
		return 0;
	}
	bool tomb = false;
	int r = ask->tomb_key(ask->ud, i, &tomb);
	if (r < 0 || tomb)
		return r;   /* pruned once: never new again */
	if (p->alt) {
		/* Stored under its other identity (an older version's, or the
		 * content key while its guid or link was shared): the same
		 * item. An older identity that other items here share only
		 * counts for the stored item with this very content. */
		if ((r = ask->by_alt(ask->ud, i, f)) < 0)
			return r;
		if (f->rows == 1 && !ask->listed(ask->ud, f->id) &&
		    (!p->alt_legacy || p->alt_unique || strcmp(f->chash, p->chash) == 0)) {
			*v = DEDUP_REKEY;
			/* Stored under its content key while other items
			 * shared its link, and alone with it here: while
			 * another stored item of the feed has that link too,
			 * the link names neither, and it keeps its content
			 * key (else the other, listed alone next, would find
			 * this one under the link and overwrite it). */
			if (p->key[0] == 'l' && !p->alt_legacy && dedup_link_usable(p, site_canon)) {
				struct dedup_found g;
				if ((r = ask->by_link(ask->ud, i, &g)) < 0)
					return r;
				if (g.rows > 1)
					*v = DEDUP_KNOWN;
			}
			return 0;
		}
		memset(f, 0, sizeof *f);
		if (p->alt_tomb && ((r = ask->tomb_alt(ask->ud, i, &tomb)) < 0 || tomb))
			return r;
	}
	/* Stored under its guid while the guid was its own (another item
	 * carries it now): the same item only with this very content, since
	 * the other one has that guid too. */
	if (p->guid_alt && (r = stored_under(ask, p->guid_alt, p->chash, f)) != 0) {
		if (r > 0)
			*v = DEDUP_REKEY;
		return r < 0 ? r : 0;
	}
	/* An item with a guid of its own, while the others kept theirs, is
	 * a new one that links where an older one did (a live blog, a
	 * recurring post), not that one with a rewritten guid: unless it is
	 * that one in every field (an item stored before it had a guid). */
	bool own_guid = p->key[0] == 'g' && ask->guids_kept;
	/* Nor for an item whose link names a place in the page, whatever its
	 * identity: the page's other anchors are other items (a changelog's
	 * releases, with guids of their own or none). */
	bool anchor = p->anchored;
	if (dedup_link_usable(p, site_canon)) {
		if ((r = ask->by_link(ask->ud, i, f)) < 0)
			return r;
		if (f->rows == 1 && !ask->listed(ask->ud, f->id) &&
		    ((!own_guid && !anchor) || strcmp(f->chash, p->chash) == 0)) {
			/* The publisher rewrote the identifier: same item, new identity. */
			*v = DEDUP_REKEY;
			return 0;
		}
		/* Several stored items have its link (an aggregator's
		 * resubmissions), and it is the only item here with it: the
		 * one of them the previous document listed is this one (a
		 * title edited), which keeps the key it has while the others
		 * have the link too. */
		if (f->rows > 1 && p->canon_unique && !own_guid && !anchor) {
			if ((r = ask->by_link_listed(ask->ud, i, f)) < 0)
				return r;
			if (f->rows == 1 && !ask->listed(ask->ud, f->id)) {
				*v = DEDUP_KNOWN;
				return 0;
			}
		}
		memset(f, 0, sizeof *f);
		if (!own_guid && !anchor && ((r = ask->tomb_link(ask->ud, i, &tomb)) < 0 || tomb))
			return r;
	}
	/* The same article before its site moved to https (its guid or link
	 * was http://, the rest the same): re-keyed. */
	if (p->twin && (r = stored_under(ask, p->twin, NULL, f)) != 0) {
		if (r > 0)
			*v = DEDUP_REKEY;
		return r < 0 ? r : 0;
	}
	/* Stored under its link without the fragment, as versions before
	 * fragments were kept made it: the same item with this very content
	 * (another anchor of the page is another item). */
	if (p->unfragmented && (r = stored_under(ask, p->unfragmented, p->chash, f)) != 0) {
		if (r > 0)
			*v = DEDUP_REKEY;
		return r < 0 ? r : 0;
	}
	/* On a feed keyed by link, an item keyed by its guid once its link
	 * went, or by its link again once it came back: the one stored item
	 * with its guid, if that is this item but for the link. */
	if (ask->link_identity && p->it->guid && p->guid_unique) {
		if ((r = ask->by_guid(ask->ud, i, f)) < 0)
			return r;
		bool same = false;
		if (f->rows == 1 && !ask->listed(ask->ud, f->id) &&
		    (r = ask->same_but_link(ask->ud, i, f, &same)) < 0)
			return r;
		if (same) {
			*v = DEDUP_REKEY;
			return 0;
		}
		memset(f, 0, sizeof *f);
	}
	*v = DEDUP_NEW;
	return 0;
}
