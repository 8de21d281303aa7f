/* libFuzzer harness for the HTTP/2 parser: the input is a script of
 * deliveries, as in fuzz_http1.c.  The first byte sets the mode: bit 0
 * HTTP2_UPGRADED, bit 1 start as HTTP/1 and hand over to HTTP/2 where
 * http1_data stops consuming (the h2c Upgrade path), bit 2 a tiny body cap.
 * Each step: a control byte (bit 0 direction, bit 1 "a gap here", bit 2
 * "end this direction", bit 7 "completed by a later packet"), a length
 * byte, then that many bytes.  Every request handed over must point inside
 * its own buffers, and a connection once done stays done. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "http2.h"
#include "http_check.h"

static size_t max_body;

static void on_request(void *ctx, const struct http_request *r)
{
	*(size_t *)ctx += fuzz_check_request(r, max_body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0;
	if (size < 1)
		return 0;
	max_body = data[0] & 4 ? 7 : 4096;
	struct http1_conn *h1 = data[0] & 2 ? http1_new(on_request, &sum, max_body, false) : NULL;
	struct http2_conn *c = h1 ? NULL : http2_new(on_request, &sum, max_body, data[0] & 1 ? HTTP2_UPGRADED : 0);
	size_t pos = 1;
	uint64_t frame = 1;
	bool done = false;
	while (pos + 2 <= size) {
		uint8_t ctl = data[pos], len = data[pos + 1];
		pos += 2;
		size_t n = len <= size - pos ? len : size - pos;
		uint8_t *chunk = malloc(n ? n : 1);
		memcpy(chunk, data + pos, n);
		int dir = ctl & 1;
		size_t used = 0;
		if (c && ctl & 2)
			http2_gap(c, dir, ctl >> 3);
		if (h1) {
			if (ctl & 2)
				http1_gap(h1, dir, ctl >> 3);
			used = http1_data(h1, dir, chunk, n, frame, frame + (ctl >> 7), frame);
			if (used > n)
				abort();
			if (http1_upgraded_h2c(h1)) { /* the rest is HTTP/2, as session.c hands it over */
				http1_free(h1);
				h1 = NULL;
				c = http2_new(on_request, &sum, max_body, HTTP2_UPGRADED);
			} else if (ctl & 4) {
				http1_end(h1, dir);
			}
		}
		if (c) {
			http2_data(c, dir, chunk + used, n - used, frame, frame + (ctl >> 7), frame);
			if (ctl & 4)
				http2_end(c, dir);
			if (done && !http2_done(c))
				abort();
			done = http2_done(c);
			sum += http2_memory(c);
		}
		free(chunk);
		pos += n;
		frame++;
	}
	http1_free(h1);
	http2_free(c);
	return sum == 42 ? 0 : 0;
}
