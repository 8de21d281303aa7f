/* \summary: TLS secrets from NSS key logs and DSBs (see keylog.h). */
#include "keylog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A line longer than this is not a key log line (the longest valid one,
 * CLIENT_HANDSHAKE_TRAFFIC_SECRET with a 48-byte secret, is 194 bytes). */
#define LINE_MAX_BYTES 1024

struct keylog_file {
	FILE *f;          /* kept open: refresh works after privileges are dropped */
	char *path;
	unsigned long line;
	char partial[LINE_MAX_BYTES]; /* a line not yet ended by '\n' */
	size_t partial_len;
	bool overlong;    /* the current line passed LINE_MAX_BYTES */
};

struct keylog {
	struct keylog_entry *v;
	size_t n, cap;
	uint32_t *index; /* open addressing: entry number + 1, 0 empty */
	size_t index_cap;
	struct keylog_file *files;
	size_t nfiles;
	keylog_line_fn sink;
	void *sink_ctx;
};

static const struct {
	const char *label;
	enum keylog_secret which;
} labels[] = {
	{ "CLIENT_RANDOM", KEYLOG_MASTER },
	{ "CLIENT_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_CLIENT_HANDSHAKE },
	{ "SERVER_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_SERVER_HANDSHAKE },
	{ "CLIENT_TRAFFIC_SECRET_0", KEYLOG_CLIENT_TRAFFIC0 },
	{ "SERVER_TRAFFIC_SECRET_0", KEYLOG_SERVER_TRAFFIC0 },
};

struct keylog *keylog_new(void)
{
	return calloc(1, sizeof(struct keylog));
}

void keylog_free(struct keylog *kl)
{
	if (!kl)
		return;
	for (size_t i = 0; i < kl->nfiles; i++) {
		if (kl->files[i].f)
			fclose(kl->files[i].f);
		free(kl->files[i].path);
	}
	free(kl->files);
	free(kl->index);
	free(kl->v);
	free(kl);
}

void keylog_set_sink(struct keylog *kl, keylog_line_fn fn, void *ctx)
{
	kl->sink = fn;
	kl->sink_ctx = ctx;
}

static uint32_t random_hash(const uint8_t r[KEYLOG_RANDOM_LEN])
{
	/* the random is uniformly distributed: its bytes are a good hash */
	uint32_t h;
	memcpy(&h, r + KEYLOG_RANDOM_LEN - 4, 4);
	return h;
}

static struct keylog_entry *lookup(const struct keylog *kl, const uint8_t r[KEYLOG_RANDOM_LEN])
{
	if (!kl->index_cap)
		return NULL;
	size_t mask = kl->index_cap - 1;
	for (size_t i = random_hash(r) & mask;; i = (i + 1) & mask) {
		uint32_t k = kl->index[i];
		if (!k)
			return NULL;
		if (memcmp(kl->v[k - 1].random, r, KEYLOG_RANDOM_LEN) == 0)
			return &kl->v[k - 1];
	}
}

static int grow_index(struct keylog *kl)
{
	size_t cap = kl->index_cap ? kl->index_cap * 2 : 64;
	uint32_t *ix = calloc(cap, sizeof(*ix));
	if (!ix)
		return -1;
	for (size_t k = 0; k < kl->n; k++) {
		size_t i = random_hash(kl->v[k].random) & (cap - 1);
		while (ix[i])
			i = (i + 1) & (cap - 1);
		ix[i] = (uint32_t)k + 1;
	}
	free(kl->index);
	kl->index = ix;
	kl->index_cap = cap;
	return 0;
}

static struct keylog_entry *find_or_add(struct keylog *kl, const uint8_t r[KEYLOG_RANDOM_LEN])
{
	struct keylog_entry *e = lookup(kl, r);
	if (e)
		return e;
	if ((kl->n + 1) * 2 > kl->index_cap && grow_index(kl) < 0)
		return NULL;
	if (kl->n == kl->cap) {
		size_t cap = kl->cap ? kl->cap * 2 : 32;
		struct keylog_entry *v = realloc(kl->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		kl->v = v;
		kl->cap = cap;
	}
	e = &kl->v[kl->n];
	memset(e, 0, sizeof(*e));
	memcpy(e->random, r, KEYLOG_RANDOM_LEN);
	size_t i = random_hash(r) & (kl->index_cap - 1);
	while (kl->index[i])
		i = (i + 1) & (kl->index_cap - 1);
	kl->index[i] = (uint32_t)++kl->n;
	return e;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes exactly `n` hex digits into out[n/2]; false on a non-hex digit. */
static bool unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* Splits off the next space-separated word of [*p, end). */
static bool next_word(const char **p, const char *end, const char **w, size_t *n)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	const char *e = s;
	while (e < end && *e != ' ' && *e != '\t')
		e++;
	*w = s;
	*n = (size_t)(e - s);
	*p = e;
	return *n > 0;
}

/* Parses one line; returns 1 when a secret was learnt, 0 when nothing to
 * learn (comment, blank, ignored label, repeat), -1 malformed (*why set). */
static int parse_line(struct keylog *kl, const char *line, size_t len, const char **why)
{
	const char *p = line, *end = line + len;
	while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	const char *label, *rnd, *sec, *extra;
	size_t label_len, rnd_len, sec_len, extra_len;
	if (!next_word(&p, end, &label, &label_len) || label[0] == '#')
		return 0;
	if (!next_word(&p, end, &rnd, &rnd_len) || !next_word(&p, end, &sec, &sec_len)) {
		*why = "expected LABEL CLIENT_RANDOM SECRET";
		return -1;
	}
	if (next_word(&p, end, &extra, &extra_len)) {
		*why = "more than three fields";
		return -1;
	}
	int which = -1;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strlen(labels[i].label) == label_len && memcmp(labels[i].label, label, label_len) == 0)
			which = (int)labels[i].which;
	/* Other labels (RSA, EXPORTER_SECRET, early data, ECH, OpenSSL's updated
	 * *_TRAFFIC_SECRET_N) carry nothing needed here: ignored, as the key log
	 * format asks of readers. */
	if (which < 0)
		return 0;
	uint8_t r[KEYLOG_RANDOM_LEN], s[KEYLOG_SECRET_MAX];
	if (rnd_len != 2 * KEYLOG_RANDOM_LEN || !unhex(rnd, rnd_len, r)) {
		*why = "client random is not 64 hex digits";
		return -1;
	}
	bool ok_len = which == KEYLOG_MASTER ? sec_len == 96 : (sec_len == 64 || sec_len == 96);
	if (!ok_len || !unhex(sec, sec_len, s)) {
		*why = which == KEYLOG_MASTER ? "master secret is not 96 hex digits"
					       : "traffic secret is not 64 or 96 hex digits";
		return -1;
	}
	struct keylog_entry *e = find_or_add(kl, r);
	if (!e) {
		*why = "out of memory";
		return -1;
	}
	size_t n = sec_len / 2;
	if (e->secret_len[which] == n && memcmp(e->secret[which], s, n) == 0)
		return 0; /* the same line again (a file and a DSB, or a re-read) */
	memcpy(e->secret[which], s, n);
	e->secret_len[which] = (uint8_t)n;
	return 1;
}

/* One complete line of `source` (line number `lineno`, 0 = not numbered). */
static int take_line(struct keylog *kl, const char *line, size_t len, const char *source, unsigned long lineno,
		     bool to_sink)
{
	const char *why = NULL;
	int r = parse_line(kl, line, len, &why);
	if (r < 0) {
		if (lineno)
			log_warn("%s:%lu: key log line skipped: %s", source, lineno, why);
		else
			log_warn("%s: key log line skipped: %s", source, why);
		return 0;
	}
	if (r > 0 && to_sink && kl->sink) {
		while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
			len--;
		kl->sink(kl->sink_ctx, line, len);
	}
	return r;
}

size_t keylog_add_text(struct keylog *kl, const char *text, size_t len, const char *source)
{
	size_t learnt = 0;
	unsigned long lineno = 0;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		lineno++;
		learnt += (size_t)take_line(kl, p, (size_t)(le - p), source, lineno, false);
		p = nl ? nl + 1 : end;
	}
	return learnt;
}

static size_t read_more(struct keylog *kl, struct keylog_file *kf)
{
	size_t learnt = 0;
	char buf[4096];
	size_t n;
	clearerr(kf->f); /* a file that hit EOF before may have grown */
	while ((n = fread(buf, 1, sizeof(buf), kf->f)) > 0) {
		for (const char *p = buf, *end = buf + n; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t k = (size_t)((nl ? nl : end) - p);
			if (kf->partial_len + k > sizeof(kf->partial))
				kf->overlong = true;
			else {
				memcpy(kf->partial + kf->partial_len, p, k);
				kf->partial_len += k;
			}
			if (!nl)
				break;
			kf->line++;
			if (kf->overlong)
				log_warn("%s:%lu: key log line skipped: longer than %d bytes", kf->path, kf->line,
					 LINE_MAX_BYTES);
			else
				learnt += (size_t)take_line(kl, kf->partial, kf->partial_len, kf->path, kf->line, true);
			kf->partial_len = 0;
			kf->overlong = false;
			p = nl + 1;
		}
	}
	if (ferror(kf->f))
		log_warn("%s: read error: %s", kf->path, strerror(errno));
	return learnt;
}

long keylog_add_file(struct keylog *kl, const char *path)
{
	struct keylog_file *v = realloc(kl->files, (kl->nfiles + 1) * sizeof(*v));
	if (!v) {
		log_error("%s: out of memory", path);
		return -1;
	}
	kl->files = v;
	struct keylog_file *kf = &v[kl->nfiles];
	memset(kf, 0, sizeof(*kf));
	kf->f = fopen(path, "r");
	if (!kf->f) {
		log_error("%s: cannot open key log: %s", path, strerror(errno));
		return -1;
	}
	kf->path = strdup(path);
	if (!kf->path) {
		fclose(kf->f);
		log_error("%s: out of memory", path);
		return -1;
	}
	kl->nfiles++;
	return (long)read_more(kl, kf);
}

size_t keylog_refresh(struct keylog *kl)
{
	size_t learnt = 0;
	for (size_t i = 0; i < kl->nfiles; i++)
		learnt += read_more(kl, &kl->files[i]);
	return learnt;
}

const struct keylog_entry *keylog_find(const struct keylog *kl, const uint8_t random[KEYLOG_RANDOM_LEN])
{
	return kl ? lookup(kl, random) : NULL;
}

size_t keylog_entries(const struct keylog *kl)
{
	return kl ? kl->n : 0;
}

size_t keylog_format(const struct keylog_entry *e, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = 0;
	bool fits = true;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		size_t n = e->secret_len[labels[i].which];
		if (!n)
			continue;
		char line[256];
		size_t k = (size_t)snprintf(line, sizeof(line), "%s ", labels[i].label);
		for (size_t j = 0; j < KEYLOG_RANDOM_LEN; j++) {
			line[k++] = hex[e->random[j] >> 4];
			line[k++] = hex[e->random[j] & 15];
		}
		line[k++] = ' ';
		for (size_t j = 0; j < n; j++) {
			line[k++] = hex[e->secret[labels[i].which][j] >> 4];
			line[k++] = hex[e->secret[labels[i].which][j] & 15];
		}
		line[k++] = '\n';
		fits = fits && need + k < cap;
		if (fits)
			memcpy(buf + need, line, k);
		need += k;
	}
	if (cap)
		buf[fits ? need : 0] = 0;
	return need;
}
