/* \summary: `privaudit verify`: runs the audit a report records again (as a
 * child `privaudit replay`, with the report's own copy of the profile and
 * the signature set whose hash the report names) and compares every part of
 * the report the audit determines, record by record; checks REPORT.sha256
 * and, with --pubkey, REPORT.sig.  Consumes a report (and the captures);
 * produces the differences, each as a path with the report's value and
 * the value now. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "custody.h"
#include "log.h"
#include "signatures.h"

const char usage_verify[] =
	"usage: privaudit verify REPORT.json [CAPTURE...] [options]\n"
	"\n"
	"Runs the audit recorded in REPORT.json again -- on the captures it names, or\n"
	"the CAPTUREs given, with the report's own copy of the profile, the signature\n"
	"set with the SHA-256 the report names, and the options it records -- and\n"
	"compares every part of the report the audit determines (inputs, consent,\n"
	"device, flows, recipients, transmissions and their fields, findings,\n"
	"coverage).  Each difference is printed as a path with the report's value\n"
	"and the value now.  REPORT.json.sha256 beside the report is checked, and\n"
	"with --pubkey its signature REPORT.json.sig.\n"
	"\n"
	"options:\n"
	"      --signatures DIR    the signature set to use (default: the installed set\n"
	"                          when its SHA-256 is the report's, else the one the\n"
	"                          report names)\n"
	"      --profile FILE      a profile to use instead of the report's own copy\n"
	"      --keylog FILE       key logs to use instead of those the report names\n"
	"                          (repeatable)\n"
	"      --pubkey KEY.pem    the examiner's Ed25519 public key: check REPORT.json.sig\n"
	"exit status: 0 reproduced, 1 differences (listed), 2 error\n";

/* Appends s to a NULL-terminated argument vector (fixed capacity). */
/* the numbers build_argv prints: the five limits, then -c */
enum { VERIFY_NUM_COUNT = 5, VERIFY_NUMS };

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

/* ---- a report, one record at a time ---- */

/* A report's records: each top-level member that fits on its line is one
 * record (index 0); an array written one element per line gives one
 * record per element. */
struct reader {
	FILE *f;
	char *line;
	size_t cap;
	char section[64];
	long index;     /* element index, or -1 for a one-line member */
	bool in_array;
};

/* The next record into *text (valid until the next call); false at the end. */
static bool next_record(struct reader *r, const char **text)
{
	ssize_t n;
	while ((n = getline(&r->line, &r->cap, r->f)) > 0) {
		while (n && (r->line[n - 1] == '\n' || r->line[n - 1] == ',' || r->line[n - 1] == ' '))
			r->line[--n] = 0;
		char *s = r->line;
		while (*s == ' ')
			s++;
		if (!*s || strcmp(s, "{") == 0 || strcmp(s, "}") == 0)
			continue;
		if (r->in_array && (strcmp(s, "]") == 0)) {
			r->in_array = false;
			continue;
		}
		if (r->in_array) {
			r->index++;
			*text = s;
			return true;
		}
		/* "name": value */
		char *colon = s[0] == '"' ? strstr(s, "\": ") : NULL;
		if (!colon)
			continue; /* not a report's layout: the comparison says so */
		snprintf(r->section, sizeof(r->section), "%.*s", (int)(colon - s - 1), s + 1);
		char *v = colon + 3;
		if (strcmp(v, "[") == 0) {
			r->in_array = true;
			r->index = -1;
			continue;
		}
		r->index = -2; /* a whole member on one line */
		*text = v;
		return true;
	}
	return false;
}

/* ---- differences ---- */

struct diffs {
	size_t n, shown;
	bool skip_paths; /* the comparison of a record excludes what never has to match */
};

#define MAX_SHOWN 100

