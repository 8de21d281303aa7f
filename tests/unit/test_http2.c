/* \summary: unit tests for http2.c (frames, HPACK, streams, hand-over
 * rules) and for the h2c hand-off in http1.c.
 *
 * Byte streams are built here: frames by hand, header blocks with
 * nghttp2's HPACK deflater (one per direction, as a peer keeps one) or as
 * hand-written literal fields.  Every delivery is tagged: `origin` is the
 * frame that carried the bytes, `frame` the packet being processed, and
 * `ts_ns` = frame * 1000.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <nghttp2/nghttp2.h>
#include <zlib.h>

#include "http1.h"
#include "http2.h"

#define PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

enum { DATA = 0, HEADERS = 1, PRIORITY = 2, RST_STREAM = 3, SETTINGS = 4, PUSH_PROMISE = 5, PING = 6,
       GOAWAY = 7, WINDOW_UPDATE = 8, CONTINUATION = 9 };
enum { END_STREAM = 0x1, END_HEADERS = 0x4, PADDED = 0x8, PRIO = 0x20 };

/* ---- byte streams ---- */

struct bytes {
	uint8_t p[1 << 16];
	size_t len;
};

static void put(struct bytes *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->p));
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_frame_header(struct bytes *b, size_t len, uint8_t type, uint8_t flags, uint32_t stream)
{
	uint8_t h[9] = { (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, type, flags,
			 (uint8_t)(stream >> 24), (uint8_t)(stream >> 16), (uint8_t)(stream >> 8),
			 (uint8_t)stream };
	put(b, h, 9);
}

static void put_frame(struct bytes *b, uint8_t type, uint8_t flags, uint32_t stream, const void *payload,
		      size_t n)
{
	put_frame_header(b, n, type, flags, stream);
	put(b, payload, n);
}

static void put_str(struct bytes *b, const char *s) { put(b, s, strlen(s)); }

/* The server's preface, or the client's after its magic: empty SETTINGS. */
static void put_settings(struct bytes *b) { put_frame(b, SETTINGS, 0, 0, NULL, 0); }

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE }

/* One header block from the peer's encoder; its dynamic table persists. */
static size_t hpack(nghttp2_hd_deflater *def, const nghttp2_nv *nv, size_t n, uint8_t *out, size_t cap)
{
	ssize_t rv = nghttp2_hd_deflate_hd(def, out, cap, nv, n);
	assert_true(rv >= 0);
	return (size_t)rv;
}

static nghttp2_hd_deflater *deflater(void)
{
	nghttp2_hd_deflater *def;
	assert_int_equal(nghttp2_hd_deflate_new(&def, 4096), 0);
	return def;
}

/* HEADERS (END_HEADERS) with the block for nv. */
static void put_headers(struct bytes *b, nghttp2_hd_deflater *def, uint8_t flags, uint32_t stream,
			const nghttp2_nv *nv, size_t n)
{
	uint8_t blk[4096];
	size_t len = hpack(def, nv, n, blk, sizeof(blk));
	put_frame(b, HEADERS, flags | END_HEADERS, stream, blk, len);
}

static void put_status(struct bytes *b, nghttp2_hd_deflater *def, uint32_t stream, const char *status)
{
	nghttp2_nv nv[] = { { (uint8_t *)":status", (uint8_t *)status, 7, strlen(status), 0 } };
	put_headers(b, def, 0, stream, nv, 1);
}

/* ---- what the parser hands over ---- */

#define MAX_GOT 300

struct got {
	char protocol[16], method[16], target[128], host[64];
	bool has_host;
	size_t nheaders;
	char hname[8][32], hvalue[8][64];
	uint8_t body[256];
	size_t body_len;
	bool body_truncated, body_gap, headers_truncated;
	uint64_t frames[400];
	size_t nframes;
	uint64_t frame, ts_ns, response_frame;
	int status;
};

struct sink {
	struct got r[MAX_GOT];
	size_t n;
};

static void copy_str(char *dst, size_t cap, const char *s, size_t len)
{
	assert_true(len < cap);
	memcpy(dst, s, len);
	dst[len] = 0;
}

static void on_request(void *ctx, const struct http_request *r)
{
	struct sink *k = ctx;
	assert_true(k->n < MAX_GOT);
	struct got *g = &k->r[k->n++];
	memset(g, 0, sizeof(*g));
	copy_str(g->protocol, sizeof(g->protocol), r->protocol, strlen(r->protocol));
	copy_str(g->method, sizeof(g->method), r->method, r->method_len);
	copy_str(g->target, sizeof(g->target), r->target, r->target_len);
	g->has_host = r->host != NULL;
	if (r->host)
		copy_str(g->host, sizeof(g->host), r->host, r->host_len);
	g->nheaders = r->nheaders;
	for (size_t i = 0; i < r->nheaders && i < 8; i++) {
		copy_str(g->hname[i], sizeof(g->hname[i]), r->headers[i].name, r->headers[i].name_len);
		copy_str(g->hvalue[i], sizeof(g->hvalue[i]), r->headers[i].value, r->headers[i].value_len);
	}
	assert_true(r->body_len <= sizeof(g->body));
	if (r->body_len)
		memcpy(g->body, r->body, r->body_len);
	g->body_len = r->body_len;
	g->body_truncated = r->body_truncated;
	g->body_gap = r->body_gap;
	g->headers_truncated = r->headers_truncated;
	assert_true(r->nframes <= 400);
	memcpy(g->frames, r->frames, r->nframes * sizeof(*r->frames));
	g->nframes = r->nframes;
	g->frame = r->frame;
	g->ts_ns = r->ts_ns;
	g->status = r->status;
	g->response_frame = r->response_frame;
}

