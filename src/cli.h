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
};

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
/* Writes the report to f, the opened -o FILE (closed here), or without one
 * to standard output; with -o and a terminal on standard output the text
 * summary is shown there too.  Returns 0, or -1 (printed). */
int emit_report(struct audit *a, FILE *f, const char *output, const char *format, bool list_requests);

extern const char usage_capture[], usage_verify[];
int cmd_capture(int argc, char **argv);
int cmd_verify(int argc, char **argv, const char *self);

#endif
