/* \summary: the command line: `privaudit replay|help`, options, exit status.
 *
 * Exit status: 0 ran with no findings, 1 ran with findings, 2 usage or
 * input error (a batch still audits and reports every readable input).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <sys/wait.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "capture.h"
#include "carve.h"
#include "config.h"
#include "keylog.h"
#include "live.h"
#include "log.h"
#include "policy.h"
#include "profile.h"
#include "report.h"
#include "signatures.h"

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_ERROR = 2 };

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

static const char usage_verify[] =
	"usage: privaudit verify REPORT.json [CAPTURE...]\n"
	"\n"
	"Runs the audit recorded in REPORT.json again (the same captures, or the\n"
	"CAPTUREs given, with the profile, signatures and options the report records)\n"
	"and confirms that the input hashes and the findings are identical.\n"
	"exit status: 0 identical, 1 differences (listed), 2 error\n";

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

static const char usage_capture[] =
	"usage: privaudit capture -i IFACE -w SESSION.pcapng [options]\n"
	"       privaudit capture --list-interfaces\n"
	"\n"
	"Captures on IFACE (libpcap; -i any for every interface), writes every packet,\n"
	"consent mark and TLS key to the pcapng session file, prints each finding as\n"
	"its request is decoded, and writes the report when stopped (Ctrl-C or SIGTERM;\n"
	"a second one aborts).  `privaudit replay SESSION.pcapng` gives the same report.\n"
	"\n"
	"options:\n"
	"  -i, --interface IFACE   the interface to capture on\n"
	"  -w, --write FILE        the session file (pcapng)\n"
	"  -f, --filter BPF        capture only what the filter passes (tcpdump syntax)\n"
	"  -C MB                   start a new session file before one passes MB megabytes\n"
	"                          (10^6 bytes): FILE-00001.pcapng, FILE-00002.pcapng...\n"
	"  -G SECONDS              start a new session file for each SECONDS of capture\n"
	"                          time (same names)\n"
	"      --user NAME         the user to run as after opening the interface when\n"
	"                          started as root (default nobody); it writes the files\n"
	"      --list-interfaces   list the interfaces and exit\n"
	"  -o, --output FILE       write the report to FILE (default: standard output)\n"
	"      --format FORMAT     json, text or md (default: json with -o, else text)\n"
	"      --profile APP.yaml  judge transmissions against the app's profile\n"
	"      --keylog FILE       TLS key log (SSLKEYLOGFILE), read again as it grows; its\n"
	"                          lines go into the session file (repeatable)\n"
	"      --signatures DIR, --reveal-values, --flows-only, --max-body MIB,\n"
	"      --max-flows N, --max-memory MIB, --tcp-timeout SEC, --udp-timeout SEC\n"
	"                          as for replay\n"
	"  -h, --help              show this help\n"
	"\n"
	"During the capture: c (consent) and w (withdrawal) on a terminal, or SIGUSR1\n"
	"and SIGUSR2, record a consent mark.  See docs/capturing.md.\n"
	"exit status: 0 no findings, 1 findings, 2 usage, capture or write error,\n"
	"130 aborted\n";

/* The command whose help a usage error points to. */
static const char *usage_command = "replay";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
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

static bool parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max || s[0] == '-')
		return false;
	*out = v;
	return true;
}

enum {
	OPT_LIST_REQUESTS = 256,
	OPT_MAX_FLOWS,
	OPT_MAX_MEMORY,
	OPT_TCP_TIMEOUT,
	OPT_UDP_TIMEOUT,
	OPT_REVEAL_VALUES,
	OPT_MAX_BODY,
	OPT_FLOWS_ONLY,
	OPT_SIGNATURES,
	OPT_KEY,
	OPT_PROFILE,
	OPT_CONSENT_AT,
	OPT_WITHDRAW_AT,
	OPT_CARVE,
	OPT_KEYLOG,
	OPT_USER,
	OPT_LIST_INTERFACES,
};

/* Loads the signature set, printing its problems; NULL (after printing) on error. */
static struct signatures *load_signatures(const char *dir)
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

