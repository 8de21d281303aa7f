/* \summary: capture frames from pcap (libpcap) and pcapng (read here); see frames.h.
 *
 * pcapng reference: draft-ietf-opsawg-pcapng (Section Header, Interface
 * Description, Enhanced/Simple/obsolete Packet blocks; other blocks are
 * skipped).  Link type values in an IDB are LINKTYPE_ values; the one that
 * differs from its DLT_ value on this platform (LINKTYPE_RAW) is mapped as
 * libpcap maps it, so the rest of the program sees DLT_ values only.
 */
#include "frames.h"

#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng_scan.h"

#define BLOCK_SHB 0x0a0d0d0au
#define BLOCK_IDB 1u
#define BLOCK_OPB 2u /* obsolete packet block */
#define BLOCK_SPB 3u
#define BLOCK_EPB 6u
#define BYTE_ORDER_MAGIC 0x1a2b3c4du
#define LINKTYPE_RAW 101

struct iface {
	int dlt;
	uint32_t snaplen;
	struct pcapng_tsfmt ts;
};

struct frames {
	FILE *fp;
	pcap_t *pc;             /* classic pcap */
	uint64_t offset;        /* pcap: offset of the next record; pcapng: of the next block */
	uint64_t error_offset;
	int first_dlt;
	/* pcapng */
	bool swap;
	struct iface *ifaces;
	size_t nifaces, ifaces_cap;
	uint8_t *buf;           /* the current block, after its 8-byte header */
	size_t buf_cap;
	char err[PCAP_ERRBUF_SIZE + 128];
};

