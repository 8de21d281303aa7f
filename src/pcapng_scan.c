/* \summary: pcapng block walk for secrets and marks (see pcapng_scan.h). */
#include "pcapng_scan.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"

#define BLOCK_SHB 0x0a0d0d0au
#define BLOCK_IDB 1u
#define BLOCK_ISB 5u
#define BLOCK_DSB 10u
#define BYTE_ORDER_MAGIC 0x1a2b3c4du

#define MAX_INTERFACES 1024
#define MAX_META_BLOCK (1u << 20) /* SHB/IDB/ISB bodies read whole up to this */
#define MARK_PREFIX "privaudit:"

/* Reads the file sequentially through a buffer: packet blocks are skipped
 * inside the buffer without a system call each. */
struct reader {
	int fd;
	uint64_t off;     /* file offset of buf[0] */
	uint8_t buf[64 * 1024];
	size_t len;
};

/* Makes bytes [at, at + n) available and returns them, or NULL at EOF;
 * n must not exceed the buffer. */
static const uint8_t *reader_at(struct reader *r, uint64_t at, size_t n)
{
	if (at >= r->off && at + n <= r->off + r->len)
		return r->buf + (at - r->off);
	ssize_t got = pread(r->fd, r->buf, sizeof(r->buf), (off_t)at);
	r->off = at;
	r->len = got > 0 ? (size_t)got : 0;
	return n <= r->len ? r->buf : NULL;
}

struct section {
	bool swap;
	uint32_t nifaces;
	struct pcapng_tsfmt ifaces[MAX_INTERFACES];
};

static uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, bool swap)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

/* Options: code(2) length(2) value padded to 4, until code 0. */
struct option {
	uint16_t code, len;
	const uint8_t *value;
};

static bool next_option(struct cursor *c, bool swap, struct option *o)
{
	const uint8_t *h = cur_take(c, 4);
	if (!h)
		return false;
	o->code = get16(h, swap);
	o->len = get16(h + 2, swap);
	if (o->code == 0)
		return false;
	o->value = cur_take(c, o->len);
	return o->value && cur_skip(c, (4 - o->len % 4) % 4);
}

void pcapng_tsfmt_read(struct pcapng_tsfmt *t, const uint8_t *opts, size_t len, bool swap)
{
	t->units = 1000000; /* default: microseconds */
	t->pow2 = false;
	t->offset_s = 0;
	struct cursor c = cur_make(opts, len);
	struct option o;
	while (next_option(&c, swap, &o)) {
		if (o.code == 9 && o.len == 1) { /* if_tsresol */
			uint8_t v = o.value[0];
			bool pow2 = v & 0x80;
			uint8_t e = v & 0x7f;
			if ((pow2 && e > 63) || (!pow2 && e > 19))
				continue; /* unusable: keep microseconds */
			t->pow2 = pow2;
			uint64_t u = 1;
			for (uint8_t k = 0; k < e; k++)
				u = pow2 ? u * 2 : u * 10;
			t->units = u;
		} else if (o.code == 14 && o.len == 8) { /* if_tsoffset, seconds */
			uint64_t v;
			memcpy(&v, o.value, 8);
			t->offset_s = (int64_t)(swap ? __builtin_bswap64(v) : v);
		}
	}
}

uint64_t pcapng_ts_to_ns(const struct pcapng_tsfmt *t, uint64_t ts)
{
	uint64_t units = t->units;
	uint64_t sec = ts / units, frac = ts % units;
	/* frac < units <= 2^63, so scale the fraction without overflowing */
	uint64_t ns = t->pow2 || units > 1000000000u ? (uint64_t)((unsigned __int128)frac * 1000000000u / units)
						     : frac * (1000000000u / units);
	return (uint64_t)((int64_t)sec + t->offset_s) * 1000000000u + ns;
}

static void read_idb(struct section *s, const uint8_t *body, size_t len)
{
	if (s->nifaces == MAX_INTERFACES)
		return;
	struct pcapng_tsfmt *t = &s->ifaces[s->nifaces++];
	pcapng_tsfmt_read(t, len >= 8 ? body + 8 : body, len >= 8 ? len - 8 : 0, s->swap);
}

