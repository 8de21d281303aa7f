/* \summary: the classification stage (see classify.h). */
#include "classify.h"

#include <string.h>

#include "fields.h"
#include "profile.h"

bool classify_field(const struct signatures *sigs, const struct profile *profile, const struct field_in *f,
		    struct classification *out, FILE *trace)
{
	const char *form = NULL;
	const struct canary *cn = profile ? profile_find_canary(profile, f->value, f->value_len, &form) : NULL;
	if (cn) {
		memset(out, 0, sizeof(*out));
		out->category = cn->category;
		out->rule = "canary";
		out->confidence = 1.0;
		out->canary_form = form;
		if (trace)
			fprintf(trace, "YES canary of the profile (%s) in its form '%s' -> %s\n", cn->value, form,
				cn->category->id);
		return true;
	}
	if (!sigs) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return signatures_classify(sigs, f, out, trace);
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ULL;
	return h;
}

void classify_request(const struct signatures *sigs, const struct profile *profile, const struct field_list *fl,
		      uint64_t ts_s, const char *uri_path, struct classification *cls, struct request_class *rc)
{
	memset(rc, 0, sizeof(*rc));
	for (size_t i = 0; i < fl->n; i++) {
		const struct field *fd = &fl->v[i];
		struct field_in in = { fd->path, fd->key, strlen(fd->key), fd->value, fd->value_len, ts_s, uri_path };
		struct classification *c = &cls[i];
		if (!classify_field(sigs, profile, &in, c, NULL) || !sigs)
			continue;
		size_t idx = signatures_category_index(sigs, c->category);
		uint64_t bit = 1ULL << idx;
		rc->cats |= bit;
		if (!c->issued) {
			rc->plain_cats |= bit;
			continue;
		}
		uint64_t h = fnv1a(fd->value, fd->value_len);
		size_t k = 0;
		while (k < rc->ncreds && rc->creds[k].value_hash != h)
			k++;
		if (k == rc->ncreds && k < CLASSIFY_MAX_CREDENTIALS)
			rc->creds[rc->ncreds++] = (struct credential_seen){ h, (uint8_t)idx };
	}
}
