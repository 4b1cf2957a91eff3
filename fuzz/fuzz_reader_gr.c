/* fuzz_reader_gr.c — the Google Reader API's parsing
 * (daemon/reader_gr_ids.c, reader_gr_auth.c) on hostile input: the first
 * line is a request path (routed, its stream decoded and parsed), the
 * second an Authorization value, the third a query, the rest a form body.
 * Checks: every item id parsed formats back to the long form and parses
 * again to the same id; the ids of a request, each once, are its distinct
 * ids in the order they came; a parsed stream's argument is a string;
 * nothing reads out of bounds or leaks. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/reader_gr_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next line of [*P, END) as a new string; *P past it. */
static char *line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	const uint8_t *stop = nl ? nl : end;
	char *s = strndup((const char *)*p, (size_t)(stop - *p));
	*p = nl ? nl + 1 : end;
	return s;
}

static void check_id(int64_t id)
{
	char buf[64];
	int64_t back = 0;
	gr_item_id_format(id, buf, sizeof buf);
	if (!gr_item_id_parse(buf, &back) || back != id)
		abort();
	snprintf(buf, sizeof buf, "%lld", (long long)id);
	if (!gr_item_id_parse(buf, &back) || back != id)
		abort();
}

/* IDS (N, as parsed) through gr_item_ids_unique: each id once, in the
 * order of its first place. */
static void check_unique(const int64_t *ids, size_t n)
{
	int64_t *u = n ? malloc(n * sizeof *u) : NULL;
	if (!u)
		return;
	memcpy(u, ids, n * sizeof *u);
	size_t un = n;
	if (gr_item_ids_unique(u, &un) < 0) {
		free(u);
		return;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < i && ids[j] != ids[i])
			j++;
		if (j == i && (k >= un || u[k++] != ids[i]))
			abort();
	}
	if (k != un)
		abort();
	free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *path = line(&p, end), *authz = line(&p, end), *query = line(&p, end);
	if (!path || !authz || !query)
		abort();
	enum gr_route route;
	char *stream = NULL;
	(void)gr_is_path(path);
	if (gr_route(path, &route, &stream) == 0) {
		if (route >= GR__COUNT)
			abort();
		struct gr_stream st;
		if (stream && gr_stream_parse(stream, &st)) {
			if ((st.kind == GRS_FEED || st.kind == GRS_LABEL) && (!st.arg || !*st.arg))
				abort();
			if (st.kind == GRS_LABEL && (!st.tag || strlen(st.tag) > strlen(st.arg)))
				abort();
			free(st.arg);
		}
	}
	free(stream);
	char hash[65], tok[GR_TOKEN_MAX + 1];
	if (gr_auth_header_token(authz, tok, hash) && (strlen(hash) != 64 || !*tok))
		abort();
	int64_t id;
	if (gr_item_id_parse(query, &id)) {
		if (id < 1)
			abort();
		check_id(id);
	}
	struct gr_params prm = {0};
	bool parsed = !gr_params_parse(&prm, query, (const char *)p, (size_t)(end - p));
	for (size_t i = 0; i < prm.nids; i++)
		if (prm.ids[i] >= 1)
			check_id(prm.ids[i]);
	if (parsed)
		check_unique(prm.ids, prm.nids);
	if (prm.n < 0 || prm.n > GR_MAX_N || prm.nadd > GR_MAX_TAGS || prm.nrem > GR_MAX_TAGS ||
	    prm.nids > GR_MAX_IDS)
		abort();
	gr_params_free(&prm);
	free(path);
	free(authz);
	free(query);
	return 0;
}
