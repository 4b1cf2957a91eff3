/* fuzz_apifmt_row.c — the item row renderer against the JSON tree it
 * replaces: fields cut from the input (any bytes, as feeds send them, and
 * any stored category/enclosure text) must render to the very bytes
 * item_row_to_json + apifmt_json give, and to valid JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/apifmt.h"
#include "core/date.h"
#include "core/item.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Fields are separated by NUL bytes: title, url, guid, summary,
	 * categories text, enclosures text; the first 8 bytes pick a date. */
	if (size < 8)
		return 0;
	int64_t date;
	memcpy(&date, data, sizeof date);
	char *copy = malloc(size - 8 + 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 8, size - 8);
	copy[size - 8] = '\0';
	const char *field[6] = { NULL };
	const char *p = copy, *end = copy + (size - 8);
	for (int i = 0; i < 6 && p <= end; i++) {
		field[i] = p;
		p += strlen(p) + 1;
	}
	/* Dates the store can hold: keep gmtime_r in range. */
	date %= INT64_C(400000000000);
	struct item_row r = {
		.id = date, .feed = field[2] ? field[2] : "f",
		.title = field[0], .url = field[1], .guid = field[2], .summary = field[3],
		.categories = field[4], .enclosures = field[5],
		.published = date, .updated = date & 1 ? DATE_NONE : -date,
		.first_seen = date, .updated_seen = 0, .date = date / 3,
		.identity = "guid", .has_duplicate = date & 2, .duplicate_of = date,
	};
	struct buf want = { 0 }, got = { 0 };
	json_t *j = item_row_to_json(&r);
	apifmt_json(&want, j);
	json_decref(j);
	apifmt_row_json(&got, &r);
	buf_append(&got, "\n", 1);
	if (want.oom || got.oom || want.len != got.len || memcmp(want.data, got.data, want.len))
		abort();
	json_t *back = json_loads(got.data, 0, NULL);
	if (!back)
		abort();
	json_decref(back);
	buf_free(&want);
	buf_free(&got);
	free(copy);
	return 0;
}
