/* \summary: the application layer of one TCP flow (see session.h). */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "http1.h"
#include "http2.h"
#include "reasm.h"
#include "tls.h"

/* Client segments inspected before a flow that never showed an HTTP
 * message start is let go. */
#define PROBE_SEGMENTS 4

/* What carries the application bytes: the TCP stream itself, or TLS. */
enum transport { T_UNDECIDED, T_CLEAR, T_TLS };
enum app { A_UNDECIDED, A_HTTP1, A_HTTP2, A_NONE };

struct session {
	struct reasm reasm;
	struct tls_conn *tls;
	struct http1_conn *h1;
	struct http2_conn *h2;
	struct audit *a;
	struct flow *f;
	enum transport transport;
	enum app app;
	bool midstream;   /* the flow was not seen from its SYN */
	bool stopped;     /* nothing more to decode: reassembly let go */
	int probes;
	size_t accounted; /* bytes reported to the flow table */
	uint64_t requests;
};

static void on_request(void *ctx, const struct http_request *r);

static void start_http1(struct session *s)
{
	s->h1 = http1_new(on_request, s, s->a->opt.max_body, s->midstream);
	s->app = s->h1 ? A_HTTP1 : A_NONE;
}

static void start_http2(struct session *s, unsigned flags)
{
	s->h2 = http2_new(on_request, s, s->a->opt.max_body, flags);
	s->app = s->h2 ? A_HTTP2 : A_NONE;
}

/* Decides the application protocol from the first bytes of either side. */
static void probe_app(struct session *s, int dir, const uint8_t *data, size_t len)
{
	if (dir == 0) {
		if (http2_looks_like_preface(data, len) == 1)
			start_http2(s, 0);
		else if (http1_looks_like_request(data, len) != 0 || (s->midstream && memmem(data, len, " HTTP/1.", 8)))
			start_http1(s);
		else if (++s->probes >= PROBE_SEGMENTS)
			s->app = A_NONE;
	} else if (len >= 7 && memcmp(data, "HTTP/1.", 7) == 0) {
		start_http1(s);
	}
}

/* Application bytes, from the TCP stream or decrypted from TLS. */
static void app_data(struct session *s, int dir, const uint8_t *data, size_t len, uint64_t origin, uint64_t frame,
		     uint64_t ts_ns)
{
	if (s->app == A_UNDECIDED)
		probe_app(s, dir, data, len);
	if (s->app == A_HTTP1) {
		size_t used = http1_data(s->h1, dir, data, len, origin, frame, ts_ns);
		if (http1_upgraded_h2c(s->h1)) { /* 101 Switching Protocols: the rest is HTTP/2 */
			start_http2(s, HTTP2_UPGRADED);
			data += used;
			len -= used;
		}
	}
	if (s->app == A_HTTP2 && len)
		http2_data(s->h2, dir, data, len, origin, frame, ts_ns);
}

static void app_gap(struct session *s, int dir, uint64_t len)
{
	if (s->app == A_HTTP1)
		http1_gap(s->h1, dir, len);
	else if (s->app == A_HTTP2)
		http2_gap(s->h2, dir, len);
}

static void app_end(struct session *s, int dir)
{
	if (s->app == A_HTTP1)
		http1_end(s->h1, dir);
	else if (s->app == A_HTTP2)
		http2_end(s->h2, dir);
}

static void on_plaintext(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t origin, uint64_t frame,
			 uint64_t ts_ns)
{
	struct session *s = ctx;
	if (s->app == A_UNDECIDED && strcmp(tls_info(s->tls)->alpn, "h2") == 0)
		start_http2(s, 0);
	app_data(s, dir, data, len, origin, frame, ts_ns);
}

static void on_tls_lost(void *ctx, int dir)
{
	app_gap(ctx, dir, UINT64_MAX); /* an unknown amount: no length keeps the parser in step */
}

static uint64_t on_tls_skippable(void *ctx, int dir)
{
	struct session *s = ctx;
	return s->app == A_HTTP1 ? http1_skippable(s->h1, dir) : 0;
}

static void on_tls_skip(void *ctx, int dir, uint64_t n)
{
	struct session *s = ctx;
	http1_skip(s->h1, dir, n);
}

static const struct tls_ops tls_ops = { on_plaintext, on_tls_lost, on_tls_skippable, on_tls_skip };

