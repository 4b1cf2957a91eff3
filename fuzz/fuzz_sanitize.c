/* fuzz_sanitize.c — sanitize_html on arbitrary bytes (up to the first NUL;
 * what follows it, if anything, is the base URL). Checks what sanitize.h
 * promises: the output is well-formed (a strict XML parse inside one
 * element), has no <script or <style left, and sanitizing it again gives
 * well-formed output too. That second pass gives the same text back for
 * ordinary HTML (tests/unit/test_sanitize.c checks it case by case) but
 * not for every input: libxml2's HTML parser is not HTML5's, and elements
 * nested past the depth bound lose their tags a level at a time. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "core/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_errors(void *ctx, const char *msg, ...)
{
}

static void check_well_formed(const char *out)
{
	size_t n = strlen(out);
	char *doc = malloc(n + 8);
	if (!doc)
		return;
	memcpy(doc, "<r>", 3);
	memcpy(doc + 3, out, n);
	memcpy(doc + 3 + n, "</r>", 5);
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		free(doc);
		return;
	}
	xmlDocPtr d = xmlCtxtReadMemory(ctxt, doc, (int)(n + 7), NULL, "UTF-8",
					XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!d || !ctxt->wellFormed)
		abort();
	xmlFreeDoc(d);
	xmlFreeParserCtxt(ctxt);
	free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		xmlSetGenericErrorFunc(NULL, no_errors);
		init = 1;
	}
	char *s = malloc(size + 2);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	s[size + 1] = '\0';
	const char *base = s + strlen(s) + 1;
	if (base > s + size)
		base = NULL;
	char *out = sanitize_html(s, base);
	if (out) {
		check_well_formed(out);
		if (strstr(out, "<script") || strstr(out, "<style"))
			abort();
		char *again = sanitize_html(out, NULL);
		if (again)
			check_well_formed(again);
		free(again);
	}
	free(out);
	free(s);
	return 0;
}
