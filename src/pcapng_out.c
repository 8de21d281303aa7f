/* \summary: pcapng writer (see pcapng_out.h).
 *
 * Block layouts (draft-ietf-opsawg-pcapng-02), all lengths in bytes, every
 * block ending with its total length again and every option padded to 32 bits:
 *
 *   SHB  0x0A0D0D0A | len | 0x1A2B3C4D | major 1 minor 0 | section length -1 (8) | opts | len
 *   IDB  1          | len | linktype (2) reserved (2) | snaplen | opts | len
 *   EPB  6          | len | iface | ts high | ts low | caplen | wirelen | data | opts | len
 *   ISB  5          | len | iface | ts high | ts low | opts | len
 *   DSB  10         | len | secrets type | secrets length | data | len
 *
 * Byte order is the host's; the SHB's magic tells readers which.
 */
#include "pcapng_out.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_ISB 5u
#define BT_EPB 6u
#define BT_DSB 10u
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_IF_FILTER 11
#define OPT_ISB_STARTTIME 2
#define OPT_ISB_ENDTIME 3
#define OPT_ISB_IFRECV 4
#define OPT_ISB_IFDROP 5

/* One buffer per file: a session writes small blocks at packet rate, and
 * stdio's default buffer would turn them into a write(2) every few packets. */
#define OUT_BUFFER (256u << 10)

struct shb_comment {
	char *text;
	uint16_t len;
};

struct pcapng_out {
	FILE *fp;
	char *buf;
	EVP_MD_CTX *md;
	uint64_t size;
	uint32_t ifaces;
	int err;
	/* deferred Section Header: fp is the temporary file of the blocks,
	 * final the file they end up in (hashing starts there) */
	FILE *final;
	struct shb_comment *comments;
	size_t ncomments;
};

static void out_bytes(struct pcapng_out *o, const void *p, size_t n)
{
	if (o->err || n == 0)
		return;
	if (fwrite(p, 1, n, o->fp) != n) {
		o->err = errno ? errno : EIO;
		return;
	}
	/* a deferred writer's blocks are hashed when they are copied after the header */
	if (!o->final && !EVP_DigestUpdate(o->md, p, n)) {
		o->err = ENOMEM;
		return;
	}
	o->size += n;
}

static void out_u16(struct pcapng_out *o, uint16_t v)
{
	out_bytes(o, &v, sizeof(v));
}

static void out_u32(struct pcapng_out *o, uint32_t v)
{
	out_bytes(o, &v, sizeof(v));
}

static void out_u64(struct pcapng_out *o, uint64_t v)
{
	out_bytes(o, &v, sizeof(v));
}

static uint32_t pad4(size_t n)
{
	return (uint32_t)((n + 3) & ~(size_t)3);
}

static void out_pad(struct pcapng_out *o, size_t n)
{
	static const uint8_t zero[4];
	out_bytes(o, zero, pad4(n) - n);
}

/* An option: code, length, value padded to 32 bits. */
static void out_option(struct pcapng_out *o, uint16_t code, const void *v, uint16_t len)
{
	out_u16(o, code);
	out_u16(o, len);
	out_bytes(o, v, len);
	out_pad(o, len);
}

/* Timestamps: high and low 32 bits, in the interface's units (ns). */
static void out_ts(struct pcapng_out *o, uint64_t ts_ns)
{
	out_u32(o, (uint32_t)(ts_ns >> 32));
	out_u32(o, (uint32_t)ts_ns);
}

static int status(const struct pcapng_out *o)
{
	if (!o->err)
		return 0;
	errno = o->err;
	return -1;
}

