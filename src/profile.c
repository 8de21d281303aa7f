/* \summary: the app profile (see profile.h). */
#include "profile.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signatures.h"
#include "yaml_doc.h"

struct loader {
	struct profile *p;
	const struct signatures *sigs;
	FILE *errors;
	int nerrors;
};

static void report(void *ctx, const char *path, unsigned line, const char *msg)
{
	struct loader *l = ctx;
	l->nerrors++;
	if (l->errors)
		fprintf(l->errors, "%s:%u: %s\n", path, line, msg);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static const char *const kind_names[] = { "consent", "withdrawal", "mandatory_start", "mandatory_end" };

const char *consent_kind_name(enum consent_kind k) { return kind_names[k]; }

bool consent_kind_parse(const char *name, enum consent_kind *out)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(*kind_names); i++)
		if (strcmp(kind_names[i], name) == 0) {
			*out = (enum consent_kind)i;
			return true;
		}
	return false;
}

/* Checks a mapping holds only known keys. */
static void known_keys(struct ydoc *d, ynode *map, const char *where, const char *const *keys)
{
	ynode *k, *v;
	for (size_t i = 0; ynode_pair(d, map, i, &k, &v); i++) {
		const char *name = ynode_str(k);
		bool ok = false;
		for (int j = 0; keys[j] && name; j++)
			ok |= strcmp(keys[j], name) == 0;
		if (!ok)
			ydoc_error(d, k, "unknown key '%s' in %s", name ? name : "?", where);
	}
}

