/* libFuzzer harness for classification: the signature set and the demo's
 * profile (for its canaries) are loaded once from the source tree; the
 * input is "path\tkey\tvalue" (missing parts are empty), run through
 * classify_field -- the canary search, then the whole matcher -- with and
 * without a trace and a request time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "profile.h"
#include "signatures.h"

static struct signatures *sigs;
static struct profile *prof;
static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sigs) {
		if (!(sigs = signatures_load(PA_SRCDIR "/signatures", NULL, NULL)))
			abort(); /* the shipped set must load */
		if (!(prof = profile_load(PA_SRCDIR "/captures/demo/old-user/lingoup.yaml", sigs, NULL, NULL)))
			abort();
		devnull = fopen("/dev/null", "w");
	}
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = 0;
	char *key = memchr(buf, '\t', size);
	char *value = key ? memchr(key + 1, '\t', size - (size_t)(key + 1 - buf)) : NULL;
	const char *path = buf;
	if (key)
		*key++ = 0;
	else
		key = buf + size;
	if (value)
		*value++ = 0;
	else
		value = buf + size;
	size_t vlen = size - (size_t)(value - buf);
	/* the request time from the input's length: known (2024) or unknown */
	struct field_in f = { path, key, strlen(key), value, vlen, size & 1 ? 1714550400 : 0,
			      size & 8 ? "/v1/user-profile/edit" : NULL };
	struct classification c;
	bool hit = classify_field(sigs, size & 2 ? prof : NULL, &f, &c, size & 4 ? devnull : NULL);
	if (hit && (!c.category || !c.rule))
		abort();
	const char *k;
	signatures_key_of_path(path, &k);
	signatures_organization(sigs, value);
	free(buf);
	return 0;
}
