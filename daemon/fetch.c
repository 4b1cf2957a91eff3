/* fetch.c — libcurl multi on the libuv loop: one polite GET per struct fetch. */
#include "daemon/fetch.h"

#include <curl/curl.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/httphdr.h"
#include "core/log.h"
#include "core/netaddr.h"

#define ACCEPT "application/rss+xml, application/atom+xml, application/feed+json, " \
	"application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

/* At most this many reset easy handles are kept for reuse (struct fetcher). */
#define IDLE_HANDLES 16

/* Room for the first request, 5 followed redirects and the one refused. */
#define MAX_HOPS (FETCH_MAX_REDIRECTS + 2)

/* A socket feedd opened for libcurl (curl_opensocket_cb), by descriptor:
 * its poll is kept while libcurl keeps the connection between transfers,
 * rather than made and closed for each one (three epoll_ctl calls and a
 * malloc less per fetch on a reused connection), and closed with the
 * socket (curl_closesocket_cb). */
struct sockslot {
	struct sock *s;              /* the kept poll, or NULL */
	bool ours;                   /* opened by curl_opensocket_cb */
};

struct fetcher {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	struct fetch *head;          /* transfers in flight */
	size_t active;
	bool closing;
	struct sockslot *slots;      /* by descriptor */
	size_t nslots;
	/* Easy handles of finished transfers, reset (curl_easy_reset: every
	 * option, the auth state and the info back to their defaults), for
	 * the next transfers while others are under way: a handle made and
	 * freed per fetch was 4-5 % of a warm refresh's CPU. Freed
	 * when no transfer is left, so an idle daemon holds none. */
	CURL *idle[IDLE_HANDLES];
	size_t nidle;
};

struct sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct fetcher *f;
	int events;                  /* UV_READABLE/UV_WRITABLE libcurl asked for */
	bool removed;                /* being closed; freed on close */
};

struct fetch {
	struct fetcher *f;
	CURL *easy;
	struct curl_slist *hdrs;
	struct fetch_callbacks cb;
	void *ud;
	struct fetch *prev, *next;

	bool allow_private, skip_policy, is_file, conditional;
	bool policy_refused, too_big, body_aborted, head_sent;
	bool retried;                /* once more on a new connection */
	int64_t max_size;
	int64_t decoded;
	char policy_msg[256];
	char errbuf[CURL_ERROR_SIZE];

	/* The response being received, and the chain so far. */
	int status;
	char *cur_url;
	struct httphdr h;
	struct fetch_hop hops[MAX_HOPS];
	char *hop_urls[MAX_HOPS];
	size_t nhops;
};

const char *fetch_default_user_agent(void)
{
	return "feedd/" FEEDD_VERSION " (+" FEEDD_URL ")";
}

bool fetch_error_is_network(enum fetch_error e)
{
	return e == FETCH_ERR_DNS || e == FETCH_ERR_CONNECT;
}

const char *fetch_error_name(enum fetch_error e)
{
	static const char *const names[FETCH_ERR__COUNT] = {
		[FETCH_OK] = "ok",
		[FETCH_ERR_DNS] = "dns",
		[FETCH_ERR_CONNECT] = "connect",
		[FETCH_ERR_TIMEOUT] = "timeout",
		[FETCH_ERR_TLS] = "tls",
		[FETCH_ERR_POLICY] = "address policy",
		[FETCH_ERR_TOO_BIG] = "too big",
		[FETCH_ERR_REDIRECTS] = "redirects",
		[FETCH_ERR_PROTOCOL] = "protocol",
		[FETCH_ERR_BODY] = "body",
		[FETCH_ERR_PARTIAL] = "truncated",
	};
	return (unsigned)e < FETCH_ERR__COUNT ? names[e] : "unknown";
}

size_t fetcher_active(const struct fetcher *f)
{
	return f->active;
}

size_t fetcher_idle(const struct fetcher *f)
{
	return f->nidle;
}

/* --- the loop glue (STYLE.md recipe) --- */

static void drain(struct fetcher *f);

