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
#include <pcap/pcap.h>
#include <unistd.h>

#include "audit.h"
#include "capture.h"
#include "classify.h"
#include "carve.h"
#include "cli.h"
#include "config.h"
#include "keylog.h"
#include "log.h"
#include "policy.h"
#include "profile.h"
#include "report.h"
#include "signatures.h"
#include "validators.h"

static const char usage_main[] =
	"usage: privaudit COMMAND [options] ...\n"
	"\n"
	"commands:\n"
	"  replay      audit pcap/pcapng captures (files, directories, - for stdin)\n"
	"  capture     capture live on an interface into a session file, audit as it goes\n"
	"  signatures  list the categories, check the signature set, or explain how\n"
	"              a value is classified\n"
	"  profile     check an app profile without a capture\n"
	"  verify      run the audit a report records again and confirm its findings\n"
	"  help        show the usage of a command: privaudit help replay\n"
	"\n"
	"Each command takes -h or --help.  See privaudit(1).\n"
	"\n"
	"  privaudit --version   print the version\n";

static const char usage_replay[] =
	"usage: privaudit replay [options] CAPTURE...\n"
	"       privaudit replay [options] -r FILE [filter expression]\n"
	"\n"
	"CAPTURE is a pcap or pcapng file, a directory (searched recursively, files in\n"
	"sorted order) or - for standard input.\n"
	"\n"
	"options:\n"
	"  -r FILE                 read FILE (as tcpdump -r; repeatable); the operands\n"
	"                          are then a BPF filter expression, as in tcpdump\n"
	"  -o, --output FILE       write the report to FILE (default: standard output;\n"
	"                          on a terminal a text summary is shown as well)\n"
	"  -T, --format FORMAT     json, text or md (default: json, or text on a terminal)\n"
	"  -f, --filter EXPR       audit only the frames the BPF filter passes (tcpdump\n"
	"                          syntax); frames keep their numbers\n"
	"  -c N                    stop after N frames (those the filter passes)\n"
	"      --list-requests     print one TSV line per decoded request:\n"
	"                          file, frame, protocol, method, host, uri\n"
	"      --carve DIR         write each finding's flow as DIR/F0001.pcapng..., all of\n"
	"                          them as DIR/evidence.pcapng, and DIR/SHA256SUMS\n"
	"      --keylog FILE       TLS secrets in NSS key log format (SSLKEYLOGFILE), to\n"
	"                          decrypt TLS (repeatable); secrets embedded in a pcapng\n"
	"                          (Decryption Secrets Blocks) are used without it\n";

static const char usage_replay_exit[] =
	"\n"
	"exit status: 0 no findings, 1 findings, 2 usage or input error\n";

static const char usage_signatures[] =
	"usage: privaudit signatures list [DIR]\n"
	"       privaudit signatures check [DIR]\n"
	"       privaudit signatures explain [--signatures DIR] [--profile APP.yaml]\n"
	"                [--path PATH | --key KEY] [--at TIME] [--uri URI] VALUE\n"
	"       privaudit signatures classify [--signatures DIR] [--profile APP.yaml]\n"
	"                [--at TIME] [--uri URI] < FIELDS.tsv\n"
	"\n"
	"list     prints each category: id, sensitivity (sensitive, personal or\n"
	"         credential), English and Chinese names, tab-separated\n"
	"check    validates every file of the signature set (default: the installed\n"
	"         set); prints one `file:line: message` per problem, exit 2 if any\n"
	"explain  runs the classification replay runs on one field (its full PATH,\n"
	"         e.g. body.request.hwid; --key KEY means body.KEY) and shows each\n"
	"         step and the verdict; TIME (RFC 3339) is the request's time, which\n"
	"         tells timestamps from ids; URI the request's target, whose path\n"
	"         says whose top-level fields are (POST /v1/user/profile);\n"
	"         --profile adds its canaries\n"
	"classify reads lines `path<TAB>key<TAB>value` and writes for each\n"
	"         `category<TAB>rule<TAB>confidence<TAB>hashed` (`none` when not\n"
	"         classified, `-` when not hashed)\n";

/* --at TIME for the signature commands: the request's time, which tells a
 * timestamp from an id.  Returns false when TIME is not RFC 3339. */
static bool parse_at(const char *arg, uint64_t *ts_s)
{
	struct policy *p = policy_new(NULL, NULL);
	bool ok = p && policy_add_cli_mark(p, CONSENT_GIVEN, arg) && strncmp(arg, "frame:", 6) != 0;
	if (ok) {
		const struct consent_event *ev;
		policy_events(p, &ev);
		*ts_s = ev[0].ts_ns / 1000000000ULL;
	}
	policy_free(p);
	return ok;
}

