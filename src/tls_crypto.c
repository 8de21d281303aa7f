/* \summary: TLS record protection with OpenSSL's libcrypto (see tls_crypto.h). */
#include "tls_crypto.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <string.h>

#include "tls.h"

static const struct tls_suite suites[] = {
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


const struct tls_suite *tls_suite_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

const char *tls_suite_name(uint16_t id)
{
	const struct tls_suite *s = tls_suite_find(id);
	if (s)
		return s->name;
	for (size_t i = 0; i < sizeof(other_suites) / sizeof(other_suites[0]); i++)
		if (other_suites[i].id == id)
			return other_suites[i].name;
	return NULL;
}


static const char *digest_name(const struct tls_suite *s) { return s->sha384 ? "SHA384" : "SHA256"; }

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

static bool set_cipher(struct tls_keys *k, enum cipher_kind kind, const uint8_t *key)
{
	if (!k->cipher)
		k->cipher = EVP_CIPHER_CTX_new();
	if (!k->cipher || EVP_DecryptInit_ex(k->cipher, evp_cipher(kind), NULL, key, NULL) <= 0)
		return false;
	if (kind == C_AES128_CBC || kind == C_AES256_CBC)
		return EVP_CIPHER_CTX_set_padding(k->cipher, 0) > 0; /* TLS padding is checked here */
	return true;
}

/* TLS 1.3: key and IV from the current traffic secret. */
static bool tls13_keys(struct tls_keys *k, const struct tls_suite *s)
{
	uint8_t key[32];
	const char *dg = digest_name(s);
	if (!hkdf_expand_label(dg, k->secret, k->secret_len, "key", key, key_len(s->cipher)) ||
	    !hkdf_expand_label(dg, k->secret, k->secret_len, "iv", k->iv, 12) || !set_cipher(k, s->cipher, key))
		return false;
	memcpy(k->key, key, sizeof(key));
	k->peek_ready = false; /* a new key (handshake, traffic, KeyUpdate) */
	OPENSSL_cleanse(key, sizeof(key));
	k->seq = 0;
	k->ready = true;
	return true;
}

bool tls_keys_tls13(struct tls_keys *k, const struct tls_suite *s, const uint8_t *secret, size_t len)
{
	if (!len || len > sizeof(k->secret))
		return false;
	memcpy(k->secret, secret, len);
	k->secret_len = len;
	return tls13_keys(k, s);
}

bool tls_keys_update(struct tls_keys *k, const struct tls_suite *s)
{
	uint8_t next[KEYLOG_SECRET_MAX];
	if (!hkdf_expand_label(digest_name(s), k->secret, k->secret_len, "traffic upd", next, k->secret_len))
		return false;
	memcpy(k->secret, next, k->secret_len);
	OPENSSL_cleanse(next, sizeof(next));
	return tls13_keys(k, s);
}

bool tls_keys_tls12(struct tls_keys *client, struct tls_keys *server, const struct tls_suite *s, uint16_t version,
		    const uint8_t master[48], const uint8_t client_random[32], const uint8_t server_random[32])
{
	size_t mac = mac_size(s->mac), key = key_len(s->cipher);
	size_t iv = s->mac == M_AEAD ? (s->cipher == C_CHACHA20 ? 12 : 4) : (version == 0x0301 ? 16 : 0);
	uint8_t block[2 * (48 + 32 + 16)];
	const char *dg = version >= 0x0303 ? digest_name(s) : "MD5-SHA1";
	if (!tls1_prf(dg, master, 48, "key expansion", server_random, client_random, block, 2 * (mac + key + iv)))
		return false;
	struct tls_keys *ks[2] = { client, server };
	for (int i = 0; i < 2; i++) {
		struct tls_keys *k = ks[i];
		const uint8_t *mk = block + i * mac, *ek = block + 2 * mac + i * key, *v = block + 2 * (mac + key) + i * iv;
		if (!set_cipher(k, s->cipher, ek))
			return false;
		memcpy(k->iv, v, iv);
		k->mac_len = mac;
		if (mac) {
			EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
			k->mac = m ? EVP_MAC_CTX_new(m) : NULL;
			EVP_MAC_free(m);
			OSSL_PARAM params[] = {
				OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)mac_digest(s->mac), 0),
				OSSL_PARAM_construct_end(),
			};
			if (!k->mac || EVP_MAC_init(k->mac, mk, mac, params) <= 0)
				return false;
		}
		k->ready = true;
	}
	OPENSSL_cleanse(block, sizeof(block));
	return true;
}

