/* \summary: matching fields and hosts against the signature set (see
 * signatures.h): key normalisation, rule lookup, explanations. */
#include "signatures_internal.h"

/* ---- key normalisation ---- */

size_t signatures_normalise_key(const char *key, size_t n, char *out, size_t cap)
{
	/* split camelCase, lower-case, map separators to '_' */
	char tmp[KEY_MAX * 2];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 2 < sizeof(tmp); i++) {
		unsigned char c = (unsigned char)key[i];
		if (c >= 'A' && c <= 'Z') {
			bool prev_lower = i > 0 && ((key[i - 1] >= 'a' && key[i - 1] <= 'z') || (key[i - 1] >= '0' && key[i - 1] <= '9'));
			bool next_lower = i + 1 < n && key[i + 1] >= 'a' && key[i + 1] <= 'z';
			bool prev_upper = i > 0 && key[i - 1] >= 'A' && key[i - 1] <= 'Z';
			if (k && (prev_lower || (prev_upper && next_lower)))
				tmp[k++] = '_';
			tmp[k++] = (char)(c + 32);
		} else if (c < 0x80 && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) {
			tmp[k++] = '_'; /* separators and sigils alike: $model, x-imei, user.name */
		} else {
			tmp[k++] = (char)c;
		}
	}
	/* trailing digits and separators: phone2, imei_1 */
	while (k && ((tmp[k - 1] >= '0' && tmp[k - 1] <= '9') || tmp[k - 1] == '_'))
		k--;
	/* the compact form drops the separators: real_name == realName == realname */
	size_t o = 0;
	for (size_t i = 0; i < k && o + 1 < cap; i++)
		if (tmp[i] != '_')
			out[o++] = tmp[i];
	if (cap)
		out[o] = 0;
	return o;
}

/* The key without its first word when that word is a common prefix
 * (user_phone -> phone, uName -> name); 0 when there is none. */
static size_t strip_prefix(const struct signatures *s, const char *key, size_t n, char *out, size_t cap)
{
	char tmp[KEY_MAX * 2];
	size_t k = 0;
	/* first word: up to '_', '-', '.', or a camel boundary */
	size_t i = 0;
	while (i < n && key[i] != '_' && key[i] != '-' && key[i] != '.' &&
	       !(i > 0 && key[i] >= 'A' && key[i] <= 'Z'))
		i++;
	if (i == 0 || i >= n || i >= sizeof(tmp))
		return 0;
	for (size_t j = 0; j < i; j++)
		tmp[k++] = (char)((key[j] >= 'A' && key[j] <= 'Z') ? key[j] + 32 : key[j]);
	tmp[k] = 0;
	bool known = false;
	for (size_t p = 0; p < s->nprefixes && !known; p++)
		known = strcmp(s->prefixes[p], tmp) == 0;
	if (!known)
		return 0;
	while (i < n && (key[i] == '_' || key[i] == '-' || key[i] == '.'))
		i++;
	return signatures_normalise_key(key + i, n - i, out, cap);
}

/* The parent segment of a field path, compact: body.user.profile.occupation
 * -> "profile"; body.events[3].name -> "events"; body.data{json}.imei -> "data". */
static size_t parent_of(const char *path, char *out, size_t cap)
{
	size_t n = strlen(path);
	const char *end = path + n;
	/* drop the last component (after the last '.' outside brackets) */
	const char *p = end;
	while (p > path && p[-1] != '.')
		p--;
	if (p == path)
		return out[0] = 0, 0;
	const char *pend = p - 1;
	const char *pstart = pend;
	while (pstart > path && pstart[-1] != '.')
		pstart--;
	char seg[KEY_MAX];
	size_t k = 0;
	int depth = 0;
	for (const char *q = pstart; q < pend && k + 1 < sizeof(seg); q++) {
		if (*q == '[' || *q == '{')
			depth++;
		else if (*q == ']' || *q == '}')
			depth--;
		else if (depth == 0)
			seg[k++] = *q;
	}
	return signatures_normalise_key(seg, k, out, cap);
}


#define MAX_ANCESTORS 16

/* The normalised segments of path before its last one (without [i] and
 * {json}), into a[]; returns how many. */
