/* \summary: packet decoding from the link layer to TCP/UDP (see decode.h).
 *
 * References: IEEE 802.1Q; IEEE 802.11-2020 section 9.2 (MAC frame
 * formats); radiotap.org; tcpdump.org link types (LINUX_SLL/SLL2, NFLOG,
 * PPP_HDLC, C_HDLC, PPI, IEEE802_11_AVS); RFC 1661/1662 (PPP, HDLC-like
 * framing), RFC 2516 (PPPoE), RFC 3032 (MPLS), RFC 4385 (PW control word),
 * RFC 2784/2890 (GRE, keys and sequence numbers), RFC 2637 (PPTP enhanced
 * GRE), draft-foschiano-erspan (ERSPAN types I-III), RFC 3378 (EtherIP),
 * RFC 2003/4213 (IP in IP, 6in4), RFC 7348 (VXLAN), RFC 8926 (Geneve),
 * 3GPP TS 29.281 (GTP-U), RFC 4380 (Teredo), draft-massar-v6ops-ayiya,
 * RFC 8086 (GRE in UDP); RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293 (TCP),
 * RFC 768 (UDP).
 *
 * The decoders call one another on a cursor that only ever narrows, so a
 * tunnel's payload can never be read past its carrier.  Recursion is bounded
 * by DECODE_MAX_TUNNELS (every tunnel counts one) and the per-header caps
 * (VLAN tags, MPLS labels, IPv6 extension headers).
 */
#include "decode.h"

#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "ipfrag.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MCAST 0x8848
#define ETHERTYPE_PPPOE_SESSION 0x8864
#define ETHERTYPE_TEB 0x6558 /* transparent Ethernet bridging */
#define ETHERTYPE_ERSPAN_2 0x88be
#define ETHERTYPE_ERSPAN_3 0x22eb
#define ETHERTYPE_PPP 0x880b

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057
#define PPP_MPLS 0x0281
#define PPP_MPLS_MCAST 0x0283

#define PORT_VXLAN 4789
#define PORT_GENEVE 6081
#define PORT_GTPU 2152
#define PORT_TEREDO 3544
#define PORT_AYIYA 5072
#define PORT_GRE_UDP 4754

#define MAX_VLAN_TAGS 4
#define MAX_MPLS_LABELS 8
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
#ifndef DLT_NFLOG
#define DLT_NFLOG 239
#endif

struct decoder {
	struct ipfrag *frag;
	bool rebuilt; /* datagrams were handed out: free them before the next packet */
};

/* One decoding: the packet and the decoder (NULL: no reassembly). */
struct dctx {
	struct packet *p;
	struct decoder *d;
	int reassemblies; /* an IPv6 datagram can hold another fragment header: bounded */
};

static enum decode_status ether(struct dctx *x, struct cursor *c);
static enum decode_status ethertype(struct dctx *x, struct cursor *c, uint16_t type);
static enum decode_status ipv4(struct dctx *x, struct cursor *c);
static enum decode_status ipv6(struct dctx *x, struct cursor *c);
static enum decode_status wlan(struct dctx *x, struct cursor *c);
static enum decode_status ppp(struct dctx *x, struct cursor *c);

/* The capture ran out (truncated) rather than the header lying (invalid):
 * the wire carried more than we captured. */
static enum decode_status short_read(const struct packet *p)
{
	return p->caplen < p->wirelen ? DECODE_TRUNCATED : DECODE_INVALID;
}

static inline uint16_t be16(const uint8_t *h) { return (uint16_t)(h[0] << 8 | h[1]); }
static inline uint16_t le16(const uint8_t *h) { return (uint16_t)(h[1] << 8 | h[0]); }
static inline uint32_t be32(const uint8_t *h)
{
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}
static inline uint32_t le32(const uint8_t *h)
{
	return (uint32_t)h[3] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[1] << 8 | h[0];
}

/* Records a layer; false when the packet already has DECODE_MAX_LAYERS. */
static bool push_layer(struct packet *p, enum layer_kind kind, bool has_id, uint32_t id)
{
	if (p->nlayers == DECODE_MAX_LAYERS)
		return false;
	struct layer *l = &p->layer[p->nlayers++];
	l->kind = (uint8_t)kind;
	l->has_id = has_id;
	l->id = has_id ? id : 0;
	return true;
}

/* A tunnel begins: counted against DECODE_MAX_TUNNELS and recorded. */
static bool enter_tunnel(struct packet *p, enum layer_kind kind, bool has_id, uint32_t id)
{
	if (p->ntunnels == DECODE_MAX_TUNNELS)
		return false;
	p->ntunnels++;
	return push_layer(p, kind, has_id, id);
}

/* ---- transport and the tunnels over UDP ---- */

static enum decode_status gre(struct dctx *x, struct cursor *c, enum layer_kind kind);
static enum decode_status ip_version(struct dctx *x, struct cursor *c);

/* VXLAN: flags (I set: the VNI is valid), 3 reserved, VNI, 1 reserved. */
static bool vxlan(struct dctx *x, struct cursor *c, enum decode_status *st)
{
	uint8_t flags = cur_u8(c);
	cur_skip(c, 3);
	uint32_t vni = cur_be24(c);
	cur_skip(c, 1);
	if (!cur_ok(c) || !(flags & 0x08))
		return false;
	*st = enter_tunnel(x->p, LAYER_VXLAN, true, vni) ? ether(x, c) : DECODE_TOO_DEEP;
	return true;
}

