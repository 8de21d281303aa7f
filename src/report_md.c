/* \summary: the Markdown report: a document a person can file with a
 * regulator (summary, inputs with hashes, consent timeline, recipients, and
 * every finding with its evidence and how to see it in Wireshark). */
#include <string.h>

#include "audit.h"
#include "config.h"
#include "policy.h"
#include "profile.h"
#include "report.h"
#include "signatures.h"
#include "transmission.h"

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

int report_write_md(FILE *out, struct audit *a)
{
	const struct profile *pr = a->opt.profile;
	const struct finding *fd;
	size_t nf = policy_findings(a->policy, &fd);
	fprintf(out, "# Privacy audit%s%s\n\n", pr ? ": " : "", pr ? pr->app_name : "");
	fprintf(out, "Produced by privaudit %s. The JSON report of the same run holds every field; values here are "
		     "named by category only.\n\n", PACKAGE_VERSION);
	fputs("## Summary\n\n", out);
	if (pr)
		fprintf(out, "- App: %s (%s), first party %s; profile `%s` (SHA-256 `%s`)\n", pr->app_name,
			pr->app_id ? pr->app_id : "no id", pr->first_party.organization, pr->path, pr->sha256);
	else
		fputs("- No app profile was given: only findings that need none are reported.\n", out);
	fprintf(out, "- Signature set: SHA-256 `%s`\n", a->opt.sigs ? signatures_sha256(a->opt.sigs) : "none");
	char tls[256];
	if (report_tls_summary(a, tls, sizeof(tls))[0])
		fprintf(out, "- %s. Requests inside traffic that was not decrypted are not in this report.\n", tls);
	fprintf(out, "- Findings: %zu\n\n", nf);
	fputs("| input | format | frames | first packet | SHA-256 | error |\n|---|---|---|---|---|---|\n", out);
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
	fputs("\n## Consent timeline\n\n", out);
	const struct consent_event *ev;
	size_t nev = policy_events(a->policy, &ev);
	if (!nev)
		fputs("No consent or withdrawal was seen: every transmission counts as sent before consent.\n", out);
	for (size_t i = 0; i < nev; i++) {
		char ts[32] = "unknown time";
		if (ev[i].resolved)
			report_format_ts(ev[i].ts_ns, ts);
		fprintf(out, "- %s at %s", ev[i].kind == CONSENT_GIVEN ? "**Consent**" : "**Withdrawal**", ts);
		if (ev[i].frame)
			fprintf(out, " (input %d, frame %llu)", ev[i].input, (unsigned long long)ev[i].frame);
		fprintf(out, ", from %s\n", ev[i].source);
	}
	fputs("\n## Findings\n\n```text\n", out);
	report_findings_table(out, a);
	fputs("```\n\n", out);
	const size_t *ids = tx_spool_sort(a->tx);
	for (size_t i = 0; i < nf; i++) {
		const struct finding *f = &fd[i];
		char cats[1024] = "";
		if (a->opt.sigs)
			policy_categories(a->policy, f->cats, cats, sizeof(cats));
		fprintf(out, "### %zu. %s (%s)\n\n", i + 1, finding_type_name(f->type), finding_severity(f->type));
		cell(out, f->reason);
		fprintf(out, "\n\n- Recipient: %s\n", f->host ? f->host : "unknown");
		if (cats[0])
			fprintf(out, "- Categories: %s\n", cats);
		fprintf(out, "- Evidence: input %d (`%s`), frame %llu, flow %u", f->input, a->inputs[f->input].name,
			(unsigned long long)f->frame, f->flow_id);
		if (f->tx_seq >= 0 && ids)
			fprintf(out, ", transmission %zu", ids[f->tx_seq]);
		fprintf(out, "\n- In Wireshark: `%s`\n\n", f->filter ? f->filter : "");
	}
	return ferror(out) ? -1 : 0;
}
