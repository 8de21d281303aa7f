/* \summary: application/x-www-form-urlencoded bodies and URL query strings
 * (see extract.h).
 *
 * References: WHATWG URL Standard section 5.1 (urlencoded parsing),
 * RFC 3986 section 2.1 (percent-encoding).  Keys and values are bytes: a
 * broken escape stays as written, invalid UTF-8 is kept for the report layer
 * to escape.
 */
#include <stdlib.h>
#include <string.h>

#include "extract_internal.h"

#define FORM_KEY_IDENT_MAX 64 /* a lone pair's key must look like a name */

static int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* '+' is a space; `%XX` a byte; any other '%' stays.  Returns the length
 * written to out, never more than n. */
static size_t form_decode(const uint8_t *s, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && n - i > 2 && (hi = hex_value(s[i + 1])) >= 0 &&
			   (lo = hex_value(s[i + 2])) >= 0) {
			out[o++] = (uint8_t)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

void ex_form(struct ex_walk *w, const void *key, size_t key_len, const uint8_t *s, size_t len,
	     unsigned depth)
{
	if (depth >= w->max_depth) {
		w->out->truncated = true;
		ex_emit(w, key, key_len, s, len);
		return;
	}
	/* one scratch buffer: a pair never decodes longer than it is written */
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		w->out->truncated = true;
		return;
	}
	size_t mark = w->path.len, pos = 0;
	while (pos < len) {
		const uint8_t *p = s + pos;
		const uint8_t *amp = memchr(p, '&', len - pos);
		size_t n = amp ? (size_t)(amp - p) : len - pos;
		pos += n + 1;
		if (n == 0) /* "&&" */
			continue;
		if (ex_full(w))
			break;
		const uint8_t *eq = memchr(p, '=', n);
		size_t raw_key = eq ? (size_t)(eq - p) : n;
		size_t kl = form_decode(p, raw_key, buf);
		size_t vl = eq ? form_decode(eq + 1, n - raw_key - 1, buf + kl) : 0;
		if (ex_path_push_key(w, buf, kl)) {
			ex_string(w, buf, kl, buf + kl, vl, depth + 1);
			ex_path_pop(w, mark);
		}
	}
	free(buf);
}

static bool is_alpha(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static bool is_key_char(uint8_t c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
	       c == '[' || c == ']' || c == '$';
}

/* Names as forms carry them: word characters, `a[b]` nesting, %XX escapes. */
static bool is_form_key(const uint8_t *k, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (k[i] == '%' && n - i > 2 && hex_value(k[i + 1]) >= 0 && hex_value(k[i + 2]) >= 0)
			i += 2;
		else if (!is_key_char(k[i]))
			return false;
	}
	return true;
}

static bool is_form_value(const uint8_t *v, size_t n, bool strict)
{
	for (size_t i = 0; i < n; i++) {
		/* forms escape spaces and controls; strictly, everything non-ASCII too */
		if (v[i] <= ' ' || v[i] == 0x7f || (strict && v[i] >= 0x80))
			return false;
	}
	return true;
}

bool ex_form_sniff(const uint8_t *s, size_t len, bool strict)
{
	size_t pairs = 0, pos = 0;
	const uint8_t *key = NULL, *val = NULL;
	size_t key_len = 0, val_len = 0;
	while (pos < len) {
		const uint8_t *p = s + pos;
		const uint8_t *amp = memchr(p, '&', len - pos);
		size_t n = amp ? (size_t)(amp - p) : len - pos;
		pos += n + 1;
		if (n == 0)
			continue;
		const uint8_t *eq = memchr(p, '=', n);
		if (!eq)
			return false; /* "Tom&Jerry" is prose */
		size_t kl = (size_t)(eq - p);
		if (!is_form_key(p, kl) || !is_form_value(eq + 1, n - kl - 1, strict))
			return false;
		if (pairs++ == 0) {
			key = p;
			key_len = kl;
			val = eq + 1;
			val_len = n - kl - 1;
		}
	}
	if (pairs != 1)
		return pairs > 1;
	/* A lone pair: an identifier key and a value that is not just base64
	 * padding ("YWJjZA==" is not a form). */
	if (!(is_alpha(key[0]) || key[0] == '_' || key[0] == '$') || key_len > FORM_KEY_IDENT_MAX)
		return false;
	for (size_t i = 0; i < val_len; i++)
		if (val[i] != '=')
			return true;
	return false;
}
