/* \summary: the audit pipeline: per packet decode, flow, classify (see audit.h). */
#include "audit.h"

#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dbuf.h"
#include "http.h"

#include "classify.h"
#include "dns.h"
#include "dpi.h"
#include "flowstore.h"
#include "json_arena.h"
#include "keylog.h"
#include "policy.h"
#include "profile.h"
#include "session.h"
#include "signatures.h"
#include "strtab.h"
#include "transmission.h"
#include "workq.h"

#define NS_PER_S 1000000000ULL

const char *host_source_name(enum host_source s)
{
	switch (s) {
	case HOST_FROM_HTTP: return "http";
	case HOST_FROM_SNI: return "sni";
	case HOST_FROM_DNS_QUERY: return "dns_query";
	case HOST_FROM_DNS_ANSWER: return "dns_answer";
	case HOST_FROM_DPI: return "dpi";
	default: return NULL;
	}
}

void audit_default_options(struct audit_options *o)
{
	memset(o, 0, sizeof(*o));
	o->flows.max_flows = 1u << 20;
	o->flows.max_memory = 256u << 20;
	o->flows.tcp_idle_ns = 600 * NS_PER_S;
	o->flows.tcp_closed_ns = 10 * NS_PER_S;
	o->flows.udp_idle_ns = 120 * NS_PER_S;
	o->max_body = 16u << 20;
	o->max_decoded = 16u << 20;
	o->max_reasm = 1u << 20;
}

static void on_flow_end(void *ctx, struct flow *f, enum flow_end_reason why);
static void run_job(void *ctx, void *job);
static void free_lines(struct audit *a);

static void on_session_request(void *ctx, struct flow *f, const struct http_request *r, bool tls);

struct audit *audit_new(const struct audit_options *o)
{
	struct audit *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->opt = *o;
	a->cur_input = -1;
	json_arena_install();
	a->names = strtab_new();
	a->dns = a->names ? dns_cache_new(a->names) : NULL;
	struct decoder_limits dl;
	decoder_default_limits(&dl);
	a->dec = decoder_new(&dl);
	a->dpi = a->names ? dpi_new(a->names) : NULL;
	a->flows = flow_table_new(&o->flows, on_flow_end, a);
	a->tx = tx_spool_new(o->reveal_values, o->all_fields);
	a->policy = policy_new(o->profile, o->sigs);
	for (size_t i = 0; a->policy && i < o->ndevices; i++)
		policy_add_device(a->policy, o->devices[i]); /* checked on the command line */
	if (a->policy && o->on_live_finding)
		policy_set_live(a->policy, o->on_live_finding, o->live_ctx);
	a->records = flow_store_new();
	a->keylog = o->keylog;
	if (!a->keylog) {
		a->keylog = keylog_new();
		a->own_keylog = true;
	}
	a->sessions = (struct session_env){ .max_body = o->max_body, .max_reasm = o->max_reasm, .keylog = a->keylog,
					    .flows = a->flows, .on_request = on_session_request, .ctx = a };
	field_list_init(&a->scratch);
	/* a job queue bounded to 512 requests or 16 MiB of copies */
	if (o->worker)
		a->workq = workq_new(run_job, a, 512, 16u << 20);
	if (!a->names || !a->dns || !a->dec || !a->dpi || !a->flows || !a->tx || !a->policy || !a->keylog || !a->records ||
	    (o->worker && !a->workq)) {
		audit_free(a);
		return NULL;
	}
	return a;
}

void audit_free(struct audit *a)
{
	if (!a)
		return;
	flow_table_free(a->flows); /* may hand over the last requests */
	workq_free(a->workq);
	tx_spool_free(a->tx);
	field_list_free(&a->scratch);
	free(a->cls);
	policy_free(a->policy);
	if (a->own_keylog)
		keylog_free(a->keylog);
	free_lines(a);
	free(a->lines);
	free(a->personal_flows);
	dpi_free(a->dpi);
	dns_cache_free(a->dns);
	decoder_free(a->dec);
	strtab_free(a->names);
	for (size_t i = 0; i < a->ninputs; i++) {
		free(a->inputs[i].path);
		free(a->inputs[i].name);
		free(a->inputs[i].error);
	}
	free(a->inputs);
	flow_store_free(a->records);
	free(a);
}

