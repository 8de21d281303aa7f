/* \summary: the tunnels and the layers between a link and IP: GRE (keys,
 * sequence numbers, ERSPAN I-III, Aruba, PPTP), MPLS, PPP, PPPoE, Cisco
 * HDLC, IP in IP, EtherIP, and over UDP: VXLAN, Geneve, GTP-U, Teredo, AYIYA,
 * GRE in UDP (see decode.h; references in decode.c).
 */
#include "decode_internal.h"

/* ---- tunnels over UDP ---- */



/* VXLAN: flags (I set: the VNI is valid; G, of the group policy
 * extension, allowed), 3 reserved bytes (the group policy's), VNI, 1 reserved
 * byte.  The reserved bits keep other traffic to port 4789 out. */
static bool vxlan(struct dctx *x, struct cursor *c, enum decode_status *st)
{
	uint8_t flags = cur_u8(c);
	cur_skip(c, 3);
	uint32_t vni = cur_be24(c);
	uint8_t reserved = cur_u8(c);
	if (!cur_ok(c) || (flags & 0x7f) != 0x08 || reserved)
		return false;
	*st = dec_enter_tunnel(x->p, LAYER_VXLAN, true, vni) ? dec_ether(x, c) : DECODE_TOO_DEEP;
	return true;
}

/* Geneve: version 0, options length in 4-byte words, O and C flags and 6
 * reserved bits, protocol type, VNI, 1 reserved byte. */
static bool geneve(struct dctx *x, struct cursor *c, enum decode_status *st)
{
	uint8_t ver_opt = cur_u8(c);
	uint8_t flags = cur_u8(c);
	uint16_t proto = cur_be16(c);
	uint32_t vni = cur_be24(c);
	uint8_t reserved = cur_u8(c);
	if (!cur_ok(c) || ver_opt >> 6 != 0 || (flags & 0x3f) || reserved)
		return false;
	if (!cur_skip(c, (size_t)(ver_opt & 0x3f) * 4)) {
		*st = dec_short_read(x->p);
		return true;
	}
	if (!dec_enter_tunnel(x->p, LAYER_GENEVE, true, vni))
		*st = DECODE_TOO_DEEP;
	else if (proto == ETHERTYPE_TEB)
		*st = dec_ether(x, c);
	else if (proto == ETHERTYPE_IPV4 || proto == ETHERTYPE_IPV6)
		*st = dec_ethertype(x, c, proto);
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
			*st = o ? DECODE_UNSUPPORTED : dec_short_read(x->p);
			return true;
		}
	}
	if (!dec_enter_tunnel(x->p, LAYER_GTPU, true, teid)) {
		*st = DECODE_TOO_DEEP;
		return true;
	}
	const uint8_t *v = cur_peek(c, 1);
	*st = !v ? dec_short_read(x->p) : (v[0] >> 4 == 4 || v[0] >> 4 == 6) ? dec_ip_version(x, c) : DECODE_UNSUPPORTED;
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
	*st = dec_enter_tunnel(x->p, LAYER_TEREDO, false, 0) ? dec_ipv6(x, c) : DECODE_TOO_DEEP;
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
	*st = dec_enter_tunnel(x->p, LAYER_AYIYA, false, 0) ? dec_ip_version(x, c) : DECODE_TOO_DEEP;
	return true;
}

/* GRE in UDP: a GRE header with only the checksum, key and sequence flags
 * (RFC 2784 reserved bits zero), version 0, carrying what GRE in UDP
 * carries (IPv4, IPv6, MPLS, Ethernet). */
static bool gre_udp(struct dctx *x, struct cursor *c, enum decode_status *st)
{
	const uint8_t *h = cur_peek(c, 4);
	if (!h || ((h[0] << 8 | h[1]) & 0x4fff))
		return false;
	uint16_t proto = (uint16_t)(h[2] << 8 | h[3]);
	if (proto != ETHERTYPE_IPV4 && proto != ETHERTYPE_IPV6 && proto != ETHERTYPE_MPLS &&
	    proto != ETHERTYPE_MPLS_MCAST && proto != ETHERTYPE_TEB)
		return false;
	*st = dec_gre(x, c, LAYER_GRE_UDP);
	return true;
}

