/* \summary: JSON and JSON Lines extraction (see extract.h).
 *
 * References: RFC 8259 (JSON), JSON Lines (jsonlines.org) and NDJSON.
 *
 * jansson parses and validates.  A shadow scanner then walks the source text
 * in step with the tree (objects iterate in document order), so numbers keep
 * their spelling (`12.50`, integers past 64 bits) and a value cut at the depth
 * cap is emitted as the text that was sent.  When the two cannot match
 * (duplicate keys collapse in the tree) the scanner is switched off and
 * values are printed from the tree instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_internal.h"
#include "json_arena.h"

/* The shadow scanner; `ok` false once it is out of step, for good. */
struct jlex {
	const uint8_t *s;
	size_t len, pos;
	bool ok;
};

static void lx_ws(struct jlex *l)
{
	while (l->ok && l->pos < l->len && ex_is_ws(l->s[l->pos]))
		l->pos++;
}

static bool lx_accept(struct jlex *l, uint8_t c)
{
	lx_ws(l);
	if (!l->ok || l->pos >= l->len || l->s[l->pos] != c)
		return false;
	l->pos++;
	return true;
}

static void lx_expect(struct jlex *l, uint8_t c)
{
	if (!lx_accept(l, c))
		l->ok = false;
}

static void lx_skip_string(struct jlex *l)
{
	lx_expect(l, '"');
	while (l->ok && l->pos < l->len) {
		uint8_t c = l->s[l->pos++];
		if (c == '"')
			return;
		if (c == '\\' && l->pos < l->len)
			l->pos++;
	}
	l->ok = false;
}

static bool is_number_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

static void lx_skip_value(struct jlex *l)
{
	lx_ws(l);
	if (!l->ok || l->pos >= l->len) {
		l->ok = false;
		return;
	}
	uint8_t c = l->s[l->pos];
	if (c == '"') {
		lx_skip_string(l);
		return;
	}
	if (c != '{' && c != '[') { /* number or literal */
		while (l->pos < l->len && !ex_is_ws(l->s[l->pos]) && !strchr(",]}:", l->s[l->pos]))
			l->pos++;
		return;
	}
	/* jansson validated the text: counting brackets outside strings is enough */
	size_t open = 0;
	while (l->ok && l->pos < l->len) {
		c = l->s[l->pos];
		if (c == '"') {
			lx_skip_string(l);
			continue;
		}
		l->pos++;
		if (c == '{' || c == '[')
			open++;
		else if ((c == '}' || c == ']') && --open == 0)
			return;
	}
	l->ok = false;
}

static void walk_value(struct ex_walk *w, const void *key, size_t key_len, json_t *v,
		       struct jlex *lx, unsigned depth);

/* A container at the depth cap: its source text is the leaf. */
static void emit_raw(struct ex_walk *w, const void *key, size_t key_len, json_t *v,
		     struct jlex *lx)
{
	w->out->truncated = true;
	lx_ws(lx);
	size_t start = lx->pos;
	lx_skip_value(lx);
	if (lx->ok) {
		ex_emit(w, key, key_len, lx->s + start, lx->pos - start);
		return;
	}
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text)
		ex_emit(w, key, key_len, text, strlen(text));
	free(text);
}

static void emit_number(struct ex_walk *w, const void *key, size_t key_len, json_t *v,
			struct jlex *lx)
{
	lx_ws(lx);
	size_t start = lx->pos, end = start;
	while (lx->ok && end < lx->len && is_number_char(lx->s[end]))
		end++;
	if (lx->ok && end > start) {
		lx->pos = end;
		ex_emit(w, key, key_len, lx->s + start, end - start);
		return;
	}
	lx->ok = false;
	char b[64];
	int n;
	if (json_is_integer(v)) {
		n = snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else {
		/* the shortest spelling that reads back the same */
		double d = json_real_value(v);
		int prec = 15;
		do
			n = snprintf(b, sizeof(b), "%.*g", prec, d);
		while (strtod(b, NULL) != d && ++prec <= 17);
	}
	ex_emit(w, key, key_len, b, n > 0 ? (size_t)n : 0);
}

static void walk_object(struct ex_walk *w, json_t *obj, struct jlex *lx, unsigned depth)
{
	size_t mark = w->path.len;
	lx_expect(lx, '{');
	for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
		if (ex_full(w)) {
			lx->ok = false;
			return;
		}
		const char *k = json_object_iter_key(it);
		size_t kl = strlen(k);
		lx_skip_string(lx);
		lx_expect(lx, ':');
		if (ex_path_push_key(w, k, kl)) {
			walk_value(w, k, kl, json_object_iter_value(it), lx, depth + 1);
			ex_path_pop(w, mark);
		} else {
			lx_skip_value(lx);
		}
		lx_accept(lx, ',');
	}
	lx_expect(lx, '}');
}