static void value_text(json_t *v, char *buf, size_t len)
{
	char *t = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6)) : NULL;
	snprintf(buf, len, "%s", t ? t : "(none)");
	if (t && strlen(t) >= len && len > 4) {
		/* cut at a character's start: the line stays UTF-8 */
		size_t cut = len - 4;
		while (cut > 0 && ((unsigned char)buf[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(buf + cut, "...", 4);
	}
	free(t);
}

static void report_diff(struct diffs *d, const char *path, json_t *was, json_t *now)
{
	d->n++;
	if (d->shown++ >= MAX_SHOWN)
		return;
	char a[160], b[160];
	value_text(was, a, sizeof(a));
	value_text(now, b, sizeof(b));
	printf("%s: %s -> %s\n", path, a, b);
}

/* Parts no run must reproduce: where the files were, how the tool was
 * built, the case's own data. */
static bool excluded(const char *path)
{
	static const char *const skip[] = {
		"tool.version", "tool.build", "tool.libraries", "tool.options.profile", "tool.options.signatures",
		"tool.options.keylogs", "profile.path", "case",
	};
	for (size_t i = 0; i < sizeof(skip) / sizeof(*skip); i++)
		if (strcmp(path, skip[i]) == 0)
			return true;
	/* inputs[N].path */
	const char *p = strrchr(path, '.');
	return strncmp(path, "inputs[", 7) == 0 && p && strcmp(p, ".path") == 0;
}

static void diff_values(struct diffs *d, const char *path, json_t *was, json_t *now)
{
	if (excluded(path))
		return;
	if (json_is_object(was) && json_is_object(now)) {
		const char *k;
		json_t *v;
		char sub[512];
		json_object_foreach(was, k, v) {
			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			diff_values(d, sub, v, json_object_get(now, k));
		}
		json_object_foreach(now, k, v)
			if (!json_object_get(was, k)) {
				snprintf(sub, sizeof(sub), "%s.%s", path, k);
				if (!excluded(sub))
					report_diff(d, sub, NULL, v);
			}
		return;
	}
	if (json_is_array(was) && json_is_array(now)) {
		size_t n = json_array_size(was) > json_array_size(now) ? json_array_size(was) : json_array_size(now);
		char sub[512];
		for (size_t i = 0; i < n; i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			diff_values(d, sub, json_array_get(was, i), json_array_get(now, i));
		}
		return;
	}
	if (!was || !now || !json_equal(was, now))
		report_diff(d, path, was, now);
}

static void diff_record(struct diffs *d, const char *section, long index, const char *was, const char *now)
{
	if (was && now && strcmp(was, now) == 0)
		return;
	char path[256];
	if (index >= 0)
		snprintf(path, sizeof(path), "%s[%ld]", section, index);
	else
		snprintf(path, sizeof(path), "%s", section);
	json_error_t err;
	json_t *a = was ? json_loads(was, JSON_DECODE_ANY, &err) : NULL;
	json_t *b = now ? json_loads(now, JSON_DECODE_ANY, &err) : NULL;
	if ((was && !a) || (now && !b)) { /* not JSON: a damaged report */
		d->n++;
		if (d->shown++ < MAX_SHOWN)
			printf("%s: the record cannot be read as JSON\n", path);
	} else {
		diff_values(d, path, a, b);
	}
	json_decref(a);
	json_decref(b);
}

/* Where a section comes in the report: records of two reports are
 * compared in step by this order. */
static int section_rank(const char *s)
{
	static const char *const order[] = { "tool",	  "case",	   "inputs",	 "summary",    "profile",
					     "device",	  "consent",	   "flows",	 "flow_summary", "recipients",
					     "transmissions", "findings", "categories", "coverage" };
	for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++)
		if (strcmp(order[i], s) == 0)
			return (int)i;
	return 99;
}

/* Compares the two reports record by record, streaming both files. */
static size_t compare_reports(const char *was_path, const char *now_path, struct diffs *d)
{
	struct reader a = { .f = fopen(was_path, "r") }, b = { .f = fopen(now_path, "r") };
	if (!a.f || !b.f) {
		if (a.f)
			fclose(a.f);
		if (b.f)
			fclose(b.f);
		return (size_t)-1;
	}
	const char *ta = NULL, *tb = NULL;
	bool ha = next_record(&a, &ta), hb = next_record(&b, &tb);
	while (ha || hb) {
		int ra = ha ? section_rank(a.section) : 100, rb = hb ? section_rank(b.section) : 100;
		if (ha && hb && ra == rb && a.index == b.index) {
			diff_record(d, a.section, a.index, ta, tb);
			ha = next_record(&a, &ta);
			hb = next_record(&b, &tb);
		} else if (ha && (!hb || ra < rb || (ra == rb && a.index < b.index))) {
			diff_record(d, a.section, a.index, ta, NULL); /* in the report, not now */
			ha = next_record(&a, &ta);
		} else {
			diff_record(d, b.section, b.index, NULL, tb); /* now, not in the report */
			hb = next_record(&b, &tb);
		}
	}
	free(a.line);
	free(b.line);
	fclose(a.f);
	fclose(b.f);
	return d->n;
}

/* ---- what to run ---- */

/* The report's tool, profile and inputs records, read from its head. */
struct recorded {
	json_t *tool, *profile, *inputs;
};

static bool read_recorded(const char *path, struct recorded *rec)
{
	struct reader r = { .f = fopen(path, "r") };
	if (!r.f)
		return false;
	rec->inputs = json_array();
	const char *t;
	json_error_t err;
	while (next_record(&r, &t)) {
		if (section_rank(r.section) > section_rank("profile"))
			break;
		json_t *v = json_loads(t, JSON_DECODE_ANY, &err);
		if (strcmp(r.section, "tool") == 0)
			rec->tool = v;
		else if (strcmp(r.section, "profile") == 0)
			rec->profile = v;
		else if (strcmp(r.section, "inputs") == 0 && v)
			json_array_append_new(rec->inputs, v);
		else
			json_decref(v);
	}
	free(r.line);
	fclose(r.f);
	return json_is_object(rec->tool);
}

/* The signature set to run with: the one asked for; else the installed set,
 * then the one the report names, whichever has the report's hash. */
static const char *choose_signatures(const char *asked, json_t *opts, const char *want, char *why, size_t len)
{
	if (asked)
		return asked;
	const char *cand[] = { signatures_default_dir(), json_str_at(opts, "signatures") };
	if (cand[1] && strcmp(cand[0], cand[1]) == 0)
		cand[1] = NULL;
	for (size_t i = 0; i < 2; i++) {
		struct stat st;
		if (!cand[i] || stat(cand[i], &st) != 0)
			continue;
		struct signatures *s = signatures_load(cand[i], NULL, NULL);
		bool same = s && want && strcmp(signatures_sha256(s), want) == 0;
		signatures_free(s);
		if (same)
			return cand[i];
	}
	struct stat st;
	bool have_default = stat(cand[0], &st) == 0;
	snprintf(why, len, "no signature set here has the report's SHA-256 %s (tried %s%s%s)%s%s; give --signatures DIR "
		 "for the set the report used",
		 want ? want : "(none)", cand[0], cand[1] ? " and " : "", cand[1] ? cand[1] : "",
		 have_default ? ": the run uses " : "", have_default ? cand[0] : "");
	return have_default ? cand[0] : NULL;
}

/* The report's own copy of its profile, written to a temporary file. */
static bool embedded_profile(json_t *profile, char *tmpl, size_t len)
{
	const char *text = json_str_at(profile, "text");
	if (!text)
		return false;
	const char *tmpdir = getenv("TMPDIR");
	snprintf(tmpl, len, "%s/privaudit-profile-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(tmpl);
	if (fd < 0)
		return false;
	size_t n = strlen(text);
	bool ok = write(fd, text, n) == (ssize_t)n;
	close(fd);
	return ok;
}

struct verify_args {
	const char *report, *sigdir, *profile, *pubkey;
	const char *keylogs[CLI_MAX_KEYLOGS];
	size_t nkeylogs;
	char *const *captures;
	size_t ncaptures;
};

/* The replay command line that runs the report's audit again. */
static void build_argv(const char **v, size_t cap, const char *self, const char *out, const struct verify_args *va,
		       json_t *opts, json_t *inputs, const char *sigdir, const char *profile, char nums[][32])
{
	size_t n = 0;
	argv_add(v, &n, cap, self);
	argv_add(v, &n, cap, "replay");
	argv_add(v, &n, cap, "--format");
	argv_add(v, &n, cap, "json");
	argv_add(v, &n, cap, "-o");
	argv_add(v, &n, cap, out);
	if (profile) {
		argv_add(v, &n, cap, "--profile");
		argv_add(v, &n, cap, profile);
	}
	argv_add(v, &n, cap, "--signatures");
	argv_add(v, &n, cap, sigdir);
	json_t *m;
	size_t i;
	if (va->nkeylogs) {
		for (i = 0; i < va->nkeylogs; i++) {
			argv_add(v, &n, cap, "--keylog");
			argv_add(v, &n, cap, va->keylogs[i]);
		}
	} else {
		json_array_foreach(json_object_get(opts, "keylogs"), i, m) {
			if (!json_string_value(m))
				continue;
			argv_add(v, &n, cap, "--keylog");
			argv_add(v, &n, cap, json_string_value(m));
		}
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
	json_t *count = json_object_get(opts, "count");
	if (json_is_integer(count) && json_integer_value(count) > 0) {
		snprintf(nums[VERIFY_NUM_COUNT], 32, "%lld", (long long)json_integer_value(count));
		argv_add(v, &n, cap, "-c");
		argv_add(v, &n, cap, nums[VERIFY_NUM_COUNT]);
	}
	if (json_is_true(json_object_get(opts, "reveal_values")))
		argv_add(v, &n, cap, "--reveal-values");
	if (json_is_true(json_object_get(opts, "flows_only")))
		argv_add(v, &n, cap, "--flows-only");
	if (json_is_true(json_object_get(opts, "all_fields")))
		argv_add(v, &n, cap, "--all-fields");
	if (json_is_true(json_object_get(opts, "all_flows")))
		argv_add(v, &n, cap, "--all-flows");
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
		snprintf(nums[k], 32, "%lld", (long long)(json_integer_value(x) >> limits[k].shift));
		argv_add(v, &n, cap, limits[k].opt);
		argv_add(v, &n, cap, nums[k]);
	}
	if (va->ncaptures) {
		for (size_t k = 0; k < va->ncaptures; k++)
			argv_add(v, &n, cap, va->captures[k]);
	} else {
		json_t *in;
		json_array_foreach(inputs, i, in)
			if (json_str_at(in, "path"))
				argv_add(v, &n, cap, json_str_at(in, "path"));
	}
}

static int parse_verify(int argc, char **argv, struct verify_args *va)
{
	static const struct option longopts[] = {
		{ "signatures", required_argument, NULL, OPT_SIGNATURES },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "keylog", required_argument, NULL, OPT_KEYLOG },
		{ "pubkey", required_argument, NULL, OPT_PUBKEY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	usage_command = "verify";
	int c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "h", longopts)) != -1) {
		switch (c) {
		case OPT_SIGNATURES:
			va->sigdir = optarg;
			break;
		case OPT_PROFILE:
			va->profile = optarg;
			break;
		case OPT_PUBKEY:
			va->pubkey = optarg;
			break;
		case OPT_KEYLOG:
			if (va->nkeylogs == CLI_MAX_KEYLOGS)
				return usage_error("too many key logs");
			va->keylogs[va->nkeylogs++] = optarg;
			break;
		case 'h':
			fputs(usage_verify, stdout);
			return EXIT_CLEAN;
		default: /* CLI_BAD_OPTION, printed */
			return EXIT_ERROR;
		}
	}
	if (optind >= argc)
		return usage_error("%s", "verify needs a REPORT.json");
	va->report = argv[optind];
	va->captures = argv + optind + 1;
	va->ncaptures = (size_t)(argc - optind - 1);
	return -1;
}

