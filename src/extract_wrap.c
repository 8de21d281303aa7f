/* \summary: wrapped values (see extract.h): the layers of base64 /
 * base64url, gzip, zlib and raw deflate that SDKs put around JSON, JSON
 * Lines or a form, and what a body that holds none of these looks like.
 *
 * References: RFC 4648 (base64, base64url), RFC 2045 section 6.8 (line
 * breaks in base64), RFC 1950/1951/1952 (zlib, deflate, gzip), the protobuf
 * wire format (protobuf.dev/programming-guides/encoding).
 *
 * A peel looks at one value: structure first, else one layer is undone and
 * the result looked at again.  Every layer is decoded once and base64 shrinks
 * what it decodes, so the work is linear in the value; decompression draws on
 * the context's budget (max_decoded bytes in all, 1000 bytes per input byte)
 * and each layer costs one depth level.
 */
#define ZLIB_CONST
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "decompress.h"
#include "extract_internal.h"

#define B64_MIN_LEN 16       /* shorter strings are words, not encodings */
#define RAW_DEFLATE_MIN 8    /* bytes: no JSON deflates to less */
#define INFLATE_PROBE 64     /* bytes inflated to judge a headerless stream */
#define PB_SNIFF_MAX 65536   /* bytes of a body read as protobuf */
#define ENTROPY_SAMPLE 4096  /* bytes of a body whose byte histogram is taken */

enum layer { LAYER_NONE, LAYER_BASE64, LAYER_GZIP, LAYER_DEFLATE };

static const char *const layer_tags[] = { "", "{base64}", "{gzip}", "{deflate}" };
static const char *const peel_tags[] = { "", "{json}", "{jsonl}", "{form}", "" };

static bool is_alnum(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* base64 (RFC 4648 section 4) or base64url (section 5) as apps send it:
 * padding optional, line breaks anywhere (MIME, Android's Base64.DEFAULT),
 * and, when `spaces_ok`, ' ' for '+' (a form that did not escape its '+';
 * not inside decoded bytes, where spaces are text).  One alphabet per
 * string; hex strings and UUIDs are not base64.  Returns the number of data
 * characters, 0 if not; *spaces when a space was read as '+'. */
static size_t b64_check(const uint8_t *s, size_t len, bool spaces_ok, bool *spaces)
{
	size_t n = 0, pad = 0;
	bool std = false, url = false, sp = false, hexish = true;
	if (len < B64_MIN_LEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];
		if (is_alnum(c) && !pad) { /* the common case first */
			hexish = hexish && is_hex(c);
			n++;
			continue;
		}
		if (c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			if (++pad > 2)
				return 0;
			continue;
		}
		if (pad)
			return 0; /* data after the padding */
		if (c == '+' || c == '/')
			std = true, hexish = false;
		else if (c == '-')
			url = true; /* UUIDs stay hexish */
		else if (c == '_')
			url = true, hexish = false;
		else if (c == ' ' && spaces_ok)
			sp = true, hexish = false;
		else
			return 0;
		n++;
	}
	if (n < B64_MIN_LEN || hexish || ((std || sp) && url) || n % 4 == 1 ||
	    (pad && (n + pad) % 4 != 0))
		return 0;
	*spaces = sp;
	return n;
}

static unsigned b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0' + 52);
	return c == '+' || c == '-' || c == ' ' ? 62 : 63;
}

