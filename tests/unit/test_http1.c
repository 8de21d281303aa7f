/* \summary: unit tests for http1.c: request lines by shape, the leniencies
 * of a message start and their named anomalies, header blocks, bodies,
 * resynchronisation (after a gap, a message start split across deliveries,
 * binary junk), CONNECT tunnels and HTTP/0.9.
 *
 * Most cases feed the same bytes in several splits (byte by byte, 2, 3, 7
 * bytes, whole) and expect the same requests.  Every delivery is tagged:
 * `origin` is the frame that carried the bytes, `frame` the packet being
 * processed (the same here), `ts_ns` = frame * 1000.
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

#include "http1.h"

/* ---- what the parser hands over ---- */

#define MAX_GOT 16

struct got {
	char protocol[16], method[40], target[128], host[64];
	bool has_host;
	size_t nheaders;
	char hname[8][32], hvalue[8][96];
	char body[256];
	size_t body_len;
	bool body_gap, body_truncated;
	uint64_t frames[16];
	size_t nframes;
	uint64_t frame, ts_ns;
	int status;
};

struct sink {
	struct got r[MAX_GOT];
	size_t n;
};

static void copy_str(char *dst, size_t cap, const char *s, size_t len)
{
	assert_true(len < cap);
	if (len)
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
	copy_str(g->body, sizeof(g->body), (const char *)r->body, r->body_len);
	g->body_len = r->body_len;
	g->body_gap = r->body_gap;
	g->body_truncated = r->body_truncated;
	assert_true(r->nframes <= 16);
	memcpy(g->frames, r->frames, r->nframes * sizeof(*r->frames));
	g->nframes = r->nframes;
	g->frame = r->frame;
	g->ts_ns = r->ts_ns;
	g->status = r->status;
}

/* Delivers s in pieces of `step` bytes (0: whole), all carried by frame f;
 * returns the bytes the parser consumed. */
static size_t feed(struct http1_conn *c, int dir, const char *s, size_t step, uint64_t f)
{
	size_t n = strlen(s), used = 0;
	if (!step)
		step = n ? n : 1;
	for (size_t i = 0; i < n; i += step) {
		size_t k = n - i < step ? n - i : step;
		size_t u = http1_data(c, dir, (const uint8_t *)s + i, k, f, f, f * 1000);
		used += u;
		if (http1_done(c)) /* the rest belongs to the next protocol */
			break;
	}
	return used;
}

static const size_t splits[] = { 1, 2, 3, 7, 0 };
#define NSPLITS (sizeof(splits) / sizeof(*splits))

static uint64_t anomaly(const struct http1_conn *c, enum http1_anomaly a) { return http1_stats(c)->anomalies[a]; }

/* No anomaly counted except those in `allowed` (bits). */
static void assert_only_anomalies(const struct http1_conn *c, unsigned allowed)
{
	for (int a = 0; a < H1_ANOMALY_COUNT; a++)
		if (!(allowed & (1u << a)))
			assert_int_equal(anomaly(c, a), 0);
}

#define A(x) (1u << (x))

/* One client message (and optionally a response) fed in every split; the
 * single request it gives is checked by the caller through `*out`. */
static struct http1_conn *one_request(struct sink *k, const char *req, const char *resp, size_t step)
{
	k->n = 0;
	struct http1_conn *c = http1_new(on_request, k, 1 << 16, false);
	feed(c, 0, req, step, 4);
	if (resp)
		feed(c, 1, resp, step, 5);
	return c;
}

/* ---- the request line, by shape ---- */

