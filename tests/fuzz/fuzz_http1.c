/* libFuzzer harness for the HTTP/1 parser: the input is a script of
 * deliveries.  Each step: a control byte (bit 0 direction, bit 1 "a gap
 * here", bit 2 "end this direction"), a length byte, then that many bytes;
 * every request handed over must point inside its own buffers, and so must
 * the bytes a CONNECT tunnel keeps.  Each delivery also goes to the
 * request-line probe. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "http_check.h"

#define MAX_BODY 4096

static void on_request(void *ctx, const struct http_request *r)
{
	*(size_t *)ctx += fuzz_check_request(r, MAX_BODY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0;
	if (size < 1)
		return 0;
	struct http1_conn *c = http1_new(on_request, &sum, MAX_BODY, data[0] & 1);
	size_t pos = 1;
	uint64_t frame = 1;
	while (pos + 2 <= size) {
		uint8_t ctl = data[pos], len = data[pos + 1];
		pos += 2;
		size_t n = len <= size - pos ? len : size - pos;
		uint8_t *chunk = malloc(n ? n : 1);
		memcpy(chunk, data + pos, n);
		int dir = ctl & 1;
		if (ctl & 2)
			http1_gap(c, dir, ctl >> 3);
		sum += (size_t)(http1_looks_like_request(chunk, n) + 1);
		size_t used = http1_data(c, dir, chunk, n, frame, frame + (ctl >> 7), frame);
		if (used > n)
			abort();
		if (http1_switched(c) == HTTP1_SWITCH_TUNNEL) {
			size_t early_len;
			uint64_t origin, lost;
			const uint8_t *early = http1_tunnel_early(c, &early_len, &origin, &lost);
			for (size_t i = 0; i < early_len; i++)
				sum += early[i];
		}
		if (ctl & 4)
			http1_end(c, dir);
		free(chunk);
		pos += n;
		frame++;
	}
	http1_free(c);
	return sum == 42 ? 0 : 0;
}