static size_t ancestors_of(const char *path, char a[][KEY_MAX], size_t max)
{
	const char *seg = path, *last = path + strlen(path);
	while (last > path && last[-1] != '.')
		last--;
	size_t n = 0;
	while (seg < last && n < max) {
		const char *dot = memchr(seg, '.', (size_t)(last - seg));
		const char *se = dot ? dot : last;
		char raw[KEY_MAX];
		size_t k = 0;
		int depth = 0;
		for (const char *q = seg; q < se && k + 1 < sizeof(raw); q++) {
			if (*q == '[' || *q == '{')
				depth++;
			else if (*q == ']' || *q == '}')
				depth--;
			else if (depth == 0)
				raw[k++] = *q;
		}
		if (signatures_normalise_key(raw, k, a[n], KEY_MAX))
			n++;
		seg = se + 1;
	}
	return n;
}

static bool parent_in(char **list, size_t n, const char *parent, size_t plen)
{
	/* strncmp stops at the end of the list entry; no strlen per entry on this path */
	for (size_t i = 0; i < n; i++) {
		if (strncmp(list[i], parent, plen) == 0 && list[i][plen] == 0)
			return true;
		/* events[] holds an event */
		if (plen > 1 && parent[plen - 1] == 's' && strncmp(list[i], parent, plen - 1) == 0 &&
		    list[i][plen - 1] == 0)
			return true;
	}
	return false;
}

/* ---- matching ---- */

/* Why a rule does or does not apply to a value: NULL when it does. */
static const char *value_check(const struct signatures *s, const struct field_rule *r, const char *v, size_t n)
{
	if (!valid_not_empty(v, n))
		return "the value is empty or a null word";
	if (n < r->min_len || n > r->max_len)
		return "the value's length is outside the rule's range";
	if (r->re && pcre2_match(r->re, (PCRE2_SPTR)v, n, 0, 0, s->md, NULL) < 0)
		return "the value does not match the rule's pattern";
	if (r->validator && !r->validator(v, n))
		return "the value fails the rule's validator";
	return NULL;
}

static const char *context_check(const struct field_rule *r, const char *parent, size_t plen)
{
	if (r->nnot && parent_in(r->not_under, r->nnot, parent, plen))
		return "the field sits under a parent the rule excludes";
	if (r->nonly && !parent_in(r->only_under, r->nonly, parent, plen))
		return "the field does not sit under a parent the rule requires";
	return NULL;
}

/* First key rule for `key` that applies; *stop is set when one matched (even `none`). */
static const struct field_rule *match_key(const struct signatures *s, const char *key, const char *parent,
					  size_t plen, const char *v, size_t n)
{
	int i = smap_get(&s->key_index, key);
	for (; i >= 0; i = s->key_chain_next[i]) {
		const struct field_rule *r = &s->rules[s->key_chain_rule[i]];
		if (!context_check(r, parent, plen) && (!r->category || !value_check(s, r, v, n)))
			return r;
	}
	return NULL;
}

static bool key_in(char **list, size_t n, const char *k, const char *stripped)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], k) == 0 || (stripped[0] && strcmp(list[i], stripped) == 0))
			return true;
	return false;
}

static bool hit(const struct field_rule *r, struct classification *out)
{
	if (!r->category)
		return false;
	out->category = r->category;
	out->rule = r->id;
	out->confidence = r->confidence;
	return true;
}

