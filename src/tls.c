/* \summary: passive TLS decryption with key log secrets (see tls.h). */
#include "tls.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "dbuf.h"

#define REC_HEADER 5
#define MAX_CIPHERTEXT (16384 + 2048) /* RFC 5246 6.2.3: the largest record body */
#define MAX_HELLO (64u << 10)         /* hello and EncryptedExtensions bodies kept */
#define TAG_LEN 16

enum rec_type { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23 };
enum hs_type {
	HS_CLIENT_HELLO = 1,
	HS_SERVER_HELLO = 2,
	HS_ENCRYPTED_EXTENSIONS = 8,
	HS_FINISHED = 20,
	HS_KEY_UPDATE = 24,
};
enum cipher_kind { C_AES128_GCM, C_AES256_GCM, C_CHACHA20, C_AES128_CBC, C_AES256_CBC };
enum mac_kind { M_AEAD, M_SHA1, M_SHA256, M_SHA384 };

struct suite {
	uint16_t id;
	bool tls13;
	enum cipher_kind cipher;
	enum mac_kind mac;
	bool sha384; /* PRF / HKDF hash */
	const char *name;
};

static const struct suite suites[] = {
	{ 0x1301, true, C_AES128_GCM, M_AEAD, false, "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, true, C_AES256_GCM, M_AEAD, true, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, true, C_CHACHA20, M_AEAD, false, "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0x009c, false, C_AES128_GCM, M_AEAD, false, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009d, false, C_AES256_GCM, M_AEAD, true, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x009e, false, C_AES128_GCM, M_AEAD, false, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009f, false, C_AES256_GCM, M_AEAD, true, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc02b, false, C_AES128_GCM, M_AEAD, false, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc02c, false, C_AES256_GCM, M_AEAD, true, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc02f, false, C_AES128_GCM, M_AEAD, false, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc030, false, C_AES256_GCM, M_AEAD, true, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xcca8, false, C_CHACHA20, M_AEAD, false, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xcca9, false, C_CHACHA20, M_AEAD, false, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccaa, false, C_CHACHA20, M_AEAD, false, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0x002f, false, C_AES128_CBC, M_SHA1, false, "TLS_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0035, false, C_AES256_CBC, M_SHA1, false, "TLS_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x003c, false, C_AES128_CBC, M_SHA256, false, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x003d, false, C_AES256_CBC, M_SHA256, false, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x0033, false, C_AES128_CBC, M_SHA1, false, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0039, false, C_AES256_CBC, M_SHA1, false, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x0067, false, C_AES128_CBC, M_SHA256, false, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x006b, false, C_AES256_CBC, M_SHA256, false, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0xc009, false, C_AES128_CBC, M_SHA1, false, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xc00a, false, C_AES256_CBC, M_SHA1, false, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xc013, false, C_AES128_CBC, M_SHA1, false, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc014, false, C_AES256_CBC, M_SHA1, false, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xc023, false, C_AES128_CBC, M_SHA256, false, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc024, false, C_AES256_CBC, M_SHA384, true, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc027, false, C_AES128_CBC, M_SHA256, false, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc028, false, C_AES256_CBC, M_SHA384, true, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
};

/* Names of common suites privaudit cannot decrypt, so that a report says
 * which one a failed connection used. */
static const struct {
	uint16_t id;
	const char *name;
} other_suites[] = {
	{ 0x1304, "TLS_AES_128_CCM_SHA256" },
	{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
	{ 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },
	{ 0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" },
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
	bool keys_ready;
	bool no_handshake_secret; /* TLS 1.3: only traffic secrets known, trial-decrypt */
	bool dead;
	bool opened;              /* a record of this direction authenticated */
	uint64_t seq;
	EVP_CIPHER_CTX *cipher;
	EVP_MAC_CTX *mac;
	uint8_t iv[16];           /* GCM salt, ChaCha/TLS 1.3 IV, TLS 1.0 CBC chain */
	uint8_t key[32];          /* TLS 1.3: the record key, for peeking (peek_tls13) */
	EVP_CIPHER_CTX *peek;     /* TLS 1.3: its keystream alone (CTR / ChaCha20) */
	bool peek_ready;
	uint8_t secret[KEYLOG_SECRET_MAX];
	size_t secret_len;
	size_t mac_len;
};

struct tls_conn {
	const struct tls_ops *ops;
	void *ctx;
	const struct keylog *kl;
	const struct keylog_entry *keys;
	const struct suite *suite;
	struct tls_info info;
	struct tls_dir d[2];
	uint8_t server_random[32];
	uint8_t client_session_id[32];
	size_t client_session_id_len;
	bool offered_early_data;
	bool done;
	uint64_t skipped;  /* TLS 1.3 records trial decryption could not open */
	uint8_t *plain;    /* decryption output, allocated on first use */
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
	default: return NULL;
	}
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

static const struct suite *find_suite(uint16_t id)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

const char *tls_suite_name(uint16_t id)
{
	const struct suite *s = find_suite(id);
	if (s)
		return s->name;
	for (size_t i = 0; i < sizeof(other_suites) / sizeof(other_suites[0]); i++)
		if (other_suites[i].id == id)
			return other_suites[i].name;
	return NULL;
}

int tls_looks_like_client_hello(const uint8_t *p, size_t len)
{
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

static void free_keys(struct tls_dir *d)
{
	EVP_CIPHER_CTX_free(d->cipher);
	EVP_CIPHER_CTX_free(d->peek);
	EVP_MAC_CTX_free(d->mac);
	d->cipher = NULL;
	d->peek = NULL;
	d->mac = NULL;
	d->keys_ready = false;
	d->peek_ready = false;
}

/* Buffers no longer needed once the connection cannot be decrypted. */
static void release(struct tls_conn *c)
{
	for (int i = 0; i < 2; i++) {
		free_keys(&c->d[i]);
		dbuf_free(&c->d[i].rec);
		dbuf_free(&c->d[i].hs_body);
	}
	free(c->plain);
	c->plain = NULL;
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
	size_t n = c->plain ? REC_HEADER + MAX_CIPHERTEXT + 64 : 0;
	for (int i = 0; i < 2; i++)
		n += c->d[i].rec.cap + c->d[i].hs_body.cap + (c->d[i].cipher ? 1024 : 0);
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

/* ---- key schedule ---- */

static const char *digest_name(const struct suite *s) { return s->sha384 ? "SHA384" : "SHA256"; }

/* OpenSSL's key derivation `name` with params into out[len]. */
static bool kdf_derive(const char *name, const OSSL_PARAM *params, uint8_t *out, size_t len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	bool ok = kctx && EVP_KDF_derive(kctx, out, len, params) > 0;
	EVP_KDF_CTX_free(kctx);
	return ok;
}

static bool tls1_prf(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
		     const uint8_t *seed1, const uint8_t *seed2, uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed1, 32),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed2, 32),
		OSSL_PARAM_construct_end(),
	};
	return kdf_derive("TLS1-PRF", params, out, out_len);
}

/* HKDF-Expand-Label(secret, label, "", len) of RFC 8446 7.1. */
static bool hkdf_expand_label(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
			      uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t ll = 6 + strlen(label), n = 0;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)ll;
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, strlen(label));
	n += ll;
	info[n++] = 0; /* empty context */
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
		OSSL_PARAM_construct_end(),
	};
	return kdf_derive("HKDF", params, out, out_len);
}