static char **strings(struct ydoc *d, ynode *seq, const char *what, size_t *n)
{
	*n = 0;
	if (!seq)
		return NULL;
	if (!ynode_is_seq(seq)) {
		ydoc_error(d, seq, "%s: expected a list", what);
		return NULL;
	}
	size_t len = ynode_len(seq);
	char **v = calloc(len + 1, sizeof(*v));
	for (size_t i = 0; v && i < len; i++) {
		const char *s = ynode_str(ynode_item(d, seq, i));
		if (!s || !*s)
			ydoc_error(d, ynode_item(d, seq, i), "%s: expected a non-empty string", what);
		else
			v[(*n)++] = strdup(s);
	}
	return v;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void lower_domains(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (char *c = v[i]; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
}

/* Is id a category id of the signature set, or a family "prefix.*"? */
static bool category_pattern_ok(const struct loader *l, const char *id)
{
	size_t len = strlen(id);
	if (len > 2 && strcmp(id + len - 2, ".*") == 0) {
		static const char *const families[] = { "identity", "contact", "account", "device", "network",
							"location", "profile", "finance", "health", "biometric",
							"contacts", "messages", "app", "minor", NULL };
		for (int f = 0; families[f]; f++)
			if (strlen(families[f]) == len - 2 && strncmp(families[f], id, len - 2) == 0)
				return true;
		return false;
	}
	return !l->sigs || signatures_category(l->sigs, id) != NULL;
}

/* Category ids must exist; "prefix.*" must name a family. */
static void check_categories(struct loader *l, struct ydoc *d, ynode *seq, char **v, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (!category_pattern_ok(l, v[i]))
			ydoc_error(d, ynode_item(d, seq, i), "%s: unknown category '%s'", what, v[i]);
}

static void party(struct loader *l, struct ydoc *d, ynode *node, struct profile_party *out, const char *what,
		  bool with_categories)
{
	static const char *const keys[] = { "organization", "domains", "categories", NULL };
	static const char *const keys_nocat[] = { "organization", "domains", NULL };
	if (!ynode_is_map(node)) {
		ydoc_error(d, node, "%s: expected a mapping with organization and domains", what);
		return;
	}
	known_keys(d, node, what, with_categories ? keys : keys_nocat);
	out->organization = dup_or_null(ynode_str(ynode_get(d, node, "organization")));
	if (!out->organization)
		ydoc_error(d, node, "%s: missing organization", what);
	ynode *dom = ynode_get(d, node, "domains");
	out->domains = strings(d, dom, what, &out->ndomains);
	lower_domains(out->domains, out->ndomains);
	if (!out->ndomains)
		ydoc_error(d, node, "%s: needs at least one domain", what);
	if (with_categories) {
		ynode *cats = ynode_get(d, node, "categories");
		out->categories = strings(d, cats, what, &out->ncategories);
		check_categories(l, d, cats, out->categories, out->ncategories, what);
	}
}

static void parties(struct loader *l, struct ydoc *d, ynode *seq, struct profile_party **out, size_t *n,
		    const char *what, bool with_categories)
{
	*n = 0;
	if (!seq)
		return;
	if (!ynode_is_seq(seq)) {
		ydoc_error(d, seq, "%s: expected a list", what);
		return;
	}
	*out = calloc(ynode_len(seq) + 1, sizeof(**out));
	for (size_t i = 0; *out && i < ynode_len(seq); i++)
		party(l, d, ynode_item(d, seq, i), &(*out)[(*n)++], what, with_categories);
}

static void consent_rules(struct ydoc *d, ynode *consent, struct profile *p)
{
	static const char *const ckeys[] = { "rules", NULL };
	static const char *const rkeys[] = { "name", "kind", "host", "method", "path", "body", NULL };
	if (!consent)
		return;
	known_keys(d, consent, "consent", ckeys);
	ynode *rules = ynode_get(d, consent, "rules");
	if (!ynode_is_seq(rules)) {
		ydoc_error(d, consent, "consent: expected a `rules:` list");
		return;
	}
	p->rules = calloc(ynode_len(rules) + 1, sizeof(*p->rules));
	for (size_t i = 0; p->rules && i < ynode_len(rules); i++) {
		ynode *r = ynode_item(d, rules, i);
		known_keys(d, r, "a consent rule", rkeys);
		struct consent_rule *cr = &p->rules[p->nrules];
		const char *kind = ynode_str(ynode_get(d, r, "kind"));
		cr->name = dup_or_null(ynode_str(ynode_get(d, r, "name")));
		cr->host = dup_or_null(ynode_str(ynode_get(d, r, "host")));
		cr->method = dup_or_null(ynode_str(ynode_get(d, r, "method")));
		cr->path = dup_or_null(ynode_str(ynode_get(d, r, "path")));
		cr->kind = CONSENT_GIVEN;
		if (!cr->name || !kind || (!cr->host && !cr->path))
			ydoc_error(d, r, "a consent rule needs name, kind and a host or path");
		else if (!consent_kind_parse(kind, &cr->kind))
			ydoc_error(d, ynode_get(d, r, "kind"),
				   "consent rule kind must be consent, withdrawal, mandatory_start or mandatory_end, not '%s'",
				   kind);
		if (cr->host)
			lower_domains(&cr->host, 1);
		ynode *body = ynode_get(d, r, "body");
		if (body && !ynode_is_map(body))
			ydoc_error(d, body, "consent rule body: expected a mapping of field = value");
		ynode *k, *v;
		size_t nb = 0;
		while (ynode_pair(d, body, nb, &k, &v))
			nb++;
		cr->body_paths = calloc(nb + 1, sizeof(char *));
		cr->body_values = calloc(nb + 1, sizeof(char *));
		for (size_t j = 0; cr->body_paths && cr->body_values && ynode_pair(d, body, j, &k, &v); j++) {
			if (!ynode_str(k) || !ynode_str(v)) {
				ydoc_error(d, v, "consent rule body values must be scalars");
				continue;
			}
			if (asprintf(&cr->body_paths[cr->nbody], "body.%s", ynode_str(k)) < 0)
				break;
			cr->body_values[cr->nbody++] = strdup(ynode_str(v));
		}
		p->nrules++;
	}
}

/* ---- canaries ---- */

#define CANARY_MAX_FORMS 40

static void add_variant(struct canary *c, const char *s, size_t n, const char *form)
{
	for (size_t i = 0; i < c->nvariants; i++)
		if (c->variant_len[i] == n && memcmp(c->variants[i], s, n) == 0)
			return;
	if (c->nvariants == CANARY_MAX_FORMS)
		return;
	c->variants[c->nvariants] = strndup(s, n);
	c->variant_form[c->nvariants] = form;
	c->variant_len[c->nvariants++] = n;
}

/* MD5, SHA-1 and SHA-256 of s as hex, lower and upper case, each named
 * "md5(WHAT)" ... ("md5" when WHAT is the value itself). */
static void add_digests(struct canary *c, const char *s, size_t n, const char *const names[3])
{
	static const char *const algs[] = { "MD5", "SHA1", "SHA256" };
	static const char hex[] = "0123456789abcdef", HEX[] = "0123456789ABCDEF";
	for (int a = 0; a < 3; a++) {
		unsigned char md[64];
		unsigned len = 0;
		EVP_MD *m = EVP_MD_fetch(NULL, algs[a], NULL);
		if (!m || !EVP_Digest(s, n, md, &len, m, NULL))
			len = 0;
		EVP_MD_free(m);
		char lo[129], up[129];
		for (unsigned i = 0; i < len; i++) {
			lo[2 * i] = hex[md[i] >> 4];
			lo[2 * i + 1] = hex[md[i] & 15];
			up[2 * i] = HEX[md[i] >> 4];
			up[2 * i + 1] = HEX[md[i] & 15];
		}
		if (len) {
			add_variant(c, lo, 2 * len, names[a]);
			add_variant(c, up, 2 * len, names[a]);
		}
	}
}

/* The forms ad platforms hash for "advanced matching": an e-mail trimmed
 * and lower-cased; a phone number as digits with its country code (E.164
 * without '+'), and with it; here +86 when no code is given. */
static void add_matching_forms(struct canary *c)
{
	static const char *const lower_names[] = { "md5(lowercase)", "sha1(lowercase)", "sha256(lowercase)" };
	static const char *const digit_names[] = { "md5(digits)", "sha1(digits)", "sha256(digits)" };
	static const char *const e164_names[] = { "md5(e164)", "sha1(e164)", "sha256(e164)" };
	static const char *const plus_names[] = { "md5(+e164)", "sha1(+e164)", "sha256(+e164)" };
	const char *v = c->value;
	size_t n = strlen(v);
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	char low[256];
	if (n < sizeof(low)) {
		for (size_t i = 0; i < n; i++)
			low[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
		add_digests(c, low, n, lower_names);
	}
	if (strcmp(c->category->id, "contact.phone") != 0)
		return;
	char digits[64];
	size_t d = 0;
	for (size_t i = 0; i < n && d + 1 < sizeof(digits); i++)
		if (v[i] >= '0' && v[i] <= '9')
			digits[d++] = v[i];
	if (d < 6)
		return;
	add_digests(c, digits, d, digit_names);
	char e164[72];
	/* a Chinese mobile without its code: 11 digits from 1 */
	int k = d == 11 && digits[0] == '1' ? snprintf(e164, sizeof(e164), "+86%.*s", (int)d, digits)
					    : snprintf(e164, sizeof(e164), "+%.*s", (int)d, digits);
	if (k > 0 && (size_t)k < sizeof(e164)) {
		add_digests(c, e164 + 1, (size_t)k - 1, e164_names);
		add_digests(c, e164, (size_t)k, plus_names);
	}
}

static void build_variants(struct canary *c)
{
	static const char *const plain_names[] = { "md5", "sha1", "sha256" };
	const char *v = c->value;
	size_t n = strlen(v);
	c->variants = calloc(CANARY_MAX_FORMS, sizeof(char *));
	c->variant_len = calloc(CANARY_MAX_FORMS, sizeof(size_t));
	c->variant_form = calloc(CANARY_MAX_FORMS, sizeof(char *));
	if (!c->variants || !c->variant_len || !c->variant_form)
		return;
	add_variant(c, v, n, "value");
	char *low = strdup(v), *up = strdup(v);
	for (size_t i = 0; low && up && i < n; i++) {
		if (v[i] >= 'A' && v[i] <= 'Z')
			low[i] = (char)(v[i] + 32);
		if (v[i] >= 'a' && v[i] <= 'z')
			up[i] = (char)(v[i] - 32);
	}
	if (low && up) {
		add_variant(c, low, n, "lowercase");
		add_variant(c, up, n, "uppercase");
	}
	free(low);
	free(up);
	/* URL-encoded: every byte outside RFC 3986's unreserved set as %XX */
	char *enc = malloc(3 * n + 1);
	size_t k = 0;
	for (size_t i = 0; enc && i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch))
			enc[k++] = (char)ch;
		else
			k += (size_t)sprintf(enc + k, "%%%02X", ch);
	}
	if (enc)
		add_variant(c, enc, k, "url");
	free(enc);
	unsigned char *b64 = malloc(4 * ((n + 2) / 3) + 1);
	if (b64) {
		int bl = EVP_EncodeBlock(b64, (const unsigned char *)v, (int)n);
		add_variant(c, (char *)b64, (size_t)bl, "base64");
		while (bl > 0 && b64[bl - 1] == '=')
			bl--;
		add_variant(c, (char *)b64, (size_t)bl, "base64");
		free(b64);
	}
	add_digests(c, v, n, plain_names);
	add_matching_forms(c);
}

/* `necessary:` a list of category patterns, each a string or
 * {category: ID, reason: TEXT}, or a mapping ID: reason. */
static void service_needs(struct loader *l, struct ydoc *d, ynode *node, struct profile *p)
{
	static const char *const ekeys[] = { "category", "reason", NULL };
	if (!node)
		return;
	bool map = ynode_is_map(node);
	if (!map && !ynode_is_seq(node)) {
		ydoc_error(d, node, "necessary: expected a list of categories (or {category, reason}) or a mapping category: reason");
		return;
	}
	size_t n = 0;
	ynode *k, *v;
	if (map)
		while (ynode_pair(d, node, n, &k, &v))
			n++;
	else
		n = ynode_len(node);
	p->service_needs = calloc(n + 1, sizeof(char *));
	p->service_need_reasons = calloc(n + 1, sizeof(char *));
	if (!p->service_needs || !p->service_need_reasons)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *cat = NULL, *reason = NULL;
		ynode *at;
		if (map) {
			ynode_pair(d, node, i, &k, &v);
			cat = ynode_str(k);
			reason = ynode_str(v);
			at = k;
		} else {
			at = ynode_item(d, node, i);
			if (ynode_is_map(at)) {
				known_keys(d, at, "necessary", ekeys);
				cat = ynode_str(ynode_get(d, at, "category"));
				reason = ynode_str(ynode_get(d, at, "reason"));
			} else {
				cat = ynode_str(at);
			}
		}
		if (!cat || !*cat) {
			ydoc_error(d, at, "necessary: each entry needs a category");
			continue;
		}
		if (!category_pattern_ok(l, cat)) {
			ydoc_error(d, at, "necessary: unknown category '%s'", cat);
			continue;
		}
		char *c = strdup(cat);
		p->service_need_reasons[p->nservice_needs] = reason && *reason ? strdup(reason) : NULL;
		p->service_needs[p->nservice_needs++] = c;
	}
}

