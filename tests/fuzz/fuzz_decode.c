/* libFuzzer harness for the packet decoder: the first byte picks the link
 * type, the rest is the frame; decoded pointers must stay inside it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static const int dlts[] = { 1, 113, 276, 12, 228, 229, 0, 108 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	size_t n = size - 1;
	uint8_t *frame = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
	memcpy(frame, data + 1, n);
	struct packet p = { .data = frame, .caplen = (uint32_t)n, .wirelen = (uint32_t)n + (data[0] & 0x80) };
	if (decode_packet(NULL, dlt, &p) == DECODE_OK && p.payload_len &&
	    (p.payload < frame || p.payload + p.payload_len > frame + n))
		abort();
	free(frame);
	return 0;
}
