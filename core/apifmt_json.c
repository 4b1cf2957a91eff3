/* apifmt_json.c — the socket API's JSON written straight from the store's
 * item rows (apifmt_row_json) and from the parser's item model, as
 * `feedd --parse` prints it (apifmt_item_json, apifmt_feed_json,
 * apifmt_doc_json*): byte for byte what item_to_json + apifmt_json would
 * write, without building the json_t.
 *
 * Ownership: rows, items and documents are borrowed; the bytes go to the
 * caller's struct buf. */
#include "core/apifmt_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/utf8.h"
#include "core/item.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* --- item rows, straight from the store --- */

/* One escaped character at O (room for 6 made); returns its end. */
static char *put_escape_at(char *o, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	o[0] = '\\';
	switch (c) {
	case '"': o[1] = '"'; return o + 2;
	case '\\': o[1] = '\\'; return o + 2;
	case '\n': o[1] = 'n'; return o + 2;
	case '\r': o[1] = 'r'; return o + 2;
	case '\t': o[1] = 't'; return o + 2;
	case '\b': o[1] = 'b'; return o + 2;
	case '\f': o[1] = 'f'; return o + 2;
	default:
		o[1] = 'u';
		o[2] = '0';
		o[3] = '0';
		o[4] = hex[c >> 4];
		o[5] = hex[c & 15];
		return o + 6;
	}
}

/* The index of the first byte of S[I..N) that stops a plain copy, or N:
 * one JSON escapes (a quote, a backslash, a byte below 0x20) and, with
 * HIGH, one from 0x80 (outside a stretch already known to be UTF-8, the
 * validator must look at it: ASCII text never needs it). Each block looked
 * at is also copied to O + (its index - I), so the caller has the plain run
 * at O already: O needs N - I + 16 bytes of room. The last bytes, fewer
 * than a block, are looked at as one block padded with plain bytes, so no
 * byte is looked at alone. */
#if defined(__SSE2__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_AVX2_COPY 1
/* copy_plain's blocks thirty-two bytes at a time (AVX2): the index of the
 * first byte that stops the copy, or where the whole blocks end. */
__attribute__((target("avx2")))
static size_t copy_plain_avx2(char *o, const unsigned char *s, size_t i, size_t n, bool high)
{
	size_t from = i;
	const __m256i quote = _mm256_set1_epi8('"'), bslash = _mm256_set1_epi8('\\');
	const __m256i ctl = _mm256_set1_epi8(0x1F);
	while (i + 32 <= n) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
		_mm256_storeu_si256((__m256i *)(void *)(o + (i - from)), v);
		__m256i sp = _mm256_or_si256(
			_mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, bslash)),
			_mm256_cmpeq_epi8(_mm256_max_epu8(v, ctl), ctl));
		unsigned m = (unsigned)_mm256_movemask_epi8(sp);
		if (high)
			m |= (unsigned)_mm256_movemask_epi8(v);
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 32;
	}
	return i;
}
#endif

#ifdef __SSE2__
/* The bytes of V that stop a copy, as a bit mask. */
static inline unsigned stop_mask(__m128i v, bool high)
{
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1F);
	__m128i sp = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
				  _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
	unsigned m = (unsigned)_mm_movemask_epi8(sp);
	if (high)
		m |= (unsigned)_mm_movemask_epi8(v);
	return m;
}
#endif

static size_t copy_plain(char *o, const unsigned char *s, size_t i, size_t n, bool high)
{
	size_t from = i;
#ifdef HAVE_AVX2_COPY
	if (n - i >= 64 && __builtin_cpu_supports("avx2")) {
		i = copy_plain_avx2(o, s, i, n, high);
		if (i + 32 <= n)
			return i;   /* stopped at a byte */
	}
#endif
#ifdef __SSE2__
	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		_mm_storeu_si128((__m128i *)(void *)(o + (i - from)), v);
		unsigned m = stop_mask(v, high);
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
	if (i < n) {
		/* The tail in a block of plain bytes: its lanes past N are
		 * copied too, into the room O has, and never looked at. */
		unsigned char t[16];
		memset(t, 'a', sizeof t);
		memcpy(t, s + i, n - i);
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)t);
		_mm_storeu_si128((__m128i *)(void *)(o + (i - from)), v);
		unsigned m = stop_mask(v, high) & ((1u << (n - i)) - 1);
		return m ? i + (size_t)__builtin_ctz(m) : n;
	}
	return i;
