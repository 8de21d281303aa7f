/* \summary: field extraction: the walk, nested string decoding, Cookie
 * headers and request bodies by Content-Type (see extract.h).
 *
 * References: RFC 9110 section 8.3 (Content-Type), RFC 6265 section 4.2
 * (Cookie).  JSON, forms, multipart and wrapped values live in
 * extract_json.c, extract_form.c, extract_multipart.c and extract_wrap.c.
 */
#include "extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_internal.h"
#include "utf8.h"

#define BOUNDARY_MAX 200    /* RFC 2046 allows 70; leave room for lax senders */

bool ex_is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void ex_trim(const uint8_t **s, size_t *len)
{
	while (*len && ex_is_ws((*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len && ex_is_ws((*s)[*len - 1]))
		(*len)--;
}

const char *ex_prefix_key(const char *prefix, size_t *len)
{
	const char *dot = strrchr(prefix, '.');
	const char *k = dot ? dot + 1 : prefix;
	*len = strlen(k);
	return k;
}

bool ex_walk_init(struct ex_walk *w, struct extract_ctx *x, const char *prefix)
{
	w->out = x->out;
	w->x = x;
	w->max_depth = x->max_depth ? x->max_depth : EXTRACT_DEFAULT_MAX_DEPTH;
	dbuf_init(&w->path, EX_PATH_MAX);
	if (!ex_path_push_str(w, prefix ? prefix : "")) {
		dbuf_free(&w->path);
		return false;
	}
	return true;
}

void ex_walk_free(struct ex_walk *w) { dbuf_free(&w->path); }

bool ex_path_push(struct ex_walk *w, const void *s, size_t n)
{
	size_t mark = w->path.len;
	if (!dbuf_append(&w->path, s, n)) {
		w->path.len = mark;
		w->out->truncated = true;
		return false;
	}
	return true;
}

bool ex_path_push_str(struct ex_walk *w, const char *s) { return ex_path_push(w, s, strlen(s)); }

bool ex_path_push_key(struct ex_walk *w, const void *key, size_t key_len)
{
	size_t mark = w->path.len;
	if (ex_path_push(w, ".", 1) && ex_path_push(w, key, key_len))
		return true;
	ex_path_pop(w, mark);
	return false;
}

bool ex_path_push_index(struct ex_walk *w, size_t i)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "[%zu]", i);
	return ex_path_push(w, b, (size_t)n);
}

bool ex_full(struct ex_walk *w)
{
	if (w->out->n < w->out->max_fields)
		return false;
	w->out->truncated = true;
	return true;
}

void ex_emit(struct ex_walk *w, const void *key, size_t key_len, const void *val, size_t val_len)
{
	/* field_list_add records a drop at its caps itself */
	field_list_add(w->out, w->path.data ? (const char *)w->path.data : "", w->path.len,
		       key ? (const char *)key : "", key ? key_len : 0, val ? val : "",
		       val ? val_len : 0);
}

/* Values this long that decode from base64 to nothing privaudit reads are
 * counted: payloads (often encrypted), not ids or tokens. */
#define B64_PAYLOAD_MIN 64

/* The structure a peel found, walked below its tags. */
static void walk_peeled(struct ex_walk *w, const void *key, size_t key_len, struct ex_peel *p,
			unsigned depth)
{
	size_t mark = w->path.len;
	if (!ex_path_push(w, p->tags, p->tags_len))
		return;
	unsigned root = depth + p->levels; /* each tag is one level */
	if (p->kind == EX_PEEL_JSON)
		ex_json_walk(w, key, key_len, &p->json, root);
	else if (p->kind == EX_PEEL_JSONL)
		ex_json_lines_at(w, key, key_len, p->data, p->len, false, root);
	else
		ex_form(w, key, key_len, p->data, p->len, root);
	ex_path_pop(w, mark);
	if (p->cut)
		w->x->stats.decode_error = true;
}

