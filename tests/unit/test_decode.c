/* Unit tests for the packet decoder: every link layer, IPv4/IPv6 details,
 * and malformed or truncated packets (which must be classified, never read
 * past the captured bytes: run under ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/dlt.h>

#include "decode.h"

/* A TCP SYN 10.0.0.2:40000 -> 192.0.2.80:80 with 4 payload bytes "GET ". */
static const uint8_t ipv4_tcp[] = {
	0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, /* ver/ihl..proto */
	10, 0, 0, 2, 192, 0, 2, 80,                                              /* src, dst */
	0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, /* ports, seq 1000, ack */
	0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,                         /* doff 5, PSH|ACK */
	'G', 'E', 'T', ' ',
};

/* IPv6 2001:db8::2 -> 2001:db8::80, hop-by-hop then UDP 5353 -> 53, 2 payload bytes. */
static const uint8_t ipv6_hbh_udp[] = {
	0x60, 0, 0, 0, 0x00, 0x12, 0x00, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80,
	17, 0, 1, 4, 0, 0, 0, 0,                /* HBH: next UDP, len 0 (8 bytes), PadN */
	0x14, 0xe9, 0x00, 0x35, 0x00, 0x0a, 0, 0, /* UDP len 10 */
	'h', 'i',
};

static size_t build(uint8_t *buf, const uint8_t *link, size_t link_len, const uint8_t *l3, size_t l3_len)
{
	memcpy(buf, link, link_len);
	memcpy(buf + link_len, l3, l3_len);
	return link_len + l3_len;
}

static enum decode_status run(int dlt, const uint8_t *data, size_t caplen, size_t wirelen, struct packet *p)
{
	/* copy into an exact-size heap block so ASan catches any over-read */
	uint8_t *copy = malloc(caplen ? caplen : 1);
	memcpy(copy, data, caplen);
	memset(p, 0, sizeof(*p));
	p->data = copy;
	p->caplen = (uint32_t)caplen;
	p->wirelen = (uint32_t)wirelen;
	enum decode_status st = decode_packet(NULL, dlt, p);
	/* payload pointers must lie inside the copy */
	if (p->payload)
		assert_true(p->payload >= copy && p->payload + p->payload_len <= copy + caplen);
	free(copy);
	p->data = NULL;
	p->payload = NULL;
	p->l3 = NULL;
	return st;
}

static void assert_v4_tcp(const struct packet *p)
{
	char a[64];
	assert_int_equal(p->ip_version, 4);
	assert_int_equal(p->l4_proto, 6);
	assert_string_equal(ip_endpoint_str(&p->src, p->sport, a, sizeof(a)), "10.0.0.2:40000");
	assert_string_equal(ip_endpoint_str(&p->dst, p->dport, a, sizeof(a)), "192.0.2.80:80");
	assert_int_equal(p->seq, 1000);
	assert_int_equal(p->tcp_flags, TCP_PSH | TCP_ACK);
	assert_int_equal(p->payload_len, 4);
	assert_int_equal(p->ip_len, 44);
}

static void test_ethernet(void **state)
{
	uint8_t buf[256];
	uint8_t eth[14] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00 };
	size_t n = build(buf, eth, sizeof(eth), ipv4_tcp, sizeof(ipv4_tcp));
	struct packet p;
	assert_int_equal(run(DLT_EN10MB, buf, n, n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_int_equal(p.vlan, 0);
	/* Ethernet padding after the IP packet is not payload */
	memset(buf + n, 0, 6);
	assert_int_equal(run(DLT_EN10MB, buf, n + 6, n + 6, &p), DECODE_OK);
	assert_int_equal(p.payload_len, 4);
}

static void test_vlan_and_qinq(void **state)
{
	uint8_t buf[256];
	uint8_t vlan[18] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00 };
	size_t n = build(buf, vlan, sizeof(vlan), ipv4_tcp, sizeof(ipv4_tcp));
	struct packet p;
	assert_int_equal(run(DLT_EN10MB, buf, n, n, &p), DECODE_OK);
	assert_int_equal(p.vlan, 100);
	assert_v4_tcp(&p);
	uint8_t qinq[22] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x88, 0xa8, 0x00, 0xc8,
			     0x81, 0x00, 0x00, 0x64, 0x08, 0x00 };
	n = build(buf, qinq, sizeof(qinq), ipv4_tcp, sizeof(ipv4_tcp));
	assert_int_equal(run(DLT_EN10MB, buf, n, n, &p), DECODE_OK);
	assert_int_equal(p.vlan, 200);
	assert_int_equal(p.vlan_inner, 100);
	assert_v4_tcp(&p);
	/* a tag cut in the middle */
	assert_int_equal(run(DLT_EN10MB, buf, 16, 100, &p), DECODE_TRUNCATED);
}

