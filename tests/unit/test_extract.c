/* \summary: unit tests for the extractors: one table row per input, with the
 * exact fields (path, key, value, in order) it must produce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "extract.h"

#define MAX_WANT 12

enum fn { X_BODY, X_JSON, X_QUERY, X_COOKIE, X_MULTIPART };

struct want {
	const char *path, *key, *value;
	size_t value_len; /* 0: strlen(value) */
};

struct ex_case {
	const char *name;
	enum fn fn;
	const char *type; /* X_BODY: Content-Type (NULL: none); X_MULTIPART: the boundary */
	const char *in;
	size_t in_len;    /* 0: strlen(in) */
	const char *kind; /* X_BODY: the kind returned; X_JSON: NULL when it must return -1 */
	bool truncated;
	unsigned max_depth;
	size_t max_fields;
	struct want want[MAX_WANT];
};

#define NO_FIELDS { { NULL, NULL, NULL, 0 } }
#define MP_B "----WebKitFormBoundary7MA4YWxkTrZu0gW"
#define MP_D "--" MP_B "\r\n"

static const struct ex_case cases[] = {
	/* JSON */
	{ "json: nested object, scalars as written", X_BODY, "application/json",
	  "{\"user\":{\"profile\":{\"occupation\":\"nurse\"}},\"price\":12.50,\"ok\":true,"
	  "\"no\":false,\"nil\":null,\"big\":12345678901234567890,\"exp\":-1.5E+3}",
	  0, "json", false, 0, 0,
	  { { "body.user.profile.occupation", "occupation", "nurse", 0 },
	    { "body.price", "price", "12.50", 0 },
	    { "body.ok", "ok", "true", 0 },
	    { "body.no", "no", "false", 0 },
	    { "body.nil", "nil", "null", 0 },
	    { "body.big", "big", "12345678901234567890", 0 },
	    { "body.exp", "exp", "-1.5E+3", 0 } } },
	{ "json: array of objects", X_BODY, "application/json; charset=utf-8",
	  "{\"events\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"open\",\"t\":3}]}",
	  0, "json", false, 0, 0,
	  { { "body.events[0].name", "name", "a", 0 },
	    { "body.events[1].name", "name", "b", 0 },
	    { "body.events[2].name", "name", "c", 0 },
	    { "body.events[3].name", "name", "open", 0 },
	    { "body.events[3].t", "t", "3", 0 } } },
	{ "json: scalar arrays keyed by the array", X_BODY, "text/json",
	  "{\"tags\":[\"x\",\"y\"],\"m\":[[1,2]],\"e\":[],\"o\":{}}", 0, "json", false, 0, 0,
	  { { "body.tags[0]", "tags", "x", 0 },
	    { "body.tags[1]", "tags", "y", 0 },
	    { "body.m[0][0]", "m", "1", 0 },
	    { "body.m[0][1]", "m", "2", 0 } } },
	{ "json: top-level array", X_BODY, "application/vnd.api+json",
	  "[{\"k\":1},{\"k\":\"v\"}]", 0, "json", false, 0, 0,
	  { { "body[0].k", "k", "1", 0 }, { "body[1].k", "k", "v", 0 } } },
	{ "json: document order kept", X_BODY, "APPLICATION/JSON",
	  "{\"z\":1,\"a\":2,\"m\":3}", 0, "json", false, 0, 0,
	  { { "body.z", "z", "1", 0 }, { "body.a", "a", "2", 0 }, { "body.m", "m", "3", 0 } } },
	{ "json: keys with dots and brackets kept", X_BODY, "application/json",
	  "{\"a.b\":{\"c[0]\":1}}", 0, "json", false, 0, 0,
	  { { "body.a.b.c[0]", "c[0]", "1", 0 } } },
	{ "json: escapes and NUL in strings", X_BODY, "application/json",
	  "{\"name\":\"\\u5f20\\u4e09\",\"s\":\"a\\u0000b\",\"q\":\"say \\\"hi\\\"\"}",
	  0, "json", false, 0, 0,
	  { { "body.name", "name", "\xe5\xbc\xa0\xe4\xb8\x89", 0 },
	    { "body.s", "s", "a\0b", 3 },
	    { "body.q", "q", "say \"hi\"", 0 } } },
	{ "json: byte order mark", X_BODY, "application/json", "\xef\xbb\xbf{\"a\":1}", 0,
	  "json", false, 0, 0, { { "body.a", "a", "1", 0 } } },
	{ "json: duplicate keys, the last value wins", X_BODY, "application/json",
	  "{\"a\":1,\"b\":2.50,\"a\":3}", 0, "json", false, 0, 0,
	  { { "body.a", "a", "3", 0 }, { "body.b", "b", "2.5", 0 } } },
	{ "json: string holding JSON", X_BODY, "application/json",
	  "{\"data\":\"{\\\"imei\\\":\\\"356938035643809\\\",\\\"loc\\\":[1.50,2]}\",\"n\":\" [x] \"}",
	  0, "json", false, 0, 0,
	  { { "body.data{json}.imei", "imei", "356938035643809", 0 },
	    { "body.data{json}.loc[0]", "loc", "1.50", 0 },
	    { "body.data{json}.loc[1]", "loc", "2", 0 },
	    { "body.n", "n", " [x] ", 0 } } },
	{ "json: string holding a form", X_BODY, "application/json",
	  "{\"q\":\"a=1&b=%41\",\"one\":\"status=active\",\"url\":\"https://x.io/?a=1&b=2\"}",
	  0, "json", false, 0, 0,
	  { { "body.q{form}.a", "a", "1", 0 },
	    { "body.q{form}.b", "b", "A", 0 },
	    { "body.one{form}.status", "status", "active", 0 },
	    { "body.url", "url", "https://x.io/?a=1&b=2", 0 } } },
	{ "json: base64 and base64url holding JSON", X_BODY, "application/json",
	  "{\"p\":\"eyJpZCI6Ing/PiIsIm9rIjp0cnVlfQ==\",\"t\":\"eyJrIjoifn5-fiJ9\","
	  "\"u\":\"eyJrIjoiPz4_PiJ9\",\"short\":\"eyJ9\",\"h\":\"aGVsbG8gd29ybGQgaGVsbG8=\","
	  "\"pad\":\"YWJjZGVmZ2hpamtsbW5vcA==\",\"mix\":\"eyJrIjoifn5-fiJ9+/\"}",
	  0, "json", false, 0, 0,
	  { { "body.p{base64}{json}.id", "id", "x?>", 0 },
	    { "body.p{base64}{json}.ok", "ok", "true", 0 },
	    { "body.t{base64}{json}.k", "k", "~~~~", 0 },
	    { "body.u{base64}{json}.k", "k", "?>?>", 0 },
	    { "body.short", "short", "eyJ9", 0 },
	    { "body.h", "h", "aGVsbG8gd29ybGQgaGVsbG8=", 0 },
	    { "body.pad", "pad", "YWJjZGVmZ2hpamtsbW5vcA==", 0 },
	    { "body.mix", "mix", "eyJrIjoifn5-fiJ9+/", 0 } } },
	{ "json: form in JSON holding JSON", X_BODY, "application/json",
	  "{\"x\":\"a=%7B%22b%22%3A1%7D&c=2\"}", 0, "json", false, 0, 0,
	  { { "body.x{form}.a{json}.b", "b", "1", 0 }, { "body.x{form}.c", "c", "2", 0 } } },
	{ "json: depth cap emits the rest as text", X_BODY, "application/json",
	  "{\"a\":{\"b\":{\"c\": {\"d\" : 1}},\"e\":2},\"s\":\"{\\\"x\\\":{\\\"y\\\":1}}\"}",
	  0, "json", true, 3, 0,
	  { { "body.a.b.c", "c", "{\"d\" : 1}", 0 },
	    { "body.a.e", "e", "2", 0 },
	    { "body.s{json}.x", "x", "{\"y\":1}", 0 } } },
	{ "json: depth cap stops nested decoding", X_BODY, "application/json",
	  "{\"s\":\"{\\\"x\\\":1}\",\"t\":\"plain\"}", 0, "json", true, 2, 0,
	  { { "body.s", "s", "{\"x\":1}", 0 }, { "body.t", "t", "plain", 0 } } },
	{ "json: field cap", X_BODY, "application/json",
	  "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}", 0, "json", true, 0, 3,
	  { { "body.a", "a", "1", 0 }, { "body.b", "b", "2", 0 }, { "body.c", "c", "3", 0 } } },
	{ "json: top-level scalar", X_JSON, NULL, " 42 ", 0, "json", false, 0, 0,
	  { { "body", "body", "42", 0 } } },
	{ "json: top-level string holding JSON", X_JSON, NULL, "\"{\\\"k\\\":true}\"", 0, "json",
	  false, 0, 0, { { "body{json}.k", "k", "true", 0 } } },
	{ "json: not JSON", X_JSON, NULL, "{\"a\":", 0, NULL, false, 0, 0, NO_FIELDS },
	/* JSON Lines */
	{ "jsonl: declared, bad line skipped", X_BODY, "application/x-ndjson",
	  "{\"k\":1}\n\n{\"k\":2}\r\nnot json\n[3]\n", 0, "jsonl", false, 0, 0,
	  { { "body[0].k", "k", "1", 0 }, { "body[1].k", "k", "2", 0 }, { "body[3][0]", "body", "3", 0 } } },
	{ "jsonl: one declared record", X_BODY, "application/jsonl", "{\"k\":1}", 0, "jsonl",
	  false, 0, 0, { { "body[0].k", "k", "1", 0 } } },
	{ "jsonl: sniffed", X_BODY, NULL, "{\"a\":1}\n{\"a\":\"x\"}\n", 0, "jsonl", false, 0, 0,
	  { { "body[0].a", "a", "1", 0 }, { "body[1].a", "a", "x", 0 } } },
	{ "jsonl: sniff needs every line", X_BODY, NULL, "{\"a\":1}\nfoo\n", 0, "text", false, 0,
	  0, NO_FIELDS },
	{ "jsonl: under a JSON type", X_BODY, "application/json", "[1]\n[2]", 0, "jsonl", false,
	  0, 0, { { "body[0][0]", "body", "1", 0 }, { "body[1][0]", "body", "2", 0 } } },
	/* forms and query strings */
	{ "form: UTF-8, plus, %20", X_BODY, "application/x-www-form-urlencoded",
	  "name=%E5%BC%A0%E4%B8%89&city=New+York&note=a%20b", 0, "form", false, 0, 0,
	  { { "body.name", "name", "\xe5\xbc\xa0\xe4\xb8\x89", 0 },
	    { "body.city", "city", "New York", 0 },
	    { "body.note", "note", "a b", 0 } } },
	{ "form: missing '=' and empty pairs", X_BODY, "application/x-www-form-urlencoded",
	  "&a=1&flag&b=&&c=3&", 0, "form", false, 0, 0,
	  { { "body.a", "a", "1", 0 },
	    { "body.flag", "flag", "", 0 },
	    { "body.b", "b", "", 0 },
	    { "body.c", "c", "3", 0 } } },
	{ "form: invalid escapes kept", X_BODY, "application/x-www-form-urlencoded",
	  "x=%zz%4&y=%41%&z=100%", 0, "form", false, 0, 0,
	  { { "body.x", "x", "%zz%4", 0 }, { "body.y", "y", "A%", 0 }, { "body.z", "z", "100%", 0 } } },
	{ "form: invalid UTF-8 kept as bytes", X_BODY, "application/x-www-form-urlencoded",
	  "n=%FF%FE%80&%C3%28=v", 0, "form", false, 0, 0,
	  { { "body.n", "n", "\xff\xfe\x80", 0 }, { "body.\xc3(", "\xc3(", "v", 0 } } },
	{ "form: values holding JSON and base64 JSON", X_BODY, "application/x-www-form-urlencoded",
	  "data=%7B%22a%22%3A1%7D&p=eyJ1aWQiOiI0MiJ9", 0, "form", false, 0, 0,
	  { { "body.data{json}.a", "a", "1", 0 }, { "body.p{base64}{json}.uid", "uid", "42", 0 } } },
	{ "form: JSON sent under the form type", X_BODY, "application/x-www-form-urlencoded",
	  "{\"a\":1}", 0, "json", false, 0, 0, { { "body.a", "a", "1", 0 } } },
	{ "query: leading '?', UTF-8", X_QUERY, NULL, "?uid=42&q=caf%C3%A9", 0, NULL, false, 0, 0,
	  { { "query.uid", "uid", "42", 0 }, { "query.q", "q", "caf\xc3\xa9", 0 } } },
	/* multipart */
	{ "multipart: text, JSON text and file parts", X_BODY,
	  "multipart/form-data; charset=utf-8; boundary=\"" MP_B "\"",
	  "preamble\r\n" MP_D
	  "Content-Disposition: form-data; name=\"user\"\r\n\r\nalice\r\n" MP_D
	  "Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n"
	  "{\"lat\":48.85,\"tags\":[\"a\"]}\r\n" MP_D
	  "content-disposition: form-data; name=\"photo\"; filename=\"me.jpg\"\r\n"
	  "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0" "JFIF\r\n" MP_D
	  "Content-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n" MP_D
	  "Content-Disposition: form-data; name=\"none\"\r\n\r\n" "\r\n--" MP_B "--\r\n",
	  0, "multipart", false, 0, 0,
	  { { "body.user", "user", "alice", 0 },
	    { "body.meta{json}.lat", "lat", "48.85", 0 },
	    { "body.meta{json}.tags[0]", "tags", "a", 0 },
	    { "body.photo.filename", "filename", "me.jpg", 0 },
	    { "body.photo.content_type", "content_type", "image/jpeg", 0 },
	    { "body.photo.size", "size", "8", 0 },
	    { "body.empty", "empty", "", 0 },
	    { "body.none", "none", "", 0 } } },
	{ "multipart: bare LF, token boundary, cut close delimiter", X_BODY,
	  "Multipart/Form-Data;boundary=XyZ",
	  "--XyZ\nContent-Disposition: form-data; name=a\n\n1\n--XyZ  \n"
	  "Content-Disposition: form-data; name=\"b\"\n\nlast value\r\n--Xy",
	  0, "multipart", false, 0, 0,
	  { { "body.a", "a", "1", 0 }, { "body.b", "b", "last value", 0 } } },
	{ "multipart: missing final boundary", X_MULTIPART, "b0",
	  "--b0\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\n"
	  "\r\n--b0\r\nContent-Disposition: form-data; name=\"w\"; filename=\"C:\\cv.pdf\"\r\n\r\n"
	  "%PDF-1.4 partial",
	  0, NULL, false, 0, 0,
	  { { "body.f.filename", "filename", "", 0 },
	    { "body.f.content_type", "content_type", "", 0 },
	    { "body.f.size", "size", "0", 0 },
	    { "body.w.filename", "filename", "C:\\cv.pdf", 0 },
	    { "body.w.content_type", "content_type", "", 0 },
	    { "body.w.size", "size", "16", 0 } } },
	{ "multipart: escaped quote, unnamed part skipped", X_MULTIPART, "b0",
	  "--b0\r\nContent-Disposition: form-data; name=\"a\\\"b\"\r\n\r\nv\r\n"
	  "--b0\r\nContent-Type: text/plain\r\n\r\nanon\r\n--b0--",
	  0, NULL, false, 0, 0, { { "body.a\"b", "a\"b", "v", 0 } } },
	{ "multipart: boundary guessed from the body", X_BODY, "multipart/form-data",
	  "--zz\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--zz--\r\n", 0,
	  "multipart", false, 0, 0, { { "body.k", "k", "v", 0 } } },
	{ "multipart: garbage", X_BODY, "multipart/form-data; boundary=abc",
	  "hello --ab world\r\n--abc", 0, "multipart", false, 0, 0, NO_FIELDS },
	/* cookies */
	{ "cookie: simple", X_COOKIE, NULL, "a=1; b=2", 0, NULL, false, 0, 0,
	  { { "cookie.a", "a", "1", 0 }, { "cookie.b", "b", "2", 0 } } },
	{ "cookie: quotes, spaces, no '=', no decoding", X_COOKIE, NULL,
	  " sid=\"abc def\" ;flag; c=x=y;e=%41;; =v ", 0, NULL, false, 0, 0,
	  { { "cookie.sid", "sid", "abc def", 0 },
	    { "cookie.flag", "flag", "", 0 },
	    { "cookie.c", "c", "x=y", 0 },
	    { "cookie.e", "e", "%41", 0 } } },
	/* sniffing */
	{ "sniff: JSON without a type", X_BODY, NULL, " {\"a\":[true]} \n", 0, "json", false, 0,
	  0, { { "body.a[0]", "a", "true", 0 } } },
	{ "sniff: JSON in text/plain", X_BODY, "text/plain;charset=UTF-8", "{\"a\":1}", 0, "json",
	  false, 0, 0, { { "body.a", "a", "1", 0 } } },
	{ "sniff: form in octet-stream", X_BODY, "application/octet-stream", "a=1&b=two\r\n", 0,
	  "form", false, 0, 0, { { "body.a", "a", "1", 0 }, { "body.b", "b", "two", 0 } } },
	{ "sniff: form under a JSON type", X_BODY, "application/json", "a=1&b=2", 0, "form",
	  false, 0, 0, { { "body.a", "a", "1", 0 }, { "body.b", "b", "2", 0 } } },
	{ "sniff: prose with '=' is text", X_BODY, NULL, "hello=world there", 0, "text", false, 0,
	  0, NO_FIELDS },
	{ "sniff: JSON scalar is text", X_BODY, "text/plain", "42", 0, "text", false, 0, 0,
	  NO_FIELDS },
	{ "sniff: base64 alone is text", X_BODY, NULL, "YWJjZA==", 0, "text", false, 0, 0,
	  NO_FIELDS },
	{ "sniff: UTF-8 text", X_BODY, "text/plain", "h\xc3\xa9llo\n", 0, "text", false, 0, 0,
	  NO_FIELDS },
	{ "sniff: binary", X_BODY, "application/octet-stream", "\x00\x01\x02", 3, "binary", false,
	  0, 0, NO_FIELDS },
	{ "sniff: invalid UTF-8 is binary", X_BODY, NULL, "\xc3\x28", 0, "binary", false, 0, 0,
	  NO_FIELDS },
	{ "sniff: empty body", X_BODY, NULL, "", 0, "text", false, 0, 0, NO_FIELDS },
};

