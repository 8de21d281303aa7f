/* \summary: capture sources: files, directories and standard input, read
 * with libpcap (pcap and pcapng, nanosecond timestamps), each file hashed
 * (SHA-256) for the report while it is read.
 */
#ifndef PA_CAPTURE_H
#define PA_CAPTURE_H

#include <stddef.h>

struct audit;

struct path_list {
	char **v;
	size_t n, cap;
};

/* Expands command-line operands: a file or "-" as is; a directory
 * recursively, entries in byte order of their names, hidden entries skipped,
 * a file taken when its name ends in .pcap, .pcapng or .cap or its first
 * bytes are a pcap/pcapng magic (so key logs and notes beside captures are
 * not audited, while a damaged capture still is, and fails visibly).  A
 * missing path is kept, so that reading it reports the error in order.
 * Returns 0, or -1 on OOM. */
int capture_expand(const char *const *operands, size_t n, struct path_list *out);
void path_list_free(struct path_list *l);

/* Reads one capture into the audit: adds its input record, feeds every
 * frame, records the hash, and on failure the error (also printed as one
 * line on stderr).  Returns 0 when the whole file was read, -1 otherwise. */
int capture_replay_file(struct audit *a, const char *path);

#endif
