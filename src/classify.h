/* \summary: the classification stage: what each field of a request is.
 *
 * Consumes a request's fields (fields.h) and its time; produces one
 * classification per field (a canary the tester planted first, then the
 * signature set) and the request's personal-data summary the policy
 * judges: the categories it carried, and which of them came only in values
 * a service issued -- credentials and user ids -- with a 64-bit hash of
 * each such value, so the policy can tell who issued it and who else
 * received it.
 * `signatures explain` and `signatures classify` run classify_field, the
 * very function replay runs, so the three can never disagree.
 */
#ifndef PA_CLASSIFY_H
#define PA_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "signatures.h"

struct profile;
struct field_list;

/* One field: canaries of the profile (when given) first, then the
 * signatures (when given).  With `trace`, the steps are written there. */
bool classify_field(const struct signatures *sigs, const struct profile *profile, const struct field_in *f,
		    struct classification *out, FILE *trace);

#define CLASSIFY_MAX_CREDENTIALS 16

struct credential_seen {
	uint64_t value_hash; /* FNV-1a of the value's bytes */
	uint8_t category;    /* its category's index in the signature set */
};

/* What a request carried, for the policy. */
struct request_class {
	uint64_t cats;           /* every category carried */
	uint64_t plain_cats;     /* categories carried by fields that are not issued values */
	struct credential_seen creds[CLASSIFY_MAX_CREDENTIALS];
	size_t ncreds;           /* distinct issued values (the first CLASSIFY_MAX_CREDENTIALS) */
};

/* Classifies every field of fl into cls[0..fl->n) (category NULL when
 * unclassified) and summarises them into *rc. */
void classify_request(const struct signatures *sigs, const struct profile *profile, const struct field_list *fl,
		      uint64_t ts_s, const char *uri_path, struct classification *cls, struct request_class *rc);

#endif
