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

/* ---- spool ----
 *
 * Each transmission becomes one binary record in a temporary file as soon
 * as it is classified (values already masked, unless revealed, and hashed:
 * only the fields the report lists), so memory does not grow with their
 * number.  The strings of the signature set and the profile (categories,
 * rules, canary forms) outlive the spool and are stored as pointers. */

struct rec_head {
	int input;
	uint32_t flow_id;
	struct ip_addr client, server;
	uint16_t client_port, server_port;
	uint64_t frame, ts_ns;
	uint64_t fields_other;
	const char *protocol, *body_kind;
	int status;
	unsigned truncated;
	uint32_t nframes, nfields;
	uint32_t method_len, uri_len, host_len;
	bool tls, personal, full;
};

struct rec_field {
	struct classification c;
	uint64_t value_len;
	uint32_t path_len, key_len, shown_len;
	char sha256[65];
};

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
	struct dbuf rec; /* the record being built */
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
	dbuf_init(&s->rec, 0);
	if (!s->f || !s->sha256 || !s->md) {
		tx_spool_free(s);
		return NULL;
	}
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
	dbuf_free(&s->rec);
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

static bool add_field(struct tx_spool *s, const struct field *f, const struct classification *c)
{
	struct rec_field rf;
	memset(&rf, 0, sizeof(rf));
	if (c && c->category)
		rf.c = *c;
	rf.value_len = f->value_len;
	rf.path_len = (uint32_t)strlen(f->path);
	rf.key_len = (uint32_t)strlen(f->key);
	char masked[TX_MASK_MAX]; /* no allocation per field */
	const char *shown = f->value;
	size_t shown_len = f->value_len;
	if (!s->reveal) {
		shown_len = tx_mask_value(f->value, f->value_len, masked);
		shown = masked;
	}
	rf.shown_len = (uint32_t)shown_len;
	sha256_hex(s, f->value, f->value_len, rf.sha256);
	return dbuf_append(&s->rec, &rf, sizeof(rf)) && dbuf_append(&s->rec, f->path, rf.path_len) &&
	       dbuf_append(&s->rec, f->key, rf.key_len) && dbuf_append(&s->rec, shown, shown_len);
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
	char host[256];
	struct rec_head h;
	memset(&h, 0, sizeof(h));
	h.full = personal || s->all_fields;
	h.personal = personal > 0;
	h.input = t->input;
	h.flow_id = t->flow_id;
	h.client = t->client;
	h.server = t->server;
	h.client_port = t->client_port;
	h.server_port = t->server_port;
	h.frame = t->frame;
	h.ts_ns = t->ts_ns;
	h.protocol = t->protocol;
	h.body_kind = t->body_kind;
	h.status = t->status;
	h.truncated = t->truncated;
	h.tls = t->tls;
	h.nframes = h.full ? (uint32_t)t->nframes : 0;
	h.nfields = (uint32_t)(s->all_fields ? t->fields.n : h.full ? personal : 0);
	h.fields_other = s->all_fields ? 0 : t->fields.n - personal;
	h.method_len = (uint32_t)t->method_len;
	h.uri_len = (uint32_t)t->uri_len;
	h.host_len = t->host ? (uint32_t)tx_host_name(t->host, t->host_len, host, sizeof(host)) : UINT32_MAX;
	dbuf_reset(&s->rec);
	bool ok = dbuf_append(&s->rec, &h, sizeof(h)) &&
		  dbuf_append(&s->rec, t->frames, h.nframes * sizeof(*t->frames)) &&
		  dbuf_append(&s->rec, t->method, t->method_len) && dbuf_append(&s->rec, t->uri, t->uri_len) &&
		  (!t->host || dbuf_append(&s->rec, host, h.host_len));
	for (size_t i = 0; ok && h.nfields && i < t->fields.n; i++) {
		const struct classification *c = t->cls ? &t->cls[i] : NULL;
		if (s->all_fields || (c && c->category))
			ok = add_field(s, &t->fields.v[i], c);
	}
	if (!ok || fwrite(s->rec.data, 1, s->rec.len, s->f) != s->rec.len)
		return -1;
	struct tx_index *x = &s->idx[s->n];
	x->input = t->input;
	x->frame = t->frame;
	x->seq = s->n;
	s->sorted = false;
	x->offset = s->offset;
	x->len = s->rec.len;
	s->offset += (long)s->rec.len;
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

/* The record in buf[0..len) as a view (pointers into buf and *fields). */
static bool read_record(const uint8_t *buf, size_t len, struct tx_record *r, struct tx_field_view **fields,
			size_t *fields_cap)
{
	struct rec_head h;
	if (len < sizeof(h))
		return false;
	memcpy(&h, buf, sizeof(h));
	size_t at = sizeof(h), need = (size_t)h.nframes * sizeof(uint64_t) + h.method_len + h.uri_len +
				       (h.host_len == UINT32_MAX ? 0 : h.host_len);
	if (need > len - at)
		return false;
	r->input = h.input;
	r->flow_id = h.flow_id;
	r->client = h.client;
	r->server = h.server;
	r->client_port = h.client_port;
	r->server_port = h.server_port;
	r->frame = h.frame;
	r->ts_ns = h.ts_ns;
	r->protocol = h.protocol;
	r->body_kind = h.body_kind;
	r->status = h.status;
	r->truncated = h.truncated;
	r->tls = h.tls;
	r->personal = h.personal;
	r->full = h.full;
	r->fields_other = h.fields_other;
	r->frames = (const uint64_t *)(buf + at); /* 8-aligned: the head's size is a multiple of 8 */
	r->nframes = h.nframes;
	at += (size_t)h.nframes * sizeof(uint64_t);
	r->method = (const char *)buf + at;
	r->method_len = h.method_len;
	at += h.method_len;
	r->uri = (const char *)buf + at;
	r->uri_len = h.uri_len;
	at += h.uri_len;
	r->host = h.host_len == UINT32_MAX ? NULL : (const char *)buf + at;
	r->host_len = r->host ? h.host_len : 0;
	at += r->host_len;
	if (h.nfields > *fields_cap) {
		struct tx_field_view *v = realloc(*fields, h.nfields * sizeof(*v));
		if (!v)
			return false;
		*fields = v;
		*fields_cap = h.nfields;
	}
	for (uint32_t i = 0; i < h.nfields; i++) {
		struct rec_field rf;
		if (len - at < sizeof(rf))
			return false;
		memcpy(&rf, buf + at, sizeof(rf));
		at += sizeof(rf);
		if ((size_t)rf.path_len + rf.key_len + rf.shown_len > len - at)
			return false;
		struct tx_field_view *f = &(*fields)[i];
		f->c = rf.c;
		f->value_len = rf.value_len;
		memcpy(f->sha256, rf.sha256, sizeof(f->sha256));
		f->path = (const char *)buf + at;
		f->path_len = rf.path_len;
		f->key = f->path + rf.path_len;
		f->key_len = rf.key_len;
		f->shown = f->key + rf.key_len;
		f->shown_len = rf.shown_len;
		at += (size_t)rf.path_len + rf.key_len + rf.shown_len;
	}
	r->fields = *fields;
	r->nfields = h.nfields;
	return at == len;
}

int tx_spool_each(struct tx_spool *s, int (*fn)(void *ctx, const struct tx_record *r), void *ctx)
{
	tx_spool_sort(s);
	uint8_t *buf = NULL;
	size_t cap = 0, fields_cap = 0;
	struct tx_field_view *fields = NULL;
	int rc = 0;
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const struct tx_index *x = &s->idx[i];
		if (x->len > cap) {
			free(buf);
			cap = x->len;
			/* a multiple of 8 bytes from malloc: the frames after the head stay aligned */
			if (!(buf = malloc(cap))) {
				rc = -1;
				break;
			}
		}
		struct tx_record r = { .id = i + 1, .seq = (long)x->seq };
		if (fseek(s->f, x->offset, SEEK_SET) != 0 || fread(buf, 1, x->len, s->f) != x->len ||
		    !read_record(buf, x->len, &r, &fields, &fields_cap)) {
			rc = -1;
			break;
		}
		rc = fn(ctx, &r);
	}
	free(buf);
	free(fields);
	fseek(s->f, 0, SEEK_END);
	return rc;
}