int audit_add_input(struct audit *a, const char *path)
{
	struct input_record *v = realloc(a->inputs, (a->ninputs + 1) * sizeof(*v));
	if (!v)
		return -1;
	a->inputs = v;
	struct input_record *in = &v[a->ninputs];
	memset(in, 0, sizeof(*in));
	in->path = strdup(path);
	char *tmp = strdup(path);
	in->name = tmp ? strdup(basename(tmp)) : NULL;
	free(tmp);
	in->dlt = -1;
	if (!in->path || !in->name) {
		free(in->path);
		free(in->name);
		return -1;
	}
	return (int)a->ninputs++;
}

void audit_input_error(struct audit *a, int input, const char *fmt, ...)
{
	struct input_record *in = &a->inputs[input];
	if (in->error)
		return; /* the first error is the cause */
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&in->error, fmt, ap) < 0)
		in->error = NULL;
	va_end(ap);
}

void audit_begin_input(struct audit *a, int input, int dlt)
{
	a->cur_input = input;
	dns_cache_clear(a->dns); /* names learnt in one capture do not name another's flows */
	a->inputs[input].dlt = dlt;
}

static void learn_dns(struct audit *a, const struct packet *p)
{
	if (p->l4_proto != 17 || p->sport != 53 || !p->payload)
		return;
	a->cnt.dns_packets++;
	int learnt = dns_cache_learn(a->dns, p->payload, p->payload_len);
	if (learnt < 0)
		a->cnt.dns_malformed++;
	else
		a->cnt.dns_addresses += (uint64_t)learnt;
}

/* Live capture: a flow that just got its name, judged as a contact before
 * consent with the events known so far.  The report's judgement, at the
 * end, uses the flow's final name. */
static void live_contact(struct audit *a, struct flow *f)
{
	struct flow_record r;
	memset(&r, 0, sizeof(r));
	r.id = f->id;
	r.input = f->input;
	r.host = f->host;
	r.host_source = f->host_source;
	r.first_frame = f->first_frame;
	r.first_ts_ns = f->first_ts_ns;
	r.transport = f->key.proto;
	r.client = *flow_client_addr(f);
	r.server = *flow_server_addr(f);
	r.client_port = flow_client_port(f);
	r.server_port = flow_server_port(f);
	r.has_client_mac = f->has_client_mac;
	memcpy(r.client_mac, f->client_mac, 6);
	f->live_judged = true;
	policy_live_flow(a->policy, &r);
}

static void note_link_type(struct input_record *in, int dlt)
{
	for (uint8_t i = 0; i < in->nlink_types; i++)
		if (in->link_types[i] == dlt)
			return;
	if (in->nlink_types < sizeof(in->link_types) / sizeof(in->link_types[0]))
		in->link_types[in->nlink_types++] = dlt;
}

/* The layers a flow's first packet crossed, interned (flows are few next
 * to packets, and most have none). */
static void note_layers(struct audit *a, struct flow *f, const struct packet *p)
{
	char buf[512];
	size_t n = decode_layers_str(p, buf, sizeof(buf));
	if (n)
		f->encap = strtab_intern(a->names, buf, n);
}

/* What every frame does, audited or not: its input's count, times and link
 * types, the CLI frame marks waiting for it. */
static void note_frame(struct audit *a, uint64_t frame, uint64_t ts_ns, int dlt)
{
	struct input_record *in = &a->inputs[a->cur_input];
	if (in->frames == 0)
		in->first_ts_ns = in->max_ts_ns = ts_ns;
	if (ts_ns < in->max_ts_ns) { /* the capture's clock went back: evidence a reader should know of */
		if (!in->backwards++)
			in->first_backwards = frame;
	} else {
		in->max_ts_ns = ts_ns;
	}
	in->frames = frame;
	in->last_ts_ns = ts_ns;
	if (in->nlink_types == 0 || (dlt != in->link_types[0] && dlt != in->link_types[in->nlink_types - 1]))
		note_link_type(in, dlt);
	a->cnt.packets++;
	if (a->marks_pending) {
		uint64_t f;
		policy_note_frame(a->policy, a->cur_input, frame, ts_ns);
		a->marks_pending = policy_cli_pending(a->policy, &f);
	}
}

void audit_skip_packet(struct audit *a, uint64_t frame, uint64_t ts_ns, int dlt)
{
	note_frame(a, frame, ts_ns, dlt);
	a->cnt.filtered++;
}

