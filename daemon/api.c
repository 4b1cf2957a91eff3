/* api.c — the socket API's listener (docs/API.md) on top of http.c: a
 * request goes to its endpoint (api_endpoints.c's table), which answers
 * at once on the loop or becomes a job (api_job.c); clients that leave;
 * start, figures, upkeep and close. */
#include "daemon/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>

#include "core/apireq.h"
#include "core/log.h"
#include "daemon/api_int.h"
#include "daemon/api_send.h"
#include "daemon/http.h"

static void on_request(struct http_conn *c, const struct http_request *hr, void *ud)
{
	struct api *a = ud;
	struct apireq r;
	if (apireq_parse(hr->method_name, hr->target, hr->body, hr->body_len, &r)) {
		api_send_error(c, r.status, r.error, r.detail, r.allow);
		apireq_free(&r);
		return;
	}
	if (!r.is_get)
		log_info("api: %s %s by uid %d (pid %d)", hr->method_name, hr->target,
			 (int)http_conn_uid(c), (int)http_conn_pid(c));
	const struct api_endpoint *ep = api_endpoint_of(r.route);
	if (!ep || (ep->runs == RUNS_LOOP && !ep->handle) || (ep->runs != RUNS_LOOP && !ep->work)) {
		api_send_error(c, 404, "not found", NULL, NULL);
	} else if (hr->body_len > ep->max_body) {
		/* The row's bound (http.c caps every body; apireq_parse refused
		 * one where none is taken). */
		api_send_error(c, 413, "request body too large", NULL, NULL);
	} else if (ep->runs == RUNS_LOOP) {
		ep->handle(a, c, &r);
	} else if (!ep->admit || ep->admit(a, c, &r)) {
		/* Its store work runs off the loop (api_job_dispatch). */
		api_job_begin(a, c, &r);
		return;
	}
	apireq_free(&r);
}

static void on_abort(struct http_conn *c, void *ctx, void *ud)
{
	(void)c;
	(void)ud;
	if (!ctx)
		return;
	if (*(enum api_ctx_kind *)ctx == CTX_RELOAD) {
		/* Answered by on_reloaded, which frees it: nobody to answer. */
		((struct api_reload_wait *)ctx)->conn = NULL;
		return;
	}
	if (*(enum api_ctx_kind *)ctx == CTX_JOB) {
		/* Parked: freed now. Queued or on a worker: freed when its
		 * turn comes or its worker is done. */
		struct job *j = ctx;
		j->conn = NULL;
		if (j->parked) {
			api_job_unpark(j);
			api_job_free(j);
		}
	} else {
		api_send_stream_free(ctx);
	}
}

static void on_server_closed(void *ud)
{
	struct api *a = ud;
	/* Workers still running hold readers: the last one frees A. */
	a->srv_closed = true;
	if (a->running == 0)
		api_job_api_free(a);
}

int api_start(struct feedd *d, const char *path, struct api **out)
{
	struct api *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->d = d;
	int fd = -1;
	int n = sd_listen_fds(1);
	if (n > 0) {
		fd = SD_LISTEN_FDS_START;
		if (n > 1)
			log_warn("api: %d sockets passed by systemd; using the first", n);
		log_info("api: listening on the socket systemd passed");
	}
	struct http_limits lim = HTTP_LIMITS_DEFAULT;
	/* Held long-polls are descriptors: the soft limit (often 1024) would
	 * cap them before max_waiting does. Nothing here uses select(). */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		if (want > rl.rlim_cur) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
				log_debug("api: open files limit raised to %llu", (unsigned long long)want);
		}
	}
	/* Every connection is a descriptor: keep room for the fetches, the
	 * store and the hooks, so that a newcomer is accepted and answered
	 * (503 at worst) rather than dropped by accept(). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		long long reserve = 256 + (d->conf ? d->conf->daemon.max_fetches : 64);
		long long room = (long long)rl.rlim_cur - reserve;
		if (room < lim.max_conns)
			lim.max_conns = room < 128 ? 128 : (int)room;
	}
	struct http_handler h = {
		.on_request = on_request, .on_abort = on_abort, .on_closed = on_server_closed,
		.ud = a,
	};
	const char *group = d->conf ? d->conf->daemon.socket_group : NULL;
	int r = http_server_start(d->loop, path, group, fd, &lim, &h, &a->srv);
	if (r < 0) {
		free(a);
		return r;
	}
	api_job_readers_open(a);
	if (fd < 0)
		log_info("api: listening on %s", path);
	*out = a;
	return 0;
}

int api_clients(const struct api *a, int *clients, int *waiting)
{
	http_server_counts(a->srv, clients, waiting);
	return 0;
}

void api_release_memory(struct api *a)
{
	/* The loop's own reader is idle here: this runs on the loop. */
	if (a->loop_reader)
		store_release_memory(a->loop_reader);
	for (int i = 0; i < a->nreaders; i++) {
		struct reader *rd = &a->readers[i];
		if (rd->busy)
			continue;
		store_release_memory(rd->store);
		buf_free(&rd->keep);
	}
}

void api_close(struct api *a)
{
	if (!a || a->closing)
		return;
	/* Held long-polls get their (empty) answer rather than a reset, from
	 * the loop's own handle: the server closes right after. */
	a->closing = true;
	while (a->waiters) {
		struct job *j = a->waiters;
		api_job_unpark(j);
		j->final = true;
		api_job_run_here(j);
	}
	http_server_close(a->srv);
}
