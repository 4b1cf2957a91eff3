/* reader_gr.c — the Google Reader API's routes (docs/reader-api.md,
 * "Google Reader API"): reader.c hands over every request whose path is
 * the API's (/accounts/, /reader/, both also under /api/greader.php); here
 * the call and its parameters are read on the loop, ClientLogin's password
 * checked; the calls that write (and ClientLogin) go to the store thread
 * (daemon/storeq.h), the reads to the reader pool's workers and their
 * read-only store handles (reader_pool.c, shared with the Miniflux
 * routes, in arrival order); there the login token is looked up and the
 * answer built, and the loop sends it. */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "daemon/api_send.h"
#include "daemon/feedd.h"
#include "daemon/reader_auth.h"
#include "daemon/reader_gr_int.h"
#include "daemon/storeq.h"
#include "store/store.h"

void gr_job_free(struct gr_job *j)
{
	gr_params_free(&j->p);
	json_decref(j->json);
	buf_free(&j->body);
	free(j->text);
	free(j->user);
	free(j->feed_name);
	json_decref(j->titles);
	reader_auth_free(j->auth);
	explicit_bzero(j->tok, sizeof j->tok);
	explicit_bzero(j->given, sizeof j->given);
	free(j);
}

void gr_fail(struct gr_job *j, int code, const char *msg)
{
	j->code = code;
	j->error = msg;
	json_decref(j->json);
	j->json = NULL;
	buf_free(&j->body);
}

void gr_store_failed(struct gr_job *j, int rc)
{
	gr_fail(j, rc == -ECONNRESET ? 503 : 500,
		rc == -ECONNRESET ? "store unavailable" : "store error");
}

const char *gr_str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

static bool is_write(enum gr_route r)
{
	return r == GR_EDIT_TAG || r == GR_MARK_ALL || r == GR_QUICKADD || r == GR_SUB_EDIT;
}

static void text(struct gr_job *j, const char *s)
{
	j->code = 200;
	j->text = strdup(s);
	j->tlen = j->text ? strlen(s) : 0;
	j->ctype = "text/plain; charset=utf-8";
	if (!j->text)
		gr_fail(j, 500, "out of memory");
}

static void login_work(struct store *s, struct gr_job *j)
{
	int64_t id = 0;
	int rc = store_reader_token_add(s, j->hash, j->stamp, j->user, (int64_t)time(NULL), &id);
	if (rc < 0) {
		gr_store_failed(j, rc);
		return;
	}
	char buf[256];
	snprintf(buf, sizeof buf, "SID=%s\nLSID=null\nAuth=%s\n", j->tok, j->tok);
	text(j, buf);
	explicit_bzero(buf, sizeof buf);
}

static void gr_work(struct store *s, void *arg)
{
	struct gr_job *j = arg;
	if (j->route == GR_LOGIN) {
		login_work(s, j);
		return;
	}
	struct store_reader_token tk;
	int rc = store_reader_token_find(s, j->hash, (int64_t)time(NULL), &tk);
	if (rc == -ENOENT) {
		j->deny = true;
		return;
	}
	if (rc < 0) {
		gr_store_failed(j, rc);
		return;
	}
	j->user = tk.user;          /* taken over */
	j->touch = tk.unrecorded;   /* a read-only handle's: gr_done */
	/* Given for a user:password line reader_auth no longer has (the
	 * user removed, the password changed): over. */
	if (!reader_auth_stamp_ok(j->auth, tk.user, j->given, strlen(j->given), tk.stamp)) {
		j->deny = j->stale = true;
		return;
	}
	if (is_write(j->route) && !j->t_ok) {
		j->bad_t = true;
		gr_fail(j, 401, "bad or missing T token: GET /reader/api/0/token");
		return;
	}
	switch (j->route) {
	case GR_TOKEN:
		text(j, j->tok);
		return;
	case GR_USER_INFO:
		j->code = 200;
		j->json = json_pack("{s:s,s:s,s:s,s:s,s:b}", "userId", j->user,
				    "userName", j->user, "userProfileId", j->user,
				    "userEmail", j->user, "isBloggerUser", 0);
		return;
	default:
		break;
	}
	struct gr_feeds fs;
	gr_feeds_init(&fs, s, j->titles);
	if (j->route == GR_QUICKADD || j->route == GR_SUB_EDIT) {
		/* The feed of s=feed/URL by either of its URLs, for the loop's
		 * edit, which reads the config's URLs alone. */
		if (j->route == GR_SUB_EDIT && j->p.s.kind == GRS_FEED) {
			const json_t *f = gr_feeds_of_stream(&fs, &j->p.s, &rc);
			j->feed_name = f ? strdup(gr_str(f, "name", "")) : NULL;
		}
		gr_feeds_free(&fs);
		j->subs_edit = true;    /* on the loop: gr_done */
		return;
	}
	j->code = 200;
	if (j->route == GR_ATOM)
		gr_atom_work(s, j, &fs);
	else if (is_write(j->route))
		gr_write_work(s, j, &fs);
	else
		gr_read_work(s, j, &fs);
	gr_feeds_free(&fs);
}

