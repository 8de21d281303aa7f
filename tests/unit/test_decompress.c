/* \summary: unit tests for decompress.c: every coding, stacks, caps, broken
 * and mislabelled streams.
 *
 * gzip, zlib and raw deflate inputs are made here with zlib; brotli inputs
 * are fixed arrays (made with libbrotlienc, quality 11, window 22).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "decompress.h"

static const char json[] = "{\"user\":{\"email\":\"alice@example.com\"},\"n\":12.50}";

/* '{"user":"alice","n":1}' */
static const uint8_t br_small[] = {
	0x8b, 0x0a, 0x80, 0x7b, 0x22, 0x75, 0x73, 0x65, 0x72, 0x22, 0x3a, 0x22, 0x61, 0x6c,
	0x69, 0x63, 0x65, 0x22, 0x2c, 0x22, 0x6e, 0x22, 0x3a, 0x31, 0x7d, 0x03,
};
/* "privaudit " 50 times */
static const uint8_t br_repeat[] = {
	0x1b, 0xf3, 0x01, 0xf8, 0x1d, 0xa9, 0x53, 0x9f, 0xbb, 0x70, 0x05, 0x27, 0xd7, 0x64,
	0x74, 0x75, 0x76, 0x32, 0x2d, 0x0c, 0x24, 0x08, 0x0c, 0x05, 0x20, 0xd5, 0x07, 0x03,
};
/* br(gzip('{"user":"alice","n":1}')): Content-Encoding "gzip, br" */
static const uint8_t br_of_gzip[] = {
	0x8b, 0x14, 0x80, 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab,
	0x56, 0x2a, 0x2d, 0x4e, 0x2d, 0x52, 0xb2, 0x52, 0x4a, 0xcc, 0xc9, 0x4c, 0x4e, 0x55,
	0xd2, 0x51, 0xca, 0x53, 0xb2, 0x32, 0xac, 0x05, 0x00, 0x32, 0x27, 0xea, 0xc6, 0x16,
	0x00, 0x00, 0x00, 0x03,
};
/* 10 MiB of zeros */
static const uint8_t br_bomb[] = {
	0xcb, 0xff, 0xff, 0x3f, 0xf8, 0x27, 0x00, 0xe2, 0xb1, 0x40, 0x20, 0xf7, 0xfe, 0x2f,
	0xff, 0xff, 0x3f, 0xf0, 0x4f, 0x00, 0xc4, 0x61, 0x11, 0x80, 0xee, 0xfd, 0x07,
};

struct buf {
	uint8_t *p;
	size_t len;
};

/* window_bits: 16+15 gzip, 15 zlib, -15 raw deflate */
static struct buf deflate_with(int window_bits, const uint8_t *in, size_t len)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	struct buf b = { malloc(deflateBound(&zs, len) + 64), 0 };
	assert_non_null(b.p);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = b.p;
	zs.avail_out = (uInt)(deflateBound(&zs, len) + 64);
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	b.len = zs.total_out;
	deflateEnd(&zs);
	return b;
}

/* Applies layers left to right: 'g' gzip, 'z' zlib, 'r' raw deflate. */
static struct buf encode(const char *layers, const void *plain, size_t len)
{
	struct buf b = { malloc(len ? len : 1), len };
	assert_non_null(b.p);
	memcpy(b.p, plain, len);
	for (const char *l = layers; *l; l++) {
		int wb = *l == 'g' ? 16 + MAX_WBITS : *l == 'z' ? MAX_WBITS : -MAX_WBITS;
		struct buf n = deflate_with(wb, b.p, b.len);
		free(b.p);
		b = n;
	}
	return b;
}

struct coding_case {
	const char *name;
	const char *coding;
	const char *layers; /* how the body was encoded */
	unsigned flags;
	int as_is; /* expect the body back untouched, not the plain text */
};

