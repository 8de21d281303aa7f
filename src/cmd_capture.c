/* \summary: `privaudit capture`: live capture into a session file, with
 * live findings and the report at the stop (live.c does the capturing). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "capture.h"
#include "cli.h"
#include "config.h"
#include "keylog.h"
#include "log.h"
#include "policy.h"
#include "profile.h"
#include "report.h"
#include "signatures.h"
#include "live.h"

const char usage_capture[] =
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
	"  -c N                    stop after N packets\n"
	"  -C MB                   start a new session file before one passes MB megabytes\n"
	"                          (10^6 bytes): FILE-00001.pcapng, FILE-00002.pcapng...\n"
	"  -G SECONDS              start a new session file for each SECONDS of capture\n"
	"                          time (same names)\n"
	"      --user NAME         started as root, the user to become once the interface,\n"
	"                          the report and the first session file are open\n"
	"                          (default: the user who ran sudo, else nobody)\n"
	"      --list-interfaces   list the interfaces and exit\n"
	"  -o, --output FILE       write the report to FILE (default: standard output)\n"
	"  -T, --format FORMAT     json, text or md (default: json with -o, else text)\n"
	"      --keylog FILE       TLS key log (SSLKEYLOGFILE), read again as it grows; its\n"
	"                          lines go into the session file (repeatable)\n";

const char usage_capture_tail[] =
	"\n"
	"During the capture: c (consent) and w (withdrawal), m (a step with no way to\n"
	"decline starts) and h (the home screen is reached) on a terminal, or SIGUSR1,\n"
	"SIGUSR2, SIGRTMIN and SIGRTMIN+1, record a mark.  See docs/capturing.md.\n"
	"exit status: 0 no findings, 1 findings, 2 usage, capture or write error,\n"
	"130 aborted\n";

static bool parse_rotation(const char *arg, unsigned long long max, unsigned long long scale, uint64_t *out)
{
	unsigned long long v;
	if (!parse_count(arg, max, &v))
		return false;
	*out = v * scale;
	return true;
}

/* Removes OUTPUT and the seal's files opened beside it. */
static void unlink_sealed(const char *output, bool signed_too)
{
	char path[4096];
	unlink(output);
	snprintf(path, sizeof(path), "%s.sha256", output);
	unlink(path);
	if (signed_too) {
		snprintf(path, sizeof(path), "%s.sig", output);
		unlink(path);
	}
}

/* What the capture command line asked for. */
struct capture_args {
	struct audit_options opt;
	struct live_config cfg;
	struct cli_common cc;
	const char *output, *format, *sigdir, *profile_path;
	bool list;
};

/* One capture-only option into ca: 0 taken, 1 not one of them, else the
 * exit status of a usage error (printed). */
static int capture_option(int c, const char *arg, struct capture_args *ca)
{
	switch (c) {
	case 'i':
		ca->cfg.iface = arg;
		return 0;
	case 'w':
		ca->cfg.session = arg;
		return 0;
	case 'o':
		ca->output = arg;
		return 0;
	case 'T':
		if (!cli_format_ok(arg))
			return usage_error("unknown format '%s' (json, text or md)", arg);
		ca->format = arg;
		return 0;
	case 'C':
		if (!parse_rotation(arg, 1ULL << 30, 1000000ULL, &ca->cfg.rotate_bytes))
			return usage_error("-C wants a positive number of megabytes, not '%s'", arg);
		return 0;
	case 'G':
		if (!parse_rotation(arg, 86400ULL * 365, 1000000000ULL, &ca->cfg.rotate_ns))
			return usage_error("-G wants a positive number of seconds, not '%s'", arg);
		return 0;
	case OPT_USER:
		ca->cfg.user = arg;
		return 0;
	case OPT_LIST_INTERFACES:
		ca->list = true;
		return 0;
	case OPT_PROFILE:
		ca->profile_path = arg;
		return 0;
	case OPT_SIGNATURES:
		ca->sigdir = arg;
		return 0;
	default:
		return 1;
	}
}

/* Parses the command line into ca; -1 when it is fine, else the exit status. */
static int parse_capture(int argc, char **argv, struct capture_args *ca)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "write", required_argument, NULL, 'w' },
		{ "filter", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'T' },
		{ "user", required_argument, NULL, OPT_USER },
		{ "list-interfaces", no_argument, NULL, OPT_LIST_INTERFACES },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "signatures", required_argument, NULL, OPT_SIGNATURES },
		CLI_COMMON_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "i:w:o:T:C:G:h" CLI_COMMON_SHORTOPTS, longopts)) != -1) {
		if (c == 'h') {
			cli_print_audit_usage(stdout, usage_capture, usage_capture_tail);
			return EXIT_CLEAN;
		}
		int r = capture_option(c, optarg, ca);
		if (r == 1) {
			r = cli_common_option(c, optarg, &ca->cc);
			if (r > 0)
				r = audit_option(c, optarg, &ca->opt);
			if (r < 0)
				return EXIT_ERROR;
		} else if (r != 0) {
			return r;
		}
	}
	ca->cfg.filter = ca->cc.filter;    /* -f: the capture filter, as in replay */
	ca->cfg.max_packets = ca->cc.count; /* -c: as tcpdump, packets the filter passed */
	if (optind < argc)
		return usage_error("capture takes no operands ('%s')", argv[optind]);
	if (ca->list)
		return live_list_interfaces(stdout) == 0 ? EXIT_CLEAN : EXIT_ERROR;
	if (!ca->cfg.iface || !ca->cfg.session)
		return usage_error("%s", "capture needs -i IFACE and -w SESSION.pcapng");
	return -1;
}