/* Geneve: version 0, options length in 4-byte words, protocol type, VNI. */
static bool geneve(struct dctx *x, struct cursor *c, enum decode_status *st)
{
	uint8_t ver_opt = cur_u8(c);
	cur_skip(c, 1);
	uint16_t proto = cur_be16(c);
	uint32_t vni = cur_be24(c);
	cur_skip(c, 1);
	if (!cur_ok(c) || ver_opt >> 6 != 0)
		return false;
	if (!cur_skip(c, (size_t)(ver_opt & 0x3f) * 4)) {
		*st = short_read(x->p);
		return true;
	}
	if (!enter_tunnel(x->p, LAYER_GENEVE, true, vni))
		*st = DECODE_TOO_DEEP;
	else if (proto == ETHERTYPE_TEB)
		*st = ether(x, c);
	else if (proto == ETHERTYPE_IPV4 || proto == ETHERTYPE_IPV6)
		*st = ethertype(x, c, proto);
	else
		*st = DECODE_UNSUPPORTED;
	return true;
}

/* GTP-U version 1: only G-PDUs (type 255) carry user packets; echo and the
 * other signalling messages stay UDP packets of the outer flow. */
static bool gtpu(struct dctx *x, struct cursor *c, enum decode_status *st)
{
	const uint8_t *h = cur_peek(c, 8);
	if (!h || h[0] >> 5 != 1 || !(h[0] & 0x10) || h[1] != 0xff)
		return false;
	size_t len = be16(h + 2); /* bytes after the mandatory 8 */
	uint32_t teid = be32(h + 4);
	cur_skip(c, 8);
	if (len < cur_left(c))
		c->len = c->pos + len;
	if (h[0] & 0x07) { /* E, S or PN: sequence number, N-PDU number, next extension type */
		const uint8_t *o = cur_take(c, 4);
		uint8_t next = o ? o[3] : 0;
		for (int i = 0; o && next && i < 8; i++) { /* extension headers: length in 4-byte units */
			const uint8_t *e = cur_peek(c, 1);
			if (!e || e[0] == 0 || !cur_peek(c, (size_t)e[0] * 4)) {
				o = NULL;
				break;
			}
			next = c->base[c->pos + (size_t)e[0] * 4 - 1];
			cur_skip(c, (size_t)e[0] * 4);
		}
		if (!o || next) {
			*st = o ? DECODE_UNSUPPORTED : short_read(x->p);
			return true;
		}
	}
	if (!enter_tunnel(x->p, LAYER_GTPU, true, teid)) {
		*st = DECODE_TOO_DEEP;
		return true;
	}
	const uint8_t *v = cur_peek(c, 1);
	*st = !v ? short_read(x->p) : (v[0] >> 4 == 4 || v[0] >> 4 == 6) ? ip_version(x, c) : DECODE_UNSUPPORTED;
	return true;
}

/* Teredo: optional authentication and origin indication headers, then an
 * IPv6 packet whose length fills the datagram exactly (so that other
 * traffic on port 3544 is left alone). */
static bool teredo(struct dctx *x, struct cursor *c, enum decode_status *st)
{
	struct cursor t = *c;
	const uint8_t *h = cur_peek(&t, 2);
	if (h && h[0] == 0 && h[1] == 1) { /* authentication */
		const uint8_t *a = cur_take(&t, 4);
		if (!a || !cur_skip(&t, (size_t)a[2] + a[3] + 9))
			return false;
		h = cur_peek(&t, 2);
	}
	if (h && h[0] == 0 && h[1] == 0 && !cur_skip(&t, 8)) /* origin indication */
		return false;
	const uint8_t *ip = cur_peek(&t, 40);
	if (!ip || ip[0] >> 4 != 6 || (size_t)be16(ip + 4) + 40 != cur_left(&t))
		return false;
	*c = t;
	*st = enter_tunnel(x->p, LAYER_TEREDO, false, 0) ? ipv6(x, c) : DECODE_TOO_DEEP;
	return true;
}

/* AYIYA: identity and signature lengths in the header; opcode 1 forwards
 * the packet named by the next header (IPv4 or IPv6). */
static bool ayiya(struct dctx *x, struct cursor *c, enum decode_status *st)
{
	const uint8_t *h = cur_peek(c, 8);
	if (!h || (h[2] & 0x0f) != 1 || (h[3] != 4 && h[3] != 41))
		return false;
	size_t hlen = 8 + ((size_t)1 << (h[0] >> 4)) + (size_t)(h[1] >> 4) * 4;
	struct cursor t = *c;
	const uint8_t *ip;
	if (!cur_skip(&t, hlen) || !(ip = cur_peek(&t, 1)) || ip[0] >> 4 != (h[3] == 4 ? 4 : 6))
		return false;
	*c = t;
	*st = enter_tunnel(x->p, LAYER_AYIYA, false, 0) ? ip_version(x, c) : DECODE_TOO_DEEP;
	return true;
}

/* GRE in UDP: a GRE header, version 0, no routing. */
static bool gre_udp(struct dctx *x, struct cursor *c, enum decode_status *st)
{
	const uint8_t *h = cur_peek(c, 4);
	if (!h || (h[1] & 0x07) != 0 || (h[0] & 0x40))
		return false;
	*st = gre(x, c, LAYER_GRE_UDP);
	return true;
}

