/* \summary: growable byte buffer with a ceiling.
 *
 * Every buffer that network input can grow has a cap; appending past it
 * stores what fits, sets `capped` and returns false, so callers record the
 * truncation instead of failing.  The buffer owns `data`; dbuf_free releases it.
 */
#ifndef PA_DBUF_H
#define PA_DBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dbuf {
	uint8_t *data;
	size_t len;
	size_t cap;   /* allocated */
	size_t limit; /* ceiling on len; 0 = no ceiling */
	bool capped;  /* an append was cut at the ceiling */
};

void dbuf_init(struct dbuf *b, size_t limit);
/* Appends n bytes (as many as the ceiling allows); false when cut or out of memory. */
bool dbuf_append(struct dbuf *b, const void *p, size_t n);
bool dbuf_append_str(struct dbuf *b, const char *s);
bool dbuf_append_byte(struct dbuf *b, uint8_t c);
/* Keeps data NUL-terminated (the NUL is not counted in len); false on OOM. */
bool dbuf_terminate(struct dbuf *b);
void dbuf_reset(struct dbuf *b);
void dbuf_free(struct dbuf *b);
/* Hands the bytes to the caller (NUL-terminated, caller frees) and empties b. */
char *dbuf_detach(struct dbuf *b, size_t *len);

#endif
