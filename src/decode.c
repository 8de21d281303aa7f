/* \summary: packet decoding from the link layer to TCP/UDP (see decode.h).
 *
 * References: IEEE 802.1Q; Linux cooked capture v1/v2 (tcpdump.org
 * linktypes LINKTYPE_LINUX_SLL/SLL2); RFC 791 (IPv4), RFC 8200 (IPv6),
 * RFC 9293 (TCP), RFC 768 (UDP).
 */
#include "decode.h"

#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define MAX_VLAN_TAGS 4
#define MAX_IPV6_EXT_HEADERS 8

#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* The capture ran out (truncated) rather than the header lying (invalid):
 * the wire carried more than we captured. */
static enum decode_status short_read(const struct packet *p)
{
	return p->caplen < p->wirelen ? DECODE_TRUNCATED : DECODE_INVALID;
}

static enum decode_status decode_transport(struct packet *p, struct cursor *c)
{
	if (p->l4_proto == 6) {
		const uint8_t *h = cur_peek(c, 20);
		if (!h)
			return short_read(p);
		uint8_t doff = (uint8_t)((h[12] >> 4) * 4);
		if (doff < 20)
			return DECODE_INVALID;
		if (doff > cur_left(c))
			return p->payload_cut || p->caplen < p->wirelen ? DECODE_TRUNCATED : DECODE_INVALID;
		p->sport = (uint16_t)(h[0] << 8 | h[1]);
		p->dport = (uint16_t)(h[2] << 8 | h[3]);
		p->seq = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
		p->ack = (uint32_t)h[8] << 24 | (uint32_t)h[9] << 16 | (uint32_t)h[10] << 8 | h[11];
		p->tcp_flags = h[13];
		cur_skip(c, doff);
	} else {
		const uint8_t *h = cur_peek(c, 8);
		if (!h)
			return short_read(p);
		uint16_t ulen = (uint16_t)(h[4] << 8 | h[5]);
		if (ulen < 8)
			return DECODE_INVALID;
		p->sport = (uint16_t)(h[0] << 8 | h[1]);
		p->dport = (uint16_t)(h[2] << 8 | h[3]);
		cur_skip(c, 8);
		if ((size_t)ulen - 8 < cur_left(c))
			c->len = c->pos + (ulen - 8u); /* drop trailing padding */
		else if ((size_t)ulen - 8 > cur_left(c))
			p->payload_cut = true;
	}
	p->payload_len = (uint32_t)cur_left(c);
	p->payload = p->payload_len ? c->base + c->pos : NULL;
	return DECODE_OK;
}

static enum decode_status decode_ipv4(struct packet *p, struct cursor *c)
{
	const uint8_t *h = cur_peek(c, 20);
	if (!h)
		return cur_left(c) && (cur_peek(c, 1)[0] >> 4) != 4 ? DECODE_INVALID : short_read(p);
	if (h[0] >> 4 != 4)
		return DECODE_INVALID;
	size_t ihl = (size_t)(h[0] & 0x0f) * 4;
	size_t total = (size_t)(h[2] << 8 | h[3]);
	size_t avail = cur_left(c);
	if (ihl < 20)
		return DECODE_INVALID;
	if (total == 0) /* TSO captures leave the length 0: trust the capture */
		total = avail > 0xffff ? 0xffff : avail;
	if (total < ihl)
		return DECODE_INVALID;
	if (ihl > avail)
		return short_read(p);
	p->ip_version = 4;
	p->ip_len = (uint32_t)total;
	if (total > avail)
		p->payload_cut = true;
	else
		c->len = c->pos + total; /* drop link-layer padding */
	p->l3 = c->base + c->pos;
	p->l3_len = (uint32_t)cur_left(c);
	memset(p->src.b, 0, 10);
	p->src.b[10] = p->src.b[11] = 0xff;
	memcpy(p->src.b + 12, h + 12, 4);
	memset(p->dst.b, 0, 10);
	p->dst.b[10] = p->dst.b[11] = 0xff;
	memcpy(p->dst.b + 12, h + 16, 4);
	p->l4_proto = h[9];
	uint16_t frag = (uint16_t)(h[6] << 8 | h[7]);
	if ((frag & 0x2000) || (frag & 0x1fff))
		return DECODE_FRAGMENT;
	if (p->l4_proto != 6 && p->l4_proto != 17)
		return DECODE_OTHER_L4;
	cur_skip(c, ihl);
	return decode_transport(p, c);
}

