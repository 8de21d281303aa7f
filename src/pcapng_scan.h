/* \summary: a bounded walk over a pcapng file's blocks, for what libpcap
 * does not hand over: Decryption Secrets Blocks (TLS key logs embedded by
 * editcap --inject-secrets or PCAPdroid) and privaudit's own consent marks
 * (an Interface Statistics Block whose only comment is "privaudit:consent"
 * or "privaudit:withdrawal"; see docs/capturing.md).
 *
 * The walk reads block headers and skips packet blocks without copying
 * them; a damaged block ends the walk quietly (frames.c, which reads the
 * packets, reports the damage with its position).
 */
#ifndef PA_PCAPNG_SCAN_H
#define PA_PCAPNG_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPNG_SECRETS_TLS 0x544c534bu /* "TLSK": NSS key log text */
#define PCAPNG_MAX_SECRETS (16u << 20) /* larger DSBs are skipped */

struct pcapng_scan_ops {
	/* A DSB's contents, at byte `offset` of the file; data NULL when the
	 * block is over PCAPNG_MAX_SECRETS (len then is its declared size). */
	void (*secrets)(void *ctx, uint32_t type, const uint8_t *data, size_t len, uint64_t offset);
	/* A consent mark: kind is "consent" or "withdrawal". */
	void (*mark)(void *ctx, const char *kind, uint64_t ts_ns, uint64_t offset);
};

/* An interface's timestamp format, from its IDB's if_tsresol and
 * if_tsoffset options (shared with frames.c, which reads the packets). */
struct pcapng_tsfmt {
	uint64_t units;   /* timestamp units per second */
	bool pow2;        /* units is a power of 2 */
	int64_t offset_s; /* if_tsoffset */
};

/* The format an IDB's options give (`opts`: the body after link type,
 * reserved and snap length); microseconds when none is given. */
void pcapng_tsfmt_read(struct pcapng_tsfmt *t, const uint8_t *opts, size_t len, bool swap);
uint64_t pcapng_ts_to_ns(const struct pcapng_tsfmt *t, uint64_t ts);

/* Walks the pcapng file open on fd (read with pread: the file position is
 * left alone).  Returns the number of blocks walked. */
uint64_t pcapng_scan(int fd, const struct pcapng_scan_ops *ops, void *ctx);

#endif
