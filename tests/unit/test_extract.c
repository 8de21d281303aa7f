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
#include <stdlib.h>
#include <zlib.h>

#include "extract.h"

#define MAX_WANT 16

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
	enum extract_opaque opaque; /* X_BODY: what stats.body must say (NONE when decoded) */
};

#define NO_FIELDS { { NULL, NULL, NULL, 0 } }
#define MP_B "----WebKitFormBoundary7MA4YWxkTrZu0gW"
#define MP_D "--" MP_B "\r\n"

/* rows name the fields they need; the rest is zero */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
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
	  0, NO_FIELDS, EXTRACT_OPAQUE_TEXT },
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
	/* wrapped values */
	{ "wrap: Sensors form, base64 of gzip of an event batch", X_BODY,
	  "application/x-www-form-urlencoded",
	  "data_list=H4sIAAAAAAACA4uuVkotS80rUbJSyi9IzVPSUSooAjKKSjJTi5WsqpVSUssyk1PjM1OAClIMlWprdRAakkorCakHSQP5SlaWepa1tbEAuxQ2qm4AAAA%3D&gzip=1",
	  0, "form", false, 0, 0,
	  { { "body.data_list{base64}{gzip}{json}[0].event", "event", "open", 0 },
	    { "body.data_list{base64}{gzip}{json}[0].properties.device_id", "device_id", "d1", 0 },
	    { "body.data_list{base64}{gzip}{json}[1].event", "event", "buy", 0 },
	    { "body.data_list{base64}{gzip}{json}[1].properties.device_id", "device_id", "d1", 0 },
	    { "body.data_list{base64}{gzip}{json}[1].properties.price", "price", "9.9", 0 },
	    { "body.gzip", "gzip", "1", 0 } } },
	{ "wrap: zlib, raw deflate and base64url gzip in JSON strings", X_BODY, "application/json",
	  "{\"z\":\"eNqrVsrMTc1UslKyMDMxNTQyMDYxNTO3sDRUqgUAXa8GdA==\","
	  "\"r\":\"q1bKT8xMUbJSSjRMMlLSUcpTsoo21DGKrQUA\","
	  "\"u\":\"H4sIAAAAAAACA6tWKs1MUbJSMjFSqgUAUmee0wwAAAA\"}",
	  0, "json", false, 0, 0,
	  { { "body.z{base64}{deflate}{json}.imei", "imei", "864512034567891", 0 },
	    { "body.r{base64}{deflate}{json}.oaid", "oaid", "a1b2", 0 },
	    { "body.r{base64}{deflate}{json}.n[0]", "n", "1", 0 },
	    { "body.r{base64}{deflate}{json}.n[1]", "n", "2", 0 },
	    { "body.u{base64}{gzip}{json}.uid", "uid", "42", 0 } } },
	{ "wrap: base64 of a form, gzip of JSON Lines, base64 of base64", X_BODY, "application/json",
	  "{\"f\":\"dWlkPTQyJm5hbWU9JUU1JUJDJUEw\",\"l\":\"H4sIAAAAAAACA6tWylayMqzlqgbRRrVcAJs59moQAAAA\","
	  "\"bb\":\"ZXlKMWFXUWlPaUkwTWlKOQ==\"}",
	  0, "json", false, 0, 0,
	  { { "body.f{base64}{form}.uid", "uid", "42", 0 },
	    { "body.f{base64}{form}.name", "name", "\xe5\xbc\xa0", 0 },
	    { "body.l{base64}{gzip}{jsonl}[0].k", "k", "1", 0 },
	    { "body.l{base64}{gzip}{jsonl}[1].k", "k", "2", 0 },
	    { "body.bb{base64}{base64}{json}.uid", "uid", "42", 0 } } },
	{ "wrap: JSON holding a form holding base64 JSON, and the reverse", X_BODY, "application/json",
	  "{\"q\":\"a=1&p=eyJ1aWQiOiI0MiJ9\",\"x\":\"{\\\"f\\\":\\\"a=1&b=2\\\"}\"}", 0, "json", false,
	  0, 0,
	  { { "body.q{form}.a", "a", "1", 0 },
	    { "body.q{form}.p{base64}{json}.uid", "uid", "42", 0 },
	    { "body.x{json}.f{form}.a", "a", "1", 0 },
	    { "body.x{json}.f{form}.b", "b", "2", 0 } } },
	{ "wrap: form value holding JSON holding a form holding JSON", X_BODY,
	  "application/x-www-form-urlencoded", "x=%7B%22f%22%3A%22a%3D%257B%2522k%2522%253A7%257D%22%7D",
	  0, "form", false, 0, 0, { { "body.x{json}.f{form}.a{json}.k", "k", "7", 0 } } },
	{ "wrap: MIME base64 with line breaks, form '+' sent as a space", X_BODY,
	  "application/x-www-form-urlencoded",
	  "m=H4sIAAAAAAACA6tWysxNzVSyUlCyMDMxNTQyMDYxNTO3sDRU0lFQKkhMAclUUACUagG6D3x%2FYgAA%0AAA%3D%3D%0A"
	  "&s=eyJrIjoifn5+fiJ9",
	  0, "form", false, 0, 0,
	  { { "body.m{base64}{gzip}{json}.imei", "imei", "864512034567891", 0 },
	    { "body.m{base64}{gzip}{json}.pad", "pad",
	      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0 },
	    { "body.s{base64}{json}.k", "k", "~~~~", 0 } } },
	{ "wrap: query parameter", X_QUERY, NULL, "d=H4sIAAAAAAACA6tWKs1MUbJSMjFSqgUAUmee0wwAAAA&v=1",
	  0, NULL, false, 0, 0,
	  { { "query.d{base64}{gzip}{json}.uid", "uid", "42", 0 }, { "query.v", "v", "1", 0 } } },
	{ "wrap: multipart text part", X_MULTIPART, "b0",
	  "--b0\r\nContent-Disposition: form-data; name=\"log\"\r\n\r\n"
	  "H4sIAAAAAAACA6tWKs1MUbJSMjFSqgUAUmee0wwAAAA\r\n--b0--\r\n",
	  0, NULL, false, 0, 0, { { "body.log{base64}{gzip}{json}.uid", "uid", "42", 0 } } },
	{ "wrap: hex ids, UUIDs and words stay values", X_BODY, "application/json",
	  "{\"md5\":\"9bc02da2f67cd40e42b866433746dd1e\",\"id\":\"2d4f6a8c-0e1f-4b3d-9a5c-7e9b1d3f5a70\","
	  "\"w\":\"abcdefghijklmnopqrst\",\"t\":\"aGVsbG8gd29ybGQgaGVsbG8=\"}",
	  0, "json", false, 0, 0,
	  { { "body.md5", "md5", "9bc02da2f67cd40e42b866433746dd1e", 0 },
	    { "body.id", "id", "2d4f6a8c-0e1f-4b3d-9a5c-7e9b1d3f5a70", 0 },
	    { "body.w", "w", "abcdefghijklmnopqrst", 0 },
	    { "body.t", "t", "aGVsbG8gd29ybGQgaGVsbG8=", 0 } } },
	{ "wrap: malformed base64 and gzip stay values", X_BODY, "application/json",
	  "{\"bad\":\"eyJ1aWQiOiI0MiJ9!\",\"odd\":\"eyJ1aWQiOiI0MiJ9e\",\"mix\":\"H4sI-AAA_AAACA6tW+Ks1/MUb\","
	  "\"gz\":\"H4sIAAAAAAACA6tWKs1MUbJSMjFSAAAAAAAAAAAAAAAA\",\"pad\":\"eyJ1aWQiOiI0MiJ9===\"}",
	  0, "json", false, 0, 0,
	  { { "body.bad", "bad", "eyJ1aWQiOiI0MiJ9!", 0 },
	    { "body.odd", "odd", "eyJ1aWQiOiI0MiJ9e", 0 },
	    { "body.mix", "mix", "H4sI-AAA_AAACA6tW+Ks1/MUb", 0 },
	    { "body.gz", "gz", "H4sIAAAAAAACA6tWKs1MUbJSMjFSAAAAAAAAAAAAAAAA", 0 },
	    { "body.pad", "pad", "eyJ1aWQiOiI0MiJ9===", 0 } } },
	{ "wrap: each layer is one depth level", X_BODY, "application/json",
	  "{\"a\":\"ZXlKMWFXUWlPaUkwTWlKOQ==\",\"b\":\"eyJ1aWQiOiI0MiJ9\"}", 0, "json", true, 4, 0,
	  { { "body.a", "a", "ZXlKMWFXUWlPaUkwTWlKOQ==", 0 },
	    { "body.b{base64}{json}.uid", "uid", "42", 0 } } },
	{ "wrap: an event batch", X_BODY, "application/json",
	  "{\"batch\":[{\"event\":\"a\"},{\"event\":\"b\"},{\"event\":\"c\"},"
	  "{\"event\":\"d\",\"properties\":{\"device_id\":\"d1\",\"tags\":[\"x\"]}}]}",
	  0, "json", false, 0, 0,
	  { { "body.batch[0].event", "event", "a", 0 },
	    { "body.batch[1].event", "event", "b", 0 },
	    { "body.batch[2].event", "event", "c", 0 },
	    { "body.batch[3].event", "event", "d", 0 },
	    { "body.batch[3].properties.device_id", "device_id", "d1", 0 },
	    { "body.batch[3].properties.tags[0]", "tags", "x", 0 } } },
	/* wrapped bodies */
	{ "wrap body: base64 of gzip JSON as text", X_BODY, "text/plain",
	  "H4sIAAAAAAACA6tWSlSyUqpQ0lFKUrKKLikqTY2tBQDTc1PSFAAAAA==\n", 0, "json", false, 0, 0,
	  { { "body{base64}{gzip}{json}.a", "a", "x", 0 },
	    { "body{base64}{gzip}{json}.b[0]", "b", "true", 0 } } },
	{ "wrap body: gzip without Content-Encoding", X_BODY, "application/json",
	  "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\x56\x4a\x54\xb2\x32\xac\x05\x00\xaf\xac\x1b\x56"
	  "\x07\x00\x00\x00", 27, "json", false, 0, 0, { { "body{gzip}{json}.a", "a", "1", 0 } } },
	{ "wrap body: base64 JSON under the form type", X_BODY, "application/x-www-form-urlencoded",
	  "eyJhIjoiMSIsImMiOjN9", 0, "json", false, 0, 0,
	  { { "body{base64}{json}.a", "a", "1", 0 }, { "body{base64}{json}.c", "c", "3", 0 } } },
	{ "wrap body: padded base64 under the form type", X_BODY, "application/x-www-form-urlencoded",
	  "eyJhIjoiMSIsImIiOjIyfQ==", 0, "json", false, 0, 0,
	  { { "body{base64}{json}.a", "a", "1", 0 }, { "body{base64}{json}.b", "b", "22", 0 } } },
	/* Sentry envelopes */
	{ "envelope: lengths honoured, an attachment skipped", X_BODY,
	  "application/x-sentry-envelope",
	  "{\"event_id\":\"e1\",\"dsn\":\"x\"}\n"
	  "{\"type\":\"attachment\",\"length\":10,\"filename\":\"a.txt\"}\n\x00\x01" "bin\nary!\n"
	  "{\"type\":\"event\",\"length\":27}\n{\"user\":\n{\"email\":\"a@b.c\"}}\n",
	  149, "jsonl", false, 0, 0,
	  { { "body[0].event_id", "event_id", "e1", 0 },
	    { "body[0].dsn", "dsn", "x", 0 },
	    { "body[1].type", "type", "attachment", 0 },
	    { "body[1].length", "length", "10", 0 },
	    { "body[1].filename", "filename", "a.txt", 0 },
	    { "body[3].type", "type", "event", 0 },
	    { "body[3].length", "length", "27", 0 },
	    { "body[4].user.email", "email", "a@b.c", 0 } } },
	{ "envelope: a wrong length falls back to the line", X_BODY,
	  "application/x-sentry-envelope; charset=utf-8",
	  "{}\n{\"type\":\"event\",\"length\":5}\n{\"uid\":\"42\"}", 0, "jsonl", false, 0, 0,
	  { { "body[1].type", "type", "event", 0 },
	    { "body[1].length", "length", "5", 0 },
	    { "body[2].uid", "uid", "42", 0 } } },
	{ "envelope: no JSON header is sniffed", X_BODY, "application/x-sentry-envelope",
	  "not an envelope", 0, "text", false, 0, 0, NO_FIELDS, EXTRACT_OPAQUE_TEXT },
	/* bodies left undecoded */
	{ "opaque: declared protobuf", X_BODY, "application/x-protobuf",
	  "\x08\x96\x01\x12\x03" "abc", 8, "binary", false, 0, 0, NO_FIELDS, EXTRACT_OPAQUE_PROTOBUF },
	{ "opaque: protobuf wire format", X_BODY, "application/octet-stream",
	  "\x08\x96\x01\x12\x07testing\x1d\x00\x00\x80\x3f", 17, "binary", false, 0, 0, NO_FIELDS,
	  EXTRACT_OPAQUE_PROTOBUF },
	{ "opaque: gRPC", X_BODY, "application/grpc+proto", "\x00\x00\x00\x00\x02\x08\x01", 7, "binary",
	  false, 0, 0, NO_FIELDS, EXTRACT_OPAQUE_PROTOBUF },
	{ "opaque: MessagePack", X_BODY, "application/x-msgpack", "\x81\xa1" "a\x01", 4, "binary",
	  false, 0, 0, NO_FIELDS, EXTRACT_OPAQUE_OTHER_FORMAT },
	{ "opaque: XML", X_BODY, "text/xml", "<a>1</a>", 0, "text", false, 0, 0, NO_FIELDS,
	  EXTRACT_OPAQUE_XML },
	{ "opaque: plist sniffed", X_BODY, NULL, " <?xml version=\"1.0\"?><plist/>", 0, "text", false,
	  0, 0, NO_FIELDS, EXTRACT_OPAQUE_XML },
	{ "opaque: PNG", X_BODY, "application/octet-stream", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",
	  16, "binary", false, 0, 0, NO_FIELDS, EXTRACT_OPAQUE_MEDIA },
	{ "opaque: zip", X_BODY, NULL, "PK\x03\x04\x14\x00\x00\x00", 8, "binary", false, 0, 0,
	  NO_FIELDS, EXTRACT_OPAQUE_COMPRESSED },
	{ "opaque: corrupt gzip", X_BODY, "application/json",
	  "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 20,
	  "binary", false, 0, 0, NO_FIELDS, EXTRACT_OPAQUE_COMPRESSED },
	{ "opaque: hex text", X_BODY, "text/plain",
	  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 0, "text", false, 0, 0,
	  NO_FIELDS, EXTRACT_OPAQUE_ENCRYPTED },
	{ "opaque: low-entropy binary", X_BODY, "application/octet-stream",
	  "\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x04\x00\x00", 18, "binary",
	  false, 0, 0, NO_FIELDS, EXTRACT_OPAQUE_BINARY },
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
	  0, NO_FIELDS, EXTRACT_OPAQUE_TEXT },
	{ "sniff: JSON scalar is text", X_BODY, "text/plain", "42", 0, "text", false, 0, 0,
	  NO_FIELDS, EXTRACT_OPAQUE_TEXT },
	{ "sniff: base64 alone is text", X_BODY, NULL, "YWJjZA==", 0, "text", false, 0, 0,
	  NO_FIELDS, EXTRACT_OPAQUE_TEXT },
	{ "sniff: UTF-8 text", X_BODY, "text/plain", "h\xc3\xa9llo\n", 0, "text", false, 0, 0,
	  NO_FIELDS, EXTRACT_OPAQUE_TEXT },
	{ "sniff: binary", X_BODY, "application/octet-stream", "\x00\x01\x02", 3, "binary", false,
	  0, 0, NO_FIELDS, EXTRACT_OPAQUE_BINARY },
	{ "sniff: invalid UTF-8 is binary", X_BODY, NULL, "\xc3\x28", 0, "binary", false, 0, 0,
	  NO_FIELDS, EXTRACT_OPAQUE_BINARY },
	{ "sniff: empty body", X_BODY, NULL, "", 0, "text", false, 0, 0, NO_FIELDS,
	  EXTRACT_OPAQUE_TEXT },
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
	struct extract_ctx x = { .out = &l, .max_depth = c->max_depth };
	const uint8_t *in = (const uint8_t *)c->in;
	size_t len = c->in_len ? c->in_len : strlen(c->in);
	switch (c->fn) {
	case X_BODY: {
		const char *kind = extract_body(&x, c->type, c->type ? strlen(c->type) : 0, in, len);
		assert_string_equal(kind, c->kind);
		assert_string_equal(extract_opaque_name(x.stats.body), extract_opaque_name(c->opaque));
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
	struct extract_ctx x = { .out = &l }; /* 0: the default cap */
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
	struct extract_ctx x = { .out = &l };
	assert_string_equal(extract_body(&x, "application/x-ndjson", 20, (const uint8_t *)doc, n),
			    "jsonl");
	assert_int_equal(l.n, 10);
	assert_string_equal(l.v[9].path, "body[9].i");
	assert_true(l.truncated);
	field_list_free(&l);
}

/* ---- wrapped values built at run time ---- */

static char *b64_encode(const uint8_t *in, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? a[v & 63] : '=';
	}
	out[o] = 0;
	return out;
}