static enum decode_status decode_ipv6(struct packet *p, struct cursor *c)
{
	const uint8_t *h = cur_peek(c, 40);
	if (!h)
		return cur_left(c) && (cur_peek(c, 1)[0] >> 4) != 6 ? DECODE_INVALID : short_read(p);
	if (h[0] >> 4 != 6)
		return DECODE_INVALID;
	size_t plen = (size_t)(h[4] << 8 | h[5]);
	size_t avail = cur_left(c);
	if (plen == 0) /* jumbogram or TSO: trust the capture */
		plen = avail - 40;
	p->ip_version = 6;
	p->ip_len = (uint32_t)(40 + plen);
	if (40 + plen > avail)
		p->payload_cut = true;
	else
		c->len = c->pos + 40 + plen;
	p->l3 = c->base + c->pos;
	p->l3_len = (uint32_t)cur_left(c);
	memcpy(p->src.b, h + 8, 16);
	memcpy(p->dst.b, h + 24, 16);
	uint8_t next = h[6];
	cur_skip(c, 40);
	for (int i = 0; i < MAX_IPV6_EXT_HEADERS; i++) {
		if (next == 6 || next == 17) {
			p->l4_proto = next;
			return decode_transport(p, c);
		}
		const uint8_t *e = cur_peek(c, 8);
		size_t len;
		switch (next) {
		case 0:  /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			if (!e)
				return short_read(p);
			len = ((size_t)e[1] + 1) * 8;
			break;
		case 44: /* fragment */
			if (!e)
				return short_read(p);
			p->l4_proto = e[0];
			if ((e[2] << 8 | e[3]) & 0xfff9) /* offset or more-fragments set */
				return DECODE_FRAGMENT;
			len = 8;
			break;
		case 51: /* authentication header */
			if (!e)
				return short_read(p);
			len = ((size_t)e[1] + 2) * 4;
			break;
		default:
			p->l4_proto = next;
			return DECODE_OTHER_L4;
		}
		if (len > cur_left(c))
			return short_read(p);
		next = e[0];
		cur_skip(c, len);
	}
	return DECODE_INVALID;
}

static enum decode_status decode_ip_version(struct packet *p, struct cursor *c)
{
	const uint8_t *v = cur_peek(c, 1);
	if (!v)
		return short_read(p);
	if (v[0] >> 4 == 4)
		return decode_ipv4(p, c);
	if (v[0] >> 4 == 6)
		return decode_ipv6(p, c);
	return DECODE_INVALID;
}

/* Ethertype dispatch, walking any VLAN tags first. */
static enum decode_status decode_ethertype(struct packet *p, struct cursor *c, uint16_t type)
{
	for (int tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD;
	     tags++) {
		if (tags == MAX_VLAN_TAGS)
			return DECODE_INVALID;
		uint16_t tci = cur_be16(c);
		type = cur_be16(c);
		if (!cur_ok(c))
			return short_read(p);
		if (tags == 0)
			p->vlan = tci & 0x0fff;
		else if (tags == 1)
			p->vlan_inner = tci & 0x0fff;
	}
	if (type == ETHERTYPE_IPV4)
		return decode_ipv4(p, c);
	if (type == ETHERTYPE_IPV6)
		return decode_ipv6(p, c);
	return DECODE_OTHER_L3;
}