static int failf(struct frames *r, uint64_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int failf(struct frames *r, uint64_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->error_offset = at;
	return -1;
}

static uint32_t get32(const struct frames *r, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const struct frames *r, const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return r->swap ? __builtin_bswap16(v) : v;
}

/* Reads the next block: *type, the body (after type and length, including
 * the trailing length) in r->buf, *len its total length.  1, 0 at a clean
 * end of file, -1 on damage. */
static int read_block(struct frames *r, uint32_t *type, uint32_t *len)
{
	uint64_t at = r->offset;
	uint8_t h[12];
	size_t got = fread(h, 1, 8, r->fp);
	if (got == 0 && feof(r->fp))
		return 0;
	if (got < 8)
		return failf(r, at, "truncated pcapng file; tried to read 8 block header bytes, only got %zu", got);
	uint32_t raw_type;
	memcpy(&raw_type, h, 4);
	if (raw_type == BLOCK_SHB) { /* a new section, maybe another byte order */
		if (fread(h + 8, 1, 4, r->fp) != 4)
			return failf(r, at, "truncated pcapng file; section header block cut short");
		uint32_t bom;
		memcpy(&bom, h + 8, 4);
		if (bom != BYTE_ORDER_MAGIC && bom != __builtin_bswap32(BYTE_ORDER_MAGIC))
			return failf(r, at, "bad byte-order magic in a section header block");
		r->swap = bom != BYTE_ORDER_MAGIC;
		got = 12;
	}
	*type = get32(r, h);
	*len = get32(r, h + 4);
	if (*len < 12 || *len % 4)
		return failf(r, at, "bad block length %u (block type 0x%08x)", *len, *type);
	if (*len > FRAMES_MAX_BLOCK)
		return failf(r, at, "block of %u bytes is over the %u MiB limit", *len, FRAMES_MAX_BLOCK >> 20);
	size_t body = *len - 8;
	if (body > r->buf_cap) {
		size_t cap = r->buf_cap ? r->buf_cap : 65536;
		while (cap < body)
			cap *= 2;
		uint8_t *b = realloc(r->buf, cap);
		if (!b)
			return failf(r, at, "out of memory for a block of %u bytes", *len);
		r->buf = b;
		r->buf_cap = cap;
	}
	size_t have = got - 8; /* the byte-order magic, already read */
	memcpy(r->buf, h + 8, have);
	size_t n = fread(r->buf + have, 1, body - have, r->fp);
	if (n < body - have)
		return failf(r, at, "truncated pcapng file; tried to read %u bytes of a block, only got %zu", *len,
			     8 + have + n);
	r->offset += *len;
	return 1;
}

static int section_header(struct frames *r, uint32_t len, uint64_t at)
{
	if (len < 28)
		return failf(r, at, "section header block too short (%u bytes)", len);
	uint16_t major = get16(r, r->buf + 4);
	if (major != 1)
		return failf(r, at, "unsupported pcapng version %u.%u", major, get16(r, r->buf + 6));
	r->nifaces = 0; /* interfaces are numbered per section */
	return 0;
}

static int interface(struct frames *r, uint32_t len, uint64_t at)
{
	if (len < 20)
		return failf(r, at, "interface description block too short (%u bytes)", len);
	if (r->nifaces == FRAMES_MAX_INTERFACES)
		return failf(r, at, "more than %u interfaces in a section", FRAMES_MAX_INTERFACES);
	if (r->nifaces == r->ifaces_cap) {
		size_t cap = r->ifaces_cap ? r->ifaces_cap * 2 : 4;
		struct iface *v = realloc(r->ifaces, cap * sizeof(*v));
		if (!v)
			return failf(r, at, "out of memory");
		r->ifaces = v;
		r->ifaces_cap = cap;
	}
	struct iface *i = &r->ifaces[r->nifaces++];
	uint16_t linktype = get16(r, r->buf);
	i->dlt = linktype == LINKTYPE_RAW ? DLT_RAW : linktype;
	i->snaplen = get32(r, r->buf + 4);
	pcapng_tsfmt_read(&i->ts, r->buf + 8, len - 20, r->swap);
	if (r->first_dlt < 0)
		r->first_dlt = i->dlt;
	return 0;
}

/* A packet block's frame.  `body` bytes of r->buf hold the block's fields
 * and data (the trailing length excluded). */
static int packet(struct frames *r, uint32_t type, uint32_t len, uint64_t at, struct frame *f)
{
	size_t body = len - 12;
	const uint8_t *b = r->buf;
	uint32_t ifc, caplen, wirelen;
	uint64_t ts = 0;
	size_t head;
	if (type == BLOCK_SPB) {
		if (body < 4)
			return failf(r, at, "simple packet block too short");
		ifc = 0;
		wirelen = get32(r, b);
		head = 4;
		caplen = wirelen;
		if (caplen > body - head)
			caplen = (uint32_t)(body - head);
		if (r->nifaces && r->ifaces[0].snaplen && caplen > r->ifaces[0].snaplen)
			caplen = r->ifaces[0].snaplen;
	} else {
		head = 20;
		if (body < head)
			return failf(r, at, "packet block too short (%u bytes)", len);
		if (type == BLOCK_EPB) {
			ifc = get32(r, b);
		} else { /* obsolete packet block: 16-bit interface id and drops count */
			ifc = get16(r, b);
		}
		ts = (uint64_t)get32(r, b + 4) << 32 | get32(r, b + 8);
		caplen = get32(r, b + 12);
		wirelen = get32(r, b + 16);
		if (caplen > body - head)
			return failf(r, at, "packet block holds %zu bytes of data, but says %u were captured", body - head,
				     caplen);
	}
	if (ifc >= r->nifaces)
		return failf(r, at, "a packet arrived on interface %u, but the section describes %zu", ifc, r->nifaces);
	f->data = b + head;
	f->caplen = caplen;
	f->wirelen = wirelen;
	f->ts_ns = pcapng_ts_to_ns(&r->ifaces[ifc].ts, ts);
	f->dlt = r->ifaces[ifc].dlt;
	return 1;
}

static int next_pcapng(struct frames *r, struct frame *f)
{
	for (;;) {
		uint64_t at = r->offset;
		uint32_t type, len;
		int rc = read_block(r, &type, &len);
		if (rc <= 0)
			return rc;
		switch (type) {
		case BLOCK_SHB:
			if (section_header(r, len, at) < 0)
				return -1;
			break;
		case BLOCK_IDB:
			if (interface(r, len, at) < 0)
				return -1;
			break;
		case BLOCK_EPB:
		case BLOCK_SPB:
		case BLOCK_OPB:
			return packet(r, type, len, at, f);
		default: /* statistics, names, secrets (pcapng_scan.c), custom blocks */
			break;
		}
	}
}

/* The section header and the blocks up to the first interface, so that
 * the first link type is known before any packet is read. */
static int open_pcapng(struct frames *r)
{
	uint32_t type, len;
	int rc = read_block(r, &type, &len);
	if (rc == 0)
		return failf(r, 0, "empty file");
	if (rc < 0 || section_header(r, len, 0) < 0)
		return -1;
	while (r->first_dlt < 0) {
		uint64_t at = r->offset;
		rc = read_block(r, &type, &len);
		if (rc == 0)
			return failf(r, at, "the capture file has no interface description block");
		if (rc < 0)
			return -1;
		if (type == BLOCK_EPB || type == BLOCK_SPB || type == BLOCK_OPB)
			return failf(r, at, "a packet block before any interface description block");
		if (type == BLOCK_SHB && section_header(r, len, at) < 0)
			return -1;
		if (type == BLOCK_IDB && interface(r, len, at) < 0)
			return -1;
	}
	return 0;
}

struct frames *frames_open(FILE *fp, const char *format, char *err, size_t errlen, uint64_t *err_offset)
{
	*err_offset = 0;
	struct frames *r = calloc(1, sizeof(*r));
	if (!r) {
		fclose(fp);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->first_dlt = -1;
	if (strcmp(format, "pcapng") != 0) {
		char ebuf[PCAP_ERRBUF_SIZE] = "";
		r->pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
		if (!r->pc) {
			fclose(fp);
			snprintf(err, errlen, "%s", ebuf);
			free(r);
			return NULL;
		}
		r->first_dlt = pcap_datalink(r->pc);
		r->offset = 24; /* file header, then 16-byte record headers */
		return r;
	}
	r->fp = fp;
	if (open_pcapng(r) < 0) {
		snprintf(err, errlen, "%s", r->err);
		*err_offset = r->error_offset;
		frames_close(r);
		return NULL;
	}
	return r;
}

int frames_dlt(const struct frames *r) { return r->first_dlt; }

int frames_next(struct frames *r, struct frame *f)
{
	if (!r->pc)
		return next_pcapng(r, f);
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc = pcap_next_ex(r->pc, &hdr, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		r->error_offset = r->offset;
		snprintf(r->err, sizeof(r->err), "%s", pcap_geterr(r->pc));
		return -1;
	}
	f->data = data;
	f->caplen = hdr->caplen;
	f->wirelen = hdr->len;
	f->ts_ns = (uint64_t)hdr->ts.tv_sec * 1000000000ULL + (uint64_t)hdr->ts.tv_usec;
	f->dlt = r->first_dlt;
	r->offset += 16 + (uint64_t)hdr->caplen;
	return 1;
}

const char *frames_error(const struct frames *r) { return r->err; }

uint64_t frames_error_offset(const struct frames *r) { return r->error_offset; }

void frames_close(struct frames *r)
{
	if (!r)
		return;
	if (r->pc)
		pcap_close(r->pc); /* closes the file too */
	else if (r->fp)
		fclose(r->fp);
	free(r->ifaces);
	free(r->buf);
	free(r);
}
