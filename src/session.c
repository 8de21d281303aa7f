/* \summary: the application layer of one TCP flow (see session.h). */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "dbuf.h"
#include "http1.h"
#include "http2.h"
#include "reasm.h"
#include "tls.h"

/* Client segments inspected before a flow that never showed an HTTP
 * message start is let go. */
#define PROBE_SEGMENTS 4
/* Client bytes kept while probing: an HTTP/1 status line from the server
 * then shows they were a request the probe could not recognise (HTTP/0.9,
 * a request line without a version). */
#define PROBE_HOLD_BYTES 16384

/* What carries the application bytes: the TCP stream itself, or TLS. */
enum transport { T_UNDECIDED, T_CLEAR, T_TLS };
enum app { A_UNDECIDED, A_HTTP1, A_HTTP2, A_NONE };

struct session {
	struct reasm reasm;
	struct tls_conn *tls;
	struct http1_conn *h1;
	struct http2_conn *h2;
	const struct session_env *env;
	struct flow *f;
	enum transport transport;
	enum app app;
	bool midstream;   /* the flow was not seen from its SYN */
	bool stopped;     /* nothing more to decode: reassembly let go */
	bool tunnel;      /* inside a CONNECT tunnel: its protocol is decided again */
	bool server_spoke; /* the server sent bytes before the protocol was decided */
	bool skip_crlf[2]; /* a tunnel's direction has not started yet: stray line ends are skipped */
	int probes;
	struct dbuf held; /* client bytes seen while probing (PROBE_HOLD_BYTES) */
	struct {
		size_t end;   /* of this delivery in `held` */
		uint64_t origin, frame, ts_ns;
	} held_part[PROBE_SEGMENTS];
	int nheld;
	struct http1_stats h1_outer; /* the HTTP/1 parser a tunnel replaced */
	bool had_http;    /* an HTTP parser ran */
	size_t accounted; /* bytes reported to the flow table */
	uint64_t requests;
};

static void on_request(void *ctx, const struct http_request *r);

static void start_http1(struct session *s)
{
	s->h1 = http1_new(on_request, s, s->env->max_body, s->midstream && !s->tunnel);
	s->app = s->h1 ? A_HTTP1 : A_NONE;
	s->had_http = true;
}

static void start_http2(struct session *s, unsigned flags)
{
	s->h2 = http2_new(on_request, s, s->env->max_body, flags);
	s->app = s->h2 ? A_HTTP2 : A_NONE;
	s->had_http = true;
}

static void stop_holding(struct session *s)
{
	dbuf_free(&s->held);
	dbuf_init(&s->held, PROBE_HOLD_BYTES);
	s->nheld = 0;
}

/* Decides the application protocol from the first bytes of either side. */
static void probe_app(struct session *s, int dir, const uint8_t *data, size_t len, uint64_t origin, uint64_t frame,
		      uint64_t ts_ns)
{
	if (dir == 0) {
		int h1 = http1_looks_like_request(data, len);
		/* HTTP/0.9 "GET /": the client's first words, on a connection seen
		 * from its start (FTP, SMTP, POP3 servers speak first) */
		bool simple = h1 == 2 && s->probes == 0 && !s->server_spoke && (!s->midstream || s->tunnel);
		if (http2_looks_like_preface(data, len) == 1) {
			start_http2(s, 0);
		} else if (h1 == 1 || h1 == -1 || simple || (s->midstream && memmem(data, len, " HTTP/1.", 8))) {
			start_http1(s);
		} else if (++s->probes >= PROBE_SEGMENTS) {
			s->app = A_NONE;
		} else if (s->nheld < PROBE_SEGMENTS && dbuf_append(&s->held, data, len)) {
			s->held_part[s->nheld].end = s->held.len;
			s->held_part[s->nheld].origin = origin;
			s->held_part[s->nheld].frame = frame;
			s->held_part[s->nheld].ts_ns = ts_ns;
			s->nheld++;
		}
		if (s->app != A_UNDECIDED)
			stop_holding(s);
	} else if (len >= 7 && memcmp(data, "HTTP/1.", 7) == 0) {
		start_http1(s);
	} else if (len) {
		s->server_spoke = true;
	}
}

