/* \summary: a small pcapng writer (draft-ietf-opsawg-pcapng): Section
 * Header, Interface Description, Enhanced Packet, Interface Statistics and
 * Decryption Secrets Blocks, in host byte order, through a stdio buffer,
 * with the file's SHA-256 computed as the bytes are written.
 *
 *   pcapng_out_create / pcapng_out_open -> SHB
 *   pcapng_out_create_deferred           -> SHB at close, with the comments
 *                                           given by pcapng_out_shb_comment
 *   pcapng_out_idb    -> interface 0, 1, ... (if_tsresol 9: every
 *                        timestamp given to this module is in nanoseconds)
 *   pcapng_out_epb / _dsb / _isb ...
 *   pcapng_out_close  -> the file's SHA-256
 *
 * Errors are sticky: the first failed write (or allocation) is kept as an
 * errno value, later calls do nothing, and every call returns -1 from then
 * on.  The module never prints; callers name the file in their message.
 */
#ifndef PA_PCAPNG_OUT_H
#define PA_PCAPNG_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define PCAPNG_SECRETS_TLS_KEYLOG 0x544c534bu /* DSB secrets type "TLSK": NSS key log text */

struct pcapng_out;

/* Creates (or truncates) path with the given permission bits (before the
 * umask) and writes the Section Header.  NULL with errno set on failure. */
struct pcapng_out *pcapng_out_create(const char *path, mode_t mode);
/* The same on a stream the caller opened; the writer owns it from now on
 * (pcapng_out_close closes it). */
struct pcapng_out *pcapng_out_open(FILE *fp);

/* Like pcapng_out_create (path is created at once), but the Section Header
 * is written when the file is closed, so that its comments can describe
 * the packets (a carved file's frame map): until then blocks go to an
 * unlinked temporary file in path's directory, and pcapng_out_close copies
 * them after the header.  The disk holds the blocks twice for a moment;
 * memory holds only the comments. */
struct pcapng_out *pcapng_out_create_deferred(const char *path, mode_t mode);
/* A section comment (opt_comment; at most 65535 bytes kept) for a deferred
 * writer's header.  -1 with EINVAL when the header is already written. */
int pcapng_out_shb_comment(struct pcapng_out *o, const char *text, size_t len);

/* Adds an interface of libpcap link type `dlt`; name (if_name) may be NULL.
 * Returns its interface id, or -1. */
int pcapng_out_idb(struct pcapng_out *o, int dlt, uint32_t snaplen, const char *name);
/* The same with the capture filter that chose its packets (if_filter). */
int pcapng_out_idb_filtered(struct pcapng_out *o, int dlt, uint32_t snaplen, const char *name, const char *filter);

/* A packet of interface iface at ts_ns; comment (opt_comment, clen bytes)
 * may be NULL. */
int pcapng_out_epb(struct pcapng_out *o, uint32_t iface, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		   uint32_t wirelen, const char *comment, uint16_t clen);

/* A Decryption Secrets Block of `type` (PCAPNG_SECRETS_TLS_KEYLOG). */
int pcapng_out_dsb(struct pcapng_out *o, uint32_t type, const void *data, size_t len);

/* Interface statistics; each field is written only when its has_ flag is set. */
struct pcapng_isb_stats {
	bool has_start, has_end, has_recv, has_drop;
	uint64_t start_ns, end_ns; /* isb_starttime, isb_endtime */
	uint64_t recv, drop;       /* isb_ifrecv, isb_ifdrop */
};
/* An Interface Statistics Block of interface iface at ts_ns, with an
 * optional comment (written first) and optional statistics. */
int pcapng_out_isb(struct pcapng_out *o, uint32_t iface, uint64_t ts_ns, const char *comment,
		   const struct pcapng_isb_stats *st);

/* Bytes written so far (the file's size once flushed; a deferred writer's
 * Section Header is not counted until it is written). */
uint64_t pcapng_out_size(const struct pcapng_out *o);
/* Pushes buffered bytes to the file. */
int pcapng_out_flush(struct pcapng_out *o);
/* errno of the first failure, 0 if none. */
int pcapng_out_error(const struct pcapng_out *o);
/* Flushes and closes; when hex is given and nothing failed, the file's
 * SHA-256 (64 hex digits and a NUL) goes there.  Frees o.  Returns 0, or -1
 * with errno set to the first failure. */
int pcapng_out_close(struct pcapng_out *o, char hex[65]);

#endif