static void on_sock_close(uv_handle_t *h)
{
	free(h->data);
}

static void on_uv_poll(uv_poll_t *p, int status, int events)
{
	struct sock *s = p->data;
	struct fetcher *f = s->f;
	/* As curl's multi-uv.c: readable and writable only. On an error
	 * (a reset reused connection: the server closed it without saying
	 * "Connection: close") libuv passes no events and has stopped the
	 * poll; flags 0 make libcurl look at the socket itself, read the
	 * reset and retry on a fresh connection. CURL_CSELECT_ERR would fail
	 * the transfer instead ("select/poll returned error"). */
	int flags = 0;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	if (status < 0)   /* libuv says EBADF for any POLLERR */
		log_debug("fetch: socket %d in error, libcurl checks it", (int)s->fd);
	int running;
	curl_multi_socket_action(f->multi, s->fd, flags, &running);
	/* libuv stopped a poll that reported an error; when libcurl keeps the
	 * socket, watch it again for what libcurl last asked. */
	if (status < 0 && !s->removed && s->events)
		uv_poll_start(&s->poll, s->events, on_uv_poll);
	drain(f);
}

static struct sockslot *slot_of(struct fetcher *f, curl_socket_t fd, bool grow)
{
	if (fd < 0)
		return NULL;
	if ((size_t)fd >= f->nslots) {
		if (!grow)
			return NULL;
		size_t n = f->nslots ? f->nslots : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct sockslot *sl = realloc(f->slots, n * sizeof *sl);
		if (!sl)
			return NULL;
		memset(sl + f->nslots, 0, (n - f->nslots) * sizeof *sl);
		f->slots = sl;
		f->nslots = n;
	}
	return &f->slots[fd];
}

static void sock_close(struct sock *s)
{
	s->removed = true;
	uv_poll_stop(&s->poll);
	uv_close((uv_handle_t *)&s->poll, on_sock_close);
}

static int curl_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct fetcher *f = userp;
	struct sock *s = socketp;
	(void)easy;
	struct sockslot *sl = slot_of(f, fd, false);

	if (what == CURL_POLL_REMOVE) {
		if (s) {
			/* One of ours stays, unwatched, until libcurl closes it. */
			if (sl && sl->ours && sl->s == s) {
				s->events = 0;
				uv_poll_stop(&s->poll);
			} else {
				sock_close(s);
			}
			curl_multi_assign(f->multi, fd, NULL);
		}
		return 0;
	}
	if (!s && sl && sl->s) {
		s = sl->s;
		curl_multi_assign(f->multi, fd, s);
	}
	if (!s) {
		s = calloc(1, sizeof *s);
		if (!s)
			return -1;
		s->fd = fd;
		s->f = f;
		if (uv_poll_init_socket(f->loop, &s->poll, fd) < 0) {
			free(s);
			return -1;
		}
		s->poll.data = s;
		curl_multi_assign(f->multi, fd, s);
		if (sl && sl->ours)
			sl->s = s;
	}
	int events = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	s->events = events;
	uv_poll_start(&s->poll, events, on_uv_poll);
	return 0;
}

static void on_uv_timer(uv_timer_t *t)
{
	struct fetcher *f = t->data;
	int running;
	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(f);
}

static int curl_timer_cb(CURLM *multi, long ms, void *userp)
{
	struct fetcher *f = userp;
	(void)multi;
	if (ms < 0)
		uv_timer_stop(&f->timer);
	else
		uv_timer_start(&f->timer, on_uv_timer, ms ? (uint64_t)ms : 1, 0);
	return 0;
}

int fetcher_init(uv_loop_t *loop, struct fetcher **out)
{
	struct fetcher *f = calloc(1, sizeof *f);
	if (!f)
		return -ENOMEM;
	f->loop = loop;
	curl_global_init(CURL_GLOBAL_DEFAULT);   /* refcounted; paired in fetcher_close */
	f->multi = curl_multi_init();
	if (!f->multi) {
		curl_global_cleanup();
		free(f);
		return -ENOMEM;
	}
	uv_timer_init(loop, &f->timer);
	f->timer.data = f;
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	*out = f;
	return 0;
}

