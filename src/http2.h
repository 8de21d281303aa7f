/* \summary: HTTP/2 parsing over a reassembled TCP connection or decrypted
 * TLS plaintext (RFC 9113, HPACK RFC 7541): the client connection preface,
 * frames, header blocks (HEADERS + CONTINUATION, decoded with libnghttp2's
 * HPACK inflater, one dynamic table per direction), request bodies from
 * DATA frames, many streams interleaved.
 *
 * Incremental like http1.h: bytes arrive in any split; only a frame header
 * cut between deliveries, a header block cut between deliveries or frames,
 * and request bodies (up to a cap) are copied.  Lenient as a passive
 * observer must be: the client preface may be missing (a capture picked up
 * mid-connection).  HTTP/2 has no resynchronisation point, so a direction
 * whose bytes were lost, whose framing breaks or whose HPACK state goes
 * wrong stops being decoded; requests already read are still handed over.
 */
#ifndef PA_HTTP2_H
#define PA_HTTP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define HTTP2_UPGRADED 1u /* h2c via Upgrade: stream 1 was the HTTP/1 request, already reported */

#define HTTP2_MAX_PENDING 256               /* streams awaiting completion or a response */
#define HTTP2_MAX_HEADER_BLOCK (256u << 10) /* one encoded header block (HEADERS + CONTINUATION) */
#define HTTP2_MAX_HEADER_BYTES (64u << 10)  /* one request's decoded header fields, as HTTP/1 */
#define HTTP2_MAX_HPACK_TABLE (64u << 10)   /* HPACK dynamic table size an encoder may choose */

struct http2_stats {
	uint64_t requests, responses; /* handed over; final response headers seen */
	uint64_t streams_reset;       /* RST_STREAM frames */
	uint64_t bad_frames;          /* malformed frames, broken framing, requests without :method/:path */
	uint64_t hpack_errors;        /* header blocks that failed to decode, directions lost to a gap */
	uint64_t truncated_bodies;    /* requests handed over cut at the body cap or by a lost direction */
};

struct http2_conn;

/* `flags`: HTTP2_UPGRADED or 0.  NULL when out of memory. */
struct http2_conn *http2_new(http_request_fn on_request, void *ctx, size_t max_body, unsigned flags);
/* Ends the connection: hands over requests still pending, then frees. */
void http2_free(struct http2_conn *c);

/* `len` bytes of direction `dir` (0 client, 1 server), carried by frame
 * `origin`; `frame` and `ts_ns` are the packet being processed, which
 * completes whatever these bytes complete. */
void http2_data(struct http2_conn *c, int dir, const uint8_t *data, size_t len, uint64_t origin,
		uint64_t frame, uint64_t ts_ns);
/* `len` bytes of `dir` were not captured: that direction's framing and
 * HPACK state are lost, it is not decoded any more; its open requests are
 * handed over as cut (body_gap). */
void http2_gap(struct http2_conn *c, int dir, uint64_t len);
/* `dir` ended (FIN or end of capture); requests it left open count as
 * complete. */
void http2_end(struct http2_conn *c, int dir);
/* True once nothing more can be decoded: the caller may stop feeding it. */
bool http2_done(const struct http2_conn *c);
const struct http2_stats *http2_stats(const struct http2_conn *c);
/* Bytes held (buffers, pending streams, HPACK tables), for memory accounting. */
size_t http2_memory(const struct http2_conn *c);

/* Does data start with the client connection preface
 * "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"? 1 yes, 0 no, -1 too short to tell. */
int http2_looks_like_preface(const uint8_t *data, size_t len);

/* libnghttp2's version, for the report. */
const char *http2_library_version(void);

#endif