/* Elements are named `[i]` and keyed by the array's own key. */
static void walk_array(struct ex_walk *w, const void *key, size_t key_len, json_t *arr,
		       struct jlex *lx, unsigned depth)
{
	size_t mark = w->path.len;
	lx_expect(lx, '[');
	size_t n = json_array_size(arr);
	for (size_t i = 0; i < n; i++) {
		if (ex_full(w)) {
			lx->ok = false;
			return;
		}
		if (ex_path_push_index(w, i)) {
			walk_value(w, key, key_len, json_array_get(arr, i), lx, depth + 1);
			ex_path_pop(w, mark);
		} else {
			lx_skip_value(lx);
		}
		lx_accept(lx, ',');
	}
	lx_expect(lx, ']');
}

static void walk_value(struct ex_walk *w, const void *key, size_t key_len, json_t *v,
		       struct jlex *lx, unsigned depth)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth >= w->max_depth)
			emit_raw(w, key, key_len, v, lx);
		else if (json_is_object(v))
			walk_object(w, v, lx, depth);
		else
			walk_array(w, key, key_len, v, lx, depth);
		break;
	case JSON_STRING:
		lx_skip_string(lx);
		ex_string(w, key, key_len, (const uint8_t *)json_string_value(v), json_string_length(v),
			  depth);
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		emit_number(w, key, key_len, v, lx);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL: {
		const char *t = json_is_true(v) ? "true" : json_is_false(v) ? "false" : "null";
		lx_skip_value(lx);
		ex_emit(w, key, key_len, t, strlen(t));
		break;
	}
	}
}

bool ex_json_parse(struct ex_json *j, const uint8_t *s, size_t len, bool any)
{
	memset(j, 0, sizeof(*j));
	if (len == 0)
		return false;
	json_arena_enter(); /* left in ex_json_free, or below on failure */
	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) { /* UTF-8 BOM */
		s += 3;
		len -= 3;
	}
	size_t flags = JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES | (any ? JSON_DECODE_ANY : 0);
	json_error_t err;
	json_t *root = NULL;
	/* Retry leniently: integers past 64 bits (the text keeps their digits),
	 * then duplicate keys (the last value wins, the text no longer matches). */
	for (int attempt = 0; attempt < 3; attempt++) {
		root = json_loadb((const char *)s, len, flags, &err);
		if (root)
			break;
		enum json_error_code code = json_error_code(&err);
		if (code == json_error_numeric_overflow && !(flags & JSON_DECODE_INT_AS_REAL))
			flags |= JSON_DECODE_INT_AS_REAL;
		else if (code == json_error_duplicate_key && (flags & JSON_REJECT_DUPLICATES))
			flags &= ~(size_t)JSON_REJECT_DUPLICATES;
		else
			break;
	}
	if (!root) {
		json_arena_leave();
		return false;
	}
	j->root = root;
	j->text = s;
	j->len = len;
	j->exact = (flags & JSON_REJECT_DUPLICATES) != 0;
	return true;
}

void ex_json_free(struct ex_json *j)
{
	if (!j->root)
		return;
	json_decref(j->root);
	j->root = NULL;
	json_arena_leave();
}

void ex_json_walk(struct ex_walk *w, const void *key, size_t key_len, struct ex_json *j,
		  unsigned depth)
{
	struct jlex lx = { j->text, j->len, 0, j->exact };
	walk_value(w, key, key_len, j->root, &lx, depth);
}

/* The next non-empty line at or after *pos, trimmed; false when none is left. */
static bool next_line(const uint8_t *s, size_t len, size_t *pos, const uint8_t **line,
		      size_t *line_len)
{
	while (*pos < len) {
		const uint8_t *p = s + *pos;
		const uint8_t *nl = memchr(p, '\n', len - *pos);
		size_t n = nl ? (size_t)(nl - p) : len - *pos;
		*pos += n + 1;
		while (n && ex_is_ws(p[0])) {
			p++;
			n--;
		}
		while (n && ex_is_ws(p[n - 1]))
			n--;
		if (n) {
			*line = p;
			*line_len = n;
			return true;
		}
	}
	return false;
}