/* --- one transfer --- */

static void idle_release(struct fetcher *f)
{
	while (f->nidle)
		curl_easy_cleanup(f->idle[--f->nidle]);
}

static void fetch_free(struct fetch *fx)
{
	struct fetcher *f = fx->f;
	if (fx->prev)
		fx->prev->next = fx->next;
	else
		f->head = fx->next;
	if (fx->next)
		fx->next->prev = fx->prev;
	f->active--;
	if (fx->easy) {
		curl_multi_remove_handle(f->multi, fx->easy);
		if (!f->closing && f->active && f->nidle < IDLE_HANDLES) {
			curl_easy_reset(fx->easy);
			f->idle[f->nidle++] = fx->easy;
		} else {
			curl_easy_cleanup(fx->easy);
		}
	}
	if (!f->active)
		idle_release(f);
	curl_slist_free_all(fx->hdrs);
	httphdr_free(&fx->h);
	for (size_t i = 0; i < fx->nhops; i++)
		free(fx->hop_urls[i]);
	free(fx->cur_url);
	free(fx);
}

static char *resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *out = NULL, *s = NULL;
	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = strdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}

/* The URL the leading run of 301/308 leads to (what the feed has moved to). */
static const char *moved_url(const struct fetch *fx)
{
	const char *moved = NULL;
	for (size_t i = 0; i + 1 < fx->nhops; i++) {
		if (fx->hops[i].status != 301 && fx->hops[i].status != 308)
			break;
		moved = fx->hops[i + 1].url;
	}
	return moved;
}

static void fill_result(const struct fetch *fx, struct fetch_result *r)
{
	memset(r, 0, sizeof *r);
	r->status = fx->status;
	r->url = fx->cur_url;
	r->moved_url = moved_url(fx);
	r->hops = fx->hops;
	r->nhops = fx->nhops;
	r->conditional = fx->conditional;
	r->etag = httphdr_get(&fx->h, HTTPHDR_ETAG);
	r->last_modified = httphdr_get(&fx->h, HTTPHDR_LAST_MODIFIED);
	r->cache_control = httphdr_get(&fx->h, HTTPHDR_CACHE_CONTROL);
	r->expires = httphdr_get(&fx->h, HTTPHDR_EXPIRES);
	r->retry_after = httphdr_get(&fx->h, HTTPHDR_RETRY_AFTER);
	r->date = httphdr_get(&fx->h, HTTPHDR_DATE);
	r->content_type = httphdr_get(&fx->h, HTTPHDR_CONTENT_TYPE);
	r->content_location = httphdr_get(&fx->h, HTTPHDR_CONTENT_LOCATION);
	r->content_language = httphdr_get(&fx->h, HTTPHDR_CONTENT_LANGUAGE);
	r->content_encoding = httphdr_get(&fx->h, HTTPHDR_CONTENT_ENCODING);
	r->bytes_decoded = fx->decoded;
}

static bool is_2xx(int status)
{
	return status >= 200 && status < 300;
}

/* A new response begins: the chain grows by one hop, its headers start
 * afresh. 1xx interim responses are not hops. */
static void begin_response(struct fetch *fx, int status)
{
	if (status >= 100 && status < 200)
		return;
	/* The previous hop was a redirect: this response is for its Location. */
	if (fx->nhops > 0) {
		struct fetch_hop *prev = &fx->hops[fx->nhops - 1];
		const char *loc = httphdr_get(&fx->h, HTTPHDR_LOCATION);
		if (prev->status >= 300 && prev->status < 400 && loc) {
			char *next = resolve(fx->cur_url, loc);
			if (next) {
				free(fx->cur_url);
				fx->cur_url = next;
			}
		}
	}
	httphdr_reset(&fx->h);
	fx->status = status;
	if (fx->nhops < MAX_HOPS) {
		fx->hop_urls[fx->nhops] = strdup(fx->cur_url ? fx->cur_url : "");
		fx->hops[fx->nhops].status = status;
		fx->hops[fx->nhops].url = fx->hop_urls[fx->nhops];
		fx->nhops++;
	}
}

