/* \summary: passive TLS decryption with key log secrets (see tls.h). */
#include "tls.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cursor.h"
#include "dbuf.h"
#include "decompress.h"
#include "tls_crypto.h"

#define MAX_CIPHERTEXT (16384 + 2048) /* RFC 5246 6.2.3: the largest record body */
#define MAX_HELLO (64u << 10)         /* hello and EncryptedExtensions bodies kept */
#define MAX_PLAIN 16384               /* RFC 5246 6.2.1: a record's plaintext, also after decompression */
#define ZLIB_STATE (44u << 10)        /* an inflate stream: its state and 32 KiB window */
#define SSL2_HEADER 2                 /* an SSL 2.0 record header without padding (RFC 6101 E.1) */

enum rec_type { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23 };
enum hs_type {
	HS_CLIENT_HELLO = 1,
	HS_SERVER_HELLO = 2,
	HS_ENCRYPTED_EXTENSIONS = 8,
	HS_FINISHED = 20,
	HS_KEY_UPDATE = 24,
};
/* SHA-256("HelloRetryRequest"): the ServerHello random of an HRR (RFC 8446 4.1.3). */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

struct tls_dir {
	struct dbuf rec;          /* a record split across deliveries */
	/* the handshake message stream of this direction */
	uint8_t hs_hdr[4];
	size_t hs_hdr_len;
	uint32_t hs_left;         /* body bytes of the current message still to come */
	uint8_t hs_type;
	struct dbuf hs_body;      /* kept for the messages that are parsed */
	bool encrypted;           /* records are ciphertext from here on */
	bool app_keys;            /* TLS 1.3: application traffic secret in use */
	bool switch_to_app;       /* TLS 1.3: Finished seen, switch after this record */
	bool key_update;          /* TLS 1.3: KeyUpdate seen, update after this record */
	bool no_handshake_secret; /* TLS 1.3: only traffic secrets known, trial-decrypt */
	bool dead;
	bool opened;              /* a record of this direction authenticated */
	bool started;             /* a record of this direction was framed */
	z_stream *z;              /* DEFLATE: this direction's stream, from its first protected record */
	uint64_t z_in, z_out;     /* compressed and inflated bytes so far */
	struct tls_keys k;
};

struct tls_conn {
	const struct tls_ops *ops;
	void *ctx;
	const struct keylog *kl;
	const struct keylog_entry *keys;
	const struct tls_suite *suite;
	struct tls_info info;
	struct tls_dir d[2];
	uint8_t server_random[32];
	uint8_t client_session_id[32];
	size_t client_session_id_len;
	bool offered_early_data;
	bool done;
	uint64_t skipped;  /* TLS 1.3 records trial decryption could not open */
	uint8_t *plain;    /* decryption output, allocated on first use */
	uint8_t *inflated; /* decompression output (DEFLATE sessions) */
};

const char *tls_decryption_name(enum tls_decryption d)
{
	switch (d) {
	case TLS_DECRYPTED: return "decrypted";
	case TLS_NO_KEY: return "no_key";
	case TLS_FAILED: return "failed";
	case TLS_NO_HANDSHAKE: return "no_handshake";
	default: return "pending";
	}
}

const char *tls_failure_name(enum tls_failure f)
{
	switch (f) {
	case TLS_FAIL_AUTH: return "authentication_failed";
	case TLS_FAIL_SUITE: return "unsupported_cipher_suite";
	case TLS_FAIL_CRYPTO: return "crypto_error";
	case TLS_FAIL_VERSION: return "unsupported_version";
	case TLS_FAIL_CIPHER_UNAVAILABLE: return "cipher_unavailable";
	case TLS_FAIL_COMPRESSION: return "unsupported_compression";
	case TLS_FAIL_DECOMPRESSION: return "decompression_failed";
	default: return NULL;
	}
}

const char *tls_compression_name(uint8_t method, char buf[8])
{
	if (method == 0)
		return NULL;
	if (method == 1)
		return "deflate";
	snprintf(buf, 8, "0x%02x", method);
	return buf;
}

