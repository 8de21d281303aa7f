/* libFuzzer harness for the pcapng readers: the block walk (secrets and
 * consent marks, pcapng_scan.c) and the frame reader (frames.c), whose
 * frames then go through the decoder as replay decodes them.  The input is
 * the whole file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decode.h"
#include "frames.h"
#include "pcapng_scan.h"

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t len, uint64_t offset)
{
	size_t *sum = ctx;
	(void)type, (void)offset;
	for (size_t i = 0; data && i < len; i++)
		*sum += data[i];
}

static void on_mark(void *ctx, const char *kind, uint64_t ts_ns, uint64_t offset)
{
	size_t *sum = ctx;
	*sum += (size_t)kind[0] + (size_t)ts_ns + (size_t)offset;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	if (fd < 0 && (fd = memfd_create("pcapng", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	static const struct pcapng_scan_ops ops = { on_secrets, on_mark };
	size_t sum = 0;
	pcapng_scan(fd, &ops, &sum);

	FILE *fp = fdopen(dup(fd), "rb");
	if (!fp)
		abort();
	char err[512];
	uint64_t at;
	struct frames *r = frames_open(fp, "pcapng", err, sizeof(err), &at);
	if (!r) {
		if (at > size)
			abort(); /* an error offset points inside the file */
		return 0;
	}
	struct decoder_limits l;
	decoder_default_limits(&l);
	struct decoder *d = decoder_new(&l);
	struct frame f;
	int rc;
	for (int n = 0; n < 4096 && (rc = frames_next(r, &f)) == 1; n++) {
		for (uint32_t i = 0; i < f.caplen; i++) /* ASan checks the frame is readable */
			sum += f.data[i];
		struct packet p = { .data = f.data, .caplen = f.caplen, .wirelen = f.wirelen, .ts_ns = f.ts_ns };
		sum += (size_t)decode_packet(d, f.dlt, &p);
	}
	if (rc < 0 && frames_error_offset(r) > size)
		abort();
	decoder_free(d);
	frames_close(r);
	return sum == 42 ? 0 : 0;
}
