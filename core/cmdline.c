/* cmdline.c — an exec hook's command line split into words (wordexp). */
#include "core/cmdline.h"
#include "core/hookenv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wordexp.h>

/* Stands for item variable I in the line given to wordexp, and in the
 * words it gives back: control bytes, which a configured line never holds
 * (the config refuses them), no shell character, no IFS byte. */
#define MARK_OPEN  '\001'
#define MARK_CLOSE '\002'

void cmdline_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

static bool name_start(char c)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* LINE with each $FEEDD_X and ${FEEDD_X} outside single quotes (and not
 * escaped by a backslash) replaced by its mark; NULL and WHY set when one
 * names no item variable, or is another ${FEEDD_...} form. */
static char *mark_vars(const char *line, char *why, size_t whylen)
{
	size_t n = strlen(line);
	char *out = malloc(n + 1);      /* a mark is never longer than a name */
	if (!out) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	size_t k = 0;
	char quote = 0;                 /* 0, '\'' or '"' */
	for (size_t i = 0; i < n;) {
		char c = line[i];
		if (quote == '\'') {
			quote = c == '\'' ? 0 : quote;
		} else if (c == '\\' && i + 1 < n) {
			out[k++] = line[i++];   /* it and the byte it escapes */
		} else if (c == '\'' && !quote) {
			quote = c;
		} else if (c == '"') {
			quote = quote ? 0 : c;
		} else if (c == '$') {
			bool brace = line[i + 1] == '{';
			size_t s = i + 1 + brace, e = s;
			if (name_start(line[s]))
				while (name_char(line[e]))
					e++;
			if (e - s >= 6 && memcmp(line + s, "FEEDD_", 6) == 0) {
				int len = (int)(e - s);
				if (brace && line[e] != '}') {
					snprintf(why, whylen, "cannot split the command line: ${%.*s...}: "
						 "only $%.*s or ${%.*s} takes the item's value",
						 len, line + s, len, line + s, len, line + s);
					free(out);
					return NULL;
				}
				size_t v = 0;
				while (v < HOOKENV_NVARS && (strlen(hookenv_names[v]) != (size_t)len ||
						     memcmp(hookenv_names[v], line + s, (size_t)len) != 0))
					v++;
				if (v == HOOKENV_NVARS) {
					snprintf(why, whylen, "cannot split the command line: no variable "
						 "$%.*s (the item's are $FEEDD_FEED, $FEEDD_ITEM_ID, "
						 "$FEEDD_TITLE, $FEEDD_URL and $FEEDD_TRUNCATED)",
						 len, line + s);
					free(out);
					return NULL;
				}
				out[k++] = MARK_OPEN;
				out[k++] = (char)('0' + v);
				out[k++] = MARK_CLOSE;
				i = e + brace;
				continue;
			}
		}
		out[k++] = line[i++];
	}
	out[k] = '\0';
	return out;
}

/* Does P start a mark? */
static bool is_mark(const char *p)
{
	return p[0] == MARK_OPEN && p[1] >= '0' && p[1] < (char)('0' + HOOKENV_NVARS) &&
	       p[2] == MARK_CLOSE;
}

/* The value of item variable V in ENV ("" without one). */
static const char *var_value(char *const *env, size_t v)
{
	size_t len = strlen(hookenv_names[v]);
	for (char *const *e = env; e && *e; e++)
		if (strncmp(*e, hookenv_names[v], len) == 0 && (*e)[len] == '=')
			return *e + len + 1;
	return "";
}

/* WORD with its marks replaced by their values: copied, never parsed. */
static char *fill_word(const char *word, char *const *env)
{
	size_t n = 0;
	for (const char *p = word; *p; p++) {
		if (is_mark(p)) {
			n += strlen(var_value(env, (size_t)(p[1] - '0')));
			p += 2;
		} else {
			n++;
		}
	}
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (const char *p = word; *p; p++) {
		if (is_mark(p)) {
			const char *val = var_value(env, (size_t)(p[1] - '0'));
			size_t l = strlen(val);
			memcpy(o, val, l);
			o += l;
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

int cmdline_split(const char *line, char *const *itemenv, char ***argv, char *why,
		  size_t whylen)
{
	*argv = NULL;
	char *marked = mark_vars(line, why, whylen);
	if (!marked)
		return -1;
	wordexp_t we;
	int r = wordexp(marked, &we, WRDE_NOCMD);
	free(marked);
	const char *e = NULL;
	switch (r) {
	case 0:
		break;
	case WRDE_CMDSUB:
		e = "cannot split the command line: command substitution ($(...) or `...`) is not allowed";
		break;
	case WRDE_BADCHAR:
		e = "cannot split the command line: an unquoted | & ; < > ( ) { } or newline (the command is not run by a shell)";
		break;
	case WRDE_SYNTAX:
		e = "cannot split the command line: unbalanced quotes or a syntax error";
		break;
	case WRDE_NOSPACE:
		wordfree(&we);
		e = "out of memory";
		break;
	default:
		e = "cannot split the command line";
		break;
	}
	if (!e && we.we_wordc == 0) {
		wordfree(&we);
		e = "cannot split the command line: it has no words (nothing to run)";
	} else if (!e && strchr(we.we_wordv[0], MARK_OPEN)) {
		/* The feed would choose what runs. */
		wordfree(&we);
		e = "the program to run cannot come from the item (a $FEEDD_ variable)";
	}
	if (e) {
		snprintf(why, whylen, "%s", e);
		return -1;
	}
	char **v = calloc(we.we_wordc + 1, sizeof *v);
	for (size_t i = 0; v && i < we.we_wordc; i++) {
		if (!(v[i] = fill_word(we.we_wordv[i], itemenv))) {
			cmdline_free(v);
			v = NULL;
		}
	}
	wordfree(&we);
	if (!v) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	*argv = v;
	return 0;
}
