/* Unit tests for the TLS record and handshake reader: the facts the hellos
 * give, deliveries split anywhere, and malformed input (bytes that are not
 * records, oversized records, truncated and inconsistent hellos, a wrong
 * key, an unsupported suite); then the TLS modes on the known-answer
 * sessions of tls_vectors.h (SSL 3.0, export, DEFLATE, NULL, CCM, SSLv2
 * hello ..., written by tests/gen/gen_tls_modes.py, whose captures tshark
 * cross-checks), tampered records, and DEFLATE's failure modes (corrupt
 * stream, a record inflating past 2^14, an unknown method) on NULL-cipher
 * records built here.  Decryption of whole captures is tested end to end
 * (tests/e2e/test_tls.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "keylog.h"
#include "tls.h"
#include "tls_crypto.h"
#include "tls_vectors.h"

struct seen {
	size_t plaintext, lost[2];
	uint8_t client[8192]; /* the client's plaintext, as far as it fits */
	size_t client_len;
};

static void on_plaintext(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t origin, uint64_t frame,
			 uint64_t ts_ns)
{
	struct seen *s = ctx;
	(void)origin, (void)frame, (void)ts_ns;
	s->plaintext += len;
	if (dir == 0 && s->client_len + len <= sizeof(s->client)) {
		memcpy(s->client + s->client_len, data, len);
		s->client_len += len;
	}
}

static void on_lost(void *ctx, int dir)
{
	struct seen *s = ctx;
	s->lost[dir]++;
}

static const struct tls_ops ops = { on_plaintext, on_lost, NULL, NULL };

struct buf {
	uint8_t b[4096];
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

/* ---- TLS modes ---- */

static struct keylog *keylog_of(const char *text)
{
	struct keylog *kl = keylog_new();
	keylog_add_text(kl, text, strlen(text), "vector");
	return kl;
}

/* Feeds a vector's chunks; `tamper` flips the last byte of the last client
 * chunk (a protected record's tag, MAC or padding). */
static struct tls_conn *play(const struct tls_vector *v, struct seen *s, struct keylog *kl, bool tamper)
{
	struct tls_conn *c = tls_new(&ops, s, kl);
	size_t last = 0;
	for (size_t i = 0; i < v->chunks; i++)
		if (v->chunk[i].dir == 0)
			last = i;
	for (size_t i = 0; i < v->chunks; i++) {
		uint8_t copy[4096];
		size_t n = v->chunk[i].len;
		assert_true(n <= sizeof(copy));
		memcpy(copy, v->chunk[i].data, n);
		if (tamper && i == last)
			copy[n - 1] ^= 0x01;
		tls_data(c, v->chunk[i].dir, copy, n, i + 1, i + 1, 0);
	}
	tls_end(c);
	return c;
}

static void test_mode_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tls_vectors) / sizeof(tls_vectors[0]); i++) {
		const struct tls_vector *v = &tls_vectors[i];
		struct seen *s = calloc(1, sizeof(*s));
		struct keylog *kl = keylog_of(v->keylog);
		struct tls_conn *c = play(v, s, kl, false);
		const struct tls_info *ti = tls_info(c);
		print_message("%s\n", v->name);
		assert_int_equal(ti->version, v->version);
		assert_int_equal(ti->cipher_suite, v->suite);
		assert_int_equal(ti->decryption, TLS_DECRYPTED);
		assert_int_equal(ti->failure, TLS_FAIL_NONE);
		assert_false(ti->mac_unchecked);
		assert_int_equal(ti->compression, strstr(v->name, "deflate") ? 1 : 0);
		assert_int_equal(ti->sslv2_hello, strstr(v->name, "sslv2") != NULL);
		assert_int_equal(s->client_len, strlen(KAT_REQUEST));
		assert_memory_equal(s->client, KAT_REQUEST, s->client_len);
		assert_true(ti->records_decrypted >= 4); /* both Finished, the request, the response */
		tls_free(c);
		keylog_free(kl);
		free(s);
	}
}

