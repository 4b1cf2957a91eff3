/* pg_util.c — the PostgreSQL store's parameters and results: binding
 * numbers, dates, booleans and arrays as the text libpq sends, and reading
 * columns back. Every other file of the backend calls these; they call
 * nothing of it (tests/layering.sh).
 *
 * Ownership: the parameters point into struct pgp or at the caller's
 * strings; pg_id_array, pg_text_array and pg_dup return what the caller
 * frees. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "store/pg/pg_int.h"

/* --- parameters and results --- */

void pgp_text(struct pgp *p, const char *s)
{
	if (p->n < PGP_MAX)
		p->v[p->n++] = s;
}

void pgp_int(struct pgp *p, int64_t x)
{
	if (p->n < PGP_MAX) {
		snprintf(p->num[p->n], sizeof p->num[p->n], "%" PRId64, x);
		p->v[p->n] = p->num[p->n];
		p->n++;
	}
}

void pgp_date(struct pgp *p, int64_t t)
{
	if (t == DATE_NONE)
		pgp_text(p, NULL);
	else
		pgp_int(p, t);
}

void pgp_bool(struct pgp *p, bool b)
{
	pgp_text(p, b ? "t" : "f");
}

char *pg_id_array(const int64_t *ids, size_t n)
{
	char *out = malloc(3 + n * 21);   /* braces, NUL; 20 digits and a comma each */
	if (!out)
		return NULL;
	size_t k = 0;
	out[k++] = '{';
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(out + k, "%s%" PRId64, i ? "," : "", ids[i]);
	out[k++] = '}';
	out[k] = '\0';
	return out;
}

int64_t pg_int(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool pg_bool(const PGresult *r, int row, int col)
{
	const char *v = PQgetvalue(r, row, col);
	return v[0] == 't' || v[0] == '1';
}

const char *pg_str(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

char *pg_dup(const PGresult *r, int row, int col)
{
	const char *v = pg_str(r, row, col);
	return v ? strdup(v) : NULL;
}

char *pg_text_array(const char *const *feeds, size_t n)
{
	size_t len = 3;
	for (size_t i = 0; i < n; i++)
		len += 2 * strlen(feeds[i] ? feeds[i] : "") + 3;
	char *out = malloc(len);
	if (!out)
		return NULL;
	size_t o = 0;
	out[o++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			out[o++] = ',';
		out[o++] = '"';
		for (const char *c = feeds[i] ? feeds[i] : ""; *c; c++) {
			if (*c == '"' || *c == '\\')
				out[o++] = '\\';
			out[o++] = *c;
		}
		out[o++] = '"';
	}
	out[o++] = '}';
	out[o] = '\0';
	return out;
}