static const struct coding_case coding_cases[] = {
	{ "identity", "identity", "", 0, 0 },
	{ "no coding", "", "", 0, 0 },
	{ "gzip", "gzip", "g", 0, 0 },
	{ "x-gzip, mixed case", "X-GZip", "g", 0, 0 },
	{ "deflate, zlib-wrapped", "deflate", "z", 0, 0 },
	{ "deflate, raw without zlib header", "Deflate", "r", 0, 0 },
	{ "stacked deflate, gzip", "deflate, gzip", "zg", 0, 0 },
	{ "stacked raw deflate, gzip", "deflate,gzip", "rg", 0, 0 },
	{ "stacked gzip x4 (the maximum)", "gzip, gzip, gzip, gzip", "gggg", 0, 0 },
	{ "identity and empty entries skipped", " identity , ,gzip ,", "g", 0, 0 },
	{ "gzip label on plain JSON", "gzip", "", DECOMP_NOT_ENCODED, 0 },
	{ "deflate label on plain JSON", "deflate", "", DECOMP_NOT_ENCODED, 0 },
	{ "br label on plain JSON", "br", "", DECOMP_NOT_ENCODED, 0 },
	{ "gzip over a plain inner layer", "gzip, gzip", "g", DECOMP_NOT_ENCODED, 0 },
	{ "unknown coding", "zstd", "", DECOMP_UNKNOWN, 1 },
	{ "unknown inner coding", "compress, gzip", "g", DECOMP_UNKNOWN, 1 },
	{ "too many codings", "gzip,gzip,gzip,gzip,gzip", "ggggg", DECOMP_FAILED, 1 },
};

static void test_coding_case(void **state)
{
	const struct coding_case *c = *state;
	struct buf in = encode(c->layers, json, strlen(json));
	struct dbuf out;
	dbuf_init(&out, 0);
	unsigned flags = decompress_body(c->coding, strlen(c->coding), in.p, in.len, NULL, &out);
	assert_int_equal(flags, c->flags);
	if (c->as_is) {
		assert_int_equal(out.len, in.len);
		assert_memory_equal(out.data, in.p, in.len);
	} else {
		assert_int_equal(out.len, strlen(json));
		assert_memory_equal(out.data, json, strlen(json));
	}
	dbuf_free(&out);
	free(in.p);
}

struct br_case {
	const char *name;
	const char *coding;
	const uint8_t *in;
	size_t len;
	const char *want;
};

#define PRIVAUDIT_X10 \
	"privaudit privaudit privaudit privaudit privaudit privaudit privaudit privaudit " \
	"privaudit privaudit "
static const char repeat_text[] =
	PRIVAUDIT_X10 PRIVAUDIT_X10 PRIVAUDIT_X10 PRIVAUDIT_X10 PRIVAUDIT_X10;

static void test_br_case(void **state)
{
	const struct br_case *c = *state;
	struct dbuf out;
	dbuf_init(&out, 0);
	unsigned flags = decompress_body(c->coding, strlen(c->coding), c->in, c->len, NULL, &out);
	assert_int_equal(flags, 0);
	assert_int_equal(out.len, strlen(c->want));
	assert_memory_equal(out.data, c->want, out.len);
	dbuf_free(&out);
}

/* 10 MB of zeros gzipped (about 10 KB) must stop at the ratio cap, a low
 * one and the default. */
static void test_gzip_bomb_ratio(void **state)
{
	size_t n = 10u << 20;
	uint8_t *zeros = calloc(n, 1);
	assert_non_null(zeros);
	struct buf in = encode("g", zeros, n);
	struct decomp_limits lim = { 0, 100 };
	struct dbuf out;
	dbuf_init(&out, 0);
	unsigned flags = decompress_body("gzip", 4, in.p, in.len, &lim, &out);
	assert_int_equal(flags, DECOMP_TRUNCATED);
	assert_int_equal(out.len, in.len * 100);
	assert_memory_equal(out.data, zeros, out.len);
	/* the default ratio too: deflate tops out near 1030:1 on zeros */
	dbuf_reset(&out);
	flags = decompress_body("gzip", 4, in.p, in.len, NULL, &out);
	assert_int_equal(flags, DECOMP_TRUNCATED);
	assert_int_equal(out.len, in.len * DECOMP_DEFAULT_MAX_RATIO);
	dbuf_free(&out);
	free(in.p);
	free(zeros);
}

