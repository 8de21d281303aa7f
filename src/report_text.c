/* \summary: the short text summary shown on a terminal. */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "flowstore.h"
#include "policy.h"
#include "report.h"
#include "report_lang.h"
#include "signatures.h"
#include "tls.h"

struct host_count {
	const char *host;
	uint64_t flows;
};

static int by_flows(const void *x, const void *y)
{
	const struct host_count *a = x, *b = y;
	if (a->flows != b->flows)
		return a->flows > b->flows ? -1 : 1;
	return strcmp(a->host, b->host);
}

#define TOP_HOSTS 15

bool report_zh(const struct audit *a) { return a->opt.lang && strcmp(a->opt.lang, "zh") == 0; }

/* Findings grouped by type, then recipient: one line per (type, host). */
void report_findings_table(FILE *out, struct audit *a)
{
	bool zh = report_zh(a);
	const struct finding *fd;
	size_t n = policy_findings(a->policy, &fd);
	fprintf(out, "%s: %zu\n", word(W_FINDINGS, zh), n);
	for (int type = 0; type < FIND_TYPE_COUNT; type++) {
		size_t count = 0;
		for (size_t i = 0; i < n; i++)
			count += fd[i].type == (enum finding_type)type;
		if (!count)
			continue;
		fprintf(out, "  %s (%s, %zu)\n", type_label(type, zh), severity_label(type, zh), count);
		/* hosts in order of their first finding of this type */
		for (size_t i = 0; i < n; i++) {
			if (fd[i].type != (enum finding_type)type)
				continue;
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = fd[j].type == fd[i].type && fd[j].host == fd[i].host;
			if (seen)
				continue;
			uint64_t cats = 0;
			char frames[256] = "";
			size_t fl = 0, nf = 0;
			for (size_t j = i; j < n; j++) {
				if (fd[j].type != fd[i].type || fd[j].host != fd[i].host)
					continue;
				cats |= fd[j].cats;
				/* a finding over several requests lists each of their frames */
				size_t k = 0, nk = fd[j].nalso ? fd[j].nalso : 1;
				for (; k < nk; k++) {
					uint64_t fr = fd[j].nalso ? fd[j].also_frames[k] : fd[j].frame;
					if (fl + 24 < sizeof(frames))
						fl += (size_t)snprintf(frames + fl, sizeof(frames) - fl, "%s%llu", nf ? "," : "",
								       (unsigned long long)fr);
					nf++;
				}
			}
			char names[1024] = "";
			if (a->opt.sigs)
				policy_categories(a->policy, cats, names, sizeof(names), zh);
			fprintf(out, "    %-28s %s%s %-14s %s\n", fd[i].host ? fd[i].host : "?", word(W_FRAME, zh),
				zh ? "" : nf > 1 ? "s" : " ", frames, names);
		}
	}
}

const char *report_tls_summary(const struct audit *a, char *buf, size_t len)
{
	const struct audit_counters *c = &a->cnt;
	buf[0] = 0;
	if (!c->tls_flows && !c->quic_flows)
		return buf;
	uint64_t no_key = 0;
	struct flow_iter it;
	flow_iter_init(&it, a->records);
	for (const struct flow_record *r; (r = flow_iter_next(&it));)
		no_key += r->is_tls && r->tls.decryption == TLS_NO_KEY;
	flow_iter_end(&it);
	snprintf(buf, len,
		 report_zh(a) ? "TLS：%llu 个流，已解密 %llu 个，无密钥 %llu 个，解密失败 %llu 个，无法解码（未捕获握手）%llu 个；"
				"QUIC：%llu 个流（未解密）"
			      : "TLS: %llu flows, %llu decrypted, %llu without a key, %llu failed, %llu not decodable (no "
				"handshake captured); QUIC: %llu flows (not decrypted)",
		 (unsigned long long)c->tls_flows, (unsigned long long)c->tls_decrypted, (unsigned long long)no_key,
		 (unsigned long long)c->tls_failed,
		 (unsigned long long)(c->tls_flows - c->tls_decrypted - c->tls_failed - no_key),
		 (unsigned long long)c->quic_flows);
	return buf;
}

/* Host names are interned (one pointer per name): flows are counted per
 * pointer in an open-addressing table that grows with the distinct hosts,
 * not with the flows.  Returns the table (entries with host NULL unused)
 * and its size, or NULL on OOM. */