const char *tls_version_name(uint16_t v)
{
	switch (v) {
	case 0x0300: return "SSL 3.0";
	case 0x0301: return "TLS 1.0";
	case 0x0302: return "TLS 1.1";
	case 0x0303: return "TLS 1.2";
	case 0x0304: return "TLS 1.3";
	default: return NULL;
	}
}

/* An SSL 2.0-format ClientHello offering SSL 3.0 or later (RFC 5246 E.2):
 * a 2-byte header with the high bit set, CLIENT-HELLO (1), version 3.x.
 * 1 yes, 0 no, -1 too short to tell. */
static int sslv2_client_hello(const uint8_t *p, size_t len)
{
	if (len < 1 || !(p[0] & 0x80))
		return 0;
	if (len < 5)
		return -1;
	return p[2] == HS_CLIENT_HELLO && p[3] == 3 && p[4] <= 3 && (((size_t)p[0] & 0x7f) << 8 | p[1]) >= 9;
}

int tls_looks_like_client_hello(const uint8_t *p, size_t len)
{
	if (len >= 1 && (p[0] & 0x80))
		return sslv2_client_hello(p, len);
	if (len >= 1 && p[0] != REC_HANDSHAKE)
		return 0;
	if (len >= 2 && p[1] != 3)
		return 0;
	if (len >= 3 && p[2] > 4)
		return 0;
	if (len < 6)
		return -1;
	return p[5] == HS_CLIENT_HELLO;
}

struct tls_conn *tls_new(const struct tls_ops *ops, void *ctx, const struct keylog *kl)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->ops = ops;
	c->ctx = ctx;
	c->kl = kl;
	for (int i = 0; i < 2; i++) {
		dbuf_init(&c->d[i].rec, REC_HEADER + MAX_CIPHERTEXT);
		dbuf_init(&c->d[i].hs_body, MAX_HELLO);
	}
	return c;
}

/* Buffers no longer needed once the connection cannot be decrypted. */
static void release(struct tls_conn *c)
{
	for (int i = 0; i < 2; i++) {
		tls_keys_free(&c->d[i].k);
		dbuf_free(&c->d[i].rec);
		dbuf_free(&c->d[i].hs_body);
		if (c->d[i].z) {
			inflateEnd(c->d[i].z);
			free(c->d[i].z);
			c->d[i].z = NULL;
		}
	}
	free(c->plain);
	free(c->inflated);
	c->plain = c->inflated = NULL;
}

void tls_free(struct tls_conn *c)
{
	if (!c)
		return;
	release(c);
	OPENSSL_cleanse(c->d, sizeof(c->d));
	free(c);
}

bool tls_done(const struct tls_conn *c) { return c->done; }

const struct tls_info *tls_info(const struct tls_conn *c) { return &c->info; }

size_t tls_memory(const struct tls_conn *c)
{
	size_t n = (c->plain ? REC_HEADER + MAX_CIPHERTEXT + 64 : 0) + (c->inflated ? MAX_PLAIN + 1 : 0);
	for (int i = 0; i < 2; i++)
		n += c->d[i].rec.cap + c->d[i].hs_body.cap + (c->d[i].k.cipher ? 1024 : 0) +
		     (c->d[i].z ? ZLIB_STATE : 0);
	return n;
}

/* Ends decryption: status set, consumers told that no more data comes. */
static void stop(struct tls_conn *c, enum tls_decryption why, enum tls_failure fail)
{
	if (c->done)
		return;
	if (c->info.decryption != TLS_DECRYPTED || why == TLS_FAILED) {
		c->info.decryption = why;
		c->info.failure = fail;
	}
	c->done = true; /* buffers are released by tls_data once its loop is out of them */
	if (c->info.decryption == TLS_DECRYPTED || why == TLS_FAILED)
		for (int i = 0; i < 2; i++)
			if (c->ops->lost)
				c->ops->lost(c->ctx, i);
}

/* Finds the secrets when the first encrypted record needs them; false
 * (and decryption stopped) when there are none or they cannot be used. */
