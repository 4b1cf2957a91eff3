/* filter.c — feeds.conf's skip and keep rules, compiled by PCRE2 and
 * matched against an item's fields (filter.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/filter.h"

#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on one match: a pattern that backtracks without end against a
 * hostile field gives up (no match) instead of holding the loop. */
#define FILTER_MATCH_LIMIT 100000
#define FILTER_DEPTH_LIMIT 1000

static const char *const field_names[FF__COUNT] = {
	[FF_TITLE] = "title", [FF_AUTHOR] = "author", [FF_CATEGORY] = "category",
	[FF_CONTENT] = "content", [FF_URL] = "url",
};

struct rule {
	enum filter_field field;
	pcre2_code *re;
};

struct filter {
	struct rule *skip, *keep;
	size_t nskip, nkeep;
	pcre2_match_data *md;
	pcre2_match_context *mc;
};

/* RULE split into its field and compiled regex: 0 or -EINVAL with ERR. */
static int compile(const char *rule, struct rule *out, char *err, size_t errlen)
{
	const char *p = rule;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, " \t~");
	int field = -1;
	for (int i = 0; i < FF__COUNT; i++)
		if (strlen(field_names[i]) == n && !strncmp(p, field_names[i], n))
			field = i;
	if (field < 0) {
		snprintf(err, errlen, "\"%.*s\" is not a field (title, author, category, content "
			 "or url); a rule is FIELD ~ REGEX", (int)(n > 40 ? 40 : n), p);
		return -EINVAL;
	}
	p += n;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '~') {
		snprintf(err, errlen, "no \"~\" after %s; a rule is FIELD ~ REGEX",
			 field_names[field]);
		return -EINVAL;
	}
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p) {
		snprintf(err, errlen, "no regex after \"%s ~\"", field_names[field]);
		return -EINVAL;
	}
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)p, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
			strcpy((char *)msg, "not a regex");
		snprintf(err, errlen, "regex: %s at offset %zu", (const char *)msg, (size_t)off);
		return -EINVAL;
	}
	out->field = (enum filter_field)field;
	out->re = re;
	return 0;
}

int filter_rule_check(const char *rule, char *err, size_t errlen)
{
	struct rule r;
	int rc = compile(rule, &r, err, errlen);
	if (rc == 0)
		pcre2_code_free(r.re);
	return rc;
}

static size_t count(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static int compile_all(char *const *src, struct rule **out, size_t *n, char *err, size_t errlen)
{
	size_t want = count(src);
	if (!want)
		return 0;
	if (!(*out = calloc(want, sizeof **out)))
		return -ENOMEM;
	for (; *n < want; (*n)++) {
		int rc = compile(src[*n], &(*out)[*n], err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int filter_new(char *const *skip, char *const *keep, struct filter **out, char *err,
	       size_t errlen)
{
	*out = NULL;
	if (!count(skip) && !count(keep))
		return 0;
	struct filter *f = calloc(1, sizeof *f);
	if (!f)
		return -ENOMEM;
	int rc = compile_all(skip, &f->skip, &f->nskip, err, errlen);
	if (rc == 0)
		rc = compile_all(keep, &f->keep, &f->nkeep, err, errlen);
	if (rc == 0) {
		f->md = pcre2_match_data_create(1, NULL);
		f->mc = pcre2_match_context_create(NULL);
		if (!f->md || !f->mc)
			rc = -ENOMEM;
		else {
			pcre2_set_match_limit(f->mc, FILTER_MATCH_LIMIT);
			pcre2_set_depth_limit(f->mc, FILTER_DEPTH_LIMIT);
		}
	}
	if (rc < 0) {
		filter_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nskip; i++)
		pcre2_code_free(f->skip[i].re);
	for (size_t i = 0; i < f->nkeep; i++)
		pcre2_code_free(f->keep[i].re);
	free(f->skip);
	free(f->keep);
	pcre2_match_data_free(f->md);
	pcre2_match_context_free(f->mc);
	free(f);
}

static bool match_text(struct filter *f, const pcre2_code *re, const char *s)
{
	return s && pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, f->md, f->mc) >= 0;
}

static bool match(struct filter *f, const struct rule *r, const struct item *it)
{
	switch (r->field) {
	case FF_TITLE: return match_text(f, r->re, it->title);
	case FF_AUTHOR: return match_text(f, r->re, it->author);
	case FF_URL: return match_text(f, r->re, it->url);
	case FF_CONTENT:
		return match_text(f, r->re, it->content) || match_text(f, r->re, it->summary);
	case FF_CATEGORY:
		for (size_t i = 0; i < it->ncategories; i++)
			if (match_text(f, r->re, it->categories[i]))
				return true;
		return false;
	default:
		return false;
	}
}

bool filter_skips(struct filter *f, const struct item *it)
{
	if (!f)
		return false;
	for (size_t i = 0; i < f->nskip; i++)
		if (match(f, &f->skip[i], it))
			return true;
	if (!f->nkeep)
		return false;
	for (size_t i = 0; i < f->nkeep; i++)
		if (match(f, &f->keep[i], it))
			return false;
	return true;
}