static const EVP_CIPHER *evp_cipher(enum cipher_kind k)
{
	switch (k) {
	case C_AES128_GCM: return EVP_aes_128_gcm();
	case C_AES256_GCM: return EVP_aes_256_gcm();
	case C_CHACHA20: return EVP_chacha20_poly1305();
	case C_AES128_CBC: return EVP_aes_128_cbc();
	default: return EVP_aes_256_cbc();
	}
}

static size_t key_len(enum cipher_kind k) { return k == C_AES128_GCM || k == C_AES128_CBC ? 16 : 32; }

static const char *mac_digest(enum mac_kind m)
{
	return m == M_SHA1 ? "SHA1" : m == M_SHA256 ? "SHA256" : "SHA384";
}

static size_t mac_size(enum mac_kind m) { return m == M_SHA1 ? 20 : m == M_SHA256 ? 32 : m == M_SHA384 ? 48 : 0; }

static bool set_cipher(struct tls_dir *d, enum cipher_kind k, const uint8_t *key)
{
	if (!d->cipher)
		d->cipher = EVP_CIPHER_CTX_new();
	if (!d->cipher || EVP_DecryptInit_ex(d->cipher, evp_cipher(k), NULL, key, NULL) <= 0)
		return false;
	if (k == C_AES128_CBC || k == C_AES256_CBC)
		return EVP_CIPHER_CTX_set_padding(d->cipher, 0) > 0; /* TLS padding is checked here */
	return true;
}

