/* \summary: multipart/form-data extraction (see extract.h).
 *
 * References: RFC 7578 (multipart/form-data), RFC 2046 section 5.1.1
 * (boundaries), RFC 6266 (Content-Disposition parameters).
 *
 *   preamble (ignored)
 *   --BOUNDARY CRLF
 *   Content-Disposition: form-data; name="photo"; filename="a.jpg" CRLF
 *   Content-Type: image/jpeg CRLF
 *   CRLF
 *   <content> CRLF
 *   --BOUNDARY-- CRLF
 *
 * Lenient as the servers apps talk to: bare LF line ends, padding after a
 * delimiter, no close delimiter (the last part runs to the end of the data,
 * as when a capture is cut).  Part headers are looked for in the first
 * PART_HEADERS_MAX bytes of a part only.
 */
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "extract_internal.h"

#define PART_HEADERS_MAX 16384
#define MP_BOUNDARY_MAX 256

struct part {
	struct ex_param name, filename;
	bool has_name, has_filename, filename_ext;
	const uint8_t *type;
	size_t type_len;
};

/* First occurrence of needle in h, or SIZE_MAX. */
static size_t find(const uint8_t *h, size_t hlen, const uint8_t *needle, size_t nlen)
{
	size_t i = 0;
	while (nlen && hlen >= nlen && i <= hlen - nlen) {
		const uint8_t *p = memchr(h + i, needle[0], hlen - nlen + 1 - i);
		if (!p)
			break;
		i = (size_t)(p - h);
		if (memcmp(p, needle, nlen) == 0)
			return i;
		i++;
	}
	return SIZE_MAX;
}

/* Content-Disposition: form-data; name="x"; filename="y" (RFC 7578 section 4.2). */
static void parse_disposition(const uint8_t *v, size_t n, struct part *pt)
{
	const uint8_t *semi = memchr(v, ';', n);
	size_t i = semi ? (size_t)(semi - v) : n;
	struct ex_param p;
	/* bounded: each call moves i to the next ';' */
	while (ex_next_param(v, n, &i, &p)) {
		if (ex_ascii_ieq(p.name, p.name_len, "name")) {
			pt->name = p;
			pt->has_name = true;
		} else if (ex_ascii_ieq(p.name, p.name_len, "filename")) {
			pt->filename = p;
			pt->has_filename = true;
			pt->filename_ext = false;
		} else if (ex_ascii_ieq(p.name, p.name_len, "filename*") && !pt->has_filename) {
			/* RFC 5987 form, kept as sent; only used without a plain filename */
			pt->filename = p;
			pt->has_filename = true;
			pt->filename_ext = true;
		}
	}
}

