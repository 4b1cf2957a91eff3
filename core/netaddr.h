/* netaddr.h — the address policy: which peer addresses a feed may connect to.
 *
 * Pure functions over a struct sockaddr (no libcurl, no libuv): the fetcher
 * calls them from CURLOPT_OPENSOCKETFUNCTION for every connect, so that a
 * feed URL, a redirect or a DNS answer cannot reach loopback, private,
 * link-local or other internal ranges unless the feed sets allow_private.
 * IPv6 forms that carry an IPv4 address (v4-mapped ::ffff:0:0/96,
 * v4-compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the
 * IPv4 address they carry. Nothing is allocated. */
#ifndef FEEDD_NETADDR_H
#define FEEDD_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum netaddr_class {
	NETADDR_PUBLIC = 0,      /* globally routable: always allowed */
	NETADDR_UNSPECIFIED,     /* 0.0.0.0, :: */
	NETADDR_THIS_NETWORK,    /* 0.0.0.0/8 */
	NETADDR_LOOPBACK,        /* 127/8, ::1 */
	NETADDR_PRIVATE,         /* 10/8, 172.16/12, 192.168/16, fec0::/10, 64:ff9b:1::/48 */
	NETADDR_LINK_LOCAL,      /* 169.254/16, fe80::/10 */
	NETADDR_CGNAT,           /* 100.64/10 (shared address space) */
	NETADDR_ULA,             /* fc00::/7 */
	NETADDR_MULTICAST,       /* 224/4, ff00::/8 */
	NETADDR_BROADCAST,       /* 255.255.255.255 */
	NETADDR_RESERVED,        /* 240/4, 192.0.0/24, 198.18/15, documentation,
	                          * 100::/64, 2001::/23, 2001:db8::/32 */
	NETADDR_OTHER_FAMILY,    /* neither AF_INET nor AF_INET6 */
	NETADDR__COUNT
};

/* Classifies SA (LEN bytes). A short or unknown sockaddr is
 * NETADDR_OTHER_FAMILY, which the policy refuses. */
enum netaddr_class netaddr_classify(const struct sockaddr *sa, size_t len);

/* "loopback", "private", "CGNAT", ... for messages. */
const char *netaddr_class_name(enum netaddr_class c);

/* The policy: true when a connect to SA is allowed. */
bool netaddr_allowed(const struct sockaddr *sa, size_t len, bool allow_private);

/* "127.0.0.1" / "::1" (no port) into BUF; returns BUF. BUF should hold
 * NETADDR_STRLEN bytes. */
#define NETADDR_STRLEN 64
char *netaddr_format(const struct sockaddr *sa, size_t len, char *buf, size_t buflen);

/* "HOST:PORT" or "[V6]:PORT" ([fe80::1%eth0]:PORT with a zone) into SA,
 * HOST a numeric address (no name is resolved), PORT 1 to 65535: what
 * [daemon] reader_listen takes. Returns 0 or -EINVAL. */
int netaddr_parse_listen(const char *spec, struct sockaddr_storage *sa);
/* Why SPEC is not one, or NULL (a config value's check, core/config_int.h). */
const char *netaddr_listen_problem(const char *spec, char *why, size_t whylen);
#define NETADDR_LISTEN_EXPECTED \
	"expected HOST:PORT with a numeric address (127.0.0.1:8080, [::1]:8080)"

#endif