/* TLS 1.3: key and IV of direction d from its current traffic secret. */
static bool tls13_keys(struct tls_conn *c, struct tls_dir *d)
{
	uint8_t key[32];
	const char *dg = digest_name(c->suite);
	if (!hkdf_expand_label(dg, d->secret, d->secret_len, "key", key, key_len(c->suite->cipher)) ||
	    !hkdf_expand_label(dg, d->secret, d->secret_len, "iv", d->iv, 12) ||
	    !set_cipher(d, c->suite->cipher, key))
		return false;
	memcpy(d->key, key, sizeof(key));
	d->peek_ready = false; /* a new key (handshake, traffic, KeyUpdate) */
	OPENSSL_cleanse(key, sizeof(key));
	d->seq = 0;
	d->keys_ready = true;
	return true;
}

static bool use_secret(struct tls_conn *c, int dir, enum keylog_secret which)
{
	struct tls_dir *d = &c->d[dir];
	size_t n = c->keys->secret_len[which];
	if (!n)
		return false;
	memcpy(d->secret, c->keys->secret[which], n);
	d->secret_len = n;
	return tls13_keys(c, d);
}

/* TLS 1.0-1.2: both directions' keys from the master secret. */
static bool tls12_keys(struct tls_conn *c)
{
	const struct suite *s = c->suite;
	size_t mac = mac_size(s->mac), key = key_len(s->cipher);
	size_t iv = s->mac == M_AEAD ? (s->cipher == C_CHACHA20 ? 12 : 4) : (c->info.version == 0x0301 ? 16 : 0);
	uint8_t block[2 * (48 + 32 + 16)];
	const char *dg = c->info.version >= 0x0303 ? digest_name(s) : "MD5-SHA1";
	if (!tls1_prf(dg, c->keys->secret[KEYLOG_MASTER], 48, "key expansion", c->server_random,
		      c->info.client_random, block, 2 * (mac + key + iv)))
		return false;
	for (int i = 0; i < 2; i++) {
		struct tls_dir *d = &c->d[i];
		const uint8_t *mk = block + i * mac, *k = block + 2 * mac + i * key, *v = block + 2 * (mac + key) + i * iv;
		if (!set_cipher(d, s->cipher, k))
			return false;
		memcpy(d->iv, v, iv);
		d->mac_len = mac;
		if (mac) {
			EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
			d->mac = m ? EVP_MAC_CTX_new(m) : NULL;
			EVP_MAC_free(m);
			OSSL_PARAM params[] = {
				OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)mac_digest(s->mac), 0),
				OSSL_PARAM_construct_end(),
			};
			if (!d->mac || EVP_MAC_init(d->mac, mk, mac, params) <= 0)
				return false;
		}
		d->keys_ready = true;
	}
	OPENSSL_cleanse(block, sizeof(block));
	return true;
}

/* Finds the secrets when the first encrypted record needs them; false
 * (and decryption stopped) when there are none or they cannot be used. */
static bool need_keys(struct tls_conn *c, int dir)
{
	if (c->d[dir].keys_ready)
		return true;
	if (!c->info.have_random || !c->info.version) {
		stop(c, TLS_NO_HANDSHAKE, TLS_FAIL_NONE);
		return false;
	}
	if (!c->keys)
		c->keys = keylog_find(c->kl, c->info.client_random);
	if (!c->keys) {
		stop(c, TLS_NO_KEY, TLS_FAIL_NONE);
		return false;
	}
	c->suite = find_suite(c->info.cipher_suite);
	if (!c->suite || c->suite->tls13 != (c->info.version == 0x0304)) {
		stop(c, TLS_FAILED, TLS_FAIL_SUITE);
		return false;
	}
	bool ok;
	if (c->suite->tls13) {
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
		ok = use_secret(c, dir, which);
	} else {
		if (!c->keys->secret_len[KEYLOG_MASTER]) {
			stop(c, TLS_NO_KEY, TLS_FAIL_NONE);
			return false;
		}
		ok = tls12_keys(c);
	}
	if (!ok) {
		stop(c, TLS_FAILED, TLS_FAIL_CRYPTO);
		return false;
	}
	if (!c->plain && !(c->plain = malloc(REC_HEADER + MAX_CIPHERTEXT + 64))) {
		stop(c, TLS_FAILED, TLS_FAIL_CRYPTO);
		return false;
	}
	return true;
}