/* REPORT.sha256 and REPORT.sig: counted as differences when they do not match. */
static size_t check_custody(const struct verify_args *va)
{
	char err[1024];
	size_t bad = 0;
	enum custody_verdict v = custody_check_sha256(va->report, err, sizeof(err));
	if (v == CUSTODY_OK) {
		printf("integrity: %s matches %s.sha256\n", va->report, va->report);
	} else if (v != CUSTODY_ABSENT) {
		printf("integrity: %s\n", err);
		bad++;
	}
	if (!va->pubkey) {
		char *sig;
		if (asprintf(&sig, "%s.sig", va->report) >= 0 && access(sig, F_OK) == 0)
			printf("signature: %s is signed; give --pubkey to check it\n", va->report);
		free(sig);
		return bad;
	}
	v = custody_check_signature(va->report, va->pubkey, err, sizeof(err));
	if (v == CUSTODY_OK) {
		printf("signature: good (Ed25519, %s)\n", va->pubkey);
		return bad;
	}
	if (v == CUSTODY_ABSENT)
		printf("signature: %s.sig is missing\n", va->report);
	else
		printf("signature: %s\n", err);
	return bad + 1;
}

/* A report in another JSON layout (reformatted by a viewer, rewritten by a
 * script) into privaudit's own, one record per line, in a temporary file:
 * the comparison reads records, not bytes.  Returns false when the file is
 * not JSON at all. */
