/* parse.h — the streaming feed parser: bytes in, a struct doc out.
 *
 * A parser is one document. The fetcher pushes the body into it as it
 * arrives (parse_chunk) and calls parse_finish at the end. XML (RSS, RDF,
 * Atom) goes through a libxml2 SAX2 push parser; JSON Feed is detected from
 * the first non-space byte and buffered up to the document cap (jansson has
 * no push API). The format is sniffed from the content, never trusted from
 * the Content-Type.
 *
 * Safety: XML_PARSE_NONET only, a deny-all external entity loader
 * (parse_global_init installs it), documents that declare entities are
 * rejected, and caps bound text per field, per item, per document and the
 * number of items.
 *
 * Items are kept in the doc, or handed out one at a time as they complete
 * (parse_opts.on_item), which is how `feedd --parse` stays small.
 *
 * Ownership: parse_new returns a parser the caller frees with parse_free
 * (after or instead of parse_finish). parse_finish hands over a struct doc
 * the caller frees with doc_free, and on error a message the caller frees. */
#ifndef FEEDD_PARSE_H
#define FEEDD_PARSE_H

#include <stddef.h>

#include "core/item.h"

struct parse_opts {
	const char *url;                /* document URL: base for relative links */
	const char *content_type;       /* HTTP Content-Type (charset), or NULL */
	const char *content_location;   /* HTTP Content-Location, or NULL */
	const char *content_language;   /* HTTP Content-Language, or NULL */
	size_t max_doc_bytes;           /* 0 = PARSE_DEFAULT_MAX_DOC */
	size_t max_items;               /* 0 = PARSE_DEFAULT_MAX_ITEMS */
	size_t max_field_bytes;         /* 0 = PARSE_DEFAULT_MAX_FIELD */
	/* When set, each item is handed to ON_ITEM as soon as it is complete,
	 * in document order, and not kept: the doc parse_finish hands over
	 * then has no items, and the parser's memory is bounded by one item.
	 * The item is the parser's, valid during the call. If parse_finish
	 * then fails, the items handed over belong to no document. */
	void (*on_item)(const struct item *it, void *arg);
	void *on_item_arg;
};

#define PARSE_DEFAULT_MAX_DOC   (32u * 1024 * 1024)
#define PARSE_DEFAULT_MAX_ITEMS 10000u
#define PARSE_DEFAULT_MAX_FIELD (1024u * 1024)

struct parser;

/* Once per process, before any parser: libxml2 init + the deny-all loader. */
void parse_global_init(void);
void parse_global_cleanup(void);

struct parser *parse_new(const struct parse_opts *opts);
/* 0, or a negative errno once the document is hopeless (-EMSGSIZE: a cap;
 * -EINVAL: not a feed / fatal error). After an error further chunks are
 * ignored and parse_finish reports it. */
int parse_chunk(struct parser *p, const char *buf, size_t len);
/* 0 and *out, or a negative errno and *err ("not a feed: <html> root", ...). */
int parse_finish(struct parser *p, struct doc **out, char **err);
void parse_free(struct parser *p);

/* Convenience for whole buffers (tests, --parse, feedctl add). */
int parse_buffer(const struct parse_opts *opts, const char *buf, size_t len,
		 struct doc **out, char **err);

#endif