/* Two or more non-empty lines, every one of them JSON. */
bool ex_is_json_lines(const uint8_t *s, size_t len, bool any)
{
	size_t pos = 0, n = 0, line_len;
	const uint8_t *line;
	while (next_line(s, len, &pos, &line, &line_len)) {
		struct ex_json j;
		if (!ex_json_parse(&j, line, line_len, any))
			return false;
		ex_json_free(&j);
		n++;
	}
	return n >= 2;
}

/* Records sit one level under the list, as array elements do. */
size_t ex_json_lines_at(struct ex_walk *w, const void *key, size_t key_len, const uint8_t *s,
			size_t len, bool any, unsigned depth)
{
	size_t mark = w->path.len, pos = 0, index = 0, parsed = 0, line_len;
	const uint8_t *line;
	for (; next_line(s, len, &pos, &line, &line_len); index++) {
		if (ex_full(w))
			break;
		struct ex_json j;
		if (!ex_json_parse(&j, line, line_len, any))
			continue;
		parsed++;
		if (ex_path_push_index(w, index)) {
			ex_json_walk(w, key, key_len, &j, depth + 1);
			ex_path_pop(w, mark);
		}
		ex_json_free(&j);
	}
	return parsed;
}

size_t ex_json_lines(struct ex_walk *w, const void *key, size_t key_len, const uint8_t *s,
		     size_t len)
{
	return ex_json_lines_at(w, key, key_len, s, len, true, 0);
}

enum ex_json_kind ex_json_document(struct ex_walk *w, const void *key, size_t key_len,
				   const uint8_t *s, size_t len, bool any)
{
	struct ex_json j;
	if (ex_json_parse(&j, s, len, any)) {
		ex_json_walk(w, key, key_len, &j, 0);
		ex_json_free(&j);
		return EX_JSON;
	}
	if (!ex_is_json_lines(s, len, any))
		return EX_NOT_JSON;
	ex_json_lines_at(w, key, key_len, s, len, any, 0);
	return EX_JSONL;
}

/* One envelope record at [index], walked if it is JSON; false if not. */
static bool envelope_record(struct ex_walk *w, const void *key, size_t key_len, size_t index,
			    const uint8_t *s, size_t len, struct ex_json *j)
{
	if (!ex_json_parse(j, s, len, false))
		return false;
	size_t mark = w->path.len;
	if (ex_path_push_index(w, index)) {
		ex_json_walk(w, key, key_len, j, 1);
		ex_path_pop(w, mark);
	}
	return true;
}

/* The end of the line starting at pos (the '\n', or len). */
static size_t line_end(const uint8_t *s, size_t len, size_t pos)
{
	const uint8_t *nl = memchr(s + pos, '\n', len - pos);
	return nl ? (size_t)(nl - s) : len;
}

/* develop.sentry.dev/sdk/envelopes: Headers are single lines; an item's
 * `length`, when present, counts its payload bytes (which may hold
 * newlines), else the payload runs to the next newline. */
size_t ex_envelope(struct ex_walk *w, const void *key, size_t key_len, const uint8_t *s,
		   size_t len)
{
	size_t pos = 0, index = 0, parsed = 0;
	struct ex_json j;
	size_t end = line_end(s, len, pos);
	if (!envelope_record(w, key, key_len, index++, s, end, &j))
		return 0;
	ex_json_free(&j);
	parsed++;
	pos = end + 1;
	/* bounded: every item moves pos past at least its header line */
	while (pos < len && !ex_full(w)) {
		end = line_end(s, len, pos);
		if (end == pos) { /* blank line between items, or the final newline */
			pos++;
			continue;
		}
		if (!envelope_record(w, key, key_len, index++, s + pos, end - pos, &j))
			break; /* lost the framing */
		parsed++;
		json_t *length = json_object_get(j.root, "length");
		json_int_t n = json_is_integer(length) ? json_integer_value(length) : -1;
		ex_json_free(&j);
		pos = end + 1;
		if (pos > len)
			break; /* a header with no payload */
		size_t pend = line_end(s, len, pos);
		/* a length that does not end at a line end or the data's end is not trusted */
		if (n >= 0 && (uint64_t)n <= len - pos &&
		    (pos + (size_t)n == len || s[pos + (size_t)n] == '\n' || s[pos + (size_t)n] == '\r'))
			pend = pos + (size_t)n;
		if (envelope_record(w, key, key_len, index, s + pos, pend - pos, &j)) {
			ex_json_free(&j);
			parsed++;
		}
		index++;
		pos = pend + 1;
	}
	return parsed;
}
