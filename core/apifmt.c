/* apifmt.c — the socket API's output buffer (struct buf) and its JSON
 * writer of jansson values (apifmt_json, apifmt_ndjson), which the other
 * formats build on: core/apifmt_json.c writes item rows and documents as
 * JSON directly, core/apifmt_text.c writes TSV and Atom.
 *
 * Ownership: a struct buf owns its bytes until buf_free; json_t arguments
 * are borrowed. */
#include "core/apifmt_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool buf_grow(struct buf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d) {
			b->oom = true;
			return false;
		}
		b->data = d;
		b->cap = cap;
	}
	return true;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		buf_append(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_append(b, big, (size_t)n);
	free(big);
}

void buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

/* One character JSON must escape: the short forms, else \u00XX. */
static void put_escape(struct buf *b, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[6] = { '\\', 0 };
	size_t elen = 2;
	switch (c) {
	case '"': esc[1] = '"'; break;
	case '\\': esc[1] = '\\'; break;
	case '\n': esc[1] = 'n'; break;
	case '\r': esc[1] = 'r'; break;
	case '\t': esc[1] = 't'; break;
	case '\b': esc[1] = 'b'; break;
	case '\f': esc[1] = 'f'; break;
	default:
		esc[1] = 'u';
		esc[2] = '0';
		esc[3] = '0';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		elen = 6;
	}
	buf_append(b, esc, elen);
}

/* JSON is written here rather than by json_dump_callback: the answer is
 * one buffer anyway, and jansson's dumper calls back per token and formats
 * every integer with snprintf (half the time of an items answer). jansson
 * keeps strings and keys valid UTF-8, so only escaping is left to do. */
void apifmt_put_string(struct buf *b, const char *s, size_t n)
{
	buf_append(b, "\"", 1);
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_append(b, s + start, i - start);
		start = i + 1;
		put_escape(b, c);
	}
	buf_append(b, s + start, n - start);
	buf_append(b, "\"", 1);
}

void apifmt_put_int(struct buf *b, json_int_t v)
{
	apifmt_put_int_after(b, "", 0, v);
}

void apifmt_put_json(struct buf *b, const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *v;
		bool first = true;
		buf_append(b, "{", 1);
		json_object_foreach((json_t *)j, key, v) {
			if (!first)
				buf_append(b, ",", 1);
			first = false;
			apifmt_put_string(b, key, strlen(key));
			buf_append(b, ":", 1);
			apifmt_put_json(b, v);
		}
		buf_append(b, "}", 1);
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;
		buf_append(b, "[", 1);
		json_array_foreach(j, i, v) {
			if (i)
				buf_append(b, ",", 1);
			apifmt_put_json(b, v);
		}
		buf_append(b, "]", 1);
		break;
	}
	case JSON_STRING:
		apifmt_put_string(b, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		apifmt_put_int(b, json_integer_value(j));
		break;
	case JSON_REAL: {
		char tmp[40];
		double d = json_real_value(j);
		int n = snprintf(tmp, sizeof tmp, "%.17g", d);
		if (n < 0 || d != d || d - d != 0) {
			buf_puts(b, "null");  /* NaN and infinities have no JSON form */
			break;
		}
		buf_append(b, tmp, (size_t)n);
		if (!strpbrk(tmp, ".eE"))
			buf_append(b, ".0", 2);
		break;
	}
	case JSON_TRUE:
		buf_append(b, "true", 4);
		break;
	case JSON_FALSE:
		buf_append(b, "false", 5);
		break;
	case JSON_NULL:
		buf_append(b, "null", 4);
		break;
	}
}

void apifmt_json(struct buf *b, const json_t *j)
{
	if (!j) {
		b->oom = true;
		return;
	}
	apifmt_put_json(b, j);
	buf_append(b, "\n", 1);
}

void apifmt_ndjson(struct buf *b, const json_t *array)
{
	size_t i;
	const json_t *v;
	json_array_foreach(array, i, v)
		apifmt_json(b, v);
}
