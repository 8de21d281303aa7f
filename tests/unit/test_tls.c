/* Unit tests for the TLS record and handshake reader: the facts the hellos
 * give, deliveries split anywhere, and malformed input (bytes that are not
 * records, oversized records, truncated and inconsistent hellos, a wrong
 * key, an unsupported suite).  Real decryption is tested end to end on
 * captures (tests/e2e/test_tls.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "keylog.h"
#include "tls.h"

struct seen {
	size_t plaintext, lost[2];
};

static void on_plaintext(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t origin, uint64_t frame,
			 uint64_t ts_ns)
{
	struct seen *s = ctx;
	(void)dir, (void)data, (void)origin, (void)frame, (void)ts_ns;
	s->plaintext += len;
}

static void on_lost(void *ctx, int dir)
{
	struct seen *s = ctx;
	s->lost[dir]++;
}

static const struct tls_ops ops = { on_plaintext, on_lost, NULL, NULL };

struct buf {
	uint8_t b[2048];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put8(struct buf *b, unsigned v) { b->b[b->n++] = (uint8_t)v; }
static void put16(struct buf *b, unsigned v) { put8(b, v >> 8), put8(b, v & 0xff); }

/* A record of `type` around body. */
static struct buf record(uint8_t type, const struct buf *body)
{
	struct buf r = { .n = 0 };
	put8(&r, type);
	put16(&r, 0x0303);
	put16(&r, (unsigned)body->n);
	put(&r, body->b, body->n);
	return r;
}

/* A handshake message of `type` around body. */
static struct buf message(uint8_t type, const struct buf *body)
{
	struct buf m = { .n = 0 };
	put8(&m, type);
	put8(&m, 0);
	put16(&m, (unsigned)body->n);
	put(&m, body->b, body->n);
	return m;
}

static struct buf client_hello(uint8_t sid_len)
{
	struct buf h = { .n = 0 }, ext = { .n = 0 };
	static const char name[] = "api.example.com";
	put16(&h, 0x0303);
	for (int i = 0; i < 32; i++)
		put8(&h, 0x11);
	put8(&h, sid_len);
	for (int i = 0; i < sid_len; i++)
		put8(&h, 0);
	put16(&h, 2), put16(&h, 0xc02f);
	put8(&h, 1), put8(&h, 0);
	put16(&ext, 0), put16(&ext, (unsigned)strlen(name) + 5); /* server_name */
	put16(&ext, (unsigned)strlen(name) + 3), put8(&ext, 0), put16(&ext, (unsigned)strlen(name));
	put(&ext, name, strlen(name));
	put16(&h, (unsigned)ext.n);
	put(&h, ext.b, ext.n);
	struct buf m = message(1, &h);
	return record(22, &m);
}

/* A ServerHello choosing `suite`; TLS 1.3 through supported_versions when
 * tls13; random byte 0x22, or the HelloRetryRequest random when hrr. */
static struct buf server_hello(uint16_t suite, bool tls13, bool hrr)
{
	static const uint8_t hrr_random[32] = {
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
		0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
	};
	struct buf h = { .n = 0 }, ext = { .n = 0 };
	put16(&h, 0x0303);
	if (hrr)
		put(&h, hrr_random, 32);
	else
		for (int i = 0; i < 32; i++)
			put8(&h, 0x22);
	put8(&h, 0);
	put16(&h, suite);
	put8(&h, 0);
	if (tls13)
		put16(&ext, 43), put16(&ext, 2), put16(&ext, 0x0304);
	else
		put16(&ext, 16), put16(&ext, 11), put16(&ext, 9), put8(&ext, 8), put(&ext, "http/1.1", 8);
	put16(&h, (unsigned)ext.n);
	put(&h, ext.b, ext.n);
	struct buf m = message(2, &h);
	return record(22, &m);
}

static struct buf ccs(void)
{
	struct buf one = { .n = 0 };
	put8(&one, 1);
	return record(20, &one);
}

/* An application-data record of n garbage bytes. */
static struct buf appdata(size_t n)
{
	struct buf b = { .n = 0 };
	for (size_t i = 0; i < n; i++)
		put8(&b, (unsigned)(i * 7));
	return record(23, &b);
}

