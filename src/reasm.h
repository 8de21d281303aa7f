/* \summary: TCP reassembly, per direction (RFC 9293 sequence space).
 *
 * In-order bytes are handed to the consumer straight from the packet (no
 * copy); only segments that arrive ahead of a hole are copied and buffered,
 * sorted by sequence number.  Retransmitted and overlapping bytes: the FIRST
 * copy captured wins (what was delivered or buffered first is kept, later
 * copies only fill what is still missing), as Wireshark does by default and
 * as an auditor should: a later copy cannot rewrite evidence already read.
 *
 * A hole becomes a permanent gap (reported to the consumer, counted) when
 * the peer acknowledges bytes past it (the data did flow, the capture missed
 * it), when the buffered bytes pass the per-stream cap, or when the flow
 * ends.  Every delivered byte comes with the frame number that carried it.
 */
#ifndef PA_REASM_H
#define PA_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct reasm_ops {
	/* `len` in-order bytes of direction `dir`, all carried by `frame`. */
	void (*data)(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t frame, uint64_t ts_ns);
	/* `len` bytes of direction `dir` were never captured. */
	void (*gap)(void *ctx, int dir, uint64_t len);
	/* direction `dir` ended (FIN reached, or the flow ended). */
	void (*end)(void *ctx, int dir);
};

struct reasm_seg;

struct reasm_stream {
	bool started;       /* next_seq is known */
	bool ended;
	bool fin_seen;
	uint32_t next_seq;  /* first byte not yet delivered */
	uint32_t fin_seq;
	struct reasm_seg *pending; /* out-of-order segments, by seq */
	size_t pending_bytes;
	uint64_t gaps, gap_bytes;
	uint64_t delivered;
};

struct reasm {
	struct reasm_stream s[2];
	const struct reasm_ops *ops;
	void *ctx;
	size_t max_pending; /* per direction */
	bool capped;        /* a cap forced a gap */
	/* the packet being processed (0 while finishing): buffered bytes
	 * delivered now were carried by an earlier frame, but it is this one
	 * that completes whatever they complete */
	uint64_t pkt_frame, pkt_ts_ns;
};

void reasm_init(struct reasm *r, const struct reasm_ops *ops, void *ctx, size_t max_pending);
/* Feeds one TCP packet of direction `dir`; returns the change in buffered
 * bytes (for memory accounting). */
long reasm_packet(struct reasm *r, int dir, const struct packet *p, uint64_t frame, uint64_t ts_ns);
/* Delivers what is buffered (declaring the holes gaps) and ends both
 * directions; returns the change in buffered bytes. */
long reasm_finish(struct reasm *r);
/* Frees buffers without delivering; returns the change in buffered bytes. */
long reasm_discard(struct reasm *r);

#endif
