/* \summary: the app profile (YAML): who the first party is, its affiliates,
 * the recipients and categories its privacy policy discloses, the requests
 * that mark consent and withdrawal, what may be sent before consent, and
 * canary values the tester planted.  See docs/profiles.md.
 */
#ifndef PA_PROFILE_H
#define PA_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct signatures;
struct category;

struct profile_party {
	char *organization;
	char **domains;
	size_t ndomains;
	char **categories; /* disclosed entries only: ids or prefixes like "device.*" */
	size_t ncategories;
};

/* The marks a tester or a profile rule puts on the timeline: consent and its
 * withdrawal, and the start and end of a mandatory step (a screen that
 * offered no way to decline: the court case's first-login questionnaires). */
enum consent_kind { CONSENT_GIVEN, CONSENT_WITHDRAWN, MANDATORY_START, MANDATORY_END };
/* "consent", "withdrawal", "mandatory_start", "mandatory_end" */
const char *consent_kind_name(enum consent_kind k);
/* The kind named so (as in profiles, pcapng marks and reports); false when none is. */
bool consent_kind_parse(const char *name, enum consent_kind *out);

struct consent_rule {
	char *name;
	enum consent_kind kind;
	char *host, *method, *path;
	char **body_paths, **body_values; /* `body.agree` = "true" */
	size_t nbody;
};

struct canary {
	const struct category *category;
	char *value;
	char **variants; /* raw, case-folded, URL-encoded, base64, digests */
	size_t *variant_len;
	const char **variant_form; /* what each variant is: "value", "sha256(lowercase)" ... */
	size_t nvariants;
};

struct profile {
	char *path;
	char sha256[65]; /* of the file's bytes */
	char *text;      /* the file's bytes (NUL-terminated), embedded in reports so that
			  * `verify` needs nothing of the auditor's machine */
	char *app_name, *app_id;
	struct profile_party first_party;
	struct profile_party *affiliates, *disclosed;
	size_t naffiliates, ndisclosed;
	struct consent_rule *rules;
	size_t nrules;
	char **necessary; /* categories (or prefixes) allowed before consent */
	size_t nnecessary;
	/* what the basic service needs (`necessary:`), each with its reason
	 * (NULL when none was given); everything else is optional processing */
	char **service_needs, **service_need_reasons;
	size_t nservice_needs;
	struct canary *canaries;
	size_t ncanaries;
};

/* Loads and validates a profile; problems go to `errors` as
 * `file:line: message` and make it return NULL. */
struct profile *profile_load(const char *path, const struct signatures *sigs, FILE *errors, int *nerrors);
void profile_free(struct profile *p);

/* Does host (a name, no port) fall under one of the domains (suffix match)? */
bool profile_domain_match(char *const *domains, size_t n, const char *host);
/* Does category id match one of the patterns ("device.oaid", "device.*")? */
bool profile_category_match(char *const *patterns, size_t n, const char *id);
/* The canary whose value (in any of its forms) occurs in value, or NULL;
 * *form names the form that matched. */
const struct canary *profile_find_canary(const struct profile *p, const char *value, size_t len, const char **form);

#endif