static void test_looks_like_request(void **state)
{
	(void)state;
#define LOOKS(s) http1_looks_like_request((const uint8_t *)(s), strlen(s))
	assert_int_equal(LOOKS("GET / HTTP/1.1\r\n"), 1);
	assert_int_equal(LOOKS("CCM_POST / HTTP/1.1\r\n"), 1);
	assert_int_equal(LOOKS("RPC_IN_DATA /rpc/rpcproxy.dll?a:6001 HTTP/1.1\r\n"), 1);
	assert_int_equal(LOOKS("GET /uri after space HTTP/1.1\r\n"), 1);
	assert_int_equal(LOOKS("GET HTTP/1.1\r\n"), 1);
	assert_int_equal(LOOKS("GET / HTTP/1.\n"), 1);
	assert_int_equal(LOOKS("GE"), -1);
	assert_int_equal(LOOKS("GET /very/long/target/without/its/end"), -1);
	assert_int_equal(LOOKS(""), -1);
	/* without a version the shape says too little: the server's answer
	 * decides; HTTP/0.9's own "GET /path" is told apart (2) */
	assert_int_equal(LOOKS("GET /\r\n"), 2);
	assert_int_equal(LOOKS("GET /index.html?x=1\n"), 2);
	assert_int_equal(LOOKS("POST /\r\n"), 0);
	assert_int_equal(LOOKS("get /key\r\n"), 0);
	assert_int_equal(LOOKS("CWD /pub\r\n"), 0);
	assert_int_equal(LOOKS("EHLO client.example.com\r\n"), 0);
	assert_int_equal(LOOKS("DATA\r\nFrom: a@example.com\r\n"), 0);
	assert_int_equal(LOOKS("\x16\x03\x01\x02\x00"), 0);
	assert_int_equal(LOOKS("GET/ HTTP/1.1\r\n"), 0);
	assert_int_equal(LOOKS("\xc3\x83\xc3\x82 / HTTP/1.1\r\n"), 0);
	assert_int_equal(LOOKS("GET / HTTP/1.1 extra\r\n"), 0);
	assert_int_equal(LOOKS("GET /\x01 HTTP/1.1\r\n"), 0);
	assert_int_equal(LOOKS("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ / HTTP/1.1\r\n"), 0); /* 36-byte "method" */
#undef LOOKS
}

/* Any token is a method. */
static void test_methods_by_shape(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		struct http1_conn *c = one_request(&k,
						   "CCM_POST /ccm_system/request HTTP/1.1\r\nHost: sccm.example\r\n"
						   "Content-Length: 4\r\n\r\nabcd"
						   "RPC_IN_DATA /rpc/rpcproxy.dll?MAIL.example.com:6001 HTTP/1.1\r\n"
						   "Host: mail.example.com\r\nContent-Length: 0\r\n\r\n",
						   "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
						   "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
						   splits[i]);
		assert_int_equal(k.n, 2);
		assert_string_equal(k.r[0].method, "CCM_POST");
		assert_string_equal(k.r[0].target, "/ccm_system/request");
		assert_string_equal(k.r[0].host, "sccm.example");
		assert_string_equal(k.r[0].body, "abcd");
		assert_string_equal(k.r[0].protocol, "http/1.1");
		assert_int_equal(k.r[0].status, 200);
		assert_string_equal(k.r[1].method, "RPC_IN_DATA");
		assert_string_equal(k.r[1].target, "/rpc/rpcproxy.dll?MAIL.example.com:6001");
		assert_string_equal(k.r[1].host, "mail.example.com");
		assert_only_anomalies(c, 0);
		assert_int_equal(http1_stats(c)->bad_messages, 0);
		assert_int_equal(http1_stats(c)->resyncs, 0);
		http1_free(c);
	}
}

/* "GET /uri after space HTTP/1.1": the target runs to the last " HTTP/". */
static void test_space_in_target(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		struct http1_conn *c =
			one_request(&k, "GET /uri after space?q=a b HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n", NULL, splits[i]);
		http1_free(c);
		assert_int_equal(k.n, 1);
		assert_string_equal(k.r[0].target, "/uri after space?q=a b");
		assert_string_equal(k.r[0].protocol, "http/1.1");
		assert_string_equal(k.r[0].host, "127.0.0.1:8000");
	}
	struct http1_conn *c = one_request(&k, "GET /a HTTP/1.0 HTTP/1.1\r\nHost: h\r\n\r\n", NULL, 0);
	assert_int_equal(anomaly(c, H1_SPACE_IN_TARGET), 1);
	assert_only_anomalies(c, A(H1_SPACE_IN_TARGET));
	http1_free(c);
	assert_string_equal(k.r[0].target, "/a HTTP/1.0");
}