/* Sees every header line of every response (redirects included). */
static size_t curl_header_cb(char *buf, size_t size, size_t nitems, void *userp)
{
	struct fetch *fx = userp;
	size_t len = size * nitems;
	int status;
	if (httphdr_line(&fx->h, buf, len, &status) == 1)
		begin_response(fx, status);
	return len;
}

/* Hands body bytes to on_head (once) and on_body; false when they ask to
 * stop. */
static bool deliver(struct fetch *fx, const char *ptr, size_t len)
{
	if (!fx->head_sent) {
		fx->head_sent = true;
		if (fx->cb.on_head) {
			struct fetch_result r;
			fill_result(fx, &r);
			if (fx->cb.on_head(fx->ud, &r) < 0) {
				fx->body_aborted = true;
				return false;
			}
		}
	}
	if (fx->cb.on_body && fx->cb.on_body(fx->ud, ptr, len) < 0) {
		fx->body_aborted = true;
		return false;
	}
	return true;
}

static size_t curl_write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct fetch *fx = userp;
	size_t len = size * nmemb;
	fx->decoded += (int64_t)len;
	/* libcurl's MAXFILESIZE does not see decoded or chunked bytes: count
	 * here. The bytes up to the cap still go to on_body, so that what
	 * was read of the document can be used (the scheduler keeps its
	 * complete items). */
	if (fx->max_size > 0 && fx->decoded > fx->max_size) {
		size_t over = (size_t)(fx->decoded - fx->max_size);
		fx->too_big = true;
		if (over < len && (fx->is_file || is_2xx(fx->status)))
			deliver(fx, ptr, len - over);
		return 0;
	}
	if (!fx->is_file && !is_2xx(fx->status))
		return len;   /* an error page is not a feed */
	return deliver(fx, ptr, len) ? len : 0;
}

/* Whether the address policy lets FX talk to SA; when not, says why in
 * fx->policy_msg. */
static bool policy_allows(struct fetch *fx, const struct sockaddr *sa, size_t len)
{
	if (fx->skip_policy || netaddr_allowed(sa, len, fx->allow_private))
		return true;
	char ip[NETADDR_STRLEN];
	enum netaddr_class c = netaddr_classify(sa, len);
	netaddr_format(sa, len, ip, sizeof ip);
	snprintf(fx->policy_msg, sizeof fx->policy_msg,
		 "refused to connect to %s (%s address); set allow_private = yes for "
		 "this feed (or in [defaults]) to allow it", ip, netaddr_class_name(c));
	fx->policy_refused = true;
	return false;
}

static curl_socket_t curl_opensocket_cb(void *clientp, curlsocktype purpose,
					struct curl_sockaddr *a)
{
	struct fetch *fx = clientp;
	(void)purpose;
	if (!policy_allows(fx, &a->addr, a->addrlen))
		return CURL_SOCKET_BAD;
	curl_socket_t fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	struct sockslot *sl = fd >= 0 ? slot_of(fx->f, fd, true) : NULL;
	if (sl)
		*sl = (struct sockslot){.ours = true};
	return fd;
}

/* Before each request, on a new connection or one kept from another
 * transfer: libcurl's connection cache is shared by every feed, and a
 * kept connection opens no socket, so the policy is checked again on the
 * address the request is about to go to. A feed that may not reach a
 * private address must not reach it through a connection a feed that may
 * (allow_private = yes) left open. */