static void test_mode_vectors_tampered(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tls_vectors) / sizeof(tls_vectors[0]); i++) {
		const struct tls_vector *v = &tls_vectors[i];
		struct seen *s = calloc(1, sizeof(*s));
		struct keylog *kl = keylog_of(v->keylog);
		struct tls_conn *c = play(v, s, kl, true);
		const struct tls_info *ti = tls_info(c);
		print_message("%s\n", v->name);
		assert_int_equal(ti->decryption, TLS_FAILED);
		assert_int_equal(ti->failure, TLS_FAIL_AUTH);
		assert_int_equal(ti->records_failed, 1);
		tls_free(c);
		keylog_free(kl);
		free(s);
	}
}

static const struct tls_vector *vector(const char *name)
{
	for (size_t i = 0; i < sizeof(tls_vectors) / sizeof(tls_vectors[0]); i++)
		if (strcmp(tls_vectors[i].name, name) == 0)
			return &tls_vectors[i];
	fail_msg("no vector %s", name);
	return NULL;
}

static void test_null_cipher_without_key(void **state)
{
	(void)state;
	struct seen *s = calloc(1, sizeof(*s));
	struct keylog *kl = keylog_new();
	struct tls_conn *c = play(vector("tls12-null-sha256"), s, kl, false);
	const struct tls_info *ti = tls_info(c);
	assert_int_equal(ti->decryption, TLS_DECRYPTED);
	assert_true(ti->mac_unchecked);
	assert_int_equal(s->client_len, strlen(KAT_REQUEST));
	assert_memory_equal(s->client, KAT_REQUEST, s->client_len);
	tls_free(c);
	/* tampered: without the key nothing can tell */
	memset(s, 0, sizeof(*s));
	c = play(vector("tls12-null-sha256"), s, kl, true);
	assert_int_equal(tls_info(c)->decryption, TLS_DECRYPTED);
	assert_int_equal(s->client_len, strlen(KAT_REQUEST));
	tls_free(c);
	keylog_free(kl);
	free(s);
}

static void test_sslv2_hello(void **state)
{
	(void)state;
	const struct tls_vector *v = vector("sslv2-hello-rc4-md5");
	const uint8_t *h = v->chunk[0].data;
	assert_int_equal(tls_looks_like_client_hello(h, v->chunk[0].len), 1);
	assert_int_equal(tls_looks_like_client_hello(h, 4), -1);
	uint8_t sslv2_only[16];
	memcpy(sslv2_only, h, sizeof(sslv2_only));
	sslv2_only[3] = 0, sslv2_only[4] = 2; /* an SSL 2.0 client: not ours */
	assert_int_equal(tls_looks_like_client_hello(sslv2_only, sizeof(sslv2_only)), 0);
	/* the challenge, right-aligned, is the client random; split anywhere */
	struct seen s = { 0 };
	struct tls_conn *c = tls_new(&ops, &s, NULL);
	for (size_t i = 0; i < v->chunk[0].len; i++)
		tls_data(c, 0, h + i, 1, 1, 1, 0);
	const struct tls_info *ti = tls_info(c);
	assert_true(ti->have_random && ti->sslv2_hello);
	static const uint8_t zero[16];
	assert_memory_equal(ti->client_random, zero, 16);
	assert_memory_equal(ti->client_random + 16, h + v->chunk[0].len - 16, 16);
	tls_free(c);
	/* a later record with the high bit set is no SSL 2.0 record */
	c = tls_new(&ops, &s, NULL);
	struct buf ch = client_hello(0);
	feed(c, 0, &ch);
	tls_data(c, 0, h, v->chunk[0].len, 2, 2, 0);
	assert_false(tls_info(c)->sslv2_hello);
	assert_int_equal(tls_info(c)->client_random[0], 0x11);
	tls_free(c);
}

