/* netaddr.c — classifies peer addresses for the fetcher's address policy. */
#include "core/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A prefix of the IPv4 space: ADDR/BITS in host byte order. */
struct v4_range {
	uint32_t addr;
	unsigned bits;
	enum netaddr_class cls;
};

/* Most specific first where ranges nest (192.0.0/24 before nothing else
 * overlaps; order only matters for readability). */
static const struct v4_range v4_ranges[] = {
	{ 0x00000000, 32, NETADDR_UNSPECIFIED },   /* 0.0.0.0 */
	{ 0x00000000, 8,  NETADDR_THIS_NETWORK },  /* 0.0.0.0/8 */
	{ 0x0a000000, 8,  NETADDR_PRIVATE },       /* 10/8 */
	{ 0x64400000, 10, NETADDR_CGNAT },         /* 100.64/10 */
	{ 0x7f000000, 8,  NETADDR_LOOPBACK },      /* 127/8 */
	{ 0xa9fe0000, 16, NETADDR_LINK_LOCAL },    /* 169.254/16 */
	{ 0xac100000, 12, NETADDR_PRIVATE },       /* 172.16/12 */
	{ 0xc0000000, 24, NETADDR_RESERVED },      /* 192.0.0/24 IETF */
	{ 0xc0000200, 24, NETADDR_RESERVED },      /* 192.0.2/24 TEST-NET-1 */
	{ 0xc0586300, 24, NETADDR_RESERVED },      /* 192.88.99/24 6to4 relay */
	{ 0xc0a80000, 16, NETADDR_PRIVATE },       /* 192.168/16 */
	{ 0xc6120000, 15, NETADDR_RESERVED },      /* 198.18/15 benchmarking */
	{ 0xc6336400, 24, NETADDR_RESERVED },      /* 198.51.100/24 TEST-NET-2 */
	{ 0xcb007100, 24, NETADDR_RESERVED },      /* 203.0.113/24 TEST-NET-3 */
	{ 0xe0000000, 4,  NETADDR_MULTICAST },     /* 224/4 */
	{ 0xffffffff, 32, NETADDR_BROADCAST },     /* 255.255.255.255 */
	{ 0xf0000000, 4,  NETADDR_RESERVED },      /* 240/4 */
};

static enum netaddr_class classify_v4(uint32_t a)
{
	for (size_t i = 0; i < sizeof v4_ranges / sizeof v4_ranges[0]; i++) {
		const struct v4_range *r = &v4_ranges[i];
		uint32_t mask = r->bits ? ~(uint32_t)0 << (32 - r->bits) : 0;
		if ((a & mask) == r->addr)
			return r->cls;
	}
	return NETADDR_PUBLIC;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static enum netaddr_class classify_v6(const uint8_t *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

	if (all_zero(a, 16))
		return NETADDR_UNSPECIFIED;
	if (all_zero(a, 15) && a[15] == 1)
		return NETADDR_LOOPBACK;
	/* Forms that carry an IPv4 address: judged by that address, since the
	 * kernel (mapped) or a translator (NAT64, 6to4) delivers it there. */
	if (memcmp(a, mapped, 12) == 0 || all_zero(a, 12) || memcmp(a, nat64, 12) == 0)
		return classify_v4(be32(a + 12));
	if (a[0] == 0x20 && a[1] == 0x02)
		return classify_v4(be32(a + 2));
	if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0x00 &&
	    a[5] == 0x01)
		return NETADDR_PRIVATE;             /* 64:ff9b:1::/48 local NAT64 */
	if ((a[0] & 0xfe) == 0xfc)
		return NETADDR_ULA;                 /* fc00::/7 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return NETADDR_LINK_LOCAL;          /* fe80::/10 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return NETADDR_PRIVATE;             /* fec0::/10 site-local */
	if (a[0] == 0xff)
		return NETADDR_MULTICAST;
	if (a[0] == 0x01 && a[1] == 0x00 && all_zero(a + 2, 6))
		return NETADDR_RESERVED;            /* 100::/64 discard */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return NETADDR_RESERVED;            /* 2001:db8::/32 documentation */
	if (a[0] == 0x20 && a[1] == 0x01 && (a[2] & 0xfe) == 0x00)
		return NETADDR_RESERVED;            /* 2001::/23 IETF (Teredo, ...) */
	if ((a[0] & 0xe0) != 0x20)
		return NETADDR_RESERVED;            /* outside 2000::/3 global unicast */
	return NETADDR_PUBLIC;
}

