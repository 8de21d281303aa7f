/* \summary: TLS record protection, for tls.c: the cipher suites privaudit
 * decrypts, their key schedules (SSL 3.0 MD5/SHA-1 key block, TLS 1.0-1.2
 * PRF, export key derivation, TLS 1.3 HKDF-Expand-Label) and opening a
 * record (stream, CBC, GCM, CCM, ChaCha20-Poly1305 or NULL bulk cipher;
 * HMAC or SSL 3.0 MAC), all with OpenSSL's libcrypto.  One `struct
 * tls_keys` per direction.
 *
 * With a key log the key exchange does not matter, so a suite is only its
 * bulk cipher, MAC and PRF hash (the table follows Wireshark's
 * packet-tls-utils.c and OpenSSL's tls1.h).  RC4, RC2, single DES and SEED
 * live in OpenSSL 3's legacy provider: it is loaded into a private library
 * context the first time such a suite is met, so the rest of the process
 * keeps the default algorithms only.  A cipher this OpenSSL lacks (IDEA on
 * Debian, or the legacy provider not installed) makes its suites
 * unavailable rather than failed.
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

enum cipher_kind {
	C_NULL,
	C_RC4,
	C_RC2_CBC,
	C_DES_CBC,
	C_3DES_CBC,
	C_IDEA_CBC,
	C_SEED_CBC,
	C_AES128_CBC,
	C_AES256_CBC,
	C_CAMELLIA128_CBC,
	C_CAMELLIA256_CBC,
	C_AES128_GCM,
	C_AES256_GCM,
	C_ARIA128_GCM,
	C_ARIA256_GCM,
	C_AES128_CCM,
	C_AES256_CCM,
	C_AES128_CCM8,
	C_AES256_CCM8,
	C_CHACHA20,
};
enum cipher_mode { MODE_NULL, MODE_STREAM, MODE_CBC, MODE_GCM, MODE_CCM, MODE_CHACHA };
enum mac_kind { M_AEAD, M_MD5, M_SHA1, M_SHA256, M_SHA384 };

struct tls_suite {
	uint16_t id;
	bool tls13;
	uint8_t cipher;     /* enum cipher_kind */
	uint8_t mac;        /* enum mac_kind */
	bool sha384;        /* TLS 1.2 PRF / TLS 1.3 HKDF hash: SHA-384, else SHA-256 */
	uint8_t export_key; /* export suites: secret key bytes in the key block (5), else 0 */
	const char *name;
};

/* NULL when privaudit does not know the suite. */
const struct tls_suite *tls_suite_find(uint16_t id);
enum cipher_mode tls_suite_mode(const struct tls_suite *s);
/* AEAD suites: the tag length (16, or 8 for CCM_8); 0 otherwise. */
size_t tls_suite_tag_len(const struct tls_suite *s);
/* Can this OpenSSL provide the suite's bulk cipher? */
bool tls_suite_available(const struct tls_suite *s);

/* The keys of one direction. */
struct tls_keys {
	EVP_CIPHER_CTX *cipher;   /* NULL for the NULL cipher */
	EVP_MAC_CTX *mac;         /* TLS HMAC (stream, CBC and NULL suites) */
	EVP_CIPHER_CTX *peek;     /* TLS 1.3: the keystream alone (CTR / ChaCha20) */
	uint8_t iv[16];           /* GCM/CCM salt, ChaCha/TLS 1.3 IV, TLS 1.0 / SSL 3.0 CBC chain */
	uint8_t key[32];          /* TLS 1.3: the record key, for peeking */
	uint8_t mac_key[48];      /* SSL 3.0: its MAC is not HMAC */
	uint8_t secret[KEYLOG_SECRET_MAX]; /* TLS 1.3: the current traffic secret */
	size_t secret_len, mac_len;
	uint64_t seq;             /* the next record's sequence number */
	bool ready, peek_ready;
	bool mac_unchecked;       /* NULL cipher read without the master secret */
};

/* TLS 1.3: keys from a traffic secret (sequence number 0). */
bool tls_keys_tls13(struct tls_keys *k, const struct tls_suite *s, const uint8_t *secret, size_t len);
/* TLS 1.3 KeyUpdate (RFC 8446 7.2): the next secret from this one. */
bool tls_keys_update(struct tls_keys *k, const struct tls_suite *s);
/* SSL 3.0 - TLS 1.2: both directions' keys from the master secret. */
bool tls_keys_tls12(struct tls_keys *client, struct tls_keys *server, const struct tls_suite *s, uint16_t version,
		    const uint8_t master[48], const uint8_t client_random[32], const uint8_t server_random[32]);
/* A NULL-cipher suite without its master secret: records are read as
 * plaintext and their MAC is stripped unchecked. */
void tls_keys_unchecked(struct tls_keys *client, struct tls_keys *server, const struct tls_suite *s);
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
 * whose content is not read; false when the last block is all padding, or
 * for CCM. */
bool tls_keys_peek(struct tls_keys *k, const struct tls_suite *s, const uint8_t *rec, size_t len, size_t *plen,
		   uint8_t *type);
/* Frees the contexts and wipes the keys. */
void tls_keys_free(struct tls_keys *k);

#endif
