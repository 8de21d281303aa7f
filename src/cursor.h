/* \summary: bounded cursor over untrusted bytes.
 *
 * Every read from network data goes through a cursor: a read past the end
 * returns zero and sets a sticky error instead of touching memory, so a parser
 * can read a whole header and check `cur_ok()` once afterwards.
 */
#ifndef PA_CURSOR_H
#define PA_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *base;
	size_t len;
	size_t pos;
	bool err;
};

static inline struct cursor cur_make(const uint8_t *p, size_t len)
{
	struct cursor c = { p, len, 0, false };
	return c;
}

static inline size_t cur_left(const struct cursor *c)
{
	return c->err ? 0 : c->len - c->pos;
}

static inline bool cur_ok(const struct cursor *c) { return !c->err; }

/* Returns a pointer to the next n bytes and advances, or NULL (and sets the
 * error) when fewer than n remain. */
static inline const uint8_t *cur_take(struct cursor *c, size_t n)
{
	if (c->err || n > c->len - c->pos) {
		c->err = true;
		return NULL;
	}
	const uint8_t *p = c->base + c->pos;
	c->pos += n;
	return p;
}

static inline const uint8_t *cur_peek(const struct cursor *c, size_t n)
{
	if (c->err || n > c->len - c->pos)
		return NULL;
	return c->base + c->pos;
}

static inline bool cur_skip(struct cursor *c, size_t n) { return cur_take(c, n) != NULL; }

static inline uint8_t cur_u8(struct cursor *c)
{
	const uint8_t *p = cur_take(c, 1);
	return p ? p[0] : 0;
}

static inline uint16_t cur_be16(struct cursor *c)
{
	const uint8_t *p = cur_take(c, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint16_t cur_le16(struct cursor *c)
{
	const uint8_t *p = cur_take(c, 2);
	return p ? (uint16_t)(p[1] << 8 | p[0]) : 0;
}

static inline uint32_t cur_be24(struct cursor *c)
{
	const uint8_t *p = cur_take(c, 3);
	return p ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2] : 0;
}

static inline uint32_t cur_be32(struct cursor *c)
{
	const uint8_t *p = cur_take(c, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

static inline uint32_t cur_le32(struct cursor *c)
{
	const uint8_t *p = cur_take(c, 4);
	return p ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0] : 0;
}

/* A sub-cursor over the next n bytes; the parent advances past them. */
static inline struct cursor cur_sub(struct cursor *c, size_t n)
{
	const uint8_t *p = cur_take(c, n);
	struct cursor s = { p, p ? n : 0, 0, p == NULL };
	return s;
}

#endif