static void canaries(struct loader *l, struct ydoc *d, ynode *map, struct profile *p)
{
	if (!map)
		return;
	if (!ynode_is_map(map)) {
		ydoc_error(d, map, "canaries: expected a mapping of category: [values]");
		return;
	}
	ynode *k, *v;
	size_t total = 0;
	for (size_t i = 0; ynode_pair(d, map, i, &k, &v); i++)
		total += ynode_len(v);
	p->canaries = calloc(total + 1, sizeof(*p->canaries));
	for (size_t i = 0; p->canaries && ynode_pair(d, map, i, &k, &v); i++) {
		const char *cat = ynode_str(k);
		const struct category *c = cat && l->sigs ? signatures_category(l->sigs, cat) : NULL;
		if (!c) {
			ydoc_error(d, k, "canaries: unknown category '%s'", cat ? cat : "?");
			continue;
		}
		size_t n;
		char **vals = strings(d, v, "canaries", &n);
		for (size_t j = 0; j < n; j++) {
			struct canary *cn = &p->canaries[p->ncanaries++];
			cn->category = c;
			cn->value = vals[j];
			build_variants(cn);
		}
		free(vals);
	}
}

#define PROFILE_MAX_TEXT (1u << 20) /* a profile is a page of YAML */

/* The file's bytes (at most PROFILE_MAX_TEXT, NUL-terminated) and their
 * SHA-256; out[0] == 0 and NULL when it cannot be read. */