bool dec_udp_tunnel(struct dctx *x, struct cursor *c, enum decode_status *st)
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


/* ---- IP in IP, EtherIP ---- */

enum decode_status dec_ip_in_ip(struct dctx *x, struct cursor *c, int outer, int inner)
{
	static const enum layer_kind kinds[2][2] = { { LAYER_4IN4, LAYER_6IN4 }, { LAYER_4IN6, LAYER_6IN6 } };
	if (!dec_enter_tunnel(x->p, kinds[outer == 6][inner == 6], false, 0))
		return DECODE_TOO_DEEP;
	return inner == 4 ? dec_ipv4(x, c) : dec_ipv6(x, c);
}

/* EtherIP: a 2-byte header (version 3) and an Ethernet frame. */
enum decode_status dec_etherip(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_take(c, 2);
	if (!h)
		return dec_short_read(x->p);
	if (h[0] >> 4 != 3)
		return DECODE_UNSUPPORTED;
	return dec_enter_tunnel(x->p, LAYER_ETHERIP, false, 0) ? dec_ether(x, c) : DECODE_TOO_DEEP;
}

/* ---- GRE ---- */

static bool is_aruba(uint16_t proto) { return proto >= 0x8200 && proto <= 0x83f0 && (proto & 0x000f) == 0; }

/* ERSPAN type II (8-byte header, version 1) or III (12 bytes, version 2,
 * an optional 8-byte platform subheader); type I has no header at all. */
static enum decode_status erspan(struct dctx *x, struct cursor *c, int type)
{
	struct packet *p = x->p;
	if (type == 1)
		return dec_push_layer(p, LAYER_ERSPAN, false, 0) ? dec_ether(x, c) : DECODE_TOO_DEEP;
	const uint8_t *h = cur_take(c, type == 2 ? 8 : 12);
	if (!h)
		return dec_short_read(p);
	if (h[0] >> 4 != type - 1)
		return DECODE_UNSUPPORTED;
	uint32_t session = (uint32_t)(h[2] & 0x03) << 8 | h[3];
	if (!dec_push_layer(p, LAYER_ERSPAN, true, session))
		return DECODE_TOO_DEEP;
	if (type == 3) {
		uint8_t ft = (h[10] >> 2) & 0x1f;
		if ((h[11] & 0x01) && !cur_skip(c, 8))
			return dec_short_read(p);
		if (ft == 2)
			return dec_ip_version(x, c);
		if (ft != 0)
			return DECODE_UNSUPPORTED;
	}
	return dec_ether(x, c);
}

