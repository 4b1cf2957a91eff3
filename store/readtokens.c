/* readtokens.c — the Google Reader API's tokens (daemon/reader_gr_auth.c):
 * what ClientLogin handed out, kept as SHA-256 hashes so that a copy of
 * the store gives no one a way in; revoked by id (feedctl reader tokens).
 * The rules are here, the SQL in the backends (sqlite_readtokens.c,
 * pg_readtokens.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"

static bool is_hash(const char *h)
{
	if (!h || strlen(h) != 64)
		return false;
	for (; *h; h++)
		if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
			return false;
	return true;
}

int store_reader_token_add(struct store *s, const char *hash, const char *user, int64_t now,
			   int64_t *id)
{
	*id = 0;
	if (!is_hash(hash) || !user)
		return -EINVAL;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	return ops->token_add(b, hash, user, now, id);
}

int store_reader_token_find(struct store *s, const char *hash, int64_t now, char **user)
{
	*user = NULL;
	if (!is_hash(hash))
		return -ENOENT;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	return ops->token_find(b, hash, now, user);
}

int store_reader_tokens_json(struct store *s, json_t **out)
{
	*out = NULL;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	return ops->tokens_json(b, out);
}

int store_reader_token_revoke(struct store *s, int64_t id)
{
	if (id < 1)
		return -ENOENT;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	return ops->token_revoke(b, id);
}
