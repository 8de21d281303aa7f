/* \summary: the JSON report's transmissions and what their extraction
 * decoded (coverage.http.bodies and .values): the spooled records
 * (transmission.c) formatted, each with the policy's verdict on it. */
#include <string.h>

#include "audit.h"
#include "jsonw.h"
#include "policy.h"
#include "report.h"
#include "report_internal.h"
#include "transmission.h"
#include "validators.h"

static void write_truncation(struct jsonw *w, unsigned t)
{
	static const char *const names[] = { "body_cap", "body_gap", "decompress_cap",
					     "decode_error", "field_cap", "header_cap" };
	jw_key(w, "truncated");
	if (!t) {
		jw_null(w);
		return;
	}
	jw_arr_begin(w);
	for (unsigned i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (t & (1u << i))
			jw_str(w, names[i]);
	jw_arr_end(w);
}

static void write_field(struct jsonw *w, const struct tx_field_view *f)
{
	const struct classification *c = &f->c;
	bool hit = c->category != NULL;
	jw_obj_begin(w);
	jw_key(w, "path");
	jw_strn(w, f->path, f->path_len);
	jw_key(w, "key");
	jw_strn(w, f->key, f->key_len);
	jw_key(w, "category");
	jw_str(w, hit ? c->category->id : NULL);
	jw_key(w, "sensitive");
	jw_bool(w, hit && c->category->sensitive);
	jw_key(w, "rule");
	jw_str(w, hit ? c->rule : NULL);
	jw_key(w, "confidence");
	if (hit) {
		char conf[16];
		snprintf(conf, sizeof(conf), "%.2f", c->confidence);
		jw_num(w, conf);
	} else {
		jw_null(w);
	}
	jw_key(w, "credential");
	jw_bool(w, hit && c->category->credential);
	jw_key(w, "issued");
	jw_bool(w, hit && c->issued);
	jw_key(w, "hashed");
	jw_str(w, hit ? hash_kind_name(c->hashed) : NULL);
	jw_key(w, "canary_form");
	jw_str(w, hit ? c->canary_form : NULL);
	jw_key(w, "value");
	jw_strn(w, f->shown, f->shown_len);
	jw_key(w, "value_length");
	jw_uint(w, f->value_len);
	jw_key(w, "value_sha256");
	jw_str(w, f->sha256);
	jw_obj_end(w);
}

static void write_where(struct jsonw *w, const struct tx_record *r)
{
	char ts[32];
	jw_key(w, "ts");
	report_format_ts(r->ts_ns, ts);
	jw_str(w, ts);
	jw_key(w, "input");
	jw_int(w, r->input);
	jw_key(w, "frame");
	jw_uint(w, r->frame);
}

static void write_path(struct jsonw *w, const struct tx_record *r)
{
	jw_key(w, "path");
	const char *q = memchr(r->uri, '?', r->uri_len);
	jw_strn(w, r->uri, q ? (size_t)(q - r->uri) : r->uri_len);
}

static void write_host(struct jsonw *w, const struct tx_record *r)
{
	jw_key(w, "host");
	if (r->host)
		jw_strn(w, r->host, r->host_len);
	else
		jw_null(w);
}

/* A transmission without personal data, when fields are not all listed:
 * where and what it was, and how many fields it carried. */
static void write_compact(struct jsonw *w, const struct tx_record *r)
{
	write_where(w, r);
	write_host(w, r);
	jw_key(w, "method");
	jw_strn(w, r->method, r->method_len);
	write_path(w, r);
	jw_key(w, "fields_other");
	jw_uint(w, r->fields_other);
}

static void write_flow(struct jsonw *w, const struct tx_record *r)
{
	char buf[64];
	jw_key(w, "flow");
	jw_obj_begin(w);
	jw_key(w, "id");
	jw_uint(w, r->flow_id);
	jw_key(w, "src");
	jw_str(w, ip_endpoint_str(&r->client, r->client_port, buf, sizeof(buf)));
	jw_key(w, "dst");
	jw_str(w, ip_endpoint_str(&r->server, r->server_port, buf, sizeof(buf)));
	jw_key(w, "transport");
	jw_str(w, "tcp");
	jw_obj_end(w);
}

static void write_full(struct jsonw *w, const struct tx_record *r)
{
	write_where(w, r);
	jw_key(w, "frames");
	jw_arr_begin(w);
	for (size_t i = 0; i < r->nframes; i++)
		jw_uint(w, r->frames[i]);
	jw_arr_end(w);
	write_flow(w, r);
	jw_key(w, "protocol");
	jw_str(w, r->protocol);
	jw_key(w, "tls");
	jw_bool(w, r->tls);
	write_host(w, r);
	jw_key(w, "method");
	jw_strn(w, r->method, r->method_len);
	jw_key(w, "uri");
	jw_strn(w, r->uri, r->uri_len);
	write_path(w, r);
	jw_key(w, "status");
	if (r->status)
		jw_int(w, r->status);
	else
		jw_null(w);
	jw_key(w, "body");
	jw_str(w, r->body_kind);
	write_truncation(w, r->truncated);
	jw_key(w, "fields");
	jw_arr_begin(w);
	for (size_t i = 0; i < r->nfields; i++)
		write_field(w, &r->fields[i]);
	jw_arr_end(w);
	jw_key(w, "fields_other");
	jw_uint(w, r->fields_other);
}

struct tx_writer {
	struct jsonw *w;
	const struct policy *policy;
};

static int write_record(void *ctx, const struct tx_record *r)
{
	struct tx_writer *tw = ctx;
	struct jsonw *w = tw->w;
	jw_newline(w, "    ");
	jw_obj_begin(w);
	jw_key(w, "id");
	jw_uint(w, r->id);
	jw_key(w, "phase");
	jw_str(w, phase_name(policy_phase_of(tw->policy, r->seq)));
	jw_key(w, "judged");
	jw_bool(w, policy_judged(tw->policy, r->seq));
	jw_key(w, "personal");
	jw_bool(w, r->personal);
	if (r->full)
		write_full(w, r);
	else
		write_compact(w, r);
	jw_obj_end(w);
	return w->error ? -1 : 0;
}

int report_json_transmissions(struct jsonw *w, struct audit *a)
{
	struct tx_writer tw = { w, a->policy };
	if (!tx_spool_count(a->tx))
		return 0;
	int rc = tx_spool_each(a->tx, write_record, &tw);
	jw_raw(w, "\n  ");
	return rc;
}

static void write_opaque(struct jsonw *w, const uint64_t *counts)
{
	jw_obj_begin(w);
	for (int o = EXTRACT_OPAQUE_NONE + 1; o < EXTRACT_OPAQUE_COUNT; o++) {
		jw_key(w, extract_opaque_name(o));
		jw_uint(w, counts[o]);
	}
	jw_obj_end(w);
}

void report_json_extract_coverage(struct jsonw *w, const struct extract_coverage *c)
{
	jw_key(w, "bodies");
	jw_obj_begin(w);
	jw_key(w, "total");
	jw_uint(w, c->bodies);
	jw_key(w, "decoded");
	jw_uint(w, c->decoded);
	jw_key(w, "with_gap");
	jw_uint(w, c->with_gap);
	jw_key(w, "undecoded");
	write_opaque(w, c->undecoded);
	jw_obj_end(w);
	jw_key(w, "values");
	jw_obj_begin(w);
	jw_key(w, "decoded");
	jw_uint(w, c->values_decoded);
	jw_key(w, "base64_undecoded");
	write_opaque(w, c->values_base64_opaque);
	jw_obj_end(w);
}