/* A tunnel carried by UDP, recognised by its port and its header; false
 * when the datagram is not one (it stays an ordinary UDP packet). */
static bool udp_tunnel(struct dctx *x, struct cursor *c, enum decode_status *st)
{
	uint16_t sp = x->p->sport, dp = x->p->dport;
	struct cursor t = *c;
	bool hit;
	if (dp == PORT_VXLAN)
		hit = vxlan(x, &t, st);
	else if (dp == PORT_GENEVE)
		hit = geneve(x, &t, st);
	else if (dp == PORT_GRE_UDP)
		hit = gre_udp(x, &t, st);
	else if (dp == PORT_GTPU || sp == PORT_GTPU)
		hit = gtpu(x, &t, st);
	else if (dp == PORT_TEREDO || sp == PORT_TEREDO)
		hit = teredo(x, &t, st);
	else if (dp == PORT_AYIYA || sp == PORT_AYIYA)
		hit = ayiya(x, &t, st);
	else
		return false;
	return hit;
}

static bool is_tunnel_port(uint16_t sp, uint16_t dp)
{
	switch (dp) {
	case PORT_VXLAN:
	case PORT_GENEVE:
	case PORT_GRE_UDP:
	case PORT_GTPU:
	case PORT_TEREDO:
	case PORT_AYIYA:
		return true;
	default:
		return sp == PORT_GTPU || sp == PORT_TEREDO || sp == PORT_AYIYA;
	}
}

static enum decode_status transport(struct dctx *x, struct cursor *c)
{
	struct packet *p = x->p;
	if (p->l4_proto == 6) {
		const uint8_t *h = cur_peek(c, 20);
		if (!h)
			return short_read(p);
		uint8_t doff = (uint8_t)((h[12] >> 4) * 4);
		if (doff < 20)
			return DECODE_INVALID;
		if (doff > cur_left(c))
			return p->payload_cut || p->caplen < p->wirelen ? DECODE_TRUNCATED : DECODE_INVALID;
		p->sport = be16(h);
		p->dport = be16(h + 2);
		p->seq = be32(h + 4);
		p->ack = be32(h + 8);
		p->tcp_flags = h[13];
		cur_skip(c, doff);
	} else {
		const uint8_t *h = cur_peek(c, 8);
		if (!h)
			return short_read(p);
		uint16_t ulen = be16(h + 4);
		if (ulen < 8)
			return DECODE_INVALID;
		p->sport = be16(h);
		p->dport = be16(h + 2);
		cur_skip(c, 8);
		if ((size_t)ulen - 8 < cur_left(c))
			c->len = c->pos + (ulen - 8u); /* drop trailing padding */
		else if ((size_t)ulen - 8 > cur_left(c))
			p->payload_cut = true;
		enum decode_status st;
		if (is_tunnel_port(p->sport, p->dport) && udp_tunnel(x, c, &st))
			return st;
	}
	p->payload_len = (uint32_t)cur_left(c);
	p->payload = p->payload_len ? c->base + c->pos : NULL;
	return DECODE_OK;
}

/* ---- IP ---- */

static enum decode_status ip_in_ip(struct dctx *x, struct cursor *c, int outer, int inner)
{
	static const enum layer_kind kinds[2][2] = { { LAYER_4IN4, LAYER_6IN4 }, { LAYER_4IN6, LAYER_6IN6 } };
	if (!enter_tunnel(x->p, kinds[outer == 6][inner == 6], false, 0))
		return DECODE_TOO_DEEP;
	return inner == 4 ? ipv4(x, c) : ipv6(x, c);
}

/* EtherIP: a 2-byte header (version 3) and an Ethernet frame. */
static enum decode_status etherip(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_take(c, 2);
	if (!h)
		return short_read(x->p);
	if (h[0] >> 4 != 3)
		return DECODE_UNSUPPORTED;
	return enter_tunnel(x->p, LAYER_ETHERIP, false, 0) ? ether(x, c) : DECODE_TOO_DEEP;
}

/* What an IP header (or the last IPv6 extension header) says comes next. */
static enum decode_status ip_next(struct dctx *x, struct cursor *c, uint8_t proto, int version)
{
	x->p->l4_proto = proto;
	switch (proto) {
	case 6:
	case 17:
		return transport(x, c);
	case 47:
		return gre(x, c, LAYER_GRE);
	case 4:
		return ip_in_ip(x, c, version, 4);
	case 41:
		return ip_in_ip(x, c, version, 6);
	case 97:
		return etherip(x, c);
	default:
		return DECODE_OTHER_L4;
	}
}

/* Hands a fragment to the reassembler; decodes the datagram it completes. */
static enum decode_status fragment(struct dctx *x, const struct frag_key *k, const struct frag_in *in)
{
	size_t len;
	if (x->reassemblies == DECODE_MAX_TUNNELS)
		return DECODE_TOO_DEEP;
	const uint8_t *dg = ipfrag_add(x->d->frag, k, in, x->p->ts_ns, &len);
	if (!dg)
		return DECODE_FRAGMENT;
	x->d->rebuilt = true;
	x->p->reassembled = true;
	x->reassemblies++;
	struct cursor c = cur_make(dg, len);
	return k->version == 4 ? ipv4(x, &c) : ipv6(x, &c);
}