static void write_shb(struct pcapng_out *o)
{
	static const char appl[] = "privaudit " PACKAGE_VERSION;
	uint16_t alen = (uint16_t)strlen(appl);
	uint32_t len = 28 + 4 + pad4(alen) + 4;
	for (size_t i = 0; i < o->ncomments; i++)
		len += 4 + pad4(o->comments[i].len);
	out_u32(o, BT_SHB);
	out_u32(o, len);
	out_u32(o, 0x1A2B3C4Du);
	out_u16(o, 1);
	out_u16(o, 0);
	out_u64(o, UINT64_MAX); /* section length -1: not known */
	for (size_t i = 0; i < o->ncomments; i++)
		out_option(o, OPT_COMMENT, o->comments[i].text, o->comments[i].len);
	out_option(o, OPT_SHB_USERAPPL, appl, alen);
	out_option(o, OPT_ENDOFOPT, NULL, 0);
	out_u32(o, len);
}

static struct pcapng_out *out_new(FILE *fp, FILE *final)
{
	struct pcapng_out *o = calloc(1, sizeof(*o));
	if (o) {
		o->fp = fp;
		o->buf = malloc(OUT_BUFFER);
		o->md = EVP_MD_CTX_new();
	}
	if (!o || !o->buf || !o->md || !EVP_DigestInit_ex(o->md, EVP_sha256(), NULL)) {
		if (o) {
			EVP_MD_CTX_free(o->md);
			free(o->buf);
			free(o);
		}
		fclose(fp);
		if (final)
			fclose(final);
		errno = ENOMEM;
		return NULL;
	}
	o->final = final;
	/* nothing was written to fp yet, so setvbuf cannot fail for a reason
	 * that matters: without it the stream just keeps its own buffer */
	if (setvbuf(fp, o->buf, _IOFBF, OUT_BUFFER) != 0) {
		free(o->buf);
		o->buf = NULL;
	}
	return o;
}

struct pcapng_out *pcapng_out_open(FILE *fp)
{
	struct pcapng_out *o = out_new(fp, NULL);
	if (!o)
		return NULL;
	write_shb(o);
	if (o->err) {
		int err = o->err;
		pcapng_out_close(o, NULL);
		errno = err;
		return NULL;
	}
	return o;
}

static FILE *create_file(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return NULL;
	FILE *fp = fdopen(fd, "wb");
	if (!fp) {
		int err = errno;
		close(fd);
		errno = err;
	}
	return fp;
}

struct pcapng_out *pcapng_out_create(const char *path, mode_t mode)
{
	FILE *fp = create_file(path, mode);
	return fp ? pcapng_out_open(fp) : NULL;
}

/* An unlinked temporary file beside path: on the same file system as the
 * result, where there is room for it. */
static FILE *temp_beside(const char *path)
{
	size_t n = strlen(path);
	char *tmpl = malloc(n + 8);
	if (!tmpl) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(tmpl, path, n);
	memcpy(tmpl + n, ".XXXXXX", 8);
	int fd = mkstemp(tmpl);
	int err = errno;
	if (fd >= 0 && unlink(tmpl) != 0) {
		err = errno;
		close(fd);
		fd = -1;
	}
	free(tmpl);
	FILE *fp = fd >= 0 ? fdopen(fd, "w+b") : NULL;
	if (fd >= 0 && !fp) {
		err = errno;
		close(fd);
	}
	errno = err;
	return fp;
}

struct pcapng_out *pcapng_out_create_deferred(const char *path, mode_t mode)
{
	FILE *final = create_file(path, mode);
	if (!final)
		return NULL;
	FILE *body = temp_beside(path);
	if (!body) {
		int err = errno;
		fclose(final);
		errno = err;
		return NULL;
	}
	return out_new(body, final);
}

int pcapng_out_shb_comment(struct pcapng_out *o, const char *text, size_t len)
{
	if (!o->final) {
		errno = EINVAL;
		return -1;
	}
	if (o->err)
		return status(o);
	if (len > UINT16_MAX)
		len = UINT16_MAX;
	struct shb_comment *v = realloc(o->comments, (o->ncomments + 1) * sizeof(*v));
	char *t = len ? malloc(len) : NULL;
	if (v)
		o->comments = v;
	if (!v || (len && !t)) {
		free(t);
		o->err = ENOMEM;
		return status(o);
	}
	if (len)
		memcpy(t, text, len);
	v[o->ncomments++] = (struct shb_comment){ t, (uint16_t)len };
	return 0;
}