static bool canonical_copy(const char *path, char *tmpl, size_t len)
{
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return false;
	}
	const char *tmpdir = getenv("TMPDIR");
	snprintf(tmpl, len, "%s/privaudit-report-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(tmpl);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		json_decref(doc);
		return false;
	}
	fputs("{\n", f);
	const char *k;
	json_t *v;
	size_t i = 0, n = json_object_size(doc);
	json_object_foreach(doc, k, v) {
		fprintf(f, "  \"%s\": ", k);
		if (json_is_array(v) && json_array_size(v)) {
			fputs("[\n", f);
			for (size_t e = 0; e < json_array_size(v); e++) {
				char *t = json_dumps(json_array_get(v, e), JSON_COMPACT | JSON_ENCODE_ANY);
				fprintf(f, "    %s%s\n", t ? t : "null", e + 1 < json_array_size(v) ? "," : "");
				free(t);
			}
			fputs("  ]", f);
		} else {
			char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			fputs(t ? t : "null", f);
			free(t);
		}
		fputs(++i < n ? ",\n" : "\n", f);
	}
	fputs("}\n", f);
	bool ok = fclose(f) == 0;
	json_decref(doc);
	return ok;
}

/* What a verification holds while it runs: freed by verify_end. */
struct verify_run {
	struct verify_args va;
	const char *given;   /* the report as named (its .sha256 and .sig are beside it) */
	struct recorded rec;
	char canon[4096];    /* a reformatted report's canonical copy, or "" */
	char profile[4096];  /* the report's profile copy, or "" */
	char out[4096];      /* the new report, or "" */
};

