/* \summary: a capture file's frames, one at a time, each with its link type.
 *
 * Classic pcap is read by libpcap.  pcapng is read here, block by block:
 * libpcap refuses a pcapng whose interfaces differ in link type or snap
 * length, and such files are common (tcpdump -i any with nflog, Android
 * captures, merged captures).  Each frame carries its interface's link type
 * and its timestamp in nanoseconds.  Bounds: a block is at most
 * FRAMES_MAX_BLOCK bytes, a section has at most FRAMES_MAX_INTERFACES
 * interfaces.
 */
#ifndef PA_FRAMES_H
#define PA_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FRAMES_MAX_BLOCK (16u << 20)
#define FRAMES_MAX_INTERFACES 4096

struct frame {
	const uint8_t *data; /* valid until the next frames_next() */
	uint32_t caplen, wirelen;
	uint64_t ts_ns;
	int dlt;
};

struct frames;

/* Opens the capture on fp ("pcap" or "pcapng", from its magic); fp is
 * owned by the reader from then on, even on failure.  NULL on failure,
 * with the reason in err (libpcap's words for pcap) and the byte offset of
 * the damage in *err_offset. */
struct frames *frames_open(FILE *fp, const char *format, char *err, size_t errlen, uint64_t *err_offset);
/* The link type of the first interface. */
int frames_dlt(const struct frames *r);
/* 1 and *f set, 0 at the end, -1 on a damaged file (frames_error). */
int frames_next(struct frames *r, struct frame *f);
const char *frames_error(const struct frames *r);
/* Byte offset of the record or block that could not be read. */
uint64_t frames_error_offset(const struct frames *r);
void frames_close(struct frames *r);

#endif
