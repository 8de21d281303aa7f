/* \summary: transmissions: fields of a request, masking, the sorted spool
 * (see transmission.h). */
#include "transmission.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dbuf.h"
#include "decode.h"
#include "decompress.h"
#include "extract.h"
#include "http1.h"
#include "jsonw.h"
#include "report.h"
#include "signatures.h"
#include "utf8.h"
#include "validators.h"

/* Request headers that only frame or negotiate the transfer: they carry
 * nothing about the user, so they are not fields.  Everything else is
 * (user-agent, x-device-id, referer, authorization ...). */
static const char *const plumbing_headers[] = {
	"host", "content-length", "transfer-encoding", "connection", "keep-alive", "te",
	"upgrade", "expect", "accept", "accept-encoding", "cache-control", "pragma",
	"if-modified-since", "if-none-match", "if-match", "if-unmodified-since", "if-range",
	"range", "content-encoding", "proxy-connection", "upgrade-insecure-requests",
	"content-type", "cookie",
};

static bool is_plumbing(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(plumbing_headers) / sizeof(*plumbing_headers); i++)
		if (strlen(plumbing_headers[i]) == len && strncasecmp(plumbing_headers[i], name, len) == 0)
			return true;
	return false;
}

size_t tx_host_name(const char *host, size_t len, char *buf, size_t cap)
{
	size_t s = 0, e = len;
	if (len && host[0] == '[') { /* [v6]:port */
		const char *rb = memchr(host, ']', len);
		s = 1;
		e = rb ? (size_t)(rb - host) : len;
	} else {
		const char *colon = memchr(host, ':', len);
		if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - host) - 1))
			e = (size_t)(colon - host);
	}
	size_t n = 0;
	for (size_t i = s; i < e && n + 1 < cap; i++) {
		char c = host[i];
		buf[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	if (n && buf[n - 1] == '.')
		n--; /* "example.com." names the same host */
	if (cap)
		buf[n] = 0;
	return n;
}

/* What the extraction recorded: counters, and the cuts of nested values. */
static void tx_take_stats(struct transmission *t, const struct extract_ctx *x)
{
	t->extract = x->stats;
	if (x->stats.decompress_capped)
		t->truncated |= TX_TRUNC_DECOMPRESS;
	if (x->stats.decode_error)
		t->truncated |= TX_TRUNC_DECODE_ERROR;
	if (t->fields.truncated)
		t->truncated |= TX_TRUNC_FIELDS;
}

void tx_fields_from_http(struct transmission *t, const struct http_request *r, size_t max_decoded)
{
	struct extract_ctx x = { .out = &t->fields, .max_depth = EXTRACT_DEFAULT_MAX_DEPTH,
				 .max_decoded = max_decoded };
	const char *q = memchr(r->target, '?', r->target_len);
	if (q) {
		const char *qe = r->target + r->target_len;
		const char *hash = memchr(q, '#', (size_t)(qe - q));
		extract_urlencoded(&x, "query", (const uint8_t *)q + 1, (size_t)((hash ? hash : qe) - q - 1));
	}
	char name[128];
	for (size_t i = 0; i < r->nheaders; i++) {
		const struct http_header *h = &r->headers[i];
		if (h->name_len == 6 && strncasecmp(h->name, "cookie", 6) == 0) {
			extract_cookie(&x, (const uint8_t *)h->value, h->value_len);
			continue;
		}
		if (is_plumbing(h->name, h->name_len))
			continue;
		size_t n = h->name_len < 100 ? h->name_len : 100;
		memcpy(name, "header.", 7);
		for (size_t k = 0; k < n; k++) {
			char c = h->name[k];
			name[7 + k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		field_list_add(&t->fields, name, 7 + n, name + 7, n, h->value, h->value_len);
	}
	t->body_len = r->body_len;
	if (r->body_len == 0 || r->body_gap) {
		tx_take_stats(t, &x);
		return; /* a body with a hole would decode into values never sent */
	}
	const struct http_header *ce = http_find_header(r, "content-encoding");
	const struct http_header *ct = http_find_header(r, "content-type");
	const uint8_t *body = r->body;
	size_t len = r->body_len;
	struct dbuf decoded;
	dbuf_init(&decoded, max_decoded);
	if (ce && ce->value_len) {
		struct decomp_limits lim = { max_decoded, DECOMP_DEFAULT_MAX_RATIO };
		unsigned fl = decompress_body(ce->value, ce->value_len, body, len, &lim, &decoded);
		if (fl & DECOMP_TRUNCATED)
			t->truncated |= TX_TRUNC_DECOMPRESS;
		if (fl & (DECOMP_FAILED | DECOMP_INCOMPLETE))
			t->truncated |= TX_TRUNC_DECODE_ERROR;
		body = decoded.data;
		len = decoded.len;
	}
	if (body && len)
		t->body_kind = extract_body(&x, ct ? ct->value : NULL, ct ? ct->value_len : 0, body, len);
	else
		x.stats.body = EXTRACT_OPAQUE_COMPRESSED; /* the content coding gave nothing */
	dbuf_free(&decoded);
	tx_take_stats(t, &x);
}

void tx_coverage_add(struct extract_coverage *c, const struct transmission *t)
{
	c->values_decoded += t->extract.values_decoded;
	for (int o = 0; o < EXTRACT_OPAQUE_COUNT; o++)
		c->values_base64_opaque[o] += t->extract.values_base64_opaque[o];
	if (t->body_len == 0)
		return;
	c->bodies++;
	if (t->truncated & TX_TRUNC_BODY_GAP)
		c->with_gap++;
	else if (t->extract.body == EXTRACT_OPAQUE_NONE)
		c->decoded++;
	else
		c->undecoded[t->extract.body]++;
}

static void write_opaque(struct jsonw *w, const uint64_t *counts)
{
	jw_obj_begin(w);
	for (int o = EXTRACT_OPAQUE_NONE + 1; o < EXTRACT_OPAQUE_COUNT; o++) {
		jw_key(w, extract_opaque_name(o));
		jw_uint(w, counts[o]);
	}
	jw_obj_end(w);
}

void tx_coverage_write(struct jsonw *w, const struct extract_coverage *c)
{
	jw_key(w, "bodies");
	jw_obj_begin(w);
	jw_key(w, "total");
	jw_uint(w, c->bodies);
	jw_key(w, "decoded");
	jw_uint(w, c->decoded);
	jw_key(w, "with_gap");
	jw_uint(w, c->with_gap);
	jw_key(w, "undecoded");
	write_opaque(w, c->undecoded);
	jw_obj_end(w);
	jw_key(w, "values");
	jw_obj_begin(w);
	jw_key(w, "decoded");
	jw_uint(w, c->values_decoded);
	jw_key(w, "base64_undecoded");
	write_opaque(w, c->values_base64_opaque);
	jw_obj_end(w);
}

size_t tx_mask_value(const char *v, size_t len, char out[TX_MASK_MAX])
{
	/* character starts: the first three and the last two are kept */
	size_t chars = 0, first[3] = { len, len, len }, last[2] = { len, len };
	for (size_t i = 0, k; i < len; i += k) {
		k = utf8_seq((const uint8_t *)v + i, len - i);
		if (k == 0)
			k = 1;
		if (chars < 3)
			first[chars] = i;
		last[0] = last[1];
		last[1] = i;
		chars++;
	}
	size_t head = 0, tail = len, stars = chars;
	if (chars >= 8) {
		head = first[2];
		tail = last[0];
		stars = chars - 4 > 32 ? 32 : chars - 4;
	}
	/* two characters of at most 4 bytes each side of at most 32 stars */
	size_t n = head + stars + (len - tail);
	memcpy(out, v, head);
	memset(out + head, '*', stars);
	memcpy(out + head + stars, v + tail, len - tail);
	out[n] = 0;
	return n;
}

/* ---- spool ---- */

struct tx_index {
	int input;
	uint64_t frame;
	uint64_t seq;
	long offset;
	size_t len;
};

struct tx_spool {
	FILE *f;
	struct tx_index *idx;
	size_t n, cap;
	bool reveal, all_fields;
	EVP_MD *sha256;
	size_t *id_of_seq;
	bool sorted;
	EVP_MD_CTX *md;
	struct jsonw *w;
	long offset;
};

struct tx_spool *tx_spool_new(bool reveal_values, bool all_fields)
{
	struct tx_spool *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->reveal = reveal_values;
	s->all_fields = all_fields;
	s->f = tmpfile();
	s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	s->md = EVP_MD_CTX_new();
	s->w = malloc(sizeof(*s->w));
	if (!s->f || !s->sha256 || !s->md || !s->w) {
		tx_spool_free(s);
		return NULL;
	}
	jw_init(s->w, s->f);
	return s;
}

void tx_spool_free(struct tx_spool *s)
{
	if (!s)
		return;
	if (s->f)
		fclose(s->f);
	EVP_MD_free(s->sha256);
	EVP_MD_CTX_free(s->md);
	free(s->w);
	free(s->idx);
	free(s->id_of_seq);
	free(s);
}

size_t tx_spool_count(const struct tx_spool *s) { return s->n; }

static void sha256_hex(struct tx_spool *s, const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	static const char hex[] = "0123456789abcdef";
	unsigned len = 0;
	if (!EVP_DigestInit_ex2(s->md, s->sha256, NULL) || !EVP_DigestUpdate(s->md, p, n) ||
	    !EVP_DigestFinal_ex(s->md, md, &len)) {
		out[0] = 0;
		return;
	}
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = 0;
}

static void write_truncation(struct jsonw *w, unsigned t)
{
	static const char *const names[] = { "body_cap", "body_gap", "decompress_cap",
					     "decode_error", "field_cap", "header_cap" };
	jw_key(w, "truncated");
	if (!t) {
		jw_null(w);
		return;
	}
	jw_arr_begin(w);
	for (unsigned i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (t & (1u << i))
			jw_str(w, names[i]);
	jw_arr_end(w);
}

static void write_field(struct tx_spool *s, struct jsonw *w, const struct field *f, const struct classification *c)
{
	char hex[65];
	bool hit = c && c->category;
	jw_obj_begin(w);
	jw_key(w, "path");
	jw_str(w, f->path);
	jw_key(w, "key");
	jw_str(w, f->key);
	jw_key(w, "category");
	jw_str(w, hit ? c->category->id : NULL);
	jw_key(w, "sensitive");
	jw_bool(w, hit && c->category->sensitive);
	jw_key(w, "rule");
	jw_str(w, hit ? c->rule : NULL);
	jw_key(w, "confidence");
	if (hit) {
		char conf[16];
		snprintf(conf, sizeof(conf), "%.2f", c->confidence);
		jw_num(w, conf);
	} else {
		jw_null(w);
	}
	jw_key(w, "credential");
	jw_bool(w, hit && c->category->credential);
	jw_key(w, "issued");
	jw_bool(w, hit && c->issued);
	jw_key(w, "hashed");
	jw_str(w, hit ? hash_kind_name(c->hashed) : NULL);
	jw_key(w, "canary_form");
	jw_str(w, hit ? c->canary_form : NULL);
	jw_key(w, "value");
	if (s->reveal) {
		jw_strn(w, f->value, f->value_len);
	} else {
		char masked[TX_MASK_MAX]; /* no allocation per field */
		jw_strn(w, masked, tx_mask_value(f->value, f->value_len, masked));
	}
	jw_key(w, "value_length");
	jw_uint(w, f->value_len);
	jw_key(w, "value_sha256");
	sha256_hex(s, f->value, f->value_len, hex);
	jw_str(w, hex);
	jw_obj_end(w);
}

/* A transmission without personal data, when fields are not all listed:
 * where and what it was, and how many fields it carried. */
static void write_compact(struct jsonw *w, const struct transmission *t, size_t nfields)
{
	char ts[32];
	jw_key(w, "personal");
	jw_bool(w, false);
	jw_key(w, "ts");
	report_format_ts(t->ts_ns, ts);
	jw_str(w, ts);
	jw_key(w, "input");
	jw_int(w, t->input);
	jw_key(w, "frame");
	jw_uint(w, t->frame);
	jw_key(w, "host");
	if (t->host) {
		char name[256];
		size_t n = tx_host_name(t->host, t->host_len, name, sizeof(name));
		jw_strn(w, name, n);
	} else {
		jw_null(w);
	}
	jw_key(w, "method");
	jw_strn(w, t->method, t->method_len);
	jw_key(w, "path");
	const char *q = memchr(t->uri, '?', t->uri_len);
	jw_strn(w, t->uri, q ? (size_t)(q - t->uri) : t->uri_len);
	jw_key(w, "fields_other");
	jw_uint(w, nfields);
}

static void write_full(struct tx_spool *s, struct jsonw *w, const struct transmission *t, size_t personal)
{
	char buf[64], ts[32];
	jw_key(w, "personal");
	jw_bool(w, personal > 0);
	jw_key(w, "ts");
	report_format_ts(t->ts_ns, ts);
	jw_str(w, ts);
	jw_key(w, "input");
	jw_int(w, t->input);
	jw_key(w, "frame");
	jw_uint(w, t->frame);
	jw_key(w, "frames");
	jw_arr_begin(w);
	for (size_t i = 0; i < t->nframes; i++)
		jw_uint(w, t->frames[i]);
	jw_arr_end(w);
	jw_key(w, "flow");
	jw_obj_begin(w);
	jw_key(w, "id");
	jw_uint(w, t->flow_id);
	jw_key(w, "src");
	jw_str(w, ip_endpoint_str(&t->client, t->client_port, buf, sizeof(buf)));
	jw_key(w, "dst");
	jw_str(w, ip_endpoint_str(&t->server, t->server_port, buf, sizeof(buf)));
	jw_key(w, "transport");
	jw_str(w, "tcp");
	jw_obj_end(w);
	jw_key(w, "protocol");
	jw_str(w, t->protocol);
	jw_key(w, "tls");
	jw_bool(w, t->tls);
	jw_key(w, "host");
	if (t->host) {
		char name[256];
		size_t n = tx_host_name(t->host, t->host_len, name, sizeof(name));
		jw_strn(w, name, n);
	} else {
		jw_null(w);
	}
	jw_key(w, "method");
	jw_strn(w, t->method, t->method_len);
	jw_key(w, "uri");
	jw_strn(w, t->uri, t->uri_len);
	jw_key(w, "path");
	const char *q = memchr(t->uri, '?', t->uri_len);
	jw_strn(w, t->uri, q ? (size_t)(q - t->uri) : t->uri_len);
	jw_key(w, "status");
	if (t->status)
		jw_int(w, t->status);
	else
		jw_null(w);
	jw_key(w, "body");
	jw_str(w, t->body_kind);
	write_truncation(w, t->truncated);
	jw_key(w, "fields");
	jw_arr_begin(w);
	for (size_t i = 0; i < t->fields.n; i++) {
		const struct classification *c = t->cls ? &t->cls[i] : NULL;
		if (s->all_fields || (c && c->category))
			write_field(s, w, &t->fields.v[i], c);
	}
	jw_arr_end(w);
	jw_key(w, "fields_other");
	jw_uint(w, s->all_fields ? 0 : t->fields.n - personal);
}

int tx_spool_add(struct tx_spool *s, const struct transmission *t)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct tx_index *v = realloc(s->idx, cap * sizeof(*v));
		if (!v)
			return -1;
		s->idx = v;
		s->cap = cap;
	}
	size_t personal = 0;
	for (size_t i = 0; t->cls && i < t->fields.n; i++)
		personal += t->cls[i].category != NULL;
	struct jsonw *w = s->w;
	/* the id and the judgement are prepended when the sorted report is written */
	w->need_comma = true;
	if (personal || s->all_fields)
		write_full(s, w, t, personal);
	else
		write_compact(w, t, t->fields.n);
	jw_raw(w, "}\n");
	if (jw_flush(w) < 0)
		return -1;
	long end = (long)w->written; /* not ftell: that is a system call per request */
	struct tx_index *x = &s->idx[s->n];
	x->input = t->input;
	x->frame = t->frame;
	x->seq = s->n;
	s->sorted = false;
	x->offset = s->offset;
	x->len = (size_t)(end - s->offset);
	s->offset = end;
	s->n++;
	return personal > 0;
}

static int by_position(const void *a, const void *b)
{
	const struct tx_index *x = a, *y = b;
	if (x->input != y->input)
		return x->input < y->input ? -1 : 1;
	if (x->frame != y->frame)
		return x->frame < y->frame ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

const size_t *tx_spool_sort(struct tx_spool *s)
{
	if (!s->sorted) {
		if (s->n)
			qsort(s->idx, s->n, sizeof(*s->idx), by_position);
		free(s->id_of_seq);
		s->id_of_seq = calloc(s->n ? s->n : 1, sizeof(*s->id_of_seq));
		for (size_t i = 0; s->id_of_seq && i < s->n; i++)
			s->id_of_seq[s->idx[i].seq] = i + 1;
		s->sorted = true;
	}
	return s->id_of_seq;
}

int tx_spool_write(struct tx_spool *s, FILE *out, const char *indent,
		   void (*judgement)(void *ctx, long seq, char *buf, size_t len), void *ctx)
{
	tx_spool_sort(s);
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		struct tx_index *x = &s->idx[i];
		if (x->len + 1 > cap) {
			free(line);
			cap = x->len + 1;
			line = malloc(cap);
			if (!line)
				return -1;
		}
		if (fseek(s->f, x->offset, SEEK_SET) != 0 || fread(line, 1, x->len, s->f) != x->len) {
			rc = -1;
			break;
		}
		/* the spooled line is `,"ts":...}\n`; the id and the judgement open the object */
		char head[128];
		judgement(ctx, (long)x->seq, head, sizeof(head));
		fprintf(out, "%s{\"id\":%zu,%s", indent, i + 1, head);
		fwrite(line, 1, x->len - 1, out);
		fputs(i + 1 < s->n ? ",\n" : "\n", out);
	}
	free(line);
	fseek(s->f, 0, SEEK_END);
	return rc || ferror(out) ? -1 : 0;
}