/* Several spaces and tabs between and around the parts of the line. */
static void test_extra_spaces(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		struct http1_conn *c = one_request(
			&k, "GET                  /aaaaaaaa_very_long_uri \t HTTP/1.1 \r\nHost: www.lan:8080\r\n\r\n", NULL,
			splits[i]);
		assert_int_equal(anomaly(c, H1_EXTRA_SPACES), 1);
		assert_only_anomalies(c, A(H1_EXTRA_SPACES));
		http1_free(c);
		assert_int_equal(k.n, 1);
		assert_string_equal(k.r[0].method, "GET");
		assert_string_equal(k.r[0].target, "/aaaaaaaa_very_long_uri");
		assert_string_equal(k.r[0].protocol, "http/1.1");
	}
	struct http1_conn *c = one_request(&k, "GET\t/tab HTTP/1.1\r\n\r\n", NULL, 0);
	assert_int_equal(anomaly(c, H1_EXTRA_SPACES), 1);
	http1_free(c);
	assert_string_equal(k.r[0].target, "/tab");
}

/* "GET HTTP/1.1": no target (Zeek's missing_HTTP_uri; Apache answered 200). */
static void test_missing_target(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		struct http1_conn *c = one_request(&k, "GET HTTP/1.1\r\nHost: bro.org\r\n\r\n",
						   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", splits[i]);
		assert_int_equal(anomaly(c, H1_MISSING_TARGET), 1);
		assert_only_anomalies(c, A(H1_MISSING_TARGET));
		assert_int_equal(k.n, 1);
		assert_string_equal(k.r[0].method, "GET");
		assert_string_equal(k.r[0].target, "");
		assert_string_equal(k.r[0].protocol, "http/1.1");
		assert_string_equal(k.r[0].host, "bro.org");
		assert_int_equal(k.r[0].status, 200);
		http1_free(c);
	}
}

/* "HTTP/1." and other versions: read as HTTP/1.1, counted. */
static void test_bad_version(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		struct http1_conn *c = one_request(&k,
						   "GET / HTTP/1.\nHost: www.google.com\n\n"
						   "GET /b HTTP/1.2\r\n\r\n"
						   "GET /c HTTP/1.0\r\n\r\n",
						   NULL, splits[i]);
		assert_int_equal(anomaly(c, H1_BAD_VERSION), 2);
		assert_int_equal(anomaly(c, H1_BARE_LF), 1);
		assert_only_anomalies(c, A(H1_BAD_VERSION) | A(H1_BARE_LF));
		http1_free(c);
		assert_int_equal(k.n, 3);
		assert_string_equal(k.r[0].protocol, "http/1.1");
		assert_string_equal(k.r[0].host, "www.google.com");
		assert_string_equal(k.r[1].protocol, "http/1.1");
		assert_string_equal(k.r[2].protocol, "http/1.0");
	}
}

/* HTTP/0.9 "GET /": the line is the whole request; the server's answer
 * (without a status line) or the client's end completes it. */
static void test_http09(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		k.n = 0;
		struct http1_conn *c = http1_new(on_request, &k, 1 << 16, false);
		feed(c, 0, "GET /index.html\r\n", splits[i], 4);
		assert_int_equal(k.n, 0);
		feed(c, 1, "<html>hello</html>\n", splits[i], 6);
		assert_int_equal(anomaly(c, H1_MISSING_VERSION), 1);
		assert_int_equal(anomaly(c, H1_NO_STATUS_LINE), 1);
		http1_end(c, 1);
		http1_end(c, 0);
		http1_free(c);
		assert_int_equal(k.n, 1);
		assert_string_equal(k.r[0].method, "GET");
		assert_string_equal(k.r[0].target, "/index.html");
		assert_string_equal(k.r[0].protocol, "http/0.9");
		assert_int_equal(k.r[0].frame, 4);
		assert_int_equal(k.r[0].status, 0);
		assert_false(k.r[0].has_host);
	}
	/* completed by the client's FIN */
	k.n = 0;
	struct http1_conn *c = http1_new(on_request, &k, 1 << 16, false);
	feed(c, 0, "GET /\r\n", 0, 3);
	http1_end(c, 0);
	http1_free(c);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].target, "/");
	/* a line without a version, followed by headers: read to its blank line */
	c = one_request(&k, "GET /HTTP/1.1\nHost: www.google.com\n\n", NULL, 0);
	http1_free(c);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].target, "/HTTP/1.1");
	assert_string_equal(k.r[0].host, "www.google.com");
	/* not a target a server takes: not a request */
	c = one_request(&k, "GET index\r\n\r\n", NULL, 0);
	assert_int_equal(http1_stats(c)->bad_messages, 1);
	http1_free(c);
	assert_int_equal(k.n, 0);
}