/* A TLS 1.2 ServerHello choosing `suite` and compression `method`. */
static struct buf server_hello12(uint16_t suite, uint8_t method, uint16_t version)
{
	struct buf h = { .n = 0 };
	put16(&h, version);
	for (int i = 0; i < 32; i++)
		put8(&h, 0x22);
	put8(&h, 0);
	put16(&h, suite);
	put8(&h, method);
	struct buf m = message(2, &h);
	return record(22, &m);
}

/* A TLS_RSA_WITH_NULL_SHA256 record: `in` deflated on z (flushed), then
 * 32 bytes standing for the HMAC (unchecked without the key). */
static struct buf deflated(z_stream *z, uint8_t type, const void *in, size_t len)
{
	struct buf body = { .n = 0 };
	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)len;
	z->next_out = body.b;
	z->avail_out = sizeof(body.b) - 32;
	assert_int_equal(deflate(z, Z_SYNC_FLUSH), Z_OK);
	assert_int_equal(z->avail_in, 0);
	body.n = sizeof(body.b) - 32 - z->avail_out;
	memset(body.b + body.n, 0x5a, 32);
	body.n += 32;
	return record(type, &body);
}

/* A NULL-cipher session without a key (records read, MAC unchecked) whose
 * ServerHello chose `method`, up to the client's ChangeCipherSpec. */
static struct tls_conn *null_session(struct seen *s, uint8_t method)
{
	struct tls_conn *c = tls_new(&ops, s, NULL);
	struct buf ch = client_hello(0), sh = server_hello12(0x003b, method, 0x0303), cc = ccs();
	feed(c, 0, &ch);
	feed(c, 1, &sh);
	feed(c, 0, &cc);
	return c;
}

static void test_deflate(void **state)
{
	(void)state;
	struct seen *s = calloc(1, sizeof(*s));
	z_stream z = { 0 };
	assert_int_equal(deflateInit(&z, 6), Z_OK);
	/* one stream across records: the second record refers back to the first */
	static const char a[] = "POST /v1/profile HTTP/1.1\r\nHost: api.example.com\r\n",
			  b[] = "Host: api.example.com\r\nContent-Length: 0\r\n\r\n";
	struct tls_conn *c = null_session(s, 1);
	struct buf r1 = deflated(&z, 23, a, strlen(a)), r2 = deflated(&z, 23, b, strlen(b));
	feed(c, 0, &r1);
	feed(c, 0, &r2);
	assert_int_equal(tls_info(c)->decryption, TLS_DECRYPTED);
	assert_int_equal(tls_info(c)->compression, 1);
	assert_int_equal(s->client_len, strlen(a) + strlen(b));
	assert_memory_equal(s->client, a, strlen(a));
	assert_memory_equal(s->client + strlen(a), b, strlen(b));
	tls_free(c);
	deflateEnd(&z);

	/* a record inflating past 2^14 bytes (a small bomb) */
	static uint8_t zeros[20000];
	memset(s, 0, sizeof(*s));
	assert_int_equal(deflateInit(&z, 9), Z_OK);
	c = null_session(s, 1);
	struct buf bomb = deflated(&z, 23, zeros, sizeof(zeros));
	assert_true(bomb.n < 200);
	feed(c, 0, &bomb);
	assert_int_equal(tls_info(c)->decryption, TLS_FAILED);
	assert_int_equal(tls_info(c)->failure, TLS_FAIL_DECOMPRESSION);
	assert_int_equal(s->plaintext, 0);
	assert_int_equal(s->lost[0], 1);
	tls_free(c);
	deflateEnd(&z);

	/* a corrupt stream */
	memset(s, 0, sizeof(*s));
	c = null_session(s, 1);
	struct buf junk = appdata(60);
	feed(c, 0, &junk);
	assert_int_equal(tls_info(c)->failure, TLS_FAIL_DECOMPRESSION);
	tls_free(c);

	/* a method privaudit does not know (LZS) */
	memset(s, 0, sizeof(*s));
	c = null_session(s, 64);
	feed(c, 0, &junk);
	assert_int_equal(tls_info(c)->decryption, TLS_FAILED);
	assert_int_equal(tls_info(c)->failure, TLS_FAIL_COMPRESSION);
	char name[8];
	assert_string_equal(tls_compression_name(64, name), "0x40");
	assert_string_equal(tls_compression_name(1, name), "deflate");
	assert_null(tls_compression_name(0, name));
	tls_free(c);
	free(s);
}