static struct host_count *count_hosts(struct audit *a, size_t *cap_out, uint64_t *flows)
{
	size_t cap = 256, used = 0;
	struct host_count *t = calloc(cap, sizeof(*t));
	struct flow_iter it;
	flow_iter_init(&it, a->records);
	for (const struct flow_record *r; t && (r = flow_iter_next(&it));) {
		++*flows;
		if (!r->host)
			continue;
		if ((used + 1) * 2 > cap) {
			struct host_count *n = calloc(cap * 2, sizeof(*n));
			if (!n) {
				free(t);
				t = NULL;
				break;
			}
			for (size_t k = 0; k < cap; k++) {
				if (!t[k].host)
					continue;
				size_t h = ((uintptr_t)t[k].host >> 4) & (cap * 2 - 1);
				while (n[h].host)
					h = (h + 1) & (cap * 2 - 1);
				n[h] = t[k];
			}
			free(t);
			t = n;
			cap *= 2;
		}
		size_t h = ((uintptr_t)r->host >> 4) & (cap - 1);
		while (t[h].host && t[h].host != r->host)
			h = (h + 1) & (cap - 1);
		if (!t[h].host) {
			t[h].host = r->host;
			used++;
		}
		t[h].flows++;
	}
	flow_iter_end(&it);
	*cap_out = cap;
	return t;
}

static void device_lines(FILE *out, struct audit *a, bool zh)
{
	const struct device_choice *d;
	size_t n = policy_devices(a->policy, &d);
	for (size_t i = 0; i < n; i++) {
		char addrs[512] = "", ip[64];
		size_t k = 0;
		for (size_t j = 0; j < d[i].naddrs; j++)
			k += (size_t)snprintf(addrs + k, sizeof(addrs) - k, "%s%s", j ? ", " : "",
					      ip_addr_str(&d[i].addrs[j], ip, sizeof(ip)));
		fprintf(out, "%s%s%s: %s (%s)\n", word(W_DEVICE, zh), n > 1 ? " " : "", n > 1 ? a->inputs[d[i].input].name : "",
			d[i].naddrs ? addrs : word(W_DEVICE_NONE, zh), d[i].given ? word(W_DEVICE_GIVEN, zh) : word(W_DEVICE_PICKED, zh));
	}
	const struct scope_counts *sc = policy_scope(a->policy);
	uint64_t out_of = sc->flows_other_hosts + sc->flows_broadcast + sc->flows_link_local + sc->flows_no_client;
	if (out_of)
		fprintf(out, "%s: %llu\n", word(W_NOT_JUDGED, zh), (unsigned long long)out_of);
}

static void event_lines(FILE *out, struct audit *a, bool zh)
{
	const struct consent_event *ev;
	size_t nev = policy_events(a->policy, &ev);
	for (size_t i = 0; i < nev; i++) {
		char ts[32] = "?";
		if (ev[i].resolved)
			report_format_ts(ev[i].ts_ns, ts);
		fprintf(out, "%s %s %s", mark_label(ev[i].kind, zh), word(W_AT, zh), ts);
		if (ev[i].frame)
			fprintf(out, ", %s %llu", word(W_FRAME, zh), (unsigned long long)ev[i].frame);
		fprintf(out, " (%s)\n", ev[i].source);
	}
}

int report_write_text(FILE *out, struct audit *a)
{
	bool zh = report_zh(a);
	uint64_t frames = 0, flows = 0;
	size_t failed = 0;
	for (size_t i = 0; i < a->ninputs; i++) {
		frames += a->inputs[i].frames;
		failed += a->inputs[i].error != NULL;
	}
	size_t cap = 0, nhosts = 0;
	struct host_count *hosts = count_hosts(a, &cap, &flows);
	for (size_t i = 0; hosts && i < cap; i++) /* the used entries to the front */
		if (hosts[i].host)
			hosts[nhosts++] = hosts[i];
	fprintf(out, "privaudit %s: %zu %s, %llu %s, %llu %s\n", PACKAGE_VERSION, a->ninputs,
		zh ? word(W_INPUTS, zh) : a->ninputs == 1 ? "input" : "inputs",
		(unsigned long long)frames, word(W_FRAMES, zh), (unsigned long long)flows, word(W_FLOWS, zh));
	for (size_t i = 0; i < a->ninputs; i++) {
		const struct input_record *in = &a->inputs[i];
		fprintf(out, "  %s: %s, %llu %s%s%s\n", in->path, in->format ? in->format : "?",
			(unsigned long long)in->frames, word(W_FRAMES, zh), in->error ? ", FAILED: " : "",
			in->error ? in->error : "");
	}
	device_lines(out, a, zh);
	if (nhosts) {
		qsort(hosts, nhosts, sizeof(*hosts), by_flows);
		fprintf(out, "%s (%zu):\n", word(W_HOSTS_CONTACTED, zh), nhosts);
		for (size_t i = 0; i < nhosts && i < TOP_HOSTS; i++)
			fprintf(out, "  %6llu  %s\n", (unsigned long long)hosts[i].flows, hosts[i].host);
		if (nhosts > TOP_HOSTS) {
			fprintf(out, zh ? "  ……另有 %zu 个\n" : "  ... and %zu more\n", nhosts - TOP_HOSTS);
		}
	}
	free(hosts);
	char tls[512];
	if (report_tls_summary(a, tls, sizeof(tls))[0])
		fprintf(out, "%s\n", tls);
	event_lines(out, a, zh);
	report_findings_table(out, a);
	if (failed)
		fprintf(out, "%zu %s\n", failed, word(W_FAILED_INPUTS, zh));
	return ferror(out) ? -1 : 0;
}
