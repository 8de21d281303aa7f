/* \summary: HTTP/1.x message parsing over a reassembled TCP connection
 * (RFC 9112): requests and responses, keep-alive and pipelining,
 * Content-Length, chunked transfer coding with trailers, bodies delimited by
 * connection close, HEAD / 1xx / 204 / 304 rules, `Expect: 100-continue`.
 *
 * Incremental: bytes arrive as the reassembler delivers them; only a
 * message's header block and (up to a cap) a request body are copied,
 * response bodies are skipped in place.  Lenient as a passive observer must
 * be (bare LF line ends, obs-fold), and after a gap or a capture started
 * mid-connection it resynchronises on the next line that starts a message.
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

struct http1_stats {
	uint64_t requests, responses;
	uint64_t resyncs;          /* times parsing restarted at a message start */
	uint64_t bad_messages;     /* unparseable or over a limit, skipped */
	uint64_t truncated_bodies; /* cut at the body cap or by a gap */
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
 * Protocols` with `Upgrade: h2c` ends within them: the bytes after it are
 * the server's first HTTP/2 bytes, for http2.c. */
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
/* True once a `101` with `Upgrade: h2c` switched the connection to HTTP/2
 * (cleartext); the request on stream 1 was this connection's last HTTP/1
 * request, already handed over. */
bool http1_upgraded_h2c(const struct http1_conn *c);
const struct http1_stats *http1_stats(const struct http1_conn *c);
/* Bytes held (header and body buffers), for memory accounting. */
size_t http1_memory(const struct http1_conn *c);

/* Does data start like an HTTP/1 request line ("GET /..")? 1 yes, 0 no,
 * -1 cannot tell yet (too short). */
int http1_looks_like_request(const uint8_t *data, size_t len);

#endif