static void test_unsupported_version_and_cipher(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct keylog *kl = keys();
	struct buf ch = client_hello(0), cc = ccs(), ad = appdata(64);
	struct buf sh = server_hello12(0x002f, 0, 0x0305);
	struct tls_conn *c = tls_new(&ops, &s, kl);
	feed(c, 0, &ch), feed(c, 1, &sh), feed(c, 1, &cc), feed(c, 1, &ad);
	assert_int_equal(tls_info(c)->decryption, TLS_FAILED);
	assert_int_equal(tls_info(c)->failure, TLS_FAIL_VERSION);
	tls_free(c);
	/* IDEA: Debian's OpenSSL has none (cipher_unavailable); one that has
	 * it tries the garbage record and fails to authenticate it */
	sh = server_hello12(0x0007, 0, 0x0303);
	c = tls_new(&ops, &s, kl);
	feed(c, 0, &ch), feed(c, 1, &sh), feed(c, 1, &cc), feed(c, 1, &ad);
	assert_int_equal(tls_info(c)->decryption, TLS_FAILED);
	assert_int_equal(tls_info(c)->failure, tls_suite_available(tls_suite_find(0x0007)) ? TLS_FAIL_AUTH
											 : TLS_FAIL_CIPHER_UNAVAILABLE);
	tls_free(c);
	keylog_free(kl);
}

static void test_suite_table(void **state)
{
	(void)state;
	/* sorted (tls_suite_find is a binary search) and self-consistent */
	uint16_t prev = 0;
	for (uint32_t id = 0; id <= 0xffff; id++) {
		const struct tls_suite *st = tls_suite_find((uint16_t)id);
		if (!st)
			continue;
		assert_int_equal(st->id, id);
		assert_true(st->id > prev || prev == 0);
		prev = st->id;
		assert_int_equal(st->tls13, (id >> 8) == 0x13);
		assert_int_equal(st->mac == M_AEAD, tls_suite_tag_len(st) != 0);
		assert_int_equal(st->export_key != 0, strstr(st->name, "EXPORT") != NULL);
	}
	assert_string_equal(tls_suite_name(0xc0a0), "TLS_RSA_WITH_AES_128_CCM_8");
	assert_int_equal(tls_suite_tag_len(tls_suite_find(0xc0a0)), 8);
	assert_int_equal(tls_suite_tag_len(tls_suite_find(0x1305)), 8);
	assert_int_equal(tls_suite_mode(tls_suite_find(0x0005)), MODE_STREAM);
	assert_int_equal(tls_suite_mode(tls_suite_find(0x003b)), MODE_NULL);
	assert_true(tls_suite_find(0x00af)->sha384); /* PSK AES-256-CBC-SHA384: MAC and PRF SHA-384 */
	assert_int_equal(tls_suite_find(0x00af)->mac, M_SHA384);
	assert_null(tls_suite_find(0x0000));
	assert_true(tls_suite_available(tls_suite_find(0x0005))); /* RC4 via the legacy provider */
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
		cmocka_unit_test(test_mode_vectors),
		cmocka_unit_test(test_mode_vectors_tampered),
		cmocka_unit_test(test_null_cipher_without_key),
		cmocka_unit_test(test_sslv2_hello),
		cmocka_unit_test(test_deflate),
		cmocka_unit_test(test_unsupported_version_and_cipher),
		cmocka_unit_test(test_suite_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