struct sig_args {
	const char *dir, *profile_path, *key, *path, *value;
	uint64_t ts_s;
	char uri_path[1024]; /* --uri: the request's path, as replay gives it */
};

static int parse_sig_args(int argc, char **argv, struct sig_args *sa, bool want_value)
{
	static const struct option longopts[] = {
		{ "signatures", required_argument, NULL, OPT_SIGNATURES },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "at", required_argument, NULL, OPT_AT },
		{ "uri", required_argument, NULL, OPT_URI },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "", longopts)) != -1) {
		if (c == OPT_SIGNATURES)
			sa->dir = optarg;
		else if (c == OPT_PROFILE)
			sa->profile_path = optarg;
		else if (c == OPT_KEY && want_value)
			sa->key = optarg;
		else if (c == OPT_PATH && want_value)
			sa->path = optarg;
		else if (c == OPT_AT && !parse_at(optarg, &sa->ts_s))
			return usage_error("--at wants an RFC 3339 time, not '%s'", optarg);
		else if (c == OPT_URI)
			snprintf(sa->uri_path, sizeof(sa->uri_path), "%.*s", (int)strcspn(optarg, "?"), optarg);
		else if (c == CLI_BAD_OPTION)
			return EXIT_ERROR;
		else if (c != OPT_AT) /* --key/--path to classify */
			return usage_error("%s", "--key and --path are for signatures explain");
	}
	if (want_value) {
		if (optind + 1 != argc)
			return usage_error("signatures explain wants one VALUE");
		sa->value = argv[optind];
	} else if (optind != argc) {
		return usage_error("signatures classify reads its fields from standard input");
	}
	return -1;
}

/* `classify`: path TAB key TAB value lines in, category TAB rule TAB
 * confidence TAB hashed lines out, by the function replay runs. */
static void classify_lines(const struct signatures *s, const struct profile *p, uint64_t ts_s, const char *uri)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = 0;
		char *key = memchr(line, '\t', (size_t)n);
		char *value = key ? memchr(key + 1, '\t', (size_t)(line + n - key - 1)) : NULL;
		if (!value) {
			puts("error\t-\t-\t-");
			continue;
		}
		*key++ = 0;
		*value++ = 0;
		struct field_in f = { line, key, strlen(key), value, (size_t)(line + n - value), ts_s, uri };
		struct classification c;
		if (classify_field(s, p, &f, &c, NULL))
			printf("%s\t%s\t%.2f\t%s\n", c.category->id, c.rule, c.confidence,
			       c.hashed ? hash_kind_name(c.hashed) : "-");
		else
			puts("none\t-\t-\t-");
	}
	free(line);
}

static int cmd_signatures(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_signatures, stderr);
		return EXIT_ERROR;
	}
	usage_command = "signatures";
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage_signatures, stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(argv[1], "list") == 0) {
		if (argc > 3)
			return usage_error("signatures list takes at most one DIR");
		struct signatures *s = load_signatures(argc == 3 ? argv[2] : NULL);
		if (!s)
			return EXIT_ERROR;
		size_t ncat;
		signatures_count(s, &ncat, NULL);
		for (size_t i = 0; i < ncat; i++) {
			const struct category *c = signatures_category_at(s, i);
			printf("%s\t%s\t%s\t%s\n", c->id,
			       c->sensitive ? "sensitive" : c->credential ? "credential" : "personal", c->en, c->zh);
		}
		signatures_free(s);
		return EXIT_CLEAN;
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
	bool explain = strcmp(argv[1], "explain") == 0;
	if (!explain && strcmp(argv[1], "classify") != 0)
		return usage_error("unknown signatures command '%s' (list, check, explain or classify)", argv[1]);
	struct sig_args sa = { 0 };
	int st = parse_sig_args(argc - 1, argv + 1, &sa, explain);
	if (st >= 0)
		return st;
	struct signatures *s = load_signatures(sa.dir);
	struct profile *p = NULL;
	if (!s || (sa.profile_path && !(p = load_profile(sa.profile_path, s)))) {
		signatures_free(s);
		return EXIT_ERROR;
	}
	if (!explain) {
		classify_lines(s, p, sa.ts_s, sa.uri_path[0] ? sa.uri_path : NULL);
	} else {
		/* --key K alone stands for a top-level body field, body.K */
		char path[1024];
		if (!sa.path)
			snprintf(path, sizeof(path), "body.%s", sa.key ? sa.key : "value");
		const char *fp = sa.path ? sa.path : path, *key;
		size_t klen = signatures_key_of_path(fp, &key);
		printf("field %s, key '%.*s'%s\n", fp, (int)klen, key, sa.ts_s ? "" : " (no --at: any time from 2001 "
		       "to 2100 counts as a timestamp)");
		struct field_in f = { fp, key, klen, sa.value, strlen(sa.value), sa.ts_s,
				      sa.uri_path[0] ? sa.uri_path : NULL };
		struct classification c;
		if (classify_field(s, p, &f, &c, stdout))
			printf("=> %s (%s, %s), rule %s, confidence %.2f%s%s\n", c.category->id, c.category->en,
			       c.category->sensitive ? "sensitive" : "not sensitive", c.rule, c.confidence,
			       c.hashed ? ", hashed " : "", c.hashed ? hash_kind_name(c.hashed) : "");
		else
			puts("=> not classified");
		const struct organization *o = signatures_organization(s, sa.value);
		if (o)
			printf("host %s: %s (%s, parent group %s), %s; source: %s\n", sa.value, o->sdk, o->name, o->parent,
			       o->category, o->source);
	}
	profile_free(p);
	signatures_free(s);
	return EXIT_CLEAN;
}

