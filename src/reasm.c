/* \summary: TCP reassembly (see reasm.h). */
#include "reasm.h"

#include <stdlib.h>
#include <string.h>

struct reasm_seg {
	struct reasm_seg *next;
	uint32_t seq, len;
	uint64_t frame, ts_ns;
	uint8_t data[];
};

/* Sequence comparison modulo 2^32 (RFC 9293 section 3.4). */
static inline int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

/* Acks this far ahead are not believed (a garbled or unrelated ack). */
#define MAX_ACK_AHEAD (1u << 30)

void reasm_init(struct reasm *r, const struct reasm_ops *ops, void *ctx, size_t max_pending)
{
	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->ctx = ctx;
	r->max_pending = max_pending;
}

static void deliver(struct reasm *r, int dir, const uint8_t *data, uint32_t len, uint64_t frame,
		    uint64_t ts_ns)
{
	struct reasm_stream *s = &r->s[dir];
	s->next_seq += len;
	s->delivered += len;
	if (!s->ended)
		r->ops->data(r->ctx, dir, data, len, frame, ts_ns);
}

static void end_stream(struct reasm *r, int dir)
{
	struct reasm_stream *s = &r->s[dir];
	if (s->ended)
		return;
	s->ended = true;
	r->ops->end(r->ctx, dir);
}

/* Delivers buffered segments that have become in order. */
static long drain(struct reasm *r, int dir)
{
	struct reasm_stream *s = &r->s[dir];
	long freed = 0;
	struct reasm_seg *g;
	while ((g = s->pending) && seq_diff(g->seq, s->next_seq) <= 0) {
		s->pending = g->next;
		uint32_t skip = (uint32_t)seq_diff(s->next_seq, g->seq);
		if (skip < g->len)
			deliver(r, dir, g->data + skip, g->len - skip, g->frame, g->ts_ns);
		s->pending_bytes -= g->len;
		freed += g->len;
		free(g);
	}
	if (s->fin_seen && s->next_seq == s->fin_seq)
		end_stream(r, dir);
	return -freed;
}

/* Declares the hole before the first buffered segment (or up to `upto`) a gap. */
static long skip_hole(struct reasm *r, int dir, uint32_t upto)
{
	struct reasm_stream *s = &r->s[dir];
	if (s->pending && seq_diff(s->pending->seq, upto) < 0)
		upto = s->pending->seq;
	int32_t d = seq_diff(upto, s->next_seq);
	if (d > 0) {
		s->gaps++;
		s->gap_bytes += (uint32_t)d;
		s->next_seq = upto;
		if (!s->ended)
			r->ops->gap(r->ctx, dir, (uint32_t)d);
	}
	/* what the gap releases is completed by the frames that carried it,
	 * not by the packet that made us give up on the hole */
	uint64_t frame = r->pkt_frame, ts = r->pkt_ts_ns;
	r->pkt_frame = r->pkt_ts_ns = 0;
	long delta = drain(r, dir);
	r->pkt_frame = frame;
	r->pkt_ts_ns = ts;
	return delta;
}

/* Buffers the parts of [seq, seq+len) not already buffered (first copy wins). */
static long buffer_segment(struct reasm *r, int dir, uint32_t seq, const uint8_t *data, uint32_t len,
			   uint64_t frame, uint64_t ts_ns)
{
	struct reasm_stream *s = &r->s[dir];
	long added = 0;
	struct reasm_seg **pp = &s->pending;
	while (len) {
		while (*pp && seq_diff((*pp)->seq + (*pp)->len, seq) <= 0)
			pp = &(*pp)->next;
		uint32_t piece = len;
		if (*pp) {
			int32_t before = seq_diff((*pp)->seq, seq);
			if (before <= 0) { /* starts inside an existing segment: skip the overlap */
				uint32_t over = (uint32_t)seq_diff((*pp)->seq + (*pp)->len, seq);
				if (over >= len)
					break;
				seq += over;
				data += over;
				len -= over;
				continue;
			}
			if ((uint32_t)before < piece)
				piece = (uint32_t)before;
		}
		if (s->pending_bytes + piece > r->max_pending)
			break; /* the caller turns the overflow into a gap */
		struct reasm_seg *g = malloc(sizeof(*g) + piece);
		if (!g)
			break;
		g->seq = seq;
		g->len = piece;
		g->frame = frame;
		g->ts_ns = ts_ns;
		memcpy(g->data, data, piece);
		g->next = *pp;
		*pp = g;
		pp = &g->next;
		s->pending_bytes += piece;
		added += piece;
		seq += piece;
		data += piece;
		len -= piece;
	}
	return added;
}