void ex_string(struct ex_walk *w, const void *key, size_t key_len, const uint8_t *s, size_t len,
	       unsigned depth)
{
	struct ex_peel p;
	switch (ex_peel(w, s, len, depth, false, false, &p)) {
	case EX_PEEL_NONE:
		ex_emit(w, key, key_len, s, len);
		if (p.base64 && len >= B64_PAYLOAD_MIN)
			w->x->stats.values_base64_opaque[ex_classify_opaque("", 0, p.data, p.len)]++;
		break;
	case EX_PEEL_CAPPED:
		/* at the cap the encoded text itself is the leaf */
		w->out->truncated = true;
		ex_emit(w, key, key_len, s, len);
		break;
	default:
		walk_peeled(w, key, key_len, &p, depth);
		w->x->stats.values_decoded++;
		break;
	}
	ex_peel_free(&p);
}

/* Cookie (RFC 6265 section 4.2.1): `a=1; b=2`.  Values are kept as sent (no
 * percent-decoding: cookies have no defined encoding), quotes removed. */
void extract_cookie(struct extract_ctx *x, const uint8_t *s, size_t len)
{
	struct ex_walk w;
	if (!ex_walk_init(&w, x, "cookie"))
		return;
	size_t pos = 0;
	while (pos < len && !ex_full(&w)) {
		const uint8_t *p = s + pos;
		const uint8_t *semi = memchr(p, ';', len - pos);
		size_t n = semi ? (size_t)(semi - p) : len - pos;
		pos += n + 1;
		const uint8_t *eq = memchr(p, '=', n);
		const uint8_t *name = p, *val = eq ? eq + 1 : p + n;
		size_t name_len = eq ? (size_t)(eq - p) : n;
		size_t val_len = eq ? n - name_len - 1 : 0;
		ex_trim(&name, &name_len);
		ex_trim(&val, &val_len);
		if (name_len == 0)
			continue;
		if (val_len >= 2 && val[0] == '"' && val[val_len - 1] == '"') {
			val++;
			val_len -= 2;
		}
		size_t mark = w.path.len;
		if (ex_path_push_key(&w, name, name_len)) {
			ex_emit(&w, name, name_len, val, val_len);
			ex_path_pop(&w, mark);
		}
	}
	ex_walk_free(&w);
}

/* URL query strings and form bodies: the form sits at depth 0. */
void extract_urlencoded(struct extract_ctx *x, const char *prefix, const uint8_t *s, size_t len)
{
	struct ex_walk w;
	if (!ex_walk_init(&w, x, prefix))
		return;
	size_t key_len;
	const char *key = ex_prefix_key(prefix ? prefix : "", &key_len);
	if (len && s[0] == '?') { /* tolerate a caller passing the '?' along */
		s++;
		len--;
	}
	ex_form(&w, key, key_len, s, len, 0);
	ex_walk_free(&w);
}

int extract_json(struct extract_ctx *x, const char *prefix, const uint8_t *s, size_t len)
{
	struct ex_walk w;
	if (!ex_walk_init(&w, x, prefix))
		return -1;
	size_t key_len;
	const char *key = ex_prefix_key(prefix ? prefix : "", &key_len);
	enum ex_json_kind k = ex_json_document(&w, key, key_len, s, len, true);
	ex_walk_free(&w);
	return k == EX_NOT_JSON ? -1 : 0;
}

void extract_multipart(struct extract_ctx *x, const char *prefix, const char *boundary,
		       size_t boundary_len, const uint8_t *s, size_t len)
{
	struct ex_walk w;
	if (!boundary || !ex_walk_init(&w, x, prefix))
		return;
	ex_multipart(&w, (const uint8_t *)boundary, boundary_len, s, len);
	ex_walk_free(&w);
}

/* Content-Type handling (RFC 9110 section 8.3.1): type/subtype, then
 * `;`-separated parameters whose values may be quoted strings. */

bool ex_ascii_ieq(const void *a, size_t n, const char *lower)
{
	const uint8_t *p = a;
	size_t i = 0;
	for (; i < n && lower[i]; i++) {
		uint8_t c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (c != (uint8_t)lower[i])
			return false;
	}
	return i == n && lower[i] == 0;
}

static bool ascii_iends(const char *a, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && ex_ascii_ieq(a + n - k, k, suffix);
}

static bool ascii_istarts(const char *a, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && ex_ascii_ieq(a, k, prefix);
}

static void skip_ows(const uint8_t *s, size_t n, size_t *i)
{
	while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
}

