/* fuzz_request.c — the socket API's request path without a loop: bytes
 * through llhttp (with the server's bounds), then routing and parameter
 * validation, for every request the bytes hold (pipelining included). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/apireq.h"
#include "daemon/httpreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpreq p;
	httpreq_init(&p, 8192, 65536);
	const char *s = (const char *)data;
	/* Split at the first byte's value too, so requests cut across reads
	 * (as a socket delivers them) are covered. */
	size_t cut = size ? data[0] % (size + 1) : 0;
	size_t off = 0, end = cut;
	for (int guard = 0; guard < 1000 && off <= size; guard++) {
		size_t used = 0;
		enum httpreq_state st = httpreq_feed(&p, s + off, end - off, &used);
		off += used;
		if (st == HTTPREQ_ERROR)
			break;
		if (st == HTTPREQ_MORE) {
			if (end == size)
				break;
			end = size;
			continue;
		}
		struct apireq r;
		struct item_query q;
		apireq_parse(p.req.method_name, p.req.target, p.req.body, p.req.body_len, &r);
		if (!r.status)
			apireq_item_query(&r, &q);
		apireq_free(&r);
		if (!p.req.keep_alive)
			break;
		httpreq_next(&p);
		if (off >= end && end < size)
			end = size;
	}
	httpreq_free(&p);
	return 0;
}
