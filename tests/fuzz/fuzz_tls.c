/* libFuzzer harness for TLS record framing, handshake parsing and
 * decryption.  The input starts with the secrets of one connection (client
 * random 32 bytes, master secret 48, a length byte L of 32 or 48, then the
 * four TLS 1.3 traffic secrets of L bytes each: client and server handshake,
 * client and server application), so that seeds made from real captures
 * (tests/fuzz/make-tls-seeds.py, from captures/test/tls and tls-modes:
 * AEAD, CBC, SSL 3.0, DEFLATE-compressed records, export, NULL, CCM and
 * SSLv2-hello sessions) decrypt for real and mutations reach every path.  Then a script of deliveries: a control byte (bit 0 direction, bit
 * 1 "a gap here"), a 2-byte big-endian length, that many bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keylog.h"
#include "tls.h"

static void on_plaintext(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t origin, uint64_t frame,
			 uint64_t ts_ns)
{
	size_t *sum = ctx;
	(void)dir, (void)origin, (void)frame, (void)ts_ns;
	for (size_t i = 0; i < len; i++) /* every byte handed over must be readable */
		*sum += data[i];
}

static void on_lost(void *ctx, int dir)
{
	(void)ctx, (void)dir;
}

/* As a response body would: sometimes everything may be skipped. */
static uint64_t on_skippable(void *ctx, int dir)
{
	size_t *sum = ctx;
	return dir == 1 && *sum % 3 == 0 ? UINT64_MAX : 0;
}

static void on_skip(void *ctx, int dir, uint64_t n)
{
	size_t *sum = ctx;
	(void)dir;
	*sum += (size_t)n;
}

static const struct tls_ops ops = { on_plaintext, on_lost, on_skippable, on_skip };

static size_t hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	return 2 * n;
}

static struct keylog *make_keylog(const uint8_t *p)
{
	static const char *const labels[] = { "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
					      "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0" };
	struct keylog *kl = keylog_new();
	char text[2048], rnd[65];
	size_t n = 0, l = p[80] == 32 ? 32 : 48;
	hex(rnd, p, 32);
	n += (size_t)sprintf(text + n, "CLIENT_RANDOM %s ", rnd);
	n += hex(text + n, p + 32, 48);
	text[n++] = '\n';
	for (size_t i = 0; i < 4; i++) {
		n += (size_t)sprintf(text + n, "%s %s ", labels[i], rnd);
		n += hex(text + n, p + 81 + i * l, l);
		text[n++] = '\n';
	}
	keylog_add_text(kl, text, n, "fuzz");
	return kl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 81 || size < 81 + 4 * (size_t)(data[80] == 32 ? 32 : 48))
		return 0;
	size_t sum = 0;
	struct keylog *kl = make_keylog(data);
	struct tls_conn *c = tls_new(&ops, &sum, kl);
	size_t pos = 81 + 4 * (size_t)(data[80] == 32 ? 32 : 48);
	uint64_t frame = 1;
	while (pos + 3 <= size && !tls_done(c)) {
		uint8_t ctl = data[pos];
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		pos += 3;
		size_t n = len <= size - pos ? len : size - pos;
		uint8_t *chunk = malloc(n ? n : 1); /* exact size: ASan sees any overread */
		memcpy(chunk, data + pos, n);
		if (ctl & 2)
			tls_gap(c, ctl & 1);
		tls_data(c, ctl & 1, chunk, n, frame, frame, frame);
		free(chunk);
		pos += n;
		frame++;
	}
	tls_end(c);
	const struct tls_info *ti = tls_info(c);
	if (ti->decryption == TLS_PENDING || tls_memory(c) > (1u << 20))
		abort(); /* tls_end settles every status; memory stays bounded */
	tls_free(c);
	keylog_free(kl);
	return sum == 42 ? 0 : 0;
}
