/* \summary: an HTTP request as the parsers hand it over, whatever the
 * framing (HTTP/1.x text or HTTP/2 frames): what transmission.c turns into
 * fields and session.c into a transmission. */
#ifndef PA_HTTP_H
#define PA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 128

struct http_header {
	const char *name, *value;
	size_t name_len, value_len;
};

/* A complete request, valid during the callback only. */
struct http_request {
	const char *protocol;              /* "http/1.0", "http/1.1" or "http/2" */
	const char *method, *target;       /* HTTP/2: :method and :path */
	size_t method_len, target_len;
	const char *host;                  /* Host, or HTTP/2 :authority; NULL if absent */
	size_t host_len;
	struct http_header headers[HTTP_MAX_HEADERS]; /* no HTTP/2 pseudo-headers */
	size_t nheaders;
	bool headers_truncated;            /* more than HTTP_MAX_HEADERS */
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

typedef void (*http_request_fn)(void *ctx, const struct http_request *req);

/* Case-insensitive header lookup; NULL when absent. */
const struct http_header *http_find_header(const struct http_request *r, const char *name);

/* Adds frame to an ascending list without duplicates.  Frames mostly come
 * in order; bytes reassembly releases late bring an earlier one. */
void http_frames_add(uint64_t **v, size_t *n, size_t *cap, uint64_t frame);

#endif