/* Application bytes, from the TCP stream or decrypted from TLS. */
static void app_data(struct session *s, int dir, const uint8_t *data, size_t len, uint64_t origin, uint64_t frame,
		     uint64_t ts_ns);

/* The server answered with a status line: the client bytes held while
 * probing were its request; the parser reads them first, as they came. */
static void replay_held(struct session *s)
{
	size_t from = 0;
	for (int i = 0; i < s->nheld && !http1_done(s->h1); i++) {
		http1_data(s->h1, 0, s->held.data + from, s->held_part[i].end - from, s->held_part[i].origin,
			   s->held_part[i].frame, s->held_part[i].ts_ns);
		from = s->held_part[i].end;
	}
	stop_holding(s);
}

static void enter_tunnel(struct session *s, int dir, const uint8_t *data, size_t len, uint64_t origin,
			 uint64_t frame, uint64_t ts_ns);

static void app_data(struct session *s, int dir, const uint8_t *data, size_t len, uint64_t origin, uint64_t frame,
		     uint64_t ts_ns)
{
	if (s->app == A_UNDECIDED) {
		probe_app(s, dir, data, len, origin, frame, ts_ns);
		if (s->app == A_HTTP1 && dir == 1)
			replay_held(s);
	}
	if (s->app == A_HTTP1) {
		size_t used = http1_data(s->h1, dir, data, len, origin, frame, ts_ns);
		switch (http1_switched(s->h1)) {
		case HTTP1_SWITCH_H2C: /* 101 Switching Protocols: the rest is HTTP/2 */
			start_http2(s, HTTP2_UPGRADED);
			data += used;
			len -= used;
			break;
		case HTTP1_SWITCH_TUNNEL:
			enter_tunnel(s, dir, data + used, len - used, origin, frame, ts_ns);
			return;
		default:
			break;
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
	if (s->app == A_HTTP1)
		http1_skip(s->h1, dir, n);
}

static const struct tls_ops tls_ops = { on_plaintext, on_tls_lost, on_tls_skippable, on_tls_skip };

/* Bytes of the TCP stream (or of a CONNECT tunnel in it), in order;
 * `origin` carried them, `frame` completes what they complete. */
static void stream_data(struct session *s, int dir, const uint8_t *data, size_t len, uint64_t origin,
			uint64_t frame, uint64_t ts_ns)
{
	if (s->skip_crlf[dir]) { /* stray line ends after a tunnel's CONNECT exchange */
		while (len && (*data == '\r' || *data == '\n'))
			data++, len--;
		if (!len)
			return;
		s->skip_crlf[dir] = false;
	}
	if (s->transport == T_UNDECIDED) {
		if (dir == 0 && (!s->midstream || s->tunnel) && tls_looks_like_client_hello(data, len) == 1) {
			s->tls = tls_new(&tls_ops, s, s->env->keylog);
			s->transport = s->tls ? T_TLS : T_CLEAR;
		} else {
			s->transport = T_CLEAR;
		}
	}
	if (s->transport == T_TLS)
		tls_data(s->tls, dir, data, len, origin, frame, ts_ns);
	else
		app_data(s, dir, data, len, origin, frame, ts_ns);
}

static void on_data(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t frame, uint64_t ts_ns)
{
	struct session *s = ctx;
	/* buffered bytes released now complete what they complete at this packet */
	uint64_t now = s->reasm.pkt_frame ? s->reasm.pkt_frame : frame;
	uint64_t now_ts = s->reasm.pkt_frame ? s->reasm.pkt_ts_ns : ts_ns;
	stream_data(s, dir, data, len, frame, now, now_ts);
}

static void add_stats(struct http1_stats *to, const struct http1_stats *from)
{
	to->requests += from->requests;
	to->responses += from->responses;
	to->resyncs += from->resyncs;
	to->bad_messages += from->bad_messages;
	to->truncated_bodies += from->truncated_bodies;
	for (int i = 0; i < H1_ANOMALY_COUNT; i++)
		to->anomalies[i] += from->anomalies[i];
}

/* A 2xx answered CONNECT: what follows, in both directions, is the
 * tunnel's, whose protocol is decided again from its first bytes (TLS,
 * HTTP/1, HTTP/2).  `data` is the rest of the delivery that held the
 * answer.  Inside TLS (a proxy reached over TLS) only the application
 * layer is decided again: TLS within TLS is not decrypted. */
static void enter_tunnel(struct session *s, int dir, const uint8_t *data, size_t len, uint64_t origin,
			 uint64_t frame, uint64_t ts_ns)
{
	struct http1_conn *outer = s->h1;
	size_t early_len;
	uint64_t early_origin, early_lost;
	const uint8_t *e = http1_tunnel_early(outer, &early_len, &early_origin, &early_lost);
	uint8_t *early = early_len ? malloc(early_len) : NULL;
	if (early)
		memcpy(early, e, early_len);
	else
		early_lost += early_len;
	add_stats(&s->h1_outer, http1_stats(outer));
	http1_free(outer); /* hands over what it still holds, before the tunnel's requests */
	s->h1 = NULL;
	s->app = A_UNDECIDED;
	s->probes = 0;
	s->server_spoke = false;
	s->tunnel = true;
	s->skip_crlf[0] = s->skip_crlf[1] = true;
	bool in_tls = s->transport == T_TLS;
	if (!in_tls)
		s->transport = T_UNDECIDED;
	/* the client's bytes sent before the answer come first */
	if (early)
		(in_tls ? app_data : stream_data)(s, 0, early, early_len, early_origin, frame, ts_ns);
	free(early);
	if (early_lost) {
		if (s->transport == T_TLS && !in_tls)
			tls_gap(s->tls, 0);
		else
			app_gap(s, 0, early_lost);
	}
	if (len)
		(in_tls ? app_data : stream_data)(s, dir, data, len, origin, frame, ts_ns);
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
	s->env->on_request(s->env->ctx, s->f, r, s->transport == T_TLS);
}

static void account(struct session *s)
{
	size_t now = s->reasm.s[0].pending_bytes + s->reasm.s[1].pending_bytes + (s->h1 ? http1_memory(s->h1) : 0) +
		     (s->h2 ? http2_memory(s->h2) : 0) + (s->tls ? tls_memory(s->tls) : 0) + s->held.cap;
	if (now != s->accounted) {
		flow_table_account(s->env->flows, s->f, (long)now - (long)s->accounted);
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

bool session_packet(const struct session_env *env, struct flow *f, int dir, const struct packet *p,
		    uint64_t frame, uint64_t ts_ns)
{
	struct session *s = f->l7;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return false;
		s->env = env;
		s->f = f;
		s->midstream = !(p->tcp_flags & TCP_SYN);
		dbuf_init(&s->held, PROBE_HOLD_BYTES);
		reasm_init(&s->reasm, &reasm_ops, s, env->max_reasm);
		f->l7 = s;
		flow_table_account(env->flows, f, (long)sizeof(*s));
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

void session_end(struct flow *f, struct session_counts *out)
{
	memset(out, 0, sizeof(*out));
	struct session *s = f->l7;
	if (!s)
		return;
	if (!s->stopped)
		reasm_finish(&s->reasm);
	else
		reasm_discard(&s->reasm);
	struct http1_stats h1 = s->h1_outer;
	if (s->h1)
		add_stats(&h1, http1_stats(s->h1));
	out->has_http = s->had_http;
	out->resyncs = h1.resyncs;
	out->bad_messages = h1.bad_messages;
	out->truncated_bodies = h1.truncated_bodies;
	memcpy(out->anomalies, h1.anomalies, sizeof(out->anomalies));
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
	dbuf_free(&s->held);
	free(s);
	f->l7 = NULL;
}