static void send_text(struct http_conn *c, int code, const char *headers, const char *msg)
{
	char body[300];
	int n = snprintf(body, sizeof body, "%s\n", msg);
	http_reply(c, code, "text/plain; charset=utf-8", headers, body,
		   (size_t)n < sizeof body ? (size_t)n : sizeof body - 1);
}

/* A token's use that a read-only handle could not record, on its way
 * to the store thread. */
struct touch {
	struct storeq_job sq;
	char hash[65];
	int64_t now;
};

static void touch_work(struct store *s, void *arg)
{
	struct touch *t = arg;
	store_reader_token_touch(s, t->hash, t->now);
}

static void touch_done(void *arg)
{
	free(arg);
}

/* J's token was used on a read-only handle, its last use due to be
 * recorded: the store thread writes it (once an hour at most, as the
 * store thread's own calls: store_reader_token_find). */
static void touch(struct gr_job *j)
{
	struct touch *t = calloc(1, sizeof *t);
	if (!t)
		return;             /* the next read will try again */
	memcpy(t->hash, j->hash, sizeof t->hash);
	t->now = (int64_t)time(NULL);
	storeq_submit(j->r->d->storeq, &t->sq, touch_work, touch_done, t);
}

static void gr_done(void *arg)
{
	struct gr_job *j = arg;
	struct http_conn *c = j->conn;
	if (j->touch)
		touch(j);
	if (c && j->subs_edit) {
		gr_subs_start(j);       /* the connection's context until answered */
		return;
	}
	if (j->stale)
		log_notice("reader: a token of %s from before its reader_auth line changed "
			   "(user removed or password changed): refused", j->user);
	if (c) {
		http_conn_set_ctx(c, NULL);
		if (j->deny)
			reader_deny(j->r, c, true);
		else if (j->json)
			api_send_json(c, j->code, NULL, json_incref(j->json));
		else if (j->code == 200 && j->body.len)
			/* Taken over; streamed when long, as api_send_json's. */
			api_send_buf(c, 200, FMT_JSON, NULL, &j->body);
		else if (j->text)
			http_reply(c, j->code, j->ctype, NULL, j->text, j->tlen);
		else
			send_text(c, j->code ? j->code : 500,
				  j->bad_t ? "Google-Bad-Token: true\r\n" : NULL,
				  j->error ? j->error : "error");
	}
	gr_job_free(j);
}

/* --- where the work runs (on the loop) --- */

static void to_store_thread(struct gr_job *j)
{
	storeq_submit(j->r->d->storeq, &j->sq, gr_work, gr_done, j);
}

static struct gr_job *task_job(struct reader_task *t)
{
	return (struct gr_job *)((char *)t - offsetof(struct gr_job, task));
}

static void task_work(struct store *s, struct reader_task *t)
{
	gr_work(s, task_job(t));
}

static void task_done(struct reader_task *t)
{
	gr_done(task_job(t));
}

static void task_fallback(struct reader_task *t)
{
	to_store_thread(task_job(t));
}

/* J's store work: a write (or ClientLogin) on the store thread, in order;
 * a read on a free read-only handle, in arrival order. */