/* A method alone: a request only when header lines follow. */
static void test_method_alone(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		struct http1_conn *c = one_request(&k, "OPTIONS\nHost: www.google.com\n\n", NULL, splits[i]);
		assert_int_equal(anomaly(c, H1_MISSING_TARGET), 1);
		assert_int_equal(anomaly(c, H1_MISSING_VERSION), 1);
		http1_free(c);
		assert_int_equal(k.n, 1);
		assert_string_equal(k.r[0].method, "OPTIONS");
		assert_string_equal(k.r[0].target, "");
		assert_string_equal(k.r[0].protocol, "http/0.9");
		assert_string_equal(k.r[0].host, "www.google.com");
	}
	struct http1_conn *c = one_request(&k, "QUIT\r\n\r\n", NULL, 0);
	assert_int_equal(http1_stats(c)->bad_messages, 1);
	http1_free(c);
	assert_int_equal(k.n, 0);
}

/* Not request lines: skipped, counted, and the next real one is found. */
static void test_not_request_lines(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		struct http1_conn *c = one_request(&k,
						   "GET/HTTP/1.1\r\nHost: a\r\n\r\n"
						   "\xc3\x83\xc3\x82 / HTTP/1.1\r\nHost: a\r\n\r\n"
						   "login=foo&password=bar3\r\n"
						   "POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi",
						   NULL, splits[i]);
		assert_int_equal(http1_stats(c)->bad_messages, 1);
		assert_int_equal(http1_stats(c)->resyncs, 1);
		http1_free(c);
		assert_int_equal(k.n, 1);
		assert_string_equal(k.r[0].method, "POST");
		assert_string_equal(k.r[0].target, "/ok");
		assert_string_equal(k.r[0].body, "hi");
	}
}

/* ---- header blocks ---- */

static void test_header_leniencies(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		struct http1_conn *c = one_request(&k,
						   "\r\n\r\nPOST /form HTTP/1.1\n"
						   "Host : api.example.com\n"
						   "X-Long: first\n"
						   "\tsecond\n"
						   "this line has no colon\n"
						   ": no name\n"
						   "X-Device-Id: 3f2a9c1e\n"
						   "Content-Length: 3\n\n"
						   "a=1",
						   NULL, splits[i]);
		assert_int_equal(anomaly(c, H1_EMPTY_LINES), 1);
		assert_int_equal(anomaly(c, H1_BARE_LF), 1);
		assert_int_equal(anomaly(c, H1_SPACE_BEFORE_COLON), 1);
		assert_int_equal(anomaly(c, H1_OBS_FOLD), 1);
		assert_int_equal(anomaly(c, H1_BAD_HEADER_LINE), 1);
		assert_only_anomalies(c, A(H1_EMPTY_LINES) | A(H1_BARE_LF) | A(H1_SPACE_BEFORE_COLON) | A(H1_OBS_FOLD) |
						 A(H1_BAD_HEADER_LINE));
		http1_free(c);
		assert_int_equal(k.n, 1);
		const struct got *g = &k.r[0];
		assert_string_equal(g->host, "api.example.com");
		assert_int_equal(g->nheaders, 4);
		assert_string_equal(g->hname[0], "Host");
		assert_string_equal(g->hname[1], "X-Long");
		assert_string_equal(g->hvalue[1], "first second");
		assert_string_equal(g->hname[2], "X-Device-Id");
		assert_string_equal(g->hvalue[2], "3f2a9c1e");
		assert_string_equal(g->body, "a=1");
	}
}

static void test_content_length_anomalies(void **state)
{
	(void)state;
	static struct sink k;
	/* differing values: the first is used */
	struct http1_conn *c = one_request(&k,
					   "POST /a HTTP/1.1\r\nContent-Length: 3, 5\r\n\r\nabc"
					   "POST /b HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nde"
					   "POST /c HTTP/1.1\r\nContent-Length: x\r\n\r\n",
					   NULL, 0);
	assert_int_equal(anomaly(c, H1_BAD_CONTENT_LENGTH), 2);
	assert_only_anomalies(c, A(H1_BAD_CONTENT_LENGTH));
	http1_free(c);
	assert_int_equal(k.n, 3);
	assert_string_equal(k.r[0].body, "abc");
	assert_string_equal(k.r[1].body, "de");
	assert_string_equal(k.r[2].target, "/c");
	assert_int_equal(k.r[2].body_len, 0);
	/* chunked and Content-Length: chunked wins (RFC 9112 6.3) */
	for (size_t i = 0; i < NSPLITS; i++) {
		c = one_request(&k,
				"POST /smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
				"5\r\nhello\r\n0\r\n\r\n"
				"GET /next HTTP/1.1\r\nHost: h\r\n\r\n",
				NULL, splits[i]);
		assert_int_equal(anomaly(c, H1_CHUNKED_WITH_LENGTH), 1);
		http1_free(c);
		assert_int_equal(k.n, 2);
		assert_string_equal(k.r[0].body, "hello");
		assert_string_equal(k.r[1].target, "/next");
	}
}