void audit_packet(struct audit *a, uint64_t frame, uint64_t ts_ns, int dlt, const uint8_t *data,
		  uint32_t caplen, uint32_t wirelen)
{
	note_frame(a, frame, ts_ns, dlt);
	a->audited_frames++;

	struct packet p; /* decode_packet clears what it decodes: no initializer zeroing the layers */
	p.data = data;
	p.caplen = caplen;
	p.wirelen = wirelen;
	p.ts_ns = ts_ns;
	enum decode_status st = decode_packet(a->dec, dlt, &p);
	a->cnt.decode[st]++;
	if (st != DECODE_OK)
		return;
	learn_dns(a, &p);
	enum flow_dir dir;
	struct flow *f = flow_table_packet(a->flows, &p, ts_ns, frame, a->cur_input, &dir);
	if (!f)
		return;
	if (f->packets[0] + f->packets[1] == 1) {
		/* the client's Ethernet address: the sender's, or the receiver's
		 * when the first packet seen is the server's */
		const uint8_t *mac = dir == DIR_TO_SERVER ? p.mac_src : p.mac_dst;
		static const uint8_t none[6];
		if (mac && memcmp(mac, none, 6) != 0) { /* loopback written as Ethernet has zero addresses */
			memcpy(f->client_mac, mac, 6);
			f->has_client_mac = true;
		}
		if (p.nlayers)
			note_layers(a, f, &p);
		const char *name = dns_cache_lookup(a->dns, flow_server_addr(f));
		if (name) {
			f->host = name;
			f->host_source = HOST_FROM_DNS_ANSWER;
		}
	}
	if (!f->dpi_done) {
		bool had_state = f->dpi != NULL;
		dpi_packet(a->dpi, f, &p, ts_ns);
		if (!had_state && f->dpi)
			flow_table_account(a->flows, f, (long)dpi_flow_state_size());
		else if (had_state && !f->dpi)
			flow_table_account(a->flows, f, -(long)dpi_flow_state_size());
	}
	if (p.l4_proto == 6 && !f->l7_off && !a->opt.flows_only && !session_packet(&a->sessions, f, dir, &p, frame, ts_ns))
		f->l7_off = true;
	if (a->opt.on_live_finding && !f->live_judged && f->host) /* a contact shows as soon as it is named */
		live_contact(a, f);
}

static const char *intern(struct audit *a, const char *s)
{
	return s[0] ? strtab_intern(a->names, s, strlen(s)) : NULL;
}

static void record_tls(struct audit *a, struct flow *f, struct flow_record *r, const struct tls_info *ti)
{
	struct flow_tls *t = &r->tls;
	r->is_tls = true;
	t->version = ti->version;
	t->cipher_suite = ti->cipher_suite;
	t->decryption = (uint8_t)ti->decryption;
	t->failure = (uint8_t)ti->failure;
	t->compression = ti->compression;
	t->mac_unchecked = ti->mac_unchecked;
	t->hello_retry = ti->hello_retry;
	t->resumed = ti->resumed;
	t->have_random = ti->have_random;
	memcpy(t->client_random, ti->client_random, sizeof(t->client_random));
	t->sni = intern(a, ti->sni);
	t->alpn = intern(a, ti->alpn);
	t->records_decrypted = ti->records_decrypted;
	t->records_failed = ti->records_failed;
	t->records_skipped = ti->records_skipped;
	t->key_updates = ti->key_updates;
	t->directions_lost = ti->directions_lost;
	a->cnt.tls_decrypted += ti->decryption == TLS_DECRYPTED;
	a->cnt.tls_failed += ti->decryption == TLS_FAILED;
	a->cnt.tls_records_decrypted += ti->records_decrypted;
	a->cnt.tls_records_failed += ti->records_failed;
	if (t->sni && (!f->host || f->host_source == HOST_FROM_DNS_ANSWER || f->host_source == HOST_FROM_DPI)) {
		r->host = t->sni;
		r->host_source = HOST_FROM_SNI;
	}
}