#else
	for (; i < n; i++) {
		unsigned char c = s[i];
		if (c < 0x20 || c == '"' || c == '\\' || (high && c >= 0x80))
			break;
		o[i - from] = (char)c;
	}
	return i;
#endif
}

/* S[0..LEN) as json_string_lossy + apifmt_put_string would write it:
 * invalid UTF-8 bytes become U+FFFD, quotes, backslashes and control
 * characters are escaped. Written at O, inside B's room, which has LEN + 2
 * + 16 bytes from O (put_lossy_after makes it), in one pass over ASCII
 * text: plain runs are copied a block at a time (copy_plain), a byte from
 * 0x80 has the validator (utf8_xml_prefix) find how far the well-formed
 * stretch it starts goes, and in that stretch only the bytes JSON escapes
 * stop the copy. More room is made only where a byte grows (an escape,
 * U+FFFD). */
static void put_lossy_at(struct buf *b, char *o, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	char *end = b->data + b->cap;
	*o++ = '"';
	size_t valid = 0;   /* S[I..VALID) is known to be well-formed */
	while (i < len) {
		bool known = i < valid;
		size_t k = copy_plain(o, u, i, known ? valid : len, !known);
		o += k - i;
		i = k;
		if (i == len || (known && i == valid))
			continue;
		if (u[i] < 0x80) {
			if ((size_t)(end - o) < len - i + 6 + 2 + 16) {
				b->len = (size_t)(o - b->data);
				if (!buf_grow(b, len - i + 6 + 2 + 16))
					return;
				o = b->data + b->len;
				end = b->data + b->cap;
			}
			o = put_escape_at(o, u[i++]);
			continue;
		}
		/* A byte from 0x80: how far the well-formed stretch goes. */
		valid = i + utf8_xml_prefix(u + i, len - i);
		if (valid > i)
			continue;
		/* None: U+FFFE or U+FFFF (UTF-8 all the same, by
		 * utf8_seq_len's rule), or a byte that is not UTF-8. */
		size_t n = utf8_seq_len(u + i, len - i);
		if (n) {
			memcpy(o, u + i, n);
			o += n;
			i += n;
			continue;
		}
		if ((size_t)(end - o) < len - i + 3 + 2 + 16) {
			b->len = (size_t)(o - b->data);
			if (!buf_grow(b, len - i + 3 + 2 + 16))
				return;
			o = b->data + b->len;
			end = b->data + b->cap;
		}
		memcpy(o, "\xEF\xBF\xBD", 3);
		o += 3;
		i++;
	}
	*o++ = '"';
	buf_end_at(b, o);
}

/* KEY[0..KN) (an object key and what goes before it), then S as a JSON
 * string (put_lossy_at), NULL as null: one look at the room a field. */
static inline __attribute__((always_inline)) void put_lossy_after(struct buf *b, const char *key,
								  size_t kn, const char *s)
{
	if (!s) {
		char *o = buf_key_room(b, key, kn, 4);
		if (o) {
			memcpy(o, "null", 4);
			buf_end_at(b, o + 4);
		}
		return;
	}
	size_t len = strlen(s);
	/* The input, the quotes, and slack for the block stores. */
	char *o = buf_key_room(b, key, kn, len + 2 + 16);
	if (o)
		put_lossy_at(b, o, s, len);
}

void apifmt_put_lossy(struct buf *b, const char *s)
{
	put_lossy_after(b, "", 0, s);
}

/* KEY[0..KN), then T as a JSON string (date_rfc3339, no stdio) or null. */
static inline __attribute__((always_inline)) void put_date_after(struct buf *b, const char *key,
								 size_t kn, int64_t t)
{
	/* date_rfc3339 writes at most 96 bytes (a year far out of range). */
	char *o = buf_key_room(b, key, kn, 96 + 2);
	if (!o)
		return;
	if (t == DATE_NONE) {
		memcpy(o, "null", 4);
		o += 4;
	} else {
		*o++ = '"';
		o += date_rfc3339(t, o);
		*o++ = '"';
	}
	buf_end_at(b, o);
}

void apifmt_put_date(struct buf *b, int64_t t)
{
	put_date_after(b, "", 0, t);
}

/* A literal key and what goes before it: its length is the compiler's. */
#define KEY(k) k, sizeof k - 1

/* --- is stored JSON text already what apifmt_put_json would write? --- */