/* One delivery, carried by and completed with frame `f`. */
static void feed(struct http2_conn *c, int dir, const struct bytes *b, uint64_t f)
{
	http2_data(c, dir, b->p, b->len, f, f, f * 1000);
}

static void assert_frames(const struct got *g, const uint64_t *want, size_t n)
{
	assert_int_equal(g->nframes, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(g->frames[i], want[i]);
}

static void assert_body(const struct got *g, const char *want)
{
	assert_int_equal(g->body_len, strlen(want));
	assert_memory_equal(g->body, want, g->body_len);
}

static const nghttp2_nv get_humans[] = {
	NV(":method", "GET"), NV(":path", "/humans.txt"), NV(":scheme", "http"),
	NV(":authority", "nghttp2.org"), NV("user-agent", "test/1.0"), NV("accept", "*/*"),
};

/* ---- tests ---- */

static void test_looks_like_preface(void **state)
{
	assert_int_equal(http2_looks_like_preface((const uint8_t *)PREFACE, 24), 1);
	assert_int_equal(http2_looks_like_preface((const uint8_t *)PREFACE "\0\0", 26), 1);
	assert_int_equal(http2_looks_like_preface((const uint8_t *)"PRI * HTTP/2", 12), -1);
	assert_int_equal(http2_looks_like_preface((const uint8_t *)"", 0), -1);
	assert_int_equal(http2_looks_like_preface((const uint8_t *)"PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n", 24), 0);
	assert_int_equal(http2_looks_like_preface((const uint8_t *)"GET / HTTP/1.1", 14), 0);
}

/* The preface cut in three; the request waits for its response. */
static void test_preface_split(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater(), *sd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes a = { .len = 0 }, b = { .len = 0 }, s = { .len = 0 };
	put(&a, PREFACE, 5);
	put(&b, PREFACE + 5, 10);
	feed(c, 0, &a, 1);
	feed(c, 0, &b, 2);
	a.len = 0;
	put(&a, PREFACE + 15, 9);
	put_settings(&a);
	put_headers(&a, cd, END_STREAM, 1, get_humans, 6);
	feed(c, 0, &a, 3);
	assert_int_equal(k.n, 0); /* complete, but its status is not known yet */
	put_settings(&s);
	put_frame(&s, SETTINGS, 1, 0, NULL, 0); /* ACK */
	put_status(&s, sd, 1, "200");
	put_frame(&s, DATA, END_STREAM, 1, "hello", 5);
	feed(c, 1, &s, 4);
	assert_int_equal(k.n, 1);
	const struct got *g = &k.r[0];
	assert_string_equal(g->protocol, "http/2");
	assert_string_equal(g->method, "GET");
	assert_string_equal(g->target, "/humans.txt");
	assert_true(g->has_host);
	assert_string_equal(g->host, "nghttp2.org");
	assert_int_equal(g->nheaders, 2); /* no pseudo-headers */
	assert_string_equal(g->hname[0], "user-agent");
	assert_string_equal(g->hvalue[0], "test/1.0");
	assert_string_equal(g->hname[1], "accept");
	assert_string_equal(g->hvalue[1], "*/*");
	assert_int_equal(g->body_len, 0);
	assert_false(g->body_truncated || g->body_gap || g->headers_truncated);
	assert_frames(g, (const uint64_t[]){ 3 }, 1);
	assert_int_equal(g->frame, 3);
	assert_int_equal(g->ts_ns, 3000);
	assert_int_equal(g->status, 200);
	assert_int_equal(g->response_frame, 4);
	const struct http2_stats *st = http2_stats(c);
	assert_int_equal(st->requests, 1);
	assert_int_equal(st->responses, 1);
	assert_int_equal(st->bad_frames + st->hpack_errors + st->streams_reset + st->truncated_bodies, 0);
	http2_free(c);
	nghttp2_hd_deflate_del(cd);
	nghttp2_hd_deflate_del(sd);
}

/* Every byte its own delivery and frame: frames[] lists each byte of the
 * HEADERS and DATA frames (not the preface or SETTINGS), the last one
 * completes the request. */
static void test_byte_by_byte(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	static const nghttp2_nv nv[] = {
		NV(":method", "POST"), NV(":scheme", "https"), NV(":path", "/api/login"),
		NV(":authority", "api.example.cn:8443"), NV("content-type", "application/json"),
	};
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	static struct bytes b;
	b.len = 0;
	put_str(&b, PREFACE);
	put_settings(&b);
	size_t first = b.len;
	put_headers(&b, cd, 0, 1, nv, 5);
	put_frame(&b, DATA, 0, 1, "{\"phone\":", 9);
	put_frame(&b, DATA, END_STREAM, 1, "\"13812345678\"}", 14);
	for (size_t i = 0; i < b.len; i++)
		http2_data(c, 0, b.p + i, 1, 100 + i, 100 + i, (100 + i) * 1000);
	http2_end(c, 0);
	http2_end(c, 1);
	assert_int_equal(k.n, 1);
	const struct got *g = &k.r[0];
	assert_string_equal(g->method, "POST");
	assert_string_equal(g->target, "/api/login");
	assert_string_equal(g->host, "api.example.cn:8443");
	assert_int_equal(g->nheaders, 1);
	assert_string_equal(g->hname[0], "content-type");
	assert_string_equal(g->hvalue[0], "application/json");
	assert_body(g, "{\"phone\":\"13812345678\"}");
	assert_int_equal(g->nframes, b.len - first);
	for (size_t i = 0; i < g->nframes; i++)
		assert_int_equal(g->frames[i], 100 + first + i);
	assert_int_equal(g->frame, 100 + b.len - 1);
	assert_int_equal(g->ts_ns, (100 + b.len - 1) * 1000);
	assert_int_equal(g->status, 0);
	assert_false(g->body_gap || g->body_truncated);
	http2_free(c);
	nghttp2_hd_deflate_del(cd);
}

/* A frame split at every possible point gives the same request. */
static void test_split_everywhere(void **state)
{
	nghttp2_hd_deflater *cd = deflater();
	static struct bytes b;
	b.len = 0;
	put_str(&b, PREFACE);
	put_settings(&b);
	put_headers(&b, cd, 0, 1, get_humans, 6);
	put_frame(&b, DATA, PADDED | END_STREAM, 1, "\x02" "abc\0\0", 6);
	nghttp2_hd_deflate_del(cd);
	for (size_t cut = 1; cut < b.len; cut++) {
		static struct sink k;
		k.n = 0;
		struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
		http2_data(c, 0, b.p, cut, 1, 1, 1000);
		http2_data(c, 0, b.p + cut, b.len - cut, 2, 2, 2000);
		http2_free(c);
		assert_int_equal(k.n, 1);
		assert_string_equal(k.r[0].target, "/humans.txt");
		assert_body(&k.r[0], "abc");
		assert_int_equal(k.r[0].frame, 2);
		/* the request's frames start after the preface and SETTINGS (33 bytes) */
		if (cut <= 33)
			assert_frames(&k.r[0], (const uint64_t[]){ 2 }, 1);
		else
			assert_frames(&k.r[0], (const uint64_t[]){ 1, 2 }, 2);
	}
}

/* Two streams, their DATA interleaved; answered in the other order. */
static void test_interleaved(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater(), *sd = deflater();
	static const nghttp2_nv a[] = { NV(":method", "POST"), NV(":path", "/a"), NV(":authority", "h.example"),
					NV(":scheme", "https") };
	static const nghttp2_nv b[] = { NV(":method", "PUT"), NV(":path", "/b?x=1"), NV(":scheme", "https"),
					NV("host", "legacy.example") };
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	put_headers(&x, cd, 0, 1, a, 4);
	feed(c, 0, &x, 2);
	x.len = 0;
	put_headers(&x, cd, 0, 3, b, 4);
	feed(c, 0, &x, 3);
	x.len = 0;
	put_frame(&x, DATA, 0, 3, "bbb", 3);
	put_frame(&x, WINDOW_UPDATE, 0, 0, "\0\0\1\0", 4);
	feed(c, 0, &x, 4);
	x.len = 0;
	put_frame(&x, DATA, 0, 1, "aaa", 3);
	put_frame(&x, PING, 0, 0, "12345678", 8);
	feed(c, 0, &x, 5);
	x.len = 0;
	put_frame(&x, DATA, END_STREAM, 1, "AAA", 3);
	feed(c, 0, &x, 6);
	x.len = 0;
	put_frame(&x, DATA, END_STREAM, 3, "BBB", 3);
	feed(c, 0, &x, 7);
	assert_int_equal(k.n, 0);
	x.len = 0;
	put_settings(&x);
	put_frame(&x, HEADERS, END_HEADERS, 3, NULL, 0); /* an empty block: no status, nothing */
	put_status(&x, sd, 3, "201");
	feed(c, 1, &x, 8);
	x.len = 0;
	put_status(&x, sd, 1, "200");
	feed(c, 1, &x, 9);
	assert_int_equal(k.n, 2);
	const struct got *g3 = &k.r[0], *g1 = &k.r[1];
	assert_string_equal(g3->method, "PUT");
	assert_string_equal(g3->target, "/b?x=1");
	assert_string_equal(g3->host, "legacy.example"); /* no :authority: the host header */
	assert_body(g3, "bbbBBB");
	assert_frames(g3, (const uint64_t[]){ 3, 4, 7 }, 3);
	assert_int_equal(g3->frame, 7);
	assert_int_equal(g3->status, 201);
	assert_int_equal(g3->response_frame, 8);
	assert_string_equal(g1->method, "POST");
	assert_string_equal(g1->host, "h.example");
	assert_body(g1, "aaaAAA");
	assert_frames(g1, (const uint64_t[]){ 2, 5, 6 }, 3);
	assert_int_equal(g1->frame, 6);
	assert_int_equal(g1->status, 200);
	assert_int_equal(g1->response_frame, 9);
	http2_free(c);
	nghttp2_hd_deflate_del(cd);
	nghttp2_hd_deflate_del(sd);
}

/* PADDED and PRIORITY: padding and priority fields are not data.  Bytes
 * released by reassembly: carried by frame 5, completed by packet 9. */
static void test_padded_priority(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	uint8_t blk[512];
	size_t n = hpack(cd, get_humans, 6, blk, sizeof(blk));
	put_frame_header(&x, 1 + 5 + n + 4, HEADERS, PADDED | PRIO | END_HEADERS, 1);
	put(&x, "\x04", 1);                 /* pad length */
	put(&x, "\x80\x00\x00\x00\xff", 5); /* exclusive, depends on 0, weight 256 */
	put(&x, blk, n);
	put(&x, "\0\0\0\0", 4);
	put_frame_header(&x, 1 + 6 + 3, DATA, PADDED, 1);
	put(&x, "\x03" "k=v&a=", 7);
	put(&x, "\0\0\0", 3);
	put_frame_header(&x, 1 + 1 + 0, DATA, PADDED | END_STREAM, 1);
	put(&x, "\x00" "b", 2);
	http2_data(c, 0, x.p, x.len, 5, 9, 9000);
	http2_end(c, 0);
	http2_end(c, 1);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].target, "/humans.txt");
	assert_int_equal(k.r[0].nheaders, 2);
	assert_body(&k.r[0], "k=v&a=b");
	assert_frames(&k.r[0], (const uint64_t[]){ 5 }, 1);
	assert_int_equal(k.r[0].frame, 9);
	assert_int_equal(k.r[0].ts_ns, 9000);
	assert_int_equal(http2_stats(c)->bad_frames, 0);
	http2_free(c);
	nghttp2_hd_deflate_del(cd);
}

