/* \summary: HTTP content-coding decoders (see decompress.h).
 *
 * References: RFC 9110 section 8.4 (content codings), RFC 1952 (gzip),
 * RFC 1950 (zlib), RFC 1951 (deflate), RFC 7932 (brotli).
 *
 * Each coding is one stage that decodes a whole input into a dbuf through a
 * fixed stack chunk, so memory grows only with accepted output.  Every stage
 * of a stack shares the same cap, computed from the size of the body as
 * received: stacking codings cannot multiply the ratio.
 */
#define ZLIB_CONST
#include "decompress.h"
#include "utf8.h"

#include <brotli/decode.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <zlib.h>
#include <stdint.h>
#include <stdio.h>

#define CHUNK 16384
#define PLAIN_SNIFF_MAX 1024 /* bytes looked at to call a body plain text */

enum coding { CODING_GZIP, CODING_DEFLATE, CODING_BR };

/* Where a stage writes: at most `room` more bytes into `dst`. */
struct sink {
	struct dbuf *dst;
	size_t room;
	size_t written;
};

/* Stores what fits; false when the stage must stop (cap reached or out of memory). */
static bool sink_put(struct sink *s, const uint8_t *p, size_t n)
{
	bool fits = n <= s->room;
	size_t before = s->dst->len;
	bool ok = dbuf_append(s->dst, p, fits ? n : s->room);
	size_t added = s->dst->len - before;
	s->room -= added;
	s->written += added;
	return fits && ok;
}

static unsigned copy_plain(const uint8_t *in, size_t len, struct sink *s)
{
	return sink_put(s, in, len) ? 0 : DECOMP_TRUNCATED;
}

static bool is_gzip_magic(const uint8_t *p, size_t len)
{
	return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* Plain text (UTF-8, no control bytes besides whitespace): what a body
 * carrying a false coding label looks like; compressed bytes almost never do. */
static bool looks_plain(const uint8_t *in, size_t len)
{
	size_t n = len < PLAIN_SNIFF_MAX ? len : PLAIN_SNIFF_MAX;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n;) {
		uint8_t c = in[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return false;
		size_t k = utf8_seq(in + i, len - i); /* the whole body: a sequence may cross the sample's end */
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/* zlib stage: window_bits 16+15 gzip, 15 zlib-wrapped, -15 raw deflate. */
static unsigned inflate_stage(const uint8_t *in, size_t len, int window_bits, struct sink *s)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, window_bits) != Z_OK)
		return DECOMP_FAILED;
	unsigned flags = 0;
	size_t fed = 0; /* bytes handed to zlib; avail_in is only 32 bits wide */
	uint8_t buf[CHUNK];
	/* Bounded: each pass consumes input or emits output, output stops at the cap. */
	for (;;) {
		if (zs.avail_in == 0 && fed < len) {
			size_t n = len - fed > UINT_MAX ? UINT_MAX : len - fed;
			zs.next_in = in + fed;
			zs.avail_in = (uInt)n;
			fed += n;
		}
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		int rc = inflate(&zs, Z_NO_FLUSH);
		size_t got = sizeof(buf) - zs.avail_out;
		if (got && !sink_put(s, buf, got)) {
			flags |= DECOMP_TRUNCATED;
			break;
		}
		if (rc == Z_STREAM_END) {
			/* gzip allows several members back to back (RFC 1952 2.2) */
			size_t off = (size_t)(zs.next_in - in);
			if (window_bits > MAX_WBITS && is_gzip_magic(in + off, len - off) &&
			    inflateReset(&zs) == Z_OK)
				continue;
			break; /* trailing bytes after the end marker are ignored, as browsers do */
		}
		if (rc == Z_OK)
			continue;
		if (rc == Z_BUF_ERROR && zs.avail_in == 0 && fed == len)
			flags |= DECOMP_INCOMPLETE;
		else
			flags |= DECOMP_FAILED;
		break;
	}
	inflateEnd(&zs);
	return flags;
}

static unsigned brotli_stage(const uint8_t *in, size_t len, struct sink *s)
{
	BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	if (!st)
		return DECOMP_FAILED;
	unsigned flags = 0;
	size_t avail_in = len;
	const uint8_t *next_in = in;
	uint8_t buf[CHUNK];
	for (;;) {
		size_t avail_out = sizeof(buf);
		uint8_t *next_out = buf;
		BrotliDecoderResult r =
			BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
		size_t got = sizeof(buf) - avail_out;
		if (got && !sink_put(s, buf, got)) {
			flags |= DECOMP_TRUNCATED;
			break;
		}
		if (r == BROTLI_DECODER_RESULT_SUCCESS)
			break;
		if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT && got > 0)
			continue;
		if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
			flags |= DECOMP_INCOMPLETE;
		else
			flags |= DECOMP_FAILED; /* errors, and no progress (keeps the loop bounded) */
		break;
	}
	BrotliDecoderDestroyInstance(st);
	return flags;
}