static bool need_keys(struct tls_conn *c, int dir)
{
	if (c->d[dir].k.ready)
		return true;
	if (!c->info.have_random || !c->info.version) {
		stop(c, TLS_NO_HANDSHAKE, TLS_FAIL_NONE);
		return false;
	}
	if (c->info.version < 0x0300 || c->info.version > 0x0304) {
		stop(c, TLS_FAILED, TLS_FAIL_VERSION);
		return false;
	}
	c->suite = tls_suite_find(c->info.cipher_suite);
	if (c->suite && c->suite->tls13 != (c->info.version == 0x0304))
		c->suite = NULL; /* a TLS 1.3 suite in TLS 1.2 or the reverse */
	if (!c->keys)
		c->keys = keylog_find(c->kl, c->info.client_random);
	/* NULL-cipher records are plaintext: without the master secret they
	 * are read all the same, their MAC unchecked */
	bool unchecked = c->suite && !c->suite->tls13 && c->suite->cipher == C_NULL &&
			 (!c->keys || !c->keys->secret_len[KEYLOG_MASTER]);
	if (!c->keys && !unchecked) {
		stop(c, TLS_NO_KEY, TLS_FAIL_NONE);
		return false;
	}
	enum tls_failure fail = !c->suite			      ? TLS_FAIL_SUITE
				: !tls_suite_available(c->suite)      ? TLS_FAIL_CIPHER_UNAVAILABLE
				: c->info.compression > 1 && !c->suite->tls13 ? TLS_FAIL_COMPRESSION
									      : TLS_FAIL_NONE;
	if (fail != TLS_FAIL_NONE) {
		stop(c, TLS_FAILED, fail);
		return false;
	}
	bool ok = true;
	if (unchecked) {
		tls_keys_unchecked(&c->d[0].k, &c->d[1].k, c->suite);
		c->info.mac_unchecked = true;
	} else if (c->suite->tls13) {
		struct tls_dir *d = &c->d[dir];
		enum keylog_secret hs = dir == 0 ? KEYLOG_CLIENT_HANDSHAKE : KEYLOG_SERVER_HANDSHAKE;
		enum keylog_secret ap = dir == 0 ? KEYLOG_CLIENT_TRAFFIC0 : KEYLOG_SERVER_TRAFFIC0;
		enum keylog_secret which = ap;
		if (!d->app_keys && c->keys->secret_len[hs])
			which = hs;
		else if (!d->app_keys) /* only traffic secrets: open records with them until one authenticates */
			d->no_handshake_secret = true;
		if (!c->keys->secret_len[which]) {
			stop(c, TLS_NO_KEY, TLS_FAIL_NONE);
			return false;
		}
		ok = tls_keys_tls13(&d->k, c->suite, c->keys->secret[which], c->keys->secret_len[which]);
	} else {
		if (!c->keys->secret_len[KEYLOG_MASTER]) {
			stop(c, TLS_NO_KEY, TLS_FAIL_NONE);
			return false;
		}
		ok = tls_keys_tls12(&c->d[0].k, &c->d[1].k, c->suite, c->info.version, c->keys->secret[KEYLOG_MASTER],
				    c->info.client_random, c->server_random);
	}
	if (!ok) {
		stop(c, TLS_FAILED, TLS_FAIL_CRYPTO);
		return false;
	}
	if ((!c->plain && !(c->plain = malloc(REC_HEADER + MAX_CIPHERTEXT + 64))) ||
	    (c->info.compression == 1 && !c->suite->tls13 && !c->inflated && !(c->inflated = malloc(MAX_PLAIN + 1)))) {
		stop(c, TLS_FAILED, TLS_FAIL_CRYPTO);
		return false;
	}
	return true;
}

/* ---- handshake ---- */

static void copy_name(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++)
		dst[k++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?'; /* names are ASCII; keep the report clean */
	dst[k] = 0;
}