static void on_flow_end(void *ctx, struct flow *f, enum flow_end_reason why)
{
	struct audit *a = ctx;
	/* the session first: its requests may still name the flow's host */
	struct session_counts sc;
	session_end(f, &sc);
	/* the table drops f->mem itself; accounting here could evict mid-flush */
	dpi_finish(a->dpi, f);
	struct flow_record rec;
	memset(&rec, 0, sizeof(rec)); /* padding too: the record goes to a file as it is */
	struct flow_record *r = &rec;
	r->id = f->id;
	r->input = f->input;
	r->transport = f->key.proto;
	r->client = *flow_client_addr(f);
	r->server = *flow_server_addr(f);
	r->client_port = flow_client_port(f);
	r->server_port = flow_server_port(f);
	r->first_frame = f->first_frame;
	r->first_ts_ns = f->first_ts_ns;
	char buf[128];
	const char *proto = dpi_protocol_name(a->dpi, f, buf, sizeof(buf));
	r->protocol = strtab_intern(a->names, proto, strlen(proto));
	const char *cat = dpi_category_name(a->dpi, f);
	r->category = cat ? strtab_intern(a->names, cat, strlen(cat)) : NULL;
	r->host = f->host;
	r->encap = f->encap;
	r->vlan = f->key.vlan;
	r->vlan_inner = f->key.vlan_inner;
	r->org = f->host && a->opt.sigs ? signatures_organization(a->opt.sigs, f->host) : NULL;
	r->host_source = f->host_source;
	r->packets = f->packets[0] + f->packets[1];
	r->bytes = f->bytes[0] + f->bytes[1];
	r->tcp_gaps = sc.gaps;
	r->tcp_gap_bytes = sc.gap_bytes;
	r->requests = sc.requests;
	r->has_http = sc.has_http;
	r->http_resyncs = sc.resyncs;
	r->http_skipped = sc.bad_messages;
	r->http_truncated_bodies = sc.truncated_bodies;
	memcpy(r->http_anomalies, sc.anomalies, sizeof(r->http_anomalies));
	r->reasm_capped = sc.capped;
	r->has_client_mac = f->has_client_mac;
	memcpy(r->client_mac, f->client_mac, 6);
	if (sc.has_tls)
		record_tls(a, f, r, &sc.tls);
	a->cnt.tls_flows += dpi_is_tls(f) || sc.has_tls;
	a->cnt.quic_flows += dpi_is_quic(f);
	a->cnt.tcp_gaps += sc.gaps;
	a->cnt.tcp_gap_bytes += sc.gap_bytes;
	a->cnt.http_resyncs += sc.resyncs;
	a->cnt.http_bad_messages += sc.bad_messages;
	a->cnt.http_truncated_bodies += sc.truncated_bodies;
	for (int i = 0; i < H1_ANOMALY_COUNT; i++)
		a->cnt.http_anomalies[i] += sc.anomalies[i];
	a->cnt.flows_reasm_capped += sc.capped;
	a->cnt.http2_hpack_errors += sc.hpack_errors;
	flow_store_put(a->records, r);
}

static void free_lines(struct audit *a)
{
	for (size_t i = 0; i < a->nlines; i++) {
		free(a->lines[i].method);
		free(a->lines[i].host);
		free(a->lines[i].uri);
	}
	a->nlines = 0;
}

