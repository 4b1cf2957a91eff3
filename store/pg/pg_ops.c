/* pg_ops.c — the PostgreSQL backend's entry for the dispatcher (store.c):
 * opening it, and the table of its entries, named from every file of the
 * backend (pg_int.h, backend.h, manage.h). Nothing of the backend calls
 * this file (but pg_migrate.c, which opens a store as feedd would). */
#include "store/manage.h"
#include "store/pg/pg_int.h"

int pg_backend_open(const char *spec, void **out, char **err)
{
	struct pg *s = NULL;
	int r = pg_open(spec, &s, err);
	*out = s;
	return r;
}

const struct store_ops pg_store_ops = {
	.prims = &pg_prims,
	.name = "postgresql",
	STORE_OPS_COMMON(pg_op_),
	.hook_release = pg_op_hook_release,
	.claim_feed = pg_op_claim_feed,
	.host_answer = pg_op_host_answer,
	.host_push = pg_op_host_push,
	.instances_json = pg_op_instances_json,
	.set_heartbeat = pg_op_set_heartbeat,
	.news_fd = pg_op_news_fd,
	.news_read = pg_op_news_read,
	.news_lost = pg_op_news_lost,
};