static void set_v4(struct ip_addr *a, const uint8_t *b)
{
	memset(a->b, 0, 10);
	a->b[10] = a->b[11] = 0xff;
	memcpy(a->b + 12, b, 4);
}

static enum decode_status ipv4(struct dctx *x, struct cursor *c)
{
	struct packet *p = x->p;
	const uint8_t *h = cur_peek(c, 20);
	if (!h)
		return cur_left(c) && (cur_peek(c, 1)[0] >> 4) != 4 ? DECODE_INVALID : short_read(p);
	if (h[0] >> 4 != 4)
		return DECODE_INVALID;
	size_t ihl = (size_t)(h[0] & 0x0f) * 4;
	size_t total = be16(h + 2);
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
	p->payload_cut = total > avail;
	if (!p->payload_cut)
		c->len = c->pos + total; /* drop link-layer padding */
	p->l3 = c->base + c->pos;
	p->l3_len = (uint32_t)cur_left(c);
	set_v4(&p->src, h + 12);
	set_v4(&p->dst, h + 16);
	p->l4_proto = h[9];
	uint16_t frag = be16(h + 6);
	if (frag & 0x3fff) { /* more fragments, or an offset */
		if (!x->d)
			return DECODE_FRAGMENT;
		if (p->payload_cut)
			return DECODE_TRUNCATED;
		bool more = frag & 0x2000;
		if (more && (total - ihl) % 8)
			return DECODE_INVALID;
		struct frag_key k;
		memset(&k, 0, sizeof(k));
		k.src = p->src;
		k.dst = p->dst;
		k.id = be16(h + 4);
		k.vlan = p->vlan;
		k.version = 4;
		k.proto = h[9];
		k.depth = p->ntunnels;
		struct frag_in in = { h, ihl, 0, 0, (uint32_t)(frag & 0x1fff) * 8, h + ihl, total - ihl, more };
		return fragment(x, &k, &in);
	}
	cur_skip(c, ihl);
	return ip_next(x, c, h[9], 4);
}

static enum decode_status ipv6(struct dctx *x, struct cursor *c)
{
	struct packet *p = x->p;
	const uint8_t *h = cur_peek(c, 40);
	if (!h)
		return cur_left(c) && (cur_peek(c, 1)[0] >> 4) != 6 ? DECODE_INVALID : short_read(p);
	if (h[0] >> 4 != 6)
		return DECODE_INVALID;
	size_t plen = be16(h + 4);
	size_t avail = cur_left(c);
	if (plen == 0) /* jumbogram or TSO: trust the capture */
		plen = avail - 40;
	p->ip_version = 6;
	p->ip_len = (uint32_t)(40 + plen);
	p->payload_cut = 40 + plen > avail;
	if (!p->payload_cut)
		c->len = c->pos + 40 + plen;
	p->l3 = c->base + c->pos;
	p->l3_len = (uint32_t)cur_left(c);
	memcpy(p->src.b, h + 8, 16);
	memcpy(p->dst.b, h + 24, 16);
	uint8_t next = h[6];
	size_t nh_off = 6; /* where `next` was read, from the IPv6 header's start */
	size_t start = c->pos;
	cur_skip(c, 40);
	for (int i = 0; i < MAX_IPV6_EXT_HEADERS; i++) {
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
		case 44: { /* fragment */
			if (!e)
				return short_read(p);
			uint16_t fo = be16(e + 2);
			len = 8;
			if ((fo & 0xfff9) == 0) /* offset 0, no more fragments: an atomic fragment */
				break;
			p->l4_proto = e[0];
			if (!x->d)
				return DECODE_FRAGMENT;
			if (p->payload_cut)
				return DECODE_TRUNCATED;
			bool more = fo & 1;
			size_t data_len = cur_left(c) - 8;
			if (more && data_len % 8)
				return DECODE_INVALID;
			struct frag_key k;
			memset(&k, 0, sizeof(k));
			k.src = p->src;
			k.dst = p->dst;
			k.id = be32(e + 4);
			k.vlan = p->vlan;
			k.version = 6;
			k.depth = p->ntunnels;
			struct frag_in in = { c->base + start, c->pos - start, nh_off, e[0], fo & 0xfff8, e + 8,
					      data_len, more };
			return fragment(x, &k, &in);
		}
		case 51: /* authentication header */
			if (!e)
				return short_read(p);
			len = ((size_t)e[1] + 2) * 4;
			break;
		default:
			return ip_next(x, c, next, 6);
		}
		if (len > cur_left(c))
			return short_read(p);
		nh_off = c->pos - start;
		next = e[0];
		cur_skip(c, len);
	}
	return DECODE_INVALID;
}

static enum decode_status ip_version(struct dctx *x, struct cursor *c)
{
	const uint8_t *v = cur_peek(c, 1);
	if (!v)
		return short_read(x->p);
	if (v[0] >> 4 == 4)
		return ipv4(x, c);
	if (v[0] >> 4 == 6)
		return ipv6(x, c);
	return DECODE_INVALID;
}

/* ---- GRE ---- */

static bool is_aruba(uint16_t proto) { return proto >= 0x8200 && proto <= 0x83f0 && (proto & 0x000f) == 0; }

/* ERSPAN type II (8-byte header, version 1) or III (12 bytes, version 2,
 * an optional 8-byte platform subheader); type I has no header at all. */
