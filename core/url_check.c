/* url_check.c — whether a URL from feeds.conf can be fetched, and a proxy
 * used, as libcurl will take them: checked when the config is read (and
 * by the writer of feeds.conf) so that a value libcurl would refuse at
 * every fetch is a config error instead. Pure string rules, calibrated
 * on libcurl's URL parser (7.88): the host characters it refuses, the
 * port range, an IPv6 literal. */
#include "core/url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool has_space_or_ctl(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c <= ' ' || *c == 0x7f)
			return true;
	return false;
}

/* [USERINFO@]HOST[:PORT] in AUTH..END: NULL, or why not. */
static const char *authority_problem(const char *auth, const char *end, char *why, size_t whylen)
{
	/* The user part ends at the first '@', as for libcurl: a host with
	 * another one ("a@b@host") is refused below. */
	const char *at = memchr(auth, '@', (size_t)(end - auth));
	const char *host = at ? at + 1 : auth;
	const char *port = NULL;
	if (host < end && *host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));
		char v6[64];
		size_t n = close ? (size_t)(close - host - 1) : 0;
		if (!close || !n || n >= sizeof v6)
			return "has an IPv6 address that is not one";
		memcpy(v6, host + 1, n);
		v6[n] = '\0';
		v6[strcspn(v6, "%")] = '\0';    /* a zone: %25eth0, or %eth0 */
		struct in6_addr a;
		if (inet_pton(AF_INET6, v6, &a) != 1)
			return "has an IPv6 address that is not one";
		if (close + 1 < end && close[1] != ':')
			return "has text after the ] of its IPv6 address";
		port = close + 1 < end ? close + 2 : NULL;
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));
		const char *hend = colon ? colon : end;
		if (hend == host)
			return "has no host";
		for (const char *c = host; c < hend; c++) {
			/* libcurl decodes %XX in a host first, then checks. */
			unsigned char ch = (unsigned char)*c;
			if (ch == '%' && c + 2 < hend && isxdigit((unsigned char)c[1]) &&
			    isxdigit((unsigned char)c[2])) {
				char hex[3] = {c[1], c[2], 0};
				ch = (unsigned char)strtol(hex, NULL, 16);
				c += 2;
			}
			if (ch <= ' ' || ch == 0x7f || strchr("!\"$&'()*+,;<=>[\\]^`{}@%/?#", ch)) {
				if (ch > ' ' && ch != 0x7f)
					snprintf(why, whylen, "has a '%c' in its host name", ch);
				else
					snprintf(why, whylen, "has a space or control character in its "
						 "host name");
				return why;
			}
		}
		port = colon ? colon + 1 : NULL;
	}
	if (!port || port == end)
		return NULL;                /* none, or "host:": the scheme's */
	long n = 0;
	for (const char *c = port; c < end; c++) {
		if (*c < '0' || *c > '9')
			return "has a port that is not a number";
		if (n <= 65535)
			n = n * 10 + (*c - '0');
	}
	if (n < 1 || n > 65535) {
		snprintf(why, whylen, "port %.*s is out of range (1 to 65535)",
			 (int)(end - port > 12 ? 12 : end - port), port);
		return why;
	}
	return NULL;
}

const char *url_problem(const char *url, bool file_ok, char *why, size_t whylen)
{
	if (has_space_or_ctl(url))
		return "contains spaces or control characters";
	const char *rest;
	if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (file_ok && strncasecmp(url, "file://", 7) == 0)
		return url[7] == '/' ? NULL : "a file URL needs an absolute path (file:///...)";
	else
		return file_ok ? "must start with http://, https:// or file://"
			       : "must start with http:// or https://";
	return authority_problem(rest, rest + strcspn(rest, "/?#"), why, whylen);
}

const char *url_proxy_problem(const char *proxy, char *why, size_t whylen)
{
	static const char *const schemes[] = {
		"http", "https", "socks4", "socks4a", "socks5", "socks5h",
	};
	if (has_space_or_ctl(proxy))
		return "is not [SCHEME://][USER:PASSWORD@]HOST[:PORT] (it contains spaces or "
		       "control characters)";
	const char *rest = proxy;
	const char *sep = strstr(proxy, "://");
	if (sep) {
		size_t n = (size_t)(sep - proxy);
		bool known = false;
		for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
			known |= strlen(schemes[i]) == n && strncasecmp(proxy, schemes[i], n) == 0;
		if (!known) {
			snprintf(why, whylen, "the scheme \"%.*s\" is not a proxy's (use "
				 URL_PROXY_SCHEMES ")", (int)(n > 16 ? 16 : n), proxy);
			return why;
		}
		rest = sep + 3;
	}
	size_t alen = strcspn(rest, "/?#");
	if (rest[alen] == '?' || rest[alen] == '#')
		return "is not [SCHEME://][USER:PASSWORD@]HOST[:PORT]";
	return authority_problem(rest, rest + alen, why, whylen);
}
