/* \summary: IPv4 and IPv6 fragment reassembly, bounded.
 *
 * Fragments are keyed by (version, source, destination, identification,
 * IPv4 protocol) and by where they were found (tunnel depth, VLAN), and
 * gathered into one buffer per datagram.  Bounds: a datagram's payload ends
 * at 64 KiB (65535 - IPv4 header, or 65535 for IPv6); every incomplete
 * datagram together holds at most `max_memory` bytes and `max_datagrams`
 * entries (the oldest are dropped first to make room); an incomplete
 * datagram is dropped `timeout_ns` of packet time after its first fragment.
 * Overlapping fragments: the bytes that arrived first win.  Every fragment
 * that never becomes part of a datagram is counted, by reason.
 *
 * A completed datagram is handed back as a whole IP packet (the first
 * fragment's header, its length fields fixed, the fragment fields cleared,
 * for IPv6 the fragment header removed); it stays valid until
 * ipfrag_release() (decode.c calls it at the start of every packet).
 */
#ifndef PA_IPFRAG_H
#define PA_IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct frag_key {
	struct ip_addr src, dst;
	uint32_t id;       /* IPv4: 16 bits; IPv6: 32 bits */
	uint16_t vlan;
	uint8_t version;   /* 4 or 6 */
	uint8_t proto;     /* IPv4 protocol; 0 for IPv6 (not part of its key) */
	uint8_t depth;     /* tunnels crossed before this IP header */
	uint8_t pad[3];
};

/* One fragment.  `hdr` is the part in front of the fragmentable data, used
 * when offset is 0: the IPv4 header; the IPv6 header and the extension
 * headers before the fragment header.  For IPv6, hdr[nh_off] is the
 * next-header byte that named the fragment header (44) and `nh` is the
 * fragment header's own next header: the rebuilt packet says `nh` there. */
struct frag_in {
	const uint8_t *hdr;
	size_t hdr_len;
	size_t nh_off;
	uint8_t nh;
	uint32_t offset;   /* bytes */
	const uint8_t *data;
	size_t len;
	bool more;         /* more fragments follow */
};

struct ipfrag;

struct ipfrag *ipfrag_new(const struct decoder_limits *l);
void ipfrag_free(struct ipfrag *f);

/* Adds a fragment seen at packet time ts.  Returns the rebuilt datagram
 * (*len set) when this fragment completes it, else NULL (held, or dropped
 * and counted). */
const uint8_t *ipfrag_add(struct ipfrag *f, const struct frag_key *k, const struct frag_in *in, uint64_t ts,
			  size_t *len);
/* Frees the datagrams handed back so far. */
void ipfrag_release(struct ipfrag *f);
/* Drops every incomplete datagram (counted as incomplete at the end). */
void ipfrag_flush(struct ipfrag *f);
const struct frag_stats *ipfrag_stats(const struct ipfrag *f);

#endif
