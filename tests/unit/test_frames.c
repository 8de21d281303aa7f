/* Unit tests for the frame reader: pcapng with interfaces of different link
 * types, snap lengths and timestamp resolutions (which libpcap refuses),
 * Enhanced, Simple and obsolete Packet Blocks, a big-endian section, a
 * second section, classic pcap through libpcap, and damaged files (each
 * error with the byte offset of the block at fault). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/dlt.h>

#include "frames.h"

struct buf {
	uint8_t b[4096];
	size_t n;
	bool big; /* write big-endian */
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (n)
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put32(struct buf *b, uint32_t v)
{
	if (b->big)
		v = __builtin_bswap32(v);
	put(b, &v, 4);
}

static void put16(struct buf *b, uint16_t v)
{
	if (b->big)
		v = __builtin_bswap16(v);
	put(b, &v, 2);
}

/* A block: type, total length, body (padded), total length again. */
static size_t block(struct buf *f, uint32_t type, const struct buf *body)
{
	size_t at = f->n;
	uint32_t len = 12 + (uint32_t)((body->n + 3) & ~(size_t)3);
	put32(f, type);
	put32(f, len);
	put(f, body->b, body->n);
	static const uint8_t zero[4];
	put(f, zero, (4 - body->n % 4) % 4);
	put32(f, len);
	return at;
}

static void shb(struct buf *f)
{
	struct buf b = { .n = 0, .big = f->big };
	put32(&b, 0x1a2b3c4d);
	put16(&b, 1), put16(&b, 0);
	put32(&b, 0xffffffff), put32(&b, 0xffffffff);
	block(f, 0x0a0d0d0a, &b);
}

/* An IDB; tsresol < 0: no option (microseconds). */
static void idb(struct buf *f, uint16_t linktype, uint32_t snaplen, int tsresol)
{
	struct buf b = { .n = 0, .big = f->big };
	put16(&b, linktype), put16(&b, 0), put32(&b, snaplen);
	if (tsresol >= 0) {
		put16(&b, 9), put16(&b, 1);
		uint8_t r[4] = { (uint8_t)tsresol };
		put(&b, r, 4);
		put16(&b, 0), put16(&b, 0);
	}
	block(f, 1, &b);
}

static size_t epb(struct buf *f, uint32_t iface, uint64_t ts, const char *data, uint32_t wirelen)
{
	struct buf b = { .n = 0, .big = f->big };
	uint32_t n = (uint32_t)strlen(data);
	put32(&b, iface), put32(&b, (uint32_t)(ts >> 32)), put32(&b, (uint32_t)ts), put32(&b, n), put32(&b, wirelen);
	put(&b, data, n);
	return block(f, 6, &b);
}

static struct frames *open_buf(const struct buf *b, size_t n, const char *format, char *err, uint64_t *at)
{
	FILE *fp = tmpfile();
	assert_non_null(fp);
	assert_int_equal(fwrite(b->b, 1, n, fp), n);
	rewind(fp);
	return frames_open(fp, format, err, 256, at);
}

static void test_interfaces_of_several_kinds(void **state)
{
	(void)state;
	struct buf f = { .n = 0 };
	shb(&f);
	idb(&f, 1, 262144, -1);    /* Ethernet, microseconds */
	idb(&f, 101, 65535, 9);    /* LINKTYPE_RAW, nanoseconds */
	idb(&f, 239, 4096, -1);    /* NFLOG */
	epb(&f, 0, 1700000000123456ULL, "eth", 60);
	epb(&f, 1, 1700000000123456789ULL, "raw", 3);
	{ /* a Simple Packet Block: interface 0, cut to the block */
		struct buf b = { .n = 0 };
		put32(&b, 100), put(&b, "spb!", 4);
		block(&f, 3, &b);
	}
	{ /* an obsolete Packet Block on interface 2 */
		struct buf b = { .n = 0 };
		put16(&b, 2), put16(&b, 0), put32(&b, 0), put32(&b, 5), put32(&b, 3), put32(&b, 3), put(&b, "opb", 3);
		block(&f, 2, &b);
	}
	{ /* statistics and custom blocks are skipped */
		struct buf b = { .n = 0 };
		put32(&b, 0), put32(&b, 0), put32(&b, 0);
		block(&f, 5, &b);
		block(&f, 0x40000bad, &b);
	}
	char err[256];
	uint64_t at;
	struct frames *r = open_buf(&f, f.n, "pcapng", err, &at);
	assert_non_null(r);
	assert_int_equal(frames_dlt(r), DLT_EN10MB);
	struct frame fr;
	assert_int_equal(frames_next(r, &fr), 1);
	assert_int_equal(fr.dlt, DLT_EN10MB);
	assert_int_equal(fr.caplen, 3);
	assert_int_equal(fr.wirelen, 60);
	assert_memory_equal(fr.data, "eth", 3);
	assert_int_equal(fr.ts_ns, 1700000000123456000ULL);
	assert_int_equal(frames_next(r, &fr), 1);
	assert_int_equal(fr.dlt, DLT_RAW);
	assert_int_equal(fr.ts_ns, 1700000000123456789ULL);
	assert_int_equal(frames_next(r, &fr), 1);
	assert_int_equal(fr.dlt, DLT_EN10MB);
	assert_int_equal(fr.caplen, 4);
	assert_int_equal(fr.wirelen, 100);
	assert_int_equal(frames_next(r, &fr), 1);
	assert_int_equal(fr.dlt, 239);
	assert_memory_equal(fr.data, "opb", 3);
	assert_int_equal(fr.ts_ns, 5000); /* 5 microseconds */
	assert_int_equal(frames_next(r, &fr), 0);
	frames_close(r);
}

