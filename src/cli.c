/* \summary: what the commands share (cli.h): usage errors, loading the
 * signature set and the profile, the options `replay` and `capture` both
 * take (limits, key logs, marks, the device, the filter, the language), and
 * writing the report. */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "custody.h"
#include "keylog.h"
#include "log.h"
#include "policy.h"
#include "profile.h"
#include "report.h"
#include "signatures.h"

const char *usage_command; /* NULL: privaudit help */

int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	if (usage_command)
		fprintf(stderr, "Try 'privaudit help %s'.\n", usage_command);
	else
		fputs("Try 'privaudit help'.\n", stderr);
	return EXIT_ERROR;
}

bool parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max || s[0] == '-')
		return false;
	*out = v;
	return true;
}

/* Loads the signature set, printing its problems; NULL (after printing) on error. */
struct signatures *load_signatures(const char *dir)
{
	int nerr = 0;
	if (!dir)
		dir = signatures_default_dir();
	struct signatures *s = signatures_load(dir, stderr, &nerr);
	if (!s)
		log_error("%s: %d problem%s in the signature set", dir, nerr, nerr == 1 ? "" : "s");
	return s;
}

bool cli_format_ok(const char *f)
{
	return strcmp(f, "json") == 0 || strcmp(f, "text") == 0 || strcmp(f, "md") == 0;
}

int write_report(FILE *f, struct audit *a, const char *format)
{
	if (strcmp(format, "text") == 0)
		return report_write_text(f, a);
	if (strcmp(format, "md") == 0)
		return report_write_md(f, a);
	return report_write_json(f, a);
}

/* The audit options replay and capture share (see cli.h). */
int audit_option(int c, const char *arg, struct audit_options *opt)
{
	unsigned long long v;
	switch (c) {
	case OPT_MAX_FLOWS:
		if (!parse_count(arg, 1ULL << 30, &v)) {
			usage_error("--max-flows wants a positive number, not '%s'", arg);
			return -1;
		}
		opt->flows.max_flows = (size_t)v;
		return 0;
	case OPT_MAX_MEMORY:
		if (!parse_count(arg, 1ULL << 20, &v)) {
			usage_error("--max-memory wants a positive number of MiB, not '%s'", arg);
			return -1;
		}
		opt->flows.max_memory = (size_t)v << 20;
		return 0;
	case OPT_TCP_TIMEOUT:
	case OPT_UDP_TIMEOUT:
		if (!parse_count(arg, 86400ULL * 365, &v)) {
			usage_error("a timeout wants a positive number of seconds, not '%s'", arg);
			return -1;
		}
		*(c == OPT_TCP_TIMEOUT ? &opt->flows.tcp_idle_ns : &opt->flows.udp_idle_ns) = v * 1000000000ULL;
		return 0;
	case OPT_FLOWS_ONLY:
		opt->flows_only = true;
		return 0;
	case OPT_REVEAL_VALUES:
		opt->reveal_values = true;
		return 0;
	case OPT_ALL_FIELDS:
		opt->all_fields = true;
		return 0;
	case OPT_ALL_FLOWS:
		opt->all_flows = true;
		return 0;
	case OPT_MAX_BODY:
		if (!parse_count(arg, 4096, &v)) {
			usage_error("--max-body wants a number of MiB from 1 to 4096, not '%s'", arg);
			return -1;
		}
		opt->max_body = opt->max_decoded = (size_t)v << 20;
		return 0;
	default: /* CLI_BAD_OPTION: cli_getopt said which */
		return -1;
	}
}

/* Loads the app profile, printing its problems; NULL (after printing) on error. */
struct profile *load_profile(const char *path, const struct signatures *sigs)
{
	int nerr = 0;
	struct profile *p = profile_load(path, sigs, stderr, &nerr);
	if (!p)
		log_error("%s: %d problem%s in the profile", path, nerr, nerr == 1 ? "" : "s");
	return p;
}

