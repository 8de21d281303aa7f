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

#include "decode_internal.h"
#include "ipfrag.h"

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

/* ---- transport ---- */

static enum decode_status transport(struct dctx *x, struct cursor *c)
{
	struct packet *p = x->p;
	if (p->l4_proto == 6) {
		const uint8_t *h = cur_peek(c, 20);
		if (!h)
			return dec_short_read(p);
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
			return dec_short_read(p);
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
		if (dec_is_tunnel_port(p->sport, p->dport) && dec_udp_tunnel(x, c, &st))
			return st;
	}
	p->payload_len = (uint32_t)cur_left(c);
	p->payload = p->payload_len ? c->base + c->pos : NULL;
	return DECODE_OK;
}

/* ---- IP ---- */

/* What an IP header (or the last IPv6 extension header) says comes next. */
static enum decode_status ip_next(struct dctx *x, struct cursor *c, uint8_t proto, int version)
{
	x->p->l4_proto = proto;
	switch (proto) {
	case 6:
	case 17:
		return transport(x, c);
	case 47:
		return dec_gre(x, c, LAYER_GRE);
	case 4:
		return dec_ip_in_ip(x, c, version, 4);
	case 41:
		return dec_ip_in_ip(x, c, version, 6);
	case 97:
		return dec_etherip(x, c);
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
	return k->version == 4 ? dec_ipv4(x, &c) : dec_ipv6(x, &c);
}

static void set_v4(struct ip_addr *a, const uint8_t *b)
{
	memset(a->b, 0, 10);
	a->b[10] = a->b[11] = 0xff;
	memcpy(a->b + 12, b, 4);
}

enum decode_status dec_ipv4(struct dctx *x, struct cursor *c)
{
	struct packet *p = x->p;
	const uint8_t *h = cur_peek(c, 20);
	if (!h)
		return cur_left(c) && (cur_peek(c, 1)[0] >> 4) != 4 ? DECODE_INVALID : dec_short_read(p);
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
		return dec_short_read(p);
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

enum decode_status dec_ipv6(struct dctx *x, struct cursor *c)
{
	struct packet *p = x->p;
	const uint8_t *h = cur_peek(c, 40);
	if (!h)
		return cur_left(c) && (cur_peek(c, 1)[0] >> 4) != 6 ? DECODE_INVALID : dec_short_read(p);
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
				return dec_short_read(p);
			len = ((size_t)e[1] + 1) * 8;
			break;
		case 44: { /* fragment */
			if (!e)
				return dec_short_read(p);
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
				return dec_short_read(p);
			len = ((size_t)e[1] + 2) * 4;
			break;
		default:
			return ip_next(x, c, next, 6);
		}
		if (len > cur_left(c))
			return dec_short_read(p);
		nh_off = c->pos - start;
		next = e[0];
		cur_skip(c, len);
	}
	return DECODE_INVALID;
}

enum decode_status dec_ip_version(struct dctx *x, struct cursor *c)
{
	const uint8_t *v = cur_peek(c, 1);
	if (!v)
		return dec_short_read(x->p);
	if (v[0] >> 4 == 4)
		return dec_ipv4(x, c);
	if (v[0] >> 4 == 6)
		return dec_ipv6(x, c);
	return DECODE_INVALID;
}

/* ---- Ethernet ---- */

enum decode_status dec_ethertype(struct dctx *x, struct cursor *c, uint16_t type)
{
	struct packet *p = x->p;
	for (int tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD;
	     tags++) {
		if (tags == MAX_VLAN_TAGS)
			return DECODE_INVALID;
		uint16_t tci = cur_be16(c);
		type = cur_be16(c);
		if (!cur_ok(c))
			return dec_short_read(p);
		uint16_t id = tci & 0x0fff;
		if (tags == 0)
			p->vlan = id;
		else if (tags == 1)
			p->vlan_inner = id;
		if (!dec_push_layer(p, LAYER_VLAN, true, id))
			return DECODE_TOO_DEEP;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		return dec_ipv4(x, c);
	case ETHERTYPE_IPV6:
		return dec_ipv6(x, c);
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MCAST:
		return dec_mpls(x, c);
	case ETHERTYPE_PPPOE_SESSION:
		return dec_pppoe(x, c);
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
		return cur_left(c) >= 3 ? DECODE_OTHER_L3 : dec_short_read(x->p);
	if (h[0] != 0xaa || h[1] != 0xaa || h[2] != 0x03 || h[3] != 0 || h[4] != 0 || (h[5] != 0 && h[5] != 0xf8))
		return DECODE_OTHER_L3;
	cur_skip(c, 8);
	return dec_ethertype(x, c, be16(h + 6));
}

/* A frame's VLAN ids are its own: a tunnelled frame does not inherit the
 * tags of the frame that carried it. */
enum decode_status dec_ether(struct dctx *x, struct cursor *c)
{
	x->p->vlan = x->p->vlan_inner = 0;
	/* the innermost Ethernet header names the device (a mirrored or
	 * tunnelled frame carries the LAN's own addresses inside) */
	if (cur_left(c) >= 12) {
		x->p->mac_dst = c->base + c->pos;
		x->p->mac_src = c->base + c->pos + 6;
	}
	cur_skip(c, 12);
	uint16_t type = cur_be16(c);
	if (!cur_ok(c))
		return dec_short_read(x->p);
	if (type < 0x0600) { /* an 802.3 length: LLC follows */
		if (type < cur_left(c))
			c->len = c->pos + type;
		return llc_snap(x, c);
	}
	return dec_ethertype(x, c, type);
}

/* ---- IEEE 802.11 ---- */

enum decode_status dec_wlan(struct dctx *x, struct cursor *c)
{
	struct packet *p = x->p;
	p->vlan = p->vlan_inner = 0;
	const uint8_t *fc = cur_peek(c, 2);
	if (!fc)
		return dec_short_read(p);
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
		return dec_short_read(p);
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
		return dec_short_read(x->p);
	size_t len = le16(h + 2);
	if (h[0] != 0 || len < 8)
		return DECODE_INVALID;
	const uint8_t *all = cur_take(c, len);
	if (!all)
		return dec_short_read(x->p);
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
	return dec_wlan(x, c);
}

/* PPI: version 0, flags, length, the DLT of what follows. */
static enum decode_status ppi(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_peek(c, 8);
	if (!h)
		return dec_short_read(x->p);
	size_t len = le16(h + 2);
	uint32_t dlt = le32(h + 4);
	if (h[0] != 0 || len < 8)
		return DECODE_INVALID;
	if (!cur_skip(c, len))
		return dec_short_read(x->p);
	if (dlt == DLT_IEEE802_11)
		return dec_wlan(x, c);
	if (dlt == DLT_EN10MB)
		return dec_ether(x, c);
	return DECODE_UNSUPPORTED;
}

/* AVS (magic 0x8021100x, big-endian length) or Prism (little-endian
 * message length) in front of an 802.11 frame. */
static enum decode_status wlan_radio_header(struct dctx *x, struct cursor *c)
{
	const uint8_t *h = cur_peek(c, 8);
	if (!h)
		return dec_short_read(x->p);
	size_t len = (be32(h) & 0xfffffff0u) == 0x80211000u ? be32(h + 4) : le32(h + 4);
	if (len < 8)
		return DECODE_INVALID;
	if (!cur_skip(c, len))
		return dec_short_read(x->p);
	return dec_wlan(x, c);
}

/* ---- other link layers ---- */

/* Linux NFLOG: family, version, resource id, then TLVs (length including
 * the 4-byte header, type; in the writer's byte order, padded to 4); type
 * 9 is the packet. */
static enum decode_status nflog(struct dctx *x, struct cursor *c)
{
	if (!cur_skip(c, 4))
		return dec_short_read(x->p);
	const uint8_t *t = cur_peek(c, 4);
	/* the byte order is the one in which the first TLV makes sense */
	bool big = t && !(le16(t + 2) < 0x100 && le16(t) >= 4 && le16(t) <= cur_left(c));
	while ((t = cur_peek(c, 4))) {
		size_t len = big ? be16(t) : le16(t);
		uint16_t type = big ? be16(t + 2) : le16(t + 2);
		if (len < 4)
			return DECODE_INVALID;
		if (len > cur_left(c))
			return dec_short_read(x->p);
		if (type == 9) {
			cur_skip(c, 4);
			struct cursor v = cur_sub(c, len - 4);
			return dec_ip_version(x, &v);
		}
		size_t padded = (len + 3) & ~(size_t)3;
		cur_skip(c, padded <= cur_left(c) ? padded : cur_left(c));
	}
	return cur_left(c) ? dec_short_read(x->p) : DECODE_OTHER_L3;
}

/* BSD loopback: the address family, in the writer's byte order (NULL) or
 * network order (LOOP).  AF_INET6 differs per OS: 24, 28 or 30. */
static enum decode_status loopback(struct dctx *x, struct cursor *c, bool network_order)
{
	uint32_t fam = network_order ? cur_be32(c) : cur_le32(c);
	if (!cur_ok(c))
		return dec_short_read(x->p);
	if (!network_order && (fam & 0xffff) == 0) /* written on a big-endian host */
		fam = __builtin_bswap32(fam);
	switch (fam) {
	case 2:
		return dec_ipv4(x, c);
	case 24:
	case 28:
	case 30:
		return dec_ipv6(x, c);
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
		return dec_ether(x, c);
	case DLT_LINUX_SLL:
		cur_skip(c, 14);
		type = cur_be16(c);
		if (!cur_ok(c))
			return dec_short_read(x->p);
		return dec_ethertype(x, c, type);
	case DLT_LINUX_SLL2:
		type = cur_be16(c);
		cur_skip(c, 18);
		if (!cur_ok(c))
			return dec_short_read(x->p);
		return dec_ethertype(x, c, type);
	case DLT_RAW:
		return dec_ip_version(x, c);
	case DLT_IPV4:
		return dec_ipv4(x, c);
	case DLT_IPV6:
		return dec_ipv6(x, c);
	case DLT_NULL:
		return loopback(x, c, false);
	case DLT_LOOP:
		return loopback(x, c, true);
	case DLT_NFLOG:
		return nflog(x, c);
	case DLT_PPP_WITH_DIR:
		if (!cur_skip(c, 1))
			return dec_short_read(x->p);
		/* fall through */
	case DLT_PPP:
	case DLT_PPP_SERIAL:
		return dec_ppp(x, c);
	case DLT_PPP_ETHER:
		return dec_pppoe(x, c);
	case DLT_C_HDLC_WITH_DIR:
		if (!cur_skip(c, 1))
			return dec_short_read(x->p);
		/* fall through */
	case DLT_C_HDLC:
		return dec_chdlc(x, c);
	case DLT_IEEE802_11:
		return dec_wlan(x, c);
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
