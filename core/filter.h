/* filter.h — an item's filter rules, feeds.conf's `skip` and `keep`
 * (feeds.conf(5), issue 20): each is "FIELD ~ REGEX", FIELD one of title,
 * author, category, content, url, REGEX in PCRE2's syntax ((?i) for
 * case-insensitive). An item matching a skip rule, or matching no keep
 * rule when there are keep rules, is skipped: stored, never announced.
 *
 * A rule's text comes from the config file, an item's fields from the
 * feeds (anything): matching is bounded (PCRE2's match and depth limits:
 * a pattern that would backtrack without end simply does not match) and
 * tolerates bytes that are not UTF-8.
 *
 * Ownership: struct filter is the caller's from filter_new to
 * filter_free; it keeps no pointer into the rules or items it is given.
 * One struct filter is used by one thread at a time. */
#ifndef FEEDD_CORE_FILTER_H
#define FEEDD_CORE_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/item.h"

enum filter_field { FF_TITLE, FF_AUTHOR, FF_CATEGORY, FF_CONTENT, FF_URL, FF__COUNT };

/* Whether RULE is "FIELD ~ REGEX" with a regex PCRE2 compiles: 0, or
 * -EINVAL with why in ERR (ERRLEN bytes): an unknown field, no "~", an
 * empty regex, or PCRE2's message with the offset in the regex ("missing
 * closing parenthesis at offset 9"). */
int filter_rule_check(const char *rule, char *err, size_t errlen);

struct filter;
/* The rules SKIP and KEEP (NULL-terminated; either may be NULL) compiled:
 * *OUT NULL when there are none. -EINVAL (with ERR) for a rule
 * filter_rule_check refuses, -ENOMEM. */
int filter_new(char *const *skip, char *const *keep, struct filter **out, char *err,
	       size_t errlen);
void filter_free(struct filter *f);

/* Whether IT is skipped: it matches a skip rule, or F has keep rules and
 * it matches none. FIELD matches when its text matches REGEX anywhere;
 * content matches the content or the summary, category any one category.
 * A missing field matches nothing. F NULL: never. */
bool filter_skips(struct filter *f, const struct item *it);

#endif