int report_output_open(struct report_output *out, const char *path, const char *sign_key)
{
	memset(out, 0, sizeof(*out));
	out->path = path;
	if (!path)
		return 0;
	/* "w+": the seal reads the written report back through the same stream */
	if (!(out->f = fopen(path, "w+"))) {
		log_error("%s: cannot write report: %s", path, strerror(errno));
		return -1;
	}
	char err[512];
	if (!custody_seal_open(&out->seal, path, sign_key, err, sizeof(err))) {
		log_error("%s", err);
		report_output_close(out);
		return -1;
	}
	return 0;
}

void report_output_close(struct report_output *out)
{
	if (out->f)
		fclose(out->f);
	out->f = NULL;
	custody_seal_close(&out->seal);
}

int emit_report(struct audit *a, struct report_output *out, const char *format, bool list_requests)
{
	int rc = 0;
	bool tty = isatty(STDOUT_FILENO);
	if (out->f) {
		rc = write_report(out->f, a, format ? format : "json");
		if (rc == 0 && fflush(out->f) != 0)
			rc = -1;
		if (rc < 0)
			log_error("%s: cannot write report: %s", out->path, strerror(errno));
		char err[512];
		if (rc == 0 && !custody_seal_write(&out->seal, out->f, err, sizeof(err))) {
			log_error("%s", err);
			rc = -1;
		}
		int closed = fclose(out->f);
		out->f = NULL;
		if (rc == 0 && closed != 0) {
			log_error("%s: cannot write report: %s", out->path, strerror(errno));
			rc = -1;
		}
		custody_seal_close(&out->seal);
		if (tty && !list_requests && log_verbosity() >= 0) /* -q: the report file only */
			report_write_text(stdout, a);
	} else if (!list_requests) {
		rc = write_report(stdout, a, format ? format : tty ? "text" : "json");
	}
	if (fflush(stdout) != 0)
		rc = -1;
	return rc;
}


/* ---- the options replay and capture share ---- */

static int add_mark(struct cli_common *cc, enum consent_kind kind, const char *when)
{
	if (cc->nmarks == CLI_MAX_MARKS)
		return usage_error("too many marks"), -1;
	cc->mark_kinds[cc->nmarks] = kind;
	cc->mark_when[cc->nmarks] = when;
	snprintf(cc->mark_records[cc->nmarks], sizeof(cc->mark_records[0]), "%s:%s", consent_kind_name(kind), when);
	cc->mark_list[cc->nmarks] = cc->mark_records[cc->nmarks];
	cc->nmarks++;
	return 0;
}