/* ---- resynchronisation ---- */

/* A gap cuts request 1's body and all of request 2; request 3 starts right
 * after the gap, with no LF before it in what was captured. */
static void test_request_after_gap(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		k.n = 0;
		struct http1_conn *c = http1_new(on_request, &k, 1 << 16, false);
		feed(c, 0, "POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n{\"a\":", splits[i], 1);
		http1_gap(c, 0, 15 + 60); /* the rest of body 1 and request 2 */
		feed(c, 0, "GET /3?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", splits[i], 3);
		assert_int_equal(http1_stats(c)->resyncs, 1);
		http1_end(c, 0);
		feed(c, 1, "HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 0, 4);
		assert_int_equal(http1_stats(c)->truncated_bodies, 1);
		http1_free(c);
		assert_int_equal(k.n, 2);
		assert_string_equal(k.r[0].target, "/1");
		assert_true(k.r[0].body_gap);
		assert_string_equal(k.r[1].target, "/3?x=1");
		assert_int_equal(k.r[1].frame, 3);
		assert_false(k.r[1].body_gap);
	}
}

/* The gap ends inside request 2, which is skipped; request 3 follows it in
 * the same delivery, after a LF.  (While resynchronising, the start of a
 * delivery also counts as a line start: a request line in the junk below
 * would be found when a delivery begins with it.) */
static void test_resync_inside_delivery(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		k.n = 0;
		struct http1_conn *c = http1_new(on_request, &k, 1 << 16, false);
		feed(c, 0, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HT", splits[i], 1);
		http1_gap(c, 0, 20);
		feed(c, 0, "ent: x\r\n\r\nbinary\x01\x02 data HTTP/x\r\n\r\nPUT /3 HTTP/1.1\r\nHost: h\r\n\r\n", splits[i],
		     2);
		http1_free(c);
		assert_int_equal(k.n, 2);
		assert_string_equal(k.r[0].target, "/1");
		assert_string_equal(k.r[1].method, "PUT");
		assert_string_equal(k.r[1].target, "/3");
	}
}

/* Mid-stream: the first delivery is the tail of a body; the request line of
 * the next one is split across two deliveries ("GE" + "T ..."). */
static void test_midstream_split_start(void **state)
{
	(void)state;
	static struct sink k;
	k.n = 0;
	struct http1_conn *c = http1_new(on_request, &k, 1 << 16, true);
	feed(c, 0, "3812345678\",\"email\":\"lily@example.com\"}", 0, 1);
	feed(c, 0, "GE", 0, 2);
	feed(c, 0, "T /v1/feed?page=2 HTTP/1.1\r\nHost: api.example.com\r\n\r\n", 0, 3);
	feed(c, 1, "junk\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 4);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].target, "/v1/feed?page=2");
	assert_int_equal(k.r[0].frame, 3);
	assert_int_equal(k.r[0].status, 200);
	assert_int_equal(k.r[0].nframes, 2);
	assert_int_equal(k.r[0].frames[0], 2);
	assert_int_equal(k.r[0].frames[1], 3);
	http1_free(c);
	/* byte by byte */
	k.n = 0;
	c = http1_new(on_request, &k, 1 << 16, true);
	feed(c, 0, "tail}GET /x HTTP/1.1\r\nHost: a\r\n\r\n", 1, 1);
	http1_free(c);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].target, "/x");
}

/* While resynchronising, a delivery that ends in junk without a LF is
 * followed by one that starts a request: the junk is not taken for part of
 * it, whether the request line is split again or the junk looks like the
 * start of a method.  (A short junk tail made only of upper-case letters
 * right before a request line split after its first bytes would be read as
 * the start of the method: the bytes cannot tell.) */
