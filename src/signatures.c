/* \summary: matching fields and hosts against the signature set (see
 * signatures.h): key normalisation, rule lookup, explanations. */
#include <stdarg.h>

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
static size_t strip_prefix(const struct signatures *s, const char *key, size_t n, char *out, size_t cap,
			   char prefix[KEY_MAX])
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
	if (prefix)
		memcpy(prefix, tmp, k + 1);
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

/* ---- key sense ---- */

#define MAX_WORDS 12

/* The words of a key, lower case: displayCids -> display, cids;
 * imei_md5 -> imei, md5 (digits stay: md5 and sha256 are words). */
static size_t key_words(const char *key, size_t n, char w[][KEY_MAX], size_t max)
{
	char tmp[KEY_MAX * 2];
	size_t k = 0, nw = 0;
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
			tmp[k++] = '_';
		} else {
			tmp[k++] = (char)c;
		}
	}
	tmp[k] = 0;
	for (char *save = NULL, *t = strtok_r(tmp, "_", &save); t && nw < max; t = strtok_r(NULL, "_", &save)) {
		size_t l = strlen(t);
		bool digits = true;
		for (size_t i = 0; i < l && digits; i++)
			digits = t[i] >= '0' && t[i] <= '9';
		if (digits || l >= KEY_MAX)
			continue;
		memcpy(w[nw], t, l);
		w[nw++][l] = 0;
	}
	return nw;
}

/* Is w in the set, also without trailing digits (phone2) or as a plural
 * (cids for cid)? */
static bool word_in(const struct smap *set, const char *w)
{
	if (smap_get(set, w) >= 0)
		return true;
	char base[KEY_MAX];
	size_t l = strlen(w);
	memcpy(base, w, l + 1);
	while (l && base[l - 1] >= '0' && base[l - 1] <= '9')
		base[--l] = 0;
	if (l && base[l] == 0 && l != strlen(w) && smap_get(set, base) >= 0)
		return true;
	if (l > 2 && base[l - 1] == 's') {
		base[l - 1] = 0;
		return smap_get(set, base) >= 0;
	}
	return false;
}

/* The words of the path's parent segment (without [i] and {json}). */
static size_t parent_words(const char *path, char w[][KEY_MAX], size_t max)
{
	if (!path)
		return 0;
	const char *end = path + strlen(path);
	const char *p = end;
	while (p > path && p[-1] != '.')
		p--;
	if (p == path)
		return 0;
	const char *pend = p - 1, *pstart = pend;
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
	return key_words(seg, k, w, max);
}

/* A key that names a non-personal thing (campaign ids, event names,
 * counts, versions, levels): its value is not classified by shape. */
static bool key_not_personal(const struct signatures *s, char kw[][KEY_MAX], size_t nk, char pw[][KEY_MAX],
			     size_t np, const char **why)
{
	bool generic = nk > 0, np_word = false;
	for (size_t i = 0; i < nk; i++) {
		if (word_in(&s->personal_words, kw[i]))
			return false;
		generic &= word_in(&s->generic_keys, kw[i]);
		if (!np_word && word_in(&s->not_personal_words, kw[i])) {
			np_word = true;
			*why = kw[i];
		}
	}
	if (np_word)
		return true;
	/* `id` or `name` says nothing alone: campaign.id is a campaign's */
	for (size_t i = 0; generic && i < np; i++)
		if (word_in(&s->not_personal_words, pw[i]) && !word_in(&s->personal_words, pw[i])) {
			*why = pw[i];
			return true;
		}
	return false;
}

/* The words of a request path's segments: /v1/user-profile/edit -> v, user,
 * profile, edit (the query is not part of it). */
static size_t uri_words(const char *path, char w[][KEY_MAX], size_t max)
{
	size_t n = 0;
	const char *p = path;
	while (*p && *p != '?' && *p != '#' && n < max) {
		while (*p == '/')
			p++;
		const char *e = p;
		while (*e && *e != '/' && *e != '?' && *e != '#')
			e++;
		if (e > p)
			n += key_words(p, (size_t)(e - p), w + n, max - n);
		p = e;
	}
	return n;
}

static bool parent_not_personal(const struct signatures *s, char pw[][KEY_MAX], size_t np)
{
	for (size_t i = 0; i < np; i++)
		if (word_in(&s->not_personal_parents, pw[i]))
			return true;
	return false;
}

/* ---- matching ---- */