enum decode_status dec_gre(struct dctx *x, struct cursor *c, enum layer_kind kind)
{
	struct packet *p = x->p;
	uint16_t flags = cur_be16(c), proto = cur_be16(c);
	if (!cur_ok(c))
		return dec_short_read(p);
	uint8_t version = flags & 0x07;
	if (version == 1) { /* PPTP: key = payload length and call id; optional sequence and ack */
		uint32_t key = cur_be32(c);
		if ((flags & 0x1000) && !cur_skip(c, 4))
			return dec_short_read(p);
		if ((flags & 0x0080) && !cur_skip(c, 4))
			return dec_short_read(p);
		if (!cur_ok(c))
			return dec_short_read(p);
		if (proto != ETHERTYPE_PPP || !(flags & 0x2000))
			return DECODE_UNSUPPORTED;
		if (!dec_enter_tunnel(p, LAYER_PPTP, true, key & 0xffff))
			return DECODE_TOO_DEEP;
		if ((key >> 16) < cur_left(c))
			c->len = c->pos + (key >> 16);
		return dec_ppp(x, c);
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
		return dec_short_read(p);
	if (!dec_enter_tunnel(p, kind, has_key, key))
		return DECODE_TOO_DEEP;
	switch (proto) {
	case ETHERTYPE_TEB:
		return dec_ether(x, c);
	case ETHERTYPE_ERSPAN_2:
		return erspan(x, c, has_seq ? 2 : 1);
	case ETHERTYPE_ERSPAN_3:
		return erspan(x, c, 3);
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MCAST:
		return dec_ethertype(x, c, proto);
	case ETHERTYPE_PPP:
		return dec_ppp(x, c);
	default:
		if (is_aruba(proto))
			return dec_push_layer(p, LAYER_ARUBA, false, 0) ? dec_wlan(x, c) : DECODE_TOO_DEEP;
		return DECODE_UNSUPPORTED;
	}
}

/* ---- MPLS, PPP, PPPoE ---- */

enum decode_status dec_mpls(struct dctx *x, struct cursor *c)
{
	struct packet *p = x->p;
	for (int n = 0;; n++) {
		if (n == MAX_MPLS_LABELS)
			return DECODE_TOO_DEEP;
		uint32_t e = cur_be32(c);
		if (!cur_ok(c))
			return dec_short_read(p);
		if (!dec_push_layer(p, LAYER_MPLS, true, e >> 12))
			return DECODE_TOO_DEEP;
		if (e & 0x100) /* bottom of stack */
			break;
	}
	/* MPLS does not say what it carries: IP by its version, an Ethernet
	 * pseudowire by its control word (first nibble 0) */
	const uint8_t *v = cur_peek(c, 1);
	if (!v)
		return dec_short_read(p);
	switch (v[0] >> 4) {
	case 4:
		return dec_ipv4(x, c);
	case 6:
		return dec_ipv6(x, c);
	case 0:
		if (!cur_skip(c, 4))
			return dec_short_read(p);
		if (p->ntunnels == DECODE_MAX_TUNNELS)
			return DECODE_TOO_DEEP;
		p->ntunnels++;
		return dec_ether(x, c);
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
		return dec_short_read(x->p);
	uint16_t proto = (b[0] & 1) ? cur_u8(c) : cur_be16(c);
	if (!cur_ok(c))
		return dec_short_read(x->p);
	switch (proto) {
	case PPP_IPV4:
		return dec_ipv4(x, c);
	case PPP_IPV6:
		return dec_ipv6(x, c);
	case PPP_MPLS:
	case PPP_MPLS_MCAST:
		return dec_mpls(x, c);
	default:
		/* 0x0xxx-0x3xxx are network protocols not decoded (compressed
		 * TCP/IP, multilink...); 0x8xxx and up are control (LCP, IPCP...) */
		return proto < 0x4000 ? DECODE_UNSUPPORTED : DECODE_OTHER_L3;
	}
}


/* PPP, with or without the HDLC-like address and control bytes (ff 03);
 * a frame that starts like Cisco HDLC is read as that (as tcpdump does). */
enum decode_status dec_ppp(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_peek(c, 2);
	if (h && h[0] == 0xff && h[1] == 0x03)
		cur_skip(c, 2);
	else if (h && (h[0] == 0x0f || h[0] == 0x8f) && h[1] == 0x00)
		return dec_chdlc(x, c);
	return ppp_protocol(x, c);
}

/* PPPoE session stage: version/type 0x11, code 0, session id, length. */
enum decode_status dec_pppoe(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_take(c, 6);
	if (!h)
		return dec_short_read(x->p);
	if (h[0] != 0x11 || h[1] != 0x00)
		return DECODE_INVALID;
	if (!dec_push_layer(x->p, LAYER_PPPOE, true, be16(h + 2)))
		return DECODE_TOO_DEEP;
	size_t len = be16(h + 4);
	if (len < cur_left(c))
		c->len = c->pos + len; /* Ethernet padding */
	return ppp_protocol(x, c);
}

/* Cisco HDLC: address, control, then an Ethernet type. */
enum decode_status dec_chdlc(struct dctx *x, struct cursor *c)
{
	cur_skip(c, 2);
	uint16_t type = cur_be16(c);
	if (!cur_ok(c))
		return dec_short_read(x->p);
	return dec_ethertype(x, c, type);
}