/* Decodes what b64_check accepted (n data characters) into a new buffer. */
static uint8_t *b64_decode(const uint8_t *s, size_t len, size_t n, size_t *out_len)
{
	uint8_t *out = malloc(n / 4 * 3 + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < len && s[i] != '='; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		acc = (acc << 6 | b64_value(s[i])) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	*out_len = o;
	return out;
}

static bool is_gzip(const uint8_t *s, size_t len) { return len >= 18 && s[0] == 0x1f && s[1] == 0x8b; }

/* RFC 1950 section 2.2: deflate, window <= 32 KiB, check bits, no preset dictionary. */
static bool is_zlib(const uint8_t *s, size_t len)
{
	return len >= 6 && (s[0] & 0x0f) == 8 && (s[0] >> 4) <= 7 && (s[0] << 8 | s[1]) % 31 == 0 &&
	       !(s[1] & 0x20);
}

/* Text an inflated stream may start with: printable, its first character
 * one a structure (or another layer) starts with.  A multi-byte character
 * cut by the probe's end is fine. */
static bool plausible_text_start(const uint8_t *s, size_t len)
{
	const uint8_t *t = s;
	size_t tl = len;
	ex_trim(&t, &tl);
	if (!tl || !(t[0] == '{' || t[0] == '[' || is_alnum(t[0]) || t[0] == '_' || t[0] == '%'))
		return false;
	size_t keep = len > 3 ? len - 3 : 0; /* room for a cut sequence */
	return ex_is_text(s, keep);
}

/* Whether bytes with no header are raw deflate of text: the first
 * INFLATE_PROBE bytes (or the whole stream, if shorter) inflate to text.
 * One inflate call into a stack buffer: cheap enough to try on every
 * binary that came out of base64. */
static bool raw_deflate_probe(const uint8_t *s, size_t len)
{
	unsigned type = (s[0] >> 1) & 3; /* RFC 1951 section 3.2.3 */
	if (len < RAW_DEFLATE_MIN || type == 3 ||
	    (type == 0 && ((s[1] ^ s[3]) != 0xff || (s[2] ^ s[4]) != 0xff)))
		return false;
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
		return false;
	uint8_t out[INFLATE_PROBE];
	zs.next_in = s;
	zs.avail_in = len > UINT_MAX ? UINT_MAX : (uInt)len;
	zs.next_out = out;
	zs.avail_out = sizeof(out);
	int rc = inflate(&zs, Z_NO_FLUSH);
	size_t got = sizeof(out) - zs.avail_out;
	inflateEnd(&zs);
	return (rc == Z_STREAM_END || (rc == Z_OK && got == sizeof(out))) &&
	       plausible_text_start(out, got);
}

/* Inflates one layer (decompress.c's "gzip" or "deflate": zlib-wrapped,
 * else raw) within the context's budget.  False when nothing decoded. */
static bool inflate_layer(struct ex_walk *w, const char *coding, const uint8_t *in, size_t len,
			  struct ex_peel *p, uint8_t **out, size_t *out_len)
{
	struct extract_ctx *x = w->x;
	size_t max = x->max_decoded ? x->max_decoded : DECOMP_DEFAULT_MAX_OUT;
	size_t room = x->decoded < max ? max - x->decoded : 0;
	if (room == 0) {
		x->stats.decompress_capped = true;
		return false;
	}
	struct dbuf b;
	dbuf_init(&b, room);
	struct decomp_limits lim = { room, DECOMP_DEFAULT_MAX_RATIO };
	unsigned fl = decompress_body(coding, strlen(coding), in, len, &lim, &b);
	if ((fl & DECOMP_NOT_ENCODED) || b.len == 0) {
		dbuf_free(&b);
		return false;
	}
	x->decoded += b.len;
	if (fl & DECOMP_TRUNCATED)
		x->stats.decompress_capped = true;
	if (fl & (DECOMP_FAILED | DECOMP_INCOMPLETE))
		p->cut = true;
	*out = (uint8_t *)dbuf_detach(&b, out_len);
	return *out != NULL;
}

/* One layer off `cur` (untrimmed; `t` is it trimmed, for text layers). */
static enum layer unwrap(struct ex_walk *w, const uint8_t *cur, size_t cur_len, const uint8_t *t,
			 size_t tl, enum layer prev, struct ex_peel *p, bool *spaces, uint8_t **out,
			 size_t *out_len)
{
	if (is_gzip(cur, cur_len))
		return inflate_layer(w, "gzip", cur, cur_len, p, out, out_len) ? LAYER_GZIP : LAYER_NONE;
	if (is_zlib(cur, cur_len))
		return inflate_layer(w, "deflate", cur, cur_len, p, out, out_len) ? LAYER_DEFLATE
										  : LAYER_NONE;
	bool outer = prev == LAYER_NONE;
	size_t n = b64_check(t, tl, outer, spaces);
	/* spaces at the ends are '+' too when the string has them inside */
	if (n && *spaces && (t != cur || tl != cur_len)) {
		size_t m = b64_check(cur, cur_len, true, spaces);
		if (m) {
			t = cur;
			tl = cur_len;
			n = m;
		}
	}
	if (n) /* 16 characters or more: never empty */
		return (*out = b64_decode(t, tl, n, out_len)) ? LAYER_BASE64 : LAYER_NONE;
	/* Headerless deflate (Java's Deflater(nowrap)): only inside base64, and
	 * only when a short probe inflates to text. */
	if (prev == LAYER_BASE64 && !ex_is_text(cur, cur_len) && raw_deflate_probe(cur, cur_len) &&
	    inflate_layer(w, "deflate", cur, cur_len, p, out, out_len))
		return LAYER_DEFLATE;
	return LAYER_NONE;
}

/* JSON, JSON Lines or a form, looked for in trimmed text. */
static enum ex_peel_kind structure(const uint8_t *t, size_t tl, bool strict, struct ex_json *j)
{
	if (tl == 0)
		return EX_PEEL_NONE;
	if (t[0] == '{' || t[0] == '[') {
		if (ex_json_parse(j, t, tl, false))
			return EX_PEEL_JSON;
		return ex_is_json_lines(t, tl, false) ? EX_PEEL_JSONL : EX_PEEL_NONE;
	}
	return ex_form_sniff(t, tl, strict) ? EX_PEEL_FORM : EX_PEEL_NONE;
}

static void add_tag(struct ex_peel *p, const char *tag)
{
	size_t n = strlen(tag);
	memcpy(p->tags + p->tags_len, tag, n + 1);
	p->tags_len += n;
	p->levels++;
}

/* A layer that would decode, told cheaply (for the depth cap). */
static bool looks_wrapped(const uint8_t *cur, size_t cur_len, const uint8_t *t, size_t tl)
{
	bool spaces;
	return is_gzip(cur, cur_len) || is_zlib(cur, cur_len) || b64_check(t, tl, false, &spaces) > 0;
}

enum ex_peel_kind ex_peel(struct ex_walk *w, const uint8_t *s, size_t len, unsigned depth,
			  bool need_layer, bool strict, struct ex_peel *p)
{
	p->kind = EX_PEEL_NONE;
	p->tags[0] = 0;
	p->tags_len = 0;
	p->levels = 0;
	p->json.root = NULL;
	p->buf = NULL;
	p->base64 = p->cut = false;
	const uint8_t *cur = s;
	size_t cur_len = len;
	enum layer prev = LAYER_NONE;
	/* bounded: at most EX_WRAP_MAX_LAYERS layers, each decoded once */
	for (unsigned layer = 0;; layer++) {
		const uint8_t *t = cur;
		size_t tl = cur_len;
		ex_trim(&t, &tl);
		p->data = cur;
		p->len = cur_len;
		if (layer > 0 || !need_layer) {
			/* decoded bytes are a form only by the strict sniff: random
			 * bytes pass the lenient one about once in 20,000 */
			enum ex_peel_kind k = structure(t, tl, strict || layer > 0, &p->json);
			if (k != EX_PEEL_NONE) {
				if (depth + p->levels + 1 >= w->max_depth) {
					if (k == EX_PEEL_JSON)
						ex_json_free(&p->json);
					return p->kind = EX_PEEL_CAPPED;
				}
				add_tag(p, peel_tags[k]);
				p->data = t;
				p->len = tl;
				return p->kind = k;
			}
		}
		if (layer == EX_WRAP_MAX_LAYERS) {
			if (looks_wrapped(cur, cur_len, t, tl))
				p->kind = EX_PEEL_CAPPED;
			break;
		}
		uint8_t *next = NULL;
		size_t next_len = 0;
		bool spaces = false;
		enum layer l = unwrap(w, cur, cur_len, t, tl, prev, p, &spaces, &next, &next_len);
		if (l == LAYER_NONE)
			break;
		if (layer == 0)
			p->base64 = l == LAYER_BASE64 && !spaces;
		free(p->buf);
		p->buf = next;
		cur = next;
		cur_len = next_len;
		add_tag(p, layer_tags[l]);
		prev = l;
	}
	return p->kind;
}

void ex_peel_free(struct ex_peel *p)
{
	if (p->kind == EX_PEEL_JSON)
		ex_json_free(&p->json);
	free(p->buf);
	p->buf = NULL;
}

/* ---- what an undecoded body looks like ---- */

static bool mt_is(const char *mt, size_t n, const char *lower) { return ex_ascii_ieq(mt, n, lower); }

static bool mt_has(const char *mt, size_t n, const char *lower)
{
	size_t k = strlen(lower);
	for (size_t i = 0; i + k <= n; i++)
		if (ex_ascii_ieq(mt + i, k, lower))
			return true;
	return false;
}

static bool mt_starts(const char *mt, size_t n, const char *lower)
{
	size_t k = strlen(lower);
	return n >= k && ex_ascii_ieq(mt, k, lower);
}

static enum extract_opaque declared(const char *mt, size_t n)
{
	if (mt_has(mt, n, "protobuf") || mt_starts(mt, n, "application/grpc") ||
	    mt_is(mt, n, "application/x-proto"))
		return EXTRACT_OPAQUE_PROTOBUF;
	static const char *const formats[] = { "msgpack", "cbor", "thrift", "bson", "avro",
					       "flatbuffers", "x-plist", "x-hessian", "capnp" };
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++)
		if (mt_has(mt, n, formats[i]))
			return EXTRACT_OPAQUE_OTHER_FORMAT;
	if (mt_is(mt, n, "text/xml") || mt_is(mt, n, "application/xml") || mt_has(mt, n, "+xml") ||
	    mt_is(mt, n, "text/html"))
		return EXTRACT_OPAQUE_XML;
	if (mt_starts(mt, n, "image/") || mt_starts(mt, n, "audio/") || mt_starts(mt, n, "video/") ||
	    mt_starts(mt, n, "font/"))
		return EXTRACT_OPAQUE_MEDIA;
	static const char *const archives[] = { "application/zip", "application/gzip",
						"application/x-gzip", "application/zstd",
						"application/x-7z-compressed", "application/x-tar",
						"application/x-bzip2", "application/x-xz",
						"application/x-rar-compressed", "application/x-zip-compressed" };
	for (size_t i = 0; i < sizeof(archives) / sizeof(*archives); i++)
		if (mt_is(mt, n, archives[i]))
			return EXTRACT_OPAQUE_COMPRESSED;
	return EXTRACT_OPAQUE_NONE;
}

