/* \summary: a report's integrity: REPORT.sha256 (sha256sum's format, so
 * `sha256sum -c` checks it) and, with a key, REPORT.sig, an Ed25519
 * signature of the report's bytes (OpenSSL libcrypto; `openssl pkeyutl
 * -verify -pubin -inkey KEY.pub -rawin -in REPORT -sigfile REPORT.sig`
 * checks it).  Consumes a written report file; produces the files beside
 * it, or a verdict on them.  Errors are returned as one line in `err`. */
#ifndef PA_CUSTODY_H
#define PA_CUSTODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Hex SHA-256 of a file's bytes into hex; false (err set) when unreadable. */
bool custody_file_sha256(const char *path, char hex[65], char *err, size_t errlen);
/* What seals a report: PATH.sha256 and, with a key, PATH.sig, opened (and
 * the key read) when the report is opened, so that a capture that drops
 * its privileges can still write them where only root could create them. */
struct custody_seal {
	FILE *sum;
	FILE *sig;
	void *key; /* EVP_PKEY, Ed25519 */
	char *name; /* the report's base name, as sha256sum writes it */
};
/* Opens PATH.sha256 (and PATH.sig, reading key_pem, an Ed25519 private key
 * in PEM, when not NULL).  False (err set, nothing left open) on failure. */
bool custody_seal_open(struct custody_seal *s, const char *path, const char *key_pem, char *err, size_t errlen);
/* Hashes (and signs) the written report, read back from its start through
 * the same stream (opened "w+"), into the seal's files. */
bool custody_seal_write(struct custody_seal *s, FILE *report, char *err, size_t errlen);
void custody_seal_close(struct custody_seal *s);

enum custody_verdict { CUSTODY_OK, CUSTODY_ABSENT, CUSTODY_MISMATCH, CUSTODY_ERROR };
/* Checks PATH.sha256 against the report's bytes. */
enum custody_verdict custody_check_sha256(const char *path, char *err, size_t errlen);
/* Checks PATH.sig with an Ed25519 public key (PEM). */
enum custody_verdict custody_check_signature(const char *path, const char *pub_pem, char *err, size_t errlen);

#endif