/* What the replay command line asked for. */
struct replay_args {
	struct audit_options opt;
	struct cli_common common;
	const char *output, *format, *sigdir, *profile_path, *carve_dir;
	const char *reads[64];   /* -r FILE */
	size_t nreads;
	const char *const *operands;
	size_t noperands;
	bool list_requests;
};

/* Parses the command line into ra; returns -1 when it is fine, else the
 * exit status to return (help shown, or a usage error printed). */
static int parse_replay(int argc, char **argv, struct replay_args *ra)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'T' },
		{ "filter", required_argument, NULL, 'f' },
		{ "list-requests", no_argument, NULL, OPT_LIST_REQUESTS },
		{ "signatures", required_argument, NULL, OPT_SIGNATURES },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "carve", required_argument, NULL, OPT_CARVE },
		CLI_COMMON_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "o:T:r:h" CLI_COMMON_SHORTOPTS, longopts)) != -1) {
		switch (c) {
		case 'o':
			ra->output = optarg;
			break;
		case 'T':
			if (!cli_format_ok(optarg))
				return usage_error("unknown format '%s' (json, text or md)", optarg);
			ra->format = optarg;
			break;
		case 'r':
			if (ra->nreads == sizeof(ra->reads) / sizeof(*ra->reads))
				return usage_error("too many -r files");
			ra->reads[ra->nreads++] = optarg;
			break;
		case OPT_LIST_REQUESTS:
			ra->list_requests = true;
			break;
		case OPT_SIGNATURES:
			ra->sigdir = optarg;
			break;
		case OPT_PROFILE:
			ra->profile_path = optarg;
			break;
		case OPT_CARVE:
			ra->carve_dir = optarg;
			break;
		case 'h':
			cli_print_audit_usage(stdout, usage_replay, usage_replay_exit);
			return EXIT_CLEAN;
		default: {
			int r = cli_common_option(c, optarg, &ra->common);
			if (r < 0 || (r > 0 && audit_option(c, optarg, &ra->opt) < 0))
				return EXIT_ERROR;
		}
		}
	}
	if (ra->nreads) { /* tcpdump -r FILE EXPR: the operands are the filter */
		if (optind < argc && cli_join_filter(argc - optind, argv + optind, &ra->common) < 0)
			return EXIT_ERROR;
		ra->operands = ra->reads;
		ra->noperands = ra->nreads;
	} else {
		if (optind >= argc)
			return usage_error("%s", "replay needs at least one CAPTURE (or -r FILE)");
		ra->operands = (const char *const *)argv + optind;
		ra->noperands = (size_t)(argc - optind);
	}
	return cli_check_filter(&ra->common) < 0 ? EXIT_ERROR : -1;
}

