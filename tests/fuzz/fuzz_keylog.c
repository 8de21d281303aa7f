/* libFuzzer harness for the key log reader (the text of a file or of a
 * pcapng Decryption Secrets Block), and for writing the entries back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keylog *kl = keylog_new();
	keylog_add_text(kl, (const char *)data, size, "fuzz");
	if (size >= KEYLOG_RANDOM_LEN) {
		const struct keylog_entry *e = keylog_find(kl, data);
		char small[100], big[2048];
		if (e) {
			size_t need = keylog_format(e, big, sizeof(big));
			if (need >= sizeof(big) || strlen(big) != need)
				abort(); /* five lines of at most 194 bytes always fit */
			keylog_format(e, small, sizeof(small));
			if (strlen(small) >= sizeof(small))
				abort();
		}
	}
	keylog_free(kl);
	return 0;
}
