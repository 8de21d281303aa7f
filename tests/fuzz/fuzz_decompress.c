/* \summary: libFuzzer harness for decompress_body.
 *
 * Input: byte 0 picks the Content-Encoding value, byte 1 the limits (low
 * nibble max_out in 4 KiB steps, high nibble max_ratio in steps of 10; 0 is
 * the default), the rest is the body.  Checks that the caps hold.
 */
#include <stddef.h>
#include <stdint.h>

#include "decompress.h"

static const char *const codings[] = {
	"gzip",          "x-gzip",        "deflate",      "br",
	"identity",      "gzip, br",      "br, gzip",     "deflate, gzip",
	"gzip, gzip",    "br, deflate",   "zstd",         "gzip,gzip,gzip,gzip,gzip",
	"",              " , identity ,deflate", "deflate, deflate", "br, br",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const char *coding = codings[data[0] % (sizeof(codings) / sizeof(codings[0]))];
	size_t n = 0;
	while (coding[n])
		n++;
	struct decomp_limits lim = { (size_t)(data[1] & 0x0f) << 12, (size_t)(data[1] >> 4) * 10 };
	size_t max_out = lim.max_out ? lim.max_out : DECOMP_DEFAULT_MAX_OUT;
	size_t ratio = lim.max_ratio ? lim.max_ratio : DECOMP_DEFAULT_MAX_RATIO;
	const uint8_t *body = data + 2;
	size_t len = size - 2;
	struct dbuf out;
	dbuf_init(&out, (data[0] & 0x80) ? 1000 : 0);
	unsigned flags = decompress_body(coding, n, body, len, &lim, &out);
	if (out.len > max_out || out.len > len * ratio || (out.limit && out.len > out.limit))
		__builtin_trap();
	if (flags & ~0x1fu)
		__builtin_trap();
	dbuf_free(&out);
	return 0;
}
