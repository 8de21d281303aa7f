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

/* Hex SHA-256 of a file's bytes into hex; false (err set) when unreadable. */
bool custody_file_sha256(const char *path, char hex[65], char *err, size_t errlen);
/* Writes PATH.sha256; with key_pem (an Ed25519 private key, PEM) also
 * PATH.sig.  Returns false (err set) on failure. */
bool custody_seal(const char *path, const char *key_pem, char *err, size_t errlen);

enum custody_verdict { CUSTODY_OK, CUSTODY_ABSENT, CUSTODY_MISMATCH, CUSTODY_ERROR };
/* Checks PATH.sha256 against the report's bytes. */
enum custody_verdict custody_check_sha256(const char *path, char *err, size_t errlen);
/* Checks PATH.sig with an Ed25519 public key (PEM). */
enum custody_verdict custody_check_signature(const char *path, const char *pub_pem, char *err, size_t errlen);

#endif
