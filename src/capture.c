/* \summary: capture sources (see capture.h).
 *
 * frames.c reads the packets (libpcap for pcap).  The file's SHA-256 is computed by a second
 * thread reading the same file, so hashing a large capture overlaps with
 * decoding it instead of adding to it.  Standard input is spooled to a
 * temporary file (hashed on the way) so it can be read like any file.
 */
#include "capture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "decode.h"
#include "frames.h"
#include "keylog.h"
#include "log.h"
#include "pcapng_scan.h"

#define MAX_DIR_DEPTH 32
#define HASH_CHUNK (1u << 20)

/* ---- operands and directories ---- */

static int list_add(struct path_list *l, const char *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(p)))
		return -1;
	l->n++;
	return 0;
}

void path_list_free(struct path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static const char *format_of_magic(const uint8_t *m, size_t n)
{
	if (n < 4)
		return NULL;
	uint32_t be = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	switch (be) {
	case 0x0a0d0d0a:
		return "pcapng";
	case 0xa1b2c3d4:
	case 0xd4c3b2a1:
	case 0xa1b23c4d:
	case 0x4d3cb2a1:
		return "pcap";
	default:
		return NULL;
	}
}

static bool looks_like_capture(const char *path, const char *name)
{
	size_t n = strlen(name);
	static const char *const suffixes[] = { ".pcap", ".pcapng", ".cap" };
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		size_t s = strlen(suffixes[i]);
		if (n > s && strcasecmp(name + n - s, suffixes[i]) == 0)
			return true;
	}
	uint8_t m[4];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	ssize_t got = read(fd, m, sizeof(m));
	close(fd);
	return got == 4 && format_of_magic(m, 4);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(const char *dir, int depth, struct path_list *out)
{
	if (depth > MAX_DIR_DEPTH)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return list_add(out, dir); /* reading it will report why */
	struct path_list names = { 0 };
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) && rc == 0)
		if (e->d_name[0] != '.')
			rc = list_add(&names, e->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n && rc == 0; i++) {
		char *path;
		if (asprintf(&path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names.v[i]) < 0) {
			rc = -1;
			break;
		}
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rc = walk_dir(path, depth + 1, out);
		else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && looks_like_capture(path, names.v[i]))
			rc = list_add(out, path);
		free(path);
	}
	path_list_free(&names);
	return rc;
}