/* A header block in HEADERS + two CONTINUATION frames, cut mid-field,
 * each frame in its own delivery. */
static void test_continuation(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	static const nghttp2_nv nv[] = {
		NV(":method", "GET"), NV(":path", "/v1/profile?uid=42"), NV(":authority", "a.example"),
		NV(":scheme", "https"), NV("cookie", "sid=0123456789abcdef"), NV("cookie", "lang=zh"),
		NV("x-device-id", "356938035643809"),
	};
	uint8_t blk[512];
	size_t n = hpack(cd, nv, 7, blk, sizeof(blk));
	assert_true(n > 20);
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	put_frame(&x, HEADERS, END_STREAM, 1, blk, 7);
	feed(c, 0, &x, 1);
	x.len = 0;
	put_frame(&x, CONTINUATION, 0, 1, blk + 7, 10);
	feed(c, 0, &x, 2);
	assert_int_equal(k.n, 0);
	x.len = 0;
	put_frame(&x, CONTINUATION, END_HEADERS, 1, blk + 17, n - 17);
	feed(c, 0, &x, 3);
	http2_end(c, 0);
	assert_int_equal(k.n, 0); /* the server may still answer */
	http2_end(c, 1);
	assert_int_equal(k.n, 1);
	const struct got *g = &k.r[0];
	assert_string_equal(g->target, "/v1/profile?uid=42");
	assert_int_equal(g->nheaders, 3);
	assert_string_equal(g->hname[0], "cookie");
	assert_string_equal(g->hvalue[0], "sid=0123456789abcdef");
	assert_string_equal(g->hvalue[1], "lang=zh");
	assert_string_equal(g->hname[2], "x-device-id");
	assert_string_equal(g->hvalue[2], "356938035643809");
	assert_frames(g, (const uint64_t[]){ 1, 2, 3 }, 3);
	assert_int_equal(g->frame, 3);
	http2_free(c);
	nghttp2_hd_deflate_del(cd);
}

