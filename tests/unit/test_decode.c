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
#include <stdbool.h>

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

static enum decode_status run_with(struct decoder *d, uint64_t ts, int dlt, const uint8_t *data, size_t caplen,
				   size_t wirelen, struct packet *p)
{
	/* copy into an exact-size heap block so ASan catches any over-read */
	uint8_t *copy = malloc(caplen ? caplen : 1);
	memcpy(copy, data, caplen);
	memset(p, 0, sizeof(*p));
	p->data = copy;
	p->caplen = (uint32_t)caplen;
	p->wirelen = (uint32_t)wirelen;
	p->ts_ns = ts;
	enum decode_status st = decode_packet(d, dlt, p);
	/* payload pointers must lie inside the copy (or, rebuilt from
	 * fragments, inside the decoder's datagram) */
	if (p->payload && !p->reassembled)
		assert_true(p->payload >= copy && p->payload + p->payload_len <= copy + caplen);
	if (p->payload && p->reassembled)
		assert_true(p->payload >= p->l3 && p->payload + p->payload_len <= p->l3 + p->l3_len);
	free(copy);
	p->data = NULL;
	if (!p->reassembled) {
		p->payload = NULL;
		p->l3 = NULL;
	}
	return st;
}

static enum decode_status run(int dlt, const uint8_t *data, size_t caplen, size_t wirelen, struct packet *p)
{
	return run_with(NULL, 0, dlt, data, caplen, wirelen, p);
}

static const char *layers(const struct packet *p)
{
	static char buf[256];
	decode_layers_str(p, buf, sizeof(buf));
	return buf;
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

/* ---- link types and tunnels ---- */

/* A frame under construction. */
struct bb {
	uint8_t b[4096];
	size_t n;
};

static void put(struct bb *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct bb *f, uint8_t v) { f->b[f->n++] = v; }

static void put16(struct bb *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void put32(struct bb *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void put_le16(struct bb *f, uint16_t v)
{
	put8(f, (uint8_t)v);
	put8(f, (uint8_t)(v >> 8));
}

static void put_le32(struct bb *f, uint32_t v)
{
	put_le16(f, (uint16_t)v);
	put_le16(f, (uint16_t)(v >> 16));
}

static void put_eth(struct bb *f, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	put(f, macs, 12);
	put16(f, type);
}

static void put_v4_tcp(struct bb *f) { put(f, ipv4_tcp, sizeof(ipv4_tcp)); }

/* An outer IPv4 header 198.18.0.1 -> 198.18.0.2 for `len` bytes of protocol proto. */
static void put_outer4(struct bb *f, uint8_t proto, size_t len)
{
	static const uint8_t addrs[8] = { 198, 18, 0, 1, 198, 18, 0, 2 };
	put8(f, 0x45);
	put8(f, 0);
	put16(f, (uint16_t)(20 + len));
	put32(f, 0);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, addrs, 8);
}

static void put_outer6(struct bb *f, uint8_t next, size_t len)
{
	uint8_t a[32] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xff };
	a[15] = 1;
	memcpy(a + 16, a, 16);
	a[31] = 2;
	put32(f, 0x60000000);
	put16(f, (uint16_t)len);
	put8(f, next);
	put8(f, 64);
	put(f, a, 32);
}

/* An outer UDP header (checksum 0) for `len` bytes of payload. */
static void put_udp(struct bb *f, uint16_t sport, uint16_t dport, size_t len)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + len));
	put16(f, 0);
}