/* gzip (window_bits 31) or zlib (15) of n bytes; *out_len set. */
static uint8_t *compress_bytes(const uint8_t *in, size_t n, int window_bits, size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, (uLong)n);
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

/* base64(gzip(text)) */
static char *b64_gzip(const char *text, size_t n)
{
	size_t zl;
	uint8_t *z = compress_bytes((const uint8_t *)text, n, 31, &zl);
	char *b = b64_encode(z, zl);
	free(z);
	return b;
}

static const struct field *find_field(const struct field_list *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].path, path) == 0)
			return &l->v[i];
	return NULL;
}

/* A JSON body {"k":"<value>"} */
static char *json_with(const char *k, const char *value)
{
	size_t n = strlen(k) + strlen(value) + 16;
	char *b = malloc(n);
	snprintf(b, n, "{\"%s\":\"%s\"}", k, value);
	return b;
}

/* A gzip bomb inside base64 stops at max_decoded: the encoded text is the leaf. */
static void test_gzip_bomb_in_base64(void **state)
{
	size_t n = 4u << 20;
	char *doc = malloc(n);
	memset(doc, ' ', n);
	memcpy(doc, "{\"a\":\"", 6);
	memcpy(doc + n - 2, "\"}", 2);
	char *b = b64_gzip(doc, n);
	free(doc);
	char *body = json_with("bomb", b);
	struct field_list l;
	field_list_init(&l);
	struct extract_ctx x = { .out = &l, .max_decoded = 1u << 20 };
	assert_string_equal(extract_body(&x, "application/json", 16, (const uint8_t *)body, strlen(body)),
			    "json");
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].path, "body.bomb");
	assert_string_equal(l.v[0].value, b);
	assert_true(x.stats.decompress_capped);
	assert_true(x.decoded <= 1u << 20);
	free(body);
	free(b);
	field_list_free(&l);
}

