/* libFuzzer harness for the pcapng block walk (secrets and consent marks)
 * and the error-position walk; the input is the whole file. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

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
	if (pcapng_packet_offset(fd, 3) > size)
		abort(); /* an offset always points inside the file */
	return sum == 42 ? 0 : 0;
}
