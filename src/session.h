/* \summary: the application layer of one TCP flow: reassembly feeding the
 * protocol parser that the first bytes call for.
 *
 * A flow is reassembled only while something can be decoded from it: TLS
 * from a ClientHello (decrypted when the key log has its secrets, let go
 * at its first protected record when not), then, in the clear or decrypted, HTTP/2
 * from its connection preface (or ALPN h2, or an h2c upgrade) and HTTP/1
 * from a request or status line (the client bytes seen before a status
 * line are read as its request).  Inside a CONNECT tunnel the protocol is
 * decided again.  Anything else, after a few segments, is let go and its
 * buffers freed, so bulk traffic that cannot be decoded costs no copies.
 */
#ifndef PA_SESSION_H
#define PA_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "flow.h"
#include "http1.h"
#include "tls.h"

struct keylog;
struct session;

/* What every session of an audit shares: its caps, the TLS secrets, the
 * flow table its memory is accounted to, and where decoded requests go. */
struct session_env {
	size_t max_body;          /* request body bytes kept per message */
	size_t max_reasm;         /* out-of-order bytes buffered per direction */
	struct keylog *keylog;
	struct flow_table *flows;
	/* each request as it completes; tls: it came decrypted */
	void (*on_request)(void *ctx, struct flow *f, const struct http_request *r, bool tls);
	void *ctx;
};

/* Feeds one TCP packet (already counted in its flow) to the flow's
 * session, creating it on first use; returns false when the session let
 * the flow go (the caller may skip later packets). */
bool session_packet(const struct session_env *env, struct flow *f, int dir, const struct packet *p,
		    uint64_t frame, uint64_t ts_ns);
struct session_counts {
	uint64_t gaps, gap_bytes; /* TCP holes, both directions */
	uint64_t requests;
	bool has_http;            /* an HTTP/1 or HTTP/2 parser ran */
	uint64_t resyncs, bad_messages; /* HTTP/1 parser restarts, skipped messages and HTTP/2 frames */
	uint64_t truncated_bodies; /* HTTP/1 request bodies cut by the cap or a gap */
	uint64_t anomalies[H1_ANOMALY_COUNT]; /* HTTP/1 messages showing each anomaly */
	uint64_t hpack_errors;    /* HTTP/2 header blocks that could not be decoded */
	bool capped;              /* a buffer cap forced a gap */
	bool has_tls;             /* the flow started with a TLS ClientHello: */
	struct tls_info tls;      /* what its handshake said and how decryption went */
};

/* Ends the flow's session: delivers what is buffered, hands over pending
 * requests, frees everything; its counters go to *out. */
void session_end(struct flow *f, struct session_counts *out);

#endif