/* Extensions block: calls per extension type with its body. */
static void parse_extensions(struct tls_conn *c, struct cursor *m, int msg)
{
	size_t total = cur_be16(m);
	const uint8_t *p = cur_take(m, total);
	if (!p)
		return;
	struct cursor x = cur_make(p, total);
	while (cur_left(&x) >= 4) {
		uint16_t type = cur_be16(&x), len = cur_be16(&x);
		const uint8_t *b = cur_take(&x, len);
		if (!b)
			return;
		struct cursor e = cur_make(b, len);
		if (type == 0 && msg == HS_CLIENT_HELLO) { /* server_name: list of (type, name) */
			cur_skip(&e, 2);
			if (cur_u8(&e) == 0) {
				uint16_t n = cur_be16(&e);
				const uint8_t *name = cur_take(&e, n);
				if (name)
					copy_name(c->info.sni, sizeof(c->info.sni), name, n);
			}
		} else if (type == 16 && msg != HS_CLIENT_HELLO) { /* ALPN: the server's single choice */
			cur_skip(&e, 2);
			uint8_t n = cur_u8(&e);
			const uint8_t *proto = cur_take(&e, n);
			if (proto)
				copy_name(c->info.alpn, sizeof(c->info.alpn), proto, n);
		} else if (type == 43 && msg == HS_SERVER_HELLO && len == 2) { /* supported_versions */
			c->info.version = cur_be16(&e);
		} else if (type == 22 && msg == HS_SERVER_HELLO) {
			c->info.encrypt_then_mac = true;
		} else if (type == 42 && msg == HS_CLIENT_HELLO) {
			c->offered_early_data = true;
		}
	}
}

static void client_hello(struct tls_conn *c, const uint8_t *p, size_t len)
{
	struct cursor m = cur_make(p, len);
	cur_skip(&m, 2);
	const uint8_t *rnd = cur_take(&m, 32);
	uint8_t sid_len = cur_u8(&m);
	const uint8_t *sid = cur_take(&m, sid_len);
	if (!rnd || !sid || sid_len > 32)
		return;
	memcpy(c->info.client_random, rnd, 32); /* a second hello after an HRR repeats it */
	c->info.have_random = true;
	memcpy(c->client_session_id, sid, sid_len);
	c->client_session_id_len = sid_len;
	cur_skip(&m, cur_be16(&m));
	cur_skip(&m, cur_u8(&m));
	if (cur_left(&m) >= 2)
		parse_extensions(c, &m, HS_CLIENT_HELLO);
}

/* An SSL 2.0-format ClientHello (RFC 5246 E.2; body after the 2-byte
 * header): its challenge, right-aligned and zero-padded, is the client
 * random of the TLS session that follows. */
static void sslv2_hello(struct tls_conn *c, const uint8_t *p, size_t len)
{
	struct cursor m = cur_make(p, len);
	cur_skip(&m, 3); /* msg_type, version */
	uint16_t specs = cur_be16(&m), sid_len = cur_be16(&m), chal_len = cur_be16(&m);
	cur_skip(&m, specs);
	const uint8_t *sid = cur_take(&m, sid_len);
	const uint8_t *chal = cur_take(&m, chal_len);
	if (!sid || !chal || sid_len > 32 || chal_len < 16 || chal_len > 32)
		return;
	memset(c->info.client_random, 0, 32);
	memcpy(c->info.client_random + 32 - chal_len, chal, chal_len);
	c->info.have_random = true;
	c->info.sslv2_hello = true;
	memcpy(c->client_session_id, sid, sid_len);
	c->client_session_id_len = sid_len;
}

static void server_hello(struct tls_conn *c, const uint8_t *p, size_t len)
{
	struct cursor m = cur_make(p, len);
	uint16_t legacy = cur_be16(&m);
	const uint8_t *rnd = cur_take(&m, 32);
	uint8_t sid_len = cur_u8(&m);
	const uint8_t *sid = cur_take(&m, sid_len);
	uint16_t suite = cur_be16(&m);
	uint8_t compression = cur_u8(&m);
	if (!cur_ok(&m) || sid_len > 32)
		return;
	if (memcmp(rnd, hrr_random, 32) == 0) { /* a HelloRetryRequest: the real ServerHello follows */
		c->info.hello_retry = true;
		return;
	}
	memcpy(c->server_random, rnd, 32);
	c->info.version = legacy;
	c->info.cipher_suite = suite;
	c->info.compression = compression;
	if (cur_left(&m) >= 2)
		parse_extensions(c, &m, HS_SERVER_HELLO);
	if (c->info.version == 0x0304) {
		/* from here both directions send protected records */
		c->d[0].encrypted = c->d[1].encrypted = true;
	} else {
		c->info.resumed = sid_len && sid_len == c->client_session_id_len &&
				  memcmp(sid, c->client_session_id, sid_len) == 0;
	}
	/* The secrets are looked up at the first protected record (need_keys),
	 * a record or two later: a connection without them costs no more
	 * reassembly than that, and a live key log has that long to catch up. */
}

