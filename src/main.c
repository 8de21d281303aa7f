/* \summary: the command line: `privaudit replay|signatures|help`, the helpers
 * every command shares (cli.h), the dispatch to capture and verify.
 *
 * Exit status: 0 ran with no findings, 1 ran with findings, 2 usage or
 * input error (a batch still audits and reports every readable input).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "capture.h"
#include "carve.h"
#include "cli.h"
#include "config.h"
#include "keylog.h"
#include "log.h"
#include "policy.h"
#include "profile.h"
#include "report.h"
#include "signatures.h"

static const char usage_main[] =
	"usage: privaudit COMMAND [options] ...\n"
	"\n"
	"commands:\n"
	"  replay      audit pcap/pcapng captures (files, directories, - for stdin)\n"
	"  capture     capture live on an interface into a session file, audit as it goes\n"
	"  signatures  check the signature set, or explain how a value is classified\n"
	"  verify      run the audit a report records again and confirm its findings\n"
	"  help        show the usage of a command: privaudit help replay\n"
	"\n"
	"  privaudit --version   print the version\n";

static const char usage_replay[] =
	"usage: privaudit replay [options] CAPTURE...\n"
	"\n"
	"CAPTURE is a pcap or pcapng file, a directory (searched recursively, files in\n"
	"sorted order) or - for standard input.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE       write the report to FILE (default: standard output;\n"
	"                          on a terminal a text summary is shown as well)\n"
	"  -f, --format FORMAT     json, text or md (default: json, or text on a terminal)\n"
	"      --list-requests     print one TSV line per decoded request:\n"
	"                          file, frame, protocol, method, host, uri\n"
	"      --profile APP.yaml  judge transmissions against the app's profile (first\n"
	"                          party, affiliates, disclosed recipients, consent rules,\n"
	"                          canaries); see docs/profiles.md\n"
	"      --consent-at WHEN   the user consented at WHEN: an RFC 3339 time or\n"
	"                          frame:N (a frame of the first capture)\n"
	"      --withdraw-at WHEN  the user withdrew consent at WHEN (repeatable, as is\n"
	"                          --consent-at)\n"
	"      --keylog FILE       TLS secrets in NSS key log format (SSLKEYLOGFILE), to\n"
	"                          decrypt TLS (repeatable); secrets embedded in a pcapng\n"
	"                          (Decryption Secrets Blocks) are used without it\n"
	"      --carve DIR         write each finding's flow as DIR/F0001.pcapng..., all of\n"
	"                          them as DIR/evidence.pcapng, and DIR/SHA256SUMS\n"
	"      --signatures DIR    classify with the signature set in DIR (default: the\n"
	"                          installed set, or $PRIVAUDIT_SIGNATURES)\n"
	"      --reveal-values     show field values in clear (default: masked, with\n"
	"                          their SHA-256); the report then holds personal data\n"
	"      --flows-only        skip application decoding (TCP reassembly, HTTP,\n"
	"                          bodies): flows, hosts and protocols only, faster\n"
	"      --max-body MIB      request body bytes kept, and decompressed, per\n"
	"                          message (default 16)\n"
	"      --max-flows N       flows kept at once before the oldest is ended (default 1048576)\n"
	"      --max-memory MIB    memory for flow state before the oldest flow is ended\n"
	"                          (default 256)\n"
	"      --tcp-timeout SEC   idle time after which a TCP flow ends (default 600)\n"
	"      --udp-timeout SEC   idle time after which a UDP flow ends (default 120)\n"
	"  -h, --help              show this help\n"
	"\n"
	"exit status: 0 no findings, 1 findings, 2 usage or input error\n";

static const char usage_signatures[] =
	"usage: privaudit signatures check [DIR]\n"
	"       privaudit signatures explain [--signatures DIR] [--key KEY] VALUE\n"
	"       privaudit signatures classify [--signatures DIR] < FIELDS.tsv\n"
	"\n"
	"check    validates every file of the signature set (default: the installed\n"
	"         set); prints one `file:line: message` per problem, exit 2 if any\n"
	"explain  shows each rule that concerns KEY and VALUE, and the verdict\n"
	"classify reads lines `path<TAB>key<TAB>value` and writes for each\n"
	"         `category<TAB>rule<TAB>confidence` (`none` when not classified)\n";

const char *usage_command = "replay";

int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	fprintf(stderr, "Try 'privaudit help %s'.\n", usage_command);
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

static int cmd_signatures(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_signatures, stderr);
		return EXIT_ERROR;
	}
	if (strcmp(argv[1], "check") == 0) {
		if (argc > 3)
			return usage_error("signatures check takes at most one DIR");
		struct signatures *s = load_signatures(argc == 3 ? argv[2] : NULL);
		if (!s)
			return EXIT_ERROR;
		size_t cats, orgs, rules = signatures_count(s, &cats, &orgs);
		printf("%s: %zu categories, %zu field rules, %zu organization domains; sha256 %s\n",
		       argc == 3 ? argv[2] : signatures_default_dir(), cats, rules, orgs, signatures_sha256(s));
		signatures_free(s);
		return EXIT_CLEAN;
	}
	if (strcmp(argv[1], "classify") == 0) {
		const char *dir = NULL;
		if (argc == 4 && strcmp(argv[2], "--signatures") == 0)
			dir = argv[3];
		else if (argc != 2)
			return usage_error("signatures classify takes only --signatures DIR");
		struct signatures *s = load_signatures(dir);
		if (!s)
			return EXIT_ERROR;
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while ((n = getline(&line, &cap, stdin)) > 0) {
			if (line[n - 1] == '\n')
				line[--n] = 0;
			char *key = memchr(line, '\t', (size_t)n);
			char *value = key ? memchr(key + 1, '\t', (size_t)(line + n - key - 1)) : NULL;
			if (!value) {
				puts("error\t-\t-");
				continue;
			}
			*key++ = 0;
			*value++ = 0;
			struct classification c;
			if (signatures_classify(s, line, key, strlen(key), value, (size_t)(line + n - value), &c))
				printf("%s\t%s\t%.2f\n", c.category->id, c.rule, c.confidence);
			else
				puts("none\t-\t-");
		}
		free(line);
		signatures_free(s);
		return EXIT_CLEAN;
	}
	if (strcmp(argv[1], "explain") == 0) {
		static const struct option longopts[] = {
			{ "signatures", required_argument, NULL, OPT_SIGNATURES },
			{ "key", required_argument, NULL, OPT_KEY },
			{ NULL, 0, NULL, 0 },
		};
		const char *dir = NULL, *key = NULL;
		int c;
		optind = 1;
		while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
			if (c == OPT_SIGNATURES)
				dir = optarg;
			else if (c == OPT_KEY)
				key = optarg;
			else
				return EXIT_ERROR;
		}
		if (optind + 1 != argc - 1)
			return usage_error("signatures explain wants one VALUE");
		struct signatures *s = load_signatures(dir);
		if (!s)
			return EXIT_ERROR;
		signatures_explain(s, key, argv[optind + 1], stdout);
		const struct organization *o = signatures_organization(s, argv[optind + 1]);
		if (o)
			printf("host %s: %s (%s, parent group %s), %s; source: %s\n", argv[optind + 1], o->sdk, o->name,
			       o->parent, o->category, o->source);
		signatures_free(s);
		return EXIT_CLEAN;
	}
	return usage_error("unknown signatures command '%s' (check or explain)", argv[1]);
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
	case OPT_MAX_BODY:
		if (!parse_count(arg, 4096, &v)) {
			usage_error("--max-body wants a number of MiB from 1 to 4096, not '%s'", arg);
			return -1;
		}
		opt->max_body = opt->max_decoded = (size_t)v << 20;
		return 0;
	default: /* an option getopt refused: it said which */
		fprintf(stderr, "Try 'privaudit help %s'.\n", usage_command);
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

