/* libFuzzer harness for DNS response parsing and the name cache. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "strtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = malloc(size ? size : 1);
	memcpy(msg, data, size);
	struct strtab *names = strtab_new();
	struct dns_cache *c = dns_cache_new(names);
	dns_cache_learn(c, msg, size);
	char name[256];
	dns_question_name(msg, size, name, sizeof(name));
	struct dns_message m;
	dns_parse(msg, size, &m);
	dns_cache_free(c);
	strtab_free(names);
	free(msg);
	return 0;
}
