/* fuzz_reader_mf.c — the Miniflux routes' parameters
 * (daemon/reader_mf_params.c) on hostile input: the bytes up to the first
 * NUL are an entries listing's query, the rest a marks body. Checks: a
 * query accepted leaves the limit and offset within their bounds and a
 * search no longer than its bound; a body accepted gives 1 to
 * STORE_MARK_MAX ids, each >= 1; nothing reads out of bounds or leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/reader_mf_int.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t qlen = nul ? (size_t)(nul - data) : size;
	char *query = strndup((const char *)data, qlen);
	if (!query)
		return 0;
	struct mf_job *j = calloc(1, sizeof *j);
	if (!j) {
		free(query);
		return 0;
	}
	if (!mf_entries_params(j, query)) {
		if (j->limit < 0 || j->limit > MF_MAX_ENTRIES || j->offset < 0 ||
		    j->offset > MF_MAX_OFFSET)
			abort();
		if (j->search && strlen(j->search) > MF_MAX_SEARCH)
			abort();
	}
	if (nul) {
		const char *body = (const char *)nul + 1;
		size_t blen = size - qlen - 1;
		if (!mf_mark_body(j, body, blen)) {
			if (j->nids < 1 || j->nids > STORE_MARK_MAX)
				abort();
			for (size_t i = 0; i < j->nids; i++)
				if (j->ids[i] < 1)
					abort();
		}
	}
	free(j->search);
	free(j->ids);
	free(j);
	free(query);
	return 0;
}