/* Content-Encoding is the reader's business: the body is passed raw. */
static void test_gzip_body_raw(void **state)
{
	static struct sink k;
	k.n = 0;
	static const char json[] = "{\"imei\":\"356938035643809\",\"lat\":31.2304}";
	uint8_t gz[256];
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)json;
	zs.avail_in = sizeof(json) - 1;
	zs.next_out = gz;
	zs.avail_out = sizeof(gz);
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	size_t gzlen = zs.total_out;
	deflateEnd(&zs);
	nghttp2_hd_deflater *cd = deflater();
	static const nghttp2_nv nv[] = {
		NV(":method", "POST"), NV(":path", "/collect"), NV(":authority", "log.umeng.com"),
		NV(":scheme", "https"), NV("content-encoding", "gzip"), NV("content-type", "application/json"),
	};
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	put_headers(&x, cd, 0, 1, nv, 6);
	put_frame(&x, DATA, 0, 1, gz, 10);
	put_frame(&x, DATA, END_STREAM, 1, gz + 10, gzlen - 10);
	feed(c, 0, &x, 7);
	http2_free(c);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].hname[0], "content-encoding");
	assert_string_equal(k.r[0].hvalue[0], "gzip");
	assert_int_equal(k.r[0].body_len, gzlen);
	assert_memory_equal(k.r[0].body, gz, gzlen);
	nghttp2_hd_deflate_del(cd);
}

/* RST_STREAM before any response: handed over at once, no status; later
 * DATA on that stream is ignored. */
static void test_rst_before_response(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	static const nghttp2_nv nv[] = { NV(":method", "POST"), NV(":path", "/upload"),
					 NV(":authority", "u.example"), NV(":scheme", "https") };
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	put_headers(&x, cd, 0, 1, nv, 4);
	put_frame(&x, DATA, 0, 1, "part1", 5);
	feed(c, 0, &x, 1);
	x.len = 0;
	put_settings(&x);
	put_frame(&x, RST_STREAM, 0, 1, "\0\0\0\x08", 4); /* CANCEL */
	feed(c, 1, &x, 2);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].target, "/upload");
	assert_body(&k.r[0], "part1");
	assert_int_equal(k.r[0].status, 0);
	assert_int_equal(k.r[0].frame, 1);
	assert_false(k.r[0].body_gap);
	x.len = 0;
	put_frame(&x, DATA, END_STREAM, 1, "part2", 5);
	feed(c, 0, &x, 3);
	assert_int_equal(http2_stats(c)->streams_reset, 1);
	http2_free(c);
	assert_int_equal(k.n, 1);
	nghttp2_hd_deflate_del(cd);
}

/* A client RST_STREAM counts too; a malformed one (length 3) is skipped. */
static void test_rst_counts(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	put_headers(&x, cd, 0, 1, get_humans, 6);
	put_frame(&x, RST_STREAM, 0, 1, "\0\0\0", 3);
	feed(c, 0, &x, 1);
	assert_int_equal(k.n, 0);
	x.len = 0;
	put_frame(&x, RST_STREAM, 0, 1, "\0\0\0\x08", 4);
	feed(c, 0, &x, 2);
	assert_int_equal(k.n, 1);
	assert_int_equal(http2_stats(c)->streams_reset, 1);
	assert_int_equal(http2_stats(c)->bad_frames, 1);
	http2_free(c);
	nghttp2_hd_deflate_del(cd);
}