static void message(struct tls_conn *c, int dir, uint8_t type, const uint8_t *body, size_t len)
{
	if (type == HS_CLIENT_HELLO && dir == 0 && !c->d[0].encrypted)
		client_hello(c, body, len);
	else if (type == HS_SERVER_HELLO && dir == 1 && !c->d[1].encrypted)
		server_hello(c, body, len);
	else if (type == HS_ENCRYPTED_EXTENSIONS && dir == 1) {
		struct cursor m = cur_make(body, len);
		parse_extensions(c, &m, HS_ENCRYPTED_EXTENSIONS);
	}
}

static bool kept(uint8_t type)
{
	return type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO || type == HS_ENCRYPTED_EXTENSIONS;
}

/* Feeds handshake bytes (plaintext, or decrypted TLS 1.3 handshake) of
 * direction dir: messages are framed, only hellos are kept and parsed. */
static void handshake(struct tls_conn *c, int dir, const uint8_t *p, size_t len)
{
	struct tls_dir *d = &c->d[dir];
	while (len && !c->done) {
		if (d->hs_hdr_len < 4) {
			size_t k = 4 - d->hs_hdr_len < len ? 4 - d->hs_hdr_len : len;
			memcpy(d->hs_hdr + d->hs_hdr_len, p, k);
			d->hs_hdr_len += k;
			p += k;
			len -= k;
			if (d->hs_hdr_len < 4)
				return;
			d->hs_type = d->hs_hdr[0];
			d->hs_left = (uint32_t)d->hs_hdr[1] << 16 | (uint32_t)d->hs_hdr[2] << 8 | d->hs_hdr[3];
			dbuf_reset(&d->hs_body);
			if (d->hs_type == HS_FINISHED && d->encrypted && c->info.version == 0x0304 && !d->app_keys)
				d->switch_to_app = true;
			else if (d->hs_type == HS_KEY_UPDATE && d->app_keys)
				d->key_update = true;
		}
		size_t k = d->hs_left < len ? d->hs_left : len;
		if (kept(d->hs_type))
			dbuf_append(&d->hs_body, p, k);
		p += k;
		len -= k;
		d->hs_left -= (uint32_t)k;
		if (d->hs_left == 0) {
			if (kept(d->hs_type) && !d->hs_body.capped)
				message(c, dir, d->hs_type, d->hs_body.data, d->hs_body.len);
			d->hs_hdr_len = 0;
		}
	}
}

/* ---- records ---- */

static void after_record(struct tls_conn *c, int dir)
{
	struct tls_dir *d = &c->d[dir];
	if (d->switch_to_app) {
		d->switch_to_app = false;
		d->app_keys = true;
		d->k.ready = false; /* need_keys loads the traffic secret */
		d->hs_hdr_len = 0;
	} else if (d->key_update) { /* RFC 8446 7.2: the next secret from this one */
		d->key_update = false;
		if (!tls_keys_update(&d->k, c->suite)) {
			stop(c, TLS_FAILED, TLS_FAIL_CRYPTO);
			return;
		}
		c->info.key_updates++;
	}
}

/* RFC 3749 DEFLATE: one zlib stream per direction, each record flushed,
 * inflating to at most MAX_PLAIN bytes (RFC 5246 6.2.2) and to no more than
 * DECOMP_DEFAULT_MAX_RATIO bytes per compressed byte over the direction
 * (the cap HTTP bodies have).  Returns the length, -1 when corrupt or over. */
static long inflate_record(struct tls_dir *d, const uint8_t *in, size_t len, uint8_t *out)
{
	if (!d->z) {
		if (!(d->z = calloc(1, sizeof(*d->z))))
			return -1;
		if (inflateInit(d->z) != Z_OK) {
			free(d->z);
			d->z = NULL;
			return -1;
		}
	}
	if (len == 0)
		return 0;
	d->z->next_in = (Bytef *)(uintptr_t)in;
	d->z->avail_in = (uInt)len;
	d->z->next_out = out;
	d->z->avail_out = MAX_PLAIN + 1;
	int r = inflate(d->z, Z_SYNC_FLUSH);
	size_t n = MAX_PLAIN + 1 - d->z->avail_out;
	d->z_in += len;
	d->z_out += n;
	if ((r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) || d->z->avail_in || n > MAX_PLAIN ||
	    d->z_out > d->z_in * DECOMP_DEFAULT_MAX_RATIO)
		return -1;
	return (long)n;
}

