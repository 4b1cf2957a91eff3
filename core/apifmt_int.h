/* apifmt_int.h — what the API's format writers share (internal to
 * core/apifmt*.c): the JSON writer of jansson values, token by token.
 *
 *   apifmt.c       struct buf, the JSON writer of jansson values
 *   apifmt_json.c  item rows and documents written as JSON directly
 *   apifmt_text.c  TSV and Atom from the items' JSON (the reference)
 *   apifmt_row.c   TSV and Atom written straight from store rows
 *
 * Ownership: nothing here allocates but into the caller's struct buf. */
#ifndef FEEDD_APIFMT_INT_H
#define FEEDD_APIFMT_INT_H

#include "core/apifmt.h"

/* S[0..N), valid UTF-8, as a quoted JSON string. */
void apifmt_put_string(struct buf *b, const char *s, size_t n);
/* Room in B for KEY[0..KN) (an object key and what goes before it, a
 * literal whose length the compiler knows), N more bytes and a NUL; the
 * key is written. Where the value goes, or NULL when B cannot grow. The
 * caller ends with buf_end_at. */
static inline __attribute__((always_inline)) char *buf_key_room(struct buf *b, const char *key,
								 size_t kn, size_t n)
{
	if (b->oom || (b->len + kn + n + 1 > b->cap && !buf_grow(b, kn + n)))
		return NULL;
	char *o = b->data + b->len;
	memcpy(o, key, kn);
	return o + kn;
}

/* B's bytes end at O (inside its room): the length and the NUL. */
static inline void buf_end_at(struct buf *b, char *o)
{
	*o = '\0';
	b->len = (size_t)(o - b->data);
}

/* KEY[0..KN), then V in decimal: one look at the room. */
static inline __attribute__((always_inline)) void apifmt_put_int_after(struct buf *b,
									const char *key,
									size_t kn, int64_t v)
{
	char *o = buf_key_room(b, key, kn, 20);
	if (!o)
		return;
	char tmp[20];
	size_t i = sizeof tmp;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	memcpy(o, tmp + i, sizeof tmp - i);
	buf_end_at(b, o + (sizeof tmp - i));
}
/* J in compact JSON, as json_dumps(J, JSON_COMPACT) writes it. */
void apifmt_put_json(struct buf *b, const json_t *j);
/* True when stored JSON TEXT (an array or object) is already what
 * apifmt_put_json writes of json_loads(TEXT): compact, integers in range,
 * only the escapes apifmt_put_string writes, no repeated key. */
bool apifmt_stored_canonical(const char *text);

#endif