/* The audit options of the live run.  What chose the session file's
 * contents is not recorded: the key logs (the file carries the keys), the
 * filter (its IDB says it) and -c (it stopped the capture), so replay of
 * the session reports the same options. */
static void live_options(struct capture_args *ca, struct audit_options *opt)
{
	cli_common_apply(&ca->cc, opt);
	opt->keylog_paths = NULL;
	opt->nkeylog_paths = 0;
	opt->filter = NULL;
	opt->max_frames = 0;
}

/* Keys that came after the live audit read their handshakes: the session
 * files have them, so they are read again, as replay will, and that audit
 * is the report's.  Returns the audit to report (a, or the new one). */
static struct audit *audit_again(struct audit *a, struct audit_options *opt, size_t late, enum live_status *st)
{
	log_warn("%zu TLS connection%s got %s keys after the live audit had read %s handshake; the report is "
		 "made by reading the session file again",
		 late, late == 1 ? "" : "s", late == 1 ? "its" : "their", late == 1 ? "its" : "their");
	opt->on_live_finding = NULL;
	opt->keylog = NULL; /* the keys come from the session file's DSBs, as in replay */
	struct audit *again = audit_new(opt);
	if (!again) {
		log_error("out of memory");
		*st = LIVE_FAILED;
		return a;
	}
	for (size_t i = 0; i < a->ninputs; i++)
		if (capture_replay_file(again, a->inputs[i].path) < 0)
			*st = LIVE_FAILED;
	audit_free(a);
	return again;
}

/* The report, its seal and the signing key, opened before privileges go
 * (as tcpdump opens -w), so that a report that cannot be written is known
 * before the session, not after it; the files belong to the user the
 * session runs as. */
static int open_outputs(struct capture_args *ca, struct live *l, struct report_output *ro)
{
	if (report_output_open(ro, ca->output, ca->cc.sign_key) < 0)
		return -1;
	if (ro->f && (live_give(l, fileno(ro->f)) < 0 || live_give(l, fileno(ro->seal.sum)) < 0 ||
		      (ro->seal.sig && live_give(l, fileno(ro->seal.sig)) < 0)))
		return -1;
	return 0;
}

/* Captures until stopped and writes the report; the exit status. */
static int session(struct capture_args *ca, struct live *l, struct audit *a, struct audit_options *opt,
		   struct report_output *ro)
{
	enum live_status st = live_run(l, a);
	if (st == LIVE_NOT_STARTED) {
		if (ro->f) { /* no session, so no report: leave nothing behind */
			report_output_close(ro);
			unlink_sealed(ca->output, ca->cc.sign_key != NULL);
		}
		audit_free(a);
		return EXIT_ERROR;
	}
	size_t late = live_late_keys(l);
	if (late)
		a = audit_again(a, opt, late, &st);
	audit_finish(a);
	live_late_findings(l, a);
	/* the finding lines are on standard output: the report joins them as a
	 * summary unless JSON or Markdown is asked for */
	int wrc = emit_report(a, ro, ca->format ? ca->format : ca->output ? "json" : "text", false);
	const struct finding *fd;
	int rc = wrc < 0 || st == LIVE_FAILED ? EXIT_ERROR
		 : policy_findings(a->policy, &fd) ? EXIT_FINDINGS : EXIT_CLEAN;
	audit_free(a);
	return rc;
}

int cmd_capture(int argc, char **argv)
{
	usage_command = "capture";
	static struct capture_args ca; /* large; one per process */
	audit_default_options(&ca.opt);
	int st = parse_capture(argc, argv, &ca);
	if (st >= 0)
		return st;
	/* the interface first: a wrong name, filter or missing privilege is
	 * reported before the signatures are loaded */
	struct live *l = live_open(&ca.cfg);
	if (!l)
		return EXIT_ERROR;
	struct signatures *sigs = load_signatures(ca.sigdir);
	struct profile *profile = NULL;
	struct keylog *keylog = keylog_new();
	struct audit *a = NULL;
	struct report_output ro = { 0 };
	int rc = EXIT_ERROR;
	if (!sigs || (ca.profile_path && !(profile = load_profile(ca.profile_path, sigs))))
		goto out;
	if (!keylog) {
		log_error("out of memory");
		goto out;
	}
	struct audit_options *opt = &ca.opt;
	opt->sigs = sigs;
	opt->profile = profile;
	opt->signatures_dir = ca.sigdir ? ca.sigdir : signatures_default_dir();
	live_options(&ca, opt);
	opt->keylog = keylog;
	opt->on_live_finding = live_finding;
	opt->live_ctx = l;
	if (!(a = audit_new(opt)))
		log_error("out of memory");
	else if (live_add_keylogs(l, keylog, ca.cc.keylogs, ca.cc.nkeylogs) == 0 && live_choose_user(l) == 0 &&
		 open_outputs(&ca, l, &ro) == 0) {
		rc = session(&ca, l, a, opt, &ro); /* it frees the audit */
		a = NULL;
	}
out:
	report_output_close(&ro);
	audit_free(a);
	live_free(l);
	keylog_free(keylog);
	profile_free(profile);
	signatures_free(sigs);
	return rc;
}