static bool starts(const uint8_t *s, size_t len, const char *magic, size_t n)
{
	return len >= n && memcmp(s, magic, n) == 0;
}

static bool compressed_magic(const uint8_t *s, size_t len)
{
	return is_gzip(s, len) || is_zlib(s, len) || starts(s, len, "PK\3\4", 4) ||
	       starts(s, len, "\x28\xb5\x2f\xfd", 4) || starts(s, len, "\xfd" "7zXZ\0", 6) ||
	       starts(s, len, "7z\xbc\xaf\x27\x1c", 6) || starts(s, len, "BZh", 3) ||
	       starts(s, len, "Rar!\x1a\x07", 6);
}

static bool media_magic(const uint8_t *s, size_t len)
{
	return starts(s, len, "\xff\xd8\xff", 3) || starts(s, len, "\x89PNG\r\n\x1a\n", 8) ||
	       starts(s, len, "GIF8", 4) || (starts(s, len, "RIFF", 4) && len >= 12) ||
	       (len >= 12 && memcmp(s + 4, "ftyp", 4) == 0) || starts(s, len, "ID3", 3) ||
	       starts(s, len, "OggS", 4) || starts(s, len, "fLaC", 4) || starts(s, len, "wOF", 3) ||
	       starts(s, len, "\x1a\x45\xdf\xa3", 4);
}