static void test_resync_junk_then_request(void **state)
{
	(void)state;
	static struct sink k;
	static const char *const junk[] = {
		"its start was never captured\"}",
		"abcdefghijklmnopqrstuvwxyzABCD",
		"12345}",
	};
	for (size_t j = 0; j < sizeof(junk) / sizeof(*junk); j++) {
		k.n = 0;
		struct http1_conn *c = http1_new(on_request, &k, 1 << 16, true);
		feed(c, 0, junk[j], 0, 1);
		feed(c, 0, "GE", 0, 2);
		feed(c, 0, "T /v1/c?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", 0, 3);
		http1_free(c);
		assert_int_equal(k.n, 1);
		assert_string_equal(k.r[0].method, "GET");
		assert_string_equal(k.r[0].target, "/v1/c?x=1");
		assert_int_equal(k.r[0].frame, 3);
		assert_int_equal(k.r[0].nframes, 2);
		assert_int_equal(k.r[0].frames[0], 2);
		assert_int_equal(k.r[0].frames[1], 3);
		k.n = 0;
		c = http1_new(on_request, &k, 1 << 16, true);
		feed(c, 0, junk[j], 0, 1);
		feed(c, 0, "GET /v1/d HTTP/1.1\r\n\r\n", 0, 2);
		http1_free(c);
		assert_int_equal(k.n, 1);
		assert_string_equal(k.r[0].target, "/v1/d");
	}
	/* resynchronising (here: mid-stream): a space in the target of a line
	 * within one delivery is taken (Nikto's "netsonar;cat /etc/passwd"),
	 * not across deliveries, and never a lower-case method */
	static const char *const parts[][2] = {
		{ "GET /cgi-bin/handler/netsonar;cat /etc/passwd|?data=Download HTTP/1.1\r\nHost: a\r\n\r\n", "" },
		{ "its tail\"}GET /c HTTP/1.1\r\nHost: a\r\n\r\n", "" },
		{ "GET /a ", "b HTTP/1.1\r\n\r\n" },
	};
	for (size_t j = 0; j < 3; j++) {
		k.n = 0;
		struct http1_conn *c = http1_new(on_request, &k, 1 << 16, true);
		feed(c, 0, parts[j][0], 0, 1);
		feed(c, 0, parts[j][1], 0, 2);
		http1_free(c);
		assert_int_equal(k.n, j == 0);
		if (j == 0)
			assert_string_equal(k.r[0].target, "/cgi-bin/handler/netsonar;cat /etc/passwd|?data=Download");
	}
}

/* Binary junk while resynchronising costs no request and little work. */
static void test_resync_binary(void **state)
{
	(void)state;
	static struct sink k;
	k.n = 0;
	struct http1_conn *c = http1_new(on_request, &k, 1 << 16, true);
	uint8_t junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + (i >> 3));
	for (int r = 0; r < 8; r++)
		http1_data(c, 0, junk, sizeof(junk), 1, 1, 1000);
	assert_int_equal(k.n, 0);
	assert_true(http1_memory(c) <= 2 * HTTP1_MAX_HEADER_BYTES);
	feed(c, 0, "\nDELETE /v1/me HTTP/1.1\r\nHost: a\r\n\r\n", 0, 2);
	http1_free(c);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].method, "DELETE");
}

/* Only a line with a version resynchronises: "GET /" inside a body does not. */
static void test_resync_needs_version(void **state)
{
	(void)state;
	static struct sink k;
	k.n = 0;
	struct http1_conn *c = http1_new(on_request, &k, 1 << 16, true);
	feed(c, 0, "GET /\r\nOPTIONS\r\nHost: a\r\n\r\nGET /real HTTP/1.1\r\n\r\n", 0, 1);
	http1_free(c);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.r[0].target, "/real");
}

/* ---- CONNECT ---- */