static enum decode_status erspan(struct dctx *x, struct cursor *c, int type)
{
	struct packet *p = x->p;
	if (type == 1)
		return push_layer(p, LAYER_ERSPAN, false, 0) ? ether(x, c) : DECODE_TOO_DEEP;
	const uint8_t *h = cur_take(c, type == 2 ? 8 : 12);
	if (!h)
		return short_read(p);
	if (h[0] >> 4 != type - 1)
		return DECODE_UNSUPPORTED;
	uint32_t session = (uint32_t)(h[2] & 0x03) << 8 | h[3];
	if (!push_layer(p, LAYER_ERSPAN, true, session))
		return DECODE_TOO_DEEP;
	if (type == 3) {
		uint8_t ft = (h[10] >> 2) & 0x1f;
		if ((h[11] & 0x01) && !cur_skip(c, 8))
			return short_read(p);
		if (ft == 2)
			return ip_version(x, c);
		if (ft != 0)
			return DECODE_UNSUPPORTED;
	}
	return ether(x, c);
}

static enum decode_status gre(struct dctx *x, struct cursor *c, enum layer_kind kind)
{
	struct packet *p = x->p;
	uint16_t flags = cur_be16(c), proto = cur_be16(c);
	if (!cur_ok(c))
		return short_read(p);
	uint8_t version = flags & 0x07;
	if (version == 1) { /* PPTP: key = payload length and call id; optional sequence and ack */
		uint32_t key = cur_be32(c);
		if ((flags & 0x1000) && !cur_skip(c, 4))
			return short_read(p);
		if ((flags & 0x0080) && !cur_skip(c, 4))
			return short_read(p);
		if (!cur_ok(c))
			return short_read(p);
		if (proto != ETHERTYPE_PPP || !(flags & 0x2000))
			return DECODE_UNSUPPORTED;
		if (!enter_tunnel(p, LAYER_PPTP, true, key & 0xffff))
			return DECODE_TOO_DEEP;
		if ((key >> 16) < cur_left(c))
			c->len = c->pos + (key >> 16);
		return ppp(x, c);
	}
	if (version != 0 || (flags & 0x4000)) /* other versions; RFC 1701 source routing */
		return DECODE_UNSUPPORTED;
	if (flags & 0x8000) /* checksum, reserved */
		cur_skip(c, 4);
	bool has_key = flags & 0x2000;
	uint32_t key = has_key ? cur_be32(c) : 0;
	bool has_seq = flags & 0x1000;
	if (has_seq)
		cur_skip(c, 4);
	if (!cur_ok(c))
		return short_read(p);
	if (!enter_tunnel(p, kind, has_key, key))
		return DECODE_TOO_DEEP;
	switch (proto) {
	case ETHERTYPE_TEB:
		return ether(x, c);
	case ETHERTYPE_ERSPAN_2:
		return erspan(x, c, has_seq ? 2 : 1);
	case ETHERTYPE_ERSPAN_3:
		return erspan(x, c, 3);
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MCAST:
		return ethertype(x, c, proto);
	case ETHERTYPE_PPP:
		return ppp(x, c);
	default:
		if (is_aruba(proto))
			return push_layer(p, LAYER_ARUBA, false, 0) ? wlan(x, c) : DECODE_TOO_DEEP;
		return DECODE_UNSUPPORTED;
	}
}

/* ---- MPLS, PPP, PPPoE ---- */

