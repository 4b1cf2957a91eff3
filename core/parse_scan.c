/* parse_scan.c — the one pass over an XML document's bytes before libxml2
 * sees them: clean UTF-8, references libxml2 would lose, tag bounds, and
 * text taken out of libxml2's way.
 *
 * What it does, per byte class (a table, SSE2 where there is SSE2, so plain
 * ASCII costs little):
 * - UTF-8 is validated; a byte that is not UTF-8 is read as windows-1252,
 *   control characters XML forbids and U+FFFE/U+FFFF are dropped (so the
 *   bytes need no other pass when the document is UTF-8);
 * - references: libxml2 2.9 drops every entity reference once a document
 *   has had a well-formedness error, and knows no HTML entities, so in tags
 *   and outside the root they become character references (which it always
 *   honours), a bare '&' or an unknown entity "&amp;";
 * - text runs inside the root (from the first non-ASCII character or
 *   reference of a text node to its end, and the content of CDATA sections)
 *   are taken out of the stream into a struct textq and replaced by a
 *   "<?_f?>" marker (with the run's line ends, so that libxml2's line
 *   numbers stay right); parse_xml.c hands a run to its character handler
 *   when libxml2 reports the marker. References in such text are decoded
 *   and line ends normalised here, as libxml2 would have. libxml2 reads
 *   non-ASCII text one character at a time through xmlCurrentChar and
 *   checks and searches CDATA twice over; a marker is one step. The SAX
 *   events are the same characters in the same places. A document PI
 *   named "_f" is renamed "_F" (PIs are not read) so it cannot take a run;
 * - a tag longer than TAG_MAX is rejected; elements are counted (the depth
 *   says where text may be taken out: never in the prolog or epilog).
 *
 * Bytes that cannot be decided yet (a reference, a UTF-8 sequence, "<![CDATA["
 * cut by a chunk boundary) wait in the carry, so the output does not depend
 * on how the input was chunked (a run may be split in more pieces, which
 * gives the same characters). */
#include "core/parse_int.h"
#include "core/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#include <immintrin.h>
#endif

/* Whether the '<' at S[0] (N bytes from there) starts no markup: 1 when
 * what follows cannot begin a tag, an end tag, a PI, a comment or a CDATA
 * section (libxml2 would stop there), 0 when it can, -1 when the bytes
 * that decide have not come yet. A "<!" that is neither "<!--" nor
 * "<![CDATA[" is text too (a DOCTYPE has no place in the root). */
static int literal_lt(const unsigned char *s, size_t n, bool final)
{
	if (n < 2)
		return final ? 1 : -1;
	unsigned char d = s[1];
	if (isalpha(d) || d == '_' || d == ':' || d >= 0x80 || d == '/' || d == '?')
		return 0;
	if (d != '!')
		return 1;
	static const char cdata[] = "<![CDATA[", comment[] = "<!--";
	size_t kc = n < sizeof cdata - 1 ? n : sizeof cdata - 1;
	size_t km = n < sizeof comment - 1 ? n : sizeof comment - 1;
	bool may_cdata = !memcmp(s, cdata, kc), may_comment = !memcmp(s, comment, km);
	if ((may_cdata && kc == sizeof cdata - 1) || (may_comment && km == sizeof comment - 1))
		return 0;
	if ((may_cdata || may_comment) && !final)
		return -1;
	return 1;
}

/* A start tag with its attributes. Real ones are a few hundred bytes; the
 * bound matters because libxml2's push parser rescans an unfinished tag on
 * every block. */
#define TAG_MAX (64 * 1024)

enum { XS_TEXT, XS_TAG, XS_CDATA, XS_COMMENT, XS_PI };
enum { TAG_OTHER, TAG_START, TAG_END };

/* Byte classes: which bytes stop the fast loop in which state. */
enum {
	C_ANY = 1,      /* forbidden control characters and non-ASCII: always */
	C_TEXT = 2,     /* '<' '&' */
	C_WRAP = 4,     /* '<' '&' '\r' inside a text run we take out */
	C_TAG = 8,      /* '"' '\'' '>' '&' '/' */
	C_QUOT = 16,    /* '"' '&' (in a "value") */
	C_APOS = 32,    /* '\'' '&' (in a 'value') */
	C_CDATA = 64,   /* ']' '\r' */
	C_OTHER = 128,  /* '-' (comment) '?' (PI) */
};

