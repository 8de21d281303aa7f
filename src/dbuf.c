/* \summary: growable byte buffer with a ceiling (see dbuf.h). */
#include "dbuf.h"

#include <stdlib.h>
#include <string.h>

void dbuf_init(struct dbuf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

static bool dbuf_reserve(struct dbuf *b, size_t need)
{
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	/* never more than the ceiling needs (+1 for the terminating NUL) */
	if (b->limit && cap > b->limit + 1 && need <= b->limit + 1)
		cap = b->limit + 1;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return false;
	b->data = p;
	b->cap = cap;
	return true;
}

bool dbuf_append(struct dbuf *b, const void *p, size_t n)
{
	bool cut = false;
	if (b->limit && n > b->limit - b->len) {
		n = b->limit - b->len;
		cut = true;
		b->capped = true;
	}
	if (n == 0)
		return !cut;
	/* +1 keeps room for dbuf_terminate without another realloc */
	if (!dbuf_reserve(b, b->len + n + 1))
		return false;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return !cut;
}

bool dbuf_append_str(struct dbuf *b, const char *s) { return dbuf_append(b, s, strlen(s)); }

bool dbuf_append_byte(struct dbuf *b, uint8_t c) { return dbuf_append(b, &c, 1); }

bool dbuf_terminate(struct dbuf *b)
{
	if (!dbuf_reserve(b, b->len + 1))
		return false;
	b->data[b->len] = 0;
	return true;
}

void dbuf_reset(struct dbuf *b)
{
	b->len = 0;
	b->capped = false;
}

void dbuf_free(struct dbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->capped = false;
}

char *dbuf_detach(struct dbuf *b, size_t *len)
{
	if (!dbuf_terminate(b))
		return NULL;
	char *p = (char *)b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
