/* \summary: the signature set's internals, shared by its loader
 * (signatures_load.c) and its matcher (signatures.c). */
#ifndef PA_SIGNATURES_INTERNAL_H
#define PA_SIGNATURES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signatures.h"
#include "validators.h"

#define KEY_MAX 128

struct field_rule {
	char *id;
	const struct category *category; /* NULL for `none` */
	char **keys;                     /* compact normalised */
	size_t nkeys;
	char **not_under, **only_under;  /* compact normalised parents */
	size_t nnot, nonly;
	char **containers;               /* any ancestor: the field is part of that collection */
	size_t ncontainers;
	char **except_keys;              /* value rules: keys under which the rule does not apply */
	size_t nexcept;
	bool identifies;                 /* value rule tried before key rules: the value says what it is */
	bool timestamps;                 /* an epoch time is a value this rule takes (a birth date) */
	bool issued;                     /* the value is an id a service assigned (a user id) */
	long at_index;                   /* a positional array's element: its index, or -1 */
	char *pattern;
	pcre2_code *re;
	char *validator_name;
	validator_fn validator;
	size_t min_len, max_len;
	double confidence;
	char *file;
	unsigned line;
};

/* A file of the set: its name under the set's directory and its bytes' SHA-256. */
struct sig_file {
	char *name;
	char sha256[65];
};

struct smap {
	const char **keys;
	int *vals;
	size_t cap, n;
};

struct signatures {
	struct category *cats;
	size_t ncats;
	struct field_rule *rules;
	size_t nrules;
	struct organization *orgs;
	size_t norgs;
	char **prefixes;
	size_t nprefixes;
	/* key sense (normalise.yaml): words, each as a set */
	struct smap not_personal_words; /* a key naming a non-personal thing: its value's shape says nothing */
	struct smap personal_words;     /* ...unless it also names a personal one (order_phone) */
	struct smap generic_keys;       /* id, name, value: their parent says what they are */
	struct smap not_personal_parents; /* no personal key rule under these (event.name, voice.gender) */
	struct smap hash_words;         /* imei_md5 -> imei, when the value is a digest */
	char **word_store;              /* the strings the word sets point to */
	size_t nword_store;
	struct smap cat_index, org_index;
	/* key -> first entry in key_chain; key_chain links rules sharing a key */
	struct smap key_index;
	/* container name (and its plural) -> rule: one lookup per ancestor */
	struct smap container_index;
	char **container_names;
	size_t ncontainer_names;
	int *key_chain_rule, *key_chain_next;
	size_t nchain, chain_cap;
	size_t *value_rules; /* tried after key rules */
	size_t nvalue_rules;
	size_t *first_rules; /* container rules, then identifying value rules: tried before key rules */
	size_t nfirst_rules;
	pcre2_match_data *md;
	char sha[65];
	char *version;     /* categories.yaml's version */
	struct sig_file *files;
	size_t nfiles;
	FILE *errors;
	int nerrors;
};


/* open addressing string -> index map */
static inline uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

static inline int smap_get(const struct smap *m, const char *k)
{
	if (!m->cap)
		return -1;
	for (size_t i = hash_str(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return -1;
		if (strcmp(m->keys[i], k) == 0)
			return m->vals[i];
	}
}

static inline bool smap_put(struct smap *m, const char *k, int v)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		const char **keys = calloc(cap, sizeof(*keys));
		int *vals = calloc(cap, sizeof(*vals));
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return false;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = hash_str(m->keys[i]) & (cap - 1);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	size_t i = hash_str(k) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], k) != 0)
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->n++;
	m->keys[i] = k;
	m->vals[i] = v;
	return true;
}

static inline void smap_free(struct smap *m)
{
	free(m->keys);
	free(m->vals);
}

#endif