/* A deferred writer's file: the Section Header, then the blocks from the
 * temporary file, hashed as they go out.  fp is the result from now on. */
static void write_deferred(struct pcapng_out *o)
{
	FILE *body = o->fp;
	o->fp = o->final;
	o->final = NULL;
	o->size = 0;
	if (!o->err && (fflush(body) != 0 || fseek(body, 0, SEEK_SET) != 0))
		o->err = errno ? errno : EIO;
	char *chunk = o->err ? NULL : malloc(OUT_BUFFER);
	if (!o->err && !chunk)
		o->err = ENOMEM;
	write_shb(o);
	size_t n;
	while (!o->err && (n = fread(chunk, 1, OUT_BUFFER, body)) > 0)
		out_bytes(o, chunk, n);
	if (!o->err && ferror(body))
		o->err = EIO;
	free(chunk);
	fclose(body); /* unlinked: closing it frees its space */
}

/* libpcap's DLT values are LINKTYPE values except for a few historical ones. */
static uint16_t linktype_of_dlt(int dlt)
{
	if (dlt == DLT_RAW)
		return 101; /* LINKTYPE_RAW */
#ifdef DLT_LOOP
	if (dlt == DLT_LOOP)
		return 108; /* LINKTYPE_LOOP (DLT_LOOP is 12 on OpenBSD) */
#endif
	return (uint16_t)dlt;
}

int pcapng_out_idb(struct pcapng_out *o, int dlt, uint32_t snaplen, const char *name)
{
	return pcapng_out_idb_filtered(o, dlt, snaplen, name, NULL);
}

int pcapng_out_idb_filtered(struct pcapng_out *o, int dlt, uint32_t snaplen, const char *name, const char *filter)
{
	static const uint8_t nanoseconds = 9;
	size_t nlen = name ? strlen(name) : 0, flen = filter ? strlen(filter) : 0;
	if (nlen > UINT16_MAX - 3)
		nlen = UINT16_MAX - 3;
	if (flen > UINT16_MAX - 4)
		flen = UINT16_MAX - 4;
	uint32_t len = 16 + 8 + 4 + 4 + (name ? 4 + pad4(nlen) : 0) + (filter ? 4 + pad4(flen + 1) : 0);
	out_u32(o, BT_IDB);
	out_u32(o, len);
	out_u16(o, linktype_of_dlt(dlt));
	out_u16(o, 0);
	out_u32(o, snaplen);
	if (name)
		out_option(o, OPT_IF_NAME, name, (uint16_t)nlen);
	if (filter) {
		/* if_filter: a first byte 0 says the rest is a libpcap filter string */
		char *v = malloc(flen + 1);
		if (!v) {
			o->err = o->err ? o->err : ENOMEM;
			return -1;
		}
		v[0] = 0;
		memcpy(v + 1, filter, flen);
		out_option(o, OPT_IF_FILTER, v, (uint16_t)(flen + 1));
		free(v);
	}
	out_option(o, OPT_IF_TSRESOL, &nanoseconds, 1);
	out_option(o, OPT_ENDOFOPT, NULL, 0);
	out_u32(o, len);
	return status(o) < 0 ? -1 : (int)o->ifaces++;
}

int pcapng_out_epb(struct pcapng_out *o, uint32_t iface, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		   uint32_t wirelen, const char *comment, uint16_t clen)
{
	uint32_t len = 28 + pad4(caplen) + (comment ? 4 + pad4(clen) + 4 : 0) + 4;
	out_u32(o, BT_EPB);
	out_u32(o, len);
	out_u32(o, iface);
	out_ts(o, ts_ns);
	out_u32(o, caplen);
	out_u32(o, wirelen);
	out_bytes(o, data, caplen);
	out_pad(o, caplen);
	if (comment) {
		out_option(o, OPT_COMMENT, comment, clen);
		out_option(o, OPT_ENDOFOPT, NULL, 0);
	}
	out_u32(o, len);
	return status(o);
}

