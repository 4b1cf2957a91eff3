/* config_values.c — feeds.conf's value syntax: durations, sizes, bools,
 * whole numbers, tag lists, and the control-character rule every
 * value obeys. Pure functions over strings; the key table
 * (config_keys.c) says which one a key uses and its range.
 *
 * Ownership: conf_parse_tags' list and the conf_strv_* lists are the
 * caller's (config_strv_free). */
#include "core/config_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int config_parse_duration(const char *s, int64_t *seconds)
{
	char *end;
	if (!s || !*s || !(isdigit((unsigned char)*s)))
		return -EINVAL;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || n < 0)
		return -EINVAL;
	int64_t mult;
	if (!*end || strcmp(end, "s") == 0) mult = 1;
	else if (strcmp(end, "m") == 0) mult = 60;
	else if (strcmp(end, "h") == 0) mult = 3600;
	else if (strcmp(end, "d") == 0) mult = CONF_DAY;
	else if (strcmp(end, "w") == 0) mult = 7 * CONF_DAY;
	else return -EINVAL;
	if (n > INT64_MAX / mult / 1000)   /* leaves room for milliseconds */
		return -EINVAL;
	*seconds = n * mult;
	return 0;
}

int conf_parse_duration_ms(const char *s, int64_t *ms)
{
	size_t len = strlen(s);
	if (len > 2 && strcmp(s + len - 2, "ms") == 0 && isdigit((unsigned char)*s)) {
		char *end;
		errno = 0;
		long long n = strtoll(s, &end, 10);
		if (errno || n < 0 || strcmp(end, "ms") != 0)
			return -EINVAL;
		*ms = n;
		return 0;
	}
	int64_t sec;
	if (config_parse_duration(s, &sec) < 0)
		return -EINVAL;
	*ms = sec * 1000;
	return 0;
}

int config_parse_size(const char *s, int64_t *bytes)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || n < 0)
		return -EINVAL;
	int64_t mult = 1;
	if (!*end || strcasecmp(end, "b") == 0) mult = 1;
	else if (strcasecmp(end, "k") == 0 || strcasecmp(end, "kb") == 0 || strcmp(end, "KiB") == 0) mult = 1024;
	else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mb") == 0 || strcmp(end, "MiB") == 0) mult = 1024 * 1024;
	else if (strcasecmp(end, "g") == 0 || strcasecmp(end, "gb") == 0 || strcmp(end, "GiB") == 0) mult = 1024 * 1024 * 1024;
	else return -EINVAL;
	if (n > INT64_MAX / mult)
		return -EINVAL;
	*bytes = n * mult;
	return 0;
}

int conf_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) { *out = true; return 0; }
		if (strcasecmp(s, no[i]) == 0) { *out = false; return 0; }
	}
	return -EINVAL;
}

int conf_parse_int(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

void config_fmt_duration(int64_t s, char *buf, size_t len)
{
	if (s && s % CONF_DAY == 0) snprintf(buf, len, "%lldd", (long long)(s / CONF_DAY));
	else if (s && s % 3600 == 0) snprintf(buf, len, "%lldh", (long long)(s / 3600));
	else if (s && s % 60 == 0) snprintf(buf, len, "%lldm", (long long)(s / 60));
	else snprintf(buf, len, "%llds", (long long)s);
}

const char *config_control_problem(const char *s, char *buf, size_t buflen)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		unsigned cp;
		if (*c < 0x20 || *c == 0x7f)
			cp = *c;
		else if (*c == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f)
			cp = c[1];              /* C1, as UTF-8 */
		else
			continue;
		if (cp == '\n')
			return "contains a newline";
		if (cp == '\r')
			return "contains a carriage return";
		if (cp == '\t')
			return "contains a tab";
		snprintf(buf, buflen, "contains a control character (U+%04X)", cp);
		return buf;
	}
	return NULL;
}

bool conf_has_ctl(const char *s)
{
	char why[64];
	return config_control_problem(s, why, sizeof why) != NULL;
}

size_t conf_strv_len(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void config_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char **conf_strv_dup(char **v)
{
	if (!v)
		return NULL;
	size_t n = conf_strv_len(v);
	char **out = calloc(n + 1, sizeof *out);
	for (size_t i = 0; out && i < n; i++)
		out[i] = strdup(v[i]);
	return out;
}

int conf_strv_push(char ***v, const char *s)
{
	size_t n = conf_strv_len(*v);
	if (n >= CONF_MAX_LIST)
		return -E2BIG;
	char **nv = realloc(*v, (n + 2) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	*v = nv;
	return nv[n] ? 0 : -ENOMEM;
}

char *conf_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

char *config_fold_tag(char *tag)
{
	tag = conf_trim(tag);
	for (char *c = tag; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return tag;
}

const char *conf_parse_tags(const char *value, char ***out)
{
	char *copy = strdup(value);
	if (!copy)
		return "out of memory";
	char **tags = NULL;
	const char *err = NULL;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t = config_fold_tag(t);
		if (!*t)
			continue;
		if (strpbrk(t, "/?&#="))
			err = "a tag may not contain / ? & # =";
		if (err || conf_strv_push(&tags, t) < 0) {
			err = err ? err : "too many tags";
			break;
		}
	}
	free(copy);
	if (err) {
		config_strv_free(tags);
		return err;
	}
	*out = tags ? tags : calloc(1, sizeof(char *));
	return NULL;
}