/* The body cap keeps the first max_body bytes and says so. */
static void test_body_cap(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater(), *sd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 10, 0);
	static const nghttp2_nv nv[] = { NV(":method", "POST"), NV(":path", "/"), NV(":authority", "c.example"),
					 NV(":scheme", "https") };
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	put_headers(&x, cd, 0, 1, nv, 4);
	put_frame(&x, DATA, 0, 1, "0123456", 7);
	put_frame(&x, DATA, 0, 1, "789abcdef", 9);
	put_frame(&x, DATA, END_STREAM, 1, "ghij", 4);
	feed(c, 0, &x, 1);
	x.len = 0;
	put_status(&x, sd, 1, "413");
	feed(c, 1, &x, 2);
	assert_int_equal(k.n, 1);
	assert_body(&k.r[0], "0123456789");
	assert_true(k.r[0].body_truncated);
	assert_false(k.r[0].body_gap);
	assert_int_equal(k.r[0].status, 413);
	assert_int_equal(http2_stats(c)->truncated_bodies, 1);
	http2_free(c);
	nghttp2_hd_deflate_del(cd);
	nghttp2_hd_deflate_del(sd);
}

/* A DATA frame whose pad length exceeds its payload is skipped and
 * counted; the stream goes on. */
static void test_bad_padding_data(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	put_headers(&x, cd, 0, 1, get_humans, 6);
	put_frame(&x, DATA, 0, 1, "ok-", 3);
	put_frame(&x, DATA, PADDED | END_STREAM, 1, "\x09" "bad", 4); /* 9 > 3 */
	put_frame(&x, DATA, PADDED, 1, "", 0);                         /* no room for the pad length */
	put_frame(&x, DATA, END_STREAM, 1, "end", 3);
	feed(c, 0, &x, 1);
	http2_end(c, 0);
	http2_end(c, 1);
	assert_int_equal(http2_stats(c)->bad_frames, 2);
	http2_free(c);
	assert_int_equal(k.n, 1);
	assert_body(&k.r[0], "ok-end");
	assert_false(k.r[0].body_gap);
	nghttp2_hd_deflate_del(cd);
}

/* Bad padding on HEADERS: its block cannot be decoded, so the client side
 * stops; the open request is handed over as cut. */
static void test_bad_padding_headers(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	put_headers(&x, cd, 0, 1, get_humans, 6);
	put_frame(&x, DATA, 0, 1, "abc", 3);
	put_frame(&x, HEADERS, PADDED | END_HEADERS, 3, "\xff\x82\x84", 3);
	put_headers(&x, cd, END_STREAM, 5, get_humans, 6); /* not decoded any more */
	feed(c, 0, &x, 1);
	assert_int_equal(http2_stats(c)->bad_frames, 1);
	assert_false(http2_done(c)); /* stream 1 waits for its response */
	http2_end(c, 1);
	assert_true(http2_done(c));
	assert_int_equal(k.n, 1);
	assert_body(&k.r[0], "abc");
	assert_true(k.r[0].body_gap);
	assert_int_equal(http2_stats(c)->truncated_bodies, 1);
	http2_free(c);
	assert_int_equal(k.n, 1);
	nghttp2_hd_deflate_del(cd);
}

/* Garbage where HPACK is expected: counted, nothing crashes, that side
 * stops; the server side still answers the request read before. */
static void test_hpack_garbage(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater(), *sd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	put_headers(&x, cd, END_STREAM, 1, get_humans, 6);
	put_frame(&x, HEADERS, END_HEADERS | END_STREAM, 3, "\xbf\xff\xff\xff\x0f\x41", 6); /* index far out */
	put_headers(&x, cd, END_STREAM, 5, get_humans, 6);
	feed(c, 0, &x, 1);
	assert_int_equal(http2_stats(c)->hpack_errors, 1);
	assert_int_equal(k.n, 0);
	x.len = 0;
	put_settings(&x);
	put_status(&x, sd, 1, "200");
	feed(c, 1, &x, 2);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.r[0].status, 200);
	assert_false(k.r[0].body_gap); /* it had ended before the garbage */
	assert_true(http2_done(c));
	/* more garbage on a side already stopped changes nothing */
	for (int i = 0; i < 50; i++)
		feed(c, 0, &x, 3);
	x.len = 0;
	put_frame(&x, HEADERS, END_HEADERS, 3, "\x7f\xff\xff\xff\xff\xff\xff", 7);
	feed(c, 1, &x, 4);
	assert_int_equal(http2_stats(c)->hpack_errors, 2);
	http2_free(c);
	assert_int_equal(k.n, 1);
	nghttp2_hd_deflate_del(cd);
	nghttp2_hd_deflate_del(sd);
}

/* The second request is made of indexed fields the first one put in the
 * dynamic table: both decode the same. */
static void test_dynamic_table(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	static const nghttp2_nv nv[] = {
		NV(":method", "GET"), NV(":path", "/feed"), NV(":authority", "api.lingoup.cn"),
		NV(":scheme", "https"), NV("user-agent", "LingoUp/3.2 (Android 13; Pixel 7)"),
		NV("x-umeng-oaid", "7c9a3f12-8b5e-4d1a-9f0e-2b6c8d4e1a3f"),
	};
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	size_t before = x.len;
	put_headers(&x, cd, END_STREAM, 1, nv, 6);
	size_t first = x.len - before;
	before = x.len;
	put_headers(&x, cd, END_STREAM, 3, nv, 6);
	size_t second = x.len - before;
	/* the second time: one byte per field, the :path literal (never indexed) */
	assert_true(first > 9 + 80 && second <= 9 + 4 + 7);
	feed(c, 0, &x, 1);
	http2_free(c);
	assert_int_equal(k.n, 2);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(k.r[i].method, "GET");
		assert_string_equal(k.r[i].target, "/feed");
		assert_string_equal(k.r[i].host, "api.lingoup.cn");
		assert_int_equal(k.r[i].nheaders, 2);
		assert_string_equal(k.r[i].hname[0], "user-agent");
		assert_string_equal(k.r[i].hvalue[0], "LingoUp/3.2 (Android 13; Pixel 7)");
		assert_string_equal(k.r[i].hname[1], "x-umeng-oaid");
		assert_string_equal(k.r[i].hvalue[1], "7c9a3f12-8b5e-4d1a-9f0e-2b6c8d4e1a3f");
	}
	nghttp2_hd_deflate_del(cd);
}

