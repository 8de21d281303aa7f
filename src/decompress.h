/* \summary: HTTP content-coding decoders (RFC 9110 section 8.4): gzip, x-gzip,
 * deflate (zlib-wrapped and raw), br, stacked in any order.
 *
 * Output is capped twice: by size (`max_out`, default 16 MiB a message) and by
 * ratio (`max_ratio` output bytes per input byte, against decompression
 * bombs).  A capped body is decoded up to the cap and flagged; a body that
 * fails to decode keeps what decoded before the failure and is flagged too.
 */
#ifndef PA_DECOMPRESS_H
#define PA_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "dbuf.h"

#define DECOMP_DEFAULT_MAX_OUT (16u << 20)
#define DECOMP_DEFAULT_MAX_RATIO 1000u
#define DECOMP_MAX_STACK 4 /* codings applied to one body, more is an error */

enum decomp_flags {
	DECOMP_TRUNCATED = 1 << 0,   /* output hit max_out or max_ratio */
	DECOMP_FAILED = 1 << 1,      /* corrupt stream; output holds what decoded */
	DECOMP_UNKNOWN = 1 << 2,     /* a coding privaudit does not know (body left as is) */
	DECOMP_INCOMPLETE = 1 << 3,  /* the stream ended before its end marker */
	DECOMP_NOT_ENCODED = 1 << 4, /* claimed a coding but the bytes are plain (kept as is) */
};

struct decomp_limits {
	size_t max_out;
	size_t max_ratio;
};

/* Decodes `in` according to the Content-Encoding header value `coding` (a
 * comma-separated list, applied by the sender left to right, so undone right
 * to left; "identity" and empty entries are skipped; names are
 * case-insensitive).  Appends the decoded bytes to `out` (whose own limit is
 * also honoured) and returns a mask of decomp_flags.  When a coding is
 * unknown, or the data plainly is not in the claimed coding (a gzip label on
 * bytes without the gzip magic, for example a JSON body), the input is copied
 * as is and the flag says so. */
unsigned decompress_body(const char *coding, size_t coding_len, const uint8_t *in, size_t in_len,
			 const struct decomp_limits *lim, struct dbuf *out);

/* zlib's and brotli's versions, for the report. */
const char *decompress_zlib_version(void);
void decompress_brotli_version(char buf[16]);

#endif