static void test_cooked_raw_loopback(void **state)
{
	uint8_t buf[256];
	struct packet p;
	uint8_t sll[16] = { 0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00 };
	size_t n = build(buf, sll, sizeof(sll), ipv4_tcp, sizeof(ipv4_tcp));
	assert_int_equal(run(DLT_LINUX_SLL, buf, n, n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	uint8_t sll2[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0 };
	n = build(buf, sll2, sizeof(sll2), ipv4_tcp, sizeof(ipv4_tcp));
	assert_int_equal(run(276, buf, n, n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_int_equal(run(DLT_RAW, ipv4_tcp, sizeof(ipv4_tcp), sizeof(ipv4_tcp), &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_int_equal(run(228, ipv4_tcp, sizeof(ipv4_tcp), sizeof(ipv4_tcp), &p), DECODE_OK);
	uint8_t null_le[4] = { 2, 0, 0, 0 };
	n = build(buf, null_le, 4, ipv4_tcp, sizeof(ipv4_tcp));
	assert_int_equal(run(DLT_NULL, buf, n, n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	uint8_t null_be[4] = { 0, 0, 0, 2 }; /* written on a big-endian host */
	n = build(buf, null_be, 4, ipv4_tcp, sizeof(ipv4_tcp));
	assert_int_equal(run(DLT_NULL, buf, n, n, &p), DECODE_OK);
	uint8_t loop6[4] = { 0, 0, 0, 30 };
	n = build(buf, loop6, 4, ipv6_hbh_udp, sizeof(ipv6_hbh_udp));
	assert_int_equal(run(DLT_LOOP, buf, n, n, &p), DECODE_OK);
	assert_int_equal(p.ip_version, 6);
	uint8_t null_other[4] = { 7, 0, 0, 0 };
	n = build(buf, null_other, 4, ipv4_tcp, sizeof(ipv4_tcp));
	assert_int_equal(run(DLT_NULL, buf, n, n, &p), DECODE_OTHER_L3);
}

static void test_ipv6_extension_headers(void **state)
{
	struct packet p;
	char a[64];
	assert_int_equal(run(229, ipv6_hbh_udp, sizeof(ipv6_hbh_udp), sizeof(ipv6_hbh_udp), &p), DECODE_OK);
	assert_int_equal(p.l4_proto, 17);
	assert_string_equal(ip_endpoint_str(&p.src, p.sport, a, sizeof(a)), "[2001:db8::2]:5353");
	assert_string_equal(ip_endpoint_str(&p.dst, p.dport, a, sizeof(a)), "[2001:db8::80]:53");
	assert_int_equal(p.payload_len, 2);
	/* the chain runs past the end of the capture */
	assert_int_equal(run(229, ipv6_hbh_udp, 44, sizeof(ipv6_hbh_udp), &p), DECODE_TRUNCATED);
	/* a fragment header with offset > 0 */
	uint8_t frag[sizeof(ipv6_hbh_udp)];
	memcpy(frag, ipv6_hbh_udp, sizeof(frag));
	frag[6] = 44;
	frag[40] = 17;
	frag[42] = 0x00;
	frag[43] = 0x08; /* offset 1 */
	assert_int_equal(run(229, frag, sizeof(frag), sizeof(frag), &p), DECODE_FRAGMENT);
	/* an atomic fragment (offset 0, no more fragments) is a whole packet */
	frag[43] = 0;
	assert_int_equal(run(229, frag, sizeof(frag), sizeof(frag), &p), DECODE_OK);
}

static void test_ipv4_options_and_fragments(void **state)
{
	uint8_t pkt[sizeof(ipv4_tcp) + 8];
	memcpy(pkt, ipv4_tcp, 20);
	pkt[0] = 0x47; /* IHL 7: 8 bytes of options */
	pkt[3] = (uint8_t)(sizeof(pkt));
	memset(pkt + 20, 1, 8); /* NOPs */
	memcpy(pkt + 28, ipv4_tcp + 20, sizeof(ipv4_tcp) - 20);
	struct packet p;
	assert_int_equal(run(DLT_RAW, pkt, sizeof(pkt), sizeof(pkt), &p), DECODE_OK);
	assert_int_equal(p.payload_len, 4);
	assert_int_equal(p.sport, 40000);
	uint8_t frag[sizeof(ipv4_tcp)];
	memcpy(frag, ipv4_tcp, sizeof(frag));
	frag[6] = 0x20; /* more fragments */
	assert_int_equal(run(DLT_RAW, frag, sizeof(frag), sizeof(frag), &p), DECODE_FRAGMENT);
	frag[6] = 0x00;
	frag[7] = 0x10; /* offset 16 */
	assert_int_equal(run(DLT_RAW, frag, sizeof(frag), sizeof(frag), &p), DECODE_FRAGMENT);
}

static void test_malformed(void **state)
{
	struct packet p;
	uint8_t pkt[sizeof(ipv4_tcp)];
	/* IHL below 5 */
	memcpy(pkt, ipv4_tcp, sizeof(pkt));
	pkt[0] = 0x43;
	assert_int_equal(run(DLT_RAW, pkt, sizeof(pkt), sizeof(pkt), &p), DECODE_INVALID);
	/* total length shorter than the header */
	memcpy(pkt, ipv4_tcp, sizeof(pkt));
	pkt[3] = 10;
	assert_int_equal(run(DLT_RAW, pkt, sizeof(pkt), sizeof(pkt), &p), DECODE_INVALID);
	/* total length beyond the capture: decoded, payload marked cut */
	memcpy(pkt, ipv4_tcp, sizeof(pkt));
	pkt[2] = 0x05;
	assert_int_equal(run(DLT_RAW, pkt, sizeof(pkt), sizeof(pkt), &p), DECODE_OK);
	assert_true(p.payload_cut);
	assert_int_equal(p.payload_len, 4);
	/* TCP data offset below 5 */
	memcpy(pkt, ipv4_tcp, sizeof(pkt));
	pkt[32] = 0x30;
	assert_int_equal(run(DLT_RAW, pkt, sizeof(pkt), sizeof(pkt), &p), DECODE_INVALID);
	/* TCP data offset past the packet */
	pkt[32] = 0xf0;
	assert_int_equal(run(DLT_RAW, pkt, sizeof(pkt), sizeof(pkt), &p), DECODE_INVALID);
	/* snaplen cut inside the TCP header */
	assert_int_equal(run(DLT_RAW, ipv4_tcp, 30, sizeof(ipv4_tcp), &p), DECODE_TRUNCATED);
	/* every prefix of a valid frame decodes without reading past it */
	for (size_t n = 0; n < sizeof(ipv4_tcp); n++)
		run(DLT_RAW, ipv4_tcp, n, sizeof(ipv4_tcp), &p);
	for (size_t n = 0; n < sizeof(ipv6_hbh_udp); n++)
		run(229, ipv6_hbh_udp, n, n, &p);
	/* short Ethernet, unknown ethertype, empty frame */
	uint8_t eth[14] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x88, 0xb5 };
	assert_int_equal(run(DLT_EN10MB, eth, 10, 10, &p), DECODE_INVALID);
	assert_int_equal(run(DLT_EN10MB, eth, 10, 60, &p), DECODE_TRUNCATED);
	assert_int_equal(run(DLT_EN10MB, eth, 14, 14, &p), DECODE_OTHER_L3);
	assert_int_equal(run(DLT_EN10MB, eth, 0, 0, &p), DECODE_INVALID);
	/* UDP length below 8 */
	uint8_t udp[sizeof(ipv6_hbh_udp)];
	memcpy(udp, ipv6_hbh_udp, sizeof(udp));
	udp[53] = 4;
	assert_int_equal(run(229, udp, sizeof(udp), sizeof(udp), &p), DECODE_INVALID);
	/* UDP length beyond the data */
	udp[53] = 200;
	assert_int_equal(run(229, udp, sizeof(udp), sizeof(udp), &p), DECODE_OK);
	assert_true(p.payload_cut);
	assert_int_equal(p.payload_len, 2);
}

static void test_support_and_names(void **state)
{
	assert_true(decode_dlt_supported(DLT_EN10MB));
	assert_true(decode_dlt_supported(276));
	assert_false(decode_dlt_supported(147));
	assert_string_equal(decode_status_name(DECODE_FRAGMENT), "ip_fragment");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet),
		cmocka_unit_test(test_vlan_and_qinq),
		cmocka_unit_test(test_cooked_raw_loopback),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_ipv4_options_and_fragments),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_support_and_names),
	};
	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
