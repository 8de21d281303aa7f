/* \summary: packet decoding from the link layer to TCP/UDP, through tunnels.
 *
 * Link layers: Ethernet (802.1Q/802.1ad tags, 802.3 LLC/SNAP), Linux cooked
 * SLL and SLL2, raw IPv4/IPv6 (DLT_RAW, LINKTYPE_IPV4/IPV6), BSD loopback
 * (NULL, LOOP), Linux NFLOG, PPP (also in HDLC-like framing, with a
 * direction byte, and PPPoE), Cisco HDLC, IEEE 802.11 (bare, radiotap, PPI,
 * Prism, AVS).  Encapsulations, walked recursively to the innermost IP
 * packet, which is the one that makes the flow: VLAN tags, MPLS label
 * stacks, PPPoE sessions, GRE (keys, sequence numbers; ERSPAN types I, II
 * and III; Aruba's 802.11 in GRE; PPTP), EtherIP, IP in IP (4in4, 6in4,
 * 4in6, 6in6), and over UDP: VXLAN, Geneve, GTP-U, Teredo, AYIYA and GRE in
 * UDP.  Each layer crossed is recorded in `packet.layer` (the flow keeps its
 * first packet's, for evidence of how the traffic travelled).
 * Network: IPv4 (options), IPv6 (extension headers); fragments of either are
 * reassembled when a `struct decoder` is given (ipfrag.c), else counted.
 * Transport: TCP, UDP.
 * All reads are bounded by the captured length; "truncated" (the capture cut
 * the packet short) is kept apart from "invalid" (a malformed header).
 */
#ifndef PA_DECODE_H
#define PA_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum decode_status {
	DECODE_OK = 0,        /* TCP or UDP packet, 5-tuple and payload set */
	DECODE_OTHER_L3,      /* not IP (ARP, LLDP, PPP control...) */
	DECODE_OTHER_L4,      /* IP, but neither TCP nor UDP (ICMP...) */
	DECODE_FRAGMENT,      /* an IP fragment held for reassembly (or, without a decoder, skipped) */
	DECODE_TRUNCATED,     /* cut short by the capture */
	DECODE_INVALID,       /* malformed header */
	DECODE_UNSUPPORTED,   /* a tunnel or link payload of a kind not decoded (GRE protocol, A-MSDU...) */
	DECODE_TOO_DEEP,      /* more nested encapsulations than DECODE_MAX_TUNNELS / DECODE_MAX_LAYERS */
	DECODE_WLAN_PROTECTED, /* an encrypted 802.11 data frame */
	DECODE_WLAN_NOT_DATA, /* an 802.11 management or control frame, or a data frame without data */
	DECODE_LINK_UNSUPPORTED, /* a pcapng interface whose link type is not decoded */
	DECODE_STATUS_COUNT
};

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };

/* Kinds of encapsulation layer (docs/report-format.md, flows[].encapsulation). */
enum layer_kind {
	LAYER_VLAN = 1, /* id: VLAN id */
	LAYER_MPLS,     /* id: label */
	LAYER_PPPOE,    /* id: session id */
	LAYER_GRE,      /* id: key, when the K flag is set */
	LAYER_GRE_UDP,  /* GRE in UDP (RFC 8086); id: key */
	LAYER_PPTP,     /* enhanced GRE (version 1); id: call id */
	LAYER_ERSPAN,   /* id: session id (types II and III) */
	LAYER_ARUBA,    /* Aruba's 802.11 frames in GRE */
	LAYER_ETHERIP,
	LAYER_VXLAN,    /* id: VNI */
	LAYER_GENEVE,   /* id: VNI */
	LAYER_GTPU,     /* id: TEID */
	LAYER_TEREDO,
	LAYER_AYIYA,
	LAYER_4IN4,
	LAYER_6IN4,
	LAYER_4IN6,
	LAYER_6IN6,
	LAYER_KIND_COUNT
};

struct layer {
	uint8_t kind;
	bool has_id;
	uint32_t id;
};

#define DECODE_MAX_LAYERS 16 /* encapsulation layers recorded per packet */
#define DECODE_MAX_TUNNELS 4 /* tunnels (re-entries into IP or Ethernet) per packet */

