/* reader_content.c — an entry's content, sanitized, for the reader APIs
 * (reader_content.h), and the bounded cache of sanitized contents the
 * reader workers share. */
#include "daemon/reader_content.h"

#include <pthread.h>
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
	size_t raw_len, len;
	char *html;                        /* sanitized, NUL-terminated */
};

static struct {
	pthread_mutex_t lock;
	struct cached *bucket[NBUCKETS];
	struct cached *newest, *oldest;
	size_t bytes, entries;
	uint64_t hits, misses;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* FNV-1a over 8 bytes at a time, then a final mix: fast on 5 KB bodies
 * (the sanitiser costs 100 times more); 64 bits, so two versions of one
 * item's content that collide are not a practical concern. */
static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
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
	cache.bytes -= c->len + ENTRY_OVERHEAD;
	cache.entries--;
	free(c->html);
	free(c);
}

/* A copy of the cached sanitized HTML for this version of the item, or
 * NULL (a miss). Drops an older version of the item found on the way. */
static char *lookup(int64_t id, int64_t updated_seen, uint64_t h, size_t raw_len)
{
	char *copy = NULL;
	pthread_mutex_lock(&cache.lock);
	for (struct cached *c = *slot_of(id); c; c = c->next) {
		if (c->id != id)
			continue;
		if (c->updated_seen == updated_seen && c->hash == h && c->raw_len == raw_len) {
			if ((copy = malloc(c->len + 1))) {
				memcpy(copy, c->html, c->len + 1);
				unlink_lru(c);
				push_newest(c);
			}
		} else {
			drop(c);   /* another version: never served again */
		}
		break;
	}
	if (copy)
		cache.hits++;
	else
		cache.misses++;
	pthread_mutex_unlock(&cache.lock);
	return copy;
}

static void insert(int64_t id, int64_t updated_seen, uint64_t h, size_t raw_len,
		   const char *html)
{
	size_t len = strlen(html), cost = len + ENTRY_OVERHEAD;
	if (cost > READER_CONTENT_CACHE_BYTES / 16)
		return;   /* a huge body would push out many ordinary ones */
	struct cached *c = calloc(1, sizeof *c);
	if (!c || !(c->html = malloc(len + 1))) {
		free(c);
		return;
	}
	memcpy(c->html, html, len + 1);
	c->id = id;
	c->updated_seen = updated_seen;
	c->hash = h;
	c->raw_len = raw_len;
	c->len = len;
	pthread_mutex_lock(&cache.lock);
	struct cached **slot = slot_of(id);
	for (struct cached *o = *slot; o; o = o->next)
		if (o->id == id) {   /* another worker's, or an older version */
			drop(o);
			break;
		}
	while (cache.oldest && cache.bytes + cost > READER_CONTENT_CACHE_BYTES)
		drop(cache.oldest);
	c->next = *slot;
	*slot = c;
	push_newest(c);
	cache.bytes += cost;
	cache.entries++;
	pthread_mutex_unlock(&cache.lock);
}

char *reader_entry_content(const struct item_row *r)
{
	const char *html = r->content && *r->content ? r->content : r->summary;
	if (!html)
		return strdup("");
	size_t raw_len = strlen(html);
	uint64_t h = hash_bytes(0xcbf29ce484222325ull, html, raw_len);
	h = hash_bytes(h ^ 0xff, r->url ? r->url : "", r->url ? strlen(r->url) : 0);
	char *hit = lookup(r->id, r->updated_seen, h, raw_len);
	if (hit)
		return hit;
	char *clean = sanitize_html(html, r->url);
	if (clean)
		insert(r->id, r->updated_seen, h, raw_len, clean);
	return clean;
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