struct match {
	const struct signatures *s;
	const struct field_in *f;
	char parent[KEY_MAX];
	size_t plen;
	bool timestamp;           /* the value is an epoch time near the request's */
	enum hash_kind digest;    /* the value looks like a digest */
	bool parent_np;           /* personal key rules do not apply under this parent */
	char uri_words[MAX_WORDS][KEY_MAX]; /* a top-level field's context: the words of the request's path */
	size_t nuri;
	FILE *trace;
};

static void tracef(const struct match *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tracef(const struct match *m, const char *fmt, ...)
{
	if (!m->trace)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(m->trace, fmt, ap);
	va_end(ap);
	fputc('\n', m->trace);
}

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

/* The index of the path's last array element (body.extinfo[5] -> 5), or -1. */
static long last_index(const char *path)
{
	size_t n = path ? strlen(path) : 0;
	if (n < 3 || path[n - 1] != ']')
		return -1;
	size_t i = n - 1;
	long v = 0, scale = 1;
	while (i > 0 && path[i - 1] >= '0' && path[i - 1] <= '9' && scale < 100000000) {
		v += (path[i - 1] - '0') * scale;
		scale *= 10;
		i--;
	}
	return i > 0 && path[i - 1] == '[' && i < n - 1 ? v : -1;
}

static const char *context_check(const struct match *m, const struct field_rule *r)
{
	if (r->at_index >= 0 && last_index(m->f->path) != r->at_index)
		return "the field is not at the array position the rule names";
	if (r->nnot && parent_in(r->not_under, r->nnot, m->parent, m->plen))
		return "the field sits under a parent the rule excludes";
	if (r->nonly && !parent_in(r->only_under, r->nonly, m->parent, m->plen)) {
		/* a top-level field of POST /v1/user/profile is the user's */
		for (size_t i = 0; i < m->nuri; i++)
			if (parent_in(r->only_under, r->nonly, m->uri_words[i], strlen(m->uri_words[i])))
				return NULL;
		return "the field does not sit under a parent the rule requires";
	}
	if (r->category && m->parent_np && !r->nonly)
		return "the parent names something that is not a person (normalise.yaml not_personal_parents)";
	return NULL;
}

/* Fills out with r's verdict; always true, so `return hit(...)` reads as what it does. */
static bool hit(const struct match *m, const struct field_rule *r, enum hash_kind hashed, struct classification *out)
{
	out->category = r->category;
	out->rule = r->id;
	out->confidence = r->confidence;
	out->hashed = (unsigned char)hashed;
	out->issued = r->issued || r->category->credential;
	out->canary_form = NULL;
	tracef(m, "YES %s (%s:%u) -> %s%s%s", r->id, r->file, r->line, r->category->id, hashed ? ", hashed " : "",
	       hashed ? hash_kind_name(hashed) : "");
	return true;
}

enum key_result { KEY_NONE, KEY_HIT, KEY_STOP };

/* The key rules for `key` (normalised): first those that name the parent
 * they need (ud.db is a birth date, device.id a device's id), then the
 * others, each in file order.  The first that applies classifies the
 * field; a `none` rule stops the search. */
static enum key_result match_key(const struct match *m, const char *key, bool digest_only, struct classification *out)
{
	const struct signatures *s = m->s;
	const struct field_in *f = m->f;
	int head = smap_get(&s->key_index, key);
	for (int pass = 0, i = head; pass < 2; pass++, i = head)
	for (; i >= 0; i = s->key_chain_next[i]) {
		const struct field_rule *r = &s->rules[s->key_chain_rule[i]];
		if ((r->nonly > 0) != (pass == 0))
			continue;
		const char *why = context_check(m, r);
		if (why) {
			tracef(m, "no  %s (%s:%u): %s", r->id, r->file, r->line, why);
			continue;
		}
		if (!r->category) {
			tracef(m, "YES %s (%s:%u) -> none: the key names data that is not personal; the search stops",
			       r->id, r->file, r->line);
			return KEY_STOP;
		}
		if (m->timestamp && !r->timestamps) {
			tracef(m, "no  %s (%s:%u): the value is a timestamp near the request's time", r->id, r->file, r->line);
			continue;
		}
		/* a digest under an identifier's key is that identifier, hashed,
		 * whatever shape the rule wants of the clear value */
		if (m->digest && r->category->identifier) {
			hit(m, r, m->digest, out);
			return KEY_HIT;
		}
		if (digest_only)
			continue;
		why = value_check(s, r, f->value, f->value_len);
		if (why) {
			tracef(m, "no  %s (%s:%u): %s", r->id, r->file, r->line, why);
			continue;
		}
		hit(m, r, HASH_NONE, out);
		return KEY_HIT;
	}
	return KEY_NONE;
}

static bool key_in(char **list, size_t n, const char *k, const char *stripped)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], k) == 0 || (stripped[0] && strcmp(list[i], stripped) == 0))
			return true;
	return false;
}

