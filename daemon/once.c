/* once.c — `feedd --once`: fetch every enabled feed once, store, report, exit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/log.h"
#include "daemon/feedd.h"
#include "daemon/run.h"
#include "daemon/sched.h"
#include "store/store.h"

int run_once(const struct run_opts *o)
{
	struct config *c = NULL;
	struct config_errors errs = {0};
	if (run_load_config(o, &c, &errs) < 0) {
		run_log_config_errors(&errs, LOG_LVL_ERR);
		config_errors_free(&errs);
		return RUN_EXIT_CONFIG;
	}
	int code = RUN_EXIT_FAILURE;
	uv_loop_t loop;
	struct feedd d = {
		.loop = &loop, .conf = c, .config_path = o->config_path,
		.started = (int64_t)time(NULL),
	};
	if (mkdir(c->daemon.state_dir, 0700) < 0 && errno != EEXIST) {
		log_err("state directory %s: %s", c->daemon.state_dir, strerror(errno));
		goto out_conf;
	}
	if (uv_loop_init(&loop) < 0)
		goto out_conf;
	char *err = NULL;
	if (store_open(c->daemon.store, c->daemon.state_dir, &d.store, &err) < 0) {
		log_err("store: %s", err ? err : "cannot open");
		free(err);
		goto out_loop;
	}
	code = sched_once(&d);
	store_close(d.store);
out_loop:
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) != 0)
		log_warn("--once: loop closed with handles still open");
out_conf:
	config_free(c);
	return code;
}