static void verify_end(struct verify_run *r)
{
	if (r->out[0])
		unlink(r->out);
	if (r->profile[0])
		unlink(r->profile);
	if (r->canon[0])
		unlink(r->canon);
	json_decref(r->rec.tool);
	json_decref(r->rec.profile);
	json_decref(r->rec.inputs);
}

/* The report's records, in privaudit's layout (a reformatted report is
 * copied into it first). */
static bool verify_read(struct verify_run *r)
{
	r->given = r->va.report;
	if (!read_recorded(r->va.report, &r->rec) && canonical_copy(r->va.report, r->canon, sizeof(r->canon))) {
		json_decref(r->rec.tool);
		json_decref(r->rec.inputs);
		memset(&r->rec, 0, sizeof(r->rec));
		r->va.report = r->canon;
		read_recorded(r->va.report, &r->rec);
	}
	if (!r->rec.tool)
		log_error("%s: not a privaudit report (no tool record)", r->given);
	return r->rec.tool != NULL;
}

/* Runs the audit again into r->out; returns the signature set used or NULL. */
static bool verify_rerun(struct verify_run *r, const char *self)
{
	json_t *opts = json_object_get(r->rec.tool, "options");
	char why[2048] = "";
	const char *sigdir = choose_signatures(r->va.sigdir, opts, json_str_at(r->rec.tool, "signatures_sha256"), why,
					       sizeof(why));
	if (why[0])
		printf("signature set: %s\n", why);
	if (!sigdir) {
		log_error("%s: no signature set to run the audit with", r->given);
		return false;
	}
	const char *profile = r->va.profile;
	if (!profile && json_is_object(r->rec.profile)) {
		if (!embedded_profile(r->rec.profile, r->profile, sizeof(r->profile))) {
			log_error("%s: the report holds no copy of its profile: give --profile FILE", r->given);
			return false;
		}
		profile = r->profile;
	}
	const char *tmpdir = getenv("TMPDIR");
	snprintf(r->out, sizeof(r->out), "%s/privaudit-verify-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(r->out);
	if (fd < 0) {
		log_error("cannot create a temporary file: %s", strerror(errno));
		r->out[0] = 0;
		return false;
	}
	close(fd);
	const char *v[512];
	char nums[VERIFY_NUMS][32];
	build_argv(v, sizeof(v) / sizeof(*v), self, r->out, &r->va, opts, r->rec.inputs, sigdir, profile, nums);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execv(self, (char *const *)v);
		_exit(127);
	}
	int status = 0;
	struct stat st;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) > 2) {
		log_error("could not run the audit again (%s)", self);
		return false;
	}
	if (stat(r->out, &st) != 0 || st.st_size == 0) {
		log_error("the audit run again wrote no report (its errors are above)");
		return false;
	}
	return true;
}

int cmd_verify(int argc, char **argv, const char *self)
{
	struct verify_run r;
	memset(&r, 0, sizeof(r));
	int st = parse_verify(argc, argv, &r.va);
	if (st >= 0)
		return st;
	int rc = EXIT_ERROR;
	if (!verify_read(&r))
		goto done;
	const char *copy = r.va.report;
	r.va.report = r.given;
	size_t custody_bad = check_custody(&r.va);
	r.va.report = copy;
	if (!verify_rerun(&r, self))
		goto done;
	struct diffs d = { 0 };
	if (compare_reports(r.va.report, r.out, &d) == (size_t)-1) {
		log_error("the audit run again wrote no report");
		goto done;
	}
	if (d.shown > MAX_SHOWN)
		printf("... and %zu more differences\n", d.shown - MAX_SHOWN);
	size_t bad = d.n + custody_bad, ninputs = json_array_size(r.rec.inputs);
	if (bad)
		printf("%zu difference%s: the report is NOT reproduced\n", bad, bad == 1 ? "" : "s");
	else
		printf("reproduced: %zu input%s with the same SHA-256; inputs, consent, device, flows, recipients, "
		       "transmissions, findings and coverage identical\n",
		       ninputs, ninputs == 1 ? "" : "s");
	rc = bad ? EXIT_FINDINGS : EXIT_CLEAN;
done:
	verify_end(&r);
	return rc;
}