static void protected_record(struct tls_conn *c, int dir, const uint8_t *rec, size_t len, uint64_t origin,
			     uint64_t frame, uint64_t ts_ns)
{
	struct tls_dir *d = &c->d[dir];
	if (c->info.version == 0x0304 && rec[0] != REC_APPDATA)
		return; /* TLS 1.3 compatibility CCS, or a plaintext alert */
	if (!need_keys(c, dir))
		return;
	/* Application data the consumer would only count (a response body) is
	 * skipped without opening it, once the keys have proved right on an
	 * earlier record of this direction: TLS 1.2 AEAD records show their
	 * type and exact plaintext length; TLS 1.3 ones tell them from the
	 * keystream of their last block. */
	uint64_t skippable = c->ops->skippable && d->opened && !c->inflated ? c->ops->skippable(c->ctx, dir) : 0;
	if (skippable && c->suite->mac == M_AEAD) {
		size_t plen = 0;
		uint8_t ptype = 0;
		size_t tag = tls_suite_tag_len(c->suite);
		size_t overhead = tls_suite_mode(c->suite) == MODE_CHACHA ? tag : 8 + tag;
		bool known = c->suite->tls13 ? d->app_keys && tls_keys_peek(&d->k, c->suite, rec, len, &plen, &ptype)
					     : (ptype = rec[0], plen = len - overhead, len > overhead);
		if (known && ptype == REC_APPDATA && plen < skippable) {
			c->ops->skip(c->ctx, dir, plen);
			d->k.seq++;
			c->info.records_skipped++;
			return;
		}
	}
	uint8_t type;
	long n = tls_keys_open(&d->k, c->suite, c->info.version, c->info.encrypt_then_mac, rec, len, c->plain, &type);
	if (n < 0 && c->suite->tls13 && !d->app_keys) {
		if (d->no_handshake_secret || (dir == 0 && c->offered_early_data && d->k.seq == 0)) {
			/* an encrypted handshake (or 0-RTT) record without its secret: skip it */
			c->skipped++;
			return;
		}
	}
	if (n < 0) {
		c->info.records_failed++;
		stop(c, TLS_FAILED, TLS_FAIL_AUTH);
		return;
	}
	d->k.seq++;
	d->opened = true;
	c->info.records_decrypted++;
	c->info.decryption = TLS_DECRYPTED;
	if (d->no_handshake_secret && !d->app_keys) { /* the traffic secret opened it: handshake is over */
		d->app_keys = true;
		d->hs_hdr_len = 0;
	}
	const uint8_t *plain = c->plain;
	if (c->inflated) { /* every record type shares the direction's stream */
		long m = inflate_record(d, c->plain, (size_t)n, c->inflated);
		if (m < 0) {
			stop(c, TLS_FAILED, TLS_FAIL_DECOMPRESSION);
			return;
		}
		plain = c->inflated;
		n = m;
	}
	if (type == REC_APPDATA && (c->info.version != 0x0304 || d->app_keys))
		c->ops->plaintext(c->ctx, dir, plain, (size_t)n, origin, frame, ts_ns);
	else if (type == REC_HANDSHAKE && c->suite->tls13)
		handshake(c, dir, c->plain, (size_t)n);
	after_record(c, dir);
}

static void record(struct tls_conn *c, int dir, const uint8_t *rec, size_t len, uint64_t origin, uint64_t frame,
		   uint64_t ts_ns)
{
	struct tls_dir *d = &c->d[dir];
	if (d->encrypted) {
		protected_record(c, dir, rec, len, origin, frame, ts_ns);
		return;
	}
	switch (rec[0]) {
	case REC_HANDSHAKE:
		handshake(c, dir, rec + REC_HEADER, len);
		break;
	case REC_CCS: /* TLS 1.2: this direction is protected from the next record */
		if (c->info.version >= 0x0300 && c->info.version < 0x0304)
			d->encrypted = true;
		else if (c->info.version > 0x0304 || (c->info.version && c->info.version < 0x0300))
			stop(c, TLS_FAILED, TLS_FAIL_VERSION);
		break;
	default: /* plaintext alerts; 0-RTT data before the ServerHello */
		break;
	}
}