#ifdef __SSE2__
/* The same stops, sixteen bytes at a time: any byte below 0x20 or above
 * 0x7F (one signed compare), or one of the state's own characters. */
struct stops {
	__m128i c[5];
	int n;          /* how many of c are different */
};

/* One set per state: text, text in a run, tag, "value", 'value', CDATA,
 * comment, PI. Filled once, read-only after. */
static struct stops stop_sets[8];

static void init_stops(void)
{
	static const char k[8][5] = {
		{'<', '&', '<', '<', '<'}, {'<', '&', '<', '<', '<'},
		{'"', '\'', '>', '&', '/'}, {'"', '&', '"', '"', '"'}, {'\'', '&', '\'', '\'', '\''},
		{']', ']', ']', ']', ']'}, {'-', '-', '-', '-', '-'}, {'?', '?', '?', '?', '?'},
	};
	for (int i = 0; i < 8; i++) {
		stop_sets[i].n = 1;
		for (int j = 0; j < 5; j++) {
			stop_sets[i].c[j] = _mm_set1_epi8(k[i][j]);
			if (k[i][j] != k[i][0])
				stop_sets[i].n = j + 1;
		}
	}
}

/* The state's own stops among the sixteen bytes at V. */
static __m128i own_stops(const struct stops *st, __m128i v)
{
	__m128i hit = _mm_cmpeq_epi8(v, st->c[0]);
	if (st->n > 1)
		hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, st->c[1]));
	if (st->n > 2)
		for (int j = 2; j < 5; j++)
			hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, st->c[j]));
	return hit;
}

static const struct stops *get_stops(const struct xscan *x)
{
	switch (x->state) {
	case XS_TEXT: return &stop_sets[x->wrap ? 1 : 0];
	case XS_TAG: return &stop_sets[x->quote == '"' ? 3 : x->quote ? 4 : 2];
	case XS_CDATA: return &stop_sets[5];
	case XS_COMMENT: return &stop_sets[6];
	default: return &stop_sets[7];
	}
}

static size_t skip_plain(const struct stops *st, const unsigned char *s, size_t i, size_t n)
{
	const __m128i low = _mm_set1_epi8(0x20);
	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i hit = _mm_or_si128(_mm_cmplt_epi8(v, low), own_stops(st, v));
		int m = _mm_movemask_epi8(hit);
		if (m)
			return i + (size_t)__builtin_ctz((unsigned)m);
		i += 16;
	}
	return i;
}

/* Like skip_plain, but bytes above 0x7F do not stop it; it stops short of
 * the last (up to 15) bytes. */
static size_t skip_ascii(const struct stops *st, const unsigned char *s, size_t i, size_t n)
{
	const __m128i low = _mm_set1_epi8(0x20), zero = _mm_setzero_si128();
	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i hit = _mm_or_si128(_mm_andnot_si128(_mm_cmplt_epi8(v, zero), _mm_cmplt_epi8(v, low)),
					   own_stops(st, v));
		int m = _mm_movemask_epi8(hit);
		if (m)
			return i + (size_t)__builtin_ctz((unsigned)m);
		i += 16;
	}
	return i;   /* the last bytes are left to the byte loop */
}

/* skip_plain and skip_ascii thirty-two bytes a step, where the CPU has
 * AVX2 (use_avx2, set once by init_classes); the last 16..31 bytes go
 * through the SSE2 loop, so both stop at the same byte. */
static bool use_avx2;

__attribute__((target("avx2")))
static __m256i own_stops_avx2(const struct stops *st, __m256i v)
{
	__m256i hit = _mm256_cmpeq_epi8(v, _mm256_broadcastsi128_si256(st->c[0]));
	if (st->n > 1)
		hit = _mm256_or_si256(hit, _mm256_cmpeq_epi8(v, _mm256_broadcastsi128_si256(st->c[1])));
	if (st->n > 2)
		for (int j = 2; j < 5; j++)
			hit = _mm256_or_si256(hit, _mm256_cmpeq_epi8(v, _mm256_broadcastsi128_si256(st->c[j])));
	return hit;
}