static void feed(struct tls_conn *c, int dir, const struct buf *b)
{
	tls_data(c, dir, b->b, b->n, 1, 1, 1);
}

/* A key log holding a master secret (and TLS 1.3 secrets) for the test
 * client random 0x11... */
static struct keylog *keys(void)
{
	char text[1024];
	char rnd[65], sec[97];
	memset(rnd, '1', 64), rnd[64] = 0;
	memset(sec, 'a', 96), sec[96] = 0;
	snprintf(text, sizeof(text), "CLIENT_RANDOM %s %s\nSERVER_TRAFFIC_SECRET_0 %s %.64s\n", rnd, sec, rnd, sec);
	struct keylog *kl = keylog_new();
	keylog_add_text(kl, text, strlen(text), "test");
	return kl;
}

static void test_hello_facts_without_key(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct keylog *kl = keylog_new();
	struct tls_conn *c = tls_new(&ops, &s, kl);
	struct buf ch = client_hello(0), sh = server_hello(0xc02f, false, false), cc = ccs(), ad = appdata(40);
	feed(c, 0, &ch);
	feed(c, 1, &sh);
	assert_false(tls_done(c));
	feed(c, 1, &cc);
	feed(c, 1, &ad); /* the first protected record asks for the key */
	assert_true(tls_done(c));
	const struct tls_info *ti = tls_info(c);
	assert_string_equal(ti->sni, "api.example.com");
	assert_string_equal(ti->alpn, "http/1.1");
	assert_int_equal(ti->version, 0x0303);
	assert_int_equal(ti->cipher_suite, 0xc02f);
	assert_true(ti->have_random);
	assert_int_equal(ti->client_random[31], 0x11);
	assert_int_equal(ti->decryption, TLS_NO_KEY);
	assert_int_equal(s.plaintext, 0);
	tls_free(c);
	keylog_free(kl);
}

static void test_split_byte_by_byte(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct tls_conn *c = tls_new(&ops, &s, NULL);
	struct buf ch = client_hello(0);
	for (size_t i = 0; i < ch.n; i++)
		tls_data(c, 0, ch.b + i, 1, i + 1, i + 1, 0);
	assert_string_equal(tls_info(c)->sni, "api.example.com");
	assert_true(tls_info(c)->have_random);
	tls_free(c);
}

static void test_wrong_key_fails(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct keylog *kl = keys();
	struct tls_conn *c = tls_new(&ops, &s, kl);
	struct buf ch = client_hello(0), sh = server_hello(0xc02f, false, false), cc = ccs(), ad = appdata(64);
	feed(c, 0, &ch);
	feed(c, 1, &sh);
	feed(c, 0, &cc);
	feed(c, 0, &ad); /* garbage under a real key schedule: the tag fails */
	assert_true(tls_done(c));
	tls_end(c);
	const struct tls_info *ti = tls_info(c);
	assert_int_equal(ti->decryption, TLS_FAILED);
	assert_int_equal(ti->failure, TLS_FAIL_AUTH);
	assert_int_equal(ti->records_failed, 1);
	assert_int_equal(ti->records_decrypted, 0);
	assert_int_equal(s.plaintext, 0); /* never decoded as garbage */
	assert_int_equal(s.lost[0], 1);
	assert_int_equal(s.lost[1], 1);
	tls_free(c);
	keylog_free(kl);
}

static void test_unsupported_suite(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct keylog *kl = keys();
	struct tls_conn *c = tls_new(&ops, &s, kl);
	struct buf ch = client_hello(0), sh = server_hello(0x13ff, true, false), ad = appdata(40);
	feed(c, 0, &ch);
	feed(c, 1, &sh);
	feed(c, 1, &ad);
	const struct tls_info *ti = tls_info(c);
	assert_int_equal(ti->version, 0x0304);
	assert_int_equal(ti->decryption, TLS_FAILED);
	assert_int_equal(ti->failure, TLS_FAIL_SUITE);
	assert_null(tls_suite_name(ti->cipher_suite));
	assert_string_equal(tls_suite_name(0x1304), "TLS_AES_128_CCM_SHA256");
	tls_free(c);
	keylog_free(kl);
}

