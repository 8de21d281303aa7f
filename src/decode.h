/* \summary: packet decoding from the link layer to TCP/UDP.
 *
 * Link layers: Ethernet (802.1Q, 802.1ad/QinQ), Linux cooked SLL and SLL2,
 * raw IPv4/IPv6 (DLT_RAW, LINKTYPE_IPV4/IPV6), BSD loopback (NULL, LOOP).
 * Network: IPv4 (options; fragments counted and skipped), IPv6 (extension
 * headers walked; fragments counted and skipped).  Transport: TCP, UDP.
 * All reads are bounded by the captured length; "truncated" (the capture cut
 * the packet short) is kept apart from "invalid" (a malformed header).
 */
#ifndef PA_DECODE_H
#define PA_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum decode_status {
	DECODE_OK = 0,     /* TCP or UDP packet, 5-tuple and payload set */
	DECODE_OTHER_L3,   /* not IP (ARP, LLDP...) */
	DECODE_OTHER_L4,   /* IP, but neither TCP nor UDP (ICMP...) */
	DECODE_FRAGMENT,   /* an IP fragment: counted, not reassembled */
	DECODE_TRUNCATED,  /* cut short by the capture */
	DECODE_INVALID,    /* malformed header */
	DECODE_STATUS_COUNT
};

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };

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
	/* decoded */
	const uint8_t *l3;  /* IP header, for nDPI */
	uint32_t l3_len;    /* IP packet bytes present (bounded by caplen and IP length) */
	uint32_t ip_len;    /* IP packet length as the header says (for byte counts) */
	uint8_t ip_version; /* 4 or 6 */
	uint8_t l4_proto;   /* 6 TCP, 17 UDP */
	const uint8_t *mac_dst, *mac_src; /* Ethernet addresses (6 bytes each), NULL without Ethernet */
	uint16_t vlan;      /* outermost VLAN id, 0 if none */
	uint16_t vlan_inner;
	struct ip_addr src, dst;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	const uint8_t *payload;
	uint32_t payload_len;
	bool payload_cut;   /* the capture holds less payload than the IP length says */
};

/* Decodes one captured frame of the given DLT into `p` (p->data, caplen and
 * wirelen must be set).  Never reads outside data[0..caplen). */
enum decode_status decode_packet(int dlt, struct packet *p);

/* Whether privaudit can decode this DLT. */
bool decode_dlt_supported(int dlt);

const char *decode_status_name(enum decode_status s);

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
