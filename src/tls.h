/* \summary: passive TLS decryption of one TCP connection (RFC 5246, RFC
 * 8446) with secrets from a key log.
 *
 * Records are reassembled across TCP segments (a record wholly inside a
 * segment is decrypted from the packet, only split records are copied);
 * the ClientHello and ServerHello are parsed for the random, version,
 * cipher suite, SNI, ALPN and encrypt-then-MAC; the key schedule (TLS 1.2
 * PRF, TLS 1.3 HKDF) and the record ciphers come from OpenSSL's libcrypto.
 * Supported: TLS 1.3 AES-GCM, AES-CCM(_8) and ChaCha20-Poly1305 (with
 * KeyUpdate, a HelloRetryRequest, an encrypted handshake skipped when its
 * secrets are missing); SSL 3.0 and TLS 1.0-1.2 with every suite of
 * tls_crypto.c whatever its key exchange (RSA, (EC)DH(E), PSK, SRP; resumed
 * sessions alike: the key log has the master secret of each client random),
 * including export and NULL-cipher suites; an SSLv2-format ClientHello;
 * TLS-level DEFLATE compression (RFC 3749: one zlib stream per direction,
 * every record after ChangeCipherSpec inflated, at most 2^14 bytes a record
 * and DECOMP_DEFAULT_MAX_RATIO output bytes per compressed byte).
 *
 * A record that fails authentication ends decryption of the connection
 * (wrong keys): it is counted and nothing of it is handed on.  Without a
 * key the connection is let go at its first protected record, except for a
 * NULL-cipher suite: its records are plaintext and are read all the same,
 * their MAC unchecked (tls_info.mac_unchecked).
 */
#ifndef PA_TLS_H
#define PA_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keylog.h"

enum tls_decryption {
	TLS_PENDING,      /* no encrypted record seen yet */
	TLS_DECRYPTED,    /* records were decrypted */
	TLS_NO_KEY,       /* the key log has no secret for this connection */
	TLS_FAILED,       /* wrong key, or a cipher suite not supported */
	TLS_NO_HANDSHAKE, /* the capture missed the hellos (started mid-connection, or a gap) */
};
const char *tls_decryption_name(enum tls_decryption d);

enum tls_failure {
	TLS_FAIL_NONE,
	TLS_FAIL_AUTH,               /* a record did not authenticate: wrong keys */
	TLS_FAIL_SUITE,              /* a cipher suite privaudit does not know */
	TLS_FAIL_CRYPTO,             /* libcrypto refused the keys */
	TLS_FAIL_VERSION,            /* a version other than SSL 3.0 - TLS 1.3 */
	TLS_FAIL_CIPHER_UNAVAILABLE, /* a known suite whose cipher this OpenSSL lacks */
	TLS_FAIL_COMPRESSION,        /* a compression method other than null and DEFLATE */
	TLS_FAIL_DECOMPRESSION,      /* a DEFLATE record that is corrupt or over the caps */
};
#define TLS_FAIL_COUNT (TLS_FAIL_DECOMPRESSION + 1)
const char *tls_failure_name(enum tls_failure f);

struct tls_info {
	uint16_t version;      /* negotiated: 0x0300 SSL 3.0 ... 0x0304 TLS 1.3; 0 unknown */
	uint16_t cipher_suite; /* 0 unknown */
	uint8_t compression;   /* the ServerHello's compression method: 0 null, 1 DEFLATE */
	bool have_random;
	bool sslv2_hello;      /* the ClientHello came in SSL 2.0 record format */
	bool mac_unchecked;    /* NULL-cipher records read without the master secret */
	bool hello_retry;
	bool resumed;          /* TLS 1.2 abbreviated handshake */
	bool encrypt_then_mac;
	uint8_t client_random[KEYLOG_RANDOM_LEN];
	char sni[256];         /* "" when absent */
	char alpn[64];         /* the server's choice, "" when none */
	enum tls_decryption decryption;
	enum tls_failure failure;
	uint64_t records_decrypted, records_failed;
	uint64_t records_skipped; /* response-body records not opened (nothing to read in them) */
	uint32_t key_updates;
	uint8_t directions_lost;  /* record streams given up: a gap, or bytes that are not TLS records */
};

struct tls_ops {
	/* Decrypted application data of direction dir; `origin` is the frame
	 * that carried the record's last byte, `frame`/`ts_ns` the packet being
	 * processed (as in reasm_ops). */
	void (*plaintext)(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t origin, uint64_t frame,
			  uint64_t ts_ns);
	/* Application data of direction dir that will not be decrypted after
	 * all (a failed record, a gap): the consumer must resynchronise. */
	void (*lost)(void *ctx, int dir);
	/* May be NULL.  How many coming plaintext bytes of dir the consumer
	 * would only count (a response body); skip(ctx, dir, n) hands it n of
	 * them without their content. */
	uint64_t (*skippable)(void *ctx, int dir);
	void (*skip)(void *ctx, int dir, uint64_t n);
};

struct tls_conn;

struct tls_conn *tls_new(const struct tls_ops *ops, void *ctx, const struct keylog *kl);
void tls_free(struct tls_conn *c);
/* In-order TCP bytes of direction dir, carried by `origin`. */
void tls_data(struct tls_conn *c, int dir, const uint8_t *data, size_t len, uint64_t origin, uint64_t frame,
	      uint64_t ts_ns);
/* Bytes of direction dir were never captured: record framing is lost. */
void tls_gap(struct tls_conn *c, int dir);
/* The connection ended: settles a status still pending. */
void tls_end(struct tls_conn *c);
/* True when nothing more can be decrypted: the caller may stop feeding it. */
bool tls_done(const struct tls_conn *c);
const struct tls_info *tls_info(const struct tls_conn *c);
size_t tls_memory(const struct tls_conn *c);

/* Does data start like a TLS ClientHello record? 1 yes, 0 no, -1 too
 * short to tell. */
int tls_looks_like_client_hello(const uint8_t *data, size_t len);

/* "deflate", or "0xNN" into buf for another method; NULL for null. */
const char *tls_compression_name(uint8_t method, char buf[8]);

/* "TLS 1.2", ...; NULL when unknown. */
const char *tls_version_name(uint16_t v);
/* The IANA name of a suite privaudit knows ("TLS_AES_128_GCM_SHA256"),
 * else NULL. */
const char *tls_suite_name(uint16_t suite);

#endif
