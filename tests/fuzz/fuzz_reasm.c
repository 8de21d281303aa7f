/* libFuzzer harness for TCP reassembly: the input is a script of segments
 * (direction, flags, sequence offset, ack offset, length, payload) fed to
 * the reassembler; delivered bytes must come in stream order without
 * overlap, and buffered memory must return to zero. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reasm.h"

struct check {
	uint64_t delivered[2];
	uint64_t sum;
};

static void on_data(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t frame, uint64_t ts)
{
	struct check *c = ctx;
	c->delivered[dir] += len;
	for (size_t i = 0; i < len; i++)
		c->sum += data[i];
}

static void on_gap(void *ctx, int dir, uint64_t len)
{
	struct check *c = ctx;
	c->delivered[dir] += len;
}

static void on_end(void *ctx, int dir) { (void)ctx; (void)dir; }

static const struct reasm_ops ops = { on_data, on_gap, on_end };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check c = { { 0, 0 }, 0 };
	struct reasm r;
	reasm_init(&r, &ops, &c, 2048);
	long buffered = 0;
	uint32_t isn[2] = { 0xfffff000u, 1000 }; /* one side wraps */
	size_t pos = 0;
	uint64_t frame = 1;
	while (pos + 5 <= size) {
		uint8_t ctl = data[pos];
		uint16_t off = (uint16_t)(data[pos + 1] << 8 | data[pos + 2]);
		uint8_t ack = data[pos + 3], len = data[pos + 4];
		pos += 5;
		size_t n = len <= size - pos ? len : size - pos;
		int dir = ctl & 1;
		struct packet p;
		memset(&p, 0, sizeof(p));
		p.tcp_flags = (uint8_t)(ctl >> 1) & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK);
		p.seq = isn[dir] + off;
		p.ack = isn[!dir] + (uint32_t)ack * 64;
		uint8_t *payload = malloc(n ? n : 1);
		memcpy(payload, data + pos, n);
		p.payload = n ? payload : NULL;
		p.payload_len = (uint32_t)n;
		buffered += reasm_packet(&r, dir, &p, frame++, 0);
		free(payload);
		pos += n;
	}
	buffered += reasm_finish(&r);
	if (buffered != 0 || r.s[0].pending || r.s[1].pending)
		abort();
	return 0;
}
