/* feedcheck.c — one bounded fetch of a URL by feedctl, pushed through the
 * feed parser as it arrives. */
#include "cli/feedcheck.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/netaddr.h"
#include "core/parse.h"
#include "core/strbuf.h"

struct check {
	CURL *h;
	struct parser *p;        /* made at the first body byte, when the headers are known */
	char ctype[256];         /* Content-Type of the last response (redirects reset it) */
	size_t bytes;
	int perr;
	bool allow_private;
	size_t keep;             /* bytes of the body to keep */
	struct strbuf page;
	char policy_msg[256];    /* why a connect was refused */
};

static size_t on_curl_header(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct check *ck = userdata;
	size_t n = size * nitems;
	if (n > 5 && strncmp(buf, "HTTP/", 5) == 0)
		ck->ctype[0] = '\0';
	else if (n > 13 && strncasecmp(buf, "content-type:", 13) == 0)
		snprintf(ck->ctype, sizeof ck->ctype, "%.*s", (int)strcspn(buf + 13, "\r\n"),
			 buf + 13 + strspn(buf + 13, " \t"));
	return n;
}

static size_t on_curl_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct check *ck = userdata;
	size_t n = size * nmemb;
	ck->bytes += n;
	if (ck->bytes > FEEDCHECK_MAX_BYTES)
		return 0;
	if (!ck->p) {
		char *eff = NULL;
		curl_easy_getinfo(ck->h, CURLINFO_EFFECTIVE_URL, &eff);
		struct parse_opts po = {.url = eff, .content_type = ck->ctype[0] ? ck->ctype : NULL};
		if (!(ck->p = parse_new(&po)))
			return 0;
	}
	if (ck->perr == 0)
		ck->perr = parse_chunk(ck->p, ptr, n);
	if (ck->page.len < ck->keep)
		strbuf_put(&ck->page, ptr, n < ck->keep - ck->page.len ? n : ck->keep - ck->page.len);
	return n;
}

/* The daemon's address policy (docs/fetching.md) on every connect: the
 * first, each redirect's, each address a name resolves to. */
static curl_socket_t on_curl_opensocket(void *clientp, curlsocktype purpose,
					struct curl_sockaddr *a)
{
	struct check *ck = clientp;
	(void)purpose;
	if (!netaddr_allowed(&a->addr, a->addrlen, ck->allow_private)) {
		char ip[NETADDR_STRLEN];
		enum netaddr_class c = netaddr_classify(&a->addr, a->addrlen);
		netaddr_format(&a->addr, a->addrlen, ip, sizeof ip);
		snprintf(ck->policy_msg, sizeof ck->policy_msg,
			 "refused to connect to %s (%s address), as feedd would; give "
			 "--allow-private (or set allow_private = yes in [defaults]) to allow it", ip, netaddr_class_name(c));
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static int set_err(struct feedcheck *out, enum feedcheck_result r, const char *msg)
{
	out->result = r;
	return (out->err = strdup(msg)) ? 0 : -ENOMEM;
}

int feedcheck_run(const char *url, const struct feedcheck_opts *o, struct feedcheck *out)
{
	memset(out, 0, sizeof *out);
	CURL *h = curl_easy_init();
	if (!h)
		return -ENOMEM;
	char ua[128];
	snprintf(ua, sizeof ua, "feedd/%s (+%s) feedctl", FEEDD_VERSION, FEEDD_URL);
	char errbuf[CURL_ERROR_SIZE] = "";
	struct check ck = {.h = h, .allow_private = o->allow_private, .keep = o->keep_page};
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, strncmp(url, "file:", 5) ? "http,https" : "file");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, o->timeout_s > 0 ? o->timeout_s : 60L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_curl_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &ck);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_curl_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &ck);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_curl_opensocket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &ck);
	CURLcode cr = curl_easy_perform(h);
	long status = 0;
	char *eff = NULL;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
	out->url = strdup(eff ? eff : url);
	out->content_type = ck.ctype[0] ? strdup(ck.ctype) : NULL;
	curl_easy_cleanup(h);
	int r = out->url ? 0 : -ENOMEM;
	if (r < 0) {
		/* out of memory: nothing more to say */
	} else if (cr != CURLE_OK) {
		r = set_err(out, FEEDCHECK_FETCH_FAILED, ck.bytes > FEEDCHECK_MAX_BYTES ?
			    "larger than 16 MiB" : *ck.policy_msg ? ck.policy_msg :
			    *errbuf ? errbuf : curl_easy_strerror(cr));
	} else if (status && (status < 200 || status > 299)) {
		char msg[32];
		snprintf(msg, sizeof msg, "HTTP %ld", status);
		r = set_err(out, FEEDCHECK_FETCH_FAILED, msg);
	} else {
		if (!ck.p) {
			struct parse_opts po = {.url = url};
			ck.p = parse_new(&po);   /* an empty body: let the parser say so */
		}
		char *err = NULL;
		if (!ck.p || parse_finish(ck.p, &out->doc, &err) < 0) {
			r = set_err(out, FEEDCHECK_NOT_FEED, err ? err : "parse error");
			out->page = ck.page.s;
			out->page_len = ck.page.len;
			ck.page.s = NULL;
		}
		free(err);
	}
	parse_free(ck.p);
	free(ck.page.s);
	if (r < 0)
		feedcheck_clear(out);
	return r;
}

void feedcheck_clear(struct feedcheck *c)
{
	doc_free(c->doc);
	free(c->err);
	free(c->url);
	free(c->content_type);
	free(c->page);
	memset(c, 0, sizeof *c);
}
