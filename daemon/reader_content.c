/* reader_content.c — an entry's content, sanitized, for the reader APIs
 * (reader_content.h), and the bounded cache of sanitized contents the
 * reader workers share. */
#include "daemon/reader_content.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"

/* What one cached entry costs against the budget besides its bytes. */
#define ENTRY_OVERHEAD (sizeof(struct cached) + 32)
#define NBUCKETS 4096u      /* a power of two; ~1 500 entries of 5 KB fit */

struct cached {
	struct cached *next;               /* its bucket's chain */
	struct cached *newer, *older;      /* the LRU list */
	int64_t id, updated_seen;
	uint64_t hash;                     /* of the raw HTML and the base URL */
	size_t raw_len;
	/* The sanitized HTML (NUL-terminated) and its JSON string (the
	 * quoted, escaped bytes of apifmt_put_lossy): either may be absent,
	 * not both; each is made on its first use. */
	char *html, *json;
	size_t len, json_len;
};

static struct {
	pthread_mutex_t lock;
	struct cached *bucket[NBUCKETS];
	struct cached *newest, *oldest;
	size_t bytes, entries;
	uint64_t hits, misses;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Four FNV-1a-like lanes over 32 bytes at a time (independent, so they
 * run in parallel), then 8 bytes, then bytes, and a final mix: the hash
 * is computed for every entry of every page, the sanitiser only on a
 * miss; 64 bits, so two versions of one item's content that collide are
 * not a practical concern. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
	size_t i = 0;
	if (n >= 32) {
		uint64_t l[4] = {h, h ^ 0x9e3779b97f4a7c15ull, h ^ 0xbf58476d1ce4e5b9ull,
				 h ^ 0x94d049bb133111ebull};
		for (; i + 32 <= n; i += 32) {
			uint64_t w[4];
			memcpy(w, s + i, 32);
			for (int k = 0; k < 4; k++)
				l[k] = mix(l[k], w[k]);
		}
		h = mix(mix(mix(l[0], l[1]), l[2]), l[3]);
	}
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = mix(h, w);
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	h ^= n;
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	return h ^ (h >> 32);
}

static void unlink_lru(struct cached *c)
{
	if (c->newer)
		c->newer->older = c->older;
	else
		cache.newest = c->older;
	if (c->older)
		c->older->newer = c->newer;
	else
		cache.oldest = c->newer;
	c->newer = c->older = NULL;
}

static void push_newest(struct cached *c)
{
	c->older = cache.newest;
	c->newer = NULL;
	if (cache.newest)
		cache.newest->newer = c;
	cache.newest = c;
	if (!cache.oldest)
		cache.oldest = c;
}

static struct cached **slot_of(int64_t id)
{
	return &cache.bucket[((uint64_t)id * 0x9e3779b97f4a7c15ull >> 40) & (NBUCKETS - 1)];
}