static void test_big_endian_and_sections(void **state)
{
	(void)state;
	struct buf f = { .n = 0, .big = true };
	shb(&f);
	idb(&f, 113, 65535, 6);
	epb(&f, 0, 7, "be", 2);
	f.big = false; /* a second section, little-endian, with its own interfaces */
	shb(&f);
	idb(&f, 105, 2346, -1);
	epb(&f, 0, 8, "le", 2);
	size_t bad = epb(&f, 1, 9, "xx", 2); /* interface 1 exists only in the first section */
	char err[256];
	uint64_t at;
	struct frames *r = open_buf(&f, f.n, "pcapng", err, &at);
	assert_non_null(r);
	struct frame fr;
	assert_int_equal(frames_next(r, &fr), 1);
	assert_int_equal(fr.dlt, DLT_LINUX_SLL);
	assert_memory_equal(fr.data, "be", 2);
	assert_int_equal(fr.ts_ns, 7000);
	assert_int_equal(frames_next(r, &fr), 1);
	assert_int_equal(fr.dlt, DLT_IEEE802_11);
	assert_int_equal(frames_next(r, &fr), -1);
	assert_int_equal(frames_error_offset(r), bad);
	assert_non_null(strstr(frames_error(r), "interface 1"));
	frames_close(r);
}

static void test_damaged(void **state)
{
	(void)state;
	struct buf f = { .n = 0 };
	shb(&f);
	idb(&f, 1, 262144, -1);
	epb(&f, 0, 1, "one", 3);
	size_t second = epb(&f, 0, 2, "two", 3);
	char err[256];
	uint64_t at;
	struct frame fr;
	/* cut inside the second packet block */
	struct frames *r = open_buf(&f, f.n - 5, "pcapng", err, &at);
	assert_non_null(r);
	assert_int_equal(frames_next(r, &fr), 1);
	assert_int_equal(frames_next(r, &fr), -1);
	assert_int_equal(frames_error_offset(r), second);
	assert_non_null(strstr(frames_error(r), "truncated pcapng file"));
	frames_close(r);
	/* a block length that is not a multiple of 4 */
	struct buf g = f;
	g.b[second + 4] = 0x1d;
	r = open_buf(&g, g.n, "pcapng", err, &at);
	assert_int_equal(frames_next(r, &fr), 1);
	assert_int_equal(frames_next(r, &fr), -1);
	assert_int_equal(frames_error_offset(r), second);
	frames_close(r);
	/* more bytes captured than the block holds */
	g = f;
	g.b[second + 20] = 0x40;
	r = open_buf(&g, g.n, "pcapng", err, &at);
	assert_int_equal(frames_next(r, &fr), 1);
	assert_int_equal(frames_next(r, &fr), -1);
	frames_close(r);
	/* no interface before the first packet; none at all; a bad version; empty */
	struct buf h = { .n = 0 };
	shb(&h);
	size_t pkt = epb(&h, 0, 1, "x", 1);
	assert_null(open_buf(&h, h.n, "pcapng", err, &at));
	assert_int_equal(at, pkt);
	assert_null(open_buf(&h, 28, "pcapng", err, &at));
	assert_non_null(strstr(err, "no interface description block"));
	h.b[12] = 2; /* major version 2 */
	assert_null(open_buf(&h, h.n, "pcapng", err, &at));
	assert_non_null(strstr(err, "version 2.0"));
	assert_null(open_buf(&h, 0, "pcapng", err, &at));
	/* a bad byte-order magic */
	h.b[12] = 1;
	h.b[8] = 0x99;
	assert_null(open_buf(&h, h.n, "pcapng", err, &at));
	assert_non_null(strstr(err, "byte-order magic"));
}

static void test_classic_pcap(void **state)
{
	(void)state;
	struct buf f = { .n = 0 };
	put32(&f, 0xa1b23c4d), put16(&f, 2), put16(&f, 4), put32(&f, 0), put32(&f, 0), put32(&f, 65535);
	put32(&f, 239);
	put32(&f, 1700000000), put32(&f, 5), put32(&f, 3), put32(&f, 10), put(&f, "abc", 3);
	put32(&f, 1700000001), put32(&f, 6), put32(&f, 400), put32(&f, 400), put(&f, "cut", 3);
	char err[256];
	uint64_t at;
	struct frames *r = open_buf(&f, f.n, "pcap", err, &at);
	assert_non_null(r);
	assert_int_equal(frames_dlt(r), 239);
	struct frame fr;
	assert_int_equal(frames_next(r, &fr), 1);
	assert_int_equal(fr.dlt, 239);
	assert_int_equal(fr.ts_ns, 1700000000000000005ULL);
	assert_int_equal(fr.wirelen, 10);
	assert_int_equal(frames_next(r, &fr), -1); /* libpcap: the second record is cut */
	assert_int_equal(frames_error_offset(r), 24 + 16 + 3);
	frames_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interfaces_of_several_kinds),
		cmocka_unit_test(test_big_endian_and_sections),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_classic_pcap),
	};
	return cmocka_run_group_tests_name("frames", tests, NULL, NULL);
}