static int write_report(FILE *f, struct audit *a, const char *format)
{
	if (strcmp(format, "text") == 0)
		return report_write_text(f, a);
	if (strcmp(format, "md") == 0)
		return report_write_md(f, a);
	return report_write_json(f, a);
}

/* The audit options replay and capture share.  Returns 1 when c is one of
 * them (applied to opt), 0 when it is not, -1 after a usage error. */
static int audit_option(int c, const char *arg, struct audit_options *opt)
{
	unsigned long long v;
	switch (c) {
	case OPT_MAX_FLOWS:
		if (!parse_count(arg, 1ULL << 30, &v)) {
			usage_error("--max-flows wants a positive number, not '%s'", arg);
			return -1;
		}
		opt->flows.max_flows = (size_t)v;
		return 1;
	case OPT_MAX_MEMORY:
		if (!parse_count(arg, 1ULL << 20, &v)) {
			usage_error("--max-memory wants a positive number of MiB, not '%s'", arg);
			return -1;
		}
		opt->flows.max_memory = (size_t)v << 20;
		return 1;
	case OPT_TCP_TIMEOUT:
	case OPT_UDP_TIMEOUT:
		if (!parse_count(arg, 86400ULL * 365, &v)) {
			usage_error("a timeout wants a positive number of seconds, not '%s'", arg);
			return -1;
		}
		*(c == OPT_TCP_TIMEOUT ? &opt->flows.tcp_idle_ns : &opt->flows.udp_idle_ns) = v * 1000000000ULL;
		return 1;
	case OPT_FLOWS_ONLY:
		opt->flows_only = true;
		return 1;
	case OPT_REVEAL_VALUES:
		opt->reveal_values = true;
		return 1;
	case OPT_MAX_BODY:
		if (!parse_count(arg, 4096, &v)) {
			usage_error("--max-body wants a number of MiB from 1 to 4096, not '%s'", arg);
			return -1;
		}
		opt->max_body = opt->max_decoded = (size_t)v << 20;
		return 1;
	default:
		return 0;
	}
}

/* Loads the app profile, printing its problems; NULL (after printing) on error. */
static struct profile *load_profile(const char *path, const struct signatures *sigs)
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
static int emit_report(struct audit *a, FILE *f, const char *output, const char *format, bool list_requests)
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
			switch (audit_option(c, optarg, &opt)) {
			case 1:
				break;
			case 0:
				fputs("Try 'privaudit help replay'.\n", stderr);
				return EXIT_ERROR;
			default:
				return EXIT_ERROR;
			}
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
static bool parse_rotation(const char *arg, unsigned long long max, unsigned long long scale, uint64_t *out)
{
	unsigned long long v;
	if (!parse_count(arg, max, &v))
		return false;
	*out = v * scale;
	return true;
}

