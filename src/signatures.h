/* \summary: the signature set: personal-data categories, field rules and
 * organizations, loaded from YAML (signatures/), checked, indexed, and
 * applied to fields and hosts.
 *
 * A field is classified by the first rule that matches, key rules first:
 * its key, normalised (case, camelCase/snake_case/kebab-case, trailing
 * digits, a common prefix such as user_/u_), is looked up in a hash of the
 * rules' keys; a key rule may require a value pattern or validator and a
 * parent context (`not_under`, `only_under`).  A key rule whose category is
 * `none` marks keys that are known not to be personal data (timestamps,
 * request ids, versions) and stops the search.  Only when no key rule
 * applies are value rules tried: a pattern plus a validator (check digits,
 * number plans, ranges), behind a cheap length filter.
 *
 * Hosts are named by the longest matching domain suffix.
 */
#ifndef PA_SIGNATURES_H
#define PA_SIGNATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct category {
	char *id, *en, *zh, *reference;
	bool sensitive;
};

struct field_rule;

struct organization {
	char *domain, *sdk, *name, *parent, *category, *source;
};

struct classification {
	const struct category *category; /* NULL: not personal data */
	const char *rule;                /* rule id */
	double confidence;
};

struct signatures;

/* Loads every *.yaml under dir (categories.yaml, normalise.yaml,
 * fields/, organizations/).  Problems are printed as `file:line: message`
 * on `errors` (when not NULL) and counted; returns NULL when any. */
struct signatures *signatures_load(const char *dir, FILE *errors, int *nerrors);
void signatures_free(struct signatures *s);

/* The directory used when none is given: $PRIVAUDIT_SIGNATURES, the
 * installed data directory, or the source tree's signatures/. */
const char *signatures_default_dir(void);

/* Hex SHA-256 of the normalised set (independent of comments and layout). */
const char *signatures_sha256(const struct signatures *s);
size_t signatures_count(const struct signatures *s, size_t *categories, size_t *organizations);

/* Classifies one field.  Returns true and fills *out when a rule with a
 * category matched. */
bool signatures_classify(const struct signatures *s, const char *path, const char *key, size_t key_len,
			 const char *value, size_t value_len, struct classification *out);

/* The organization owning host (longest suffix match), or NULL. */
const struct organization *signatures_organization(const struct signatures *s, const char *host);
const struct category *signatures_category(const struct signatures *s, const char *id);
/* Categories by position (0..count-1), for bit sets of categories. */
const struct category *signatures_category_at(const struct signatures *s, size_t i);
size_t signatures_category_index(const struct signatures *s, const struct category *c);

/* Prints, for key/value, every rule that matches and why (and why the
 * near misses do not). */
void signatures_explain(const struct signatures *s, const char *key, const char *value, FILE *out);

/* The normalised (compact) form of a key, as rules are matched: returns its length. */
size_t signatures_normalise_key(const char *key, size_t n, char *out, size_t cap);

#endif
