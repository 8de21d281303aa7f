/* \summary: libFuzzer harness for the extractors.
 *
 * Input: byte 0 picks the extractor (low 3 bits) and, for extract_body, the
 * Content-Type (the other bits); byte 1 the caps (low 5 bits max_depth - 1,
 * bit 6 a 4 KiB decompression budget, top bit a 16-field cap); for
 * multipart, byte 2 is the boundary's length and the boundary follows; the
 * rest is the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decompress.h"
#include "extract.h"

static const char *const types[] = {
	NULL,
	"application/json",
	"application/x-ndjson",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=b",
	"multipart/form-data",
	"text/plain; charset=utf-8",
	"application/octet-stream",
	"application/vnd.x+json",
	"multipart/form-data; boundary=\"--x y\"",
	"application/jsonl",
	"TEXT/JSON",
	"application/x-sentry-envelope",
	"application/x-protobuf",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct field_list l;
	field_list_init(&l);
	if (data[1] & 0x80)
		l.max_fields = 16;
	struct extract_ctx x = { .out = &l, .max_depth = 1u + (data[1] & 0x1f),
				 .max_decoded = data[1] & 0x40 ? 4096 : 0 };
	const uint8_t *in = data + 2;
	size_t len = size - 2;
	switch (data[0] & 7) {
	case 0:
		extract_json(&x, "body", in, len);
		break;
	case 1:
		extract_urlencoded(&x, "query", in, len);
		break;
	case 2:
		extract_cookie(&x, in, len);
		break;
	case 3: {
		size_t bl = len ? in[0] % 72 : 0;
		if (len < 1 + bl)
			break;
		extract_multipart(&x, "body", (const char *)in + 1, bl, in + 1 + bl, len - 1 - bl);
		break;
	}
	default: {
		const char *ct = types[(data[0] >> 3) % (sizeof(types) / sizeof(types[0]))];
		const char *kind = extract_body(&x, ct, ct ? strlen(ct) : 0, in, len);
		if (!kind)
			__builtin_trap();
		break;
	}
	}
	size_t budget = x.max_decoded ? x.max_decoded : DECOMP_DEFAULT_MAX_OUT;
	if (l.n > l.max_fields || l.bytes > l.max_bytes || x.decoded > budget ||
	    (unsigned)x.stats.body >= EXTRACT_OPAQUE_COUNT)
		__builtin_trap();
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].value[l.v[i].value_len] != 0 || !l.v[i].path || !l.v[i].key)
			__builtin_trap();
	field_list_free(&l);
	return 0;
}