/* Reads every input into a; true when one failed. */
static bool replay_inputs(struct audit *a, const struct replay_args *ra)
{
	struct path_list paths = { 0 };
	if (capture_expand(ra->operands, ra->noperands, &paths) < 0) {
		log_error("out of memory");
		path_list_free(&paths);
		return true;
	}
	if (paths.n == 0)
		log_error("no capture files found in %s", ra->operands[0]);
	bool failed = paths.n == 0;
	for (size_t i = 0; i < paths.n && !audit_count_reached(a); i++) {
		struct audit_counters before = a->cnt;
		if (capture_replay_file(a, paths.v[i]) < 0) {
			failed = true; /* its error is printed already */
			continue;
		}
		const struct input_record *in = &a->inputs[a->ninputs - 1];
		log_detail("%s: %s, %s, %llu frames (%llu filtered out), %llu requests, TLS %llu decrypted of %llu",
			   in->path, in->format, pcap_datalink_val_to_name(in->dlt), (unsigned long long)in->frames,
			   (unsigned long long)(a->cnt.filtered - before.filtered),
			   (unsigned long long)(a->cnt.requests - before.requests),
			   (unsigned long long)(a->cnt.tls_decrypted - before.tls_decrypted),
			   (unsigned long long)(a->cnt.tls_flows - before.tls_flows));
	}
	if (audit_count_reached(a) && a->opt.max_frames)
		log_detail("-c %llu: stopped after frame %llu of %s", (unsigned long long)a->opt.max_frames,
			   (unsigned long long)a->inputs[a->ninputs - 1].frames, a->inputs[a->ninputs - 1].path);
	path_list_free(&paths);
	uint64_t unseen;
	if (policy_cli_pending(a->policy, &unseen))
		log_warn("mark frame:%llu: the first capture has no such frame; the mark is ignored",
			 (unsigned long long)unseen);
	return failed;
}

static int cmd_replay(int argc, char **argv)
{
	usage_command = "replay";
	struct replay_args ra;
	memset(&ra, 0, sizeof(ra));
	audit_default_options(&ra.opt);
	ra.opt.worker = true; /* a second core extracts and classifies while the first decodes */
	int st = parse_replay(argc, argv, &ra);
	if (st >= 0)
		return st;
	struct audit_options *opt = &ra.opt;
	if (ra.list_requests) {
		opt->on_listed = report_write_request_lines;
		opt->listed_ctx = stdout;
	}
	opt->no_report = ra.list_requests && !ra.output && !ra.carve_dir; /* the TSV replaces the report */
	struct signatures *sigs = load_signatures(ra.sigdir);
	struct profile *profile = NULL;
	struct keylog *keylog = NULL;
	struct audit *a = NULL;
	int rc = EXIT_ERROR;
	if (!sigs || (ra.profile_path && !(profile = load_profile(ra.profile_path, sigs))))
		goto out;
	opt->sigs = sigs;
	opt->profile = profile;
	opt->signatures_dir = ra.sigdir ? ra.sigdir : signatures_default_dir();
	cli_common_apply(&ra.common, opt);
	if (!(keylog = cli_load_keylogs(&ra.common)))
		goto out;
	opt->keylog = keylog;
	if (!(a = audit_new(opt))) {
		log_error("out of memory");
		goto out;
	}
	if (cli_apply_marks(&ra.common, a) < 0)
		goto out;
	bool input_failed = replay_inputs(a, &ra);
	audit_finish(a);
	struct report_output ro;
	if (report_output_open(&ro, ra.output, ra.common.sign_key) < 0)
		goto out;
	int wrc = emit_report(a, &ro, ra.format, ra.list_requests);
	if (ra.carve_dir && carve_evidence(ra.carve_dir, a) < 0)
		wrc = -1;
	const struct finding *fd;
	if (wrc < 0 || input_failed)
		rc = EXIT_ERROR;
	else
		rc = policy_findings(a->policy, &fd) ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	audit_free(a);
	keylog_free(keylog);
	profile_free(profile);
	signatures_free(sigs);
	return rc;
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
			cli_print_audit_usage(stdout, usage_replay, usage_replay_exit);
		else if (argc > 2 && strcmp(argv[2], "capture") == 0)
			cli_print_audit_usage(stdout, usage_capture, usage_capture_tail);
		else if (argc > 2 && strcmp(argv[2], "signatures") == 0)
			fputs(usage_signatures, stdout);
		else if (argc > 2 && strcmp(argv[2], "verify") == 0)
			fputs(usage_verify, stdout);
		else if (argc > 2 && strcmp(argv[2], "profile") == 0)
			fputs(usage_profile, stdout);
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
	if (strcmp(cmd, "profile") == 0)
		return cmd_profile(argc - 1, argv + 1);
	if (strcmp(cmd, "verify") == 0) {
		char self[4096];
		ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (k <= 0)
			return EXIT_ERROR;
		self[k] = 0;
		return cmd_verify(argc - 1, argv + 1, self);
	}
	return usage_error("unknown command '%s' (replay, capture, signatures, profile, verify or help)", cmd);
}