/* h2c after Upgrade: stream 1 is HTTP/1's; the server's answer to it is
 * HTTP/2 and pairs with nothing here. */
static void test_upgraded(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater(), *sd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, HTTP2_UPGRADED);
	struct bytes x = { .len = 0 };
	put_settings(&x);
	put_status(&x, sd, 1, "200");
	put_frame(&x, DATA, END_STREAM, 1, "humans", 6);
	feed(c, 1, &x, 8);
	x.len = 0;
	put_str(&x, PREFACE);
	put_settings(&x);
	put_frame(&x, SETTINGS, 1, 0, NULL, 0);
	put_frame(&x, DATA, END_STREAM, 1, "ignored", 7);
	put_headers(&x, cd, END_STREAM, 1, get_humans, 6); /* not a new stream */
	put_headers(&x, cd, END_STREAM, 3, get_humans, 6);
	feed(c, 0, &x, 9);
	x.len = 0;
	put_status(&x, sd, 3, "404");
	feed(c, 1, &x, 10);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].target, "/humans.txt");
	assert_int_equal(k.r[0].status, 404);
	assert_int_equal(k.r[0].response_frame, 10);
	assert_frames(&k.r[0], (const uint64_t[]){ 9 }, 1);
	assert_int_equal(http2_stats(c)->responses, 2);
	assert_int_equal(http2_stats(c)->bad_frames, 0);
	http2_free(c);
	assert_int_equal(k.n, 1);
	nghttp2_hd_deflate_del(cd);
	nghttp2_hd_deflate_del(sd);
}

/* Picked up mid-connection: no preface, frames straight away. */
static void test_no_preface(void **state)
{
	static struct sink k;
	k.n = 0;
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	/* literal fields without indexing, as a peer's table is unknown here */
	static const uint8_t blk[] = { 0x82, 0x87, 0x04, 0x06, '/', 'p', 'i', 'n', 'g', '?', 0x01, 0x05, 'p', '.',
				       'c', 'o', 'm', 0x00, 0x03, 'u', 'i', 'd', 0x02, '4', '2' };
	put_frame(&x, WINDOW_UPDATE, 0, 0, "\0\0\x10\0", 4);
	put_frame(&x, HEADERS, END_HEADERS | END_STREAM, 7, blk, sizeof(blk));
	feed(c, 0, &x, 40);
	http2_end(c, 0);
	http2_end(c, 1);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].method, "GET");
	assert_string_equal(k.r[0].target, "/ping?");
	assert_string_equal(k.r[0].host, "p.com");
	assert_int_equal(k.r[0].nheaders, 1);
	assert_string_equal(k.r[0].hname[0], "uid");
	assert_string_equal(k.r[0].hvalue[0], "42");
	assert_frames(&k.r[0], (const uint64_t[]){ 40 }, 1);
	http2_free(c);
}

/* A request without :path is not one; the next is read normally. */
static void test_missing_path(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	static const nghttp2_nv bad[] = { NV(":method", "GET"), NV(":authority", "x.example") };
	static const nghttp2_nv connect[] = { NV(":method", "CONNECT"), NV(":authority", "proxy.example:443") };
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_headers(&x, cd, END_STREAM, 1, bad, 2);
	put_headers(&x, cd, 0, 3, connect, 2);
	put_frame(&x, DATA, 0, 1, "zzz", 3);
	feed(c, 0, &x, 1);
	http2_free(c);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].method, "CONNECT");
	assert_string_equal(k.r[0].target, "proxy.example:443"); /* as HTTP/1 writes CONNECT */
	nghttp2_hd_deflate_del(cd);
}

/* GOAWAY: streams above the last one processed get no answer. */
static void test_goaway(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater(), *sd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_headers(&x, cd, END_STREAM, 1, get_humans, 6);
	put_headers(&x, cd, 0, 3, get_humans, 6);
	feed(c, 0, &x, 1);
	x.len = 0;
	put_frame(&x, GOAWAY, 0, 0, "\0\0\0\x01\0\0\0\0debug", 13);
	feed(c, 1, &x, 2);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.r[0].status, 0);
	x.len = 0;
	put_headers(&x, cd, END_STREAM, 5, get_humans, 6); /* sent before the GOAWAY arrived */
	feed(c, 0, &x, 3);
	assert_int_equal(k.n, 2);
	assert_frames(&k.r[1], (const uint64_t[]){ 3 }, 1);
	x.len = 0;
	put_status(&x, sd, 1, "200");
	feed(c, 1, &x, 4);
	assert_int_equal(k.n, 3);
	assert_int_equal(k.r[2].status, 200);
	assert_int_equal(k.r[2].frame, 1);
	http2_free(c);
	nghttp2_hd_deflate_del(cd);
	nghttp2_hd_deflate_del(sd);
}

/* A gap: that side is lost; its open request is handed over as cut; an
 * unanswered complete one waits for the end. */