/* BSD loopback: the address family, in the writer's byte order (NULL) or
 * network order (LOOP).  AF_INET6 differs per OS: 24, 28 or 30. */
static enum decode_status decode_loopback(struct packet *p, struct cursor *c, bool network_order)
{
	uint32_t fam = network_order ? cur_be32(c) : cur_le32(c);
	if (!cur_ok(c))
		return short_read(p);
	if (!network_order && (fam & 0xffff) == 0) /* written on a big-endian host */
		fam = __builtin_bswap32(fam);
	switch (fam) {
	case 2:
		return decode_ipv4(p, c);
	case 24:
	case 28:
	case 30:
		return decode_ipv6(p, c);
	default:
		return DECODE_OTHER_L3;
	}
}

bool decode_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

enum decode_status decode_packet(int dlt, struct packet *p)
{
	const uint8_t *data = p->data;
	uint32_t caplen = p->caplen, wirelen = p->wirelen;
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->caplen = caplen;
	p->wirelen = wirelen < caplen ? caplen : wirelen;
	struct cursor c = cur_make(data, caplen);
	uint16_t type;
	switch (dlt) {
	case DLT_EN10MB:
		cur_skip(&c, 12);
		type = cur_be16(&c);
		if (!cur_ok(&c))
			return short_read(p);
		p->mac_dst = data;
		p->mac_src = data + 6;
		return decode_ethertype(p, &c, type);
	case DLT_LINUX_SLL:
		cur_skip(&c, 14);
		type = cur_be16(&c);
		if (!cur_ok(&c))
			return short_read(p);
		return decode_ethertype(p, &c, type);
	case DLT_LINUX_SLL2:
		type = cur_be16(&c);
		cur_skip(&c, 18);
		if (!cur_ok(&c))
			return short_read(p);
		return decode_ethertype(p, &c, type);
	case DLT_RAW:
		return decode_ip_version(p, &c);
	case DLT_IPV4:
		return decode_ipv4(p, &c);
	case DLT_IPV6:
		return decode_ipv6(p, &c);
	case DLT_NULL:
		return decode_loopback(p, &c, false);
	case DLT_LOOP:
		return decode_loopback(p, &c, true);
	default:
		return DECODE_OTHER_L3;
	}
}

const char *decode_status_name(enum decode_status s)
{
	static const char *const names[DECODE_STATUS_COUNT] = {
		[DECODE_OK] = "ok",
		[DECODE_OTHER_L3] = "not_ip",
		[DECODE_OTHER_L4] = "other_transport",
		[DECODE_FRAGMENT] = "ip_fragment",
		[DECODE_TRUNCATED] = "truncated",
		[DECODE_INVALID] = "invalid",
	};
	return (unsigned)s < DECODE_STATUS_COUNT ? names[s] : "?";
}

/* Decimal digits of v at p; returns the end.  (The report formats two
 * endpoints per flow: printf-family formatting showed up in profiles.) */
static char *put_uint(char *p, unsigned v)
{
	char tmp[12];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t len)
{
	if (!ip_addr_is_v4(a))
		return inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
	if (len < 16)
		return NULL;
	char *p = buf;
	for (int i = 12; i < 16; i++) {
		p = put_uint(p, a->b[i]);
		*p++ = i < 15 ? '.' : 0;
	}
	return buf;
}

const char *ip_endpoint_str(const struct ip_addr *a, uint16_t port, char *buf, size_t len)
{
	char ip[46];
	if (len < 54 || !ip_addr_str(a, ip, sizeof(ip)))
		return NULL;
	bool v4 = ip_addr_is_v4(a);
	char *p = buf;
	if (!v4)
		*p++ = '[';
	size_t n = strlen(ip);
	memcpy(p, ip, n);
	p += n;
	if (!v4)
		*p++ = ']';
	*p++ = ':';
	p = put_uint(p, port);
	*p = 0;
	return buf;
}
