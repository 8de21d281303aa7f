/* Unit tests for the pcapng block walk: Decryption Secrets Blocks and
 * consent marks are found wherever they are, timestamps follow the
 * interface's resolution, and damaged files (a cut block, a bad length, a
 * bad byte-order magic) end the walk without a wrong result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pcapng_scan.h"

struct buf {
	uint8_t b[4096];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (n) /* an empty option has no value to copy */
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put32(struct buf *b, uint32_t v) { put(b, &v, 4); }
static void put16(struct buf *b, uint16_t v) { put(b, &v, 2); }

/* A block: type, total length, body (padded), total length again. */
static void block(struct buf *b, uint32_t type, const struct buf *body)
{
	uint32_t len = 12 + (uint32_t)((body->n + 3) & ~(size_t)3);
	put32(b, type);
	put32(b, len);
	put(b, body->b, body->n);
	static const uint8_t zero[4];
	put(b, zero, (4 - body->n % 4) % 4);
	put32(b, len);
}

static void option(struct buf *b, uint16_t code, const void *v, uint16_t len)
{
	put16(b, code);
	put16(b, len);
	put(b, v, len);
	static const uint8_t zero[4];
	put(b, zero, (4 - len % 4) % 4);
}

static void shb(struct buf *f)
{
	struct buf b = { .n = 0 };
	put32(&b, 0x1a2b3c4d);
	put16(&b, 1), put16(&b, 0);
	uint64_t section = UINT64_MAX;
	put(&b, &section, 8);
	block(f, 0x0a0d0d0a, &b);
}

static void idb(struct buf *f, int tsresol)
{
	struct buf b = { .n = 0 };
	put16(&b, 1), put16(&b, 0), put32(&b, 262144);
	if (tsresol >= 0) {
		uint8_t r = (uint8_t)tsresol;
		option(&b, 9, &r, 1);
		option(&b, 0, NULL, 0);
	}
	block(f, 1, &b);
}

static void dsb(struct buf *f, const char *text)
{
	struct buf b = { .n = 0 };
	put32(&b, PCAPNG_SECRETS_TLS), put32(&b, (uint32_t)strlen(text));
	put(&b, text, strlen(text));
	while (b.n % 4)
		b.b[b.n++] = 0;
	block(f, 10, &b);
}

static void isb(struct buf *f, uint64_t ts, const char *comment)
{
	struct buf b = { .n = 0 };
	put32(&b, 0), put32(&b, (uint32_t)(ts >> 32)), put32(&b, (uint32_t)ts);
	option(&b, 1, comment, (uint16_t)strlen(comment));
	option(&b, 0, NULL, 0);
	block(f, 5, &b);
}

static void epb(struct buf *f)
{
	struct buf b = { .n = 0 };
	put32(&b, 0), put32(&b, 0), put32(&b, 1), put32(&b, 4), put32(&b, 4), put32(&b, 0xdeadbeef);
	block(f, 6, &b);
}

struct found {
	char secrets[256];
	uint64_t secrets_at;
	size_t nmarks;
	char kinds[4][16];
	uint64_t ts[4];
};

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t len, uint64_t offset)
{
	struct found *f = ctx;
	assert_int_equal(type, PCAPNG_SECRETS_TLS);
	assert_true(len < sizeof(f->secrets));
	memcpy(f->secrets, data, len);
	f->secrets[len] = 0;
	f->secrets_at = offset;
}

static void on_mark(void *ctx, const char *kind, uint64_t ts_ns, uint64_t offset)
{
	struct found *f = ctx;
	(void)offset;
	assert_true(f->nmarks < 4);
	strcpy(f->kinds[f->nmarks], kind);
	f->ts[f->nmarks++] = ts_ns;
}

static const struct pcapng_scan_ops ops = { on_secrets, on_mark };

/* The file's bytes in a temporary file; returns its descriptor. */
static int file_of(const struct buf *b, size_t n)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(fwrite(b->b, 1, n, f), n);
	fflush(f);
	return dup(fileno(f)); /* the FILE goes, the descriptor stays */
}

static void test_secrets_and_marks(void **state)
{
	(void)state;
	struct buf f = { .n = 0 };
	shb(&f);
	idb(&f, 9); /* nanoseconds */
	epb(&f);
	size_t dsb_at = f.n;
	dsb(&f, "CLIENT_RANDOM 01 02\n"); /* after a packet: still found */
	isb(&f, 1700000000123456789ULL, "privaudit:consent");
	isb(&f, 1700000001000000000ULL, "some other comment");
	isb(&f, 1700000002000000000ULL, "privaudit:withdrawal");
	epb(&f);
	int fd = file_of(&f, f.n);
	struct found got = { .nmarks = 0 };
	assert_int_equal(pcapng_scan(fd, &ops, &got), 8);
	assert_string_equal(got.secrets, "CLIENT_RANDOM 01 02\n");
	assert_int_equal(got.secrets_at, dsb_at);
	assert_int_equal(got.nmarks, 2);
	assert_string_equal(got.kinds[0], "consent");
	assert_int_equal(got.ts[0], 1700000000123456789ULL);
	assert_string_equal(got.kinds[1], "withdrawal");
	close(fd);
}

static void test_microsecond_interface(void **state)
{
	(void)state;
	struct buf f = { .n = 0 };
	shb(&f);
	idb(&f, -1); /* no if_tsresol: microseconds */
	isb(&f, 1700000000123456ULL, "privaudit:consent");
	int fd = file_of(&f, f.n);
	struct found got = { .nmarks = 0 };
	pcapng_scan(fd, &ops, &got);
	assert_int_equal(got.nmarks, 1);
	assert_int_equal(got.ts[0], 1700000000123456000ULL);
	close(fd);
}

static void test_damaged_files(void **state)
{
	(void)state;
	struct buf f = { .n = 0 };
	shb(&f);
	idb(&f, 9);
	isb(&f, 5, "privaudit:consent");
	size_t good = f.n;
	dsb(&f, "CLIENT_RANDOM 01 02\n");
	/* cut inside the DSB: the walk stops before it, the mark is kept */
	int fd = file_of(&f, f.n - 6);
	struct found got = { .nmarks = 0 };
	assert_int_equal(pcapng_scan(fd, &ops, &got), 3);
	assert_int_equal(got.nmarks, 1);
	assert_string_equal(got.secrets, "");
	close(fd);
	/* a block length that is not a multiple of 4 */
	f.b[good + 4] = 0x1d;
	fd = file_of(&f, f.n);
	memset(&got, 0, sizeof(got));
	assert_int_equal(pcapng_scan(fd, &ops, &got), 3);
	close(fd);
	/* a section header with a bad byte-order magic: nothing is read */
	struct buf g = f;
	g.b[8] = 0x99;
	fd = file_of(&g, g.n);
	memset(&got, 0, sizeof(got));
	assert_int_equal(pcapng_scan(fd, &ops, &got), 0);
	assert_int_equal(got.nmarks, 0);
	close(fd);
	/* a DSB whose secrets length passes its block */
	struct buf h = { .n = 0 };
	shb(&h);
	size_t at = h.n;
	dsb(&h, "CLIENT_RANDOM 01 02\n");
	h.b[at + 12] = 0xff;
	fd = file_of(&h, h.n);
	memset(&got, 0, sizeof(got));
	assert_int_equal(pcapng_scan(fd, &ops, &got), 2);
	assert_string_equal(got.secrets, "");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secrets_and_marks),
		cmocka_unit_test(test_microsecond_interface),
		cmocka_unit_test(test_damaged_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