/* An IPv4 address is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d),
 * so one key type serves both families. */
struct ip_addr {
	uint8_t b[16];
};

struct packet {
	/* input */
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
	uint64_t ts_ns;     /* packet time: ages IP fragments */
	/* decoded (the innermost IP packet) */
	const uint8_t *l3;  /* IP header, for nDPI */
	uint32_t l3_len;    /* IP packet bytes present (bounded by caplen and IP length) */
	uint32_t ip_len;    /* IP packet length as the header says (for byte counts) */
	uint8_t ip_version; /* 4 or 6 */
	uint8_t l4_proto;   /* 6 TCP, 17 UDP */
	const uint8_t *mac_dst, *mac_src; /* the innermost Ethernet addresses (6 bytes each), NULL without Ethernet */
	uint16_t vlan;      /* outer VLAN id of the frame that carried the IP packet, 0 if none */
	uint16_t vlan_inner;
	struct ip_addr src, dst;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	const uint8_t *payload;
	uint32_t payload_len;
	bool payload_cut;   /* the capture holds less payload than the IP length says */
	bool reassembled;   /* the IP packet was rebuilt from fragments */
	uint8_t ntunnels;
	uint8_t nlayers;    /* layers crossed, outermost first (the link layer itself is not one) */
	struct layer layer[DECODE_MAX_LAYERS]; /* last: not cleared between packets */
};

/* Bounds on IP fragment reassembly (see ipfrag.h for what they mean). */
struct decoder_limits {
	size_t max_memory;     /* bytes held for incomplete datagrams, all together */
	size_t max_datagrams;  /* incomplete datagrams at once */
	uint64_t timeout_ns;   /* an incomplete datagram is dropped this long after its first fragment */
};

/* IP fragment reassembly counts (coverage.ip_reassembly). */
struct frag_stats {
	uint64_t fragments;          /* fragments taken in */
	uint64_t datagrams;          /* datagrams rebuilt */
	uint64_t timed_out;          /* fragments of datagrams dropped at the timeout */
	uint64_t incomplete_at_end;  /* fragments of datagrams still incomplete at the end of an input */
	uint64_t over_limit;         /* fragments dropped at the memory or datagram cap */
	uint64_t invalid;            /* fragments past 64 KiB, or contradicting the datagram's end */
	uint64_t overlapping;        /* fragments overlapping earlier bytes (the earlier bytes kept) */
};

struct decoder;

void decoder_default_limits(struct decoder_limits *l);
struct decoder *decoder_new(const struct decoder_limits *l);
void decoder_free(struct decoder *d);
/* End of an input: incomplete datagrams are dropped (and counted). */
void decoder_flush(struct decoder *d);
const struct frag_stats *decoder_frag_stats(const struct decoder *d);

/* Decodes one captured frame of the given DLT into `p` (p->data, caplen,
 * wirelen and ts_ns must be set).  Never reads outside data[0..caplen).
 * With a decoder, IP fragments are reassembled: the frame that completes a
 * datagram decodes as the whole datagram (p->reassembled), whose bytes stay
 * valid until the next call.  Without one (d NULL), fragments are skipped. */
enum decode_status decode_packet(struct decoder *d, int dlt, struct packet *p);

/* Whether privaudit can decode this DLT. */
bool decode_dlt_supported(int dlt);

const char *decode_status_name(enum decode_status s);

/* The layers of p as text, ", " between them: "vlan 10, gre, erspan 5".
 * Returns the length written (at most len - 1; 0 when there are none). */
size_t decode_layers_str(const struct packet *p, char *buf, size_t len);

static inline bool ip_addr_is_v4(const struct ip_addr *a)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	for (int i = 0; i < 12; i++)
		if (a->b[i] != prefix[i])
			return false;
	return true;
}

/* "a.b.c.d" or RFC 5952 IPv6 text; buf must hold 46 bytes. */
const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t len);
/* "a.b.c.d:port" or "[v6]:port"; buf must hold 54 bytes. */
const char *ip_endpoint_str(const struct ip_addr *a, uint16_t port, char *buf, size_t len);

#endif