int capture_expand(const char *const *operands, size_t n, struct path_list *out)
{
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		int rc;
		if (strcmp(operands[i], "-") != 0 && stat(operands[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = walk_dir(operands[i], 0, out);
		else
			rc = list_add(out, operands[i]);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- hashing ---- */

struct hasher {
	pthread_t thread;
	int fd;
	bool started, ok;
	unsigned char md[32];
};

static bool hash_fd(int fd, unsigned char md[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = malloc(HASH_CHUNK);
	bool ok = ctx && buf && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	ssize_t n;
	while (ok && (n = read(fd, buf, HASH_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0 && EVP_DigestUpdate(ctx, buf, (size_t)n);
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	free(buf);
	return ok;
}

static void *hasher_main(void *arg)
{
	struct hasher *h = arg;
	h->ok = hash_fd(h->fd, h->md);
	return NULL;
}

static void hasher_start(struct hasher *h, const char *path)
{
	memset(h, 0, sizeof(*h));
	h->fd = open(path, O_RDONLY);
	if (h->fd < 0)
		return;
	if (pthread_create(&h->thread, NULL, hasher_main, h) == 0) {
		h->started = true;
	} else { /* no thread: hash inline */
		h->ok = hash_fd(h->fd, h->md);
	}
}

static void hasher_finish(struct hasher *h, char hex[65])
{
	if (h->started)
		pthread_join(h->thread, NULL);
	if (h->fd >= 0)
		close(h->fd);
	hex[0] = 0;
	if (!h->ok)
		return;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h->md[i]);
}

/* Copies standard input to an unlinked temporary file, hashing it. */
static FILE *spool_stdin(char hex[65])
{
	FILE *tmp = tmpfile();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = malloc(HASH_CHUNK);
	bool ok = tmp && ctx && buf && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	size_t n;
	while (ok && (n = fread(buf, 1, HASH_CHUNK, stdin)) > 0)
		ok = fwrite(buf, 1, n, tmp) == n && EVP_DigestUpdate(ctx, buf, n);
	unsigned char md[32];
	ok = ok && !ferror(stdin) && EVP_DigestFinal_ex(ctx, md, NULL) && fflush(tmp) == 0;
	EVP_MD_CTX_free(ctx);
	free(buf);
	if (!ok) {
		if (tmp)
			fclose(tmp);
		return NULL;
	}
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	rewind(tmp);
	return tmp;
}

/* ---- the BPF filter, compiled for each link type the frames have ---- */

#define FILTER_MAX_DLTS 8

struct frame_filter {
	const char *expr;
	int dlts[FILTER_MAX_DLTS];
	struct bpf_program progs[FILTER_MAX_DLTS];
	size_t n;
	bool failed; /* it could not apply to some link type: the input failed */
};

/* The filter compiled for link type dlt, or NULL (err set) when it cannot
 * apply to it (a pcapng's interfaces may differ). */
static const struct bpf_program *filter_for(struct frame_filter *ff, int dlt, char *err, size_t errlen)
{
	for (size_t i = 0; i < ff->n; i++)
		if (ff->dlts[i] == dlt)
			return &ff->progs[i];
	const char *name = pcap_datalink_val_to_name(dlt);
	pcap_t *dead = ff->n < FILTER_MAX_DLTS ? pcap_open_dead(dlt, 262144) : NULL;
	if (!dead) {
		snprintf(err, errlen, "the filter cannot apply to more than %d link types", FILTER_MAX_DLTS);
	} else if (pcap_compile(dead, &ff->progs[ff->n], ff->expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "the filter cannot apply to link type %s: %s", name ? name : "unknown",
			 pcap_geterr(dead));
	} else {
		pcap_close(dead);
		ff->dlts[ff->n] = dlt;
		return &ff->progs[ff->n++];
	}
	if (dead)
		pcap_close(dead);
	ff->failed = true;
	return NULL;
}

static bool filter_passes(const struct bpf_program *prog, const struct frame *f)
{
	struct pcap_pkthdr h = { .caplen = f->caplen, .len = f->wirelen };
	return pcap_offline_filter(prog, &h, f->data) != 0;
}

static void filter_free(struct frame_filter *ff)
{
	for (size_t i = 0; i < ff->n; i++)
		pcap_freecode(&ff->progs[i]);
}

/* ---- reading ---- */

struct embedded {
	struct audit *a;
	const char *path;
};

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t len, uint64_t offset)
{
	struct embedded *e = ctx;
	char source[512];
	snprintf(source, sizeof(source), "%s: decryption secrets block at byte offset %llu", e->path,
		 (unsigned long long)offset);
	if (!data) {
		log_warn("%s: %zu bytes of secrets, over the %u MiB cap: skipped", source, len, PCAPNG_MAX_SECRETS >> 20);
		return;
	}
	if (type != PCAPNG_SECRETS_TLS) {
		log_warn("%s: secrets type 0x%08x is not a TLS key log, skipped", source, type);
		return;
	}
	keylog_add_text(e->a->keylog, (const char *)data, len, source);
}

static void on_mark(void *ctx, const char *kind, uint64_t ts_ns, uint64_t offset)
{
	struct embedded *e = ctx;
	(void)offset;
	audit_capture_mark(e->a, kind, ts_ns);
}

/* TLS secrets and consent marks a pcapng carries are known before its
 * first packet is decoded, wherever in the file they were written. */
static void read_embedded(struct audit *a, const char *path, int fd)
{
	static const struct pcapng_scan_ops ops = { on_secrets, on_mark };
	struct embedded e = { a, path };
	pcapng_scan(fd, &ops, &e);
}

static void fail(struct audit *a, int input, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct audit *a, int input, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	audit_input_error(a, input, "%s", msg);
	log_error("%s: %s", path, msg);
}

int capture_replay_file(struct audit *a, const char *path)
{
	int input = audit_add_input(a, path);
	if (input < 0) {
		log_error("%s: out of memory", path);
		return -1;
	}
	struct input_record *in = &a->inputs[input];
	struct hasher hasher = { .fd = -1 };
	FILE *fp;
	if (strcmp(path, "-") == 0) {
		fp = spool_stdin(in->sha256);
		if (!fp) {
			fail(a, input, path, "cannot read standard input: %s", strerror(errno));
			return -1;
		}
	} else {
		fp = fopen(path, "rb");
		if (!fp) {
			fail(a, input, path, "%s", strerror(errno));
			return -1;
		}
		if (!a->opt.no_report) /* the hash is for the report: none, no hash */
			hasher_start(&hasher, path);
	}

	int rc = -1;
	uint8_t magic[4];
	size_t got = fread(magic, 1, sizeof(magic), fp);
	rewind(fp);
	in->format = format_of_magic(magic, got);
	struct frames *src = NULL;
	char errbuf[PCAP_ERRBUF_SIZE + 128] = "";
	int fd = fileno(fp);
	uint64_t at = 0;
	if (got == 0) {
		fail(a, input, path, "empty file, not a capture");
		fclose(fp);
	} else if (!in->format) {
		fail(a, input, path, "not a pcap or pcapng capture (unknown magic %02x%02x%02x%02x at byte offset 0)",
		     magic[0], got > 1 ? magic[1] : 0, got > 2 ? magic[2] : 0, got > 3 ? magic[3] : 0);
		fclose(fp);
	} else if (!(src = frames_open(fp, in->format, errbuf, sizeof(errbuf), &at))) {
		fail(a, input, path, "%s (at byte offset %llu)", errbuf, (unsigned long long)at);
	}
	if (!src)
		goto out;
	int dlt = frames_dlt(src);
	if (!decode_dlt_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		fail(a, input, path, "unsupported link type %d (%s)", dlt, name ? name : "unknown");
		frames_close(src);
		goto out;
	}
	struct frame_filter filter = { .expr = a->opt.filter };
	if (filter.expr && !filter_for(&filter, dlt, errbuf, sizeof(errbuf))) {
		fail(a, input, path, "%s", errbuf);
		frames_close(src);
		goto out;
	}
	if (strcmp(in->format, "pcapng") == 0)
		read_embedded(a, path, fd);
	audit_begin_input(a, input, dlt);
	struct frame f;
	uint64_t frame = 0;
	int r = 0;
	while (!audit_count_reached(a) && (r = frames_next(src, &f)) == 1) {
		frame++;
		/* filtered here, not by the reader: frames keep Wireshark's numbers */
		const struct bpf_program *prog = filter.expr ? filter_for(&filter, f.dlt, errbuf, sizeof(errbuf)) : NULL;
		if (filter.expr && !prog) {
			fail(a, input, path, "%s (at frame %llu)", errbuf, (unsigned long long)frame);
			break;
		}
		if (prog && !filter_passes(prog, &f))
			audit_skip_packet(a, frame, f.ts_ns, f.dlt);
		else
			audit_packet(a, frame, f.ts_ns, f.dlt, f.data, f.caplen, f.wirelen);
	}
	if (r < 0)
		fail(a, input, path, "%s (at frame %llu / byte offset %llu)", frames_error(src),
		     (unsigned long long)frame + 1, (unsigned long long)frames_error_offset(src));
	else if (!filter.failed)
		rc = 0;
	audit_end_input(a);
	filter_free(&filter);
	frames_close(src);
out:
	if (hasher.fd >= 0 || hasher.started)
		hasher_finish(&hasher, in->sha256);
	return rc;
}