/* The options replay and capture share (CLI_COMMON_LONGOPTS and audit_option). */
static const char usage_audit_options[] =
	"      --profile APP.yaml  judge transmissions against the app's profile (first\n"
	"                          party, affiliates, disclosed recipients, consent rules,\n"
	"                          necessary categories, canaries); see docs/profiles.md\n"
	"      --consent-at WHEN   the user consented at WHEN: an RFC 3339 time or\n"
	"                          frame:N (a frame of the first capture)\n"
	"      --withdraw-at WHEN  the user withdrew consent at WHEN (repeatable, as is\n"
	"                          --consent-at)\n"
	"      --mandatory-from WHEN, --mandatory-until WHEN\n"
	"                          a step that offered no way to decline starts, or ends\n"
	"                          (the home screen was reached), at WHEN (repeatable)\n"
	"      --device ADDR       the device under test: an IPv4, IPv6 or MAC address\n"
	"                          (repeatable); only flows it originates are judged.\n"
	"                          Default: the local address that originates the most\n"
	"                          flows and DNS queries in each capture\n"
	"      --lang LANG         en or zh: the language of the text and Markdown\n"
	"                          reports (the JSON report holds both)\n"
	"      --case ID, --examiner NAME, --note TEXT\n"
	"                          the case the report is for, who made it, and why:\n"
	"                          recorded in the report, never judged\n"
	"      --sign KEY.pem      sign the -o report with an Ed25519 private key:\n"
	"                          REPORT.sig beside REPORT.sha256\n"
	"      --signatures DIR    classify with the signature set in DIR (default: the\n"
	"                          installed set, or $PRIVAUDIT_SIGNATURES)\n"
	"      --reveal-values     show field values in clear (default: masked, with\n"
	"                          their SHA-256); the report then holds personal data\n"
	"      --all-fields        list every field of every transmission (default: the\n"
	"                          fields with personal data; the others are counted)\n"
	"      --all-flows         list every flow (default: those with personal data or\n"
	"                          a finding; the others are summed by host and protocol)\n"
	"      --flows-only        skip application decoding (TCP reassembly, HTTP,\n"
	"                          bodies): flows, hosts and protocols only, faster\n"
	"      --max-body MIB      request body bytes kept, and decompressed, per\n"
	"                          message (default 16)\n"
	"      --max-flows N       flows kept at once before the oldest is ended (default 1048576)\n"
	"      --max-memory MIB    memory for flow state before the oldest flow is ended\n"
	"                          (default 256)\n"
	"      --tcp-timeout SEC   idle time after which a TCP flow ends (default 600)\n"
	"      --udp-timeout SEC   idle time after which a UDP flow ends (default 120)\n"
	"  -q                      quiet: errors only on standard error, no summary\n"
	"  -v                      verbose: a line for each capture read\n"
	"  -h, --help              show this help\n";

void cli_print_audit_usage(FILE *f, const char *head, const char *tail)
{
	fputs(head, f);
	fputs(usage_audit_options, f);
	fputs(tail, f);
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	char spec[64];
	/* ':' first: a missing value is told apart from an unknown option */
	snprintf(spec, sizeof(spec), ":%s", shortopts);
	opterr = 0; /* getopt would name argv[0], the command, not privaudit */
	int c = getopt_long(argc, argv, spec, longopts, NULL);
	if (c != '?' && c != ':')
		return c;
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	bool is_long = strncmp(word, "--", 2) == 0;
	if (c == ':' && is_long)
		usage_error("option '%.*s' needs a value", (int)strcspn(word, "="), word);
	else if (c == ':')
		usage_error("option '-%c' needs a value", optopt);
	else if (is_long)
		usage_error("unknown option '%.*s'", (int)strcspn(word, "="), word);
	else
		usage_error("unknown option '-%c'", optopt);
	return CLI_BAD_OPTION;
}

int cli_common_option(int c, const char *arg, struct cli_common *cc)
{
	unsigned long long v;
	switch (c) {
	case 'c':
		if (!parse_count(arg, UINT64_MAX >> 1, &v))
			return usage_error("-c wants a positive number of frames, not '%s'", arg), -1;
		cc->count = v;
		return 0;
	case 'q':
		cc->verbosity = -1;
		log_set_verbosity(-1);
		return 0;
	case 'v':
		cc->verbosity = 1;
		log_set_verbosity(1);
		return 0;
	case OPT_KEYLOG:
		if (cc->nkeylogs == CLI_MAX_KEYLOGS)
			return usage_error("too many key logs"), -1;
		cc->keylogs[cc->nkeylogs++] = arg;
		return 0;
	case OPT_CONSENT_AT:
		return add_mark(cc, CONSENT_GIVEN, arg);
	case OPT_WITHDRAW_AT:
		return add_mark(cc, CONSENT_WITHDRAWN, arg);
	case OPT_MANDATORY_FROM:
		return add_mark(cc, MANDATORY_START, arg);
	case OPT_MANDATORY_UNTIL:
		return add_mark(cc, MANDATORY_END, arg);
	case OPT_DEVICE:
		if (!policy_device_spec_ok(arg))
			return usage_error("--device wants an IPv4, IPv6 or MAC address (aa:bb:cc:dd:ee:ff), not '%s'", arg), -1;
		if (cc->ndevices == CLI_MAX_DEVICES)
			return usage_error("too many --device addresses"), -1;
		cc->devices[cc->ndevices++] = arg;
		return 0;
	case OPT_LANG:
		if (strcmp(arg, "en") != 0 && strcmp(arg, "zh") != 0)
			return usage_error("--lang wants en or zh, not '%s'", arg), -1;
		cc->lang = arg;
		return 0;
	case 'f':
		cc->filter = arg;
		return 0;
	case OPT_CASE:
		cc->case_id = arg;
		return 0;
	case OPT_EXAMINER:
		cc->examiner = arg;
		return 0;
	case OPT_NOTE:
		cc->note = arg;
		return 0;
	case OPT_SIGN:
		if (access(arg, R_OK) != 0)
			return usage_error("--sign %s: %s", arg, strerror(errno)), -1;
		cc->sign_key = arg;
		return 0;
	default:
		return 1;
	}
}