static char *file_text(const char *path, char out[65])
{
	out[0] = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *text = malloc(PROFILE_MAX_TEXT + 1);
	size_t n = text ? fread(text, 1, PROFILE_MAX_TEXT, f) : 0;
	bool ok = text && !ferror(f) && fgetc(f) == EOF; /* a longer file is refused by the caller */
	fclose(f);
	if (!ok) {
		free(text);
		return NULL;
	}
	text[n] = 0;
	unsigned char md[32];
	if (EVP_Digest(text, n, md, NULL, EVP_sha256(), NULL))
		for (int i = 0; i < 32; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	return text;
}

struct profile *profile_load(const char *path, const struct signatures *sigs, FILE *errors, int *nerrors)
{
	struct loader l = { calloc(1, sizeof(struct profile)), sigs, errors, 0 };
	struct profile *p = l.p;
	if (!p)
		return NULL;
	p->path = strdup(path);
	struct ydoc d;
	if (ydoc_load(&d, path, report, &l)) {
		ynode *root = ydoc_root(&d);
		static const char *const keys[] = { "app", "first_party", "affiliates", "disclosed", "consent",
						    "necessary_before_consent", "necessary", "canaries", NULL };
		if (!ynode_is_map(root)) {
			ydoc_error(&d, root, "a profile is a mapping (app, first_party, ...)");
		} else {
			known_keys(&d, root, "the profile", keys);
			ynode *app = ynode_get(&d, root, "app");
			static const char *const app_keys[] = { "name", "id", NULL };
			if (app)
				known_keys(&d, app, "app", app_keys);
			p->app_name = dup_or_null(ynode_str(ynode_get(&d, app, "name")));
			p->app_id = dup_or_null(ynode_str(ynode_get(&d, app, "id")));
			if (!p->app_name)
				ydoc_error(&d, app ? app : root, "app: needs a name");
			ynode *fp = ynode_get(&d, root, "first_party");
			if (!fp)
				ydoc_error(&d, root, "missing first_party");
			else
				party(&l, &d, fp, &p->first_party, "first_party", false);
			parties(&l, &d, ynode_get(&d, root, "affiliates"), &p->affiliates, &p->naffiliates, "affiliates", false);
			parties(&l, &d, ynode_get(&d, root, "disclosed"), &p->disclosed, &p->ndisclosed, "disclosed", true);
			consent_rules(&d, ynode_get(&d, root, "consent"), p);
			ynode *nec = ynode_get(&d, root, "necessary_before_consent");
			p->necessary = strings(&d, nec, "necessary_before_consent", &p->nnecessary);
			check_categories(&l, &d, nec, p->necessary, p->nnecessary, "necessary_before_consent");
			service_needs(&l, &d, ynode_get(&d, root, "necessary"), p);
			canaries(&l, &d, ynode_get(&d, root, "canaries"), p);
		}
	}
	ydoc_free(&d);
	p->text = file_text(path, p->sha256);
	if (!p->text && !l.nerrors)
		report(&l, path, 0, "cannot read the whole profile (over 1 MiB, or a read error)");
	if (nerrors)
		*nerrors = l.nerrors;
	if (l.nerrors) {
		profile_free(p);
		return NULL;
	}
	return p;
}

static void free_party(struct profile_party *pp)
{
	free(pp->organization);
	free_strings(pp->domains, pp->ndomains);
	free_strings(pp->categories, pp->ncategories);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->path);
	free(p->app_name);
	free(p->app_id);
	free_party(&p->first_party);
	for (size_t i = 0; i < p->naffiliates; i++)
		free_party(&p->affiliates[i]);
	for (size_t i = 0; i < p->ndisclosed; i++)
		free_party(&p->disclosed[i]);
	free(p->affiliates);
	free(p->disclosed);
	for (size_t i = 0; i < p->nrules; i++) {
		struct consent_rule *r = &p->rules[i];
		free(r->name);
		free(r->host);
		free(r->method);
		free(r->path);
		free_strings(r->body_paths, r->nbody);
		free_strings(r->body_values, r->nbody);
	}
	free(p->rules);
	free_strings(p->necessary, p->nnecessary);
	free_strings(p->service_needs, p->nservice_needs);
	for (size_t i = 0; p->service_need_reasons && i < p->nservice_needs; i++)
		free(p->service_need_reasons[i]);
	free(p->service_need_reasons);
	for (size_t i = 0; i < p->ncanaries; i++) {
		free(p->canaries[i].value);
		free_strings(p->canaries[i].variants, p->canaries[i].nvariants);
		free(p->canaries[i].variant_len);
		free(p->canaries[i].variant_form);
	}
	free(p->canaries);
	free(p->text);
	free(p);
}