__attribute__((target("avx2")))
static size_t skip_plain_avx2(const struct stops *st, const unsigned char *s, size_t i, size_t n)
{
	const __m256i low = _mm256_set1_epi8(0x20);
	while (i + 32 <= n) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
		__m256i hit = _mm256_or_si256(_mm256_cmpgt_epi8(low, v), own_stops_avx2(st, v));
		unsigned m = (unsigned)_mm256_movemask_epi8(hit);
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 32;
	}
	return skip_plain(st, s, i, n);
}

__attribute__((target("avx2")))
static size_t skip_ascii_avx2(const struct stops *st, const unsigned char *s, size_t i, size_t n)
{
	const __m256i low = _mm256_set1_epi8(0x20), zero = _mm256_setzero_si256();
	while (i + 32 <= n) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
		__m256i hit = _mm256_or_si256(
			_mm256_andnot_si256(_mm256_cmpgt_epi8(zero, v), _mm256_cmpgt_epi8(low, v)),
			own_stops_avx2(st, v));
		unsigned m = (unsigned)_mm256_movemask_epi8(hit);
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 32;
	}
	return skip_ascii(st, s, i, n);
}

#define SKIP_PLAIN(st, s, i, n) (use_avx2 ? skip_plain_avx2(st, s, i, n) : skip_plain(st, s, i, n))
#define SKIP_ASCII(st, s, i, n) (use_avx2 ? skip_ascii_avx2(st, s, i, n) : skip_ascii(st, s, i, n))
#endif

static unsigned char cls[256];

static void init_classes(void)
{
	if (cls['<'])
		return;
	for (int c = 0; c < 0x20; c++)
		if (c != '\t' && c != '\n' && c != '\r')
			cls[c] = C_ANY;
	for (int c = 0x80; c < 0x100; c++)
		cls[c] = C_ANY;
	cls['<'] |= C_TEXT | C_WRAP;
	cls['&'] |= C_TEXT | C_WRAP | C_TAG | C_QUOT | C_APOS;
	cls['\r'] |= C_WRAP | C_CDATA;
	cls[']'] |= C_CDATA;
	cls['"'] |= C_TAG | C_QUOT;
	cls['\''] |= C_TAG | C_APOS;
	cls['>'] |= C_TAG;
	cls['/'] |= C_TAG;
	cls['-'] |= C_OTHER;
	cls['?'] |= C_OTHER;
#ifdef __SSE2__
	init_stops();
	use_avx2 = __builtin_cpu_supports("avx2");
#endif
}

void xscan_global_init(void)
{
	init_classes();
}

void xscan_init(struct xscan *x)
{
	memset(x, 0, sizeof *x);
	init_classes();     /* in case parse_global_init was not called */
}

void xscan_free(struct xscan *x)
{
	sbuf_free(&x->carry);
}

/* The stop classes of the current state. */
static unsigned char stop_mask(const struct xscan *x)
{
	switch (x->state) {
	case XS_TEXT: return C_ANY | (x->wrap ? C_WRAP : C_TEXT);
	case XS_TAG: return C_ANY | (x->quote == '"' ? C_QUOT : x->quote ? C_APOS : C_TAG);
	case XS_CDATA: return C_ANY | C_CDATA;
	default: return C_ANY | C_OTHER;
	}
}

static bool xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

enum ref_kind { REF_MORE, REF_BARE, REF_CHAR, REF_NUM_BAD };

/* Reads the reference at S ('&', N bytes available): its code point and
 * length. REF_BARE: a bare '&' or an unknown entity (literal text, as a
 * browser reads it); REF_NUM_BAD: a character reference libxml2 must judge
 * (out of range, a control character); REF_MORE: more bytes needed. */