long reasm_packet(struct reasm *r, int dir, const struct packet *p, uint64_t frame, uint64_t ts_ns)
{
	struct reasm_stream *s = &r->s[dir];
	struct reasm_stream *peer = &r->s[!dir];
	long delta = 0;
	r->pkt_frame = frame;
	r->pkt_ts_ns = ts_ns;
	uint32_t seq = p->seq;
	const uint8_t *data = p->payload;
	uint32_t len = p->payload_len;

	if (p->tcp_flags & TCP_SYN) {
		if (!s->started) {
			s->started = true;
			s->next_seq = seq + 1;
		}
		seq++; /* the SYN takes one sequence number */
	}
	if (!s->started && len) { /* picked up mid-stream */
		s->started = true;
		s->next_seq = seq;
	}
	if (p->tcp_flags & TCP_FIN && s->started && !s->fin_seen) {
		s->fin_seen = true;
		s->fin_seq = seq + len;
	}
	if (len && s->started && !s->ended) {
		/* Out of room ahead of a hole: give the hole up, oldest first. */
		while (seq_diff(seq, s->next_seq) > 0 && s->pending_bytes + len > r->max_pending) {
			r->capped = true;
			delta += skip_hole(r, dir, s->pending ? s->pending->seq : seq);
		}
		int32_t off = seq_diff(seq, s->next_seq);
		if (off <= 0) {
			uint32_t old = (uint32_t)-off; /* already delivered: a retransmission */
			if (old < len) {
				/* stop at buffered bytes: their earlier copy wins */
				uint32_t n = len - old;
				if (s->pending && (uint32_t)seq_diff(s->pending->seq, s->next_seq) < n)
					n = (uint32_t)seq_diff(s->pending->seq, s->next_seq);
				deliver(r, dir, data + old, n, frame, ts_ns);
				delta += drain(r, dir);
				uint32_t used = old + n;
				if (used < len) {
					delta += buffer_segment(r, dir, seq + used, data + used, len - used, frame, ts_ns);
					delta += drain(r, dir);
				}
			}
		} else {
			delta += buffer_segment(r, dir, seq, data, len, frame, ts_ns);
		}
	}
	if (s->fin_seen && s->next_seq == s->fin_seq)
		end_stream(r, dir);
	/* The peer acknowledged bytes past our hole: the capture missed them. */
	if ((p->tcp_flags & TCP_ACK) && peer->started && peer->pending) {
		int32_t ahead = seq_diff(p->ack, peer->next_seq);
		if (ahead > 0 && (uint32_t)ahead < MAX_ACK_AHEAD && seq_diff(p->ack, peer->pending->seq) >= 0)
			delta += skip_hole(r, !dir, p->ack);
	}
	return delta;
}

long reasm_finish(struct reasm *r)
{
	long delta = 0;
	r->pkt_frame = r->pkt_ts_ns = 0;
	for (int dir = 0; dir < 2; dir++) {
		struct reasm_stream *s = &r->s[dir];
		while (s->pending)
			delta += skip_hole(r, dir, s->pending->seq);
		end_stream(r, dir);
	}
	return delta;
}

long reasm_discard(struct reasm *r)
{
	long delta = 0;
	for (int dir = 0; dir < 2; dir++) {
		struct reasm_stream *s = &r->s[dir];
		while (s->pending) {
			struct reasm_seg *g = s->pending;
			s->pending = g->next;
			delta -= g->len;
			free(g);
		}
		s->pending_bytes = 0;
		s->ended = true;
	}
	return delta;
}