static uint64_t to_ns(const struct section *s, uint32_t iface, uint64_t ts)
{
	return pcapng_ts_to_ns(&s->ifaces[iface], ts);
}

static void read_isb(const struct section *s, const uint8_t *body, size_t len, uint64_t at,
		     const struct pcapng_scan_ops *ops, void *ctx)
{
	struct cursor c = cur_make(body, len);
	const uint8_t *h = cur_take(&c, 12);
	if (!h || !ops->mark)
		return;
	uint32_t iface = get32(h, s->swap);
	if (iface >= s->nifaces)
		return;
	uint64_t ts = (uint64_t)get32(h + 4, s->swap) << 32 | get32(h + 8, s->swap);
	struct option o;
	while (next_option(&c, s->swap, &o)) {
		if (o.code != 1 || o.len <= strlen(MARK_PREFIX) || memcmp(o.value, MARK_PREFIX, strlen(MARK_PREFIX)))
			continue;
		const char *kind = (const char *)o.value + strlen(MARK_PREFIX);
		size_t klen = o.len - strlen(MARK_PREFIX);
		static const char *const kinds[] = { "consent", "withdrawal", "mandatory_start", "mandatory_end" };
		for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++)
			if (klen == strlen(kinds[k]) && memcmp(kind, kinds[k], klen) == 0)
				ops->mark(ctx, kinds[k], to_ns(s, iface, ts), at);
	}
}

static void read_dsb(struct reader *r, const struct section *s, uint64_t at, uint32_t blen,
		     const struct pcapng_scan_ops *ops, void *ctx)
{
	const uint8_t *h = reader_at(r, at + 8, 8);
	if (!h || !ops->secrets)
		return;
	uint32_t type = get32(h, s->swap), len = get32(h + 4, s->swap);
	if (len > blen - 20)
		return;
	if (len > PCAPNG_MAX_SECRETS) { /* said, not read */
		ops->secrets(ctx, type, NULL, len, at);
		return;
	}
	uint8_t *data = malloc(len ? len : 1);
	if (!data)
		return;
	ssize_t got = pread(r->fd, data, len, (off_t)(at + 16));
	if (got == (ssize_t)len)
		ops->secrets(ctx, type, data, len, at);
	free(data);
}

uint64_t pcapng_scan(int fd, const struct pcapng_scan_ops *ops, void *ctx)
{
	struct reader *r = malloc(sizeof(*r));
	struct section *s = calloc(1, sizeof(*s));
	uint64_t at = 0, blocks = 0;
	if (!r || !s)
		goto out;
	r->fd = fd;
	r->off = 0;
	r->len = 0;
	for (;;) {
		const uint8_t *h = reader_at(r, at, 12);
		if (!h)
			break;
		if (get32(h, false) == BLOCK_SHB) { /* its own byte order */
			uint32_t bom = get32(h + 8, false);
			if (bom != BYTE_ORDER_MAGIC && bom != __builtin_bswap32(BYTE_ORDER_MAGIC))
				break;
			s->swap = bom != BYTE_ORDER_MAGIC;
			s->nifaces = 0;
		}
		uint32_t type = get32(h, s->swap), len = get32(h + 4, s->swap);
		if (len < 12 || len % 4 || !reader_at(r, at + len - 4, 4))
			break; /* damaged, or cut short: the walk ends at this block */
		if ((type == BLOCK_IDB || type == BLOCK_ISB) && len <= MAX_META_BLOCK) {
			uint8_t *body = malloc(len - 12);
			if (body && pread(fd, body, len - 12, (off_t)(at + 8)) == (ssize_t)(len - 12)) {
				if (type == BLOCK_IDB)
					read_idb(s, body, len - 12);
				else
					read_isb(s, body, len - 12, at, ops, ctx);
			}
			free(body);
		} else if (type == BLOCK_DSB && len >= 20) {
			read_dsb(r, s, at, len, ops, ctx);
		}
		++blocks;
		at += len;
	}
out:
	free(r);
	free(s);
	return blocks;
}
