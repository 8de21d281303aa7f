/* \summary: HTTP/1.x message parsing over a reassembled TCP connection
 * (RFC 9112): requests and responses, keep-alive and pipelining,
 * Content-Length, chunked transfer coding with trailers, bodies delimited by
 * connection close, HEAD / 1xx / 204 / 304 rules, `Expect: 100-continue`,
 * CONNECT tunnels and h2c upgrades.
 *
 * Incremental: bytes arrive as the reassembler delivers them; only a
 * message's header block and (up to a cap) a request body are copied,
 * response bodies are skipped in place.  Lenient as the most lenient server
 * would be: a request line is recognised by its shape (any token as the
 * method), and what a server would still accept (spaces in the target, a
 * missing target or version, bare LF, obs-fold ...) is decoded and counted
 * as a named anomaly instead of being dropped.  After a gap or a capture
 * started mid-connection it resynchronises on the next line that starts a
 * message, also when that line is split across deliveries.
 */
#ifndef PA_HTTP1_H
#define PA_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbuf.h"
#include "http.h"

#define HTTP1_MAX_HEADER_BYTES (64u << 10)
#define HTTP1_MAX_PENDING 32 /* requests awaiting their response */

/* Deviations from RFC 9112 that a lenient server accepts: each message
 * (request or response) showing one counts once in its anomaly. */
enum http1_anomaly {
	H1_EMPTY_LINES,          /* empty lines before a message */
	H1_EXTRA_SPACES,         /* request line: several spaces or tabs between its parts, or around them */
	H1_SPACE_IN_TARGET,      /* request target holding spaces (taken up to the last " HTTP/") */
	H1_MISSING_TARGET,       /* "GET HTTP/1.1", or a method alone */
	H1_MISSING_VERSION,      /* "GET /": HTTP/0.9 shape */
	H1_BAD_VERSION,          /* a version other than HTTP/1.0 or HTTP/1.1 ("HTTP/1.", "HTTP/1.2") */
	H1_BARE_LF,              /* lines ended by LF alone */
	H1_OBS_FOLD,             /* a header value continued on the next line */
	H1_SPACE_BEFORE_COLON,   /* "Name :" */
	H1_BAD_HEADER_LINE,      /* a header line without a name and colon: skipped */
	H1_BAD_CONTENT_LENGTH,   /* not a number, or differing values */
	H1_CHUNKED_WITH_LENGTH,  /* Transfer-Encoding chunked and Content-Length both (chunked wins) */
	H1_NO_STATUS_LINE,       /* server bytes where a status line should be (an HTTP/0.9 answer) */
	H1_ANOMALY_COUNT
};
/* The anomaly's name in the report ("space_in_target"). */
const char *http1_anomaly_name(enum http1_anomaly a);

struct http1_stats {
	uint64_t requests, responses;
	uint64_t resyncs;          /* times parsing restarted at a message start */
	uint64_t bad_messages;     /* unparseable or over a limit, skipped */
	uint64_t truncated_bodies; /* request bodies cut at the body cap or by a gap */
	uint64_t anomalies[H1_ANOMALY_COUNT]; /* messages showing each one */
};

struct http1_conn;

/* `midstream`: the connection was picked up without its start, so both
 * directions begin by looking for a message start. */
struct http1_conn *http1_new(http_request_fn on_request, void *ctx, size_t max_body, bool midstream);
/* Ends the connection: delivers requests still waiting for a response. */
void http1_free(struct http1_conn *c);

/* `len` bytes of direction `dir`, carried by frame `origin`; `frame` and
 * `ts_ns` are the packet being processed, which completes any message these
 * bytes complete (they differ when reassembly releases buffered bytes).
 * Returns the bytes it consumed: `len`, except when a `101 Switching
 * Protocols` with `Upgrade: h2c` or a 2xx answering CONNECT ends within
 * them: the bytes after it belong to the next protocol (http1_switched). */
size_t http1_data(struct http1_conn *c, int dir, const uint8_t *data, size_t len, uint64_t origin,
		  uint64_t frame, uint64_t ts_ns);
void http1_gap(struct http1_conn *c, int dir, uint64_t len);
/* How many of the next bytes of dir are response body the parser only
 * counts (0 when none, UINT64_MAX for a body that runs to the close): a
 * decrypter may skip them.  http1_skip(c, dir, n) then stands for n of
 * them, n below the count (the body's last byte is always delivered). */
uint64_t http1_skippable(const struct http1_conn *c, int dir);
void http1_skip(struct http1_conn *c, int dir, uint64_t len);
void http1_end(struct http1_conn *c, int dir);
/* True once the connection stopped being HTTP/1 (e.g. an upgrade): the
 * caller may stop feeding it. */
bool http1_done(const struct http1_conn *c);
enum http1_switch {
	HTTP1_SWITCH_NONE,
	HTTP1_SWITCH_H2C,    /* a `101` with `Upgrade: h2c`: HTTP/2 in clear; the request on stream 1
			      * was this connection's last HTTP/1 request, already handed over */
	HTTP1_SWITCH_TUNNEL, /* a 2xx answered CONNECT: the bytes after it are the tunnel's */
	HTTP1_SWITCH_OTHER,  /* a `101` to anything else: nothing more to decode */
};
/* What the connection switched to, once http1_done. */
enum http1_switch http1_switched(const struct http1_conn *c);
/* http1_switched(c) == HTTP1_SWITCH_H2C */
bool http1_upgraded_h2c(const struct http1_conn *c);
/* For HTTP1_SWITCH_TUNNEL: the client bytes that followed the CONNECT
 * request before its answer (at most HTTP1_MAX_HEADER_BYTES are kept; the
 * rest is counted as a gap in *lost), carried by frame *origin.  They are
 * the tunnel's first client bytes; valid until http1_free. */
const uint8_t *http1_tunnel_early(const struct http1_conn *c, size_t *len, uint64_t *origin, uint64_t *lost);
const struct http1_stats *http1_stats(const struct http1_conn *c);
/* Bytes held (header and body buffers), for memory accounting. */
size_t http1_memory(const struct http1_conn *c);

/* Does data start like an HTTP/1 request line, by its shape: token SP
 * target SP HTTP/x.y (the leniencies of a message start allowed, except a
 * missing version)?  1 yes, 0 no, -1 cannot tell yet (the line is not
 * complete and nothing in it says no), 2 an HTTP/0.9 Simple-Request
 * ("GET /path" alone): a request only if the client spoke first. */
int http1_looks_like_request(const uint8_t *data, size_t len);

#endif