/* Without max_decoded, the ratio (1000 bytes per byte) stops a denser bomb. */
static void test_gzip_bomb_ratio(void **state)
{
	size_t n = 24u << 20;
	char *doc = calloc(1, n);
	size_t zl;
	uint8_t *z = compress_bytes((const uint8_t *)doc, n, 31, &zl);
	free(doc);
	char *b = b64_encode(z, zl);
	free(z);
	char *body = json_with("z", b);
	struct field_list l;
	field_list_init(&l);
	struct extract_ctx x = { .out = &l };
	extract_body(&x, "application/json", 16, (const uint8_t *)body, strlen(body));
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].path, "body.z");
	assert_true(x.stats.decompress_capped);
	assert_true(x.decoded <= zl * 1000);
	free(body);
	free(b);
	field_list_free(&l);
}

/* One context, one budget: the second value finds it spent. */
static void test_budget_shared(void **state)
{
	char doc[3000];
	memset(doc, ' ', sizeof(doc));
	memcpy(doc, "{\"k\":1", 6);
	doc[sizeof(doc) - 1] = '}';
	char *b = b64_gzip(doc, sizeof(doc));
	size_t n = 2 * strlen(b) + 32;
	char *body = malloc(n);
	snprintf(body, n, "{\"a\":\"%s\",\"b\":\"%s\"}", b, b);
	struct field_list l;
	field_list_init(&l);
	struct extract_ctx x = { .out = &l, .max_decoded = 4096 };
	extract_body(&x, "application/json", 16, (const uint8_t *)body, strlen(body));
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].path, "body.a{base64}{gzip}{json}.k");
	assert_string_equal(l.v[1].path, "body.b");
	assert_true(x.stats.decompress_capped);
	assert_int_equal(x.stats.values_decoded, 1);
	free(body);
	free(b);
	field_list_free(&l);
}