/* ---- record protection ---- */

static void put_seq(uint8_t out[8], uint64_t seq)
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		out[i] = (uint8_t)seq;
}

/* AEAD open: nonce 12 bytes; in holds ciphertext then the tag.  Returns
 * the plaintext length or -1. */
static long aead_open(struct tls_dir *d, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		      const uint8_t *in, size_t in_len, uint8_t *out)
{
	int n = 0, fin = 0;
	if (in_len < TAG_LEN)
		return -1;
	size_t ct = in_len - TAG_LEN;
	if (EVP_DecryptInit_ex(d->cipher, NULL, NULL, NULL, nonce) <= 0 ||
	    EVP_DecryptUpdate(d->cipher, NULL, &n, aad, (int)aad_len) <= 0 ||
	    EVP_DecryptUpdate(d->cipher, out, &n, in, (int)ct) <= 0 ||
	    EVP_CIPHER_CTX_ctrl(d->cipher, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *)(in + ct)) <= 0 ||
	    EVP_DecryptFinal_ex(d->cipher, out + n, &fin) <= 0)
		return -1;
	return (long)n + fin;
}

static void xor_seq(uint8_t nonce[12], const uint8_t iv[12], uint64_t seq)
{
	memcpy(nonce, iv, 12);
	for (int i = 11; i >= 4; i--, seq >>= 8)
		nonce[i] ^= (uint8_t)seq;
}

static bool mac_ok(struct tls_dir *d, const uint8_t hdr[13], const uint8_t *data, size_t len, const uint8_t *want)
{
	uint8_t got[64];
	size_t n = 0;
	if (EVP_MAC_init(d->mac, NULL, 0, NULL) <= 0 || EVP_MAC_update(d->mac, hdr, 13) <= 0 ||
	    EVP_MAC_update(d->mac, data, len) <= 0 || EVP_MAC_final(d->mac, got, &n, sizeof(got)) <= 0)
		return false;
	return n == d->mac_len && CRYPTO_memcmp(got, want, n) == 0;
}

static void mac_header(uint8_t hdr[13], uint64_t seq, uint8_t type, const uint8_t version[2], size_t len)
{
	put_seq(hdr, seq);
	hdr[8] = type;
	hdr[9] = version[0];
	hdr[10] = version[1];
	hdr[11] = (uint8_t)(len >> 8);
	hdr[12] = (uint8_t)len;
}

/* TLS 1.0-1.2 CBC record, MAC-then-encrypt or encrypt-then-MAC. */
static long cbc_open(struct tls_conn *c, struct tls_dir *d, const uint8_t *rec, size_t len, uint8_t *out)
{
	const uint8_t *body = rec + REC_HEADER;
	size_t mac = d->mac_len, explicit_iv = c->info.version >= 0x0302 ? 16 : 0;
	uint8_t hdr[13];
	if (c->info.encrypt_then_mac) {
		if (len < explicit_iv + 16 + mac)
			return -1;
		size_t ct = len - mac;
		mac_header(hdr, d->seq, rec[0], rec + 1, ct);
		if (!mac_ok(d, hdr, body, ct, body + ct))
			return -1;
		len = ct;
	}
	if (len < explicit_iv + 16 || (len - explicit_iv) % 16)
		return -1;
	const uint8_t *iv = explicit_iv ? body : d->iv;
	size_t ct = len - explicit_iv;
	int n = 0, fin = 0;
	if (EVP_DecryptInit_ex(d->cipher, NULL, NULL, NULL, iv) <= 0 ||
	    EVP_DecryptUpdate(d->cipher, out, &n, body + explicit_iv, (int)ct) <= 0 ||
	    EVP_DecryptFinal_ex(d->cipher, out + n, &fin) <= 0)
		return -1;
	if (!explicit_iv) /* TLS 1.0 chains the IV across records */
		memcpy(d->iv, body + len - 16, 16);
	size_t pad = out[ct - 1];
	if (pad + 1 > ct)
		return -1;
	for (size_t i = 0; i <= pad; i++)
		if (out[ct - 1 - i] != pad)
			return -1;
	size_t pt = ct - pad - 1;
	if (c->info.encrypt_then_mac)
		return (long)pt;
	if (pt < mac)
		return -1;
	pt -= mac;
	mac_header(hdr, d->seq, rec[0], rec + 1, pt);
	return mac_ok(d, hdr, out, pt, out + pt) ? (long)pt : -1;
}