/* Writes the report to f, the opened -o FILE (closed here), or without one
 * to standard output; with -o and a terminal on standard output the text
 * summary is shown there too.  Returns 0, or -1 (printed). */
int emit_report(struct audit *a, FILE *f, const char *output, const char *format, bool list_requests)
{
	int rc = 0;
	bool tty = isatty(STDOUT_FILENO);
	if (f) {
		rc = write_report(f, a, format ? format : "json");
		if (fclose(f) != 0)
			rc = -1;
		if (rc < 0)
			log_error("%s: cannot write report: %s", output, strerror(errno));
		if (tty && !list_requests)
			report_write_text(stdout, a);
	} else if (!list_requests) {
		rc = write_report(stdout, a, format ? format : tty ? "text" : "json");
	}
	if (fflush(stdout) != 0)
		rc = -1;
	return rc;
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "list-requests", no_argument, NULL, OPT_LIST_REQUESTS },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "tcp-timeout", required_argument, NULL, OPT_TCP_TIMEOUT },
		{ "udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT },
		{ "reveal-values", no_argument, NULL, OPT_REVEAL_VALUES },
		{ "max-body", required_argument, NULL, OPT_MAX_BODY },
		{ "flows-only", no_argument, NULL, OPT_FLOWS_ONLY },
		{ "signatures", required_argument, NULL, OPT_SIGNATURES },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "consent-at", required_argument, NULL, OPT_CONSENT_AT },
		{ "withdraw-at", required_argument, NULL, OPT_WITHDRAW_AT },
		{ "carve", required_argument, NULL, OPT_CARVE },
		{ "keylog", required_argument, NULL, OPT_KEYLOG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit_options opt;
	audit_default_options(&opt);
	opt.worker = true; /* a second core extracts and classifies while the first decodes */
	const char *output = NULL, *format = NULL, *sigdir = NULL, *profile_path = NULL, *carve_dir = NULL;
	const char *marks[64];
	static char mark_records[64][256];
	enum consent_kind mark_kinds[64];
	size_t nmarks = 0;
	const char *keylogs[64];
	size_t nkeylogs = 0;
	bool list_requests = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0 && strcmp(optarg, "md") != 0)
				return usage_error("unknown format '%s' (json, text or md)", optarg);
			format = optarg;
			break;
		case OPT_LIST_REQUESTS:
			list_requests = true;
			break;
		case OPT_SIGNATURES:
			sigdir = optarg;
			break;
		case OPT_PROFILE:
			profile_path = optarg;
			break;
		case OPT_CARVE:
			carve_dir = optarg;
			break;
		case OPT_KEYLOG:
			if (nkeylogs == sizeof(keylogs) / sizeof(*keylogs))
				return usage_error("too many key logs");
			keylogs[nkeylogs++] = optarg;
			break;
		case OPT_CONSENT_AT:
		case OPT_WITHDRAW_AT:
			if (nmarks == sizeof(marks) / sizeof(*marks))
				return usage_error("too many consent marks");
			mark_kinds[nmarks] = c == OPT_CONSENT_AT ? CONSENT_GIVEN : CONSENT_WITHDRAWN;
			snprintf(mark_records[nmarks], sizeof(mark_records[0]), "%s:%s",
				 c == OPT_CONSENT_AT ? "consent" : "withdrawal", optarg);
			marks[nmarks++] = optarg;
			break;
		case 'h':
			fputs(usage_replay, stdout);
			return EXIT_CLEAN;
		default:
			if (audit_option(c, optarg, &opt) < 0)
				return EXIT_ERROR;
		}
	}
	if (optind >= argc)
		return usage_error("%s", "replay needs at least one CAPTURE");

	if (list_requests)
		opt.list_requests = stdout;
	opt.no_report = list_requests && !output && !carve_dir; /* the TSV replaces the report */
	struct signatures *sigs = load_signatures(sigdir);
	if (!sigs)
		return EXIT_ERROR;
	opt.sigs = sigs;
	struct profile *profile = NULL;
	if (profile_path && !(profile = load_profile(profile_path, sigs))) {
		signatures_free(sigs);
		return EXIT_ERROR;
	}
	opt.profile = profile;
	opt.signatures_dir = sigdir ? sigdir : signatures_default_dir();
	const char *mark_list[64];
	for (size_t i = 0; i < nmarks; i++)
		mark_list[i] = mark_records[i];
	opt.marks = mark_list;
	opt.nmarks = nmarks;
	opt.keylog_paths = keylogs;
	opt.nkeylog_paths = nkeylogs;
	struct keylog *keylog = keylog_new();
	for (size_t i = 0; keylog && i < nkeylogs; i++)
		if (keylog_add_file(keylog, keylogs[i]) < 0) {
			keylog_free(keylog);
			profile_free(profile);
			signatures_free(sigs);
			return EXIT_ERROR;
		}
	opt.keylog = keylog;
	struct path_list paths = { 0 };
	struct audit *a = audit_new(&opt);
	for (size_t i = 0; a && i < nmarks; i++) {
		if (!policy_add_cli_mark(a->policy, mark_kinds[i], marks[i])) {
			audit_free(a);
			keylog_free(keylog);
			profile_free(profile);
			signatures_free(sigs);
			return usage_error("'%s' is neither an RFC 3339 time (2024-03-12T08:00:30Z) nor frame:N", marks[i]);
		}
		a->marks_pending |= strncmp(marks[i], "frame:", 6) == 0;
	}
	if (!a || capture_expand((const char *const *)argv + optind, (size_t)(argc - optind), &paths) < 0) {
		log_error("out of memory");
		audit_free(a);
		keylog_free(keylog);
		path_list_free(&paths);
		profile_free(profile);
		signatures_free(sigs);
		return EXIT_ERROR;
	}
	if (paths.n == 0)
		log_error("no capture files found in %s", argv[optind]);
	bool input_failed = paths.n == 0;
	for (size_t i = 0; i < paths.n; i++)
		if (capture_replay_file(a, paths.v[i]) < 0)
			input_failed = true;
	path_list_free(&paths);
	uint64_t unseen;
	if (policy_cli_pending(a->policy, &unseen))
		log_warn("consent mark frame:%llu: the first capture has no such frame; the mark is ignored",
			 (unsigned long long)unseen);
	audit_finish(a);

	FILE *f = NULL;
	if (output && !(f = fopen(output, "w"))) {
		log_error("%s: cannot write report: %s", output, strerror(errno));
		audit_free(a);
		keylog_free(keylog);
		profile_free(profile);
		signatures_free(sigs);
		return EXIT_ERROR;
	}
	int rc = emit_report(a, f, output, format, list_requests);
	if (carve_dir && carve_evidence(carve_dir, a) < 0)
		rc = -1;
	const struct finding *fd;
	size_t findings = policy_findings(a->policy, &fd);
	audit_free(a);
	keylog_free(keylog);
	profile_free(profile);
	signatures_free(sigs);
	if (rc < 0 || input_failed)
		return EXIT_ERROR;
	return findings ? EXIT_FINDINGS : EXIT_CLEAN;
}

