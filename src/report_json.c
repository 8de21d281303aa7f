/* \summary: the JSON report (docs/report-format.md, docs/report.schema.json).
 *
 * Streamed: each input, flow or transmission is written on its own line as
 * it is visited, so a report of 150k flows never exists as one tree in
 * memory, and two reports diff line by line.
 */
#include <jansson.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "build_info.h"
#include "carve.h"
#include "config.h"
#include "decompress.h"
#include "dpi.h"
#include "http2.h"
#include "yaml_doc.h"
#include "decode.h"
#include "flow.h"
#include "flowstore.h"
#include "jsonw.h"
#include "policy.h"
#include "profile.h"
#include "report.h"
#include "report_internal.h"
#include "signatures.h"
#include "tls.h"
#include "transmission.h"

void report_format_ts(uint64_t ts_ns, char buf[32])
{
	time_t sec = (time_t)(ts_ns / 1000000000ULL);
	unsigned usec = (unsigned)(ts_ns % 1000000000ULL / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%06uZ", usec);
}

static void write_ts(struct jsonw *w, const char *key, uint64_t ts_ns, bool present)
{
	char ts[32];
	jw_key(w, key);
	if (!present) {
		jw_null(w);
		return;
	}
	report_format_ts(ts_ns, ts);
	jw_str(w, ts);
}

/* libpcap's name of a link type; older libpcaps lack a few. */
static const char *link_type_name(int dlt, char buf[16])
{
	const char *name = pcap_datalink_val_to_name(dlt);
	if (name)
		return name;
	if (dlt == 204)
		return "PPP_WITH_DIR";
	if (dlt == 205)
		return "C_HDLC_WITH_DIR";
	snprintf(buf, 16, "%d", dlt);
	return buf;
}

static void write_input(struct jsonw *w, const struct input_record *in)
{
	char num[16];
	jw_obj_begin(w);
	jw_key(w, "path");
	jw_str(w, in->path);
	jw_key(w, "sha256");
	jw_str(w, in->sha256[0] ? in->sha256 : NULL);
	jw_key(w, "format");
	jw_str(w, in->format);
	jw_key(w, "link_type");
	jw_str(w, in->dlt >= 0 ? link_type_name(in->dlt, num) : NULL);
	jw_key(w, "link_types");
	jw_arr_begin(w);
	for (uint8_t i = 0; i < in->nlink_types; i++)
		jw_str(w, link_type_name(in->link_types[i], num));
	jw_arr_end(w);
	jw_key(w, "frames");
	jw_uint(w, in->frames);
	write_ts(w, "first_ts", in->first_ts_ns, in->frames > 0);
	write_ts(w, "last_ts", in->last_ts_ns, in->frames > 0);
	jw_key(w, "time_backwards");
	if (in->backwards) {
		jw_obj_begin(w);
		jw_key(w, "frames");
		jw_uint(w, in->backwards);
		jw_key(w, "first_frame");
		jw_uint(w, in->first_backwards);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "error");
	jw_str(w, in->error);
	jw_obj_end(w);
}

/* Who and what made the report: build, libraries, the signature set's
 * identity and content listing. */
static void write_provenance(struct jsonw *w, const struct audit *a)
{
	jw_key(w, "build");
	jw_obj_begin(w);
	jw_key(w, "commit");
	jw_str(w, PA_BUILD_COMMIT);
	jw_key(w, "compiler");
	jw_str(w, __VERSION__);
	jw_obj_end(w);
	char brotli[16], pcre2[32];
	decompress_brotli_version(brotli);
	signatures_pcre2_version(pcre2);
	const char *libs[][2] = {
		{ "libpcap", pcap_lib_version() },  { "ndpi", dpi_library_version() },
		{ "openssl", OpenSSL_version(OPENSSL_VERSION) }, { "nghttp2", http2_library_version() },
		{ "jansson", jansson_version_str() }, { "libyaml", ydoc_library_version() },
		{ "zlib", decompress_zlib_version() }, { "brotli", brotli }, { "pcre2", pcre2 },
	};
	jw_key(w, "libraries");
	jw_obj_begin(w);
	for (size_t i = 0; i < sizeof(libs) / sizeof(*libs); i++) {
		jw_key(w, libs[i][0]);
		jw_str(w, libs[i][1]);
	}
	jw_obj_end(w);
	jw_key(w, "signatures");
	if (!a->opt.sigs) {
		jw_null(w);
		return;
	}
	size_t cats, orgs, rules = signatures_count(a->opt.sigs, &cats, &orgs);
	jw_obj_begin(w);
	jw_key(w, "sha256");
	jw_str(w, signatures_sha256(a->opt.sigs));
	jw_key(w, "version");
	jw_str(w, signatures_version(a->opt.sigs));
	jw_key(w, "categories");
	jw_uint(w, cats);
	jw_key(w, "rules");
	jw_uint(w, rules);
	jw_key(w, "organization_domains");
	jw_uint(w, orgs);
	jw_key(w, "files");
	jw_arr_begin(w);
	const char *name, *sha;
	for (size_t i = 0, n = signatures_file(a->opt.sigs, 0, &name, &sha); i < n; i++) {
		signatures_file(a->opt.sigs, i, &name, &sha);
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, name);
		jw_key(w, "sha256");
		jw_str(w, sha);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void write_case(struct jsonw *w, const struct audit_options *o)
{
	if (!o->case_id && !o->examiner && !o->note) {
		jw_null(w);
		return;
	}
	jw_obj_begin(w);
	jw_key(w, "id");
	jw_str(w, o->case_id);
	jw_key(w, "examiner");
	jw_str(w, o->examiner);
	jw_key(w, "note");
	jw_str(w, o->note);
	jw_obj_end(w);
}

/* What a reader checks first: the time the captures cover, and whether
 * their clocks can be trusted. */
static void write_summary(struct jsonw *w, const struct audit *a)
{
	uint64_t first = 0, last = 0, frames = 0;
	bool any = false;
	for (size_t i = 0; i < a->ninputs; i++) {
		const struct input_record *in = &a->inputs[i];
		frames += in->frames;
		if (!in->frames)
			continue;
		if (!any || in->first_ts_ns < first)
			first = in->first_ts_ns;
		if (!any || in->max_ts_ns > last)
			last = in->max_ts_ns;
		any = true;
	}
	const struct finding *fd;
	jw_obj_begin(w);
	jw_key(w, "inputs");
	jw_uint(w, a->ninputs);
	jw_key(w, "frames");
	jw_uint(w, frames);
	write_ts(w, "first_ts", first, any);
	write_ts(w, "last_ts", last, any);
	jw_key(w, "span_seconds");
	jw_uint(w, any ? (last - first) / 1000000000ULL : 0);
	jw_key(w, "findings");
	jw_uint(w, policy_findings(a->policy, &fd));
	jw_key(w, "warnings");
	jw_arr_begin(w);
	char msg[512];
	if (any && last - first > 86400ULL * 1000000000ULL) {
		snprintf(msg, sizeof(msg), "the captures span more than a day (%llu s): check that they belong to one session",
			 (unsigned long long)((last - first) / 1000000000ULL));
		jw_str(w, msg);
	}
	if (audit_count_reached(a) && a->ninputs) {
		const struct input_record *in = &a->inputs[a->ninputs - 1];
		snprintf(msg, sizeof(msg), "-c %llu: the audit stopped at frame %llu of %s; what follows was not read",
			 (unsigned long long)a->opt.max_frames, (unsigned long long)in->frames, in->name);
		jw_str(w, msg);
	}
	for (size_t i = 0; i < a->ninputs; i++)
		if (a->inputs[i].backwards) {
			snprintf(msg, sizeof(msg), "%s: time goes backwards at %llu frames, first at frame %llu",
				 a->inputs[i].name, (unsigned long long)a->inputs[i].backwards,
				 (unsigned long long)a->inputs[i].first_backwards);
			jw_str(w, msg);
		}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void write_suite(struct jsonw *w, uint16_t suite)
{
	const char *name = tls_suite_name(suite);
	char hex[8];
	snprintf(hex, sizeof(hex), "0x%04x", suite);
	jw_str(w, name ? name : suite ? hex : NULL);
}

static void write_flow_tls(struct jsonw *w, const struct flow_tls *t)
{
	if (!t) {
		jw_null(w);
		return;
	}
	jw_obj_begin(w);
	jw_key(w, "version");
	jw_str(w, tls_version_name(t->version));
	jw_key(w, "cipher_suite");
	write_suite(w, t->cipher_suite);
	jw_key(w, "sni");
	jw_str(w, t->sni);
	jw_key(w, "alpn");
	jw_str(w, t->alpn);
	jw_key(w, "hello_retry");
	jw_bool(w, t->hello_retry);
	jw_key(w, "resumed");
	jw_bool(w, t->resumed);
	char method[8];
	jw_key(w, "compression");
	jw_str(w, tls_compression_name(t->compression, method));
	jw_key(w, "mac_unchecked");
	jw_bool(w, t->mac_unchecked);
	jw_key(w, "decryption");
	jw_str(w, tls_decryption_name(t->decryption));
	jw_key(w, "failure");
	jw_str(w, tls_failure_name(t->failure));
	jw_key(w, "records_decrypted");
	jw_uint(w, t->records_decrypted);
	jw_key(w, "records_failed");
	jw_uint(w, t->records_failed);
	jw_key(w, "records_skipped");
	jw_uint(w, t->records_skipped);
	jw_key(w, "key_updates");
	jw_uint(w, t->key_updates);
	jw_key(w, "directions_lost");
	jw_uint(w, t->directions_lost);
	jw_obj_end(w);
}

struct failure_count {
	uint8_t failure;
	uint16_t suite;
	uint64_t flows;
};

static int failure_cmp(const void *x, const void *y)
{
	const struct failure_count *a = x, *b = y;
	if (a->failure != b->failure)
		return a->failure < b->failure ? -1 : 1;
	return a->suite < b->suite ? -1 : a->suite > b->suite;
}

/* TLS flows whose records could not be read, by reason (every reason
 * listed, in a fixed order), and flows read with their MAC unchecked. */
static void write_tls_not_read(struct jsonw *w, const struct audit *a)
{
	uint64_t no_key = 0, no_handshake = 0, failed[TLS_FAIL_COUNT] = { 0 };
	struct flow_iter it;
	flow_iter_init(&it, a->records);
	for (const struct flow_record *r; (r = flow_iter_next(&it));) {
		if (!r->is_tls)
			continue;
		no_key += r->tls.decryption == TLS_NO_KEY;
		no_handshake += r->tls.decryption == TLS_NO_HANDSHAKE;
		if (r->tls.decryption == TLS_FAILED && r->tls.failure < TLS_FAIL_COUNT)
			failed[r->tls.failure]++;
	}
	flow_iter_end(&it);
	jw_obj_begin(w);
	jw_key(w, "no_key");
	jw_uint(w, no_key);
	jw_key(w, "no_handshake");
	jw_uint(w, no_handshake);
	for (int f = TLS_FAIL_NONE + 1; f < TLS_FAIL_COUNT; f++) {
		jw_key(w, tls_failure_name((enum tls_failure)f));
		jw_uint(w, failed[f]);
	}
	jw_obj_end(w);
}

static uint64_t tls_mac_unchecked(const struct audit *a)
{
	uint64_t n = 0;
	struct flow_iter it;
	flow_iter_init(&it, a->records);
	for (const struct flow_record *r; (r = flow_iter_next(&it));)
		n += r->is_tls && r->tls.mac_unchecked;
	flow_iter_end(&it);
	return n;
}

/* Failed TLS flows by (reason, cipher suite), in a stable order. */
static void write_tls_failures(struct jsonw *w, const struct audit *a)
{
	struct failure_count v[64];
	size_t n = 0;
	struct flow_iter it;
	flow_iter_init(&it, a->records);
	for (const struct flow_record *r; (r = flow_iter_next(&it));) {
		const struct flow_tls *t = &r->tls;
		if (!r->is_tls || t->decryption != TLS_FAILED)
			continue;
		size_t k = 0;
		while (k < n && (v[k].failure != t->failure || v[k].suite != t->cipher_suite))
			k++;
		if (k == n) {
			if (n == sizeof(v) / sizeof(v[0]))
				continue; /* more distinct pairs than any real capture has */
			v[n++] = (struct failure_count){ t->failure, t->cipher_suite, 0 };
		}
		v[k].flows++;
	}
	flow_iter_end(&it);
	qsort(v, n, sizeof(v[0]), failure_cmp);
	jw_arr_begin(w);
	for (size_t k = 0; k < n; k++) {
		jw_obj_begin(w);
		jw_key(w, "reason");
		jw_str(w, tls_failure_name(v[k].failure));
		jw_key(w, "cipher_suite");
		write_suite(w, v[k].suite);
		jw_key(w, "flows");
		jw_uint(w, v[k].flows);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* The anomalies with a count: all of them (coverage), or only those seen (a flow). */
static void write_anomalies(struct jsonw *w, const uint64_t *counts, bool all)
{
	jw_obj_begin(w);
	for (int i = 0; i < H1_ANOMALY_COUNT; i++) {
		if (!all && !counts[i])
			continue;
		jw_key(w, http1_anomaly_name(i));
		jw_uint(w, counts[i]);
	}
	jw_obj_end(w);
}

/* What the HTTP parsers of a flow skipped and tolerated; null when none ran. */
static void write_flow_http(struct jsonw *w, const struct flow_record *r)
{
	if (!r->has_http) {
		jw_null(w);
		return;
	}
	jw_obj_begin(w);
	jw_key(w, "resyncs");
	jw_uint(w, r->http_resyncs);
	jw_key(w, "skipped_messages");
	jw_uint(w, r->http_skipped);
	jw_key(w, "truncated_bodies");
	jw_uint(w, r->http_truncated_bodies);
	jw_key(w, "anomalies");
	write_anomalies(w, r->http_anomalies, false);
	jw_obj_end(w);
}

static void write_flow(struct jsonw *w, const struct flow_record *r)
{
	char ep[64];
	jw_obj_begin(w);
	jw_key(w, "id");
	jw_uint(w, r->id);
	jw_key(w, "input");
	jw_int(w, r->input);
	jw_key(w, "first_frame");
	jw_uint(w, r->first_frame);
	jw_key(w, "client");
	jw_str(w, ip_endpoint_str(&r->client, r->client_port, ep, sizeof(ep)));
	jw_key(w, "server");
	jw_str(w, ip_endpoint_str(&r->server, r->server_port, ep, sizeof(ep)));
	jw_key(w, "transport");
	jw_str(w, r->transport == 6 ? "tcp" : "udp");
	jw_key(w, "vlan");
	jw_arr_begin(w);
	if (r->vlan || r->vlan_inner)
		jw_uint(w, r->vlan);
	if (r->vlan_inner)
		jw_uint(w, r->vlan_inner);
	jw_arr_end(w);
	jw_key(w, "encapsulation");
	jw_arr_begin(w);
	for (const char *e = r->encap; e && *e;) { /* "vlan 10, gre, erspan 5" */
		const char *end = strstr(e, ", ");
		size_t n = end ? (size_t)(end - e) : strlen(e);
		jw_strn(w, e, n);
		e += n + (end ? 2 : 0);
	}
	jw_arr_end(w);
	jw_key(w, "protocol");
	jw_str(w, r->protocol);
	jw_key(w, "category");
	jw_str(w, r->category);
	jw_key(w, "host");
	jw_str(w, r->host);
	jw_key(w, "host_source");
	jw_str(w, host_source_name(r->host_source));
	jw_key(w, "organization");
	if (r->org) {
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, r->org->name);
		jw_key(w, "parent");
		jw_str(w, r->org->parent);
		jw_key(w, "sdk");
		jw_str(w, r->org->sdk);
		jw_key(w, "category");
		jw_str(w, r->org->category);
		jw_key(w, "domain");
		jw_str(w, r->org->domain);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "packets");
	jw_uint(w, r->packets);
	jw_key(w, "bytes");
	jw_uint(w, r->bytes);
	jw_key(w, "requests");
	jw_uint(w, r->requests);
	jw_key(w, "tcp_gaps");
	jw_uint(w, r->tcp_gaps);
	jw_key(w, "truncated");
	jw_bool(w, r->reasm_capped);
	jw_key(w, "http");
	write_flow_http(w, r);
	jw_key(w, "tls");
	write_flow_tls(w, r->is_tls ? &r->tls : NULL);
	jw_obj_end(w);
}

/* ---- flows with nothing to show, counted by host and protocol ---- */

struct flow_group {
	int input;
	const char *host, *protocol; /* interned: compared by pointer */
	uint8_t transport;
	uint64_t first_frame, flows, packets, bytes;
};

struct flow_groups {
	struct flow_group *v;
	size_t n, cap;
	size_t *slot; /* open addressing: group index + 1, 0 empty; twice the groups */
	size_t nslot;
};

static bool bit(const uint8_t *map, uint32_t id) { return map && (map[id >> 3] >> (id & 7) & 1); }

/* Flow ids a finding cites. */
static uint8_t *finding_flows(const struct audit *a)
{
	uint8_t *map = calloc((size_t)flow_store_max_id(a->records) / 8 + 1, 1);
	const struct finding *fd;
	size_t n = policy_findings(a->policy, &fd);
	for (size_t i = 0; map && i < n; i++)
		if (fd[i].flow_id <= flow_store_max_id(a->records))
			map[fd[i].flow_id >> 3] |= (uint8_t)(1u << (fd[i].flow_id & 7));
	return map;
}

static size_t group_hash(int input, const char *host, const char *protocol, uint8_t transport)
{
	uint64_t h = (uint64_t)(uintptr_t)host * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)protocol * 0xc2b2ae3d27d4eb4fULL;
	return (size_t)(h ^ (uint64_t)input << 8 ^ transport ^ h >> 29);
}

static bool group_regrow(struct flow_groups *g)
{
	size_t n = g->nslot ? g->nslot * 2 : 256;
	size_t *s = calloc(n, sizeof(*s));
	if (!s)
		return false;
	for (size_t i = 0; i < g->n; i++) {
		const struct flow_group *x = &g->v[i];
		size_t k = group_hash(x->input, x->host, x->protocol, x->transport) & (n - 1);
		while (s[k])
			k = (k + 1) & (n - 1);
		s[k] = i + 1;
	}
	free(g->slot);
	g->slot = s;
	g->nslot = n;
	return true;
}

/* Adds r to the group of its input, host, protocol and transport; groups
 * stay in the order their first flow came. */
static void group_flow(struct flow_groups *g, const struct flow_record *r)
{
	if ((g->n + 1) * 2 > g->nslot && !group_regrow(g))
		return;
	size_t k = group_hash(r->input, r->host, r->protocol, r->transport) & (g->nslot - 1);
	for (; g->slot[k]; k = (k + 1) & (g->nslot - 1)) {
		struct flow_group *x = &g->v[g->slot[k] - 1];
		if (x->input == r->input && x->host == r->host && x->protocol == r->protocol && x->transport == r->transport) {
			x->flows++;
			x->packets += r->packets;
			x->bytes += r->bytes;
			return;
		}
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct flow_group *v = realloc(g->v, cap * sizeof(*v));
		if (!v)
			return;
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n] = (struct flow_group){ r->input, r->host, r->protocol, r->transport, r->first_frame, 1, r->packets,
					  r->bytes };
	g->slot[k] = ++g->n;
}

static void write_groups(struct jsonw *w, const struct flow_groups *g)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct flow_group *x = &g->v[i];
		jw_newline(w, "    ");
		jw_obj_begin(w);
		jw_key(w, "input");
		jw_int(w, x->input);
		jw_key(w, "host");
		jw_str(w, x->host);
		jw_key(w, "protocol");
		jw_str(w, x->protocol);
		jw_key(w, "transport");
		jw_str(w, x->transport == 6 ? "tcp" : "udp");
		jw_key(w, "first_frame");
		jw_uint(w, x->first_frame);
		jw_key(w, "flows");
		jw_uint(w, x->flows);
		jw_key(w, "packets");
		jw_uint(w, x->packets);
		jw_key(w, "bytes");
		jw_uint(w, x->bytes);
		jw_obj_end(w);
	}
}

static void write_coverage(struct jsonw *w, struct audit *a)
{
	const struct flow_table_stats *fs = flow_table_stats(a->flows);
	jw_obj_begin(w);
	jw_key(w, "packets");
	jw_obj_begin(w);
	jw_key(w, "total");
	jw_uint(w, a->cnt.packets);
	for (int s = 0; s < DECODE_STATUS_COUNT; s++) {
		jw_key(w, decode_status_name(s));
		jw_uint(w, a->cnt.decode[s]);
	}
	jw_key(w, "filtered");
	jw_uint(w, a->cnt.filtered);
	jw_obj_end(w);
	const struct frag_stats *fr = decoder_frag_stats(a->dec);
	jw_key(w, "ip_reassembly");
	jw_obj_begin(w);
	jw_key(w, "fragments");
	jw_uint(w, fr->fragments);
	jw_key(w, "datagrams");
	jw_uint(w, fr->datagrams);
	jw_key(w, "fragments_timed_out");
	jw_uint(w, fr->timed_out);
	jw_key(w, "fragments_incomplete_at_end");
	jw_uint(w, fr->incomplete_at_end);
	jw_key(w, "fragments_over_limit");
	jw_uint(w, fr->over_limit);
	jw_key(w, "fragments_invalid");
	jw_uint(w, fr->invalid);
	jw_key(w, "fragments_overlapping");
	jw_uint(w, fr->overlapping);
	jw_obj_end(w);
	jw_key(w, "flows");
	jw_obj_begin(w);
	jw_key(w, "total");
	jw_uint(w, fs->created);
	jw_key(w, "ended_idle");
	jw_uint(w, fs->ended_idle);
	jw_key(w, "ended_closed");
	jw_uint(w, fs->ended_closed);
	jw_key(w, "evicted");
	jw_uint(w, fs->evicted);
	jw_key(w, "ended_at_capture_end");
	jw_uint(w, fs->flushed);
	jw_key(w, "peak_live");
	jw_uint(w, fs->peak_live);
	jw_obj_end(w);
	jw_key(w, "http");
	jw_obj_begin(w);
	jw_key(w, "requests");
	jw_uint(w, a->cnt.requests);
	jw_key(w, "transmissions");
	jw_uint(w, a->cnt.transmissions);
	jw_key(w, "truncated_messages");
	jw_uint(w, a->cnt.truncated_messages);
	jw_key(w, "resyncs");
	jw_uint(w, a->cnt.http_resyncs);
	jw_key(w, "skipped_messages");
	jw_uint(w, a->cnt.http_bad_messages);
	jw_key(w, "truncated_bodies");
	jw_uint(w, a->cnt.http_truncated_bodies);
	jw_key(w, "anomalies");
	write_anomalies(w, a->cnt.http_anomalies, true);
	jw_key(w, "http2_header_errors");
	jw_uint(w, a->cnt.http2_hpack_errors);
	report_json_extract_coverage(w, &a->cnt.bodies);
	jw_obj_end(w);
	jw_key(w, "tcp");
	jw_obj_begin(w);
	jw_key(w, "gaps");
	jw_uint(w, a->cnt.tcp_gaps);
	jw_key(w, "gap_bytes");
	jw_uint(w, a->cnt.tcp_gap_bytes);
	jw_key(w, "flows_truncated");
	jw_uint(w, a->cnt.flows_reasm_capped);
	jw_obj_end(w);
	jw_key(w, "tls");
	jw_obj_begin(w);
	jw_key(w, "flows");
	jw_uint(w, a->cnt.tls_flows);
	jw_key(w, "decrypted");
	jw_uint(w, a->cnt.tls_decrypted);
	jw_key(w, "not_decrypted");
	jw_uint(w, a->cnt.tls_flows - a->cnt.tls_decrypted - a->cnt.tls_failed);
	jw_key(w, "failed");
	jw_uint(w, a->cnt.tls_failed);
	jw_key(w, "failures");
	write_tls_failures(w, a);
	jw_key(w, "not_read");
	write_tls_not_read(w, a);
	jw_key(w, "mac_unchecked");
	jw_uint(w, tls_mac_unchecked(a));
	jw_key(w, "records_decrypted");
	jw_uint(w, a->cnt.tls_records_decrypted);
	jw_key(w, "records_failed");
	jw_uint(w, a->cnt.tls_records_failed);
	jw_key(w, "quic_flows");
	jw_uint(w, a->cnt.quic_flows);
	jw_obj_end(w);
	const struct scope_counts *sc = policy_scope(a->policy);
	jw_key(w, "scope");
	jw_obj_begin(w);
	jw_key(w, "flows_judged");
	jw_uint(w, sc->flows_judged);
	jw_key(w, "flows_other_hosts");
	jw_uint(w, sc->flows_other_hosts);
	jw_key(w, "flows_broadcast");
	jw_uint(w, sc->flows_broadcast);
	jw_key(w, "flows_link_local");
	jw_uint(w, sc->flows_link_local);
	jw_key(w, "flows_no_client");
	jw_uint(w, sc->flows_no_client);
	jw_key(w, "requests_not_judged");
	jw_uint(w, sc->requests_not_judged);
	jw_obj_end(w);
	jw_key(w, "dns");
	jw_obj_begin(w);
	jw_key(w, "packets");
	jw_uint(w, a->cnt.dns_packets);
	jw_key(w, "malformed");
	jw_uint(w, a->cnt.dns_malformed);
	jw_key(w, "addresses_learnt");
	jw_uint(w, a->cnt.dns_addresses);
	jw_key(w, "addresses_dropped");
	jw_uint(w, a->cnt.dns_dropped);
	jw_obj_end(w);
	jw_obj_end(w);
}

static void write_profile(struct jsonw *w, const struct profile *p)
{
	if (!p) {
		jw_null(w);
		return;
	}
	jw_obj_begin(w);
	jw_key(w, "path");
	jw_str(w, p->path);
	jw_key(w, "sha256");
	jw_str(w, p->sha256[0] ? p->sha256 : NULL);
	jw_key(w, "app");
	jw_str(w, p->app_name);
	jw_key(w, "app_id");
	jw_str(w, p->app_id);
	jw_key(w, "first_party");
	jw_str(w, p->first_party.organization);
	jw_key(w, "text");
	jw_str(w, p->text);
	jw_obj_end(w);
}

/* What `privaudit verify` needs to run the same audit again. */
static void write_options(struct jsonw *w, const struct audit_options *o, const struct policy *p)
{
	jw_obj_begin(w);
	jw_key(w, "profile");
	jw_str(w, o->profile ? o->profile->path : NULL);
	jw_key(w, "signatures");
	jw_str(w, o->signatures_dir);
	jw_key(w, "marks");
	jw_arr_begin(w);
	for (size_t i = 0; i < o->nmarks; i++)
		jw_str(w, o->marks[i]);
	jw_arr_end(w);
	jw_key(w, "keylogs");
	jw_arr_begin(w);
	for (size_t i = 0; i < o->nkeylog_paths; i++)
		jw_str(w, o->keylog_paths[i]);
	jw_arr_end(w);
	jw_key(w, "devices");
	jw_arr_begin(w);
	const char *const *specs;
	for (size_t i = 0, n = policy_device_specs(p, &specs); i < n; i++)
		jw_str(w, specs[i]);
	jw_arr_end(w);
	jw_key(w, "filter");
	jw_str(w, o->filter);
	jw_key(w, "count");
	if (o->max_frames)
		jw_uint(w, o->max_frames);
	else
		jw_null(w);
	jw_key(w, "reveal_values");
	jw_bool(w, o->reveal_values);
	jw_key(w, "all_fields");
	jw_bool(w, o->all_fields);
	jw_key(w, "all_flows");
	jw_bool(w, o->all_flows);
	jw_key(w, "flows_only");
	jw_bool(w, o->flows_only);
	jw_key(w, "max_body");
	jw_uint(w, o->max_body);
	jw_key(w, "max_flows");
	jw_uint(w, o->flows.max_flows);
	jw_key(w, "max_memory");
	jw_uint(w, o->flows.max_memory);
	jw_key(w, "tcp_timeout");
	jw_uint(w, o->flows.tcp_idle_ns / 1000000000ULL);
	jw_key(w, "udp_timeout");
	jw_uint(w, o->flows.udp_idle_ns / 1000000000ULL);
	jw_obj_end(w);
}

static void write_event(struct jsonw *w, const struct consent_event *e)
{
	char ts[32];
	jw_obj_begin(w);
	jw_key(w, "kind");
	jw_str(w, consent_kind_name(e->kind));
	jw_key(w, "ts");
	if (e->resolved) {
		report_format_ts(e->ts_ns, ts);
		jw_str(w, ts);
	} else {
		jw_null(w);
	}
	jw_key(w, "input");
	if (e->input >= 0)
		jw_int(w, e->input);
	else
		jw_null(w);
	jw_key(w, "frame");
	if (e->frame)
		jw_uint(w, e->frame);
	else
		jw_null(w);
	jw_key(w, "source");
	jw_str(w, e->source);
	jw_obj_end(w);
}

static void write_events(struct jsonw *w, struct audit *a)
{
	const struct consent_event *ev;
	size_t n = policy_events(a->policy, &ev);
	jw_obj_begin(w);
	jw_key(w, "events");
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		write_event(w, &ev[i]);
	jw_arr_end(w);
	const struct mandatory_window *win;
	size_t nw = policy_windows(a->policy, &win);
	jw_key(w, "mandatory_windows");
	jw_arr_begin(w);
	for (size_t i = 0; i < nw; i++) {
		jw_obj_begin(w);
		jw_key(w, "start");
		if (win[i].start)
			write_event(w, win[i].start);
		else
			jw_null(w);
		jw_key(w, "end");
		if (win[i].end)
			write_event(w, win[i].end);
		else
			jw_null(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void write_device(struct jsonw *w, struct audit *a)
{
	const struct device_choice *d;
	size_t n = policy_devices(a->policy, &d);
	const char *const *specs;
	size_t ns = policy_device_specs(a->policy, &specs);
	jw_obj_begin(w);
	jw_key(w, "given");
	jw_arr_begin(w);
	for (size_t i = 0; i < ns; i++)
		jw_str(w, specs[i]);
	jw_arr_end(w);
	jw_key(w, "inputs");
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		char ip[64], why[256];
		jw_obj_begin(w);
		jw_key(w, "input");
		jw_int(w, d[i].input);
		jw_key(w, "how");
		jw_str(w, d[i].given ? "given" : "picked");
		jw_key(w, "addresses");
		jw_arr_begin(w);
		for (size_t k = 0; k < d[i].naddrs; k++)
			jw_str(w, ip_addr_str(&d[i].addrs[k], ip, sizeof(ip)));
		jw_arr_end(w);
		jw_key(w, "mac");
		if (d[i].has_mac) {
			snprintf(ip, sizeof(ip), "%02x:%02x:%02x:%02x:%02x:%02x", d[i].mac[0], d[i].mac[1], d[i].mac[2],
				 d[i].mac[3], d[i].mac[4], d[i].mac[5]);
			jw_str(w, ip);
		} else {
			jw_null(w);
		}
		jw_key(w, "flows");
		jw_uint(w, d[i].flows);
		jw_key(w, "dns_queries");
		jw_uint(w, d[i].dns_queries);
		jw_key(w, "reason");
		if (d[i].given)
			snprintf(why, sizeof(why), "named with --device; its addresses originated %llu of the input's %llu flows "
				 "and %llu DNS queries",
				 (unsigned long long)d[i].flows, (unsigned long long)d[i].input_flows,
				 (unsigned long long)d[i].dns_queries);
		else if (d[i].every_local && d[i].naddrs > 1)
			snprintf(why, sizeof(why), "every local client address, as the input has no Ethernet addresses to tell "
				 "devices apart (a capture on the device itself): %llu of the input's %llu flows, %llu DNS "
				 "queries",
				 (unsigned long long)d[i].flows, (unsigned long long)d[i].input_flows,
				 (unsigned long long)d[i].dns_queries);
		else if (d[i].naddrs)
			snprintf(why, sizeof(why), "the local address that originated the most flows and DNS queries: %llu of "
				 "the input's %llu flows, %llu DNS queries%s",
				 (unsigned long long)d[i].flows, (unsigned long long)d[i].input_flows,
				 (unsigned long long)d[i].dns_queries,
				 d[i].has_mac ? "; with every address behind the same Ethernet address" : "");
		else
			snprintf(why, sizeof(why), "no flow of this input has a client address");
		jw_str(w, why);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void write_recipients(struct jsonw *w, struct audit *a)
{
	const struct recipient *r;
	size_t n = policy_recipients(a->policy, &r);
	for (size_t i = 0; i < n; i++) {
		const struct profile_party *disc;
		enum relation rel = policy_relation(a->policy, r[i].host, &disc);
		const struct organization *o = a->opt.sigs ? signatures_organization(a->opt.sigs, r[i].host) : NULL;
		jw_newline(w, "    ");
		jw_obj_begin(w);
		jw_key(w, "host");
		jw_str(w, r[i].host);
		jw_key(w, "organization");
		jw_str(w, policy_organization(a->policy, r[i].host));
		jw_key(w, "parent");
		jw_str(w, o ? o->parent : NULL);
		jw_key(w, "relation");
		jw_str(w, relation_name(rel));
		jw_key(w, "disclosed");
		jw_bool(w, disc != NULL);
		jw_key(w, "transmissions");
		jw_uint(w, r[i].transmissions);
		jw_key(w, "categories");
		jw_arr_begin(w);
		for (size_t c = 0; c < 64; c++)
			if (r[i].cats & (1ULL << c))
				jw_str(w, signatures_category_at(a->opt.sigs, c)->id);
		jw_arr_end(w);
		jw_obj_end(w);
	}
}

/* The categories the report names, with their names and legal reference. */
static void write_categories(struct jsonw *w, struct audit *a)
{
	uint64_t used = 0;
	const struct finding *fd;
	size_t n = policy_findings(a->policy, &fd);
	for (size_t i = 0; i < n; i++)
		used |= fd[i].cats;
	const struct recipient *r;
	n = policy_recipients(a->policy, &r);
	for (size_t i = 0; i < n; i++)
		used |= r[i].cats;
	for (size_t c = 0; c < 64 && a->opt.sigs; c++) {
		const struct category *cat = signatures_category_at(a->opt.sigs, c);
		if (!cat || !(used & (1ULL << c)))
			continue;
		jw_newline(w, "    ");
		jw_obj_begin(w);
		jw_key(w, "id");
		jw_str(w, cat->id);
		jw_key(w, "en");
		jw_str(w, cat->en);
		jw_key(w, "zh");
		jw_str(w, cat->zh);
		jw_key(w, "sensitive");
		jw_bool(w, cat->sensitive);
		jw_key(w, "credential");
		jw_bool(w, cat->credential);
		jw_key(w, "reference");
		jw_str(w, cat->reference);
		jw_obj_end(w);
	}
}

static void write_findings(struct jsonw *w, struct audit *a)
{
	const struct finding *fd;
	size_t n = policy_findings(a->policy, &fd);
	const size_t *ids = tx_spool_sort(a->tx);
	for (size_t i = 0; i < n; i++) {
		const struct finding *f = &fd[i];
		jw_newline(w, "    ");
		jw_obj_begin(w);
		jw_key(w, "id");
		jw_uint(w, i + 1);
		jw_key(w, "type");
		jw_str(w, finding_type_name(f->type));
		jw_key(w, "severity");
		jw_str(w, finding_severity(f->type));
		jw_key(w, "transmission");
		if (f->tx_seq >= 0 && ids)
			jw_uint(w, ids[f->tx_seq]);
		else
			jw_null(w);
		jw_key(w, "flow");
		if (f->flow_id)
			jw_uint(w, f->flow_id);
		else
			jw_null(w); /* a bundled_consent at a capture mark */
		jw_key(w, "input");
		jw_int(w, f->input);
		jw_key(w, "frame");
		jw_uint(w, f->frame);
		jw_key(w, "ts");
		char ts[32];
		report_format_ts(f->ts_ns, ts);
		jw_str(w, ts);
		jw_key(w, "host");
		jw_str(w, f->host);
		jw_key(w, "organization");
		jw_str(w, policy_organization(a->policy, f->host));
		jw_key(w, "relation");
		const struct profile_party *disc;
		jw_str(w, f->host ? relation_name(policy_relation(a->policy, f->host, &disc)) : NULL);
		jw_key(w, "categories");
		jw_arr_begin(w);
		for (size_t c = 0; c < 64 && a->opt.sigs; c++)
			if (f->cats & (1ULL << c))
				jw_str(w, signatures_category_at(a->opt.sigs, c)->id);
		jw_arr_end(w);
		jw_key(w, "transmissions");
		jw_arr_begin(w);
		for (size_t k = 0; k < f->nalso; k++)
			if (f->also_tx[k] >= 0 && ids)
				jw_uint(w, ids[f->also_tx[k]]);
		jw_arr_end(w);
		jw_key(w, "frames");
		jw_arr_begin(w);
		if (!f->nalso)
			jw_uint(w, f->frame);
		for (size_t k = 0; k < f->nalso; k++)
			jw_uint(w, f->also_frames[k]);
		jw_arr_end(w);
		jw_key(w, "reason");
		jw_str(w, f->reason);
		jw_key(w, "reason_zh");
		jw_str(w, f->reason_zh);
		jw_key(w, "legal_basis");
		jw_arr_begin(w);
		for (const struct legal_ref *const *l = f->law; l && *l; l++) {
			jw_obj_begin(w);
			jw_key(w, "law");
			jw_str(w, (*l)->law);
			jw_key(w, "ref");
			jw_str(w, (*l)->ref);
			jw_key(w, "en");
			jw_str(w, (*l)->en);
			jw_key(w, "zh");
			jw_str(w, (*l)->zh);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_key(w, "wireshark_filter");
		jw_str(w, f->filter);
		jw_key(w, "wireshark_filter_carved");
		char *carved = carve_filter(a, f);
		jw_str(w, carved);
		free(carved);
		jw_obj_end(w);
	}
}

int report_write_json(FILE *out, struct audit *a)
{
	struct jsonw *w = malloc(sizeof(*w));
	if (!w)
		return -1;
	jw_init(w, out);
	jw_raw(w, "{\n  \"tool\": ");
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, "privaudit");
	jw_key(w, "version");
	jw_str(w, PACKAGE_VERSION);
	jw_key(w, "signatures_sha256");
	jw_str(w, a->opt.sigs ? signatures_sha256(a->opt.sigs) : NULL);
	jw_key(w, "options");
	write_options(w, &a->opt, a->policy);
	write_provenance(w, a);
	jw_obj_end(w);
	jw_raw(w, ",\n  \"case\": ");
	w->need_comma = false;
	write_case(w, &a->opt);

	jw_raw(w, ",\n  \"inputs\": [");
	w->need_comma = false;
	for (size_t i = 0; i < a->ninputs; i++) {
		jw_newline(w, "    ");
		write_input(w, &a->inputs[i]);
	}
	jw_raw(w, a->ninputs ? "\n  ],\n  \"summary\": " : "],\n  \"summary\": ");
	w->need_comma = false;
	write_summary(w, a);
	jw_raw(w, ",\n  \"profile\": ");
	w->need_comma = false;
	write_profile(w, a->opt.profile);
	jw_raw(w, ",\n  \"device\": ");
	w->need_comma = false;
	write_device(w, a);
	jw_raw(w, ",\n  \"consent\": ");
	w->need_comma = false;
	write_events(w, a);
	jw_raw(w, ",\n  \"flows\": [");
	w->need_comma = false;
	struct flow_groups groups = { 0 };
	uint8_t *cited = finding_flows(a);
	bool any = false;
	struct flow_iter it;
	flow_iter_init(&it, a->records);
	for (const struct flow_record *r; (r = flow_iter_next(&it));) {
		if (!a->opt.all_flows && !audit_flow_personal(a, r->id) && !bit(cited, r->id)) {
			group_flow(&groups, r); /* nothing personal, no finding: counted with its like */
			continue;
		}
		jw_newline(w, "    ");
		write_flow(w, r);
		any = true;
	}
	flow_iter_end(&it);
	free(cited);
	jw_raw(w, any ? "\n  ],\n  \"flow_summary\": [" : "],\n  \"flow_summary\": [");
	w->need_comma = false;
	write_groups(w, &groups);
	jw_raw(w, groups.n ? "\n  ],\n" : "],\n");
	free(groups.v);
	free(groups.slot);
	jw_raw(w, "  \"recipients\": [");
	w->need_comma = false;
	size_t before = (size_t)w->written + w->len;
	write_recipients(w, a);
	jw_raw(w, (size_t)w->written + w->len > before ? "\n  ],\n" : "],\n");
	jw_raw(w, "  \"transmissions\": [");
	w->need_comma = false;
	int rc = report_json_transmissions(w, a);
	jw_raw(w, "],\n  \"findings\": [");
	w->need_comma = false;
	const struct finding *fd;
	size_t nfind = policy_findings(a->policy, &fd);
	write_findings(w, a);
	jw_raw(w, nfind ? "\n  ],\n  \"categories\": [" : "],\n  \"categories\": [");
	w->need_comma = false;
	before = (size_t)w->written + w->len;
	write_categories(w, a);
	jw_raw(w, (size_t)w->written + w->len > before ? "\n  ],\n  \"coverage\": " : "],\n  \"coverage\": ");
	w->need_comma = false;
	write_coverage(w, a);
	jw_raw(w, "\n}\n");
	rc |= jw_flush(w);
	free(w);
	return rc ? -1 : 0;
}