/* gzip of gzip beats deflate's 1032:1; the cap is on the body as received. */
static void test_stacked_bomb_default_limits(void **state)
{
	size_t n = 10u << 20;
	uint8_t *zeros = calloc(n, 1);
	assert_non_null(zeros);
	struct buf in = encode("gg", zeros, n);
	struct dbuf out;
	dbuf_init(&out, 0);
	unsigned flags = decompress_body("gzip, gzip", 10, in.p, in.len, NULL, &out);
	assert_true(flags & DECOMP_TRUNCATED);
	assert_true(out.len <= in.len * DECOMP_DEFAULT_MAX_RATIO);
	assert_true(out.len > 0);
	dbuf_free(&out);
	free(in.p);
	free(zeros);
}

static void test_br_bomb(void **state)
{
	struct dbuf out;
	dbuf_init(&out, 0);
	unsigned flags = decompress_body("br", 2, br_bomb, sizeof(br_bomb), NULL, &out);
	assert_int_equal(flags, DECOMP_TRUNCATED);
	assert_int_equal(out.len, sizeof(br_bomb) * DECOMP_DEFAULT_MAX_RATIO);
	dbuf_free(&out);
}

static void fill_text(uint8_t *p, size_t n)
{
	/* varied enough not to compress to nothing */
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)('a' + (x >> 16) % 26);
	}
}

static void test_max_out(void **state)
{
	uint8_t text[100000];
	fill_text(text, sizeof(text));
	struct buf in = encode("g", text, sizeof(text));
	struct decomp_limits lim = { 1000, 0 };
	struct dbuf out;
	dbuf_init(&out, 0);
	assert_int_equal(decompress_body("gzip", 4, in.p, in.len, &lim, &out), DECOMP_TRUNCATED);
	assert_int_equal(out.len, 1000);
	assert_memory_equal(out.data, text, 1000);
	dbuf_free(&out);
	free(in.p);
}

static void test_exactly_at_cap_is_not_truncated(void **state)
{
	uint8_t text[1000];
	fill_text(text, sizeof(text));
	struct buf in = encode("g", text, sizeof(text));
	struct decomp_limits lim = { sizeof(text), 0 };
	struct dbuf out;
	dbuf_init(&out, 0);
	assert_int_equal(decompress_body("gzip", 4, in.p, in.len, &lim, &out), 0);
	assert_int_equal(out.len, sizeof(text));
	dbuf_free(&out);
	free(in.p);
}

static void test_dbuf_limit_honoured(void **state)
{
	struct buf in = encode("g", json, strlen(json));
	struct dbuf out;
	dbuf_init(&out, 10);
	assert_int_equal(decompress_body("gzip", 4, in.p, in.len, NULL, &out), DECOMP_TRUNCATED);
	assert_int_equal(out.len, 10);
	assert_memory_equal(out.data, json, 10);
	dbuf_free(&out);
	free(in.p);
}

static void test_truncated_gzip(void **state)
{
	uint8_t text[65536];
	fill_text(text, sizeof(text));
	struct buf in = encode("g", text, sizeof(text));
	struct dbuf out;
	dbuf_init(&out, 0);
	assert_int_equal(decompress_body("gzip", 4, in.p, in.len / 2, NULL, &out),
			 DECOMP_INCOMPLETE);
	assert_true(out.len > 0 && out.len < sizeof(text));
	assert_memory_equal(out.data, text, out.len);
	dbuf_free(&out);
	free(in.p);
}

static void test_truncated_br(void **state)
{
	struct dbuf out;
	dbuf_init(&out, 0);
	unsigned flags = decompress_body("br", 2, br_small, sizeof(br_small) - 6, NULL, &out);
	assert_int_equal(flags, DECOMP_INCOMPLETE);
	assert_true(out.len <= 22);
	assert_memory_equal(out.data, "{\"user\":\"alice\",\"n\":1}", out.len);
	dbuf_free(&out);
}

/* A bad CRC is found after the data: the output is all there, and flagged. */
static void test_gzip_bad_crc(void **state)
{
	struct buf in = encode("g", json, strlen(json));
	in.p[in.len - 8] ^= 0xff;
	struct dbuf out;
	dbuf_init(&out, 0);
	assert_int_equal(decompress_body("gzip", 4, in.p, in.len, NULL, &out), DECOMP_FAILED);
	assert_int_equal(out.len, strlen(json));
	dbuf_free(&out);
	free(in.p);
}