static int cmd_capture(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "write", required_argument, NULL, 'w' },
		{ "filter", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "user", required_argument, NULL, OPT_USER },
		{ "list-interfaces", no_argument, NULL, OPT_LIST_INTERFACES },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "signatures", required_argument, NULL, OPT_SIGNATURES },
		{ "keylog", required_argument, NULL, OPT_KEYLOG },
		{ "reveal-values", no_argument, NULL, OPT_REVEAL_VALUES },
		{ "flows-only", no_argument, NULL, OPT_FLOWS_ONLY },
		{ "max-body", required_argument, NULL, OPT_MAX_BODY },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "tcp-timeout", required_argument, NULL, OPT_TCP_TIMEOUT },
		{ "udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	usage_command = "capture";
	struct audit_options opt;
	audit_default_options(&opt);
	struct live_config cfg = { 0 };
	const char *output = NULL, *format = NULL, *sigdir = NULL, *profile_path = NULL;
	const char *keylogs[64];
	size_t nkeylogs = 0;
	bool list = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:w:f:o:C:G:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			cfg.iface = optarg;
			break;
		case 'w':
			cfg.session = optarg;
			break;
		case 'f':
			cfg.filter = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0 && strcmp(optarg, "md") != 0)
				return usage_error("unknown format '%s' (json, text or md)", optarg);
			format = optarg;
			break;
		case 'C':
			if (!parse_rotation(optarg, 1ULL << 30, 1000000ULL, &cfg.rotate_bytes))
				return usage_error("-C wants a positive number of megabytes, not '%s'", optarg);
			break;
		case 'G':
			if (!parse_rotation(optarg, 86400ULL * 365, 1000000000ULL, &cfg.rotate_ns))
				return usage_error("-G wants a positive number of seconds, not '%s'", optarg);
			break;
		case OPT_USER:
			cfg.user = optarg;
			break;
		case OPT_LIST_INTERFACES:
			list = true;
			break;
		case OPT_PROFILE:
			profile_path = optarg;
			break;
		case OPT_SIGNATURES:
			sigdir = optarg;
			break;
		case OPT_KEYLOG:
			if (nkeylogs == sizeof(keylogs) / sizeof(*keylogs))
				return usage_error("too many key logs");
			keylogs[nkeylogs++] = optarg;
			break;
		case 'h':
			fputs(usage_capture, stdout);
			return EXIT_CLEAN;
		default:
			switch (audit_option(c, optarg, &opt)) {
			case 1:
				break;
			case 0:
				fputs("Try 'privaudit help capture'.\n", stderr);
				return EXIT_ERROR;
			default:
				return EXIT_ERROR;
			}
		}
	}
	if (optind < argc)
		return usage_error("capture takes no operands ('%s')", argv[optind]);
	if (list)
		return live_list_interfaces(stdout) == 0 ? EXIT_CLEAN : EXIT_ERROR;
	if (!cfg.iface || !cfg.session)
		return usage_error("%s", "capture needs -i IFACE and -w SESSION.pcapng");

	/* the interface first: a wrong name, filter or missing privilege is
	 * reported before the signatures are loaded */
	struct live *l = live_open(&cfg);
	if (!l)
		return EXIT_ERROR;
	struct signatures *sigs = load_signatures(sigdir);
	struct profile *profile = NULL;
	struct keylog *keylog = keylog_new();
	struct audit *a = NULL;
	FILE *f = NULL;
	int rc = EXIT_ERROR;
	if (!sigs || (profile_path && !(profile = load_profile(profile_path, sigs))))
		goto out;
	if (!keylog) {
		log_error("out of memory");
		goto out;
	}
	opt.sigs = sigs;
	opt.profile = profile;
	opt.signatures_dir = sigdir ? sigdir : signatures_default_dir();
	/* the key log paths are not recorded: the session file carries the keys,
	 * so its replay needs no --keylog and reports the same options */
	opt.keylog = keylog;
	opt.on_live_finding = live_finding;
	opt.live_ctx = l;
	if (!(a = audit_new(&opt))) {
		log_error("out of memory");
		goto out;
	}
	if (live_add_keylogs(l, keylog, keylogs, nkeylogs) < 0 || live_drop_privileges(l) < 0)
		goto out;
	/* opened now, as the user the files are written as, so that a report
	 * that cannot be written is known before the session, not after it */
	if (output && !(f = fopen(output, "w"))) {
		log_error("%s: cannot write report: %s", output, strerror(errno));
		goto out;
	}
	enum live_status st = live_run(l, a);
	if (st == LIVE_NOT_STARTED) {
		if (f) { /* no session, so no report: leave nothing behind */
			fclose(f);
			f = NULL;
			unlink(output);
		}
		goto out;
	}
	size_t late = live_late_keys(l);
	if (late) {
		/* the session file has what the live audit lacked: read it again,
		 * as replay will, so that the report is the one replay gives */
		log_warn("%zu TLS connection%s got %s keys after the live audit had read %s handshake; the report is "
			 "made by reading the session file again",
			 late, late == 1 ? "" : "s", late == 1 ? "its" : "their", late == 1 ? "its" : "their");
		opt.on_live_finding = NULL;
		opt.keylog = NULL; /* the keys come from the session file's DSBs, as in replay */
		struct audit *again = audit_new(&opt);
		if (!again) {
			log_error("out of memory");
			goto out;
		}
		for (size_t i = 0; i < a->ninputs; i++)
			if (capture_replay_file(again, a->inputs[i].path) < 0)
				st = LIVE_FAILED;
		audit_free(a);
		a = again;
	}
	audit_finish(a);
	live_late_findings(l, a);
	/* the finding lines are on standard output: the report joins them as a
	 * summary unless JSON or Markdown is asked for */
	int wrc = emit_report(a, f, output, format ? format : output ? "json" : "text", false);
	f = NULL;
	const struct finding *fd;
	if (wrc < 0 || st == LIVE_FAILED)
		rc = EXIT_ERROR;
	else
		rc = policy_findings(a->policy, &fd) ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	if (f)
		fclose(f);
	audit_free(a);
	live_free(l);
	keylog_free(keylog);
	profile_free(profile);
	signatures_free(sigs);
	return rc;
}

