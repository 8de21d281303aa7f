/* \summary: what decode.c and decode_tunnel.c share: the decoding
 * context, the layer bookkeeping, and the decoders each calls in the other
 * (prefixed dec_).  Not for other modules: see decode.h.
 */
#ifndef PA_DECODE_INTERNAL_H
#define PA_DECODE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"
#include "decode.h"

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

/* decode.c */
enum decode_status dec_ether(struct dctx *x, struct cursor *c);
enum decode_status dec_ethertype(struct dctx *x, struct cursor *c, uint16_t type);
enum decode_status dec_ipv4(struct dctx *x, struct cursor *c);
enum decode_status dec_ipv6(struct dctx *x, struct cursor *c);
enum decode_status dec_ip_version(struct dctx *x, struct cursor *c);
enum decode_status dec_wlan(struct dctx *x, struct cursor *c);

/* decode_tunnel.c */
enum decode_status dec_gre(struct dctx *x, struct cursor *c, enum layer_kind kind);
enum decode_status dec_mpls(struct dctx *x, struct cursor *c);
enum decode_status dec_ppp(struct dctx *x, struct cursor *c);
enum decode_status dec_pppoe(struct dctx *x, struct cursor *c);
enum decode_status dec_chdlc(struct dctx *x, struct cursor *c);
enum decode_status dec_ip_in_ip(struct dctx *x, struct cursor *c, int outer, int inner);
enum decode_status dec_etherip(struct dctx *x, struct cursor *c);
/* A tunnel carried by UDP, recognised by its port and its header; false
 * when the datagram is not one (it stays an ordinary UDP packet). */
bool dec_udp_tunnel(struct dctx *x, struct cursor *c, enum decode_status *st);

/* The capture ran out (truncated) rather than the header lying (invalid):
 * the wire carried more than we captured. */
static inline enum decode_status dec_short_read(const struct packet *p)
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
static inline bool dec_push_layer(struct packet *p, enum layer_kind kind, bool has_id, uint32_t id)
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
static inline bool dec_enter_tunnel(struct packet *p, enum layer_kind kind, bool has_id, uint32_t id)
{
	if (p->ntunnels == DECODE_MAX_TUNNELS)
		return false;
	p->ntunnels++;
	return dec_push_layer(p, kind, has_id, id);
}

/* A port some tunnel over UDP uses (dec_udp_tunnel then checks the header). */
static inline bool dec_is_tunnel_port(uint16_t sp, uint16_t dp)
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

#endif