enum netaddr_class netaddr_classify(const struct sockaddr *sa, size_t len)
{
	if (!sa || len < sizeof(sa_family_t))
		return NETADDR_OTHER_FAMILY;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return classify_v4(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		return classify_v6(in6->sin6_addr.s6_addr);
	}
	return NETADDR_OTHER_FAMILY;
}

const char *netaddr_class_name(enum netaddr_class c)
{
	static const char *const names[NETADDR__COUNT] = {
		[NETADDR_PUBLIC] = "public",
		[NETADDR_UNSPECIFIED] = "unspecified",
		[NETADDR_THIS_NETWORK] = "this-network",
		[NETADDR_LOOPBACK] = "loopback",
		[NETADDR_PRIVATE] = "private",
		[NETADDR_LINK_LOCAL] = "link-local",
		[NETADDR_CGNAT] = "CGNAT",
		[NETADDR_ULA] = "unique-local",
		[NETADDR_MULTICAST] = "multicast",
		[NETADDR_BROADCAST] = "broadcast",
		[NETADDR_RESERVED] = "reserved",
		[NETADDR_OTHER_FAMILY] = "non-IP",
	};
	return (unsigned)c < NETADDR__COUNT ? names[c] : "unknown";
}

bool netaddr_allowed(const struct sockaddr *sa, size_t len, bool allow_private)
{
	enum netaddr_class c = netaddr_classify(sa, len);
	if (c == NETADDR_PUBLIC)
		return true;
	/* allow_private opens the internal ranges, never the nonsense ones. */
	if (allow_private)
		return c != NETADDR_OTHER_FAMILY && c != NETADDR_MULTICAST &&
		       c != NETADDR_BROADCAST;
	return false;
}

char *netaddr_format(const struct sockaddr *sa, size_t len, char *buf, size_t buflen)
{
	if (!buflen)
		return buf;
	buf[0] = '\0';
	if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
			  (socklen_t)buflen);
	else if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)buflen);
	else
		snprintf(buf, buflen, "(family %d)", sa && len >= sizeof(sa_family_t) ? sa->sa_family : -1);
	return buf;
}

/* The [V6] part without brackets, "%ZONE" allowed. */
static int parse_v6(char *host, int port, struct sockaddr_in6 *a)
{
	char *zone = strchr(host, '%');
	if (zone) {
		*zone++ = '\0';
		if (!*zone || !(a->sin6_scope_id = if_nametoindex(zone)))
			return -EINVAL;
	}
	if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
		return -EINVAL;
	a->sin6_family = AF_INET6;
	a->sin6_port = htons((uint16_t)port);
	return 0;
}

int netaddr_parse_listen(const char *spec, struct sockaddr_storage *sa)
{
	char host[64];
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host)
		return -EINVAL;
	size_t hl = (size_t)(colon - spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	int port = 0;
	const char *p = colon + 1;
	if (!*p || strlen(p) > 5)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		port = port * 10 + (*p - '0');
	}
	if (port < 1 || port > 65535)
		return -EINVAL;
	memset(sa, 0, sizeof *sa);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		return parse_v6(host + 1, port, (struct sockaddr_in6 *)sa);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)sa;
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -EINVAL;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	return 0;
}

const char *netaddr_listen_problem(const char *spec, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	struct sockaddr_storage sa;
	return netaddr_parse_listen(spec, &sa) < 0 ? NETADDR_LISTEN_EXPECTED : NULL;
}