/* -C MB / -G SECONDS */
int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_ERROR;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("privaudit %s\n", PACKAGE_VERSION);
		return EXIT_CLEAN;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		if (argc > 2 && strcmp(argv[2], "replay") == 0)
			fputs(usage_replay, stdout);
		else if (argc > 2 && strcmp(argv[2], "capture") == 0)
			fputs(usage_capture, stdout);
		else if (argc > 2 && strcmp(argv[2], "signatures") == 0)
			fputs(usage_signatures, stdout);
		else if (argc > 2 && strcmp(argv[2], "verify") == 0)
			fputs(usage_verify, stdout);
		else if (argc > 2 && strcmp(argv[2], "help") != 0)
			return usage_error("unknown command '%s'", argv[2]);
		else
			fputs(usage_main, stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(cmd, "replay") == 0)
		return cmd_replay(argc - 1, argv + 1);
	if (strcmp(cmd, "capture") == 0)
		return cmd_capture(argc - 1, argv + 1);
	if (strcmp(cmd, "signatures") == 0)
		return cmd_signatures(argc - 1, argv + 1);
	if (strcmp(cmd, "verify") == 0) {
		char self[4096];
		ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (k <= 0)
			return EXIT_ERROR;
		self[k] = 0;
		return cmd_verify(argc - 1, argv + 1, self);
	}
	fprintf(stderr, "privaudit: unknown command '%s'\n", cmd);
	fputs(usage_main, stderr);
	return EXIT_ERROR;
}
