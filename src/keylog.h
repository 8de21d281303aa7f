/* \summary: TLS secrets from NSS key log files ("SSLKEYLOGFILE") and from
 * pcapng Decryption Secrets Blocks, indexed by ClientHello random.
 *
 * Lines: "LABEL <client_random hex 64> <secret hex>", labels CLIENT_RANDOM
 * (the TLS 1.2 master secret, 48 bytes) and the TLS 1.3 traffic secrets
 * (32 or 48 bytes); lines with other labels (EXPORTER_SECRET, ...) are
 * ignored, as are comments (#) and blank lines.  A malformed line is
 * reported as "FILE:LINE: why" and skipped; the rest of the file is used.
 * Files are remembered so that keylog_refresh picks up lines appended later
 * (an emulator writes its key log during the session).
 */
#ifndef PA_KEYLOG_H
#define PA_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum keylog_secret {
	KEYLOG_MASTER,           /* CLIENT_RANDOM: TLS 1.2 and earlier */
	KEYLOG_CLIENT_HANDSHAKE, /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	KEYLOG_SERVER_HANDSHAKE, /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	KEYLOG_CLIENT_TRAFFIC0,  /* CLIENT_TRAFFIC_SECRET_0 */
	KEYLOG_SERVER_TRAFFIC0,  /* SERVER_TRAFFIC_SECRET_0 */
	KEYLOG_SECRET_COUNT
};

#define KEYLOG_RANDOM_LEN 32
#define KEYLOG_SECRET_MAX 48

struct keylog_entry {
	uint8_t random[KEYLOG_RANDOM_LEN];
	uint8_t secret[KEYLOG_SECRET_COUNT][KEYLOG_SECRET_MAX];
	uint8_t secret_len[KEYLOG_SECRET_COUNT]; /* 0: not known */
};

struct keylog;

/* Called with each new, valid line (no line end) as it is accepted from a
 * file, e.g. to write it into a capture's Decryption Secrets Block. */
typedef void (*keylog_line_fn)(void *ctx, const char *line, size_t len);

struct keylog *keylog_new(void);
void keylog_free(struct keylog *kl);
void keylog_set_sink(struct keylog *kl, keylog_line_fn fn, void *ctx);

/* Reads a key log file and remembers it for keylog_refresh.  Returns the
 * number of secrets learnt, or -1 (error printed) when it cannot be read. */
long keylog_add_file(struct keylog *kl, const char *path);
/* Key log text from memory (a pcapng DSB); `source` names it in warnings
 * (e.g. "capture.pcapng: DSB at byte 128").  Returns the secrets learnt. */
size_t keylog_add_text(struct keylog *kl, const char *text, size_t len, const char *source);
/* Reads the complete lines appended to the files since the last read;
 * returns the secrets learnt (0 when nothing changed). */
size_t keylog_refresh(struct keylog *kl);

const struct keylog_entry *keylog_find(const struct keylog *kl, const uint8_t random[KEYLOG_RANDOM_LEN]);
size_t keylog_entries(const struct keylog *kl);
/* Appends the entry's secrets as key log lines ("LABEL random secret\n")
 * to buf (up to cap bytes, NUL-terminated); returns the length needed. */
size_t keylog_format(const struct keylog_entry *e, char *buf, size_t cap);

#endif