/* Opens one protected record into c->plain; returns the plaintext length
 * (for TLS 1.3 without the inner type, set in *type) or -1. */
static long open_record(struct tls_conn *c, struct tls_dir *d, const uint8_t *rec, size_t len, uint8_t *type)
{
	const uint8_t *body = rec + REC_HEADER;
	uint8_t nonce[12], aad[13];
	long n;
	*type = rec[0];
	if (c->suite->tls13) {
		xor_seq(nonce, d->iv, d->seq);
		n = aead_open(d, nonce, rec, REC_HEADER, body, len, c->plain);
		while (n > 0 && c->plain[n - 1] == 0) /* strip padding: the last non-zero byte is the type */
			n--;
		if (n <= 0)
			return -1;
		*type = c->plain[--n];
		return n;
	}
	if (c->suite->mac != M_AEAD)
		return cbc_open(c, d, rec, len, c->plain);
	if (c->suite->cipher == C_CHACHA20) {
		if (len < TAG_LEN)
			return -1;
		xor_seq(nonce, d->iv, d->seq);
		mac_header(aad, d->seq, rec[0], rec + 1, len - TAG_LEN);
		return aead_open(d, nonce, aad, 13, body, len, c->plain);
	}
	if (len < 8 + TAG_LEN) /* GCM: 8-byte explicit nonce, then ciphertext and tag */
		return -1;
	memcpy(nonce, d->iv, 4);
	memcpy(nonce + 4, body, 8);
	mac_header(aad, d->seq, rec[0], rec + 1, len - 8 - TAG_LEN);
	return aead_open(d, nonce, aad, 13, body + 8, len - 8, c->plain);
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

static void server_hello(struct tls_conn *c, const uint8_t *p, size_t len)
{
	struct cursor m = cur_make(p, len);
	uint16_t legacy = cur_be16(&m);
	const uint8_t *rnd = cur_take(&m, 32);
	uint8_t sid_len = cur_u8(&m);
	const uint8_t *sid = cur_take(&m, sid_len);
	uint16_t suite = cur_be16(&m);
	cur_skip(&m, 1);
	if (!cur_ok(&m) || sid_len > 32)
		return;
	if (memcmp(rnd, hrr_random, 32) == 0) { /* a HelloRetryRequest: the real ServerHello follows */
		c->info.hello_retry = true;
		return;
	}
	memcpy(c->server_random, rnd, 32);
	c->info.version = legacy;
	c->info.cipher_suite = suite;
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
		d->keys_ready = false; /* need_keys loads the traffic secret */
		d->hs_hdr_len = 0;
	} else if (d->key_update) { /* RFC 8446 7.2: the next secret from this one */
		d->key_update = false;
		uint8_t next[KEYLOG_SECRET_MAX];
		if (!hkdf_expand_label(digest_name(c->suite), d->secret, d->secret_len, "traffic upd", next,
				       d->secret_len) ||
		    (memcpy(d->secret, next, d->secret_len), !tls13_keys(c, d))) {
			stop(c, TLS_FAILED, TLS_FAIL_CRYPTO);
			return;
		}
		c->info.key_updates++;
	}
}

/* TLS 1.3 hides a record's type and padding inside it.  The keystream of
 * its last block alone (AES-GCM's counter mode, ChaCha20's block counter)
 * tells both, without opening the record: its plaintext length and type
 * into *plen and *type.  Not authenticated, so only used to skip records
 * whose content is not read; false when the last block is all padding. */