/* A stream cut before its end: what decoded is kept and the cut is said. */
static void test_truncated_stream(void **state)
{
	const char *lines = "{\"k\":1}\n{\"k\":2}\n{\"k\":3}\n";
	size_t zl;
	uint8_t *z = compress_bytes((const uint8_t *)lines, strlen(lines), 31, &zl);
	char *b = b64_encode(z, zl - 8); /* no CRC and size trailer */
	char *body = json_with("l", b);
	struct field_list l;
	field_list_init(&l);
	struct extract_ctx x = { .out = &l };
	extract_body(&x, "application/json", 16, (const uint8_t *)body, strlen(body));
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[2].path, "body.l{base64}{gzip}{jsonl}[2].k");
	assert_true(x.stats.decode_error);
	free(body);
	free(b);
	free(z);
	/* cut inside the deflate data: the JSON does not close, the value stays */
	char doc[400];
	memset(doc, 'x', sizeof(doc));
	memcpy(doc, "{\"k\":\"", 6);
	memcpy(doc + sizeof(doc) - 2, "\"}", 2);
	z = compress_bytes((const uint8_t *)doc, sizeof(doc), 31, &zl);
	b = b64_encode(z, zl / 2);
	body = json_with("l", b);
	field_list_clear(&l);
	struct extract_ctx y = { .out = &l };
	extract_body(&y, "application/json", 16, (const uint8_t *)body, strlen(body));
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].path, "body.l");
	assert_false(y.stats.decode_error);
	free(body);
	free(b);
	free(z);
	field_list_free(&l);
}

