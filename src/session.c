/* \summary: the application layer of one TCP flow (see session.h). */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "http1.h"
#include "reasm.h"
#include "transmission.h"

/* Client segments inspected before a flow that never showed an HTTP
 * message start is let go. */
#define PROBE_SEGMENTS 4

enum session_kind { KIND_UNDECIDED, KIND_HTTP1, KIND_NONE };

struct session {
	struct reasm reasm;
	struct http1_conn *h1;
	struct audit *a;
	struct flow *f;
	enum session_kind kind;
	bool midstream;   /* the flow was not seen from its SYN */
	int probes;
	size_t accounted; /* bytes reported to the flow table */
	uint64_t requests;
};

static void on_request(void *ctx, const struct http_request *r);

static void become_http1(struct session *s)
{
	s->h1 = http1_new(on_request, s, s->a->opt.max_body, s->midstream);
	s->kind = s->h1 ? KIND_HTTP1 : KIND_NONE;
}

static void on_data(void *ctx, int dir, const uint8_t *data, size_t len, uint64_t frame, uint64_t ts_ns)
{
	struct session *s = ctx;
	if (s->kind == KIND_UNDECIDED) {
		if (dir == 0) {
			int looks = http1_looks_like_request(data, len);
			if (looks != 0 || (s->midstream && memmem(data, len, " HTTP/1.", 8)))
				become_http1(s);
			else if (++s->probes >= PROBE_SEGMENTS)
				s->kind = KIND_NONE;
		} else if (len >= 7 && memcmp(data, "HTTP/1.", 7) == 0) {
			become_http1(s);
		}
	}
	if (s->kind == KIND_HTTP1) {
		uint64_t now = s->reasm.pkt_frame ? s->reasm.pkt_frame : frame;
		http1_data(s->h1, dir, data, len, frame, now, s->reasm.pkt_frame ? s->reasm.pkt_ts_ns : ts_ns);
	}
}

static void on_gap(void *ctx, int dir, uint64_t len)
{
	struct session *s = ctx;
	if (s->kind == KIND_HTTP1)
		http1_gap(s->h1, dir, len);
}

static void on_end(void *ctx, int dir)
{
	struct session *s = ctx;
	if (s->kind == KIND_HTTP1)
		http1_end(s->h1, dir);
}

static const struct reasm_ops reasm_ops = { on_data, on_gap, on_end };

static void on_request(void *ctx, const struct http_request *r)
{
	struct session *s = ctx;
	struct audit *a = s->a;
	struct transmission t;
	memset(&t, 0, sizeof(t));
	t.fields = a->scratch; /* borrowed: its arena is reused request after request */
	t.input = s->f->input;
	t.flow_id = s->f->id;
	t.flow = s->f;
	t.frame = r->frame;
	t.frames = r->frames;
	t.nframes = r->nframes;
	t.ts_ns = r->ts_ns;
	t.protocol = r->protocol;
	t.method = r->method;
	t.method_len = r->method_len;
	t.uri = r->target;
	t.uri_len = r->target_len;
	t.status = r->status;
	t.host = r->host;
	t.host_len = r->host_len;
	if (r->body_truncated)
		t.truncated |= TX_TRUNC_BODY_CAP;
	if (r->body_gap)
		t.truncated |= TX_TRUNC_BODY_GAP;
	if (r->headers_truncated)
		t.truncated |= TX_TRUNC_HEADERS;
	tx_fields_from_http(&t, r, a->opt.max_decoded);
	s->requests++;
	audit_request(a, s->f, &t);
	field_list_clear(&t.fields);
	a->scratch = t.fields;
}

static void account(struct session *s)
{
	size_t now = s->reasm.s[0].pending_bytes + s->reasm.s[1].pending_bytes +
		     (s->h1 ? http1_memory(s->h1) : 0);
	if (now != s->accounted) {
		flow_table_account(s->a->flows, s->f, (long)now - (long)s->accounted);
		s->accounted = now;
	}
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
	if (s->kind == KIND_NONE)
		return false;
	reasm_packet(&s->reasm, dir, p, frame, ts_ns);
	if (s->kind == KIND_NONE) /* just decided: nothing to decode here */
		reasm_discard(&s->reasm);
	else if (s->h1 && http1_done(s->h1)) {
		reasm_discard(&s->reasm);
		s->kind = KIND_NONE;
	}
	account(s);
	return s->kind != KIND_NONE;
}

void session_end(struct audit *a, struct flow *f, struct session_counts *out)
{
	memset(out, 0, sizeof(*out));
	struct session *s = f->l7;
	if (!s)
		return;
	if (s->kind != KIND_NONE)
		reasm_finish(&s->reasm);
	else
		reasm_discard(&s->reasm);
	if (s->h1) {
		out->resyncs = http1_stats(s->h1)->resyncs;
		out->bad_messages = http1_stats(s->h1)->bad_messages;
	}
	http1_free(s->h1); /* hands over requests still waiting for a response */
	for (int d = 0; d < 2; d++) {
		out->gaps += s->reasm.s[d].gaps;
		out->gap_bytes += s->reasm.s[d].gap_bytes;
	}
	out->capped = s->reasm.capped;
	out->requests = s->requests;
	free(s);
	f->l7 = NULL;
}