bool signatures_classify(const struct signatures *s, const char *path, const char *key, size_t key_len,
			 const char *value, size_t value_len, struct classification *out)
{
	if (!valid_not_empty(value, value_len))
		return false; /* no data: empty, a null word or a placeholder */
	char k[KEY_MAX], parent[KEY_MAX], stripped[KEY_MAX];
	size_t klen = signatures_normalise_key(key, key_len, k, sizeof(k));
	size_t plen = path ? parent_of(path, parent, sizeof(parent)) : (parent[0] = 0, 0);
	size_t slen = klen ? strip_prefix(s, key, key_len, stripped, sizeof(stripped)) : 0;
	if (!slen)
		stripped[0] = 0;
	/* 1. collections (an address book entry is the address book) and
	 *    values that say what they are, whatever their key */
	if (path && s->container_index.n) {
		char anc[MAX_ANCESTORS][KEY_MAX];
		size_t nanc = ancestors_of(path, anc, MAX_ANCESTORS);
		for (size_t a = 0; a < nanc; a++) {
			int i = smap_get(&s->container_index, anc[a]);
			if (i >= 0 && !value_check(s, &s->rules[i], value, value_len))
				return hit(&s->rules[i], out);
		}
	}
	for (size_t i = 0; i < s->nfirst_rules; i++) {
		const struct field_rule *r = &s->rules[s->first_rules[i]];
		if (r->ncontainers)
			continue; /* matched through container_index above */
		if (value_len < r->min_len || value_len > r->max_len || key_in(r->except_keys, r->nexcept, k, stripped))
			continue;
		if (!context_check(r, parent, plen) && !value_check(s, r, value, value_len))
			return hit(r, out);
	}
	/* 2. the key (a `none` rule ends the search) */
	const struct field_rule *r = klen ? match_key(s, k, parent, plen, value, value_len) : NULL;
	if (!r && slen)
		r = match_key(s, stripped, parent, plen, value, value_len);
	if (r)
		return hit(r, out);
	/* 3. the other value rules */
	for (size_t i = 0; i < s->nvalue_rules; i++) {
		const struct field_rule *vr = &s->rules[s->value_rules[i]];
		if (value_len < vr->min_len || value_len > vr->max_len)
			continue; /* the cheap filter before any pattern */
		if (!key_in(vr->except_keys, vr->nexcept, k, stripped) && !context_check(vr, parent, plen) &&
		    !value_check(s, vr, value, value_len))
			return hit(vr, out);
	}
	return false;
}

const struct organization *signatures_organization(const struct signatures *s, const char *host)
{
	for (const char *h = host; h && *h;) {
		int i = smap_get(&s->org_index, h);
		if (i >= 0)
			return &s->orgs[i];
		h = strchr(h, '.');
		if (h)
			h++;
	}
	return NULL;
}

void signatures_explain(const struct signatures *s, const char *key, const char *value, FILE *out)
{
	char k[KEY_MAX], stripped[KEY_MAX];
	size_t vlen = strlen(value);
	size_t klen = key ? signatures_normalise_key(key, strlen(key), k, sizeof(k)) : 0;
	size_t slen = key ? strip_prefix(s, key, strlen(key), stripped, sizeof(stripped)) : 0;
	if (key && slen)
		fprintf(out, "key '%s' normalises to '%s', or '%s' without its prefix\n", key, k, stripped);
	else if (key)
		fprintf(out, "key '%s' normalises to '%s'\n", key, k);
	struct classification c;
	bool hit = signatures_classify(s, key ? key : NULL, key ? key : "", key ? strlen(key) : 0, value, vlen, &c);
	int shown = 0;
	for (size_t i = 0; i < s->nrules; i++) {
		const struct field_rule *r = &s->rules[i];
		bool key_hit = false;
		for (size_t j = 0; j < r->nkeys; j++)
			key_hit |= (klen && strcmp(r->keys[j], k) == 0) || (slen && strcmp(r->keys[j], stripped) == 0);
		if ((r->nkeys && !key_hit) || r->ncontainers)
			continue;
		const char *why = r->category ? value_check(s, r, value, vlen) : NULL;
		if (!r->nkeys && why && (vlen < r->min_len || vlen > r->max_len))
			continue; /* value rules for other shapes are noise */
		fprintf(out, "%s  %s (%s:%u) -> %s: %s%s\n", why ? "no " : "YES", r->id, r->file, r->line,
			r->category ? r->category->id : "none (not personal data)",
			r->nkeys ? "the key matches" : "value rule",
			why ? "" : (r->pattern || r->validator ? ", and the value passes" : ""));
		if (why)
			fprintf(out, "     because %s\n", why);
		shown++;
	}
	if (!shown)
		fputs("no rule concerns this key or value\n", out);
	if (hit)
		fprintf(out, "=> %s (%s, %s), rule %s, confidence %.2f\n", c.category->id, c.category->en,
			c.category->sensitive ? "sensitive" : "not sensitive", c.rule, c.confidence);
	else
		fputs("=> not classified\n", out);
}