/* A record's size with its header, from its first REC_HEADER bytes. */
static size_t record_size(const uint8_t *h, bool sslv2)
{
	if (sslv2) { /* never shorter than the REC_HEADER bytes already framed */
		size_t n = SSL2_HEADER + (((size_t)h[0] & 0x7f) << 8 | h[1]);
		return n < REC_HEADER ? REC_HEADER : n;
	}
	return REC_HEADER + ((size_t)h[3] << 8 | h[4]);
}

void tls_data(struct tls_conn *c, int dir, const uint8_t *p, size_t len, uint64_t origin, uint64_t frame,
	      uint64_t ts_ns)
{
	struct tls_dir *d = &c->d[dir];
	while (len && !c->done && !d->dead) {
		size_t need;
		const uint8_t *rec;
		/* the first record of the client may be an SSL 2.0 ClientHello */
		bool v2 = dir == 0 && !d->started && (d->rec.len ? d->rec.data[0] : p[0]) & 0x80;
		if (d->rec.len == 0 && len >= REC_HEADER &&
		    (need = record_size(p, v2)) <= len) {
			rec = p; /* the whole record is here: no copy */
		} else {
			if (d->rec.len < REC_HEADER) {
				size_t k = REC_HEADER - d->rec.len < len ? REC_HEADER - d->rec.len : len;
				dbuf_append(&d->rec, p, k);
				p += k;
				len -= k;
				if (d->rec.len < REC_HEADER)
					return;
			}
			need = record_size(d->rec.data, v2);
			if (need <= REC_HEADER + MAX_CIPHERTEXT) {
				size_t k = need - d->rec.len < len ? need - d->rec.len : len;
				dbuf_append(&d->rec, p, k);
				p += k;
				len -= k;
				if (d->rec.len < need)
					return;
			}
			rec = d->rec.data;
		}
		uint8_t type = rec[0];
		d->started = true;
		if (v2 && sslv2_client_hello(rec, need) == 1) {
			sslv2_hello(c, rec + SSL2_HEADER, need - SSL2_HEADER);
			if (rec == p)
				p += need, len -= need;
			dbuf_reset(&d->rec);
			continue;
		}
		if (type < REC_CCS || type > REC_APPDATA + 1 || rec[1] != 3 || need > REC_HEADER + MAX_CIPHERTEXT) {
			d->dead = true; /* not a record: framing is lost for good */
			c->info.directions_lost++;
			if (c->ops->lost)
				c->ops->lost(c->ctx, dir);
			return;
		}
		if (rec == p) {
			p += need;
			len -= need;
		}
		if (type <= REC_APPDATA)
			record(c, dir, rec, need - REC_HEADER, origin, frame, ts_ns);
		dbuf_reset(&d->rec);
	}
	if (c->done)
		release(c);
}

void tls_end(struct tls_conn *c)
{
	if (c->info.decryption != TLS_PENDING)
		return;
	if (c->skipped) /* records were there, none opened with the secrets given */
		c->info.decryption = TLS_FAILED, c->info.failure = TLS_FAIL_AUTH;
	else if (!c->info.have_random || !c->info.version)
		c->info.decryption = TLS_NO_HANDSHAKE;
	else if (!keylog_find(c->kl, c->info.client_random))
		c->info.decryption = TLS_NO_KEY;
	else /* keys known, but no protected record to open */
		c->info.decryption = TLS_DECRYPTED;
}

void tls_gap(struct tls_conn *c, int dir)
{
	if (c->done)
		return;
	if (!c->info.version) {
		stop(c, TLS_NO_HANDSHAKE, TLS_FAIL_NONE);
		release(c);
		return;
	}
	if (!c->d[dir].dead)
		c->info.directions_lost++;
	c->d[dir].dead = true;
	if (c->ops->lost)
		c->ops->lost(c->ctx, dir);
}
