/* test_netaddr.c — the address policy: every internal range refused, public
 * addresses allowed, IPv6 forms of IPv4 judged by the address they carry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/netaddr.h"

static enum netaddr_class cls(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (strchr(text, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
		return netaddr_classify((struct sockaddr *)in6, sizeof *in6);
	}
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	in->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, text, &in->sin_addr), 1);
	return netaddr_classify((struct sockaddr *)in, sizeof *in);
}

struct expect {
	const char *addr;
	enum netaddr_class cls;
};

static const struct expect table[] = {
	{ "8.8.8.8", NETADDR_PUBLIC },
	{ "93.184.216.34", NETADDR_PUBLIC },
	{ "0.0.0.0", NETADDR_UNSPECIFIED },
	{ "0.1.2.3", NETADDR_THIS_NETWORK },
	{ "127.0.0.1", NETADDR_LOOPBACK },
	{ "127.255.255.254", NETADDR_LOOPBACK },
	{ "10.0.0.1", NETADDR_PRIVATE },
	{ "172.16.0.1", NETADDR_PRIVATE },
	{ "172.31.255.255", NETADDR_PRIVATE },
	{ "172.32.0.1", NETADDR_PUBLIC },
	{ "172.15.255.255", NETADDR_PUBLIC },
	{ "192.168.1.1", NETADDR_PRIVATE },
	{ "169.254.169.254", NETADDR_LINK_LOCAL },
	{ "100.64.0.1", NETADDR_CGNAT },
	{ "100.127.255.255", NETADDR_CGNAT },
	{ "100.128.0.0", NETADDR_PUBLIC },
	{ "100.63.255.255", NETADDR_PUBLIC },
	{ "224.0.0.1", NETADDR_MULTICAST },
	{ "239.255.255.250", NETADDR_MULTICAST },
	{ "240.0.0.1", NETADDR_RESERVED },
	{ "255.255.255.255", NETADDR_BROADCAST },
	{ "192.0.2.1", NETADDR_RESERVED },
	{ "198.18.0.1", NETADDR_RESERVED },
	{ "198.19.255.255", NETADDR_RESERVED },
	{ "198.20.0.1", NETADDR_PUBLIC },
	{ "::", NETADDR_UNSPECIFIED },
	{ "::1", NETADDR_LOOPBACK },
	{ "2606:4700::1111", NETADDR_PUBLIC },
	{ "2a00:1450:4001:80b::200e", NETADDR_PUBLIC },
	{ "fe80::1", NETADDR_LINK_LOCAL },
	{ "febf::1", NETADDR_LINK_LOCAL },
	{ "fec0::1", NETADDR_PRIVATE },
	{ "fc00::1", NETADDR_ULA },
	{ "fd12:3456::1", NETADDR_ULA },
	{ "ff02::1", NETADDR_MULTICAST },
	{ "2001:db8::1", NETADDR_RESERVED },
	{ "100::1", NETADDR_RESERVED },
	/* v4-mapped */
	{ "::ffff:127.0.0.1", NETADDR_LOOPBACK },
	{ "::ffff:10.1.2.3", NETADDR_PRIVATE },
	{ "::ffff:169.254.169.254", NETADDR_LINK_LOCAL },
	{ "::ffff:100.64.1.1", NETADDR_CGNAT },
	{ "::ffff:0.0.0.0", NETADDR_UNSPECIFIED },
	{ "::ffff:8.8.8.8", NETADDR_PUBLIC },
	/* v4-compatible (deprecated, still routed by some stacks) */
	{ "::127.0.0.1", NETADDR_LOOPBACK },
	{ "::192.168.0.1", NETADDR_PRIVATE },
	{ "::8.8.8.8", NETADDR_PUBLIC },
	/* NAT64 and 6to4 carry an IPv4 address too */
	{ "64:ff9b::7f00:1", NETADDR_LOOPBACK },
	{ "64:ff9b::808:808", NETADDR_PUBLIC },
	{ "64:ff9b:1::1", NETADDR_PRIVATE },
	{ "2002:7f00:1::1", NETADDR_LOOPBACK },
	{ "2002:0a00:1::1", NETADDR_PRIVATE },
	{ "2002:0808:0808::1", NETADDR_PUBLIC },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		enum netaddr_class got = cls(table[i].addr);
		if (got != table[i].cls)
			fail_msg("%s: got %s, want %s", table[i].addr, netaddr_class_name(got),
				 netaddr_class_name(table[i].cls));
	}
}

static void test_policy(void **state)
{
	(void)state;
	struct sockaddr_in in = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	assert_false(netaddr_allowed((struct sockaddr *)&in, sizeof in, false));
	assert_true(netaddr_allowed((struct sockaddr *)&in, sizeof in, true));
	inet_pton(AF_INET, "1.1.1.1", &in.sin_addr);
	assert_true(netaddr_allowed((struct sockaddr *)&in, sizeof in, false));
	/* allow_private does not open multicast or broadcast */
	inet_pton(AF_INET, "224.0.0.1", &in.sin_addr);
	assert_false(netaddr_allowed((struct sockaddr *)&in, sizeof in, true));
	inet_pton(AF_INET, "255.255.255.255", &in.sin_addr);
	assert_false(netaddr_allowed((struct sockaddr *)&in, sizeof in, true));
	/* a truncated sockaddr is not trusted */
	inet_pton(AF_INET, "1.1.1.1", &in.sin_addr);
	assert_false(netaddr_allowed((struct sockaddr *)&in, 4, false));
	struct sockaddr un = { .sa_family = AF_UNIX };
	assert_false(netaddr_allowed(&un, sizeof un, true));
	assert_int_equal(netaddr_classify(NULL, 0), NETADDR_OTHER_FAMILY);
}

static void test_format(void **state)
{
	(void)state;
	char buf[NETADDR_STRLEN];
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
	assert_string_equal(netaddr_format((struct sockaddr *)&in6, sizeof in6, buf, sizeof buf),
			    "::ffff:127.0.0.1");
	struct sockaddr_in in = { .sin_family = AF_INET };
	inet_pton(AF_INET, "10.0.0.7", &in.sin_addr);
	assert_string_equal(netaddr_format((struct sockaddr *)&in, sizeof in, buf, sizeof buf),
			    "10.0.0.7");
	assert_string_equal(netaddr_class_name(NETADDR_CGNAT), "CGNAT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