/* base64 of base64 ...: a few layers open, more stop at EX_WRAP_MAX_LAYERS
 * (8), and every layer is decoded once. */
static void test_nested_base64(void **state)
{
	char *cur = strdup("{\"uid\":\"42\"}");
	for (int layers = 1; layers <= 12; layers++) {
		char *next = b64_encode((const uint8_t *)cur, strlen(cur));
		free(cur);
		cur = next;
		char *body = json_with("v", cur);
		struct field_list l;
		field_list_init(&l);
		struct extract_ctx x = { .out = &l, .max_depth = 32 };
		extract_body(&x, "application/json", 16, (const uint8_t *)body, strlen(body));
		assert_int_equal(l.n, 1);
		if (layers <= 8) {
			char want[256] = "body.v";
			for (int i = 0; i < layers; i++)
				strcat(want, "{base64}");
			strcat(want, "{json}.uid");
			assert_string_equal(l.v[0].path, want);
			assert_false(l.truncated);
		} else {
			assert_string_equal(l.v[0].path, "body.v");
			assert_true(l.truncated);
		}
		free(body);
		field_list_free(&l);
	}
	free(cur);
}

/* A JSON string holding a JSON string holding ... 12 deep: cut at the depth cap. */
static void test_deep_string_nesting(void **state)
{
	char *cur = strdup("{\"a\":1}");
	for (int i = 0; i < 12; i++) {
		size_t n = strlen(cur);
		char *next = malloc(2 * n + 16);
		size_t o = 0;
		memcpy(next, "{\"a\":\"", 6);
		o = 6;
		for (size_t k = 0; k < n; k++) {
			if (cur[k] == '"' || cur[k] == '\\')
				next[o++] = '\\';
			next[o++] = cur[k];
		}
		memcpy(next + o, "\"}", 3);
		free(cur);
		cur = next;
	}
	struct field_list l;
	field_list_init(&l);
	struct extract_ctx x = { .out = &l };
	extract_body(&x, "application/json", 16, (const uint8_t *)cur, strlen(cur));
	assert_int_equal(l.n, 1);
	/* object, member, {json} ...: 7 nested strings fit in 16 levels */
	assert_string_equal(l.v[0].path,
			    "body.a{json}.a{json}.a{json}.a{json}.a{json}.a{json}.a{json}.a");
	assert_true(l.truncated);
	free(cur);
	field_list_free(&l);
}