static int curl_prereq_cb(void *clientp, char *primary_ip, char *local_ip, int primary_port,
			  int local_port)
{
	struct fetch *fx = clientp;
	(void)local_ip, (void)primary_port, (void)local_port;
	if (fx->skip_policy)
		return CURL_PREREQFUNC_OK;
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	size_t len;
	if (inet_pton(AF_INET, primary_ip, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		len = sizeof *in4;
	} else if (inet_pton(AF_INET6, primary_ip, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		len = sizeof *in6;
	} else {
		snprintf(fx->policy_msg, sizeof fx->policy_msg,
			 "refused to send to \"%s\", an address the policy cannot judge",
			 primary_ip);
		fx->policy_refused = true;
		return CURL_PREREQFUNC_ABORT;
	}
	return policy_allows(fx, (struct sockaddr *)&ss, len) ? CURL_PREREQFUNC_OK
							       : CURL_PREREQFUNC_ABORT;
}

/* libcurl closes a socket curl_opensocket_cb opened: its kept poll first. */
static int curl_closesocket_cb(void *clientp, curl_socket_t fd)
{
	struct fetcher *f = clientp;
	struct sockslot *sl = slot_of(f, fd, false);
	if (sl) {
		if (sl->s)
			sock_close(sl->s);
		*sl = (struct sockslot){0};
	}
	return close(fd);
}

static enum fetch_error classify(const struct fetch *fx, CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return FETCH_OK;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return FETCH_ERR_DNS;
	case CURLE_COULDNT_CONNECT:
		return fx->policy_refused ? FETCH_ERR_POLICY : FETCH_ERR_CONNECT;
	case CURLE_ABORTED_BY_CALLBACK:   /* curl_prereq_cb, on a kept connection */
		return fx->policy_refused ? FETCH_ERR_POLICY : FETCH_ERR_PROTOCOL;
	case CURLE_OPERATION_TIMEDOUT:
		return FETCH_ERR_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return FETCH_ERR_TLS;
	case CURLE_WRITE_ERROR:
		if (fx->too_big)
			return FETCH_ERR_TOO_BIG;
		return FETCH_ERR_BODY;
	case CURLE_TOO_MANY_REDIRECTS:
		return FETCH_ERR_REDIRECTS;
	case CURLE_FILESIZE_EXCEEDED:
		return FETCH_ERR_TOO_BIG;
	case CURLE_PARTIAL_FILE:
		return FETCH_ERR_PARTIAL;
	default:
		return FETCH_ERR_PROTOCOL;
	}
}

static void finish(struct fetch *fx, CURLcode rc)
{
	struct fetch_result r;
	char msg[512];
	fill_result(fx, &r);
	r.error = classify(fx, rc);
	if (fx->is_file && rc == CURLE_OK)
		r.status = 200;
	if (r.error == FETCH_OK && r.status == 0) {
		long code = 0;
		curl_easy_getinfo(fx->easy, CURLINFO_RESPONSE_CODE, &code);
		r.status = (int)code;
	}
	if (r.error != FETCH_OK) {
		if (r.error == FETCH_ERR_POLICY)
			snprintf(msg, sizeof msg, "%s", fx->policy_msg);
		else if (r.error == FETCH_ERR_TOO_BIG)
			snprintf(msg, sizeof msg, "body larger than max_size (%lld bytes)",
				 (long long)fx->max_size);
		else if (r.error == FETCH_ERR_REDIRECTS)
			snprintf(msg, sizeof msg, "more than %d redirects", FETCH_MAX_REDIRECTS);
		else if (r.error == FETCH_ERR_BODY)
			snprintf(msg, sizeof msg, "stopped reading: not a usable feed");
		else if (rc == CURLE_OUT_OF_MEMORY && !fx->errbuf[0])
			/* libcurl before 8.6 says "Out of memory" when a response
			 * header line passes its 100 KiB buffer, without a message
			 * of its own; a real shortage would not stop there. */
			snprintf(msg, sizeof msg, "response header too large");
		else
			snprintf(msg, sizeof msg, "%s", fx->errbuf[0] ? fx->errbuf : curl_easy_strerror(rc));
		r.error_msg = msg;
	}
	curl_off_t body = 0;
	long head = 0;
	curl_easy_getinfo(fx->easy, CURLINFO_SIZE_DOWNLOAD_T, &body);
	curl_easy_getinfo(fx->easy, CURLINFO_HEADER_SIZE, &head);
	r.bytes_wire = (int64_t)body + head;
	/* Remove before the callback, so that on_done may start new transfers
	 * against a multi that no longer counts this one. */
	curl_multi_remove_handle(fx->f->multi, fx->easy);
	if (fx->cb.on_done)
		fx->cb.on_done(fx->ud, &r);
	fetch_free(fx);
}

/* A kept-alive connection that answers with bytes that are no HTTP
 * response — what a previous response's too short Content-Length left
 * unread ("Received HTTP/0.9") — or that died under the request again
 * and again (libcurl retries on other pooled connections, which a server
 * closing idle ones may all have closed: "Connection died, tried 5
 * times") is not this feed's fault: the request goes once more, on a new
 * connection. Only when nothing of this transfer was seen yet, so that it
 * starts afresh, and only when every try was on a reused connection. */
static bool retry_fresh(struct fetch *fx, CURLcode rc)
{
	long connects = -1;
	if (fx->retried || fx->is_file || fx->nhops || fx->decoded || fx->policy_refused ||
	    (rc != CURLE_UNSUPPORTED_PROTOCOL && rc != CURLE_WEIRD_SERVER_REPLY &&
	     rc != CURLE_SEND_ERROR && rc != CURLE_RECV_ERROR && rc != CURLE_GOT_NOTHING) ||
	    curl_easy_getinfo(fx->easy, CURLINFO_NUM_CONNECTS, &connects) != CURLE_OK ||
	    connects != 0)
		return false;
	fx->retried = true;
	log_debug("fetch %s: %s on a reused connection; again on a new one", fx->cur_url,
		  fx->errbuf[0] ? fx->errbuf : curl_easy_strerror(rc));
	curl_multi_remove_handle(fx->f->multi, fx->easy);
	fx->errbuf[0] = '\0';
	httphdr_reset(&fx->h);
	fx->status = 0;
	curl_easy_setopt(fx->easy, CURLOPT_FRESH_CONNECT, 1L);
	return curl_multi_add_handle(fx->f->multi, fx->easy) == CURLM_OK;
}

static void drain(struct fetcher *f)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(f->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *easy = m->easy_handle;
		CURLcode rc = m->data.result;
		struct fetch *fx = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&fx);
		if (fx && !retry_fresh(fx, rc))
			finish(fx, rc);
	}
}

