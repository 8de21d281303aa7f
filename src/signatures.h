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
#include <stdint.h>
#include <stdio.h>

struct category {
	char *id, *en, *zh, *reference;
	bool sensitive;
	bool identifier; /* names a person or device: still personal data when hashed */
	bool credential; /* authenticates a session (a token): not collected when
			  * returned to whoever issued it (docs/profiles.md) */
};

struct field_rule;

struct organization {
	char *domain, *sdk, *name, *parent, *category, *source;
};

struct classification {
	const struct category *category; /* NULL: not personal data */
	const char *rule;                /* rule id */
	double confidence;
	unsigned char hashed;            /* enum hash_kind: the identifier as a digest */
	bool issued;                     /* assigned by a service (a credential, a user id): not a
					  * collection when returned to its issuer (docs/profiles.md) */
	const char *canary_form;         /* the form of a canary that matched, or NULL */
};

/* One field as the extractor names it, and the time of its request. */
struct field_in {
	const char *path;  /* body.user.phone; NULL when only the key is known */
	const char *key;   /* the last name in the path */
	size_t key_len;
	const char *value;
	size_t value_len;
	uint64_t ts_s;     /* the request's time (epoch seconds), to tell timestamps; 0: unknown */
	const char *uri_path; /* the request's path (/v1/user/profile): whose its top-level
			       * fields are, as a parent would say; NULL: unknown */
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
/* The set's version (categories.yaml `version`), or NULL. */
const char *signatures_version(const struct signatures *s);
/* The files the set was loaded from, in load order: name (relative to the
 * set's directory) and SHA-256 of the bytes.  Returns the count. */
size_t signatures_file(const struct signatures *s, size_t i, const char **name, const char **sha256);
size_t signatures_count(const struct signatures *s, size_t *categories, size_t *organizations);

/* Classifies one field.  Returns true and fills *out when a rule with a
 * category matched.  With `trace`, each step taken is written there, one
 * line each: `signatures explain` is this very function. */
bool signatures_classify(const struct signatures *s, const struct field_in *f, struct classification *out,
			 FILE *trace);

/* The organization owning host (longest suffix match), or NULL. */
const struct organization *signatures_organization(const struct signatures *s, const char *host);
const struct category *signatures_category(const struct signatures *s, const char *id);
/* Categories by position (0..count-1), for bit sets of categories. */
const struct category *signatures_category_at(const struct signatures *s, size_t i);
size_t signatures_category_index(const struct signatures *s, const struct category *c);

/* The key of a field path, as the extractor names it: the last name,
 * without [i] or {json} (body.events[2].props.phone -> phone). */
size_t signatures_key_of_path(const char *path, const char **key);

/* PCRE2's version, for the report. */
void signatures_pcre2_version(char buf[32]);

/* The normalised (compact) form of a key, as rules are matched: returns its length. */
size_t signatures_normalise_key(const char *key, size_t n, char *out, size_t cap);

#endif