static enum ref_kind read_ref(const unsigned char *s, size_t n, bool final, uint32_t *cp,
			      size_t *used, size_t *digits, bool *hex)
{
	size_t i = 1;
	if (n > 1 && s[1] == '#') {
		i = 2;
		*hex = n > 2 && (s[2] == 'x' || s[2] == 'X');
		if (*hex)
			i++;
		size_t d = i;
		uint64_t v = 0;
		while (i < n && i < d + 10 && (*hex ? isxdigit(s[i]) : isdigit(s[i]))) {
			v = v * (*hex ? 16 : 10) + (uint64_t)(isdigit(s[i]) ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
			i++;
		}
		if (i == n && !final)
			return REF_MORE;
		if (i > d && i < n && s[i] == ';') {
			*used = i + 1;
			*digits = d;
			if (v > 0x10FFFF || !xml_char((uint32_t)v) || v < 0x20) {
				/* \t \n \r too: libxml2 gives them as written,
				 * not normalised; keep them its business. */
				return REF_NUM_BAD;
			}
			*cp = (uint32_t)v;
			return REF_CHAR;
		}
		return REF_BARE;
	}
	while (i < n && i < 40 && isalnum(s[i]))
		i++;
	if (i == n && !final)
		return REF_MORE;
	if (i > 1 && i < n && s[i] == ';' && isalpha(s[1])) {
		char name[40];
		memcpy(name, s + 1, i - 1);
		name[i - 1] = '\0';
		static const struct { const char *n; char c; } xml[] = {
			{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
		};
		*used = i + 1;
		for (size_t k = 0; k < sizeof xml / sizeof xml[0]; k++)
			if (!strcmp(name, xml[k].n)) {
				*cp = (unsigned char)xml[k].c;
				return REF_CHAR;
			}
		*cp = text_html_entity_cp(name);
		if (*cp)
			return REF_CHAR;
	}
	return REF_BARE;
}

/* A reference where libxml2 is to read it: as a character reference. */
static void put_ref(struct sbuf *out, enum ref_kind k, uint32_t cp, const unsigned char *s,
		    size_t used, size_t digits, bool hex)
{
	if (k == REF_BARE) {
		sbuf_add(out, "&amp;", 5, SIZE_MAX);
	} else if (k == REF_NUM_BAD) {
		/* As written ("&#X41;" as "&#x41;"): libxml2 judges it. */
		sbuf_add(out, hex ? "&#x" : "&#", hex ? 3 : 2, SIZE_MAX);
		sbuf_add(out, (const char *)s + digits, used - digits, SIZE_MAX);
	} else {
		char num[16];
		int m = snprintf(num, sizeof num, "&#%u;", (unsigned)cp);
		sbuf_add(out, num, (size_t)m, SIZE_MAX);
	}
}

static void put_utf8(struct sbuf *out, uint32_t cp)
{
	char u[4];
	sbuf_add(out, u, text_utf8_put(cp, u), SIZE_MAX);
}

/* Runs are marked in pieces of RUN_PIECE bytes and a last one: the markers
 * libxml2 sees then depend on the runs alone, never on where the input was
 * cut (which matters for an ill-formed document where libxml2 reads a
 * marker as something else), and a long run waits in pieces. */
#define RUN_PIECE (64 * 1024)
#define PAD_RATIO 128

/* One marker for the LEN bytes of the run from q->run: a PI libxml2 passes
 * over in one step, carrying the piece's line ends so that its line numbers
 * stay right, and blanks it skips as fast. */
static void mark_piece(struct textq *q, struct sbuf *out, size_t len)
{
	if (q->nlens == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		size_t *nl = realloc(q->lens, cap * sizeof *nl);
		if (!nl)
			return;
		q->lens = nl;
		q->cap = cap;
	}
	q->lens[q->nlens++] = len;
	sbuf_add(out, "<?_f", 4, SIZE_MAX);
	for (const char *p = q->data.s + q->run, *e = p + len;
	     (p = memchr(p, '\n', (size_t)(e - p))); p++)
		sbuf_add(out, "\n", 1, SIZE_MAX);
	/* Blanks in proportion to the piece, so that the runs waiting for
	 * libxml2 (their markers in the block not pushed yet) stay within
	 * PAD_RATIO times a block (512 KiB): libxml2 reads each blank. */
	static const char pad[64] = "                                                                ";
	for (size_t k = len / PAD_RATIO; k; k -= k < sizeof pad ? k : sizeof pad)
		sbuf_add(out, pad, k < sizeof pad ? k : sizeof pad, SIZE_MAX);
	sbuf_add(out, "?>", 2, SIZE_MAX);
	q->run += len;
}

/* Marks the whole pieces of the run being written; with END, the rest too
 * (the run is over). */
static void textq_mark(struct textq *q, struct sbuf *out, bool end)
{
	while (q->data.len - q->run >= RUN_PIECE)
		mark_piece(q, out, RUN_PIECE);
	if (end && q->data.len > q->run)
		mark_piece(q, out, q->data.len - q->run);
}

bool textq_take(struct textq *q, const char **s, size_t *n)
{
	if (q->head == q->nlens)
		return false;
	*s = q->data.s + q->rd;
	*n = q->lens[q->head++];
	q->rd += *n;
	return true;
}

void textq_compact(struct textq *q)
{
	/* What was taken goes; the pieces not taken yet and the run still
	 * being written (less than a piece) move to the front. */
	if (q->head == q->nlens)
		q->head = q->nlens = 0;
	if (!q->rd || (q->nlens && !(q->rd > 65536 && q->rd > q->data.len / 2)))
		return;
	memmove(q->data.s, q->data.s + q->rd, q->data.len - q->rd);
	q->data.len -= q->rd;
	q->data.s[q->data.len] = '\0';
	q->run -= q->rd;
	q->rd = 0;
	memmove(q->lens, q->lens + q->head, (q->nlens - q->head) * sizeof *q->lens);
	q->nlens -= q->head;
	q->head = 0;
}

void textq_free(struct textq *q)
{
	sbuf_free(&q->data);
	free(q->lens);
	memset(q, 0, sizeof *q);
}

/* Scans S[0..N); returns how many bytes were consumed (the rest waits for
 * more input; all of it when FINAL). */
static size_t scan(struct xscan *x, struct parse_out *o, struct sbuf *out,
		   const unsigned char *s, size_t n, bool final)
{
	size_t i = 0, start = 0;
	unsigned char mask = stop_mask(x);
	struct textq *q = o->textq;
	struct sbuf *dst = x->wrap || x->cdrun ? &q->data : out;
#define FLUSH() do { if (i > start) sbuf_add(dst, (const char *)s + start, i - start, SIZE_MAX); start = i; } while (0)
#define OPEN_RUN() do { FLUSH(); x->wrap = true; q->run = q->data.len; dst = &q->data; NEW_MASK(); } while (0)
#define CLOSE_RUN() do { FLUSH(); textq_mark(q, out, true); x->wrap = false; dst = out; NEW_MASK(); } while (0)
/* The '\r' at I as XML reads a line end: "\r\n" and a lone '\r' are '\n'
 * (the caller has seen the byte after it, or the end). */
#define LINE_END() do { FLUSH(); if (i + 1 == n || s[i + 1] != '\n') sbuf_add(dst, "\n", 1, SIZE_MAX); \
			start = ++i; } while (0)
#ifdef __SSE2__
	const struct stops *st = get_stops(x);
#define NEW_MASK() do { mask = stop_mask(x); st = get_stops(x); } while (0)
#else
#define NEW_MASK() (mask = stop_mask(x))
#endif
	while (i < n) {
		for (;;) {
			/* The hot loop: plain bytes, and well-formed 2- and
			 * 3-byte sequences where nothing is to be done. */
#ifdef __SSE2__
			if (!(x->state == XS_TEXT && !x->wrap && x->depth > 0)) {
				/* Non-ASCII needs no action here: skip to
				 * the next ASCII stop, then check the UTF-8
				 * of what was skipped in one go. */
				size_t j = SKIP_ASCII(st, s, i, n);
				i += utf8_xml_prefix(s + i, j - i);
				if (i < j)
					break;
				if (i < n && !(cls[s[i]] & mask)) {
					i++;    /* '\t' or '\n' */
					continue;
				}
				break;
			}
			i = SKIP_PLAIN(st, s, i, n);
#endif
			size_t lim = i + 16 < n ? i + 16 : n;
			while (i < lim && !(cls[s[i]] & mask))
				i++;
			if (i == lim && i < n)
				continue;
			if (i == n || s[i] < 0xC2 || (x->state == XS_TEXT && !x->wrap && x->depth > 0))
				break;
			if (s[i] <= 0xDF) {
				if (i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
					i += 2;
					continue;
				}
			} else if (s[i] <= 0xEF && i + 2 < n && (s[i + 1] & 0xC0) == 0x80 &&
				   (s[i + 2] & 0xC0) == 0x80 && s[i] != 0xE0 && s[i] != 0xED &&
				   !(s[i] == 0xEF && s[i + 1] == 0xBF && s[i + 2] >= 0xBE)) {
				i += 3;
				continue;
			}
			break;
		}
		if (x->state == XS_TAG && x->pos + i - x->tag_begin >= TAG_MAX) {
			parse_fail(o, -EMSGSIZE, "a tag longer than %d bytes: rejected", TAG_MAX);
			return n;
		}
		if (i == n)
			break;
		unsigned char c = s[i];
		if (cls[c] & C_ANY) {
			if (c < 0x80) {
				/* A control character XML forbids: dropped. */
				FLUSH();
				start = ++i;
				continue;
			}
			int l = text_utf8_len(s + i, n - i);
			if (l < 0 && !final)
				goto more;
			if (l > 0 && x->state == XS_TEXT && !x->wrap && x->depth > 0) {
				OPEN_RUN();
			}
			if (l == 3 && c == 0xEF && s[i + 1] == 0xBF && (s[i + 2] == 0xBE || s[i + 2] == 0xBF)) {
				FLUSH();
				i += 3;
				start = i;
			} else if (l > 0) {
				i += (size_t)l;
			} else {
				/* Not UTF-8 after all: the byte as windows-1252. */
				if (x->state == XS_TEXT && !x->wrap && x->depth > 0)
					OPEN_RUN();
				FLUSH();
				put_utf8(dst, text_cp1252(c));
				start = ++i;
			}
			continue;
		}
		switch (x->state) {
		case XS_TEXT:
			if (c == '<' && x->depth > 0) {
				/* In the root, a '<' that can start no markup ("I <3
				 * feeds", "< 10 ms", "<=") is text, as in
				 * feedparser's loose parse: libxml2's push parser
				 * would stop at it for good, and every item after
				 * it would be lost. Kept in a run, as a bare '&'. */
				int lit = literal_lt(s + i, n - i, final);
				if (lit < 0)
					goto more;
				if (lit) {
					if (!x->wrap)
						OPEN_RUN();
					i++;
					continue;
				}
			}
			if (c == '<') {
				if (x->wrap)
					CLOSE_RUN();
				size_t left = n - i;
				static const char *const opens[] = {"<![CDATA[", "<!--", "<?"};
				if (left < 9 && !final) {
					bool maybe = false;
					for (int k = 0; k < 3; k++) {
						size_t m = strlen(opens[k]);
						if (!memcmp(s + i, opens[k], left < m ? left : m))
							maybe = true;
					}
					if (maybe)
						goto more;
				}
				if (left >= 9 && !memcmp(s + i, opens[0], 9)) {
					x->state = XS_CDATA;
					if (x->depth > 0) {
						/* Its content is a run like text. */
						FLUSH();
						i += 9;
						start = i;
						x->cdrun = true;
						q->run = q->data.len;
						dst = &q->data;
					} else {
						i += 9;
					}
				} else if (left >= 4 && !memcmp(s + i, opens[1], 4)) {
					x->state = XS_COMMENT;
					i += 4;
				} else if (left >= 2 && s[i + 1] == '?') {
					/* A document PI with our marker's target
					 * would take a run that is not its own. */
					if (left < 5 && !final)
						goto more;
					x->state = XS_PI;
					if (left >= 5 && s[i + 2] == '_' && s[i + 3] == 'f' &&
					    (s[i + 4] == '?' || s[i + 4] <= ' ')) {
						FLUSH();
						sbuf_add(out, "<?_F", 4, SIZE_MAX);
						i += 4;
						start = i;
					} else {
						i += 2;
					}
				} else {
					x->state = XS_TAG;
					x->quote = 0;
					x->tag_begin = x->pos + i;
					x->tag_empty = false;
					unsigned char d = left >= 2 ? s[i + 1] : 0;
					x->tag_kind = d == '/' ? TAG_END :
						      isalpha(d) || d == '_' || d == ':' || d >= 0x80 ? TAG_START :
						      TAG_OTHER;
					i++;
				}
				NEW_MASK();
				continue;
			}
			if (c == '&') {
				uint32_t cp = 0;
				size_t used = 1, digits = 0;
				bool hex = false;
				enum ref_kind k = read_ref(s + i, n - i, final, &cp, &used, &digits, &hex);
				if (k == REF_MORE)
					goto more;
				if (!x->wrap && x->depth > 0 && k != REF_NUM_BAD)
					OPEN_RUN();
				if (x->wrap && k == REF_BARE) {
					i++;    /* a literal '&' in the run */
					continue;
				}
				if (x->wrap && k == REF_CHAR) {
					FLUSH();
					put_utf8(dst, cp);
				} else {
					if (x->wrap)
						CLOSE_RUN();
					FLUSH();
					put_ref(out, k, cp, s + i, used, digits, hex);
				}
				i += k == REF_BARE ? 1 : used;
				start = i;
				continue;
			}
			if (c == '\r') {
				/* libxml2 would have normalised these line ends. */
				if (i + 1 == n && !final)
					goto more;
				LINE_END();
				continue;
			}
			i++;
			continue;
		case XS_TAG:
			if (c == '&') {
				uint32_t cp = 0;
				size_t used = 1, digits = 0;
				bool hex = false;
				enum ref_kind k = read_ref(s + i, n - i, final, &cp, &used, &digits, &hex);
				if (k == REF_MORE)
					goto more;
				FLUSH();
				put_ref(out, k, cp, s + i, used, digits, hex);
				i += k == REF_BARE ? 1 : used;
				start = i;
				continue;
			}
			if (x->quote) {
				x->quote = 0;
			} else if (c == '"' || c == '\'') {
				x->quote = (char)c;
			} else if (c == '/') {
				if (i + 1 == n && !final)
					goto more;
				x->tag_empty = i + 1 < n && s[i + 1] == '>';
			} else {
				/* '>' */
				if (x->tag_kind == TAG_START && !x->tag_empty)
					x->depth++;
				else if (x->tag_kind == TAG_END && x->depth > 0)
					x->depth--;
				x->state = XS_TEXT;
			}
			i++;
			NEW_MASK();
			continue;
		default: {
			static const char *const ends[] = {[XS_CDATA] = "]]>", [XS_COMMENT] = "-->",
							   [XS_PI] = "?>"};
			const char *e = ends[x->state];
			size_t el = strlen(e);
			if (c == '\r' && x->cdrun) {
				/* XML's line ends hold in CDATA too (XML 1.0
				 * 2.11; libxml2's push parser leaves them). */
				if (i + 1 == n && !final)
					goto more;
				LINE_END();
				continue;
			}
			if (c != (unsigned char)e[0]) {
				i++;    /* '-' or '?' in the other one */
				continue;
			}
			if (n - i < el && !final)
				goto more;
			if (n - i >= el && !memcmp(s + i, e, el)) {
				if (x->cdrun) {
					FLUSH();
					textq_mark(q, out, true);
					x->cdrun = false;
					dst = out;
					start = i + el;
				}
				i += el;
				x->state = XS_TEXT;
				NEW_MASK();
			} else {
				i++;
			}
			continue;
		}
		}
	}
	if (final && x->wrap) {
		CLOSE_RUN();
	} else if (final && x->cdrun) {
		/* Unterminated: libxml2 is to see it so, and say so. */
		FLUSH();
		textq_mark(q, out, true);
		x->cdrun = false;
		dst = out;
		sbuf_add(out, "<![CDATA[", 9, SIZE_MAX);
	} else {
		FLUSH();
		textq_mark(q, out, false);  /* the run goes on */
	}
	return n;
more:
	FLUSH();
	textq_mark(q, out, false);
	return i;
#undef FLUSH
#undef NEW_MASK
#undef OPEN_RUN
#undef CLOSE_RUN
#undef LINE_END
}

void xscan_push(struct xscan *x, struct parse_out *o, struct sbuf *out, const char *buf,
		size_t len, bool final)
{
	const unsigned char *s = (const unsigned char *)buf;
	if (x->carry.len) {
		/* The undecided bytes plus enough new ones to decide them (a
		 * reference is at most ~45 bytes); then the rest of the input
		 * from where that scan stopped, without copying it. */
		size_t had = x->carry.len, take = len < 64 ? len : 64;
		sbuf_add(&x->carry, buf, take, SIZE_MAX);
		size_t used = scan(x, o, out, (const unsigned char *)x->carry.s, x->carry.len,
				   final && take == len);
		x->pos += used;
		if (o->err)
			return;
		if (used < had) {
			/* Still undecided (short input): wait on. */
			memmove(x->carry.s, x->carry.s + used, x->carry.len - used);
			x->carry.len -= used;
			x->carry.s[x->carry.len] = '\0';
			sbuf_add(&x->carry, buf + take, len - take, SIZE_MAX);
			return;
		}
		sbuf_reset(&x->carry);
		s += used - had;
		len -= used - had;
	}
	size_t used = scan(x, o, out, s, len, final);
	x->pos += used;
	if (used < len && !o->err)
		sbuf_add(&x->carry, (const char *)s + used, len - used, SIZE_MAX);
}