static void drop(struct cached *c)
{
	for (struct cached **p = slot_of(c->id); *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	unlink_lru(c);
	cache.bytes -= c->len + c->json_len + ENTRY_OVERHEAD;
	cache.entries--;
	free(c->html);
	free(c->json);
	free(c);
}

/* Under the lock: the entry of this version of the item, made the
 * newest, or NULL (a miss, counted). Drops an older version found on the
 * way. WANT_HTML: a hit needs the sanitized HTML (a JSON string alone
 * cannot give it back). */
static struct cached *find(int64_t id, int64_t updated_seen, uint64_t h, size_t raw_len,
			   bool want_html)
{
	for (struct cached *c = *slot_of(id); c; c = c->next) {
		if (c->id != id)
			continue;
		if (c->updated_seen == updated_seen && c->hash == h && c->raw_len == raw_len) {
			if (want_html && !c->html)
				break;
			unlink_lru(c);
			push_newest(c);
			cache.hits++;
			return c;
		}
		drop(c);   /* another version: never served again */
		break;
	}
	cache.misses++;
	return NULL;
}

/* Under the lock: room for COST more bytes, dropping the least recently
 * used but KEEP. */
static void make_room(size_t cost, const struct cached *keep)
{
	while (cache.oldest && cache.oldest != keep &&
	       cache.bytes + cost > READER_CONTENT_CACHE_BYTES)
		drop(cache.oldest);
}

/* Keeps HTML and/or JSON (LEN, JSON_LEN bytes) for this version of the
 * item, with the form it already has when another worker put it first. */
static void insert(int64_t id, int64_t updated_seen, uint64_t h, size_t raw_len,
		   const char *html, size_t len, const char *json, size_t json_len)
{
	size_t cost = (html ? len : 0) + (json ? json_len : 0) + ENTRY_OVERHEAD;
	if (cost > READER_CONTENT_CACHE_BYTES / 16)
		return;   /* a huge body would push out many ordinary ones */
	char *hcopy = html ? malloc(len + 1) : NULL, *jcopy = json ? malloc(json_len) : NULL;
	if ((html && !hcopy) || (json && !jcopy)) {
		free(hcopy);
		free(jcopy);
		return;
	}
	if (hcopy)
		memcpy(hcopy, html, len + 1);
	if (jcopy)
		memcpy(jcopy, json, json_len);
	pthread_mutex_lock(&cache.lock);
	struct cached **slot = slot_of(id), *c = NULL;
	for (struct cached *o = *slot; o; o = o->next)
		if (o->id == id) {
			if (o->updated_seen == updated_seen && o->hash == h && o->raw_len == raw_len)
				c = o;     /* this version: add the form it lacks */
			else
				drop(o);   /* an older version */
			break;
		}
	if (!c && (c = calloc(1, sizeof *c))) {
		c->id = id;
		c->updated_seen = updated_seen;
		c->hash = h;
		c->raw_len = raw_len;
		c->next = *slot;
		*slot = c;
		push_newest(c);
		cache.bytes += ENTRY_OVERHEAD;
		cache.entries++;
	}
	if (c) {
		unlink_lru(c);
		push_newest(c);
		if (hcopy && !c->html) {
			c->html = hcopy, c->len = len, hcopy = NULL;
			cache.bytes += len;
		}
		if (jcopy && !c->json) {
			c->json = jcopy, c->json_len = json_len, jcopy = NULL;
			cache.bytes += json_len;
		}
		make_room(0, c);
	}
	pthread_mutex_unlock(&cache.lock);
	free(hcopy);
	free(jcopy);
}

/* The raw HTML of R (its content, else its summary), or NULL; its hash
 * with R's URL into *H and its length into *RAW_LEN. */
static const char *raw_of(const struct item_row *r, uint64_t *h, size_t *raw_len)
{
	const char *html = r->content && *r->content ? r->content : r->summary;
	if (!html)
		return NULL;
	*raw_len = strlen(html);
	*h = hash_bytes(0xcbf29ce484222325ull, html, *raw_len);
	*h = hash_bytes(*h ^ 0xff, r->url ? r->url : "", r->url ? strlen(r->url) : 0);
	return html;
}

char *reader_entry_content(const struct item_row *r)
{
	uint64_t h;
	size_t raw_len;
	const char *html = raw_of(r, &h, &raw_len);
	if (!html)
		return strdup("");
	char *copy = NULL;
	pthread_mutex_lock(&cache.lock);
	struct cached *c = find(r->id, r->updated_seen, h, raw_len, true);
	if (c && (copy = malloc(c->len + 1)))
		memcpy(copy, c->html, c->len + 1);
	pthread_mutex_unlock(&cache.lock);
	if (c)
		return copy;
	char *clean = sanitize_html(html, r->url);
	if (clean)
		insert(r->id, r->updated_seen, h, raw_len, clean, strlen(clean), NULL, 0);
	return clean;
}

void reader_put_entry_content(struct buf *b, const struct item_row *r)
{
	uint64_t h;
	size_t raw_len;
	const char *html = raw_of(r, &h, &raw_len);
	if (!html) {
		buf_append(b, "\"\"", 2);
		return;
	}
	pthread_mutex_lock(&cache.lock);
	struct cached *c = find(r->id, r->updated_seen, h, raw_len, false);
	if (c && !c->json) {
		/* Kept by the Google Reader API: its JSON string, once. */
		struct buf j = {0};
		apifmt_put_lossy(&j, c->html);
		if (!j.oom && j.len + c->len + ENTRY_OVERHEAD <= READER_CONTENT_CACHE_BYTES / 16) {
			c->json = j.data, c->json_len = j.len;
			cache.bytes += j.len;
			make_room(0, c);
		} else {
			buf_append(b, j.data, j.len);
			b->oom |= j.oom;
			buf_free(&j);
		}
	}
	if (c && c->json)
		buf_append(b, c->json, c->json_len);
	pthread_mutex_unlock(&cache.lock);
	if (c)
		return;
	char *clean = sanitize_html(html, r->url);
	if (!clean) {
		buf_append(b, "\"\"", 2);   /* out of memory: as an absent body */
		return;
	}
	size_t at = b->len;
	apifmt_put_lossy(b, clean);
	if (!b->oom)
		insert(r->id, r->updated_seen, h, raw_len, NULL, 0, b->data + at, b->len - at);
	free(clean);
}

void reader_content_cache_stats(struct reader_content_stats *st)
{
	pthread_mutex_lock(&cache.lock);
	st->bytes = cache.bytes;
	st->entries = cache.entries;
	st->hits = cache.hits;
	st->misses = cache.misses;
	pthread_mutex_unlock(&cache.lock);
}