static void test_connect_tunnel(void **state)
{
	(void)state;
	static struct sink k;
	for (size_t i = 0; i < NSPLITS; i++) {
		k.n = 0;
		struct http1_conn *c = http1_new(on_request, &k, 1 << 16, false);
		feed(c, 0, "CONNECT abc:443 HTTP/1.1\r\nUser-Agent: Victor/1.0\r\n\r\n\n\x16\x03\x01", splits[i], 5);
		assert_int_equal(k.n, 0);
		static const char resp[] = "HTTP/1.1 200 OK\r\nServer: VictorServer/1.0\r\n\r\nafter";
		size_t used = feed(c, 1, resp, splits[i], 7);
		assert_int_equal(used, strlen(resp) - 5); /* "after" is the tunnel's */
		assert_true(http1_done(c));
		assert_int_equal(http1_switched(c), HTTP1_SWITCH_TUNNEL);
		size_t n;
		uint64_t origin, lost;
		const uint8_t *early = http1_tunnel_early(c, &n, &origin, &lost);
		assert_int_equal(n, 4);
		assert_memory_equal(early, "\n\x16\x03\x01", 4);
		assert_int_equal(origin, 5);
		assert_int_equal(lost, 0);
		assert_int_equal(k.n, 1);
		assert_string_equal(k.r[0].method, "CONNECT");
		assert_string_equal(k.r[0].target, "abc:443");
		assert_int_equal(k.r[0].status, 200);
		assert_int_equal(k.r[0].frame, 5);
		http1_free(c);
	}
}

/* A refused CONNECT: what the client sent meanwhile is HTTP again. */
static void test_connect_refused(void **state)
{
	(void)state;
	static struct sink k;
	k.n = 0;
	struct http1_conn *c = http1_new(on_request, &k, 1 << 16, false);
	feed(c, 0, "CONNECT abc:443 HTTP/1.1\r\nHost: abc:443\r\n\r\nGET /after HTTP/1.1\r\nHost: abc\r\n\r\n", 0, 1);
	feed(c, 1, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n", 0, 2);
	assert_false(http1_done(c));
	feed(c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 3);
	assert_int_equal(k.n, 2);
	assert_string_equal(k.r[0].method, "CONNECT");
	assert_int_equal(k.r[0].status, 407);
	assert_string_equal(k.r[1].target, "/after");
	assert_int_equal(k.r[1].status, 200);
	assert_int_equal(k.r[1].frame, 2); /* complete when the refusal let it be read */
	http1_free(c);
}

/* ---- the counters ---- */

static void test_body_cap_and_names(void **state)
{
	(void)state;
	static struct sink k;
	k.n = 0;
	struct http1_conn *c = http1_new(on_request, &k, 4, false);
	feed(c, 0, "POST /big HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", 3, 1);
	http1_free(c);
	assert_int_equal(k.n, 1);
	assert_true(k.r[0].body_truncated);
	assert_string_equal(k.r[0].body, "0123");
	assert_string_equal(http1_anomaly_name(H1_SPACE_IN_TARGET), "space_in_target");
	assert_string_equal(http1_anomaly_name(H1_OBS_FOLD), "obs_fold");
	assert_string_equal(http1_anomaly_name(H1_SPACE_BEFORE_COLON), "header_space_before_colon");
	for (int a = 0; a < H1_ANOMALY_COUNT; a++)
		assert_true(strlen(http1_anomaly_name(a)) > 3);
	/* stats of a connection that capped and resynced */
	k.n = 0;
	c = http1_new(on_request, &k, 4, false);
	feed(c, 0, "POST /big HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", 0, 1);
	feed(c, 0, "\x01\x02", 0, 2);
	assert_int_equal(http1_stats(c)->truncated_bodies, 0); /* counted when handed over */
	feed(c, 1, "HTTP/1.1 204 No Content\r\n\r\n", 0, 3);
	assert_int_equal(http1_stats(c)->truncated_bodies, 1);
	assert_int_equal(http1_stats(c)->bad_messages, 1);
	assert_int_equal(http1_stats(c)->resyncs, 1);
	assert_int_equal(http1_stats(c)->requests, 1);
	http1_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_looks_like_request),
		cmocka_unit_test(test_methods_by_shape),
		cmocka_unit_test(test_space_in_target),
		cmocka_unit_test(test_extra_spaces),
		cmocka_unit_test(test_missing_target),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_http09),
		cmocka_unit_test(test_method_alone),
		cmocka_unit_test(test_not_request_lines),
		cmocka_unit_test(test_header_leniencies),
		cmocka_unit_test(test_content_length_anomalies),
		cmocka_unit_test(test_request_after_gap),
		cmocka_unit_test(test_resync_inside_delivery),
		cmocka_unit_test(test_midstream_split_start),
		cmocka_unit_test(test_resync_junk_then_request),
		cmocka_unit_test(test_resync_binary),
		cmocka_unit_test(test_resync_needs_version),
		cmocka_unit_test(test_connect_tunnel),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_body_cap_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