static void test_gap(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_headers(&x, cd, END_STREAM, 1, get_humans, 6);
	put_headers(&x, cd, 0, 3, get_humans, 6);
	put_frame_header(&x, 100, DATA, END_STREAM, 3);
	put_str(&x, "partial");
	feed(c, 0, &x, 1);
	http2_gap(c, 0, 1000);
	assert_int_equal(http2_stats(c)->hpack_errors, 1);
	assert_int_equal(k.n, 0);
	http2_gap(c, 1, 10);
	assert_int_equal(k.n, 2);
	assert_false(k.r[0].body_gap);
	assert_true(k.r[1].body_gap);
	assert_body(&k.r[1], "partial");
	assert_int_equal(http2_stats(c)->hpack_errors, 2);
	assert_true(http2_done(c));
	http2_free(c);
	nghttp2_hd_deflate_del(cd);
}

/* A request cut by the end of the capture is still handed over. */
static void test_incomplete_at_end(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_headers(&x, cd, 0, 1, get_humans, 6);
	put_frame_header(&x, 100, DATA, 0, 1);
	put_str(&x, "half");
	feed(c, 0, &x, 1);
	size_t held = http2_memory(c);
	assert_true(held > 100);
	http2_free(c);
	assert_int_equal(k.n, 1);
	assert_body(&k.r[0], "half");
	assert_false(k.r[0].body_gap);
	assert_false(k.r[0].body_truncated);
	nghttp2_hd_deflate_del(cd);
}

/* The completing frame: the packet carrying END_STREAM, or the last
 * CONTINUATION of the block that carried it (headers only, with a body,
 * with trailers); without END_STREAM, the last packet that brought bytes. */
static void test_completing_frame(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater(), *sd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	put_settings(&x);
	put_headers(&x, cd, END_STREAM, 1, get_humans, 6); /* headers only */
	feed(c, 0, &x, 1);
	x.len = 0;
	put_headers(&x, cd, 0, 3, get_humans, 6); /* headers, body, trailers in HEADERS + CONTINUATION */
	feed(c, 0, &x, 2);
	x.len = 0;
	put_frame(&x, DATA, 0, 3, "abc", 3);
	feed(c, 0, &x, 3);
	static const nghttp2_nv trailer[] = { NV("x-checksum", "5d41402a") };
	uint8_t blk[64];
	size_t n = hpack(cd, trailer, 1, blk, sizeof(blk));
	x.len = 0;
	put_frame(&x, HEADERS, END_STREAM, 3, blk, 2);
	feed(c, 0, &x, 4);
	x.len = 0;
	put_frame(&x, CONTINUATION, END_HEADERS, 3, blk + 2, n - 2);
	feed(c, 0, &x, 5);
	x.len = 0;
	put_headers(&x, cd, 0, 5, get_humans, 6); /* no END_STREAM ever */
	feed(c, 0, &x, 6);
	x.len = 0;
	put_frame(&x, DATA, 0, 5, "de", 2);
	feed(c, 0, &x, 7);
	x.len = 0;
	put_frame(&x, DATA, 0, 5, "f", 1);
	feed(c, 0, &x, 8);
	x.len = 0;
	put_settings(&x);
	put_status(&x, sd, 1, "200");
	put_status(&x, sd, 3, "200");
	feed(c, 1, &x, 9);
	assert_int_equal(k.n, 2);
	assert_int_equal(k.r[0].frame, 1);
	assert_int_equal(k.r[0].ts_ns, 1000);
	assert_int_equal(k.r[1].frame, 5);
	assert_frames(&k.r[1], (const uint64_t[]){ 2, 3, 4, 5 }, 4);
	assert_body(&k.r[1], "abc");
	http2_end(c, 0);
	http2_end(c, 1);
	assert_int_equal(k.n, 3);
	assert_int_equal(k.r[2].frame, 8);
	assert_int_equal(k.r[2].ts_ns, 8000);
	assert_body(&k.r[2], "def");
	assert_frames(&k.r[2], (const uint64_t[]){ 6, 7, 8 }, 3);
	http2_free(c);
	nghttp2_hd_deflate_del(cd);
	nghttp2_hd_deflate_del(sd);
}

/* Over HTTP2_MAX_PENDING unanswered streams, the oldest is handed over. */
static void test_pending_cap(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *cd = deflater();
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	put_str(&x, PREFACE);
	feed(c, 0, &x, 1);
	for (uint32_t i = 0; i < HTTP2_MAX_PENDING + 3; i++) {
		x.len = 0;
		put_headers(&x, cd, END_STREAM, 1 + 2 * i, get_humans, 6);
		feed(c, 0, &x, 2 + i);
	}
	assert_int_equal(k.n, 3);
	assert_int_equal(k.r[0].frame, 2);
	assert_int_equal(k.r[2].frame, 4);
	size_t held = http2_memory(c);
	http2_free(c);
	assert_int_equal(k.n, HTTP2_MAX_PENDING + 3);
	assert_true(held > HTTP2_MAX_PENDING * 64);
	nghttp2_hd_deflate_del(cd);
}

/* A header block over the cap stops the side, counted. */
static void test_block_cap(void **state)
{
	static struct sink k;
	k.n = 0;
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	static struct bytes x;
	x.len = 0;
	put_str(&x, PREFACE);
	put_frame_header(&x, 16000, HEADERS, 0, 1);
	x.len += 16000; /* zeros: indexed field 0, never decoded */
	feed(c, 0, &x, 1);
	for (int i = 0; i < 20 && !http2_done(c); i++) {
		x.len = 0;
		put_frame_header(&x, 16000, CONTINUATION, 0, 1);
		memset(x.p + x.len, 0, 16000);
		x.len += 16000;
		feed(c, 0, &x, 2 + (uint64_t)i);
	}
	assert_true(http2_done(c));
	assert_int_equal(http2_stats(c)->bad_frames, 1);
	assert_int_equal(http2_stats(c)->hpack_errors, 0);
	http2_free(c);
	assert_int_equal(k.n, 0);
}

/* More than HTTP_MAX_HEADERS fields: the first ones are kept, and said so.
 * Hand-written block: one literal put in the table, then indexed 199 times. */