/* Appends s to a NULL-terminated argument vector (fixed capacity). */
static void argv_add(const char **v, size_t *n, size_t cap, const char *s)
{
	if (*n + 1 < cap)
		v[(*n)++] = s;
	v[*n] = NULL;
}

static const char *json_str_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int compare_reports(json_t *old, json_t *now)
{
	int diffs = 0;
	json_t *oi = json_object_get(old, "inputs"), *ni = json_object_get(now, "inputs");
	if (json_array_size(oi) != json_array_size(ni)) {
		printf("inputs: %zu in the report, %zu now\n", json_array_size(oi), json_array_size(ni));
		diffs++;
	}
	for (size_t i = 0; i < json_array_size(oi) && i < json_array_size(ni); i++) {
		const char *a = json_str_at(json_array_get(oi, i), "sha256"), *b = json_str_at(json_array_get(ni, i), "sha256");
		if (!a || !b || strcmp(a, b) != 0) {
			printf("input %zu (%s): sha256 %s in the report, %s now\n", i,
			       json_str_at(json_array_get(ni, i), "path"), a ? a : "none", b ? b : "none");
			diffs++;
		}
	}
	const char *sa = json_str_at(json_object_get(old, "tool"), "signatures_sha256");
	const char *sb = json_str_at(json_object_get(now, "tool"), "signatures_sha256");
	if (!sa || !sb || strcmp(sa, sb) != 0) {
		printf("signature set: sha256 %s in the report, %s now\n", sa ? sa : "none", sb ? sb : "none");
		diffs++;
	}
	const char *pa = json_str_at(json_object_get(old, "profile"), "sha256");
	const char *pb = json_str_at(json_object_get(now, "profile"), "sha256");
	if ((pa || pb) && (!pa || !pb || strcmp(pa, pb) != 0)) {
		printf("profile: sha256 %s in the report, %s now\n", pa ? pa : "none", pb ? pb : "none");
		diffs++;
	}
	json_t *of = json_object_get(old, "findings"), *nf = json_object_get(now, "findings");
	size_t n = json_array_size(of) > json_array_size(nf) ? json_array_size(of) : json_array_size(nf);
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(of, i), *b = json_array_get(nf, i);
		if (a && b && json_equal(a, b))
			continue;
		char *ta = a ? json_dumps(a, JSON_COMPACT) : NULL, *tb = b ? json_dumps(b, JSON_COMPACT) : NULL;
		printf("finding %zu:\n  report: %s\n  now:    %s\n", i + 1, ta ? ta : "(none)", tb ? tb : "(none)");
		free(ta);
		free(tb);
		diffs++;
	}
	return diffs;
}

