/* libFuzzer harness for classification: the signature set is loaded once
 * from the source tree; the input is "path\tkey\tvalue" (missing parts are
 * empty), run through the whole matcher and the canary search. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signatures.h"

static struct signatures *sigs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sigs && !(sigs = signatures_load(PA_SRCDIR "/signatures", NULL, NULL)))
		abort(); /* the shipped set must load */
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
	struct classification c;
	if (signatures_classify(sigs, path, key, strlen(key), value, vlen, &c) && (!c.category || !c.rule))
		abort();
	signatures_organization(sigs, value);
	free(buf);
	return 0;
}