static void dispatch(struct gr_job *j)
{
	struct reader_api *r = j->r;
	/* The store thread's calls record the token's last use as they
	 * find it (ClientLogin, the T token, user-info and the writes); a
	 * read on the readers' handles, which only look, has it recorded
	 * after its answer when it is due (gr_done). */
	if (j->route == GR_LOGIN || j->route == GR_TOKEN || j->route == GR_USER_INFO ||
	    is_write(j->route)) {
		to_store_thread(j);
		return;
	}
	j->task.work = task_work;
	j->task.done = task_done;
	j->task.fallback = task_fallback;
	if (!reader_pool_submit(r, &j->task))
		to_store_thread(j);
}

void reader_gr_abort(void *ctx)
{
	struct gr_job *j = ctx;
	if (reader_pool_cancel(j->r, &j->task)) {
		/* Not started: nobody else holds it. */
		gr_job_free(j);
		return;
	}
	j->conn = NULL;   /* gr_done frees it */
}

void reader_gr_request(struct reader_api *r, struct http_conn *c,
		       const struct http_request *hr)
{
	const char *target = hr->target;
	size_t plen = strcspn(target, "?");
	const char *query = target[plen] ? target + plen + 1 : NULL;
	char *path = strndup(target, plen);
	enum gr_route route = GR__COUNT;
	char *stream = NULL;
	int rc = path ? gr_route(path, &route, &stream) : -ENOMEM;
	free(path);
	if (rc < 0) {
		send_text(c, rc == -EINVAL ? 400 : 404, NULL,
			  rc == -EINVAL ? "bad escape in the path" : "not found");
		return;
	}
	bool get = !strcmp(hr->method_name, "GET"), post = !strcmp(hr->method_name, "POST");
	if (is_write(route) ? !post : !(get || post)) {
		free(stream);
		send_text(c, 405, is_write(route) ? "Allow: POST\r\n" : "Allow: GET, POST\r\n",
			  "method not allowed");
		return;
	}
	struct gr_job *j = calloc(1, sizeof *j);
	if (!j) {
		free(stream);
		send_text(c, 500, NULL, "out of memory");
		return;
	}
	j->kind = RCTX_GR;
	j->conn = c;
	/* The credentials as they are now, for the token's check off the
	 * loop: a reload may replace R's meanwhile. */
	j->auth = reader_auth_ref(r->auth);
	j->titles = reader_titles_shared(r);
	j->r = r;
	j->route = route;
	const char *err = gr_params_parse(&j->p, query, post ? hr->body : NULL,
					  post ? hr->body_len : 0);
	if (!err && stream) {
		/* The path's stream, before s=. */
		free(j->p.s.arg);
		if (!gr_stream_parse(stream, &j->p.s))
			err = "not a stream id";
		j->p.has_s = true;
	}
	free(stream);
	if (err) {
		send_text(c, 400, NULL, err);
		gr_job_free(j);
		return;
	}
	if (route == GR_LOGIN) {
		const char *who = NULL;
		if (!reader_auth_check_login(r->auth, j->p.email, j->p.passwd, &who) ||
		    !(j->user = strdup(who)) || gr_token_new(j->tok, j->hash) < 0) {
			gr_job_free(j);
			reader_deny(r, c, true);
			return;
		}
		reader_auth_stamp(j->tok, strlen(j->tok), who, j->p.passwd, j->stamp);
		log_info("reader: ClientLogin of %s from %s: a new token", who, http_conn_peer(c));
	} else {
		if (!gr_auth_header_token(hr->authorization, j->given, j->hash)) {
			gr_job_free(j);
			reader_deny(r, c, true);
			return;
		}
		if (route == GR_TOKEN)
			gr_write_token(r, j->hash, 0, j->tok);
		if (is_write(route))
			j->t_ok = gr_write_token_ok(r, j->hash, j->p.T);
	}
	if (is_write(route))
		log_info("reader: POST %.*s from %s", (int)plen, target, http_conn_peer(c));
	http_conn_set_ctx(c, j);
	dispatch(j);
}