/* The scanners below accept only the compact form jansson's json_dumps
 * (and apifmt_put_json) produce, and which json_loads reads back as the same
 * value: no whitespace, integers in range, strings of valid UTF-8 with
 * only the escapes apifmt_put_string writes, no repeated key. Anything else
 * takes the slow road (parse, then write), so the bytes never differ. */
static const char *canon_value(const char *p, int depth);

static const char *canon_string(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	if (*u++ != '"')
		return NULL;
	for (;;) {
		unsigned char c = *u;
		if (c == '"')
			return (const char *)u + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			c = u[1];
			if (c == '"' || c == '\\' || c == 'n' || c == 'r' || c == 't' || c == 'b' ||
			    c == 'f') {
				u += 2;
				continue;
			}
			/* \u00XX, upper-case hex, for the other controls but NUL
			 * (json_loads refuses NUL in a string). */
			if (c != 'u' || u[2] != '0' || u[3] != '0' || (u[4] != '0' && u[4] != '1'))
				return NULL;
			unsigned v = (unsigned)(u[4] - '0') << 4;
			unsigned char h = u[5];
			if (h >= '0' && h <= '9')
				v |= h - '0';
			else if (h >= 'A' && h <= 'F')
				v |= h - 'A' + 10;
			else
				return NULL;
			if (v == 0 || v == '\n' || v == '\r' || v == '\t' || v == '\b' || v == '\f')
				return NULL;
			u += 6;
			continue;
		}
		if (c < 0x80) {
			u++;
			continue;
		}
		size_t n = utf8_seq_len(u, strnlen((const char *)u, 4));
		if (!n)
			return NULL;
		u += n;
	}
}

static const char *canon_number(const char *p)
{
	const char *d = p;
	if (*d == '-')
		d++;
	const char *digits = d;
	while (*d >= '0' && *d <= '9')
		d++;
	size_t n = (size_t)(d - digits);
	/* Integers only (reals are re-printed), no leading zero, no -0, and
	 * few enough digits to fit a json_int_t. */
	if (n == 0 || n > 18 || (digits[0] == '0' && (n > 1 || digits != p)))
		return NULL;
	if (*d == '.' || *d == 'e' || *d == 'E')
		return NULL;
	return d;
}

