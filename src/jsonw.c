/* \summary: streaming JSON writer (see jsonw.h). */
#include "jsonw.h"

#include "utf8.h"

#include <string.h>

void jw_init(struct jsonw *w, FILE *out)
{
	w->out = out;
	w->len = 0;
	w->need_comma = false;
	w->error = false;
	w->written = 0;
}

int jw_flush(struct jsonw *w)
{
	if (w->len && fwrite(w->buf, 1, w->len, w->out) != w->len)
		w->error = true;
	w->written += w->len;
	w->len = 0;
	return w->error ? -1 : 0;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	while (n) {
		if (w->len == sizeof(w->buf))
			jw_flush(w);
		size_t k = sizeof(w->buf) - w->len;
		if (k > n)
			k = n;
		memcpy(w->buf + w->len, s, k);
		w->len += k;
		s += k;
		n -= k;
	}
}

static void putc_(struct jsonw *w, char c)
{
	if (w->len == sizeof(w->buf))
		jw_flush(w);
	w->buf[w->len++] = c;
}

static void comma(struct jsonw *w)
{
	if (w->need_comma)
		putc_(w, ',');
	w->need_comma = true;
}

void jw_raw(struct jsonw *w, const char *s) { put(w, s, strlen(s)); }

void jw_obj_begin(struct jsonw *w)
{
	comma(w);
	putc_(w, '{');
	w->need_comma = false;
}

void jw_obj_end(struct jsonw *w)
{
	putc_(w, '}');
	w->need_comma = true;
}

void jw_arr_begin(struct jsonw *w)
{
	comma(w);
	putc_(w, '[');
	w->need_comma = false;
}

void jw_arr_end(struct jsonw *w)
{
	putc_(w, ']');
	w->need_comma = true;
}

void jw_newline(struct jsonw *w, const char *indent)
{
	if (w->need_comma)
		putc_(w, ',');
	putc_(w, '\n');
	jw_raw(w, indent);
	w->need_comma = false;
}

void jw_keyn(struct jsonw *w, const char *key, size_t n)
{
	comma(w);
	putc_(w, '"');
	put(w, key, n);
	put(w, "\":", 2);
	w->need_comma = false;
}

/* Bytes that JSON strings carry as they are: printable ASCII but '"' and '\\'. */
static const bool plain_ascii[256] = {
	[0x20 ... '"' - 1] = true,
	['"' + 1 ... '\\' - 1] = true,
	['\\' + 1 ... 0x7f] = true,
};

/* The escape for byte c that is not plain ASCII nor the start of valid
 * UTF-8, into tmp; returns its length. */
static size_t escape_byte(unsigned char c, char tmp[8])
{
	static const char hex[] = "0123456789abcdef";
	switch (c) {
	case '"': memcpy(tmp, "\\\"", 2); return 2;
	case '\\': memcpy(tmp, "\\\\", 2); return 2;
	case '\n': memcpy(tmp, "\\n", 2); return 2;
	case '\r': memcpy(tmp, "\\r", 2); return 2;
	case '\t': memcpy(tmp, "\\t", 2); return 2;
	default:
		if (c < 0x20) {
			memcpy(tmp, "\\u00", 4);
			tmp[4] = hex[c >> 4];
			tmp[5] = hex[c & 15];
			return 6;
		}
		/* a byte of invalid UTF-8 */
		memcpy(tmp, "\\\\x", 3);
		tmp[3] = hex[c >> 4];
		tmp[4] = hex[c & 15];
		return 5;
	}
}

void jw_strn(struct jsonw *w, const void *s, size_t n)
{
	comma(w);
	putc_(w, '"');
	/* runs of bytes that need no escape go to the buffer as they are */
	const unsigned char *p = s;
	for (size_t i = 0, k; i < n; i += k) {
		if (plain_ascii[p[i]]) {
			k = 1;
			while (i + k < n && plain_ascii[p[i + k]])
				k++;
			put(w, (const char *)p + i, k);
		} else if (p[i] >= 0x80 && (k = utf8_seq(p + i, n - i)) != 0) {
			put(w, (const char *)p + i, k);
		} else {
			char tmp[8];
			k = 1;
			put(w, tmp, escape_byte(p[i], tmp));
		}
	}
	putc_(w, '"');
}

void jw_str(struct jsonw *w, const char *s)
{
	if (!s)
		jw_null(w);
	else
		jw_strn(w, s, strlen(s));
}

void jw_int(struct jsonw *w, long long v)
{
	if (v < 0) {
		comma(w);
		putc_(w, '-');
		w->need_comma = false;
		jw_uint(w, 0ULL - (unsigned long long)v);
		return;
	}
	jw_uint(w, (unsigned long long)v);
}

void jw_uint(struct jsonw *w, unsigned long long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	comma(w);
	put(w, tmp + i, sizeof(tmp) - i);
}

void jw_bool(struct jsonw *w, bool v)
{
	comma(w);
	jw_raw(w, v ? "true" : "false");
}

void jw_num(struct jsonw *w, const char *text)
{
	comma(w);
	jw_raw(w, text);
}

void jw_null(struct jsonw *w)
{
	comma(w);
	jw_raw(w, "null");
}