void tls_keys_free(struct tls_keys *k)
{
	EVP_CIPHER_CTX_free(k->cipher);
	EVP_CIPHER_CTX_free(k->peek);
	EVP_MAC_CTX_free(k->mac);
	OPENSSL_cleanse(k, sizeof(*k));
}


static void put_seq(uint8_t out[8], uint64_t seq)
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		out[i] = (uint8_t)seq;
}

/* AEAD open: nonce 12 bytes; in holds ciphertext then the tag.  Returns
 * the plaintext length or -1. */
static long aead_open(struct tls_keys *k, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		      const uint8_t *in, size_t in_len, uint8_t *out)
{
	int n = 0, fin = 0;
	if (in_len < TAG_LEN)
		return -1;
	size_t ct = in_len - TAG_LEN;
	if (EVP_DecryptInit_ex(k->cipher, NULL, NULL, NULL, nonce) <= 0 ||
	    EVP_DecryptUpdate(k->cipher, NULL, &n, aad, (int)aad_len) <= 0 ||
	    EVP_DecryptUpdate(k->cipher, out, &n, in, (int)ct) <= 0 ||
	    EVP_CIPHER_CTX_ctrl(k->cipher, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *)(in + ct)) <= 0 ||
	    EVP_DecryptFinal_ex(k->cipher, out + n, &fin) <= 0)
		return -1;
	return (long)n + fin;
}

static void xor_seq(uint8_t nonce[12], const uint8_t iv[12], uint64_t seq)
{
	memcpy(nonce, iv, 12);
	for (int i = 11; i >= 4; i--, seq >>= 8)
		nonce[i] ^= (uint8_t)seq;
}

