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

#define HTTP1_MAX_HEADER_BYTES (64u << 10)
#define HTTP1_MAX_HEADERS 128
#define HTTP1_MAX_PENDING 32 /* requests awaiting their response */

struct http1_header {
	const char *name, *value;
	size_t name_len, value_len;
};

/* A complete request, valid during the callback only. */
struct http1_request {
	const char *method, *target;
	size_t method_len, target_len;
	int minor_version;                 /* 0 or 1 */
	struct http1_header headers[HTTP1_MAX_HEADERS];
	size_t nheaders;
	bool headers_truncated;            /* more than HTTP1_MAX_HEADERS */
	const uint8_t *body;               /* transfer coding removed */
	size_t body_len;
	bool body_truncated;               /* cut at the body cap */
	bool body_gap;                     /* bytes of the body were not captured */
	const uint64_t *frames;            /* every frame that carried its bytes, ascending */
	size_t nframes;
	uint64_t frame;                    /* the frame that completed it */
	uint64_t ts_ns;                    /* that frame's time */
	int status;                        /* the response status, 0 if none seen */
	uint64_t response_frame;           /* frame completing the response headers */
};

struct http1_stats {
	uint64_t requests, responses;
	uint64_t resyncs;          /* times parsing restarted at a message start */
	uint64_t bad_messages;     /* unparseable or over a limit, skipped */
	uint64_t truncated_bodies; /* cut at the body cap or by a gap */
};

typedef void (*http1_request_fn)(void *ctx, const struct http1_request *req);

struct http1_conn;

/* `midstream`: the connection was picked up without its start, so both
 * directions begin by looking for a message start. */
struct http1_conn *http1_new(http1_request_fn on_request, void *ctx, size_t max_body, bool midstream);
/* Ends the connection: delivers requests still waiting for a response. */
void http1_free(struct http1_conn *c);

/* `len` bytes of direction `dir`, carried by frame `origin`; `frame` and
 * `ts_ns` are the packet being processed, which completes any message these
 * bytes complete (they differ when reassembly releases buffered bytes). */
void http1_data(struct http1_conn *c, int dir, const uint8_t *data, size_t len, uint64_t origin,
		uint64_t frame, uint64_t ts_ns);
void http1_gap(struct http1_conn *c, int dir, uint64_t len);
void http1_end(struct http1_conn *c, int dir);
/* True once the connection stopped being HTTP/1 (e.g. an upgrade): the
 * caller may stop feeding it. */
bool http1_done(const struct http1_conn *c);
const struct http1_stats *http1_stats(const struct http1_conn *c);
/* Bytes held (header and body buffers), for memory accounting. */
size_t http1_memory(const struct http1_conn *c);

/* Does data start like an HTTP/1 request line ("GET /..")? 1 yes, 0 no,
 * -1 cannot tell yet (too short). */
int http1_looks_like_request(const uint8_t *data, size_t len);

/* Case-insensitive header lookup; NULL when absent. */
const struct http1_header *http1_find_header(const struct http1_request *r, const char *name);

#endif