static void dump(const struct field_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		print_message("  got %s | %s | %.*s\n", l->v[i].path, l->v[i].key,
			      (int)l->v[i].value_len, l->v[i].value);
}

static void check_fields(const struct field_list *l, const struct want *w)
{
	size_t n = 0;
	for (; n < MAX_WANT && w[n].path; n++) {
		size_t vl = w[n].value_len ? w[n].value_len : strlen(w[n].value);
		if (n >= l->n || strcmp(l->v[n].path, w[n].path) != 0 ||
		    strcmp(l->v[n].key, w[n].key) != 0 || l->v[n].value_len != vl ||
		    memcmp(l->v[n].value, w[n].value, vl) != 0) {
			dump(l);
			fail_msg("field %zu: want %s | %s | %.*s", n, w[n].path, w[n].key, (int)vl,
				 w[n].value);
		}
	}
	if (l->n != n) {
		dump(l);
		fail_msg("want %zu fields, got %zu", n, l->n);
	}
}

static void test_case(void **state)
{
	const struct ex_case *c = *state;
	struct field_list l;
	field_list_init(&l);
	if (c->max_fields)
		l.max_fields = c->max_fields;
	struct extract_ctx x = { &l, c->max_depth ? c->max_depth : EXTRACT_DEFAULT_MAX_DEPTH };
	const uint8_t *in = (const uint8_t *)c->in;
	size_t len = c->in_len ? c->in_len : strlen(c->in);
	switch (c->fn) {
	case X_BODY: {
		const char *kind = extract_body(&x, c->type, c->type ? strlen(c->type) : 0, in, len);
		assert_string_equal(kind, c->kind);
		break;
	}
	case X_JSON:
		assert_int_equal(extract_json(&x, "body", in, len), c->kind ? 0 : -1);
		break;
	case X_QUERY:
		extract_urlencoded(&x, "query", in, len);
		break;
	case X_COOKIE:
		extract_cookie(&x, in, len);
		break;
	case X_MULTIPART:
		extract_multipart(&x, "body", c->type, strlen(c->type), in, len);
		break;
	}
	check_fields(&l, c->want);
	assert_int_equal(l.truncated, c->truncated);
	field_list_free(&l);
}

