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
/* J in compact JSON, as json_dumps(J, JSON_COMPACT) writes it. */
void apifmt_put_json(struct buf *b, const json_t *j);
/* True when stored JSON TEXT (an array or object) is already what
 * apifmt_put_json writes of json_loads(TEXT): compact, integers in range,
 * only the escapes apifmt_put_string writes, no repeated key. */
bool apifmt_stored_canonical(const char *text);

#endif