bool profile_domain_match(char *const *domains, size_t n, const char *host)
{
	size_t hl = strlen(host);
	for (size_t i = 0; i < n; i++) {
		size_t dl = strlen(domains[i]);
		if (hl == dl && strcasecmp(host, domains[i]) == 0)
			return true;
		if (hl > dl && host[hl - dl - 1] == '.' && strcasecmp(host + hl - dl, domains[i]) == 0)
			return true;
	}
	return false;
}

bool profile_category_match(char *const *patterns, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(patterns[i]);
		if (strcmp(patterns[i], id) == 0)
			return true;
		if (l > 2 && strcmp(patterns[i] + l - 2, ".*") == 0 && strncmp(patterns[i], id, l - 1) == 0)
			return true;
	}
	return false;
}

const struct canary *profile_find_canary(const struct profile *p, const char *value, size_t len, const char **form)
{
	for (size_t i = 0; i < p->ncanaries; i++) {
		const struct canary *c = &p->canaries[i];
		if (!c->nvariants)
			continue;
		/* a short canary (in any form) must be the whole value, a longer one may be embedded */
		bool whole = c->variant_len[0] < 6;
		for (size_t j = 0; j < c->nvariants; j++) {
			size_t vl = c->variant_len[j];
			if (whole ? (vl == len && memcmp(value, c->variants[j], vl) == 0)
				  : memmem(value, len, c->variants[j], vl) != NULL) {
				if (form)
					*form = c->variant_form[j];
				return c;
			}
		}
	}
	return NULL;
}