static void test_not_a_record(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct tls_conn *c = tls_new(&ops, &s, NULL);
	struct buf ch = client_hello(0);
	feed(c, 0, &ch);
	static const char text[] = "HTTP/1.1 200 OK\r\n\r\n";
	tls_data(c, 1, (const uint8_t *)text, strlen(text), 2, 2, 0);
	assert_int_equal(tls_info(c)->directions_lost, 1);
	assert_int_equal(s.lost[1], 1);
	tls_data(c, 1, (const uint8_t *)text, strlen(text), 3, 3, 0); /* ignored from now on */
	assert_int_equal(tls_info(c)->directions_lost, 1);
	tls_end(c);
	assert_int_equal(tls_info(c)->decryption, TLS_NO_HANDSHAKE);
	tls_free(c);
}

static void test_oversized_record(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct tls_conn *c = tls_new(&ops, &s, NULL);
	static const uint8_t header[] = { 22, 3, 3, 0x48, 0x01 }; /* 18433 > 2^14 + 2048 */
	tls_data(c, 0, header, sizeof(header), 1, 1, 0);
	assert_int_equal(tls_info(c)->directions_lost, 1);
	assert_true(tls_memory(c) < 1024); /* nothing buffered for it */
	tls_free(c);
}

static void test_malformed_hellos(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct tls_conn *c = tls_new(&ops, &s, NULL);
	struct buf ch = client_hello(33); /* a session id longer than 32 bytes */
	feed(c, 0, &ch);
	assert_false(tls_info(c)->have_random);
	/* a ServerHello cut after its random: its message length says 40 */
	struct buf body = { .n = 0 };
	put16(&body, 0x0303);
	for (int i = 0; i < 36; i++)
		put8(&body, 0x22);
	struct buf m = message(2, &body), r = record(22, &m);
	feed(c, 1, &r);
	assert_int_equal(tls_info(c)->version, 0);
	/* extensions claiming more bytes than the hello has */
	struct tls_conn *d = tls_new(&ops, &s, NULL);
	struct buf good = client_hello(0);
	good.b[5 + 4 + 2 + 32 + 1 + 4 + 2] = 0xff; /* the extensions' length */
	feed(d, 0, &good);
	assert_true(tls_info(d)->have_random);
	assert_string_equal(tls_info(d)->sni, "");
	tls_end(c);
	tls_end(d);
	assert_int_equal(tls_info(c)->decryption, TLS_NO_HANDSHAKE);
	tls_free(c);
	tls_free(d);
}

static void test_hello_retry(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct tls_conn *c = tls_new(&ops, &s, NULL);
	struct buf ch = client_hello(0), hrr = server_hello(0x1301, true, true);
	feed(c, 0, &ch);
	feed(c, 1, &hrr);
	assert_true(tls_info(c)->hello_retry);
	assert_int_equal(tls_info(c)->version, 0); /* the real ServerHello is still to come */
	struct buf sh = server_hello(0x1301, true, false);
	feed(c, 1, &sh);
	assert_int_equal(tls_info(c)->version, 0x0304);
	assert_int_equal(tls_info(c)->cipher_suite, 0x1301);
	tls_free(c);
}

static void test_looks_like_client_hello(void **state)
{
	(void)state;
	struct buf ch = client_hello(0);
	assert_int_equal(tls_looks_like_client_hello(ch.b, ch.n), 1);
	assert_int_equal(tls_looks_like_client_hello(ch.b, 3), -1);
	assert_int_equal(tls_looks_like_client_hello((const uint8_t *)"GET / HTTP/1.1", 14), 0);
	static const uint8_t server_hello_start[] = { 22, 3, 3, 0, 80, 2 };
	assert_int_equal(tls_looks_like_client_hello(server_hello_start, sizeof(server_hello_start)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_facts_without_key),
		cmocka_unit_test(test_split_byte_by_byte),
		cmocka_unit_test(test_wrong_key_fails),
		cmocka_unit_test(test_unsupported_suite),
		cmocka_unit_test(test_not_a_record),
		cmocka_unit_test(test_oversized_record),
		cmocka_unit_test(test_malformed_hellos),
		cmocka_unit_test(test_hello_retry),
		cmocka_unit_test(test_looks_like_client_hello),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
