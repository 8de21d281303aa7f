/* \summary: the application layer of one TCP flow: reassembly feeding the
 * protocol parser that the first bytes call for.
 *
 * A flow is reassembled only while something can be decoded from it: HTTP/1
 * is recognised from the first client bytes (a request line) or server
 * bytes (a status line); anything else, after a few segments, is let go and
 * its buffers freed, so bulk traffic that cannot be decoded costs no copies.
 */
#ifndef PA_SESSION_H
#define PA_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "flow.h"

struct audit;
struct session;

/* Feeds one TCP packet (already counted in its flow) to the flow's
 * session, creating it on first use; returns false when the session let
 * the flow go (the caller may skip later packets). */
bool session_packet(struct audit *a, struct flow *f, int dir, const struct packet *p, uint64_t frame,
		    uint64_t ts_ns);
struct session_counts {
	uint64_t gaps, gap_bytes; /* TCP holes, both directions */
	uint64_t requests;
	uint64_t resyncs, bad_messages; /* HTTP/1 parser restarts and skipped messages */
	bool capped;              /* a buffer cap forced a gap */
};

/* Ends the flow's session: delivers what is buffered, hands over pending
 * requests, frees everything; its counters go to *out. */
void session_end(struct audit *a, struct flow *f, struct session_counts *out);

#endif