int pcapng_out_dsb(struct pcapng_out *o, uint32_t type, const void *data, size_t len)
{
	if (len > UINT32_MAX - 32) {
		if (!o->err)
			o->err = EFBIG;
		return status(o);
	}
	uint32_t blen = 20 + pad4(len);
	out_u32(o, BT_DSB);
	out_u32(o, blen);
	out_u32(o, type);
	out_u32(o, (uint32_t)len);
	out_bytes(o, data, len);
	out_pad(o, len);
	out_u32(o, blen);
	return status(o);
}

int pcapng_out_isb(struct pcapng_out *o, uint32_t iface, uint64_t ts_ns, const char *comment,
		   const struct pcapng_isb_stats *st)
{
	size_t clen = comment ? strlen(comment) : 0;
	if (clen > UINT16_MAX - 3)
		clen = UINT16_MAX - 3;
	uint32_t opts = (comment ? 4 + pad4(clen) : 0);
	if (st)
		opts += (st->has_start + st->has_end + st->has_recv + st->has_drop) * 12u;
	if (opts)
		opts += 4; /* opt_endofopt */
	uint32_t len = 24 + opts;
	out_u32(o, BT_ISB);
	out_u32(o, len);
	out_u32(o, iface);
	out_ts(o, ts_ns);
	if (comment)
		out_option(o, OPT_COMMENT, comment, (uint16_t)clen);
	if (st) {
		/* isb_starttime and isb_endtime are timestamps: high then low word */
		uint32_t t[2];
		if (st->has_start) {
			t[0] = (uint32_t)(st->start_ns >> 32);
			t[1] = (uint32_t)st->start_ns;
			out_option(o, OPT_ISB_STARTTIME, t, 8);
		}
		if (st->has_end) {
			t[0] = (uint32_t)(st->end_ns >> 32);
			t[1] = (uint32_t)st->end_ns;
			out_option(o, OPT_ISB_ENDTIME, t, 8);
		}
		if (st->has_recv)
			out_option(o, OPT_ISB_IFRECV, &st->recv, 8);
		if (st->has_drop)
			out_option(o, OPT_ISB_IFDROP, &st->drop, 8);
	}
	if (opts)
		out_option(o, OPT_ENDOFOPT, NULL, 0);
	out_u32(o, len);
	return status(o);
}

uint64_t pcapng_out_size(const struct pcapng_out *o)
{
	return o->size;
}

int pcapng_out_flush(struct pcapng_out *o)
{
	if (!o->err && fflush(o->fp) != 0)
		o->err = errno ? errno : EIO;
	return status(o);
}

int pcapng_out_error(const struct pcapng_out *o)
{
	return o->err;
}

int pcapng_out_close(struct pcapng_out *o, char hex[65])
{
	if (o->final)
		write_deferred(o);
	pcapng_out_flush(o);
	/* the session is evidence: make it durable before its hash is reported;
	 * a stream that cannot be synced (a pipe, /dev/null) has nothing to lose */
	if (!o->err && fsync(fileno(o->fp)) != 0 && errno != EINVAL && errno != EROFS)
		o->err = errno;
	if (fclose(o->fp) != 0 && !o->err)
		o->err = errno ? errno : EIO;
	unsigned char md[32];
	if (!o->err && !EVP_DigestFinal_ex(o->md, md, NULL))
		o->err = ENOMEM;
	if (!o->err && hex)
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
	int err = o->err;
	EVP_MD_CTX_free(o->md);
	free(o->buf); /* after fclose: the stream used it until then */
	for (size_t i = 0; i < o->ncomments; i++)
		free(o->comments[i].text);
	free(o->comments);
	free(o);
	errno = err;
	return err ? -1 : 0;
}