static bool peek_tls13(struct tls_conn *c, struct tls_dir *d, const uint8_t *rec, size_t len, size_t *plen,
		       uint8_t *type)
{
	if (len <= TAG_LEN)
		return false;
	size_t ct = len - TAG_LEN;
	bool chacha = c->suite->cipher == C_CHACHA20;
	size_t block = chacha ? 64 : 16, b = (ct - 1) / block, off = b * block;
	uint8_t nonce[12], iv[16];
	xor_seq(nonce, d->iv, d->seq);
	if (chacha) { /* RFC 8439: counter 1 is the first plaintext block; 32-bit little-endian, then the nonce */
		uint32_t ctr = (uint32_t)(1 + b);
		for (int i = 0; i < 4; i++)
			iv[i] = (uint8_t)(ctr >> (8 * i));
		memcpy(iv + 4, nonce, 12);
	} else { /* GCM: block i is counter IV || 2 + i (NIST SP 800-38D) */
		uint32_t ctr = (uint32_t)(2 + b);
		memcpy(iv, nonce, 12);
		for (int i = 0; i < 4; i++)
			iv[12 + i] = (uint8_t)(ctr >> (8 * (3 - i)));
	}
	if (!d->peek_ready) {
		const EVP_CIPHER *k = chacha ? EVP_chacha20()
				      : c->suite->cipher == C_AES128_GCM ? EVP_aes_128_ctr() : EVP_aes_256_ctr();
		if ((!d->peek && !(d->peek = EVP_CIPHER_CTX_new())) ||
		    EVP_DecryptInit_ex(d->peek, k, NULL, d->key, iv) <= 0)
			return false;
		d->peek_ready = true;
	} else if (EVP_DecryptInit_ex(d->peek, NULL, NULL, NULL, iv) <= 0) {
		return false;
	}
	uint8_t out[64];
	int n = 0;
	if (EVP_DecryptUpdate(d->peek, out, &n, rec + REC_HEADER + off, (int)(ct - off)) <= 0 || n != (int)(ct - off))
		return false;
	while (n > 0 && out[n - 1] == 0)
		n--;
	if (n == 0)
		return false;
	*type = out[n - 1];
	*plen = off + (size_t)n - 1;
	return true;
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
	uint64_t skippable = c->ops->skippable && d->opened ? c->ops->skippable(c->ctx, dir) : 0;
	if (skippable && c->suite->mac == M_AEAD) {
		size_t plen = 0;
		uint8_t ptype = 0;
		size_t overhead = c->suite->cipher == C_CHACHA20 ? TAG_LEN : 8 + TAG_LEN;
		bool known = c->suite->tls13 ? d->app_keys && peek_tls13(c, d, rec, len, &plen, &ptype)
					     : (ptype = rec[0], plen = len - overhead, len > overhead);
		if (known && ptype == REC_APPDATA && plen < skippable) {
			c->ops->skip(c->ctx, dir, plen);
			d->seq++;
			c->info.records_skipped++;
			return;
		}
	}
	uint8_t type;
	long n = open_record(c, d, rec, len, &type);
	if (n < 0 && c->suite->tls13 && !d->app_keys) {
		if (d->no_handshake_secret || (dir == 0 && c->offered_early_data && d->seq == 0)) {
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
	d->seq++;
	d->opened = true;
	c->info.records_decrypted++;
	c->info.decryption = TLS_DECRYPTED;
	if (d->no_handshake_secret && !d->app_keys) { /* the traffic secret opened it: handshake is over */
		d->app_keys = true;
		d->hs_hdr_len = 0;
	}
	if (type == REC_APPDATA && (c->info.version != 0x0304 || d->app_keys))
		c->ops->plaintext(c->ctx, dir, c->plain, (size_t)n, origin, frame, ts_ns);
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
		if (c->info.version && c->info.version < 0x0304)
			d->encrypted = true;
		break;
	default: /* plaintext alerts; 0-RTT data before the ServerHello */
		break;
	}
}

void tls_data(struct tls_conn *c, int dir, const uint8_t *p, size_t len, uint64_t origin, uint64_t frame,
	      uint64_t ts_ns)
{
	struct tls_dir *d = &c->d[dir];
	while (len && !c->done && !d->dead) {
		size_t need;
		const uint8_t *rec;
		if (d->rec.len == 0 && len >= REC_HEADER &&
		    (need = REC_HEADER + ((size_t)p[3] << 8 | p[4])) <= len) {
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
			need = REC_HEADER + ((size_t)d->rec.data[3] << 8 | d->rec.data[4]);
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
		if (type < REC_CCS || type > REC_APPDATA + 1 || rec[1] != 3 || need > REC_HEADER + MAX_CIPHERTEXT) {
			d->dead = true; /* not a record: framing is lost for good */
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
	c->d[dir].dead = true;
	if (c->ops->lost)
		c->ops->lost(c->ctx, dir);
}