static void random_bytes(uint8_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		p[i] = (uint8_t)(seed >> 24);
	}
}

/* Ciphertext: as a binary body, as base64 text, and as a long base64 value. */
static void test_encrypted(void **state)
{
	uint8_t r[2048];
	random_bytes(r, sizeof(r), 0x9e3779b97f4a7c15ull);
	struct field_list l;
	field_list_init(&l);
	struct extract_ctx x = { .out = &l };
	assert_string_equal(extract_body(&x, "application/octet-stream", 24, r, sizeof(r)), "binary");
	assert_int_equal(x.stats.body, EXTRACT_OPAQUE_ENCRYPTED);
	char *b = b64_encode(r, 300);
	struct extract_ctx y = { .out = &l };
	assert_string_equal(extract_body(&y, "text/plain", 10, (const uint8_t *)b, strlen(b)), "text");
	assert_int_equal(y.stats.body, EXTRACT_OPAQUE_ENCRYPTED);
	assert_int_equal(l.n, 0);
	char *body = json_with("data", b);
	struct extract_ctx z = { .out = &l };
	assert_string_equal(
		extract_body(&z, "application/json", 16, (const uint8_t *)body, strlen(body)), "json");
	assert_int_equal(z.stats.body, EXTRACT_OPAQUE_NONE);
	assert_int_equal(l.n, 1);
	assert_int_equal(z.stats.values_base64_opaque[EXTRACT_OPAQUE_ENCRYPTED], 1);
	assert_int_equal(z.stats.values_decoded, 0);
	free(body);
	free(b);
	/* a short random value (a token) is not counted */
	b = b64_encode(r, 30);
	body = json_with("token", b);
	field_list_clear(&l);
	struct extract_ctx t = { .out = &l };
	extract_body(&t, "application/json", 16, (const uint8_t *)body, strlen(body));
	assert_int_equal(t.stats.values_base64_opaque[EXTRACT_OPAQUE_ENCRYPTED], 0);
	free(body);
	free(b);
	field_list_free(&l);
}