static void test_nflog(void **state)
{
	struct bb f = { .n = 0 };
	struct packet p;
	put8(&f, 2), put8(&f, 0), put16(&f, 1); /* AF_INET, version 0, resource 1 */
	put_le16(&f, 8), put_le16(&f, 1), put32(&f, 0x08000300); /* NFULA_PACKET_HDR */
	put_le16(&f, 14), put_le16(&f, 10), put(&f, "privaudit\0\0\0", 12); /* prefix, padded */
	put_le16(&f, (uint16_t)(4 + sizeof(ipv4_tcp))), put_le16(&f, 9), put_v4_tcp(&f);
	assert_int_equal(run(DLT_NFLOG, f.b, f.n, f.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_int_equal(p.nlayers, 0);
	/* a writer of the other byte order */
	struct bb g = { .n = 0 };
	put8(&g, 2), put8(&g, 0), put16(&g, 1);
	put16(&g, 8), put16(&g, 1), put32(&g, 0);
	put16(&g, (uint16_t)(4 + sizeof(ipv4_tcp))), put16(&g, 9), put_v4_tcp(&g);
	assert_int_equal(run(DLT_NFLOG, g.b, g.n, g.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	/* no payload TLV; a TLV shorter than its header; one past the capture */
	assert_int_equal(run(DLT_NFLOG, f.b, 28, 28, &p), DECODE_OTHER_L3);
	uint8_t bad[12] = { 2, 0, 0, 1, 2, 0, 9, 0 };
	assert_int_equal(run(DLT_NFLOG, bad, sizeof(bad), sizeof(bad), &p), DECODE_INVALID);
	assert_int_equal(run(DLT_NFLOG, f.b, 40, f.n, &p), DECODE_TRUNCATED);
}

static void test_ppp_and_chdlc(void **state)
{
	struct packet p;
	struct bb f = { .n = 0 };
	put16(&f, 0xff03), put16(&f, 0x0021), put_v4_tcp(&f);
	assert_int_equal(run(DLT_PPP, f.b, f.n, f.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_int_equal(run(DLT_PPP_SERIAL, f.b, f.n, f.n, &p), DECODE_OK);
	/* no address and control, protocol field compressed to one byte */
	struct bb c = { .n = 0 };
	put8(&c, 0x21), put_v4_tcp(&c);
	assert_int_equal(run(DLT_PPP, c.b, c.n, c.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	/* a direction byte first */
	struct bb d = { .n = 0 };
	put8(&d, 1), put(&d, f.b, f.n);
	assert_int_equal(run(DLT_PPP_WITH_DIR, d.b, d.n, d.n, &p), DECODE_OK);
	/* LCP is control, VJ-compressed TCP is not decoded */
	uint8_t lcp[8] = { 0xff, 0x03, 0xc0, 0x21, 9, 1, 0, 4 };
	assert_int_equal(run(DLT_PPP, lcp, sizeof(lcp), sizeof(lcp), &p), DECODE_OTHER_L3);
	uint8_t vj[8] = { 0xff, 0x03, 0x00, 0x2d, 0, 0, 0, 0 };
	assert_int_equal(run(DLT_PPP, vj, sizeof(vj), sizeof(vj), &p), DECODE_UNSUPPORTED);
	/* Cisco HDLC, also when a PPP_SERIAL capture carries it */
	struct bb h = { .n = 0 };
	put16(&h, 0x0f00), put16(&h, 0x0800), put_v4_tcp(&h);
	assert_int_equal(run(DLT_C_HDLC, h.b, h.n, h.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_int_equal(run(DLT_PPP_SERIAL, h.b, h.n, h.n, &p), DECODE_OK);
	struct bb hd = { .n = 0 };
	put8(&hd, 0), put(&hd, h.b, h.n);
	assert_int_equal(run(DLT_C_HDLC_WITH_DIR, hd.b, hd.n, hd.n, &p), DECODE_OK);
	uint8_t slarp[10] = { 0x8f, 0x00, 0x80, 0x35 };
	assert_int_equal(run(DLT_C_HDLC, slarp, sizeof(slarp), sizeof(slarp), &p), DECODE_OTHER_L3);
	assert_int_equal(run(DLT_C_HDLC, h.b, 3, 60, &p), DECODE_TRUNCATED);
	/* PPP_ETHER: a PPPoE session header first */
	struct bb e = { .n = 0 };
	put16(&e, 0x1100), put16(&e, 0x0042), put16(&e, (uint16_t)(2 + sizeof(ipv4_tcp))), put16(&e, 0x0021);
	put_v4_tcp(&e);
	assert_int_equal(run(DLT_PPP_ETHER, e.b, e.n, e.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "pppoe 66");
}

static void test_pppoe_mpls(void **state)
{
	struct packet p;
	struct bb f = { .n = 0 };
	put_eth(&f, 0x8100), put16(&f, 10), put16(&f, 0x8864);
	put16(&f, 0x1100), put16(&f, 0x1234), put16(&f, (uint16_t)(2 + sizeof(ipv4_tcp))), put16(&f, 0x0021);
	put_v4_tcp(&f);
	memset(f.b + f.n, 0, 8); /* Ethernet padding after the session's length */
	assert_int_equal(run(DLT_EN10MB, f.b, f.n + 8, f.n + 8, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_int_equal(p.vlan, 10);
	assert_string_equal(layers(&p), "vlan 10, pppoe 4660");
	f.b[18] = 0x12; /* version 1, type 2 */
	assert_int_equal(run(DLT_EN10MB, f.b, f.n, f.n, &p), DECODE_INVALID);

	/* MPLS in VLAN: two labels, then IPv4 */
	struct bb m = { .n = 0 };
	put_eth(&m, 0x8100), put16(&m, 20), put16(&m, 0x8847);
	put32(&m, 100u << 12 | 64), put32(&m, 200u << 12 | 0x100 | 64), put_v4_tcp(&m);
	assert_int_equal(run(DLT_EN10MB, m.b, m.n, m.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "vlan 20, mpls 100, mpls 200");
	assert_int_equal(p.vlan, 20);
	assert_int_equal(run(DLT_EN10MB, m.b, 22, 100, &p), DECODE_TRUNCATED);
	/* an Ethernet pseudowire with its control word: the inner frame's VLAN counts */
	struct bb w = { .n = 0 };
	put_eth(&w, 0x8847), put32(&w, 300u << 12 | 0x100 | 64), put32(&w, 0);
	put_eth(&w, 0x8100), put16(&w, 7), put16(&w, 0x0800), put_v4_tcp(&w);
	assert_int_equal(run(DLT_EN10MB, w.b, w.n, w.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "mpls 300, vlan 7");
	assert_int_equal(p.vlan, 7);
	/* neither IP nor a control word; a stack deeper than 8 labels */
	struct bb u = { .n = 0 };
	put_eth(&u, 0x8847), put32(&u, 16u << 12 | 0x100), put32(&u, 0x90000000);
	assert_int_equal(run(DLT_EN10MB, u.b, u.n, u.n, &p), DECODE_UNSUPPORTED);
	struct bb deep = { .n = 0 };
	put_eth(&deep, 0x8847);
	for (int i = 0; i < 9; i++)
		put32(&deep, (uint32_t)(16 + i) << 12);
	put_v4_tcp(&deep);
	assert_int_equal(run(DLT_EN10MB, deep.b, deep.n, deep.n, &p), DECODE_TOO_DEEP);
	/* 802.3 with LLC/SNAP */
	struct bb l = { .n = 0 };
	put_eth(&l, (uint16_t)(8 + sizeof(ipv4_tcp)));
	put16(&l, 0xaaaa), put8(&l, 3), put8(&l, 0), put16(&l, 0), put16(&l, 0x0800), put_v4_tcp(&l);
	assert_int_equal(run(DLT_EN10MB, l.b, l.n, l.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	l.b[14] = 0x42; /* spanning tree's LLC */
	assert_int_equal(run(DLT_EN10MB, l.b, l.n, l.n, &p), DECODE_OTHER_L3);
}

/* An 802.11 data frame to the AP with LLC/SNAP and ipv4_tcp. */
static void put_wlan(struct bb *f, uint8_t subtype, uint8_t flags, bool ht)
{
	static const uint8_t addrs[18] = { 2, 0, 0, 0, 0xaa, 1, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	put8(f, (uint8_t)(0x08 | subtype << 4));
	put8(f, flags);
	put16(f, 0);
	put(f, addrs, 18);
	put16(f, 0x1000); /* sequence 1, fragment 0 */
	if ((flags & 3) == 3)
		put(f, addrs, 6);
	if (subtype & 8)
		put16(f, 0);
	if (ht)
		put32(f, 0);
	put16(f, 0xaaaa), put8(f, 3), put8(f, 0), put16(f, 0), put16(f, 0x0800);
	put_v4_tcp(f);
}

static void test_wlan(void **state)
{
	struct packet p;
	struct bb f = { .n = 0 };
	put_wlan(&f, 0, 0x01, false);
	assert_int_equal(run(DLT_IEEE802_11, f.b, f.n, f.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_int_equal(p.nlayers, 0);
	struct bb q = { .n = 0 }; /* QoS data with HT control, between two APs (4 addresses) */
	put_wlan(&q, 8, 0x83, true);
	assert_int_equal(run(DLT_IEEE802_11, q.b, q.n, q.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	struct bb x = { .n = 0 };
	put_wlan(&x, 0, 0x41, false); /* protected */
	assert_int_equal(run(DLT_IEEE802_11, x.b, x.n, x.n, &p), DECODE_WLAN_PROTECTED);
	uint8_t beacon[24] = { 0x80, 0 };
	assert_int_equal(run(DLT_IEEE802_11, beacon, sizeof(beacon), sizeof(beacon), &p), DECODE_WLAN_NOT_DATA);
	uint8_t ack[10] = { 0xd4, 0 };
	assert_int_equal(run(DLT_IEEE802_11, ack, sizeof(ack), sizeof(ack), &p), DECODE_WLAN_NOT_DATA);
	uint8_t null_fn[24] = { 0x48, 0x01 };
	assert_int_equal(run(DLT_IEEE802_11, null_fn, sizeof(null_fn), sizeof(null_fn), &p), DECODE_WLAN_NOT_DATA);
	struct bb a = { .n = 0 };
	put_wlan(&a, 8, 0x01, false);
	a.b[24] = 0x80; /* A-MSDU present */
	assert_int_equal(run(DLT_IEEE802_11, a.b, a.n, a.n, &p), DECODE_UNSUPPORTED);
	struct bb m = { .n = 0 };
	put_wlan(&m, 0, 0x05, false); /* more fragments */
	assert_int_equal(run(DLT_IEEE802_11, m.b, m.n, m.n, &p), DECODE_UNSUPPORTED);
	uint8_t v1[24] = { 0x09, 0 }; /* protocol version 1 */
	assert_int_equal(run(DLT_IEEE802_11, v1, sizeof(v1), sizeof(v1), &p), DECODE_INVALID);
	assert_int_equal(run(DLT_IEEE802_11, f.b, 20, f.n, &p), DECODE_TRUNCATED);

	/* radiotap: TSFT, Flags (FCS at the end), extended presence bitmap;
	 * the IPv4 length is 0 (TSO), so only the FCS cut keeps the payload right */
	struct bb r = { .n = 0 };
	put8(&r, 0), put8(&r, 0), put_le16(&r, 25), put_le32(&r, 0x80000003u), put_le32(&r, 0);
	put32(&r, 0);                /* padding: TSFT is 8-aligned, at 16 */
	put32(&r, 0), put32(&r, 0);  /* TSFT */
	put8(&r, 0x10);              /* Flags at 24: FCS at the end */
	size_t at = r.n;
	put_wlan(&r, 0, 0x01, false);
	r.b[at + 24 + 8 + 2] = 0, r.b[at + 24 + 8 + 3] = 0; /* IPv4 total length 0 */
	put32(&r, 0xdeadbeef); /* FCS */
	assert_int_equal(run(DLT_IEEE802_11_RADIO, r.b, r.n, r.n, &p), DECODE_OK);
	assert_int_equal(p.payload_len, 4);
	r.b[0] = 1;
	assert_int_equal(run(DLT_IEEE802_11_RADIO, r.b, r.n, r.n, &p), DECODE_INVALID);
	r.b[0] = 0;
	assert_int_equal(run(DLT_IEEE802_11_RADIO, r.b, 20, 200, &p), DECODE_TRUNCATED);

	/* PPI, Prism and AVS headers */
	struct bb ppi = { .n = 0 };
	put8(&ppi, 0), put8(&ppi, 0), put_le16(&ppi, 8), put_le32(&ppi, DLT_IEEE802_11), put(&ppi, f.b, f.n);
	assert_int_equal(run(DLT_PPI, ppi.b, ppi.n, ppi.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	ppi.b[4] = 0x93; /* a DLT PPI does not carry */
	assert_int_equal(run(DLT_PPI, ppi.b, ppi.n, ppi.n, &p), DECODE_UNSUPPORTED);
	struct bb prism = { .n = 0 };
	put_le32(&prism, 0x41), put_le32(&prism, 144);
	memset(prism.b + prism.n, 0, 136);
	prism.n += 136;
	put(&prism, f.b, f.n);
	assert_int_equal(run(DLT_PRISM_HEADER, prism.b, prism.n, prism.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	struct bb avs = { .n = 0 };
	put32(&avs, 0x80211001), put32(&avs, 64);
	memset(avs.b + avs.n, 0, 56);
	avs.n += 56;
	put(&avs, f.b, f.n);
	assert_int_equal(run(DLT_IEEE802_11_RADIO_AVS, avs.b, avs.n, avs.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
}

/* Ethernet + VLAN 5 + outer IPv4 + GRE(flags, proto) + extra header bytes. */
static void put_gre(struct bb *f, uint16_t flags, uint16_t proto, size_t inner_len, size_t extra)
{
	put_eth(f, 0x8100), put16(f, 5), put16(f, 0x0800);
	put_outer4(f, 47, 4 + extra + inner_len);
	put16(f, flags), put16(f, proto);
}

static void test_gre(void **state)
{
	struct packet p;
	/* checksum, key and sequence number */
	struct bb f = { .n = 0 };
	put_gre(&f, 0xb000, 0x0800, sizeof(ipv4_tcp), 12);
	put32(&f, 0), put32(&f, 42), put32(&f, 7), put_v4_tcp(&f);
	assert_int_equal(run(DLT_EN10MB, f.b, f.n, f.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "vlan 5, gre 42");
	assert_int_equal(p.vlan, 5); /* no Ethernet inside: the carrier's VLAN */
	assert_int_equal(run(DLT_EN10MB, f.b, 50, f.n, &p), DECODE_TRUNCATED);
	/* bridged Ethernet: the inner frame's VLAN replaces the outer one */
	struct bb t = { .n = 0 };
	put_gre(&t, 0, 0x6558, 18 + sizeof(ipv4_tcp), 0);
	put_eth(&t, 0x8100), put16(&t, 9), put16(&t, 0x0800), put_v4_tcp(&t);
	assert_int_equal(run(DLT_EN10MB, t.b, t.n, t.n, &p), DECODE_OK);
	assert_string_equal(layers(&p), "vlan 5, gre, vlan 9");
	assert_int_equal(p.vlan, 9);
	/* ERSPAN type I (no sequence number), II, III with the platform subheader */
	struct bb e1 = { .n = 0 };
	put_gre(&e1, 0, 0x88be, 14 + sizeof(ipv4_tcp), 0);
	put_eth(&e1, 0x0800), put_v4_tcp(&e1);
	assert_int_equal(run(DLT_EN10MB, e1.b, e1.n, e1.n, &p), DECODE_OK);
	assert_string_equal(layers(&p), "vlan 5, gre, erspan");
	assert_int_equal(p.vlan, 0);
	struct bb e2 = { .n = 0 };
	put_gre(&e2, 0x1000, 0x88be, 14 + sizeof(ipv4_tcp), 12);
	put32(&e2, 1), put32(&e2, 0x10000000u | 0x0300 | 0x45), put32(&e2, 0);
	put_eth(&e2, 0x0800), put_v4_tcp(&e2);
	assert_int_equal(run(DLT_EN10MB, e2.b, e2.n, e2.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "vlan 5, gre, erspan 837");
	e2.b[46] = 0x20; /* version 2 in a type II header */
	assert_int_equal(run(DLT_EN10MB, e2.b, e2.n, e2.n, &p), DECODE_UNSUPPORTED);
	struct bb e3 = { .n = 0 };
	put_gre(&e3, 0x1000, 0x22eb, 14 + sizeof(ipv4_tcp), 4 + 12 + 8);
	put32(&e3, 1), put32(&e3, 0x20000000u | 200), put32(&e3, 0x01020304), put32(&e3, 0x00000001);
	put32(&e3, 0), put32(&e3, 0), put_eth(&e3, 0x0800), put_v4_tcp(&e3);
	assert_int_equal(run(DLT_EN10MB, e3.b, e3.n, e3.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "vlan 5, gre, erspan 200");
	/* Aruba: an 802.11 frame */
	struct bb a = { .n = 0 };
	struct bb w = { .n = 0 };
	put_wlan(&w, 8, 0x01, false);
	put_gre(&a, 0, 0x8200, w.n, 0);
	put(&a, w.b, w.n);
	assert_int_equal(run(DLT_EN10MB, a.b, a.n, a.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "vlan 5, gre, aruba");
	assert_int_equal(p.vlan, 0);
	/* PPTP: version 1, key = length and call id, sequence and ack */
	struct bb v = { .n = 0 };
	put_gre(&v, 0x3081, 0x880b, 4 + sizeof(ipv4_tcp), 12);
	put16(&v, (uint16_t)(4 + sizeof(ipv4_tcp))), put16(&v, 42), put32(&v, 1), put32(&v, 1);
	put16(&v, 0xff03), put16(&v, 0x0021), put_v4_tcp(&v);
	assert_int_equal(run(DLT_EN10MB, v.b, v.n, v.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "vlan 5, pptp 42");
	/* routing (RFC 1701), another version, an unknown protocol */
	struct bb r = { .n = 0 };
	put_gre(&r, 0x4000, 0x0800, sizeof(ipv4_tcp), 0);
	put_v4_tcp(&r);
	assert_int_equal(run(DLT_EN10MB, r.b, r.n, r.n, &p), DECODE_UNSUPPORTED);
	r.b[46] = 0x00, r.b[47] = 0x02;
	assert_int_equal(run(DLT_EN10MB, r.b, r.n, r.n, &p), DECODE_UNSUPPORTED);
	r.b[47] = 0x00, r.b[48] = 0x88, r.b[49] = 0xb5;
	assert_int_equal(run(DLT_EN10MB, r.b, r.n, r.n, &p), DECODE_UNSUPPORTED);
}

static void test_ip_in_ip(void **state)
{
	struct packet p;
	char a[64];
	struct bb f = { .n = 0 };
	put_outer4(&f, 4, sizeof(ipv4_tcp)), put_v4_tcp(&f);
	assert_int_equal(run(DLT_RAW, f.b, f.n, f.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "4in4");
	struct bb g = { .n = 0 };
	put_outer4(&g, 41, sizeof(ipv6_hbh_udp)), put(&g, ipv6_hbh_udp, sizeof(ipv6_hbh_udp));
	assert_int_equal(run(DLT_RAW, g.b, g.n, g.n, &p), DECODE_OK);
	assert_string_equal(ip_endpoint_str(&p.src, p.sport, a, sizeof(a)), "[2001:db8::2]:5353");
	assert_string_equal(layers(&p), "6in4");
	struct bb h = { .n = 0 };
	put_outer6(&h, 4, sizeof(ipv4_tcp)), put_v4_tcp(&h);
	assert_int_equal(run(DLT_RAW, h.b, h.n, h.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "4in6");
	struct bb i = { .n = 0 };
	put_outer6(&i, 41, sizeof(ipv6_hbh_udp)), put(&i, ipv6_hbh_udp, sizeof(ipv6_hbh_udp));
	assert_int_equal(run(DLT_RAW, i.b, i.n, i.n, &p), DECODE_OK);
	assert_string_equal(layers(&p), "6in6");
	/* protocol 41 on an IPv4 packet: invalid */
	struct bb m = { .n = 0 };
	put_outer4(&m, 41, sizeof(ipv4_tcp)), put_v4_tcp(&m);
	assert_int_equal(run(DLT_RAW, m.b, m.n, m.n, &p), DECODE_INVALID);
	/* EtherIP */
	struct bb e = { .n = 0 };
	put_outer4(&e, 97, 2 + 14 + sizeof(ipv4_tcp)), put16(&e, 0x3000), put_eth(&e, 0x0800), put_v4_tcp(&e);
	assert_int_equal(run(DLT_RAW, e.b, e.n, e.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "etherip");
	/* 4 nested tunnels decode, 5 do not */
	for (int depth = 4; depth <= 5; depth++) {
		uint8_t pkt[256];
		size_t n = sizeof(ipv4_tcp);
		memcpy(pkt + 200 - n, ipv4_tcp, n);
		for (int k = 0; k < depth; k++) {
			struct bb o = { .n = 0 };
			put_outer4(&o, 4, n);
			memcpy(pkt + 200 - n - 20, o.b, 20);
			n += 20;
		}
		assert_int_equal(run(DLT_RAW, pkt + 200 - n, n, n, &p), depth == 4 ? DECODE_OK : DECODE_TOO_DEEP);
		if (depth == 4)
			assert_string_equal(layers(&p), "4in4, 4in4, 4in4, 4in4");
	}
}

static void test_udp_tunnels(void **state)
{
	struct packet p;
	char a[64];
	/* VXLAN, VNI 5000, inner VLAN 12 */
	struct bb f = { .n = 0 };
	size_t inner = 18 + sizeof(ipv4_tcp);
	put_outer4(&f, 17, 8 + 8 + inner), put_udp(&f, 51234, 4789, 8 + inner);
	put32(&f, 0x08000000), put32(&f, 5000u << 8);
	put_eth(&f, 0x8100), put16(&f, 12), put16(&f, 0x0800), put_v4_tcp(&f);
	assert_int_equal(run(DLT_RAW, f.b, f.n, f.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "vxlan 5000, vlan 12");
	assert_int_equal(p.vlan, 12);
	f.b[28] = 0; /* no I flag: not VXLAN, an ordinary UDP packet */
	assert_int_equal(run(DLT_RAW, f.b, f.n, f.n, &p), DECODE_OK);
	assert_int_equal(p.dport, 4789);
	assert_int_equal(p.nlayers, 0);
	f.b[28] = 0x08, f.b[35] = 1; /* the last reserved byte set: not VXLAN either */
	assert_int_equal(run(DLT_RAW, f.b, f.n, f.n, &p), DECODE_OK);
	assert_int_equal(p.nlayers, 0);
	/* Geneve with an 8-byte option, inner IPv4 by its protocol type */
	struct bb g = { .n = 0 };
	put_outer4(&g, 17, 8 + 16 + sizeof(ipv4_tcp)), put_udp(&g, 52000, 6081, 16 + sizeof(ipv4_tcp));
	put8(&g, 2), put8(&g, 0), put16(&g, 0x0800), put32(&g, 77u << 8), put32(&g, 0x01028001), put32(&g, 0);
	put_v4_tcp(&g);
	assert_int_equal(run(DLT_RAW, g.b, g.n, g.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "geneve 77");
	g.b[30] = 0x88, g.b[31] = 0xb5;
	assert_int_equal(run(DLT_RAW, g.b, g.n, g.n, &p), DECODE_UNSUPPORTED);
	g.b[29] = 0x01; /* a reserved flag bit: not Geneve */
	assert_int_equal(run(DLT_RAW, g.b, g.n, g.n, &p), DECODE_OK);
	assert_int_equal(p.dport, 6081);
	assert_int_equal(p.nlayers, 0);
	/* GTP-U G-PDU with optional fields and one extension header */
	struct bb t = { .n = 0 };
	put_outer4(&t, 17, 8 + 16 + sizeof(ipv4_tcp)), put_udp(&t, 2152, 2152, 16 + sizeof(ipv4_tcp));
	put8(&t, 0x34), put8(&t, 0xff), put16(&t, (uint16_t)(8 + sizeof(ipv4_tcp))), put32(&t, 4097);
	put16(&t, 7), put8(&t, 0), put8(&t, 0x85), put32(&t, 0x01000900), put_v4_tcp(&t);
	assert_int_equal(run(DLT_RAW, t.b, t.n, t.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "gtp-u 4097");
	t.b[29] = 1; /* an echo request: signalling stays UDP */
	assert_int_equal(run(DLT_RAW, t.b, t.n, t.n, &p), DECODE_OK);
	assert_int_equal(p.sport, 2152);
	assert_int_equal(p.nlayers, 0);
	/* Teredo with authentication and origin indication */
	struct bb r = { .n = 0 };
	size_t th = 4 + 2 + 1 + 8 + 1 + 8;
	put_outer4(&r, 17, 8 + th + sizeof(ipv6_hbh_udp)), put_udp(&r, 3544, 40000, th + sizeof(ipv6_hbh_udp));
	put16(&r, 1), put8(&r, 2), put8(&r, 1), put16(&r, 0x4142), put8(&r, 0x43), put32(&r, 0), put32(&r, 0);
	put8(&r, 0), put16(&r, 0), put16(&r, 0x1234), put32(&r, 0x5678), put(&r, ipv6_hbh_udp, sizeof(ipv6_hbh_udp));
	assert_int_equal(run(DLT_RAW, r.b, r.n, r.n, &p), DECODE_OK);
	assert_string_equal(ip_endpoint_str(&p.src, p.sport, a, sizeof(a)), "[2001:db8::2]:5353");
	assert_string_equal(layers(&p), "teredo");
	struct bb n = { .n = 0 }; /* port 3544 without IPv6 inside */
	put_outer4(&n, 17, 8 + 10), put_udp(&n, 40000, 3544, 10), put(&n, "not ipv6..", 10);
	assert_int_equal(run(DLT_RAW, n.b, n.n, n.n, &p), DECODE_OK);
	assert_int_equal(p.dport, 3544);
	assert_int_equal(p.payload_len, 10);
	/* AYIYA: identity 2^4 bytes, signature 5 x 4 bytes, forward, IPv6 */
	struct bb y = { .n = 0 };
	size_t yh = 8 + 16 + 20;
	put_outer4(&y, 17, 8 + yh + sizeof(ipv6_hbh_udp)), put_udp(&y, 5072, 5072, yh + sizeof(ipv6_hbh_udp));
	put8(&y, 0x41), put8(&y, 0x52), put8(&y, 0x11), put8(&y, 41), put32(&y, 0);
	memset(y.b + y.n, 0x5a, 36);
	y.n += 36;
	put(&y, ipv6_hbh_udp, sizeof(ipv6_hbh_udp));
	assert_int_equal(run(DLT_RAW, y.b, y.n, y.n, &p), DECODE_OK);
	assert_string_equal(layers(&p), "ayiya");
	assert_int_equal(p.sport, 5353);
	/* GRE in UDP */
	struct bb u = { .n = 0 };
	put_outer4(&u, 17, 8 + 8 + sizeof(ipv4_tcp)), put_udp(&u, 50000, 4754, 8 + sizeof(ipv4_tcp));
	put16(&u, 0x2000), put16(&u, 0x0800), put32(&u, 9), put_v4_tcp(&u);
	assert_int_equal(run(DLT_RAW, u.b, u.n, u.n, &p), DECODE_OK);
	assert_v4_tcp(&p);
	assert_string_equal(layers(&p), "gre-in-udp 9");
	u.b[30] = 0x88, u.b[31] = 0xb5; /* a protocol GRE in UDP does not carry: an ordinary datagram */
	assert_int_equal(run(DLT_RAW, u.b, u.n, u.n, &p), DECODE_OK);
	assert_int_equal(p.dport, 4754);
	assert_int_equal(p.nlayers, 0);
	/* every prefix of a tunnelled frame decodes without reading past it */
	for (size_t k = 0; k < f.n; k++)
		run(DLT_RAW, f.b, k, f.n, &p);
	for (size_t k = 0; k < t.n; k++)
		run(DLT_RAW, t.b, k, k, &p);
	for (size_t k = 0; k < r.n; k++)
		run(DLT_RAW, r.b, k, k, &p);
}

static void test_layers_text(void **state)
{
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.nlayers = 3;
	p.layer[0] = (struct layer){ LAYER_VLAN, true, 10 };
	p.layer[1] = (struct layer){ LAYER_GRE, false, 0 };
	p.layer[2] = (struct layer){ LAYER_ERSPAN, true, 5 };
	char buf[64];
	assert_int_equal(decode_layers_str(&p, buf, sizeof(buf)), strlen("vlan 10, gre, erspan 5"));
	assert_string_equal(buf, "vlan 10, gre, erspan 5");
	/* a short buffer holds whole layers only */
	assert_int_equal(decode_layers_str(&p, buf, 16), strlen("vlan 10, gre"));
	assert_string_equal(buf, "vlan 10, gre");
	p.nlayers = 0;
	assert_int_equal(decode_layers_str(&p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

/* ---- IP fragment reassembly ---- */

/* A UDP datagram 10.0.0.2:5353 -> 192.0.2.9:9 with `len` payload bytes i % 251. */
static size_t udp_datagram(uint8_t *out, size_t len)
{
	struct bb f = { .n = 0 };
	put8(&f, 0x45), put8(&f, 0), put16(&f, (uint16_t)(28 + len)), put16(&f, 0x1234), put16(&f, 0);
	put8(&f, 64), put8(&f, 17), put16(&f, 0);
	put32(&f, 0x0a000002), put32(&f, 0xc0000209);
	put_udp(&f, 5353, 9, len);
	for (size_t i = 0; i < len; i++)
		put8(&f, (uint8_t)(i % 251));
	memcpy(out, f.b, f.n);
	return f.n;
}

/* IPv4 fragment [start, end) of the datagram's payload (after its 20-byte header). */
static size_t frag4(uint8_t *out, const uint8_t *dg, size_t dg_len, size_t start, size_t end)
{
	size_t plen = dg_len - 20;
	memcpy(out, dg, 20);
	memcpy(out + 20, dg + 20 + start, end - start);
	out[2] = (uint8_t)((20 + end - start) >> 8);
	out[3] = (uint8_t)(20 + end - start);
	uint16_t fo = (uint16_t)(start / 8) | (end < plen ? 0x2000 : 0);
	out[6] = (uint8_t)(fo >> 8);
	out[7] = (uint8_t)fo;
	return 20 + end - start;
}

static struct decoder *new_decoder(size_t max_memory, size_t max_datagrams)
{
	struct decoder_limits l;
	decoder_default_limits(&l);
	if (max_memory)
		l.max_memory = max_memory;
	if (max_datagrams)
		l.max_datagrams = max_datagrams;
	return decoder_new(&l);
}

static void test_reassembly_ipv4(void **state)
{
	uint8_t dg[2048], fr[2048];
	size_t n = udp_datagram(dg, 1200);
	struct decoder *d = new_decoder(0, 0);
	struct packet p;
	/* out of order: the middle, a conflicting copy of it, the start, the end */
	size_t k = frag4(fr, dg, n, 400, 808);
	assert_int_equal(run_with(d, 1, DLT_RAW, fr, k, k, &p), DECODE_FRAGMENT);
	k = frag4(fr, dg, n, 400, 808);
	memset(fr + 20, 0xee, k - 20);
	assert_int_equal(run_with(d, 2, DLT_RAW, fr, k, k, &p), DECODE_FRAGMENT);
	k = frag4(fr, dg, n, 0, 400);
	assert_int_equal(run_with(d, 3, DLT_RAW, fr, k, k, &p), DECODE_FRAGMENT);
	k = frag4(fr, dg, n, 808, 1208);
	assert_int_equal(run_with(d, 4, DLT_RAW, fr, k, k, &p), DECODE_OK);
	assert_true(p.reassembled);
	assert_int_equal(p.ip_len, 1228);
	assert_int_equal(p.l3_len, 1228);
	assert_int_equal(p.l3[6] & 0x3f, 0); /* no fragment fields in the rebuilt header */
	assert_int_equal(p.payload_len, 1200);
	for (size_t i = 0; i < 1200; i++) /* the first copy won */
		assert_int_equal(p.payload[i], (uint8_t)(i % 251));
	const struct frag_stats *s = decoder_frag_stats(d);
	assert_int_equal(s->fragments, 4);
	assert_int_equal(s->datagrams, 1);
	assert_int_equal(s->overlapping, 1);
	/* a fragment cut by the snap length is not taken; a non-final fragment
	 * whose length is not a multiple of 8 is invalid; past 64 KiB is counted */
	k = frag4(fr, dg, n, 0, 400);
	assert_int_equal(run_with(d, 5, DLT_RAW, fr, 100, k, &p), DECODE_TRUNCATED);
	k = frag4(fr, dg, n, 0, 404);
	assert_int_equal(run_with(d, 5, DLT_RAW, fr, k, k, &p), DECODE_INVALID);
	k = frag4(fr, dg, n, 0, 400);
	fr[6] = 0x3f, fr[7] = 0xff; /* offset 65528, more fragments */
	assert_int_equal(run_with(d, 5, DLT_RAW, fr, k, k, &p), DECODE_FRAGMENT);
	assert_int_equal(decoder_frag_stats(d)->invalid, 1);
	/* the 30 s timeout, by packet time */
	k = frag4(fr, dg, n, 0, 400);
	assert_int_equal(run_with(d, 10 * 1000000000ull, DLT_RAW, fr, k, k, &p), DECODE_FRAGMENT);
	k = frag4(fr, dg, n, 400, 1208);
	assert_int_equal(run_with(d, 41 * 1000000000ull, DLT_RAW, fr, k, k, &p), DECODE_FRAGMENT);
	assert_int_equal(decoder_frag_stats(d)->timed_out, 1);
	decoder_flush(d); /* the last one never completed */
	assert_int_equal(decoder_frag_stats(d)->incomplete_at_end, 1);
	decoder_free(d);

	/* without a decoder fragments are only counted */
	k = frag4(fr, dg, n, 0, 400);
	assert_int_equal(run(DLT_RAW, fr, k, k, &p), DECODE_FRAGMENT);
}

static void test_reassembly_limits(void **state)
{
	uint8_t dg[2048], fr[2048];
	size_t n = udp_datagram(dg, 1200);
	struct packet p;
	/* at most 2 incomplete datagrams: the oldest goes */
	struct decoder *d = new_decoder(0, 2);
	for (int id = 1; id <= 3; id++) {
		size_t k = frag4(fr, dg, n, 0, 400);
		fr[5] = (uint8_t)id;
		assert_int_equal(run_with(d, 1, DLT_RAW, fr, k, k, &p), DECODE_FRAGMENT);
	}
	assert_int_equal(decoder_frag_stats(d)->over_limit, 1);
	size_t k = frag4(fr, dg, n, 400, 1208);
	fr[5] = 1; /* the first datagram's rest: its start was dropped */
	assert_int_equal(run_with(d, 2, DLT_RAW, fr, k, k, &p), DECODE_FRAGMENT);
	fr[5] = 3;
	assert_int_equal(run_with(d, 2, DLT_RAW, fr, k, k, &p), DECODE_OK);
	decoder_free(d);
	/* a datagram whose header and payload together pass 65535 bytes: its
	 * rebuilt length field could not say it */
	d = new_decoder(0, 0);
	uint8_t *big = calloc(1, 65600);
	big[0] = 0x4f; /* IHL 15: 40 bytes of options */
	big[8] = 64, big[9] = 17;
	big[2] = (uint8_t)(65532 >> 8), big[3] = (uint8_t)65532, big[6] = 0x20; /* 65472 bytes, MF */
	assert_int_equal(run_with(d, 1, DLT_RAW, big, 65532, 65532, &p), DECODE_FRAGMENT);
	big[2] = 0, big[3] = 100, big[6] = (uint8_t)(0x00 | (65472 / 8) >> 8), big[7] = (uint8_t)(65472 / 8);
	assert_int_equal(run_with(d, 2, DLT_RAW, big, 100, 100, &p), DECODE_FRAGMENT);
	assert_int_equal(decoder_frag_stats(d)->invalid, 2);
	assert_int_equal(decoder_frag_stats(d)->datagrams, 0);
	free(big);
	decoder_free(d);
	/* a memory cap smaller than one datagram's buffer */
	d = new_decoder(1024, 0);
	k = frag4(fr, dg, n, 0, 400);
	assert_int_equal(run_with(d, 1, DLT_RAW, fr, k, k, &p), DECODE_FRAGMENT);
	assert_true(decoder_frag_stats(d)->over_limit >= 1);
	decoder_free(d);
}

static void test_reassembly_ipv6(void **state)
{
	/* 2001:db8::2 -> 2001:db8::80, hop-by-hop, then a fragment header, UDP */
	uint8_t whole[40 + 8 + 8 + 1000];
	memcpy(whole, ipv6_hbh_udp, 48);
	whole[4] = 0, whole[5] = (uint8_t)(8 + 8 + 1000 - 0);
	whole[4] = (uint8_t)((8 + 8 + 1000) >> 8), whole[5] = (uint8_t)(8 + 8 + 1000);
	uint8_t *udp = whole + 48;
	udp[0] = 0x14, udp[1] = 0xe9, udp[2] = 0, udp[3] = 0x35;
	udp[4] = (uint8_t)(1008 >> 8), udp[5] = (uint8_t)1008, udp[6] = 0, udp[7] = 0;
	for (int i = 0; i < 1000; i++)
		udp[8 + i] = (uint8_t)i;
	struct decoder *d = new_decoder(0, 0);
	struct packet p;
	char a[64];
	size_t cut[3] = { 0, 504, 1008 };
	for (int i = 1; i >= 0; i--) { /* last fragment first */
		uint8_t f[1200];
		size_t len = cut[i + 1] - cut[i];
		memcpy(f, whole, 48);
		f[40] = 44; /* hop-by-hop's next header: fragment */
		f[4] = (uint8_t)((8 + 8 + len) >> 8), f[5] = (uint8_t)(8 + 8 + len);
		uint8_t fh[8] = { 17, 0, (uint8_t)(cut[i] >> 8), (uint8_t)(cut[i] | (i == 0)), 0, 0, 0xab, 0xcd };
		memcpy(f + 48, fh, 8);
		memcpy(f + 56, udp + cut[i], len);
		enum decode_status st = run_with(d, 1, 229, f, 56 + len, 56 + len, &p);
		assert_int_equal(st, i == 0 ? DECODE_OK : DECODE_FRAGMENT);
	}
	assert_true(p.reassembled);
	assert_int_equal(p.ip_len, 40 + 8 + 1008);
	assert_int_equal(p.l3[40], 17); /* the fragment header is gone */
	assert_int_equal(p.payload_len, 1000);
	assert_int_equal(p.payload[999], (uint8_t)999);
	assert_string_equal(ip_endpoint_str(&p.dst, p.dport, a, sizeof(a)), "[2001:db8::80]:53");
	decoder_free(d);
}

static void test_support_and_names(void **state)
{
	assert_true(decode_dlt_supported(DLT_EN10MB));
	assert_true(decode_dlt_supported(276));
	assert_false(decode_dlt_supported(147));
	int dlts[] = { DLT_NFLOG, DLT_PPP, DLT_PPP_SERIAL, DLT_PPP_ETHER, DLT_PPP_WITH_DIR, DLT_C_HDLC,
		       DLT_C_HDLC_WITH_DIR, DLT_IEEE802_11, DLT_IEEE802_11_RADIO, DLT_IEEE802_11_RADIO_AVS,
		       DLT_PRISM_HEADER, DLT_PPI };
	for (size_t i = 0; i < sizeof(dlts) / sizeof(dlts[0]); i++)
		assert_true(decode_dlt_supported(dlts[i]));
	struct packet p;
	uint8_t x[4] = { 0 };
	assert_int_equal(run(147, x, sizeof(x), sizeof(x), &p), DECODE_LINK_UNSUPPORTED);
	assert_string_equal(decode_status_name(DECODE_FRAGMENT), "ip_fragment");
	assert_string_equal(decode_status_name(DECODE_UNSUPPORTED), "unsupported_encapsulation");
	assert_string_equal(decode_status_name(DECODE_TOO_DEEP), "encapsulation_too_deep");
	assert_string_equal(decode_status_name(DECODE_WLAN_PROTECTED), "wlan_protected");
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
		cmocka_unit_test(test_nflog),
		cmocka_unit_test(test_ppp_and_chdlc),
		cmocka_unit_test(test_pppoe_mpls),
		cmocka_unit_test(test_wlan),
		cmocka_unit_test(test_gre),
		cmocka_unit_test(test_ip_in_ip),
		cmocka_unit_test(test_udp_tunnels),
		cmocka_unit_test(test_layers_text),
		cmocka_unit_test(test_reassembly_ipv4),
		cmocka_unit_test(test_reassembly_limits),
		cmocka_unit_test(test_reassembly_ipv6),
		cmocka_unit_test(test_support_and_names),
	};
	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