static unsigned run_stage(enum coding c, const uint8_t *in, size_t len, struct sink *s)
{
	unsigned flags = 0;
	switch (c) {
	case CODING_GZIP:
		/* Apps label plain bodies gzip; without the magic there is nothing to inflate. */
		if (!is_gzip_magic(in, len))
			return copy_plain(in, len, s) | DECOMP_NOT_ENCODED;
		flags = inflate_stage(in, len, 16 + MAX_WBITS, s);
		break;
	case CODING_DEFLATE:
		flags = inflate_stage(in, len, MAX_WBITS, s);
		/* No zlib header: raw deflate, which browsers accept under this name too. */
		if ((flags & DECOMP_FAILED) && s->written == 0)
			flags = inflate_stage(in, len, -MAX_WBITS, s);
		break;
	case CODING_BR:
		flags = brotli_stage(in, len, s);
		break;
	}
	return flags;
}

/* One stage, with the fallback for deflate and br, which have no magic:
 * a stream that does not decode but reads as plain text is kept as it is. */
static unsigned decode_stage(enum coding c, const uint8_t *in, size_t len, size_t cap,
			     struct dbuf *dst)
{
	size_t mark = dst->len;
	bool capped = dst->capped;
	struct sink s = { dst, cap, 0 };
	unsigned flags = run_stage(c, in, len, &s);
	if ((flags & (DECOMP_FAILED | DECOMP_INCOMPLETE)) && !(flags & DECOMP_NOT_ENCODED) &&
	    looks_plain(in, len)) {
		dst->len = mark;
		dst->capped = capped;
		s.room = cap;
		s.written = 0;
		flags = copy_plain(in, len, &s) | DECOMP_NOT_ENCODED;
	}
	return flags;
}

static bool token_is(const char *t, size_t n, const char *name)
{
	size_t i = 0;
	for (; i < n && name[i]; i++) {
		char c = t[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return false;
	}
	return i == n && name[i] == 0;
}

/* Splits the header value into `stack` (left to right as applied); returns
 * DECOMP_UNKNOWN or DECOMP_FAILED (too many) when it cannot be undone. */
static unsigned parse_codings(const char *v, size_t len, enum coding *stack, size_t *n)
{
	*n = 0;
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && v[i] != ',')
			i++;
		size_t end = i++;
		while (start < end && (v[start] == ' ' || v[start] == '\t'))
			start++;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		const char *t = v + start;
		size_t tl = end - start;
		enum coding c;
		if (tl == 0 || token_is(t, tl, "identity"))
			continue;
		if (token_is(t, tl, "gzip") || token_is(t, tl, "x-gzip"))
			c = CODING_GZIP;
		else if (token_is(t, tl, "deflate"))
			c = CODING_DEFLATE;
		else if (token_is(t, tl, "br"))
			c = CODING_BR;
		else
			return DECOMP_UNKNOWN;
		if (*n == DECOMP_MAX_STACK)
			return DECOMP_FAILED;
		stack[(*n)++] = c;
	}
	return 0;
}

static size_t output_cap(const struct decomp_limits *lim, size_t in_len)
{
	size_t max_out = lim && lim->max_out ? lim->max_out : DECOMP_DEFAULT_MAX_OUT;
	size_t ratio = lim && lim->max_ratio ? lim->max_ratio : DECOMP_DEFAULT_MAX_RATIO;
	size_t by_ratio = in_len > SIZE_MAX / ratio ? SIZE_MAX : in_len * ratio;
	return by_ratio < max_out ? by_ratio : max_out;
}

unsigned decompress_body(const char *coding, size_t coding_len, const uint8_t *in, size_t in_len,
			 const struct decomp_limits *lim, struct dbuf *out)
{
	enum coding stack[DECOMP_MAX_STACK];
	size_t n = 0;
	unsigned flags = parse_codings(coding ? coding : "", coding ? coding_len : 0, stack, &n);
	size_t cap = output_cap(lim, in_len);
	if (in_len == 0)
		return flags;
	if (flags || n == 0) {
		struct sink s = { out, cap, 0 };
		return flags | copy_plain(in, in_len, &s);
	}
	/* Undo right to left; intermediate results ping-pong between two
	 * buffers, each freed as soon as the next layer is decoded. */
	struct dbuf tmp[2];
	dbuf_init(&tmp[0], cap);
	dbuf_init(&tmp[1], cap);
	struct dbuf *src = NULL;
	const uint8_t *cur = in;
	size_t cur_len = in_len;
	for (size_t i = n; i-- > 0;) {
		struct dbuf *dst = i == 0 ? out : &tmp[i % 2];
		flags |= decode_stage(stack[i], cur, cur_len, cap, dst);
		if (src)
			dbuf_free(src);
		/* a cut or broken inner layer still goes on: its prefix may decode */
		src = dst;
		cur = dst->data ? dst->data : (const uint8_t *)"";
		cur_len = dst->len;
	}
	return flags;
}

const char *decompress_zlib_version(void) { return zlibVersion(); }

void decompress_brotli_version(char buf[16])
{
	uint32_t v = BrotliDecoderVersion(); /* major << 24 | minor << 12 | patch */
	snprintf(buf, 16, "%u.%u.%u", v >> 24, (v >> 12) & 0xfff, v & 0xfff);
}
