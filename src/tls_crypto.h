/* \summary: TLS record protection, for tls.c: the cipher suites privaudit
 * decrypts, their key schedules (TLS 1.0-1.2 PRF, TLS 1.3 HKDF-Expand-Label)
 * and opening a record, all with OpenSSL's libcrypto (EVP_KDF, EVP AEAD,
 * AES-CBC with EVP_MAC HMAC).  One `struct tls_keys` per direction.
 */
#ifndef PA_TLS_CRYPTO_H
#define PA_TLS_CRYPTO_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keylog.h"

#define REC_HEADER 5
#define TAG_LEN 16

enum cipher_kind { C_AES128_GCM, C_AES256_GCM, C_CHACHA20, C_AES128_CBC, C_AES256_CBC };
enum mac_kind { M_AEAD, M_SHA1, M_SHA256, M_SHA384 };

struct tls_suite {
	uint16_t id;
	bool tls13;
	enum cipher_kind cipher;
	enum mac_kind mac;
	bool sha384; /* PRF / HKDF hash */
	const char *name;
};

/* NULL when privaudit cannot decrypt the suite. */
const struct tls_suite *tls_suite_find(uint16_t id);

/* The keys of one direction. */
struct tls_keys {
	EVP_CIPHER_CTX *cipher;
	EVP_MAC_CTX *mac;         /* CBC suites */
	EVP_CIPHER_CTX *peek;     /* TLS 1.3: the keystream alone (CTR / ChaCha20) */
	uint8_t iv[16];           /* GCM salt, ChaCha/TLS 1.3 IV, TLS 1.0 CBC chain */
	uint8_t key[32];          /* TLS 1.3: the record key, for peeking */
	uint8_t secret[KEYLOG_SECRET_MAX]; /* TLS 1.3: the current traffic secret */
	size_t secret_len, mac_len;
	uint64_t seq;             /* the next record's sequence number */
	bool ready, peek_ready;
};

/* TLS 1.3: keys from a traffic secret (sequence number 0). */
bool tls_keys_tls13(struct tls_keys *k, const struct tls_suite *s, const uint8_t *secret, size_t len);
/* TLS 1.3 KeyUpdate (RFC 8446 7.2): the next secret from this one. */
bool tls_keys_update(struct tls_keys *k, const struct tls_suite *s);
/* TLS 1.0-1.2: both directions' keys from the master secret. */
bool tls_keys_tls12(struct tls_keys *client, struct tls_keys *server, const struct tls_suite *s, uint16_t version,
		    const uint8_t master[48], const uint8_t client_random[32], const uint8_t server_random[32]);
/* Opens one protected record (rec: header then `len` bytes) into out;
 * returns the plaintext length (TLS 1.3: without its inner type, which goes
 * to *type; otherwise *type is the header's) or -1 when it does not
 * authenticate.  The caller advances k->seq. */
long tls_keys_open(struct tls_keys *k, const struct tls_suite *s, uint16_t version, bool etm, const uint8_t *rec,
		   size_t len, uint8_t *out, uint8_t *type);
/* TLS 1.3 hides a record's type and padding inside it.  The keystream of
 * its last block alone (AES-GCM's counter mode, ChaCha20's block counter)
 * tells both without opening the record: its plaintext length and type
 * into *plen and *type.  Not authenticated, so only used to skip records
 * whose content is not read; false when the last block is all padding. */
bool tls_keys_peek(struct tls_keys *k, const struct tls_suite *s, const uint8_t *rec, size_t len, size_t *plen,
		   uint8_t *type);
/* Frees the contexts and wipes the keys. */
void tls_keys_free(struct tls_keys *k);

#endif
