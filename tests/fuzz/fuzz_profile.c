/* libFuzzer harness for the app profile loader (libyaml plus our checks):
 * the input is written to a temporary file and loaded as a profile; the
 * canary search then runs over the input itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "profile.h"
#include "signatures.h"

static struct signatures *sigs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sigs && !(sigs = signatures_load(PA_SRCDIR "/signatures", NULL, NULL)))
		abort();
	char path[] = "/tmp/privaudit-fuzz-profile-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	struct profile *p = profile_load(path, sigs, NULL, NULL);
	if (p) {
		profile_find_canary(p, (const char *)data, size, NULL);
		profile_free(p);
	}
	unlink(path);
	return 0;
}
