/* \summary: loading and checking the signature set (see signatures.h):
 * YAML files to indexed rules, with `file:line: message` for every problem. */
#include <dirent.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include "config.h"
#include "dbuf.h"
#include "signatures_internal.h"
#include "yaml_doc.h"

static void report(void *ctx, const char *path, unsigned line, const char *msg)
{
	struct signatures *s = ctx;
	s->nerrors++;
	if (s->errors)
		fprintf(s->errors, "%s:%u: %s\n", path, line, msg);
}

static char *xstrdup(const char *p) { return p ? strdup(p) : NULL; }

/* ---- loading ---- */

static char **string_list(struct ydoc *d, ynode *seq, size_t *n, bool normalise)
{
	*n = 0;
	if (!seq)
		return NULL;
	if (!ynode_is_seq(seq)) {
		ydoc_error(d, seq, "expected a list");
		return NULL;
	}
	size_t len = ynode_len(seq);
	char **v = calloc(len + 1, sizeof(*v));
	for (size_t i = 0; v && i < len; i++) {
		const char *str = ynode_str(ynode_item(d, seq, i));
		if (!str) {
			ydoc_error(d, ynode_item(d, seq, i), "expected a string in the list");
			continue;
		}
		if (normalise) {
			char buf[KEY_MAX * 2];
			size_t k = signatures_normalise_key(str, strlen(str), buf, sizeof(buf));
			if (k == 0) {
				ydoc_error(d, ynode_item(d, seq, i), "key '%s' is empty once normalised", str);
				continue;
			}
			v[(*n)++] = strdup(buf);
		} else {
			v[(*n)++] = strdup(str);
		}
	}
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* An optional true/false key; anything else is an error. */
static bool yaml_flag(struct ydoc *d, ynode *map, const char *key)
{
	ynode *n = ynode_get(d, map, key);
	const char *v = ynode_str(n);
	if (!n)
		return false;
	if (v && strcmp(v, "true") == 0)
		return true;
	if (!v || strcmp(v, "false") != 0)
		ydoc_error(d, n, "%s must be true or false", key);
	return false;
}

static void load_categories(struct signatures *s, struct ydoc *d)
{
	const char *version = ynode_str(ynode_get(d, ydoc_root(d), "version"));
	if (version)
		s->version = strdup(version);
	ynode *list = ynode_get(d, ydoc_root(d), "categories");
	if (!ynode_is_seq(list)) {
		ydoc_error(d, ydoc_root(d), "expected a `categories:` list");
		return;
	}
	size_t n = ynode_len(list);
	s->cats = calloc(n ? n : 1, sizeof(*s->cats));
	for (size_t i = 0; s->cats && i < n; i++) {
		ynode *c = ynode_item(d, list, i);
		const char *id = ynode_str(ynode_get(d, c, "id"));
		const char *sens = ynode_str(ynode_get(d, c, "sensitive"));
		if (!id || !ynode_str(ynode_get(d, c, "en")) || !ynode_str(ynode_get(d, c, "zh")) || !sens ||
		    !ynode_str(ynode_get(d, c, "reference"))) {
			ydoc_error(d, c, "a category needs id, en, zh, sensitive and reference");
			continue;
		}
		if (strcmp(sens, "true") != 0 && strcmp(sens, "false") != 0) {
			ydoc_error(d, ynode_get(d, c, "sensitive"), "sensitive must be true or false, not '%s'", sens);
			continue;
		}
		if (smap_get(&s->cat_index, id) >= 0) {
			ydoc_error(d, c, "duplicate category '%s'", id);
			continue;
		}
		if (s->ncats == 64) { /* categories are kept as 64-bit sets */
			ydoc_error(d, c, "more than 64 categories");
			break;
		}
		struct category *cat = &s->cats[s->ncats];
		cat->id = strdup(id);
		cat->en = xstrdup(ynode_str(ynode_get(d, c, "en")));
		cat->zh = xstrdup(ynode_str(ynode_get(d, c, "zh")));
		cat->reference = xstrdup(ynode_str(ynode_get(d, c, "reference")));
		cat->sensitive = strcmp(sens, "true") == 0;
		cat->identifier = yaml_flag(d, c, "identifier");
		cat->credential = yaml_flag(d, c, "credential");
		smap_put(&s->cat_index, cat->id, (int)s->ncats);
		s->ncats++;
	}
}

/* A list of lower-case words into a set; the strings stay in word_store. */
static void word_set(struct signatures *s, struct ydoc *d, const char *key, struct smap *set)
{
	size_t n;
	char **v = string_list(d, ynode_get(d, ydoc_root(d), key), &n, false);
	/* the list's name goes into the store too, so the set's hash tells lists apart */
	char **st0 = realloc(s->word_store, (s->nword_store + 1) * sizeof(*st0));
	if (st0) {
		s->word_store = st0;
		if ((s->word_store[s->nword_store] = strdup(key)))
			s->nword_store++;
	}
	for (size_t i = 0; v && i < n; i++) {
		bool ok = v[i][0] != 0;
		for (const char *p = v[i]; *p && ok; p++)
			ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (unsigned char)*p >= 0x80;
		char **st = realloc(s->word_store, (s->nword_store + 1) * sizeof(*st));
		if (!ok || !st) {
			if (!ok)
				ydoc_error(d, ynode_get(d, ydoc_root(d), key), "%s: '%s' is not one lower-case word", key, v[i]);
			if (st)
				s->word_store = st;
			free(v[i]);
			continue;
		}
		s->word_store = st;
		s->word_store[s->nword_store++] = v[i];
		smap_put(set, v[i], 1);
	}
	free(v);
}

static void load_normalise(struct signatures *s, struct ydoc *d)
{
	static const char *const known[] = { "strip_prefixes", "not_personal_words", "personal_words", "generic_keys",
					     "not_personal_parents", "hash_words", NULL };
	ynode *k, *val;
	for (size_t j = 0; ynode_pair(d, ydoc_root(d), j, &k, &val); j++) {
		const char *name = ynode_str(k);
		bool ok = false;
		for (int q = 0; known[q] && name; q++)
			ok |= strcmp(known[q], name) == 0;
		if (!ok)
			ydoc_error(d, k, "unknown key '%s' in normalise.yaml", name ? name : "?");
	}
	s->prefixes = string_list(d, ynode_get(d, ydoc_root(d), "strip_prefixes"), &s->nprefixes, false);
	word_set(s, d, "not_personal_words", &s->not_personal_words);
	word_set(s, d, "personal_words", &s->personal_words);
	word_set(s, d, "generic_keys", &s->generic_keys);
	word_set(s, d, "not_personal_parents", &s->not_personal_parents);
	word_set(s, d, "hash_words", &s->hash_words);
}

static bool add_chain(struct signatures *s, const char *key, size_t rule)
{
	if (s->nchain == s->chain_cap) {
		size_t cap = s->chain_cap ? s->chain_cap * 2 : 256;
		int *r = realloc(s->key_chain_rule, cap * sizeof(*r));
		if (r)
			s->key_chain_rule = r;
		int *nx = realloc(s->key_chain_next, cap * sizeof(*nx));
		if (nx)
			s->key_chain_next = nx;
		if (!r || !nx)
			return false;
		s->chain_cap = cap;
	}
	/* append at the end of the key's chain: rule order is match order */
	int head = smap_get(&s->key_index, key);
	s->key_chain_rule[s->nchain] = (int)rule;
	s->key_chain_next[s->nchain] = -1;
	if (head < 0) {
		smap_put(&s->key_index, key, (int)s->nchain);
	} else {
		int i = head;
		while (s->key_chain_next[i] >= 0)
			i = s->key_chain_next[i];
		s->key_chain_next[i] = (int)s->nchain;
	}
	s->nchain++;
	return true;
}

static void load_rules(struct signatures *s, struct ydoc *d, const char *file)
{
	ynode *list = ynode_get(d, ydoc_root(d), "rules");
	if (!ynode_is_seq(list)) {
		ydoc_error(d, ydoc_root(d), "expected a `rules:` list");
		return;
	}
	size_t n = ynode_len(list);
	struct field_rule *v = realloc(s->rules, (s->nrules + n + 1) * sizeof(*v));
	if (!v)
		return;
	s->rules = v;
	static const char *const known[] = { "id", "category", "keys", "not_under", "only_under", "containers",
					     "except_keys", "identifies", "value", "validator", "length",
					     "confidence", "timestamps", "issued", "at_index", "note", NULL };
	for (size_t i = 0; i < n; i++) {
		ynode *r = ynode_item(d, list, i);
		ynode *k, *val;
		for (size_t j = 0; ynode_pair(d, r, j, &k, &val); j++) {
			const char *name = ynode_str(k);
			bool ok = false;
			for (int q = 0; known[q] && name; q++)
				ok |= strcmp(known[q], name) == 0;
			if (!ok)
				ydoc_error(d, k, "unknown rule key '%s'", name ? name : "?");
		}
		const char *id = ynode_str(ynode_get(d, r, "id"));
		const char *cat = ynode_str(ynode_get(d, r, "category"));
		if (!id || !cat) {
			ydoc_error(d, r, "a rule needs an id and a category");
			continue;
		}
		struct field_rule *fr = &s->rules[s->nrules];
		memset(fr, 0, sizeof(*fr));
		fr->id = strdup(id);
		fr->file = strdup(file);
		fr->line = ydoc_line(r);
		for (size_t q = 0; q < s->nrules; q++)
			if (strcmp(s->rules[q].id, id) == 0)
				ydoc_error(d, r, "duplicate rule id '%s' (first at %s:%u)", id, s->rules[q].file,
					   s->rules[q].line);
		if (strcmp(cat, "none") != 0) {
			int ci = smap_get(&s->cat_index, cat);
			if (ci < 0)
				ydoc_error(d, ynode_get(d, r, "category"), "unknown category '%s'", cat);
			else
				fr->category = &s->cats[ci];
		}
		fr->keys = string_list(d, ynode_get(d, r, "keys"), &fr->nkeys, true);
		fr->not_under = string_list(d, ynode_get(d, r, "not_under"), &fr->nnot, true);
		fr->only_under = string_list(d, ynode_get(d, r, "only_under"), &fr->nonly, true);
		fr->containers = string_list(d, ynode_get(d, r, "containers"), &fr->ncontainers, true);
		fr->except_keys = string_list(d, ynode_get(d, r, "except_keys"), &fr->nexcept, true);
		fr->timestamps = yaml_flag(d, r, "timestamps");
		fr->issued = yaml_flag(d, r, "issued");
		fr->at_index = -1;
		const char *at = ynode_str(ynode_get(d, r, "at_index"));
		if (at) {
			char *end;
			long idx = strtol(at, &end, 10);
			if (*end || idx < 0 || idx > 1000000)
				ydoc_error(d, ynode_get(d, r, "at_index"), "at_index must be an array index (0 ...)");
			else
				fr->at_index = idx;
		}
		const char *ident = ynode_str(ynode_get(d, r, "identifies"));
		fr->identifies = ident && strcmp(ident, "true") == 0;
		if (ident && !fr->identifies && strcmp(ident, "false") != 0)
			ydoc_error(d, ynode_get(d, r, "identifies"), "identifies must be true or false");
		if (fr->identifies && fr->nkeys)
			ydoc_error(d, r, "rule '%s': identifies is for value rules (no keys)", id);
		if (fr->ncontainers && fr->nkeys)
			ydoc_error(d, r, "rule '%s': a container rule applies to every key under it (no keys)", id);
		fr->pattern = xstrdup(ynode_str(ynode_get(d, r, "value")));
		if (fr->pattern) {
			int err;
			PCRE2_SIZE off;
			fr->re = pcre2_compile((PCRE2_SPTR)fr->pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
					       &err, &off, NULL);
			if (!fr->re) {
				PCRE2_UCHAR msg[256];
				pcre2_get_error_message(err, msg, sizeof(msg));
				ydoc_error(d, ynode_get(d, r, "value"), "bad regular expression in rule '%s' at offset %zu: %s",
					   id, (size_t)off, (char *)msg);
			} else {
				pcre2_jit_compile(fr->re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
			}
		}
		fr->validator_name = xstrdup(ynode_str(ynode_get(d, r, "validator")));
		if (fr->validator_name && !(fr->validator = validator_find(fr->validator_name)))
			ydoc_error(d, ynode_get(d, r, "validator"), "unknown validator '%s'", fr->validator_name);
		ynode *len = ynode_get(d, r, "length");
		fr->max_len = SIZE_MAX;
		if (len) {
			const char *a = ynode_str(ynode_item(d, len, 0)), *b = ynode_str(ynode_item(d, len, 1));
			char *e1 = NULL, *e2 = NULL;
			unsigned long lo = a ? strtoul(a, &e1, 10) : 0, hi = b ? strtoul(b, &e2, 10) : 0;
			if (!a || !b || *e1 || *e2 || lo > hi || ynode_len(len) != 2)
				ydoc_error(d, len, "length must be [min, max]");
			fr->min_len = lo;
			fr->max_len = hi;
		}
		const char *conf = ynode_str(ynode_get(d, r, "confidence"));
		fr->confidence = conf ? strtod(conf, NULL) : 0.9;
		if (fr->confidence <= 0 || fr->confidence > 1)
			ydoc_error(d, ynode_get(d, r, "confidence"), "confidence must be in (0, 1]");
		if (!fr->nkeys && !fr->ncontainers && !fr->pattern && !fr->validator_name)
			ydoc_error(d, r, "rule '%s' has no keys, containers, value pattern or validator", id);
		if (!fr->nkeys && !fr->category)
			ydoc_error(d, r, "rule '%s': a value rule needs a category", id);
		s->nrules++;
	}
}

static void load_orgs(struct signatures *s, struct ydoc *d)
{
	ynode *list = ynode_get(d, ydoc_root(d), "organizations");
	if (!ynode_is_seq(list)) {
		ydoc_error(d, ydoc_root(d), "expected an `organizations:` list");
		return;
	}
	size_t n = ynode_len(list);
	struct organization *v = realloc(s->orgs, (s->norgs + n + 1) * sizeof(*v));
	if (!v)
		return;
	s->orgs = v;
	for (size_t i = 0; i < n; i++) {
		ynode *o = ynode_item(d, list, i);
		const char *dom = ynode_str(ynode_get(d, o, "domain"));
		const char *sdk = ynode_str(ynode_get(d, o, "sdk"));
		const char *name = ynode_str(ynode_get(d, o, "organization"));
		const char *parent = ynode_str(ynode_get(d, o, "parent"));
		const char *cat = ynode_str(ynode_get(d, o, "category"));
		const char *src = ynode_str(ynode_get(d, o, "source"));
		if (!dom || !sdk || !name || !parent || !cat || !src) {
			ydoc_error(d, o, "an organization needs domain, sdk, organization, parent, category and source");
			continue;
		}
		static const char *const org_categories[] = { "analytics", "advertising", "push", "crash_reporting",
							      "social_login", "payment", "maps", "cdn",
							      "attribution", "cloud", "platform", NULL };
		bool known = false;
		for (int q = 0; org_categories[q]; q++)
			known |= strcmp(org_categories[q], cat) == 0;
		if (!known) {
			ydoc_error(d, ynode_get(d, o, "category"), "unknown organization category '%s'", cat);
			continue;
		}
		bool bad = dom[0] == '.' || dom[0] == 0 || strchr(dom, '/') || strchr(dom, '*');
		for (const char *p = dom; *p; p++)
			bad |= *p >= 'A' && *p <= 'Z';
		if (bad) {
			ydoc_error(d, ynode_get(d, o, "domain"), "domain '%s' must be a lower-case suffix like example.com", dom);
			continue;
		}
		if (smap_get(&s->org_index, dom) >= 0) {
			ydoc_error(d, o, "duplicate domain '%s'", dom);
			continue;
		}
		struct organization *org = &s->orgs[s->norgs];
		org->domain = strdup(dom);
		org->sdk = strdup(sdk);
		org->name = strdup(name);
		org->parent = strdup(parent);
		org->category = strdup(cat);
		org->source = strdup(src);
		smap_put(&s->org_index, org->domain, (int)s->norgs);
		s->norgs++;
	}
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The *.yaml files of a directory, sorted. */
static size_t yaml_files(const char *dir, char ***out)
{
	*out = NULL;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **v = realloc(*out, cap * sizeof(*v));
			if (!v)
				break;
			*out = v;
		}
		if (asprintf(&(*out)[n], "%s/%s", dir, e->d_name) >= 0)
			n++;
	}
	closedir(d);
	if (n)
		qsort(*out, n, sizeof(**out), cmp_str);
	return n;
}

/* Records a file of the set (its name after the set's directory) and its bytes' hash. */
static void note_file(struct signatures *s, const char *dir, const char *path)
{
	struct sig_file *v = realloc(s->files, (s->nfiles + 1) * sizeof(*v));
	if (!v)
		return;
	s->files = v;
	size_t dl = strlen(dir);
	const char *rel = strncmp(path, dir, dl) == 0 && path[dl] == '/' ? path + dl + 1 : path;
	struct sig_file *f = &v[s->nfiles];
	f->sha256[0] = 0;
	if (!(f->name = strdup(rel)))
		return;
	s->nfiles++;
	FILE *in = fopen(path, "rb");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[8192], md[32];
	size_t n;
	bool ok = in && ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (ok && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, n);
	if (ok && EVP_DigestFinal_ex(ctx, md, NULL))
		for (int i = 0; i < 32; i++)
			snprintf(f->sha256 + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(ctx);
	if (in)
		fclose(in);
}

static void load_dir(struct signatures *s, const char *dir, const char *sub,
		     void (*fn)(struct signatures *, struct ydoc *, const char *))
{
	char *path;
	if (asprintf(&path, "%s/%s", dir, sub) < 0)
		return;
	char **files;
	size_t n = yaml_files(path, &files);
	if (n == 0)
		report(s, path, 0, "no *.yaml files");
	for (size_t i = 0; i < n; i++) {
		struct ydoc d;
		if (ydoc_load(&d, files[i], report, s))
			fn(s, &d, files[i]);
		ydoc_free(&d);
		note_file(s, dir, files[i]);
		free(files[i]);
	}
	free(files);
	free(path);
}

static void rules_fn(struct signatures *s, struct ydoc *d, const char *file) { load_rules(s, d, file); }
static void orgs_fn(struct signatures *s, struct ydoc *d, const char *file) { load_orgs(s, d); }

static void load_file(struct signatures *s, const char *dir, const char *name,
		      void (*fn)(struct signatures *, struct ydoc *))
{
	char *path;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return;
	struct ydoc d;
	if (ydoc_load(&d, path, report, s))
		fn(s, &d);
	ydoc_free(&d);
	note_file(s, dir, path);
	free(path);
}

/* Canonical text of the loaded set: what the hash covers. */
static void compute_hash(struct signatures *s)
{
	struct dbuf b;
	dbuf_init(&b, 0);
	char num[64];
	dbuf_append_str(&b, "V\t");
	dbuf_append_str(&b, s->version ? s->version : "");
	dbuf_append_byte(&b, '\n');
	for (size_t i = 0; i < s->ncats; i++) {
		const struct category *c = &s->cats[i];
		dbuf_append_str(&b, "C\t");
		dbuf_append_str(&b, c->id);
		snprintf(num, sizeof(num), "\t%d%d%d\n", c->sensitive, c->identifier, c->credential);
		dbuf_append_str(&b, num);
	}
	for (size_t i = 0; i < s->nword_store; i++) { /* in load order: list by list */
		dbuf_append_str(&b, "W\t");
		dbuf_append_str(&b, s->word_store[i]);
		dbuf_append_byte(&b, '\n');
	}
	for (size_t i = 0; i < s->nprefixes; i++) {
		dbuf_append_str(&b, "P\t");
		dbuf_append_str(&b, s->prefixes[i]);
		dbuf_append_byte(&b, '\n');
	}
	for (size_t i = 0; i < s->nrules; i++) {
		const struct field_rule *r = &s->rules[i];
		dbuf_append_str(&b, "R\t");
		dbuf_append_str(&b, r->id);
		dbuf_append_byte(&b, '\t');
		dbuf_append_str(&b, r->category ? r->category->id : "none");
		const struct { char **v; size_t n; } lists[] = { { r->keys, r->nkeys }, { r->not_under, r->nnot },
								  { r->only_under, r->nonly }, { r->containers, r->ncontainers },
								  { r->except_keys, r->nexcept } };
		for (int l = 0; l < 5; l++) {
			dbuf_append_byte(&b, '\t');
			for (size_t k = 0; k < lists[l].n; k++) {
				dbuf_append_str(&b, lists[l].v[k]);
				dbuf_append_byte(&b, ',');
			}
		}
		snprintf(num, sizeof(num), "\t%d%d%d\t%ld\t%zu\t%zu\t%.3f\t", r->identifies, r->timestamps, r->issued,
			 r->at_index, r->min_len, r->max_len, r->confidence);
		dbuf_append_str(&b, num);
		dbuf_append_str(&b, r->pattern ? r->pattern : "");
		dbuf_append_byte(&b, '\t');
		dbuf_append_str(&b, r->validator_name ? r->validator_name : "");
		dbuf_append_byte(&b, '\n');
	}
	for (size_t i = 0; i < s->norgs; i++) {
		const struct organization *o = &s->orgs[i];
		const char *f[] = { "O", o->domain, o->sdk, o->name, o->parent, o->category };
		for (int k = 0; k < 6; k++) {
			dbuf_append_str(&b, f[k]);
			dbuf_append_byte(&b, k == 5 ? '\n' : '\t');
		}
	}
	unsigned char md[32];
	unsigned len = 0;
	EVP_Digest(b.data ? b.data : (uint8_t *)"", b.len, md, &len, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(s->sha + 2 * i, 3, "%02x", md[i]);
	dbuf_free(&b);
}

struct signatures *signatures_load(const char *dir, FILE *errors, int *nerrors)
{
	struct signatures *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->errors = errors;
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		report(s, dir, 0, "not a signature directory");
	} else {
		load_file(s, dir, "categories.yaml", load_categories);
		load_file(s, dir, "normalise.yaml", load_normalise);
		load_dir(s, dir, "fields", rules_fn);
		load_dir(s, dir, "organizations", orgs_fn);
	}
	/* container names, singular and plural, each to the first rule naming it */
	for (size_t i = 0; i < s->nrules; i++)
		for (size_t k = 0; k < s->rules[i].ncontainers; k++)
			for (int plural = 0; plural < 2; plural++) {
				char *name;
				if (asprintf(&name, "%s%s", s->rules[i].containers[k], plural ? "s" : "") < 0)
					continue;
				char **v = realloc(s->container_names, (s->ncontainer_names + 1) * sizeof(*v));
				if (!v || smap_get(&s->container_index, name) >= 0) {
					if (v)
						s->container_names = v;
					free(name);
					continue;
				}
				s->container_names = v;
				s->container_names[s->ncontainer_names++] = name;
				smap_put(&s->container_index, name, (int)i);
			}
	/* container rules first, then identifying value rules, in file order */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->nrules; i++) {
			const struct field_rule *r = &s->rules[i];
			if (pass == 0 ? !r->ncontainers : (!r->identifies || r->ncontainers))
				continue;
			size_t *v = realloc(s->first_rules, (s->nfirst_rules + 1) * sizeof(*v));
			if (v) {
				s->first_rules = v;
				s->first_rules[s->nfirst_rules++] = i;
			}
		}
	for (size_t i = 0; i < s->nrules; i++) {
		const struct field_rule *r = &s->rules[i];
		if (r->nkeys) {
			for (size_t k = 0; k < r->nkeys; k++)
				add_chain(s, r->keys[k], i);
		} else if (!r->ncontainers && !r->identifies) {
			size_t *v = realloc(s->value_rules, (s->nvalue_rules + 1) * sizeof(*v));
			if (v) {
				s->value_rules = v;
				s->value_rules[s->nvalue_rules++] = i;
			}
		}
	}
	s->md = pcre2_match_data_create(4, NULL);
	compute_hash(s);
	if (nerrors)
		*nerrors = s->nerrors;
	if (s->nerrors) {
		signatures_free(s);
		return NULL;
	}
	return s;
}

void signatures_free(struct signatures *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ncats; i++) {
		free(s->cats[i].id);
		free(s->cats[i].en);
		free(s->cats[i].zh);
		free(s->cats[i].reference);
	}
	for (size_t i = 0; i < s->nrules; i++) {
		struct field_rule *r = &s->rules[i];
		free(r->id);
		free(r->file);
		free_list(r->keys, r->nkeys);
		free_list(r->not_under, r->nnot);
		free_list(r->only_under, r->nonly);
		free_list(r->containers, r->ncontainers);
		free_list(r->except_keys, r->nexcept);
		free(r->pattern);
		pcre2_code_free(r->re);
		free(r->validator_name);
	}
	for (size_t i = 0; i < s->norgs; i++) {
		struct organization *o = &s->orgs[i];
		free(o->domain);
		free(o->sdk);
		free(o->name);
		free(o->parent);
		free(o->category);
		free(o->source);
	}
	free_list(s->prefixes, s->nprefixes);
	free_list(s->word_store, s->nword_store);
	free(s->version);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i].name);
	free(s->files);
	smap_free(&s->not_personal_words);
	smap_free(&s->personal_words);
	smap_free(&s->generic_keys);
	smap_free(&s->not_personal_parents);
	smap_free(&s->hash_words);
	smap_free(&s->cat_index);
	smap_free(&s->org_index);
	smap_free(&s->key_index);
	smap_free(&s->container_index);
	for (size_t i = 0; i < s->ncontainer_names; i++)
		free(s->container_names[i]);
	free(s->container_names);
	free(s->key_chain_rule);
	free(s->key_chain_next);
	free(s->value_rules);
	free(s->first_rules);
	pcre2_match_data_free(s->md);
	free(s->cats);
	free(s->rules);
	free(s->orgs);
	free(s);
}

