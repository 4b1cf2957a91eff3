/* reader_gr_atom.c — a stream as Google Reader's Atom
 * (GET /reader/atom/STREAM?n=N): what newsboat's "feedhq" backend reads.
 * Each entry's id is the item's long id (newsboat hands it back to
 * edit-tag as i=), its states are <category> elements of the scheme
 * http://www.google.com/reader/ with the state's last word as label
 * ("read", "fresh", "starred", which newsboat matches), its feed's tags
 * and its own labels are labels too, and <source> names its feed's
 * stream. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/sanitize.h"
#include "daemon/reader_content.h"
#include "daemon/reader_gr_int.h"
#include "store/store.h"

#define SCHEME "http://www.google.com/reader/"

/* S with &, <, >, " escaped and the characters XML 1.0 forbids left out;
 * TWICE, each of those references escaped again ("&" is "&amp;amp;"): a
 * text escaped for HTML, then for XML. What needs no escape goes out in
 * runs. */
static void esc_as(FILE *f, const char *s, bool twice)
{
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *run = p;
	for (; *p; p++) {
		const char *ref;
		switch (*p) {
		case '&': ref = "&amp;"; break;
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '"': ref = "&quot;"; break;
		default:
			if (*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r')
				continue;
			ref = NULL;     /* XML 1.0 forbids it: left out */
		}
		fwrite(run, 1, (size_t)(p - run), f);
		run = p + 1;
		if (!ref)
			continue;
		if (twice) {    /* "&lt;" as "&amp;lt;" */
			fputs("&amp;", f);
			ref++;
		}
		fputs(ref, f);
	}
	fwrite(run, 1, (size_t)(p - run), f);
}

static void esc(FILE *f, const char *s)
{
	esc_as(f, s, false);
}

/* A title as Google Reader writes it, <title type="html">: a plain text
 * title escaped for HTML, then for XML (a reader decodes both: "Tom &
 * Jerry <3" stays that); a title kept with its markup (an Atom title of
 * type html) escaped for XML only. */
static void html_title(FILE *f, const char *s)
{
	fputs("<title type=\"html\">", f);
	esc_as(f, s, !sanitize_looks_html(s));
	fputs("</title>", f);
}

static void date(FILE *f, const char *tag, int64_t t)
{
	char buf[40];
	date_format_rfc3339(t > 0 ? t : 0, buf, sizeof buf);
	fprintf(f, "<%s>%s</%s>", tag, buf, tag);
}

static void category(FILE *f, const char *term, const char *label)
{
	fputs("<category term=\"", f);
	esc(f, term);
	fputs("\" scheme=\"" SCHEME "\" label=\"", f);
	esc(f, label);
	fputs("\"/>", f);
}

/* The entries' buffer, and the store for their labels. */
struct out {
	FILE *f;
	struct store *s;
	const json_t *tags;         /* the entry's feed's */
};

/* A label of the entry's item: a category unless its feed's tag already
 * is one. */
static int label_category(int64_t item, const char *label, void *ud)
{
	struct out *o = ud;
	size_t i;
	json_t *t;
	(void)item;
	json_array_foreach(o->tags, i, t)
		if (!strcmp(json_string_value(t), label))
			return 0;
	char term[STORE_LABEL_MAX + 16];
	snprintf(term, sizeof term, "user/-/label/%s", label);
	category(o->f, term, label);
	return 0;
}

static int entry(const struct item_row *r, const json_t *feed, void *ud)
{
	struct out *o = ud;
	FILE *f = o->f;
	char id[64];
	gr_item_id_format(r->id, id, sizeof id);
	fprintf(f, "<entry gr:crawl-timestamp-msec=\"%" PRId64 "\"><id gr:original-id=\"",
		r->first_seen * 1000);
	esc(f, r->guid);
	fprintf(f, "\">%s</id>", id);
	category(f, "user/-/state/com.google/reading-list", "reading-list");
	if (r->read)
		category(f, "user/-/state/com.google/read", "read");
	else
		category(f, "user/-/state/com.google/fresh", "fresh");
	if (r->starred)
		category(f, "user/-/state/com.google/starred", "starred");
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(feed, "tags"), i, t) {
		char term[600];
		snprintf(term, sizeof term, "user/-/label/%s", json_string_value(t));
		category(f, term, json_string_value(t));
	}
	o->tags = json_object_get(feed, "tags");
	int rc = store_items_labels(o->s, &r->id, 1, label_category, o);
	if (rc < 0)
		return rc;
	html_title(f, r->title);
	date(f, "published", r->date > 0 ? r->date : r->first_seen);
	date(f, "updated", r->updated_seen > 0 ? r->updated_seen : r->first_seen);
	if (r->url) {
		fputs("<link rel=\"alternate\" href=\"", f);
		esc(f, r->url);
		fputs("\" type=\"text/html\"/>", f);
	}
	json_t *encs = json_loads_or(r->enclosures, json_array());
	json_t *e;
	json_array_foreach(encs, i, e) {
		fputs("<link rel=\"enclosure\" href=\"", f);
		esc(f, json_string_value(json_object_get(e, "url")));
		fputs("\" type=\"", f);
		esc(f, json_string_value(json_object_get(e, "type")));
		json_t *len = json_object_get(e, "length");
		if (json_is_integer(len))
			fprintf(f, "\" length=\"%" JSON_INTEGER_FORMAT, json_integer_value(len));
		fputs("\"/>", f);
	}
	json_decref(encs);
	char *content = reader_entry_content(r);   /* sanitized */
	if (content && *content) {
		fputs("<content type=\"html\">", f);
		esc(f, content);
		fputs("</content>", f);
	}
	free(content);
	if (r->author) {
		fputs("<author><name>", f);
		esc(f, r->author);
		fputs("</name></author>", f);
	}
	if (feed) {
		char sid[1100];
		gr_feed_stream(feed, sid, sizeof sid);
		fputs("<source gr:stream-id=\"", f);
		esc(f, sid);
		fputs("\"><id>tag:google.com,2005:reader/", f);
		esc(f, sid);
		fputs("</id>", f);
		html_title(f, gr_str(feed, "title", gr_str(feed, "name", "")));
		fputs("<link rel=\"alternate\" href=\"", f);
		esc(f, gr_str(feed, "site_url", ""));
		fputs("\" type=\"text/html\"/></source>", f);
	}
	fputs("</entry>\n", f);
	return ferror(f) ? -ENOMEM : 0;
}