static void on_data(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t frame, uint64_t ts_ns)
{
	struct session *s = ctx;
	/* buffered bytes released now complete what they complete at this packet */
	uint64_t now = s->reasm.pkt_frame ? s->reasm.pkt_frame : frame;
	uint64_t now_ts = s->reasm.pkt_frame ? s->reasm.pkt_ts_ns : ts_ns;
	if (s->transport == T_UNDECIDED) {
		if (dir == 0 && !s->midstream && tls_looks_like_client_hello(data, len) == 1) {
			s->tls = tls_new(&tls_ops, s, s->a->keylog);
			s->transport = s->tls ? T_TLS : T_CLEAR;
		} else {
			s->transport = T_CLEAR;
		}
	}
	if (s->transport == T_TLS)
		tls_data(s->tls, dir, data, len, frame, now, now_ts);
	else
		app_data(s, dir, data, len, frame, now, now_ts);
}

static void on_gap(void *ctx, int dir, uint64_t len)
{
	struct session *s = ctx;
	if (s->transport == T_TLS)
		tls_gap(s->tls, dir);
	else
		app_gap(s, dir, len);
}

static void on_end(void *ctx, int dir)
{
	app_end(ctx, dir);
}

static const struct reasm_ops reasm_ops = { on_data, on_gap, on_end };

static void on_request(void *ctx, const struct http_request *r)
{
	struct session *s = ctx;
	s->requests++;
	audit_request(s->a, s->f, r, s->transport == T_TLS);
}

static void account(struct session *s)
{
	size_t now = s->reasm.s[0].pending_bytes + s->reasm.s[1].pending_bytes + (s->h1 ? http1_memory(s->h1) : 0) +
		     (s->h2 ? http2_memory(s->h2) : 0) + (s->tls ? tls_memory(s->tls) : 0);
	if (now != s->accounted) {
		flow_table_account(s->a->flows, s->f, (long)now - (long)s->accounted);
		s->accounted = now;
	}
}

/* Nothing more can be decoded from this flow. */
static bool finished(const struct session *s)
{
	if (s->app == A_NONE || (s->tls && tls_done(s->tls)))
		return true;
	if (s->app == A_HTTP1)
		return http1_done(s->h1);
	if (s->app == A_HTTP2)
		return http2_done(s->h2);
	return false;
}

bool session_packet(struct audit *a, struct flow *f, int dir, const struct packet *p, uint64_t frame,
		    uint64_t ts_ns)
{
	struct session *s = f->l7;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return false;
		s->a = a;
		s->f = f;
		s->midstream = !(p->tcp_flags & TCP_SYN);
		reasm_init(&s->reasm, &reasm_ops, s, a->opt.max_reasm);
		f->l7 = s;
		flow_table_account(a->flows, f, (long)sizeof(*s));
	}
	if (s->stopped)
		return false;
	reasm_packet(&s->reasm, dir, p, frame, ts_ns);
	if (finished(s)) {
		reasm_discard(&s->reasm);
		s->stopped = true;
	}
	account(s);
	return !s->stopped;
}

void session_end(struct audit *a, struct flow *f, struct session_counts *out)
{
	(void)a;
	memset(out, 0, sizeof(*out));
	struct session *s = f->l7;
	if (!s)
		return;
	if (!s->stopped)
		reasm_finish(&s->reasm);
	else
		reasm_discard(&s->reasm);
	if (s->h1) {
		out->resyncs = http1_stats(s->h1)->resyncs;
		out->bad_messages = http1_stats(s->h1)->bad_messages;
	}
	if (s->h2) {
		out->bad_messages += http2_stats(s->h2)->bad_frames;
		out->hpack_errors = http2_stats(s->h2)->hpack_errors;
	}
	/* both hand over requests still waiting for a response */
	http1_free(s->h1);
	http2_free(s->h2);
	if (s->tls) {
		tls_end(s->tls);
		out->tls = *tls_info(s->tls);
		out->has_tls = true;
		tls_free(s->tls);
	}
	for (int d = 0; d < 2; d++) {
		out->gaps += s->reasm.s[d].gaps;
		out->gap_bytes += s->reasm.s[d].gap_bytes;
	}
	out->capped = s->reasm.capped;
	out->requests = s->requests;
	free(s);
	f->l7 = NULL;
}