int cli_join_filter(int n, char **words, struct cli_common *cc)
{
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(words[i]);
		if (len + l + 2 > sizeof(cc->joined_filter))
			return usage_error("the filter expression is too long"), -1;
		if (len)
			cc->joined_filter[len++] = ' ';
		memcpy(cc->joined_filter + len, words[i], l);
		len += l;
	}
	cc->joined_filter[len] = 0;
	if (cc->filter)
		return usage_error("a filter both with -f and after the options"), -1;
	cc->filter = cc->joined_filter;
	return 0;
}

int cli_check_filter(const struct cli_common *cc)
{
	if (!cc->filter)
		return 0;
	/* compiled once for Ethernet to catch a typo before any file is read;
	 * each capture compiles it again for its own link type */
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
	struct bpf_program prog;
	if (!dead)
		return 0;
	int rc = pcap_compile(dead, &prog, cc->filter, 1, PCAP_NETMASK_UNKNOWN);
	if (rc == 0) {
		pcap_freecode(&prog);
	} else if (cli_format_ok(cc->filter)) {
		usage_error("-f is the BPF filter (as in capture and tshark); the report format is -T or --format");
	} else {
		usage_error("bad filter '%s': %s", cc->filter, pcap_geterr(dead));
	}
	pcap_close(dead);
	return rc == 0 ? 0 : -1;
}

void cli_common_apply(const struct cli_common *cc, struct audit_options *opt)
{
	opt->marks = cc->mark_list;
	opt->nmarks = cc->nmarks;
	opt->keylog_paths = cc->keylogs;
	opt->nkeylog_paths = cc->nkeylogs;
	opt->devices = cc->devices;
	opt->ndevices = cc->ndevices;
	opt->filter = cc->filter;
	opt->max_frames = cc->count;
	opt->lang = cc->lang;
	opt->case_id = cc->case_id;
	opt->examiner = cc->examiner;
	opt->note = cc->note;
}

struct keylog *cli_load_keylogs(const struct cli_common *cc)
{
	struct keylog *k = keylog_new();
	if (!k) {
		log_error("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < cc->nkeylogs; i++)
		if (keylog_add_file(k, cc->keylogs[i]) < 0) {
			keylog_free(k);
			return NULL;
		}
	return k;
}

int cli_apply_marks(const struct cli_common *cc, struct audit *a)
{
	for (size_t i = 0; i < cc->nmarks; i++) {
		if (!policy_add_cli_mark(a->policy, cc->mark_kinds[i], cc->mark_when[i]))
			return usage_error("'%s' is neither an RFC 3339 time (2024-03-12T08:00:30Z) nor frame:N",
					   cc->mark_when[i]), -1;
		a->marks_pending |= strncmp(cc->mark_when[i], "frame:", 6) == 0;
	}
	return 0;
}