static bool mac_ok(struct tls_keys *k, const uint8_t hdr[13], const uint8_t *data, size_t len, const uint8_t *want)
{
	uint8_t got[64];
	size_t n = 0;
	if (EVP_MAC_init(k->mac, NULL, 0, NULL) <= 0 || EVP_MAC_update(k->mac, hdr, 13) <= 0 ||
	    EVP_MAC_update(k->mac, data, len) <= 0 || EVP_MAC_final(k->mac, got, &n, sizeof(got)) <= 0)
		return false;
	return n == k->mac_len && CRYPTO_memcmp(got, want, n) == 0;
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
static long cbc_open(struct tls_keys *k, uint16_t version, bool etm, const uint8_t *rec, size_t len, uint8_t *out)
{
	const uint8_t *body = rec + REC_HEADER;
	size_t mac = k->mac_len, explicit_iv = version >= 0x0302 ? 16 : 0;
	uint8_t hdr[13];
	if (etm) {
		if (len < explicit_iv + 16 + mac)
			return -1;
		size_t ct = len - mac;
		mac_header(hdr, k->seq, rec[0], rec + 1, ct);
		if (!mac_ok(k, hdr, body, ct, body + ct))
			return -1;
		len = ct;
	}
	if (len < explicit_iv + 16 || (len - explicit_iv) % 16)
		return -1;
	const uint8_t *iv = explicit_iv ? body : k->iv;
	size_t ct = len - explicit_iv;
	int n = 0, fin = 0;
	if (EVP_DecryptInit_ex(k->cipher, NULL, NULL, NULL, iv) <= 0 ||
	    EVP_DecryptUpdate(k->cipher, out, &n, body + explicit_iv, (int)ct) <= 0 ||
	    EVP_DecryptFinal_ex(k->cipher, out + n, &fin) <= 0)
		return -1;
	if (!explicit_iv) /* TLS 1.0 chains the IV across records */
		memcpy(k->iv, body + len - 16, 16);
	size_t pad = out[ct - 1];
	if (pad + 1 > ct)
		return -1;
	for (size_t i = 0; i <= pad; i++)
		if (out[ct - 1 - i] != pad)
			return -1;
	size_t pt = ct - pad - 1;
	if (etm)
		return (long)pt;
	if (pt < mac)
		return -1;
	pt -= mac;
	mac_header(hdr, k->seq, rec[0], rec + 1, pt);
	return mac_ok(k, hdr, out, pt, out + pt) ? (long)pt : -1;
}

long tls_keys_open(struct tls_keys *k, const struct tls_suite *s, uint16_t version, bool etm, const uint8_t *rec,
		   size_t len, uint8_t *out, uint8_t *type)
{
	const uint8_t *body = rec + REC_HEADER;
	uint8_t nonce[12], aad[13];
	long n;
	*type = rec[0];
	if (s->tls13) {
		xor_seq(nonce, k->iv, k->seq);
		n = aead_open(k, nonce, rec, REC_HEADER, body, len, out);
		while (n > 0 && out[n - 1] == 0) /* strip padding: the last non-zero byte is the type */
			n--;
		if (n <= 0)
			return -1;
		*type = out[--n];
		return n;
	}
	if (s->mac != M_AEAD)
		return cbc_open(k, version, etm, rec, len, out);
	if (s->cipher == C_CHACHA20) {
		if (len < TAG_LEN)
			return -1;
		xor_seq(nonce, k->iv, k->seq);
		mac_header(aad, k->seq, rec[0], rec + 1, len - TAG_LEN);
		return aead_open(k, nonce, aad, 13, body, len, out);
	}
	if (len < 8 + TAG_LEN) /* GCM: 8-byte explicit nonce, then ciphertext and tag */
		return -1;
	memcpy(nonce, k->iv, 4);
	memcpy(nonce + 4, body, 8);
	mac_header(aad, k->seq, rec[0], rec + 1, len - 8 - TAG_LEN);
	return aead_open(k, nonce, aad, 13, body + 8, len - 8, out);
}

bool tls_keys_peek(struct tls_keys *k, const struct tls_suite *s, const uint8_t *rec, size_t len, size_t *plen,
		   uint8_t *type)
{
	if (len <= TAG_LEN)
		return false;
	size_t ct = len - TAG_LEN;
	bool chacha = s->cipher == C_CHACHA20;
	size_t block = chacha ? 64 : 16, b = (ct - 1) / block, off = b * block;
	uint8_t nonce[12], iv[16];
	xor_seq(nonce, k->iv, k->seq);
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
	if (!k->peek_ready) {
		const EVP_CIPHER *stream = chacha ? EVP_chacha20()
					   : s->cipher == C_AES128_GCM ? EVP_aes_128_ctr() : EVP_aes_256_ctr();
		if ((!k->peek && !(k->peek = EVP_CIPHER_CTX_new())) ||
		    EVP_DecryptInit_ex(k->peek, stream, NULL, k->key, iv) <= 0)
			return false;
		k->peek_ready = true;
	} else if (EVP_DecryptInit_ex(k->peek, NULL, NULL, NULL, iv) <= 0) {
		return false;
	}
	uint8_t out[64];
	int n = 0;
	if (EVP_DecryptUpdate(k->peek, out, &n, rec + REC_HEADER + off, (int)(ct - off)) <= 0 || n != (int)(ct - off))
		return false;
	while (n > 0 && out[n - 1] == 0)
		n--;
	if (n == 0)
		return false;
	*type = out[n - 1];
	*plen = off + (size_t)n - 1;
	return true;
}