/* The value rules of `list` (identifying ones, or the others) in order. */
static bool match_values(const struct match *m, const size_t *list, size_t n, const char *k, const char *stripped,
			 struct classification *out)
{
	const struct signatures *s = m->s;
	const struct field_in *f = m->f;
	for (size_t i = 0; i < n; i++) {
		const struct field_rule *r = &s->rules[list[i]];
		if (r->ncontainers)
			continue; /* matched through container_index */
		if (f->value_len < r->min_len || f->value_len > r->max_len)
			continue; /* the cheap filter before any pattern; not worth a trace line */
		if (key_in(r->except_keys, r->nexcept, k, stripped)) {
			tracef(m, "no  %s (%s:%u): the rule does not apply under this key", r->id, r->file, r->line);
			continue;
		}
		const char *why = context_check(m, r);
		if (!why)
			why = value_check(s, r, f->value, f->value_len);
		if (why) {
			tracef(m, "no  %s (%s:%u): %s", r->id, r->file, r->line, why);
			continue;
		}
		return hit(m, r, HASH_NONE, out);
	}
	return false;
}

/* Words from..n of kw, normalised as one key. */
static size_t join_words(char kw[][KEY_MAX], size_t from, size_t n, char *out, size_t cap)
{
	char joined[KEY_MAX * 2];
	size_t len = 0;
	for (size_t i = from; i < n; i++) {
		size_t l = strlen(kw[i]);
		if (len + l + 1 >= sizeof(joined))
			break;
		memcpy(joined + len, kw[i], l);
		len += l;
		joined[len++] = '_';
	}
	return len ? signatures_normalise_key(joined, len, out, cap) : 0;
}

/* The key without its hash words (imei_md5 -> imei, hashedEmail -> email)
 * into kw (shortened in place); false when it has none or nothing else. */
static bool drop_hash_words(const struct signatures *s, char kw[][KEY_MAX], size_t *nk)
{
	size_t n = 0;
	for (size_t i = 0; i < *nk; i++)
		if (smap_get(&s->hash_words, kw[i]) < 0 && n++ != i)
			memcpy(kw[n - 1], kw[i], KEY_MAX);
	bool dropped = n < *nk;
	*nk = n;
	return dropped && n;
}

/* A vendor's words before a known key: x_crashlytics_installation_id is
 * installation_id, af_email is email.  The key rules are tried on ever
 * shorter tails; a tail of one word only after a single dropped word (the
 * strip_prefixes do that for common ones).  Only for keys that do not name
 * something not personal (event_name is not a name), and not past a word
 * that is a thing rather than a person (voice_gender is a voice's). */
static enum key_result match_tails(const struct match *m, char kw[][KEY_MAX], size_t nk, bool digest_only,
				   struct classification *out)
{
	for (size_t from = 1; from < nk; from++) {
		/* voice_gender is the voice's: the words of a parent that is no
		 * person stop the search as that parent would */
		if (word_in(&m->s->not_personal_parents, kw[from - 1]))
			return KEY_NONE;
		if (nk - from < 2 && from > 1)
			break;
		char tail[KEY_MAX];
		if (!join_words(kw, from, nk, tail, sizeof(tail)))
			continue;
		if (nk - from == 1 && word_in(&m->s->generic_keys, kw[from]))
			break; /* goal_id is not an id of the person the parent names */
		enum key_result r = match_key(m, tail, digest_only, out);
		if (r != KEY_NONE) {
			tracef(m, "matched on the key's last words '%s'", tail);
			return r;
		}
	}
	return KEY_NONE;
}