static int by_frame(const void *x, const void *y)
{
	const struct listed_request *a = x, *b = y;
	if (a->frame != b->frame)
		return a->frame < b->frame ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void audit_end_input(struct audit *a)
{
	flow_table_flush(a->flows);
	decoder_flush(a->dec); /* a datagram never spans two inputs */
	if (a->workq)
		workq_drain(a->workq); /* every request of this input is listed */
	a->cnt.dns_dropped += dns_cache_dropped(a->dns);
	if (a->nlines) {
		qsort(a->lines, a->nlines, sizeof(*a->lines), by_frame);
		a->opt.on_listed(a->opt.listed_ctx, a->inputs[a->cur_input].name, a->lines, a->nlines);
	}
	free_lines(a);
	a->cur_input = -1;
}

static char *copy_bytes(const char *s, size_t n)
{
	char *c = malloc(n + 1);
	if (c) {
		memcpy(c, s, n);
		c[n] = 0;
	}
	return c;
}

static void list_request(struct audit *a, const struct transmission *t)
{
	if (a->nlines == a->lines_cap) {
		size_t cap = a->lines_cap ? a->lines_cap * 2 : 64;
		struct listed_request *v = realloc(a->lines, cap * sizeof(*v));
		if (!v)
			return;
		a->lines = v;
		a->lines_cap = cap;
	}
	struct listed_request *l = &a->lines[a->nlines];
	*l = (struct listed_request){ .frame = t->frame, .seq = a->cnt.requests, .protocol = t->protocol,
				      .method_len = t->method_len, .host_len = t->host_len, .uri_len = t->uri_len };
	l->method = copy_bytes(t->method, t->method_len);
	l->uri = copy_bytes(t->uri, t->uri_len);
	l->host = t->host ? copy_bytes(t->host, t->host_len) : NULL;
	if (!l->method || !l->uri || (t->host && !l->host)) {
		free(l->method);
		free(l->uri);
		free(l->host);
		return;
	}
	a->nlines++;
}

static int match_consent(struct audit *a, const struct transmission *t, const char *host)
{
	if (!a->opt.profile || !a->opt.profile->nrules)
		return -1;
	const struct field_list *fl = &t->fields;
	const char *paths[64], *values[64];
	size_t lens[64], n = 0;
	for (size_t i = 0; i < fl->n && n < 64; i++)
		if (strncmp(fl->v[i].path, "body.", 5) == 0) {
			paths[n] = fl->v[i].path;
			values[n] = fl->v[i].value;
			lens[n++] = fl->v[i].value_len;
		}
	const char *q = memchr(t->uri, '?', t->uri_len);
	return policy_match_consent(a->policy, host, t->method, t->method_len, t->uri,
				    q ? (size_t)(q - t->uri) : t->uri_len, paths, values, lens, n);
}

/* The report lists a flow that carried personal data in full. */
static void note_personal_flow(struct audit *a, uint32_t id)
{
	size_t byte = id >> 3;
	if (byte >= a->personal_flows_cap) {
		size_t cap = a->personal_flows_cap ? a->personal_flows_cap : 1024;
		while (cap <= byte)
			cap *= 2;
		uint8_t *v = realloc(a->personal_flows, cap);
		if (!v)
			return;
		memset(v + a->personal_flows_cap, 0, cap - a->personal_flows_cap);
		a->personal_flows = v;
		a->personal_flows_cap = cap;
	}
	a->personal_flows[byte] |= (uint8_t)(1u << (id & 7));
}

bool audit_flow_personal(const struct audit *a, uint32_t id)
{
	return (id >> 3) < a->personal_flows_cap && (a->personal_flows[id >> 3] >> (id & 7) & 1);
}

/* What the pipeline knows of a request beyond the request itself. */
struct request_meta {
	int input;
	uint32_t flow_id;
	struct ip_addr client, server;
	uint16_t client_port, server_port;
	bool tls;
	const char *recipient; /* interned: Host, else the flow's name, else the address */
};

/* The work done per request once its place is known: fields, listing,
 * classification, the spool, the policy.  On the worker thread when there
 * is one; it alone touches what this writes. */
static void process_request(struct audit *a, const struct http_request *r, const struct request_meta *m)
{
	struct transmission t;
	memset(&t, 0, sizeof(t));
	t.fields = a->scratch; /* borrowed: its arena is reused request after request */
	t.input = m->input;
	t.flow_id = m->flow_id;
	t.client = m->client;
	t.server = m->server;
	t.client_port = m->client_port;
	t.server_port = m->server_port;
	t.frame = r->frame;
	t.frames = r->frames;
	t.nframes = r->nframes;
	t.ts_ns = r->ts_ns;
	t.protocol = r->protocol;
	t.tls = m->tls;
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
	tx_coverage_add(&a->cnt.bodies, &t);
	a->cnt.requests++;
	if (t.truncated)
		a->cnt.truncated_messages++;
	if (a->opt.on_listed)
		list_request(a, &t);
	struct request_class rc;
	if (t.fields.n > a->cls_cap) {
		struct classification *v = realloc(a->cls, t.fields.n * sizeof(*v));
		if (v) {
			a->cls = v;
			a->cls_cap = t.fields.n;
		}
	}
	if (t.fields.n <= a->cls_cap) {
		char path[512]; /* the path alone: whose its top-level fields are */
		size_t pl = 0;
		while (pl < t.uri_len && pl + 1 < sizeof(path) && t.uri[pl] != '?')
			path[pl] = t.uri[pl], pl++;
		path[pl] = 0;
		classify_request(a->opt.sigs, a->opt.profile, &t.fields, t.ts_ns / 1000000000ULL, path, a->cls, &rc);
		t.cls = a->cls;
	} else {
		memset(&rc, 0, sizeof(rc)); /* out of memory: the fields are listed unclassified */
	}
	long seq = -1;
	int personal = t.fields.n && !a->opt.no_report ? tx_spool_add(a->tx, &t) : -1;
	if (personal >= 0) {
		seq = (long)a->cnt.transmissions;
		a->cnt.transmissions++;
		if (personal)
			note_personal_flow(a, t.flow_id);
	}
	policy_request(a->policy, seq, t.input, t.frame, t.ts_ns, t.flow_id, m->recipient, t.tls, &rc,
		       match_consent(a, &t, m->recipient));
	field_list_clear(&t.fields);
	a->scratch = t.fields;
}

/* A request copied for the worker: the request's scalars, and its strings,
 * headers, body and frames in one allocation. */
struct request_job {
	struct request_meta m;
	struct http_request r;
	size_t bytes;
	unsigned char data[];
};

static const char *copy_str(unsigned char **p, const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *d = (char *)*p;
	memcpy(d, s, n);
	*p += n;
	return d;
}

static struct request_job *job_new(const struct http_request *r, const struct request_meta *m)
{
	size_t n = r->nframes * sizeof(uint64_t) + r->method_len + r->target_len + r->host_len + r->body_len;
	for (size_t i = 0; i < r->nheaders; i++)
		n += r->headers[i].name_len + r->headers[i].value_len;
	/* the header array is the large part of the struct: only the used
	 * entries are filled, but the struct is whole so it can be handed on */
	struct request_job *j = malloc(sizeof(*j) + n);
	if (!j)
		return NULL;
	j->m = *m;
	j->bytes = sizeof(*j) + n;
	struct http_request *c = &j->r;
	size_t head = offsetof(struct http_request, headers);
	memcpy(c, r, head); /* scalars before the header array */
	c->nheaders = r->nheaders;
	c->headers_truncated = r->headers_truncated;
	c->body_len = r->body_len;
	c->body_truncated = r->body_truncated;
	c->body_gap = r->body_gap;
	c->nframes = r->nframes;
	c->frame = r->frame;
	c->ts_ns = r->ts_ns;
	c->status = r->status;
	c->response_frame = r->response_frame;
	unsigned char *p = j->data;
	c->frames = memcpy(p, r->frames, r->nframes * sizeof(uint64_t));
	p += r->nframes * sizeof(uint64_t);
	c->method = copy_str(&p, r->method, r->method_len);
	c->target = copy_str(&p, r->target, r->target_len);
	c->host = copy_str(&p, r->host, r->host_len);
	for (size_t i = 0; i < r->nheaders; i++) {
		c->headers[i] = r->headers[i];
		c->headers[i].name = copy_str(&p, r->headers[i].name, r->headers[i].name_len);
		c->headers[i].value = copy_str(&p, r->headers[i].value, r->headers[i].value_len);
	}
	c->body = (const uint8_t *)copy_str(&p, (const char *)r->body, r->body_len);
	return j;
}

static void run_job(void *ctx, void *job)
{
	struct request_job *j = job;
	process_request(ctx, &j->r, &j->m);
	free(j);
}

/* A request a session decoded (session_env.on_request). */
static void on_session_request(void *ctx, struct flow *f, const struct http_request *r, bool tls)
{
	struct audit *a = ctx;
	/* the flow is the pipeline's: what it gives the request is taken here */
	struct request_meta m = {
		.input = f->input,
		.flow_id = f->id,
		.client = *flow_client_addr(f),
		.server = *flow_server_addr(f),
		.client_port = flow_client_port(f),
		.server_port = flow_server_port(f),
		.tls = tls,
	};
	if (r->host) {
		char name[256];
		size_t n = tx_host_name(r->host, r->host_len, name, sizeof(name));
		if (n)
			m.recipient = strtab_intern(a->names, name, n);
		if (m.recipient && (!f->host || f->host_source != HOST_FROM_HTTP)) {
			f->host = m.recipient;
			f->host_source = HOST_FROM_HTTP;
		}
	}
	if (!m.recipient)
		m.recipient = f->host; /* the recipient: Host, else SNI, else the DNS answer */
	if (!m.recipient) { /* else the address */
		char ip[46];
		if (ip_addr_str(&m.server, ip, sizeof(ip)))
			m.recipient = strtab_intern(a->names, ip, strlen(ip));
	}
	/* CLI frame marks are still being timed by the packet loop, which
	 * shares the policy with the worker: until then, in line */
	struct request_job *j = a->workq && !a->marks_pending ? job_new(r, &m) : NULL;
	if (j) {
		workq_push(a->workq, j, j->bytes);
		return;
	}
	if (a->workq)
		workq_drain(a->workq);
	process_request(a, r, &m);
}

void audit_capture_mark(struct audit *a, const char *kind, uint64_t ts_ns)
{
	enum consent_kind k;
	if (consent_kind_parse(kind, &k))
		policy_add_mark(a->policy, k, ts_ns, "capture");
}

void audit_finish(struct audit *a)
{
	if (a->workq)
		workq_drain(a->workq);
	policy_finish(a->policy, a->records);
}