bool ex_next_param(const uint8_t *s, size_t n, size_t *i, struct ex_param *p)
{
	while (*i < n) {
		(*i)++; /* past ';' */
		skip_ows(s, n, i);
		p->name = s + *i;
		while (*i < n && s[*i] != '=' && s[*i] != ';')
			(*i)++;
		p->name_len = (size_t)(s + *i - p->name);
		while (p->name_len && (p->name[p->name_len - 1] == ' ' || p->name[p->name_len - 1] == '\t'))
			p->name_len--;
		if (*i >= n || s[*i] == ';')
			continue; /* a parameter without a value */
		(*i)++; /* past '=' */
		skip_ows(s, n, i);
		p->len = 0;
		p->cut = false;
		bool quoted = *i < n && s[*i] == '"';
		if (quoted)
			(*i)++;
		for (; *i < n && (quoted ? s[*i] != '"' : s[*i] != ';'); (*i)++) {
			/* only \" and \\ are escapes: Windows paths in filenames keep their '\' */
			if (quoted && s[*i] == '\\' && n - *i > 1 && (s[*i + 1] == '"' || s[*i + 1] == '\\'))
				(*i)++;
			if (p->len < sizeof(p->value))
				p->value[p->len++] = s[*i];
			else
				p->cut = true;
		}
		if (!quoted)
			while (p->len && (p->value[p->len - 1] == ' ' || p->value[p->len - 1] == '\t'))
				p->len--;
		while (*i < n && s[*i] != ';') /* past the closing quote */
			(*i)++;
		return true;
	}
	return false;
}

/* The boundary parameter into buf; its length, 0 if absent or too long. */
static size_t ct_boundary(const char *ct, size_t n, char *buf, size_t cap)
{
	const char *semi = memchr(ct, ';', n);
	size_t i = semi ? (size_t)(semi - ct) : n;
	struct ex_param p;
	while (ex_next_param((const uint8_t *)ct, n, &i, &p)) {
		if (ex_ascii_ieq(p.name, p.name_len, "boundary"))
			return p.cut || p.len > cap ? 0 : (memcpy(buf, p.value, p.len), p.len);
	}
	return 0;
}

/* A sender that left the boundary out: the body's first line names it. */
static size_t guess_boundary(const uint8_t *s, size_t len, char *buf, size_t cap)
{
	if (len < 3 || s[0] != '-' || s[1] != '-')
		return 0;
	size_t i = 2;
	while (i < len && i - 2 < cap && s[i] != '\r' && s[i] != '\n' && s[i] > ' ')
		i++;
	if (i >= len || (s[i] != '\r' && s[i] != '\n'))
		return 0;
	memcpy(buf, s + 2, i - 2);
	return i - 2;
}

/* Printable UTF-8: text that may be shown but holds no fields. */
bool ex_is_text(const uint8_t *s, size_t len)
{
	for (size_t i = 0, n; i < len; i += n) {
		uint8_t c = s[i];
		if ((c < 0x20 && !ex_is_ws(c)) || c == 0x7f || !(n = utf8_seq(s + i, len - i)))
			return false;
	}
	return true;
}

/* A body wrapped in base64, gzip or deflate without a Content-Encoding
 * saying so: `body{base64}{gzip}{json}...`.  Its kind, or NULL; then, with
 * `classify`, what the innermost layer looks like goes to the stats. */
static const char *wrapped_body(struct ex_walk *w, const char *key, size_t key_len, const char *mt,
				size_t mt_len, const uint8_t *body, size_t len, bool classify)
{
	static const char *const kinds[] = { NULL, "json", "jsonl", "form", NULL };
	struct ex_peel p;
	enum ex_peel_kind k = ex_peel(w, body, len, 0, true, true, &p);
	if (k == EX_PEEL_JSON || k == EX_PEEL_JSONL || k == EX_PEEL_FORM) {
		walk_peeled(w, key, key_len, &p, 0);
	} else {
		if (k == EX_PEEL_CAPPED)
			w->out->truncated = true;
		if (classify)
			w->x->stats.body = ex_classify_opaque(mt, mt_len, p.data, p.len);
	}
	ex_peel_free(&p);
	return kinds[k];
}

/* No usable type: JSON (object or array), JSON Lines, a form, a wrapped
 * body, else text or binary (and what it looks like). */