static bool pb_varint(const uint8_t *s, size_t n, size_t *i, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64 && *i < n; shift += 7) {
		uint8_t b = s[(*i)++];
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* Fields of a message up to `lim` bytes (the last may run past it, not past
 * n); 0 when the bytes are no message.  `last_len` gets the span of a lone
 * length-delimited field. */
static size_t pb_fields(const uint8_t *s, size_t n, size_t lim, size_t *inner_at, size_t *inner_len)
{
	size_t i = 0, fields = 0;
	/* bounded: every field moves i forward */
	while (i < lim) {
		uint64_t key, v;
		if (!pb_varint(s, n, &i, &key) || key >> 3 == 0 || key >> 3 > 0x1fffffff)
			return 0;
		switch (key & 7) {
		case 0:
			if (!pb_varint(s, n, &i, &v))
				return 0;
			break;
		case 1:
			i += 8;
			break;
		case 2:
			if (!pb_varint(s, n, &i, &v) || v > n - i)
				return 0;
			*inner_at = i;
			*inner_len = (size_t)v;
			i += (size_t)v;
			break;
		case 5:
			i += 4;
			break;
		default: /* groups (3, 4) are long deprecated; 6, 7 do not exist */
			return 0;
		}
		if (i > n)
			return 0;
		fields++;
	}
	return fields;
}

bool ex_looks_protobuf(const uint8_t *s, size_t len)
{
	size_t lim = len < PB_SNIFF_MAX ? len : PB_SNIFF_MAX;
	size_t at = 0, inner = 0;
	size_t fields = pb_fields(s, len, lim, &at, &inner);
	if (fields >= 2)
		return true;
	/* one length-delimited field: a wrapper message, if its content is one */
	size_t at2, inner2;
	return fields == 1 && inner >= 2 && at + inner == len &&
	       pb_fields(s + at, inner, inner < PB_SNIFF_MAX ? inner : PB_SNIFF_MAX, &at2, &inner2) >= 2;
}

/* Bytes spread over the whole byte range as random bytes are: a chi-square
 * test of the byte histogram on large samples, the count of distinct bytes
 * on small ones (integers only). */
static bool high_entropy(const uint8_t *s, size_t len)
{
	size_t n = len < ENTROPY_SAMPLE ? len : ENTROPY_SAMPLE;
	if (n < 16)
		return false;
	unsigned count[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		count[s[i]]++;
	if (n >= 512) {
		/* chi2 = 256 / n * sum(c^2) - n; about 255 for random bytes */
		uint64_t sq = 0;
		for (int b = 0; b < 256; b++)
			sq += (uint64_t)count[b] * count[b];
		return sq * 256 / n < (uint64_t)n + 3 * 256;
	}
	/* distinct values: n random bytes give 256 * (1 - (255/256)^n) on
	 * average; ask for 85% of that */
	unsigned distinct = 0;
	for (int b = 0; b < 256; b++)
		distinct += count[b] != 0;
	double expect = 256.0;
	double miss = 1.0;
	for (size_t i = 0; i < n; i++)
		miss *= 255.0 / 256.0;
	expect *= 1.0 - miss;
	return distinct >= 0.85 * expect;
}

static bool all_hex(const uint8_t *s, size_t len)
{
	if (len < 32 || len % 2)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_hex(s[i]))
			return false;
	return true;
}

enum extract_opaque ex_classify_opaque(const char *mt, size_t mt_len, const uint8_t *s, size_t len)
{
	enum extract_opaque d = declared(mt, mt_len);
	if (d != EXTRACT_OPAQUE_NONE)
		return d;
	if (compressed_magic(s, len))
		return EXTRACT_OPAQUE_COMPRESSED;
	if (media_magic(s, len))
		return EXTRACT_OPAQUE_MEDIA;
	if (ex_is_text(s, len)) {
		const uint8_t *t = s;
		size_t tl = len;
		ex_trim(&t, &tl);
		if (tl && t[0] == '<')
			return EXTRACT_OPAQUE_XML;
		/* hex of ciphertext: what apps send when they do not send base64 */
		return all_hex(t, tl) ? EXTRACT_OPAQUE_ENCRYPTED : EXTRACT_OPAQUE_TEXT;
	}
	if (ex_looks_protobuf(s, len))
		return EXTRACT_OPAQUE_PROTOBUF;
	return high_entropy(s, len) ? EXTRACT_OPAQUE_ENCRYPTED : EXTRACT_OPAQUE_BINARY;
}

const char *extract_opaque_name(enum extract_opaque o)
{
	static const char *const names[EXTRACT_OPAQUE_COUNT] = {
		"decoded", "protobuf", "other_format", "xml", "media", "compressed",
		"encrypted_or_binary", "other_binary", "unknown_text",
	};
	return (unsigned)o < EXTRACT_OPAQUE_COUNT ? names[o] : "other_binary";
}