bool signatures_classify(const struct signatures *s, const struct field_in *f, struct classification *out,
			 FILE *trace)
{
	struct match m = { .s = s, .f = f, .trace = trace };
	memset(out, 0, sizeof(*out));
	if (!valid_not_empty(f->value, f->value_len)) {
		tracef(&m, "the value is empty, a null word, a placeholder or already masked: no data");
		return false;
	}
	char k[KEY_MAX], stripped[KEY_MAX];
	char kw[MAX_WORDS][KEY_MAX], pw[MAX_WORDS][KEY_MAX];
	size_t klen = signatures_normalise_key(f->key, f->key_len, k, sizeof(k));
	m.plen = f->path ? parent_of(f->path, m.parent, sizeof(m.parent)) : (m.parent[0] = 0, 0);
	char prefix[KEY_MAX];
	size_t slen = klen ? strip_prefix(s, f->key, f->key_len, stripped, sizeof(stripped), prefix) : 0;
	if (!slen)
		stripped[0] = 0;
	size_t nk = key_words(f->key, f->key_len, kw, MAX_WORDS);
	size_t np = parent_words(f->path, pw, MAX_WORDS);
	const char *np_word = NULL;
	bool key_np = key_not_personal(s, kw, nk, pw, np, &np_word);
	m.parent_np = parent_not_personal(s, pw, np);
	if (f->uri_path && (!np || (np == 1 && (strcmp(pw[0], "body") == 0 || strcmp(pw[0], "query") == 0))))
		m.nuri = uri_words(f->uri_path, m.uri_words, MAX_WORDS);
	m.timestamp = value_is_recent_epoch(f->value, f->value_len, f->ts_s);
	m.digest = value_hash_kind(f->value, f->value_len);
	tracef(&m, "key '%.*s' normalises to '%s'%s%s%s; parent '%s'", (int)f->key_len, f->key, k,
	       slen ? ", or '" : "", slen ? stripped : "", slen ? "' without its prefix" : "", m.parent);
	if (key_np)
		tracef(&m, "the key names something that is not a person ('%s'): the value's shape alone says nothing",
		       np_word);
	if (m.timestamp)
		tracef(&m, "the value is an epoch time near the request's: a timestamp");
	if (m.digest)
		tracef(&m, "the value looks like a %s digest", hash_kind_name(m.digest));
	/* 1. collections: an address book entry is the address book */
	if (f->path && s->container_index.n) {
		char anc[MAX_ANCESTORS][KEY_MAX];
		size_t nanc = ancestors_of(f->path, anc, MAX_ANCESTORS);
		for (size_t a = 0; a < nanc; a++) {
			int i = smap_get(&s->container_index, anc[a]);
			if (i >= 0 && !value_check(s, &s->rules[i], f->value, f->value_len)) {
				tracef(&m, "the field sits inside '%s', a collection", anc[a]);
				return hit(&m, &s->rules[i], HASH_NONE, out);
			}
		}
	}
	/* 2. values that say what they are, whatever their key, unless the key
	 *    names something else or the value is a time */
	if (!key_np && !m.timestamp && match_values(&m, s->first_rules, s->nfirst_rules, k, stripped, out))
		return true;
	/* 3. the key (a `none` rule ends the search) */
	enum key_result kr = klen ? match_key(&m, k, false, out) : KEY_NONE;
	if (kr == KEY_NONE && slen) {
		/* the prefix says whose it is, as a parent would: user_name is the
		 * user's name, device_name the device's */
		struct match mp = m;
		mp.plen = strlen(prefix);
		memcpy(mp.parent, prefix, mp.plen + 1);
		kr = match_key(&mp, stripped, false, out);
		if (kr == KEY_NONE)
			kr = match_key(&m, stripped, false, out);
	}
	/* a digest: what the key says it hashes (imei_md5, af_email_sha256) */
	char hw[MAX_WORDS][KEY_MAX];
	size_t nh = nk;
	memcpy(hw, kw, sizeof(hw));
	if (kr == KEY_NONE && m.digest && drop_hash_words(s, hw, &nh)) {
		char bare[KEY_MAX];
		if (join_words(hw, 0, nh, bare, sizeof(bare))) {
			tracef(&m, "without its hash words the key is '%s'", bare);
			kr = match_key(&m, bare, true, out);
			if (kr == KEY_NONE)
				kr = match_tails(&m, hw, nh, true, out);
		}
	}
	if (kr == KEY_NONE && !key_np)
		kr = match_tails(&m, kw, nk, false, out);
	if (kr != KEY_NONE)
		return kr == KEY_HIT;
	/* 4. the other value rules */
	if (!key_np && !m.timestamp && match_values(&m, s->value_rules, s->nvalue_rules, k, stripped, out))
		return true;
	tracef(&m, "no rule applies");
	return false;
}

size_t signatures_key_of_path(const char *path, const char **key)
{
	/* the last segment, cut at its first [ or { */
	const char *end = path + strlen(path);
	const char *p = end;
	int depth = 0;
	while (p > path) {
		char c = p[-1];
		if (c == ']' || c == '}')
			depth++;
		else if (c == '[' || c == '{')
			depth--;
		else if (c == '.' && depth == 0)
			break;
		p--;
	}
	size_t n = 0;
	while (p + n < end && p[n] != '[' && p[n] != '{')
		n++;
	*key = p;
	return n;
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


void signatures_pcre2_version(char buf[32])
{
	buf[0] = 0;
	pcre2_config(PCRE2_CONFIG_VERSION, buf); /* "10.42 2022-12-11": under 32 bytes */
}