static const char *sniff_body(struct ex_walk *w, const char *key, size_t key_len, const char *mt,
			      size_t mt_len, const uint8_t *body, size_t len)
{
	enum ex_json_kind k = ex_json_document(w, key, key_len, body, len, false);
	if (k == EX_JSON)
		return "json";
	if (k == EX_JSONL)
		return "jsonl";
	const uint8_t *t = body;
	size_t tl = len;
	ex_trim(&t, &tl);
	if (ex_form_sniff(t, tl, true)) {
		ex_form(w, key, key_len, t, tl, 0);
		return "form";
	}
	const char *kind = wrapped_body(w, key, key_len, mt, mt_len, body, len, true);
	if (kind)
		return kind;
	return ex_is_text(body, len) ? "text" : "binary";
}

const char *extract_body(struct extract_ctx *x, const char *content_type, size_t ct_len,
			 const uint8_t *body, size_t len)
{
	struct ex_walk w;
	x->stats.body = EXTRACT_OPAQUE_NONE;
	if (!ex_walk_init(&w, x, "body")) {
		x->stats.body = EXTRACT_OPAQUE_BINARY;
		return "binary";
	}
	const char *key = "body";
	size_t key_len = 4;
	const char *ct = content_type ? content_type : "";
	size_t n = content_type ? ct_len : 0;
	const char *semi = memchr(ct, ';', n);
	size_t mt = semi ? (size_t)(semi - ct) : n;
	while (mt && (ct[mt - 1] == ' ' || ct[mt - 1] == '\t'))
		mt--;
	while (mt && (ct[0] == ' ' || ct[0] == '\t')) {
		ct++;
		n--;
		mt--;
	}
	const char *kind = NULL;
	if (ex_ascii_ieq(ct, mt, "application/json") || ex_ascii_ieq(ct, mt, "application/json-rpc") ||
	    ex_ascii_ieq(ct, mt, "text/json") ||
	    (ascii_istarts(ct, mt, "application/") && ascii_iends(ct, mt, "+json"))) {
		enum ex_json_kind k = ex_json_document(&w, key, key_len, body, len, true);
		if (k != EX_NOT_JSON)
			kind = k == EX_JSON ? "json" : "jsonl";
	} else if (ex_ascii_ieq(ct, mt, "application/x-ndjson") ||
		   ex_ascii_ieq(ct, mt, "application/jsonl") ||
		   ex_ascii_ieq(ct, mt, "application/x-jsonlines")) {
		if (ex_json_lines(&w, key, key_len, body, len) > 0)
			kind = "jsonl";
	} else if (ex_ascii_ieq(ct, mt, "application/x-sentry-envelope")) {
		if (ex_envelope(&w, key, key_len, body, len) > 0)
			kind = "jsonl";
	} else if (ex_ascii_ieq(ct, mt, "application/x-www-form-urlencoded")) {
		/* apps send JSON under the form type; a form never starts with '{' */
		const uint8_t *t = body;
		size_t tl = len;
		ex_trim(&t, &tl);
		if (tl && (t[0] == '{' || t[0] == '[') &&
		    ex_json_document(&w, key, key_len, body, len, false) == EX_JSON) {
			kind = "json";
		} else if (memchr(body, '=', len)) {
			/* base64 padding has '=' too: a body that is no form may be wrapped */
			if (!ex_form_sniff(t, tl, false))
				kind = wrapped_body(&w, key, key_len, ct, mt, body, len, false);
			if (!kind) {
				ex_form(&w, key, key_len, body, len, 0);
				kind = "form";
			}
		} /* else not a form at all: sniffed below */
	} else if (ex_ascii_ieq(ct, mt, "multipart/form-data")) {
		char b[BOUNDARY_MAX];
		size_t bl = ct_boundary(ct, n, b, sizeof(b));
		if (bl == 0)
			bl = guess_boundary(body, len, b, sizeof(b));
		if (bl > 0) {
			ex_multipart(&w, (const uint8_t *)b, bl, body, len);
			kind = "multipart";
		}
	}
	if (!kind) /* missing, generic, unknown, or not what it claimed */
		kind = sniff_body(&w, key, key_len, ct, mt, body, len);
	ex_walk_free(&w);
	return kind;
}