/* A header value taken from a response must not smuggle a line break. */
static bool header_safe(const char *s)
{
	return s && *s && !strpbrk(s, "\r\n");
}

static int add_header(struct fetch *fx, const char *name, const char *value)
{
	size_t n = strlen(name) + 2 + strlen(value) + 1;
	char *line = malloc(n);
	if (!line)
		return -ENOMEM;
	snprintf(line, n, "%s: %s", name, value);
	struct curl_slist *l = curl_slist_append(fx->hdrs, line);
	free(line);
	if (!l)
		return -ENOMEM;
	fx->hdrs = l;
	return 0;
}

static int setup(struct fetch *fx, const struct fetch_request *req)
{
	CURL *e = fx->easy;
	int rc = 0;
	fx->is_file = strncasecmp(req->url, "file:", 5) == 0;
	if (fx->is_file)
		fx->status = 200;   /* no status line: a readable file is a 200 */
	fx->allow_private = req->allow_private;
	/* A configured proxy is where every connect goes; the policy is then
	 * the proxy's to enforce (its own address is the user's choice). */
	fx->skip_policy = (req->proxy && *req->proxy) || fx->is_file;
	fx->max_size = req->max_size;

	if (header_safe(req->etag)) {
		rc |= add_header(fx, "If-None-Match", req->etag);
		fx->conditional = true;
	}
	if (header_safe(req->last_modified)) {
		rc |= add_header(fx, "If-Modified-Since", req->last_modified);
		fx->conditional = true;
	}
	rc |= add_header(fx, "Accept", ACCEPT);
	for (const char *const *h = req->headers; h && *h; h++) {
		if (!header_safe(*h))
			continue;
		struct curl_slist *l = curl_slist_append(fx->hdrs, *h);
		if (!l)
			return -ENOMEM;
		fx->hdrs = l;
	}
	if (rc)
		return -ENOMEM;

	CURLcode c = CURLE_OK;
#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PRIVATE, fx);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, fx->errbuf);
	SET(CURLOPT_WRITEFUNCTION, curl_write_cb);
	SET(CURLOPT_WRITEDATA, fx);
	SET(CURLOPT_HEADERFUNCTION, curl_header_cb);
	SET(CURLOPT_HEADERDATA, fx);
	SET(CURLOPT_OPENSOCKETFUNCTION, curl_opensocket_cb);
	SET(CURLOPT_OPENSOCKETDATA, fx);
	SET(CURLOPT_PREREQFUNCTION, curl_prereq_cb);
	SET(CURLOPT_PREREQDATA, fx);
	SET(CURLOPT_CLOSESOCKETFUNCTION, curl_closesocket_cb);
	SET(CURLOPT_CLOSESOCKETDATA, fx->f);
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRECTS);
	SET(CURLOPT_PROTOCOLS_STR, fx->is_file ? "file" : "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_CONNECTTIMEOUT, (long)FETCH_CONNECT_TIMEOUT);
	SET(CURLOPT_TIMEOUT, (long)(req->timeout > 0 ? req->timeout : 60));
	SET(CURLOPT_LOW_SPEED_LIMIT, (long)FETCH_LOW_SPEED_LIMIT);
	SET(CURLOPT_LOW_SPEED_TIME, (long)FETCH_LOW_SPEED_TIME);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_USERAGENT, req->user_agent ? req->user_agent : fetch_default_user_agent());
	SET(CURLOPT_HTTPHEADER, fx->hdrs);
	SET(CURLOPT_PROXY, req->proxy ? req->proxy : "");
	SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	if (req->userpwd) {
		SET(CURLOPT_USERPWD, req->userpwd);
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
#undef SET
	if (c != CURLE_OK) {
		log_err("fetch %s: %s", req->url, curl_easy_strerror(c));
		return -EINVAL;
	}
	return 0;
}