/* Random bytes are not read as protobuf; small messages are. */
static void test_protobuf_sniff(void **state)
{
	uint8_t r[256];
	int hits = 0;
	for (uint64_t seed = 1; seed <= 2000; seed++) {
		random_bytes(r, sizeof(r), seed * 0x2545f4914f6cdd1dull);
		struct field_list l;
		field_list_init(&l);
		struct extract_ctx x = { .out = &l };
		extract_body(&x, NULL, 0, r, sizeof(r));
		hits += x.stats.body == EXTRACT_OPAQUE_PROTOBUF;
		field_list_free(&l);
	}
	assert_true(hits <= 2);
	/* a wrapper message around one with two fields */
	static const uint8_t wrapped[] = { 0x0a, 0x07, 0x08, 0x01, 0x12, 0x03, 'a', 'b', 'c' };
	struct field_list l;
	field_list_init(&l);
	struct extract_ctx x = { .out = &l };
	extract_body(&x, "application/octet-stream", 24, wrapped, sizeof(wrapped));
	assert_int_equal(x.stats.body, EXTRACT_OPAQUE_PROTOBUF);
	field_list_free(&l);
}

/* Every wrapped value decoded is counted once. */
static void test_values_decoded(void **state)
{
	const char *body = "{\"a\":\"{\\\"b\\\":\\\"x=1&y=2\\\"}\",\"c\":\"eyJ1aWQiOiI0MiJ9\",\"d\":\"plain\"}";
	struct field_list l;
	field_list_init(&l);
	struct extract_ctx x = { .out = &l };
	extract_body(&x, "application/json", 16, (const uint8_t *)body, strlen(body));
	assert_int_equal(x.stats.values_decoded, 3);
	assert_non_null(find_field(&l, "body.a{json}.b{form}.y"));
	assert_non_null(find_field(&l, "body.c{base64}{json}.uid"));
	field_list_free(&l);
}

int main(void)
{
	enum { NC = sizeof(cases) / sizeof(cases[0]) };
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_jsonl_field_cap),
		cmocka_unit_test(test_gzip_bomb_in_base64),
		cmocka_unit_test(test_gzip_bomb_ratio),
		cmocka_unit_test(test_budget_shared),
		cmocka_unit_test(test_truncated_stream),
		cmocka_unit_test(test_nested_base64),
		cmocka_unit_test(test_deep_string_nesting),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_protobuf_sniff),
		cmocka_unit_test(test_values_decoded),
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