void gr_atom_work(struct store *s, struct gr_job *j, struct gr_feeds *fs)
{
	const struct gr_stream *st = &j->p.s;
	int rc = 0;
	const json_t *feed = st->kind == GRS_FEED ? gr_feeds_of_stream(fs, st, &rc) : NULL;
	if (rc < 0) {
		gr_store_failed(j, rc);
		return;
	}
	if (st->kind == GRS_FEED && !feed) {
		gr_fail(j, 404, "no such stream");
		return;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		gr_fail(j, 500, "out of memory");
		return;
	}
	/* The items go first into a second buffer: the head names the
	 * continuation, known only after the walk. */
	char *body = NULL;
	size_t blen = 0;
	FILE *b = open_memstream(&body, &blen);
	int64_t cont = 0;
	struct out o = {b, s, NULL};
	rc = b ? gr_walk(s, &j->p, st, fs, j->p.n ? j->p.n : GR_DEFAULT_N, false, entry,
			     &o, &cont) : -ENOMEM;
	if (b)
		fclose(b);
	fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	      "<feed xmlns=\"http://www.w3.org/2005/Atom\""
	      " xmlns:gr=\"http://www.google.com/schemas/reader/atom/\""
	      " xmlns:idx=\"urn:atom-extension:indexing\" idx:index=\"no\" gr:dir=\"ltr\">\n"
	      "<generator uri=\"https://feedd.invalid/\">feedd</generator>\n", f);
	char sid[1100];
	if (feed) {
		gr_feed_stream(feed, sid, sizeof sid);
		fputs("<id>tag:google.com,2005:reader/", f);
		esc(f, sid);
		fputs("</id><title>", f);
		esc(f, gr_str(feed, "title", gr_str(feed, "name", "")));
		fputs("</title><link rel=\"alternate\" href=\"", f);
		esc(f, gr_str(feed, "site_url", ""));
		fputs("\" type=\"text/html\"/>\n", f);
	} else {
		const char *what = st->kind == GRS_LABEL ? st->arg : st->kind == GRS_STARRED
				   ? "starred" : st->kind == GRS_READ ? "read" : "reading-list";
		fputs("<id>tag:google.com,2005:reader/user/-/", f);
		esc(f, what);
		fputs("</id><title>", f);
		esc(f, what);
		fputs("</title>\n", f);
	}
	if (cont)
		fprintf(f, "<gr:continuation>%" PRId64 "</gr:continuation>\n", cont);
	date(f, "updated", (int64_t)time(NULL));
	fputc('\n', f);
	if (body)
		fwrite(body, 1, blen, f);
	fputs("</feed>\n", f);
	free(body);
	bool bad = ferror(f);
	fclose(f);
	if (rc < 0 || bad) {
		free(buf);
		if (rc < 0 && rc != -ENOMEM)
			gr_store_failed(j, rc);
		else
			gr_fail(j, 500, "out of memory");
		return;
	}
	j->code = 200;
	j->text = buf;
	j->tlen = len;
	j->ctype = "application/atom+xml; charset=utf-8";
}
