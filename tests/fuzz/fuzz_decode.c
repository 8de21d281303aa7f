/* libFuzzer harness for the packet decoder and IP fragment reassembly.
 * Input: one byte choosing the link type, then frames, each as a 2-byte
 * big-endian length and its bytes (a last frame without a length prefix
 * takes the rest).  The frames go through one decoder, so fragments
 * reassemble across them; decoded pointers must stay inside the frame or
 * the rebuilt datagram. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static const int dlts[] = { 1, 113, 276, 12, 228, 229, 0, 108, 239, 9, 50, 51, 204, 104, 205, 105, 127, 163, 119, 192 };

static void one(struct decoder *d, int dlt, const uint8_t *data, size_t n, uint32_t extra, uint64_t ts)
{
	uint8_t *frame = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
	memcpy(frame, data, n);
	struct packet p = { .data = frame, .caplen = (uint32_t)n, .wirelen = (uint32_t)n + extra, .ts_ns = ts };
	if (decode_packet(d, dlt, &p) == DECODE_OK && p.payload_len) {
		const uint8_t *lo = p.reassembled ? p.l3 : frame;
		const uint8_t *hi = p.reassembled ? p.l3 + p.l3_len : frame + n;
		if (p.payload < lo || p.payload + p.payload_len > hi)
			abort();
		char buf[512];
		if (decode_layers_str(&p, buf, sizeof(buf)) >= sizeof(buf))
			abort();
	}
	free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	uint32_t extra = data[0] & 0x80; /* sometimes the capture cut the frame */
	struct decoder_limits l;
	decoder_default_limits(&l);
	l.max_memory = 1u << 20; /* small enough to reach the caps */
	l.max_datagrams = 64;
	l.timeout_ns = 1000;
	struct decoder *d = decoder_new(&l);
	if (!d)
		return 0;
	size_t at = 1;
	uint64_t ts = 0;
	while (at < size) {
		size_t n = size - at;
		if (n >= 2 && ((size_t)data[at] << 8 | data[at + 1]) <= n - 2) {
			n = (size_t)data[at] << 8 | data[at + 1];
			at += 2;
		}
		one(d, dlt, data + at, n, extra, ts);
		at += n;
		ts += 300;
	}
	decoder_flush(d);
	decoder_free(d);
	return 0;
}
