/* readtokens.c — the Google Reader API's tokens (daemon/reader_gr_auth.c):
 * what ClientLogin handed out, kept as SHA-256 hashes so that a copy of
 * the store gives no one a way in; revoked by id (feedctl reader tokens),
 * bounded per user and dropped when unused for long (store.h). The rules
 * are here, the SQL in the backends (sqlite_readtokens.c,
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

int store_reader_token_add(struct store *s, const char *hash, const char *stamp,
			   const char *user, int64_t now, int64_t *id)
{
	*id = 0;
	if (!is_hash(hash) || !is_hash(stamp) || !user)
		return -EINVAL;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	return ops->token_add(b, hash, stamp, user, now, STORE_READER_TOKENS_KEPT,
			      now - STORE_READER_TOKEN_IDLE, id);
}

void store_reader_token_clear(struct store_reader_token *t)
{
	free(t->user);
	memset(t, 0, sizeof *t);
}

int store_reader_token_find(struct store *s, const char *hash, int64_t now,
			    struct store_reader_token *t)
{
	memset(t, 0, sizeof *t);
	if (!is_hash(hash))
		return -ENOENT;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	int r = ops->token_find(b, hash, &t->user, &t->created, &t->last_used, t->stamp);
	if (r < 0)
		return r;
	/* Unused too long: as gone (the next login drops it). */
	int64_t seen = t->last_used > t->created ? t->last_used : t->created;
	if (seen < now - STORE_READER_TOKEN_IDLE) {
		store_reader_token_clear(t);
		return -ENOENT;
	}
	if (t->last_used >= now - STORE_READER_TOKEN_TOUCH)
		return 0;
	r = ops->token_touch(b, hash, now, now - STORE_READER_TOKEN_TOUCH);
	if (r == -EROFS) {
		t->unrecorded = true;
		return 0;
	}
	if (r < 0) {
		store_reader_token_clear(t);
		return r;
	}
	t->last_used = now;
	return 0;
}

int store_reader_token_touch(struct store *s, const char *hash, int64_t now)
{
	if (!is_hash(hash))
		return -ENOENT;
	void *b;
	const struct store_ops *ops = store_ops_of(s, &b);
	return ops->token_touch(b, hash, now, now - STORE_READER_TOKEN_TOUCH);
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