const char *signatures_default_dir(void)
{
	const char *env = getenv("PRIVAUDIT_SIGNATURES");
	if (env && *env)
		return env;
	struct stat st;
	if (stat(PA_DATADIR "/signatures", &st) == 0 && S_ISDIR(st.st_mode))
		return PA_DATADIR "/signatures";
	return PA_SRCDIR "/signatures";
}

const char *signatures_sha256(const struct signatures *s) { return s->sha; }

const char *signatures_version(const struct signatures *s) { return s->version; }

size_t signatures_file(const struct signatures *s, size_t i, const char **name, const char **sha256)
{
	if (i < s->nfiles) {
		*name = s->files[i].name;
		*sha256 = s->files[i].sha256;
	}
	return s->nfiles;
}

size_t signatures_count(const struct signatures *s, size_t *categories, size_t *organizations)
{
	if (categories)
		*categories = s->ncats;
	if (organizations)
		*organizations = s->norgs;
	return s->nrules;
}

const struct category *signatures_category(const struct signatures *s, const char *id)
{
	int i = smap_get(&s->cat_index, id);
	return i < 0 ? NULL : &s->cats[i];
}

const struct category *signatures_category_at(const struct signatures *s, size_t i)
{
	return i < s->ncats ? &s->cats[i] : NULL;
}

size_t signatures_category_index(const struct signatures *s, const struct category *c)
{
	return (size_t)(c - s->cats);
}
