/* \summary: `privaudit verify`: runs the audit a report records again (as a
 * child `privaudit replay`) and confirms the same findings. */
#include <jansson.h>
#include <sys/wait.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "signatures.h"

const char usage_verify[] =
	"usage: privaudit verify REPORT.json [CAPTURE...]\n"
	"\n"
	"Runs the audit recorded in REPORT.json again (the same captures, or the\n"
	"CAPTUREs given, with the profile, signatures and options the report records)\n"
	"and confirms that the input hashes and the findings are identical.\n"
	"exit status: 0 identical, 1 differences (listed), 2 error\n";


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

int cmd_verify(int argc, char **argv, const char *self)
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
	static const struct {
		const char *kind, *opt;
	} mark_opts[] = { { "consent:", "--consent-at" }, { "withdrawal:", "--withdraw-at" },
			  { "mandatory_start:", "--mandatory-from" }, { "mandatory_end:", "--mandatory-until" } };
	json_array_foreach(json_object_get(opts, "marks"), i, m) {
		const char *s = json_string_value(m);
		for (size_t k = 0; s && k < sizeof(mark_opts) / sizeof(*mark_opts); k++)
			if (strncmp(s, mark_opts[k].kind, strlen(mark_opts[k].kind)) == 0) {
				argv_add(v, &n, cap, mark_opts[k].opt);
				argv_add(v, &n, cap, s + strlen(mark_opts[k].kind));
			}
	}
	json_array_foreach(json_object_get(opts, "devices"), i, m) {
		if (!json_string_value(m))
			continue;
		argv_add(v, &n, cap, "--device");
		argv_add(v, &n, cap, json_string_value(m));
	}
	if (json_str_at(opts, "filter")) {
		argv_add(v, &n, cap, "--filter");
		argv_add(v, &n, cap, json_str_at(opts, "filter"));
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