static const char *canon_object(const char *p, int depth)
{
	/* Keys seen so far, to refuse a repeated one (json_loads keeps one). */
	const char *keys[16];
	size_t klen[16], nkeys = 0;
	p++;
	if (*p == '}')
		return p + 1;
	for (;;) {
		const char *k = p;
		if (!(p = canon_string(p)) || *p != ':')
			return NULL;
		if (nkeys == 16)
			return NULL;
		for (size_t i = 0; i < nkeys; i++)
			if (klen[i] == (size_t)(p - k) && memcmp(keys[i], k, klen[i]) == 0)
				return NULL;
		keys[nkeys] = k;
		klen[nkeys++] = (size_t)(p - k);
		if (!(p = canon_value(p + 1, depth)))
			return NULL;
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *canon_array(const char *p, int depth)
{
	p++;
	if (*p == ']')
		return p + 1;
	for (;;) {
		if (!(p = canon_value(p, depth)))
			return NULL;
		if (*p == ']')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *canon_value(const char *p, int depth)
{
	if (depth > 8)
		return NULL;
	switch (*p) {
	case '{': return canon_object(p, depth + 1);
	case '[': return canon_array(p, depth + 1);
	case '"': return canon_string(p);
	case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
	default: return canon_number(p);
	}
}

bool apifmt_stored_canonical(const char *text)
{
	if (!text || (text[0] != '[' && text[0] != '{'))
		return false;
	const char *end = canon_value(text, 0);
	return end && !*end;
}

/* Stored JSON text (categories, enclosures) as json_loads_or(TEXT, [])
 * followed by apifmt_put_json would write it. */
static void json_put_stored(struct buf *b, const char *text)
{
	if (apifmt_stored_canonical(text)) {
		buf_puts(b, text);
		return;
	}
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	if (!j) {
		buf_append(b, "[]", 2);
		return;
	}
	apifmt_put_json(b, j);
	json_decref(j);
}

/* An item's own fields, item_to_json's first eight keys in its order: the
 * start of both the API's rows and `feedd --parse`'s items. */
static void json_put_item_head(struct buf *b, const char *guid, const char *url,
			       const char *title, const char *author, const char *summary,
			       const char *content, int64_t published, int64_t updated)
{
	put_lossy_after(b, KEY("{\"guid\":"), guid);
	put_lossy_after(b, KEY(",\"url\":"), url);
	put_lossy_after(b, KEY(",\"title\":"), title);
	put_lossy_after(b, KEY(",\"author\":"), author);
	put_lossy_after(b, KEY(",\"summary\":"), summary);
	put_lossy_after(b, KEY(",\"content\":"), content);
	put_date_after(b, KEY(",\"published\":"), published);
	put_date_after(b, KEY(",\"updated\":"), updated);
}

void apifmt_row_json(struct buf *b, const struct item_row *r)
{
	/* Keys in item_row_to_json's order. */
	json_put_item_head(b, r->guid, r->url, r->title, r->author, r->summary, r->content,
			   r->published, r->updated);
	buf_puts(b, ",\"categories\":");
	json_put_stored(b, r->categories);
	buf_puts(b, ",\"enclosures\":");
	json_put_stored(b, r->enclosures);
	apifmt_put_int_after(b, KEY(",\"id\":"), r->id);
	put_lossy_after(b, KEY(",\"feed\":"), r->feed);
	put_date_after(b, KEY(",\"first_seen\":"), r->first_seen ? r->first_seen : DATE_NONE);
	put_date_after(b, KEY(",\"updated_seen\":"),
		       r->updated_seen ? r->updated_seen : DATE_NONE);
	put_lossy_after(b, KEY(",\"identity\":"), r->identity);
	if (r->has_duplicate)
		apifmt_put_int_after(b, KEY(",\"duplicate_of\":"), r->duplicate_of);
	else
		buf_puts(b, ",\"duplicate_of\":null");
	put_date_after(b, KEY(",\"date\":"), r->date ? r->date : DATE_NONE);
	if (r->skipped)
		buf_puts(b, ",\"skipped\":true");
	buf_puts(b, r->read ? ",\"read\":true" : ",\"read\":false");
	buf_puts(b, r->starred ? ",\"starred\":true}" : ",\"starred\":false}");
}

/* --- the item model, as `feedd --parse` prints it --- */

void apifmt_item_json(struct buf *b, const struct item *it)
{
	json_put_item_head(b, it->guid, it->url, it->title, it->author, it->summary,
			   it->content, it->published, it->updated);
	buf_puts(b, ",\"categories\":[");
	for (size_t i = 0; i < it->ncategories; i++) {
		if (i)
			buf_append(b, ",", 1);
		apifmt_put_lossy(b, it->categories[i]);
	}
	buf_puts(b, "],\"enclosures\":[");
	for (size_t i = 0; i < it->nenclosures; i++) {
		const struct enclosure *e = &it->enclosures[i];
		buf_puts(b, i ? ",{\"url\":" : "{\"url\":");
		apifmt_put_lossy(b, e->url);
		buf_puts(b, ",\"type\":");
		apifmt_put_lossy(b, e->type);
		buf_puts(b, ",\"length\":");
		if (e->length >= 0)
			apifmt_put_int(b, e->length);
		else
			buf_append(b, "null", 4);
		buf_append(b, "}", 1);
	}
	buf_append(b, "]}", 2);
}

void apifmt_feed_json(struct buf *b, const struct feed_info *f)
{
	buf_puts(b, "{\"title\":");
	apifmt_put_lossy(b, f->title);
	buf_puts(b, ",\"link\":");
	apifmt_put_lossy(b, f->link);
	buf_puts(b, ",\"description\":");
	apifmt_put_lossy(b, f->description);
	buf_puts(b, ",\"language\":");
	apifmt_put_lossy(b, f->language);
	buf_puts(b, ",\"updated\":");
	apifmt_put_date(b, f->updated);
	buf_append(b, "}", 1);
}

void apifmt_doc_json_head(struct buf *b, const struct feed_info *f)
{
	buf_puts(b, "{\"feed\":");
	apifmt_feed_json(b, f);
	buf_puts(b, ",\"items\":[");
}

void apifmt_doc_json_tail(struct buf *b)
{
	buf_append(b, "]}", 2);
}

void apifmt_doc_json(struct buf *b, const struct doc *d,
		     void (*flush)(struct buf *b, void *arg), void *arg)
{
	apifmt_doc_json_head(b, &d->feed);
	for (size_t i = 0; i < d->nitems; i++) {
		if (i)
			buf_append(b, ",", 1);
		apifmt_item_json(b, &d->items[i]);
		if (flush && b->len >= APIFMT_FLUSH_BYTES)
			flush(b, arg);
	}
	apifmt_doc_json_tail(b);
	if (flush)
		flush(b, arg);
}