static int cmd_verify(int argc, char **argv, const char *self)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage_verify, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_ERROR : EXIT_CLEAN;
	}
	json_error_t err;
	json_t *old = json_load_file(argv[1], 0, &err);
	if (!old) {
		log_error("%s: not a privaudit report: %s (at line %d)", argv[1], err.text, err.line);
		return EXIT_ERROR;
	}
	json_t *opts = json_object_get(json_object_get(old, "tool"), "options");
	if (!json_is_object(opts)) {
		log_error("%s: the report records no options (tool.options)", argv[1]);
		json_decref(old);
		return EXIT_ERROR;
	}
	const char *tmpdir = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/privaudit-verify-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(tmpl);
	if (fd < 0) {
		log_error("cannot create a temporary file: %s", strerror(errno));
		json_decref(old);
		return EXIT_ERROR;
	}
	close(fd);
	const char *v[512];
	size_t n = 0, cap = sizeof(v) / sizeof(*v);
	char nums[5][32];
	argv_add(v, &n, cap, self);
	argv_add(v, &n, cap, "replay");
	argv_add(v, &n, cap, "--format");
	argv_add(v, &n, cap, "json");
	argv_add(v, &n, cap, "-o");
	argv_add(v, &n, cap, tmpl);
	if (json_str_at(opts, "profile")) {
		argv_add(v, &n, cap, "--profile");
		argv_add(v, &n, cap, json_str_at(opts, "profile"));
	}
	if (json_str_at(opts, "signatures")) {
		argv_add(v, &n, cap, "--signatures");
		argv_add(v, &n, cap, json_str_at(opts, "signatures"));
	}
	json_t *m;
	size_t i;
	json_array_foreach(json_object_get(opts, "keylogs"), i, m) {
		if (!json_string_value(m))
			continue;
		argv_add(v, &n, cap, "--keylog");
		argv_add(v, &n, cap, json_string_value(m));
	}
	json_array_foreach(json_object_get(opts, "marks"), i, m) {
		const char *s = json_string_value(m);
		if (!s)
			continue;
		bool consent = strncmp(s, "consent:", 8) == 0;
		argv_add(v, &n, cap, consent ? "--consent-at" : "--withdraw-at");
		argv_add(v, &n, cap, strchr(s, ':') + 1);
	}
	if (json_is_true(json_object_get(opts, "reveal_values")))
		argv_add(v, &n, cap, "--reveal-values");
	if (json_is_true(json_object_get(opts, "flows_only")))
		argv_add(v, &n, cap, "--flows-only");
	static const struct {
		const char *key, *opt;
		unsigned shift;
	} limits[] = { { "max_body", "--max-body", 20 }, { "max_flows", "--max-flows", 0 },
		       { "max_memory", "--max-memory", 20 }, { "tcp_timeout", "--tcp-timeout", 0 },
		       { "udp_timeout", "--udp-timeout", 0 } };
	for (size_t k = 0; k < sizeof(limits) / sizeof(*limits); k++) {
		json_t *x = json_object_get(opts, limits[k].key);
		if (!json_is_integer(x))
			continue;
		snprintf(nums[k], sizeof(nums[k]), "%lld", (long long)(json_integer_value(x) >> limits[k].shift));
		argv_add(v, &n, cap, limits[k].opt);
		argv_add(v, &n, cap, nums[k]);
	}
	if (argc > 2) {
		for (int k = 2; k < argc; k++)
			argv_add(v, &n, cap, argv[k]);
	} else {
		json_t *in;
		json_array_foreach(json_object_get(old, "inputs"), i, in)
			if (json_str_at(in, "path"))
				argv_add(v, &n, cap, json_str_at(in, "path"));
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execv(self, (char *const *)v);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) > 2) {
		log_error("could not run the audit again (%s)", self);
		unlink(tmpl);
		json_decref(old);
		return EXIT_ERROR;
	}
	json_t *now = json_load_file(tmpl, 0, &err);
	unlink(tmpl);
	if (!now) {
		log_error("the audit run again wrote no report");
		json_decref(old);
		return EXIT_ERROR;
	}
	int diffs = compare_reports(old, now);
	size_t nf = json_array_size(json_object_get(now, "findings"));
	if (diffs)
		printf("%d difference%s: the report is NOT reproduced\n", diffs, diffs == 1 ? "" : "s");
	else
		printf("reproduced: %zu input%s with the same SHA-256, %zu identical finding%s\n",
		       json_array_size(json_object_get(now, "inputs")), json_array_size(json_object_get(now, "inputs")) == 1 ? "" : "s",
		       nf, nf == 1 ? "" : "s");
	json_decref(old);
	json_decref(now);
	return diffs ? EXIT_FINDINGS : EXIT_CLEAN;
}

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