static void test_many_headers(void **state)
{
	static struct sink k;
	k.n = 0;
	struct http2_conn *c = http2_new(on_request, &k, 1 << 20, 0);
	struct bytes x = { .len = 0 };
	uint8_t blk[256] = { 0x82, 0x84, 0x40, 0x03, 'x', '-', 'a', 0x01, '1' };
	memset(blk + 9, 0xbe, 199); /* index 62: the newest entry, x-a: 1 */
	put_str(&x, PREFACE);
	put_frame(&x, HEADERS, END_HEADERS | END_STREAM, 1, blk, 9 + 199);
	feed(c, 0, &x, 1);
	http2_free(c);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.r[0].nheaders, HTTP_MAX_HEADERS);
	assert_true(k.r[0].headers_truncated);
	assert_string_equal(k.r[0].hname[7], "x-a");
	assert_string_equal(k.r[0].hvalue[7], "1");
}

/* ---- the h2c hand-off in http1.c ---- */

static const char upgrade_req[] = "GET /humans.txt HTTP/1.1\r\nHost: nghttp2.org\r\n"
				  "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
				  "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
static const char switching[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";

static void test_h1_upgrade_h2c(void **state)
{
	static struct sink k;
	k.n = 0;
	nghttp2_hd_deflater *sd = deflater();
	struct http1_conn *h1 = http1_new(on_request, &k, 1 << 20, false);
	struct http2_conn *h2 = http2_new(on_request, &k, 1 << 20, HTTP2_UPGRADED);
	size_t n = strlen(upgrade_req);
	assert_int_equal(http1_data(h1, 0, (const uint8_t *)upgrade_req, n, 4, 4, 4000), n);
	struct bytes x = { .len = 0 };
	put_str(&x, switching);
	put_settings(&x);
	put_status(&x, sd, 1, "200");
	put_frame(&x, DATA, END_STREAM, 1, "team", 4);
	/* the 101 split in two: the hand-off is in the second delivery */
	assert_int_equal(http1_data(h1, 1, x.p, 20, 6, 6, 6000), 20);
	assert_false(http1_upgraded_h2c(h1));
	size_t used = http1_data(h1, 1, x.p + 20, x.len - 20, 8, 8, 8000);
	assert_int_equal(used, strlen(switching) - 20);
	assert_true(http1_upgraded_h2c(h1));
	assert_true(http1_done(h1));
	assert_int_equal(k.n, 1); /* HTTP/1 reported stream 1 */
	assert_string_equal(k.r[0].protocol, "http/1.1");
	assert_int_equal(k.r[0].status, 101);
	http2_data(h2, 1, x.p + 20 + used, x.len - 20 - used, 8, 8, 8000);
	assert_int_equal(http2_stats(h2)->responses, 1);
	assert_int_equal(http2_stats(h2)->bad_frames, 0);
	/* later deliveries are all "consumed" (ignored) */
	assert_int_equal(http1_data(h1, 1, x.p, 5, 9, 9, 9000), 5);
	http1_free(h1);
	http2_free(h2);
	assert_int_equal(k.n, 1);
	nghttp2_hd_deflate_del(sd);
}

/* Other upgrades, and ordinary responses, consume everything. */
static void test_h1_other_upgrade(void **state)
{
	static struct sink k;
	k.n = 0;
	struct http1_conn *h1 = http1_new(on_request, &k, 1 << 20, false);
	static const char req[] = "GET /chat HTTP/1.1\r\nHost: w.example\r\nUpgrade: websocket\r\n"
				  "Connection: Upgrade\r\n\r\n";
	static const char resp[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				   "Connection: Upgrade\r\n\r\n\x81\x05hello";
	assert_int_equal(http1_data(h1, 0, (const uint8_t *)req, strlen(req), 1, 1, 1), strlen(req));
	assert_int_equal(http1_data(h1, 1, (const uint8_t *)resp, sizeof(resp) - 1, 2, 2, 2),
			 sizeof(resp) - 1);
	assert_false(http1_upgraded_h2c(h1));
	assert_true(http1_done(h1));
	http1_free(h1);
	h1 = http1_new(on_request, &k, 1 << 20, false);
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200";
	assert_int_equal(http1_data(h1, 0, (const uint8_t *)upgrade_req, strlen(upgrade_req), 1, 1, 1),
			 strlen(upgrade_req));
	assert_int_equal(http1_data(h1, 1, (const uint8_t *)ok, sizeof(ok) - 1, 2, 2, 2), sizeof(ok) - 1);
	assert_false(http1_upgraded_h2c(h1)); /* the server declined the upgrade */
	assert_false(http1_done(h1));
	http1_free(h1);
	assert_int_equal(k.n, 2);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_looks_like_preface),
		cmocka_unit_test(test_preface_split),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_padded_priority),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_gzip_body_raw),
		cmocka_unit_test(test_rst_before_response),
		cmocka_unit_test(test_rst_counts),
		cmocka_unit_test(test_body_cap),
		cmocka_unit_test(test_bad_padding_data),
		cmocka_unit_test(test_bad_padding_headers),
		cmocka_unit_test(test_hpack_garbage),
		cmocka_unit_test(test_dynamic_table),
		cmocka_unit_test(test_upgraded),
		cmocka_unit_test(test_no_preface),
		cmocka_unit_test(test_missing_path),
		cmocka_unit_test(test_goaway),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_incomplete_at_end),
		cmocka_unit_test(test_completing_frame),
		cmocka_unit_test(test_pending_cap),
		cmocka_unit_test(test_block_cap),
		cmocka_unit_test(test_many_headers),
		cmocka_unit_test(test_h1_upgrade_h2c),
		cmocka_unit_test(test_h1_other_upgrade),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