static void parse_header_line(const uint8_t *l, size_t n, struct part *pt)
{
	const uint8_t *colon = memchr(l, ':', n);
	if (!colon)
		return;
	size_t name_len = (size_t)(colon - l);
	while (name_len && (l[name_len - 1] == ' ' || l[name_len - 1] == '\t'))
		name_len--;
	const uint8_t *v = colon + 1;
	size_t vl = n - (size_t)(v - l);
	while (vl && (v[0] == ' ' || v[0] == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (ex_ascii_ieq(l, name_len, "content-disposition")) {
		parse_disposition(v, vl, pt);
	} else if (ex_ascii_ieq(l, name_len, "content-type")) {
		pt->type = v;
		pt->type_len = vl;
	}
}

/* Past a delimiter: transport padding and the line end (RFC 2046 section
 * 5.1.1).  False at the close delimiter or when this is no delimiter line. */
static bool delimiter_line_end(struct cursor *c)
{
	const uint8_t *p = cur_peek(c, 2);
	if (p && p[0] == '-' && p[1] == '-')
		return false;
	while ((p = cur_peek(c, 1)) && (p[0] == ' ' || p[0] == '\t'))
		cur_skip(c, 1);
	if ((p = cur_peek(c, 1)) && p[0] == '\r')
		cur_skip(c, 1);
	return cur_u8(c) == '\n' && cur_ok(c);
}

/* Reads the part headers and leaves the cursor at the content; false when
 * the blank line ending them is not within PART_HEADERS_MAX bytes. */
static bool parse_part_headers(struct cursor *c, struct part *pt)
{
	size_t lim = cur_left(c) < PART_HEADERS_MAX ? cur_left(c) : PART_HEADERS_MAX;
	struct cursor h = cur_make(cur_peek(c, lim), lim);
	/* bounded: every line moves h forward */
	while (cur_left(&h)) {
		const uint8_t *line = h.base + h.pos;
		const uint8_t *nl = memchr(line, '\n', cur_left(&h));
		if (!nl)
			break;
		size_t n = (size_t)(nl - line);
		cur_skip(&h, n + 1);
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0)
			return cur_skip(c, h.pos);
		parse_header_line(line, n, pt);
	}
	return false;
}

static void emit_file_field(struct ex_walk *w, const char *name, const void *val, size_t len)
{
	size_t mark = w->path.len;
	if (ex_path_push_key(w, name, strlen(name))) {
		ex_emit(w, name, strlen(name), val, len);
		ex_path_pop(w, mark);
	}
}

static void emit_part(struct ex_walk *w, const struct part *pt, const uint8_t *body, size_t len)
{
	if (!pt->has_name || ex_full(w)) /* RFC 7578 section 4.2: every part is named */
		return;
	if (pt->name.cut || (pt->has_filename && pt->filename.cut))
		w->out->truncated = true;
	size_t mark = w->path.len;
	if (!ex_path_push_key(w, pt->name.value, pt->name.len))
		return;
	if (pt->has_filename) {
		char size[32];
		int n = snprintf(size, sizeof(size), "%zu", len);
		emit_file_field(w, "filename", pt->filename.value, pt->filename.len);
		emit_file_field(w, "content_type", pt->type, pt->type ? pt->type_len : 0);
		emit_file_field(w, "size", size, (size_t)n);
	} else {
		/* text fields sit at depth 1 under the form, and are decoded further */
		ex_string(w, pt->name.value, pt->name.len, body, len, 1);
	}
	ex_path_pop(w, mark);
}

/* A part cut by the end of the data: drop the start of a delimiter it ends with. */
static size_t trim_partial_delimiter(const uint8_t *body, size_t len, const uint8_t *crlf_delim,
				     size_t dl)
{
	size_t k = len < dl ? len : dl;
	for (; k > 0; k--) {
		const uint8_t *tail = body + len - k;
		if (memcmp(tail, crlf_delim, k) == 0 || (k < dl && memcmp(tail, crlf_delim + 1, k) == 0))
			return len - k;
	}
	return len;
}

void ex_multipart(struct ex_walk *w, const uint8_t *boundary, size_t boundary_len,
		  const uint8_t *s, size_t len)
{
	if (boundary_len == 0 || boundary_len > MP_BOUNDARY_MAX)
		return;
	/* "\r\n--BOUNDARY": delim is from the '\n', a delimiter line from the '-' */
	uint8_t crlf_delim[MP_BOUNDARY_MAX + 4] = "\r\n--";
	memcpy(crlf_delim + 4, boundary, boundary_len);
	const uint8_t *delim = crlf_delim + 1;
	size_t dl = boundary_len + 3;
	size_t d; /* offset of the first "--BOUNDARY" */
	if (len >= dl - 1 && memcmp(s, delim + 1, dl - 1) == 0) {
		d = 0;
	} else {
		d = find(s, len, delim, dl);
		if (d == SIZE_MAX)
			return; /* not multipart at all */
		d++;
	}
	struct cursor c = cur_make(s, len);
	cur_skip(&c, d + dl - 1);
	/* bounded: the cursor moves past one delimiter every pass */
	while (delimiter_line_end(&c)) {
		struct part pt;
		memset(&pt, 0, sizeof(pt));
		if (!parse_part_headers(&c, &pt))
			break;
		size_t body = c.pos;
		/* search from the blank line's '\n' so an empty content is found */
		size_t next = find(s + body - 1, len - body + 1, delim, dl);
		if (next == SIZE_MAX) {
			emit_part(w, &pt, s + body,
				  trim_partial_delimiter(s + body, len - body, crlf_delim, dl + 1));
			break;
		}
		size_t nl = body - 1 + next; /* the '\n' before the delimiter */
		size_t end = nl > body && s[nl - 1] == '\r' ? nl - 1 : nl;
		emit_part(w, &pt, s + body, end > body ? end - body : 0);
		cur_skip(&c, nl + dl - body); /* past "\n--BOUNDARY" */
	}
}