static enum decode_status mpls(struct dctx *x, struct cursor *c)
{
	struct packet *p = x->p;
	for (int n = 0;; n++) {
		if (n == MAX_MPLS_LABELS)
			return DECODE_TOO_DEEP;
		uint32_t e = cur_be32(c);
		if (!cur_ok(c))
			return short_read(p);
		if (!push_layer(p, LAYER_MPLS, true, e >> 12))
			return DECODE_TOO_DEEP;
		if (e & 0x100) /* bottom of stack */
			break;
	}
	/* MPLS does not say what it carries: IP by its version, an Ethernet
	 * pseudowire by its control word (first nibble 0) */
	const uint8_t *v = cur_peek(c, 1);
	if (!v)
		return short_read(p);
	switch (v[0] >> 4) {
	case 4:
		return ipv4(x, c);
	case 6:
		return ipv6(x, c);
	case 0:
		if (!cur_skip(c, 4))
			return short_read(p);
		if (p->ntunnels == DECODE_MAX_TUNNELS)
			return DECODE_TOO_DEEP;
		p->ntunnels++;
		return ether(x, c);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* The PPP protocol field: one byte when its low bit is set (RFC 1661
 * protocol field compression), else two. */
static enum decode_status ppp_protocol(struct dctx *x, struct cursor *c)
{
	const uint8_t *b = cur_peek(c, 1);
	if (!b)
		return short_read(x->p);
	uint16_t proto = (b[0] & 1) ? cur_u8(c) : cur_be16(c);
	if (!cur_ok(c))
		return short_read(x->p);
	switch (proto) {
	case PPP_IPV4:
		return ipv4(x, c);
	case PPP_IPV6:
		return ipv6(x, c);
	case PPP_MPLS:
	case PPP_MPLS_MCAST:
		return mpls(x, c);
	default:
		/* 0x0xxx-0x3xxx are network protocols not decoded (compressed
		 * TCP/IP, multilink...); 0x8xxx and up are control (LCP, IPCP...) */
		return proto < 0x4000 ? DECODE_UNSUPPORTED : DECODE_OTHER_L3;
	}
}

static enum decode_status chdlc(struct dctx *x, struct cursor *c);

/* PPP, with or without the HDLC-like address and control bytes (ff 03);
 * a frame that starts like Cisco HDLC is read as that (as tcpdump does). */
static enum decode_status ppp(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_peek(c, 2);
	if (h && h[0] == 0xff && h[1] == 0x03)
		cur_skip(c, 2);
	else if (h && (h[0] == 0x0f || h[0] == 0x8f) && h[1] == 0x00)
		return chdlc(x, c);
	return ppp_protocol(x, c);
}

/* PPPoE session stage: version/type 0x11, code 0, session id, length. */
static enum decode_status pppoe(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_take(c, 6);
	if (!h)
		return short_read(x->p);
	if (h[0] != 0x11 || h[1] != 0x00)
		return DECODE_INVALID;
	if (!push_layer(x->p, LAYER_PPPOE, true, be16(h + 2)))
		return DECODE_TOO_DEEP;
	size_t len = be16(h + 4);
	if (len < cur_left(c))
		c->len = c->pos + len; /* Ethernet padding */
	return ppp_protocol(x, c);
}

/* Cisco HDLC: address, control, then an Ethernet type. */
static enum decode_status chdlc(struct dctx *x, struct cursor *c)
{
	cur_skip(c, 2);
	uint16_t type = cur_be16(c);
	if (!cur_ok(c))
		return short_read(x->p);
	return ethertype(x, c, type);
}

/* ---- Ethernet ---- */

static enum decode_status ethertype(struct dctx *x, struct cursor *c, uint16_t type)
{
	struct packet *p = x->p;
	for (int tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD;
	     tags++) {
		if (tags == MAX_VLAN_TAGS)
			return DECODE_INVALID;
		uint16_t tci = cur_be16(c);
		type = cur_be16(c);
		if (!cur_ok(c))
			return short_read(p);
		uint16_t id = tci & 0x0fff;
		if (tags == 0)
			p->vlan = id;
		else if (tags == 1)
			p->vlan_inner = id;
		if (!push_layer(p, LAYER_VLAN, true, id))
			return DECODE_TOO_DEEP;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		return ipv4(x, c);
	case ETHERTYPE_IPV6:
		return ipv6(x, c);
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MCAST:
		return mpls(x, c);
	case ETHERTYPE_PPPOE_SESSION:
		return pppoe(x, c);
	default:
		return DECODE_OTHER_L3;
	}
}

/* 802.2 LLC with a SNAP header (aa aa 03, OUI 000000 or 0000f8) names an
 * Ethernet type; other LLC frames (STP...) are not IP. */
static enum decode_status llc_snap(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_peek(c, 8);
	if (!h)
		return cur_left(c) >= 3 ? DECODE_OTHER_L3 : short_read(x->p);
	if (h[0] != 0xaa || h[1] != 0xaa || h[2] != 0x03 || h[3] != 0 || h[4] != 0 || (h[5] != 0 && h[5] != 0xf8))
		return DECODE_OTHER_L3;
	cur_skip(c, 8);
	return ethertype(x, c, be16(h + 6));
}

/* A frame's VLAN ids are its own: a tunnelled frame does not inherit the
 * tags of the frame that carried it. */
static enum decode_status ether(struct dctx *x, struct cursor *c)
{
	x->p->vlan = x->p->vlan_inner = 0;
	cur_skip(c, 12);
	uint16_t type = cur_be16(c);
	if (!cur_ok(c))
		return short_read(x->p);
	if (type < 0x0600) { /* an 802.3 length: LLC follows */
		if (type < cur_left(c))
			c->len = c->pos + type;
		return llc_snap(x, c);
	}
	return ethertype(x, c, type);
}

/* ---- IEEE 802.11 ---- */

static enum decode_status wlan(struct dctx *x, struct cursor *c)
{
	struct packet *p = x->p;
	p->vlan = p->vlan_inner = 0;
	const uint8_t *fc = cur_peek(c, 2);
	if (!fc)
		return short_read(p);
	uint8_t type = (fc[0] >> 2) & 3, subtype = fc[0] >> 4, flags = fc[1];
	if (fc[0] & 3) /* protocol version 0 is the only one */
		return DECODE_INVALID;
	if (type != 2 || (subtype & 0x4)) /* not data, or a data frame without data (null function) */
		return DECODE_WLAN_NOT_DATA;
	if (flags & 0x40)
		return DECODE_WLAN_PROTECTED;
	bool qos = subtype & 0x8;
	size_t hlen = 24 + ((flags & 3) == 3 ? 6 : 0); /* a fourth address between two access points */
	size_t qos_at = hlen;
	if (qos)
		hlen += 2 + ((flags & 0x80) ? 4 : 0); /* QoS control; HT control with the order flag */
	const uint8_t *h = cur_take(c, hlen);
	if (!h)
		return short_read(p);
	if (qos && (h[qos_at] & 0x80)) /* A-MSDU: several packets in one frame */
		return DECODE_UNSUPPORTED;
	if ((flags & 0x04) || (le16(h + 22) & 0x0f)) /* an 802.11 fragment */
		return DECODE_UNSUPPORTED;
	return llc_snap(x, c);
}

/* radiotap: version 0, length, presence bitmaps; the Flags field (bit 1)
 * says whether the frame ends with its FCS. */
static enum decode_status radiotap(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_peek(c, 8);
	if (!h)
		return short_read(x->p);
	size_t len = le16(h + 2);
	if (h[0] != 0 || len < 8)
		return DECODE_INVALID;
	const uint8_t *all = cur_take(c, len);
	if (!all)
		return short_read(x->p);
	uint32_t present = le32(all + 4);
	size_t at = 8;
	for (uint32_t word = present; word & 0x80000000u; at += 4) { /* extended bitmaps */
		if (at + 4 > len)
			return DECODE_INVALID;
		word = le32(all + at);
	}
	if (present & 0x2) {
		if (present & 0x1) /* TSFT: 8 bytes, 8-aligned */
			at = ((at + 7) & ~(size_t)7) + 8;
		if (at < len && (all[at] & 0x10) && cur_left(c) >= 4)
			c->len -= 4;
	}
	return wlan(x, c);
}

/* PPI: version 0, flags, length, the DLT of what follows. */
static enum decode_status ppi(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_peek(c, 8);
	if (!h)
		return short_read(x->p);
	size_t len = le16(h + 2);
	uint32_t dlt = le32(h + 4);
	if (h[0] != 0 || len < 8)
		return DECODE_INVALID;
	if (!cur_skip(c, len))
		return short_read(x->p);
	if (dlt == DLT_IEEE802_11)
		return wlan(x, c);
	if (dlt == DLT_EN10MB)
		return ether(x, c);
	return DECODE_UNSUPPORTED;
}

/* AVS (magic 0x8021100x, big-endian length) or Prism (little-endian
 * message length) in front of an 802.11 frame. */
static enum decode_status wlan_radio_header(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_peek(c, 8);
	if (!h)
		return short_read(x->p);
	size_t len = (be32(h) & 0xfffffff0u) == 0x80211000u ? be32(h + 4) : le32(h + 4);
	if (len < 8)
		return DECODE_INVALID;
	if (!cur_skip(c, len))
		return short_read(x->p);
	return wlan(x, c);
}

/* ---- other link layers ---- */

/* Linux NFLOG: family, version, resource id, then TLVs (length including
 * the 4-byte header, type; in the writer's byte order, padded to 4); type
 * 9 is the packet. */
static enum decode_status nflog(struct dctx *x, struct cursor *c)
{
	if (!cur_skip(c, 4))
		return short_read(x->p);
	const uint8_t *t = cur_peek(c, 4);
	/* the byte order is the one in which the first TLV makes sense */
	bool big = t && !(le16(t + 2) < 0x100 && le16(t) >= 4 && le16(t) <= cur_left(c));
	while ((t = cur_peek(c, 4))) {
		size_t len = big ? be16(t) : le16(t);
		uint16_t type = big ? be16(t + 2) : le16(t + 2);
		if (len < 4)
			return DECODE_INVALID;
		if (len > cur_left(c))
			return short_read(x->p);
		if (type == 9) {
			cur_skip(c, 4);
			struct cursor v = cur_sub(c, len - 4);
			return ip_version(x, &v);
		}
		size_t padded = (len + 3) & ~(size_t)3;
		cur_skip(c, padded <= cur_left(c) ? padded : cur_left(c));
	}
	return cur_left(c) ? short_read(x->p) : DECODE_OTHER_L3;
}

/* BSD loopback: the address family, in the writer's byte order (NULL) or
 * network order (LOOP).  AF_INET6 differs per OS: 24, 28 or 30. */
static enum decode_status loopback(struct dctx *x, struct cursor *c, bool network_order)
{
	uint32_t fam = network_order ? cur_be32(c) : cur_le32(c);
	if (!cur_ok(c))
		return short_read(x->p);
	if (!network_order && (fam & 0xffff) == 0) /* written on a big-endian host */
		fam = __builtin_bswap32(fam);
	switch (fam) {
	case 2:
		return ipv4(x, c);
	case 24:
	case 28:
	case 30:
		return ipv6(x, c);
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
	case DLT_NFLOG:
	case DLT_PPP:
	case DLT_PPP_SERIAL:
	case DLT_PPP_ETHER:
	case DLT_PPP_WITH_DIR:
	case DLT_C_HDLC:
	case DLT_C_HDLC_WITH_DIR:
	case DLT_IEEE802_11:
	case DLT_IEEE802_11_RADIO:
	case DLT_IEEE802_11_RADIO_AVS:
	case DLT_PRISM_HEADER:
	case DLT_PPI:
		return true;
	default:
		return false;
	}
}

static enum decode_status link_layer(struct dctx *x, int dlt, struct cursor *c)
{
	uint16_t type;
	switch (dlt) {
	case DLT_EN10MB:
		return ether(x, c);
	case DLT_LINUX_SLL:
		cur_skip(c, 14);
		type = cur_be16(c);
		if (!cur_ok(c))
			return short_read(x->p);
		return ethertype(x, c, type);
	case DLT_LINUX_SLL2:
		type = cur_be16(c);
		cur_skip(c, 18);
		if (!cur_ok(c))
			return short_read(x->p);
		return ethertype(x, c, type);
	case DLT_RAW:
		return ip_version(x, c);
	case DLT_IPV4:
		return ipv4(x, c);
	case DLT_IPV6:
		return ipv6(x, c);
	case DLT_NULL:
		return loopback(x, c, false);
	case DLT_LOOP:
		return loopback(x, c, true);
	case DLT_NFLOG:
		return nflog(x, c);
	case DLT_PPP_WITH_DIR:
		if (!cur_skip(c, 1))
			return short_read(x->p);
		/* fall through */
	case DLT_PPP:
	case DLT_PPP_SERIAL:
		return ppp(x, c);
	case DLT_PPP_ETHER:
		return pppoe(x, c);
	case DLT_C_HDLC_WITH_DIR:
		if (!cur_skip(c, 1))
			return short_read(x->p);
		/* fall through */
	case DLT_C_HDLC:
		return chdlc(x, c);
	case DLT_IEEE802_11:
		return wlan(x, c);
	case DLT_IEEE802_11_RADIO:
		return radiotap(x, c);
	case DLT_IEEE802_11_RADIO_AVS:
	case DLT_PRISM_HEADER:
		return wlan_radio_header(x, c);
	case DLT_PPI:
		return ppi(x, c);
	default:
		return DECODE_LINK_UNSUPPORTED;
	}
}

enum decode_status decode_packet(struct decoder *d, int dlt, struct packet *p)
{
	const uint8_t *data = p->data;
	uint32_t caplen = p->caplen, wirelen = p->wirelen;
	uint64_t ts = p->ts_ns;
	memset(p, 0, offsetof(struct packet, layer)); /* the layers are counted, not cleared */
	p->data = data;
	p->caplen = caplen;
	p->wirelen = wirelen < caplen ? caplen : wirelen;
	p->ts_ns = ts;
	struct dctx x = { p, d, 0 };
	if (d && d->rebuilt) { /* the previous packet's datagrams */
		ipfrag_release(d->frag);
		d->rebuilt = false;
	}
	struct cursor c = cur_make(data, caplen);
	return link_layer(&x, dlt, &c);
}

void decoder_default_limits(struct decoder_limits *l)
{
	l->max_memory = 64u << 20;
	l->max_datagrams = 16384;
	l->timeout_ns = 30ull * 1000000000ull; /* Linux's ipfrag_time */
}

struct decoder *decoder_new(const struct decoder_limits *l)
{
	struct decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (!(d->frag = ipfrag_new(l))) {
		free(d);
		return NULL;
	}
	return d;
}

void decoder_free(struct decoder *d)
{
	if (!d)
		return;
	ipfrag_free(d->frag);
	free(d);
}

void decoder_flush(struct decoder *d)
{
	ipfrag_flush(d->frag);
	ipfrag_release(d->frag);
	d->rebuilt = false;
}

const struct frag_stats *decoder_frag_stats(const struct decoder *d) { return ipfrag_stats(d->frag); }

const char *decode_status_name(enum decode_status s)
{
	static const char *const names[DECODE_STATUS_COUNT] = {
		[DECODE_OK] = "ok",
		[DECODE_OTHER_L3] = "not_ip",
		[DECODE_OTHER_L4] = "other_transport",
		[DECODE_FRAGMENT] = "ip_fragment",
		[DECODE_TRUNCATED] = "truncated",
		[DECODE_INVALID] = "invalid",
		[DECODE_UNSUPPORTED] = "unsupported_encapsulation",
		[DECODE_TOO_DEEP] = "encapsulation_too_deep",
		[DECODE_WLAN_PROTECTED] = "wlan_protected",
		[DECODE_WLAN_NOT_DATA] = "wlan_not_data",
		[DECODE_LINK_UNSUPPORTED] = "unsupported_link_type",
	};
	return (unsigned)s < DECODE_STATUS_COUNT ? names[s] : "?";
}

static const char *layer_name(uint8_t kind)
{
	static const char *const names[LAYER_KIND_COUNT] = {
		[LAYER_VLAN] = "vlan",       [LAYER_MPLS] = "mpls",       [LAYER_PPPOE] = "pppoe",
		[LAYER_GRE] = "gre",         [LAYER_GRE_UDP] = "gre-in-udp", [LAYER_PPTP] = "pptp",
		[LAYER_ERSPAN] = "erspan",   [LAYER_ARUBA] = "aruba",     [LAYER_ETHERIP] = "etherip",
		[LAYER_VXLAN] = "vxlan",     [LAYER_GENEVE] = "geneve",   [LAYER_GTPU] = "gtp-u",
		[LAYER_TEREDO] = "teredo",   [LAYER_AYIYA] = "ayiya",     [LAYER_4IN4] = "4in4",
		[LAYER_6IN4] = "6in4",       [LAYER_4IN6] = "4in6",       [LAYER_6IN6] = "6in6",
	};
	return kind < LAYER_KIND_COUNT && names[kind] ? names[kind] : "?";
}

size_t decode_layers_str(const struct packet *p, char *buf, size_t len)
{
	size_t n = 0;
	if (len)
		buf[0] = 0;
	for (unsigned i = 0; i < p->nlayers && len; i++) {
		const struct layer *l = &p->layer[i];
		int w = l->has_id ? snprintf(buf + n, len - n, "%s%s %u", i ? ", " : "", layer_name(l->kind), l->id)
				  : snprintf(buf + n, len - n, "%s%s", i ? ", " : "", layer_name(l->kind));
		if (w < 0 || (size_t)w >= len - n) {
			buf[n] = 0; /* never half a layer */
			break;
		}
		n += (size_t)w;
	}
	return n;
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