/* Deep nesting is cut at the cap without recursing further. */
static void test_deep_nesting(void **state)
{
	char doc[4096];
	size_t n = 0;
	for (int i = 0; i < 1000; i++)
		doc[n++] = '[';
	for (int i = 0; i < 1000; i++)
		doc[n++] = ']';
	struct field_list l;
	field_list_init(&l);
	struct extract_ctx x = { &l, 0 }; /* 0: the default cap */
	assert_string_equal(extract_body(&x, "application/json", 16, (const uint8_t *)doc, n),
			    "json");
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].path, "body[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]");
	assert_int_equal(l.v[0].value_len, 2000 - 2 * EXTRACT_DEFAULT_MAX_DEPTH);
	assert_true(l.truncated);
	field_list_free(&l);
}

/* Many JSON Lines records stop at the field cap. */
static void test_jsonl_field_cap(void **state)
{
	char doc[8192];
	size_t n = 0;
	for (int i = 0; i < 500; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "{\"i\":%d}\n", i);
	struct field_list l;
	field_list_init(&l);
	l.max_fields = 10;
	struct extract_ctx x = { &l, 0 };
	assert_string_equal(extract_body(&x, "application/x-ndjson", 20, (const uint8_t *)doc, n),
			    "jsonl");
	assert_int_equal(l.n, 10);
	assert_string_equal(l.v[9].path, "body[9].i");
	assert_true(l.truncated);
	field_list_free(&l);
}

int main(void)
{
	enum { NC = sizeof(cases) / sizeof(cases[0]) };
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_jsonl_field_cap),
	};
	enum { NF = sizeof(fixed) / sizeof(fixed[0]) };
	/* one named test per table row, so a failure says which row */
	struct CMUnitTest extract_tests[NC + NF];
	for (size_t i = 0; i < NC; i++)
		extract_tests[i] =
			(struct CMUnitTest){ cases[i].name, test_case, NULL, NULL, (void *)&cases[i] };
	for (size_t i = 0; i < NF; i++)
		extract_tests[NC + i] = fixed[i];
	return cmocka_run_group_tests(extract_tests, NULL, NULL);
}
