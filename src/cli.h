/* \summary: what the command files share (main.c, cmd_capture.c,
 * cmd_verify.c): exit statuses, long option codes, usage errors, and the
 * loading and reporting steps `replay` and `capture` both take. */
#ifndef PA_CLI_H
#define PA_CLI_H

#include <stdbool.h>
#include <stdio.h>

struct audit;
struct audit_options;
struct profile;
struct signatures;

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_ERROR = 2 };


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
	OPT_MANDATORY_FROM,
	OPT_MANDATORY_UNTIL,
	OPT_DEVICE,
	OPT_LANG,
	OPT_PATH,
	OPT_AT,
	OPT_URI,
	OPT_CASE,
	OPT_EXAMINER,
	OPT_NOTE,
	OPT_SIGN,
	OPT_PUBKEY,
	OPT_ALL_FIELDS,
	OPT_ALL_FLOWS,
};

#include "custody.h"
#include "profile.h"

#define CLI_MAX_MARKS 64
#define CLI_MAX_KEYLOGS 64
#define CLI_MAX_DEVICES 16

/* The options replay and capture share, as given. */
struct cli_common {
	const char *keylogs[CLI_MAX_KEYLOGS];
	size_t nkeylogs;
	enum consent_kind mark_kinds[CLI_MAX_MARKS];
	const char *mark_when[CLI_MAX_MARKS];
	char mark_records[CLI_MAX_MARKS][256]; /* "consent:WHEN", as the report records them */
	const char *mark_list[CLI_MAX_MARKS];
	size_t nmarks;
	const char *devices[CLI_MAX_DEVICES];
	size_t ndevices;
	const char *filter;
	char joined_filter[4096];
	const char *lang;
	const char *case_id, *examiner, *note;
	const char *sign_key; /* --sign KEY.pem: REPORT.sig beside the report */
	unsigned long long count; /* -c N; 0: every frame */
	int verbosity;            /* -q -1, -v 1 */
};

/* The long options of struct cli_common and of audit_option. */
#define CLI_COMMON_LONGOPTS                                                                          \
	{ "keylog", required_argument, NULL, OPT_KEYLOG },                                          \
	{ "consent-at", required_argument, NULL, OPT_CONSENT_AT },                                  \
	{ "withdraw-at", required_argument, NULL, OPT_WITHDRAW_AT },                                \
	{ "mandatory-from", required_argument, NULL, OPT_MANDATORY_FROM },                          \
	{ "mandatory-until", required_argument, NULL, OPT_MANDATORY_UNTIL },                        \
	{ "device", required_argument, NULL, OPT_DEVICE },                                          \
	{ "lang", required_argument, NULL, OPT_LANG },                                              \
	{ "case", required_argument, NULL, OPT_CASE },                                              \
	{ "examiner", required_argument, NULL, OPT_EXAMINER },                                      \
	{ "note", required_argument, NULL, OPT_NOTE },                                              \
	{ "sign", required_argument, NULL, OPT_SIGN },                                              \
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },                                    \
	{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },                                  \
	{ "tcp-timeout", required_argument, NULL, OPT_TCP_TIMEOUT },                                \
	{ "udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT },                                \
	{ "reveal-values", no_argument, NULL, OPT_REVEAL_VALUES },                                  \
	{ "max-body", required_argument, NULL, OPT_MAX_BODY },                                      \
	{ "flows-only", no_argument, NULL, OPT_FLOWS_ONLY },                                        \
	{ "all-fields", no_argument, NULL, OPT_ALL_FIELDS },                                        \
	{ "all-flows", no_argument, NULL, OPT_ALL_FLOWS }

/* The short options every auditing command takes, for its getopt string. */
#define CLI_COMMON_SHORTOPTS "c:qvf:"
/* What cli_getopt returns for an unknown option or a missing value, after
 * printing the one-line error. */
#define CLI_BAD_OPTION '?'
struct option;
/* getopt_long whose errors start "privaudit:" and end with the help hint. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* One of the shared options into cc: 0 taken, 1 not one of them, -1 a
 * usage error (printed).  -f (the filter), -c, -q and -v are among them. */
int cli_common_option(int c, const char *arg, struct cli_common *cc);
/* tcpdump's habit: the words after the options are the filter. */
int cli_join_filter(int n, char **words, struct cli_common *cc);
/* Compiles the filter once, so a typo is a usage error before any capture. */
int cli_check_filter(const struct cli_common *cc);
/* Records what cc holds in opt (its strings stay cc's). */
void cli_common_apply(const struct cli_common *cc, struct audit_options *opt);
/* The key logs, read; NULL after printing why. */
struct keylog *cli_load_keylogs(const struct cli_common *cc);
/* The marks into the audit's policy: -1 after a usage error. */
int cli_apply_marks(const struct cli_common *cc, struct audit *a);
/* json, text or md. */
bool cli_format_ok(const char *f);

/* The command whose help a usage error points to. */
extern const char *usage_command;
/* Prints the one-line error and where to look; returns EXIT_ERROR. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A decimal count from 1 to max. */
bool parse_count(const char *s, unsigned long long max, unsigned long long *out);

/* Loads the signature set, printing its problems; NULL (after printing) on error. */
struct signatures *load_signatures(const char *dir);
/* Loads the app profile, printing its problems; NULL (after printing) on error. */
struct profile *load_profile(const char *path, const struct signatures *sigs);
/* The audit options replay and capture share, and the options getopt
 * refused: 0 when c was applied to opt, -1 after printing the error. */
int audit_option(int c, const char *arg, struct audit_options *opt);
int write_report(FILE *f, struct audit *a, const char *format);
/* The -o FILE with what seals it: FILE.sha256 and, with --sign, FILE.sig. */
struct report_output {
	const char *path; /* NULL: standard output */
	FILE *f;
	struct custody_seal seal;
};
/* Opens -o FILE (when path is not NULL) and its seal; -1 after printing. */
int report_output_open(struct report_output *out, const char *path, const char *sign_key);
void report_output_close(struct report_output *out);
/* Writes the report to the opened -o FILE, sealed and closed here, or
 * without one to standard output; with -o and a terminal on standard
 * output the text summary is shown there too.  Returns 0, or -1 (printed). */
int emit_report(struct audit *a, struct report_output *out, const char *format, bool list_requests);

extern const char usage_capture[], usage_capture_tail[], usage_verify[], usage_profile[];
/* A command's own options (head), those every auditing command takes, and
 * its closing lines (tail). */
void cli_print_audit_usage(FILE *f, const char *head, const char *tail);
int cmd_capture(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_verify(int argc, char **argv, const char *self);

#endif