static void test_deflate_garbage(void **state)
{
	static const uint8_t junk[] = { 0x00, 0x01, 0x02, 0xff, 0xfe, 0x10, 0x80, 0x00 };
	struct dbuf out;
	dbuf_init(&out, 0);
	assert_int_equal(decompress_body("deflate", 7, junk, sizeof(junk), NULL, &out),
			 DECOMP_FAILED);
	assert_int_equal(out.len, 0);
	dbuf_free(&out);
}

static void test_gzip_members(void **state)
{
	struct buf a = encode("g", "hello ", 6);
	struct buf b = encode("g", "world", 5);
	uint8_t *both = malloc(a.len + b.len);
	assert_non_null(both);
	memcpy(both, a.p, a.len);
	memcpy(both + a.len, b.p, b.len);
	struct dbuf out;
	dbuf_init(&out, 0);
	assert_int_equal(decompress_body("gzip", 4, both, a.len + b.len, NULL, &out), 0);
	assert_int_equal(out.len, 11);
	assert_memory_equal(out.data, "hello world", 11);
	dbuf_free(&out);
	free(both);
	free(a.p);
	free(b.p);
}

static void test_appends_to_out(void **state)
{
	struct buf in = encode("z", "abc", 3);
	struct dbuf out;
	dbuf_init(&out, 0);
	dbuf_append_str(&out, "xy");
	assert_int_equal(decompress_body("deflate", 7, in.p, in.len, NULL, &out), 0);
	assert_int_equal(out.len, 5);
	assert_memory_equal(out.data, "xyabc", 5);
	dbuf_free(&out);
	free(in.p);
}

static void test_empty_body(void **state)
{
	struct dbuf out;
	dbuf_init(&out, 0);
	assert_int_equal(decompress_body("gzip", 4, (const uint8_t *)"", 0, NULL, &out), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(decompress_body(NULL, 0, (const uint8_t *)"ab", 2, NULL, &out), 0);
	assert_int_equal(out.len, 2);
	dbuf_free(&out);
}

int main(void)
{
	static const struct br_case br_cases[] = {
		{ "br, stored", "br", br_small, sizeof(br_small), "{\"user\":\"alice\",\"n\":1}" },
		{ "br, compressed", "BR", br_repeat, sizeof(br_repeat), repeat_text },
		{ "stacked gzip, br", "gzip, br", br_of_gzip, sizeof(br_of_gzip),
		  "{\"user\":\"alice\",\"n\":1}" },
	};
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_gzip_bomb_ratio),
		cmocka_unit_test(test_stacked_bomb_default_limits),
		cmocka_unit_test(test_br_bomb),
		cmocka_unit_test(test_max_out),
		cmocka_unit_test(test_exactly_at_cap_is_not_truncated),
		cmocka_unit_test(test_dbuf_limit_honoured),
		cmocka_unit_test(test_truncated_gzip),
		cmocka_unit_test(test_truncated_br),
		cmocka_unit_test(test_gzip_bad_crc),
		cmocka_unit_test(test_deflate_garbage),
		cmocka_unit_test(test_gzip_members),
		cmocka_unit_test(test_appends_to_out),
		cmocka_unit_test(test_empty_body),
	};
	enum { NC = sizeof(coding_cases) / sizeof(coding_cases[0]) };
	enum { NB = sizeof(br_cases) / sizeof(br_cases[0]) };
	enum { NF = sizeof(fixed) / sizeof(fixed[0]) };
	/* one named test per table row, so a failure says which row */
	struct CMUnitTest decompress_tests[NC + NB + NF];
	size_t n = 0;
	for (size_t i = 0; i < NC; i++)
		decompress_tests[n++] = (struct CMUnitTest){ coding_cases[i].name, test_coding_case,
							     NULL, NULL, (void *)&coding_cases[i] };
	for (size_t i = 0; i < NB; i++)
		decompress_tests[n++] = (struct CMUnitTest){ br_cases[i].name, test_br_case, NULL,
							     NULL, (void *)&br_cases[i] };
	for (size_t i = 0; i < NF; i++)
		decompress_tests[n++] = fixed[i];
	return cmocka_run_group_tests(decompress_tests, NULL, NULL);
}