int fetch_start(struct fetcher *f, const struct fetch_request *req,
		const struct fetch_callbacks *cb, void *ud, struct fetch **out)
{
	if (f->closing || !req->url)
		return -EINVAL;
	struct fetch *fx = calloc(1, sizeof *fx);
	if (!fx)
		return -ENOMEM;
	fx->f = f;
	fx->cb = *cb;
	fx->ud = ud;
	fx->cur_url = strdup(req->url);
	/* Linked before anything can fail, so fetch_free has one shape. */
	fx->next = f->head;
	if (f->head)
		f->head->prev = fx;
	f->head = fx;
	f->active++;
	fx->easy = f->nidle ? f->idle[--f->nidle] : curl_easy_init();
	int rc = fx->easy && fx->cur_url ? setup(fx, req) : -ENOMEM;
	if (rc == 0 && curl_multi_add_handle(f->multi, fx->easy) != CURLM_OK)
		rc = -ENOMEM;
	if (rc < 0) {
		fetch_free(fx);
		return rc;
	}
	if (out)
		*out = fx;
	return 0;
}

void fetch_cancel(struct fetch *fx)
{
	fetch_free(fx);
}

static void on_timer_close(uv_handle_t *h)
{
	free(h->data);
}

void fetcher_close(struct fetcher *f)
{
	if (!f)
		return;
	f->closing = true;
	/* The last fetch_free leaves no idle handle: none are kept without a
	 * transfer in flight. */
	while (f->head)
		fetch_free(f->head);
	/* While the loop still runs: the socket callbacks close their polls. */
	curl_multi_cleanup(f->multi);
	f->multi = NULL;
	for (size_t i = 0; i < f->nslots; i++)
		if (f->slots[i].s)
			sock_close(f->slots[i].s);
	free(f->slots);
	f->slots = NULL;
	f->nslots = 0;
	curl_global_cleanup();
	uv_timer_stop(&f->timer);
	uv_close((uv_handle_t *)&f->timer, on_timer_close);
}
