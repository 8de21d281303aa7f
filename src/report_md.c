/* \summary: the Markdown report: a document a person can file with a
 * regulator (summary, inputs with hashes, consent timeline, recipients, and
 * every finding with its evidence and how to see it in Wireshark). */
#include <string.h>

#include "audit.h"
#include "config.h"
#include "policy.h"
#include "profile.h"
#include "report.h"
#include "report_lang.h"
#include "signatures.h"
#include "transmission.h"

/* A word at the start of a heading or a list item: capitalised in English. */
static void head(FILE *out, const char *w, bool zh)
{
	if (!zh && w[0] >= 'a' && w[0] <= 'z') {
		fputc(w[0] - 32, out);
		w++;
	}
	fputs(w, out);
}

/* Markdown table cells: pipes and newlines would break the table. */
static void cell(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

static void law_cell(FILE *out, const struct finding *f, bool zh)
{
	for (const struct legal_ref *const *l = f->law; l && *l; l++)
		fprintf(out, zh ? "%s%s%s" : "%s%s %s", l == f->law ? "" : zh ? "；" : "; ", zh ? (*l)->law_zh : (*l)->law,
			zh ? (*l)->ref_zh : (*l)->ref);
}

static void frames_cell(FILE *out, const struct finding *f)
{
	if (!f->nalso) {
		fprintf(out, "%llu", (unsigned long long)f->frame);
		return;
	}
	for (size_t k = 0; k < f->nalso; k++)
		fprintf(out, "%s%llu", k ? ", " : "", (unsigned long long)f->also_frames[k]);
}

/* The findings as one table per type, in the order of the types. */
static void findings_tables(FILE *out, struct audit *a, const struct finding *fd, size_t nf, bool zh)
{
	for (int type = 0; type < FIND_TYPE_COUNT; type++) {
		size_t count = 0;
		for (size_t i = 0; i < nf; i++)
			count += fd[i].type == (enum finding_type)type;
		if (!count)
			continue;
		fprintf(out, "### %s (%s, %zu)\n\n", type_label(type, zh), severity_label(type, zh), count);
		static const enum report_word cols[] = { W_TIME, W_HOST, W_ORGANIZATION, W_CATEGORIES, W_FRAMES, W_LEGAL_BASIS };
		fputs("| #", out);
		for (size_t c = 0; c < sizeof(cols) / sizeof(*cols); c++) {
			fputs(" | ", out);
			head(out, word(cols[c], zh), zh);
		}
		fputs(" |\n|---|---|---|---|---|---|---|\n", out);
		for (size_t i = 0; i < nf; i++) {
			const struct finding *f = &fd[i];
			if (f->type != (enum finding_type)type)
				continue;
			char ts[32], cats[1024] = "";
			report_format_ts(f->ts_ns, ts);
			if (a->opt.sigs)
				policy_categories(a->policy, f->cats, cats, sizeof(cats), zh);
			const char *org = policy_organization(a->policy, f->host);
			fprintf(out, "| %zu | %s | ", i + 1, ts);
			cell(out, f->host ? f->host : word(W_UNKNOWN, zh));
			fputs(" | ", out);
			cell(out, org ? org : "");
			fputs(" | ", out);
			cell(out, cats[0] ? cats : "-");
			fputs(" | ", out);
			frames_cell(out, f);
			fputs(" | ", out);
			law_cell(out, f, zh);
			fputs(" |\n", out);
		}
		fputc('\n', out);
	}
}

static void summary(FILE *out, struct audit *a, size_t nf, bool zh)
{
	const struct profile *pr = a->opt.profile;
	fprintf(out, "## %s\n\n", word(W_SUMMARY, zh));
	if (pr)
		fprintf(out, "- %s: %s (%s), %s %s; profile `%s` (SHA-256 `%s`)\n", word(W_APP, zh), pr->app_name,
			pr->app_id ? pr->app_id : "-", zh ? relation_label(REL_FIRST_PARTY, zh) : "first party",
			pr->first_party.organization, pr->path, pr->sha256);
	else
		fprintf(out, "- %s\n", word(W_NO_PROFILE, zh));
	fprintf(out, "- %s: SHA-256 `%s`\n", word(W_SIGNATURES, zh), a->opt.sigs ? signatures_sha256(a->opt.sigs) : "none");
	const struct device_choice *d;
	size_t ndev = policy_devices(a->policy, &d);
	for (size_t i = 0; i < ndev; i++) {
		char ip[64];
		fputs("- ", out);
		head(out, word(W_DEVICE, zh), zh);
		fprintf(out, " (%s %d): ", word(W_INPUT, zh), d[i].input);
		for (size_t j = 0; j < d[i].naddrs; j++)
			fprintf(out, "%s`%s`", j ? ", " : "", ip_addr_str(&d[i].addrs[j], ip, sizeof(ip)));
		fprintf(out, "%s (%s)\n", d[i].naddrs ? "" : word(W_DEVICE_NONE, zh),
			d[i].given ? word(W_DEVICE_GIVEN, zh) : word(W_DEVICE_PICKED, zh));
	}
	char tls[512];
	if (report_tls_summary(a, tls, sizeof(tls))[0])
		fprintf(out, "- %s. %s\n", tls, word(W_NOT_DECRYPTED, zh));
	fputs("- ", out);
	head(out, word(W_FINDINGS, zh), zh);
	fprintf(out, ": %zu\n\n", nf);
	static const enum report_word cols[] = { W_INPUT, W_FORMAT, W_FRAMES, W_FIRST_PACKET };
	for (size_t c = 0; c < sizeof(cols) / sizeof(*cols); c++) {
		fputs("| ", out);
		head(out, word(cols[c], zh), zh);
		fputc(' ', out);
	}
	fputs("| SHA-256 | ", out);
	head(out, word(W_ERROR, zh), zh);
	fputs(" |\n|---|---|---|---|---|---|\n", out);
	for (size_t i = 0; i < a->ninputs; i++) {
		const struct input_record *in = &a->inputs[i];
		char ts[32] = "";
		if (in->frames)
			report_format_ts(in->first_ts_ns, ts);
		fputs("| ", out);
		cell(out, in->path);
		fprintf(out, " | %s | %llu | %s | `%s` | ", in->format ? in->format : "?", (unsigned long long)in->frames, ts,
			in->sha256);
		cell(out, in->error ? in->error : "");
		fputs(" |\n", out);
	}
}

static void timeline(FILE *out, struct audit *a, bool zh)
{
	fprintf(out, "\n## %s\n\n", word(W_TIMELINE, zh));
	const struct consent_event *ev;
	size_t nev = policy_events(a->policy, &ev);
	if (!nev)
		fprintf(out, "%s\n", word(W_NO_EVENTS, zh));
	for (size_t i = 0; i < nev; i++) {
		char ts[32];
		snprintf(ts, sizeof(ts), "%s", word(W_UNKNOWN, zh));
		if (ev[i].resolved)
			report_format_ts(ev[i].ts_ns, ts);
		const char *label = mark_label(ev[i].kind, zh);
		/* a capital in English: the mark opens the line */
		fprintf(out, "- **%c%s** %s %s", zh ? label[0] : label[0] - 32, label + 1, word(W_AT, zh), ts);
		if (ev[i].frame)
			fprintf(out, " (%s %d, %s %llu)", word(W_INPUT, zh), ev[i].input, word(W_FRAME, zh),
				(unsigned long long)ev[i].frame);
		fprintf(out, ", %s\n", ev[i].source);
	}
}

static void details(FILE *out, struct audit *a, const struct finding *fd, size_t nf, bool zh)
{
	fprintf(out, "## %s\n\n", word(W_FINDING_DETAILS, zh));
	const size_t *ids = tx_spool_sort(a->tx);
	for (size_t i = 0; i < nf; i++) {
		const struct finding *f = &fd[i];
		char cats[1024] = "", ts[32];
		if (a->opt.sigs)
			policy_categories(a->policy, f->cats, cats, sizeof(cats), zh);
		report_format_ts(f->ts_ns, ts);
		fprintf(out, "### %zu. %s (%s)\n\n", i + 1, type_label(f->type, zh), severity_label(f->type, zh));
		cell(out, zh ? f->reason_zh : f->reason);
		fprintf(out, "\n\n- %s: %s\n", word(W_RECIPIENT, zh), f->host ? f->host : word(W_UNKNOWN, zh));
		if (cats[0])
			fprintf(out, "- %s: %s\n", word(W_CATEGORIES, zh), cats);
		fprintf(out, "- %s: %s %d (`%s`), %s ", word(W_EVIDENCE, zh), word(W_INPUT, zh), f->input,
			a->inputs[f->input].name, word(W_FRAMES, zh));
		frames_cell(out, f);
		if (f->flow_id)
			fprintf(out, ", %s %u", word(W_FLOW, zh), f->flow_id);
		fprintf(out, ", %s %s", word(W_TIME, zh), ts);
		if (f->tx_seq >= 0 && ids)
			fprintf(out, ", %s %zu", word(W_TRANSMISSION, zh), ids[f->tx_seq]);
		fprintf(out, "\n- %s:\n", word(W_LEGAL_BASIS, zh));
		for (const struct legal_ref *const *l = f->law; l && *l; l++)
			fprintf(out, zh ? "  - %s%s：%s\n" : "  - %s %s: %s\n", zh ? (*l)->law_zh : (*l)->law,
				zh ? (*l)->ref_zh : (*l)->ref, zh ? (*l)->zh : (*l)->en);
		fprintf(out, "- %s: `%s`\n\n", word(W_IN_WIRESHARK, zh), f->filter ? f->filter : "");
	}
}

int report_write_md(FILE *out, struct audit *a)
{
	bool zh = report_zh(a);
	const struct profile *pr = a->opt.profile;
	const struct finding *fd;
	size_t nf = policy_findings(a->policy, &fd);
	fprintf(out, "# %s%s%s\n\n", word(W_TITLE, zh), pr ? (zh ? "：" : ": ") : "", pr ? pr->app_name : "");
	fprintf(out,
		zh ? "由 privaudit %s 生成。同一次运行的 JSON 报告包含全部字段；本报告只列出信息类别，不含具体取值。\n\n"
		   : "Produced by privaudit %s. The JSON report of the same run holds every field; values here are named "
		     "by category only.\n\n",
		PACKAGE_VERSION);
	summary(out, a, nf, zh);
	timeline(out, a, zh);
	fprintf(out, "\n## %s\n\n", word(W_FINDINGS_BY_TYPE, zh));
	findings_tables(out, a, fd, nf, zh);
	details(out, a, fd, nf, zh);
	return ferror(out) ? -1 : 0;
}
