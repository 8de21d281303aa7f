/* \summary: the policy engine's state, shared by its files: policy.c
 * (timeline, requests, the run's end), policy_scope.c (the device under
 * test, recipients, credential issuers), policy_judge.c (the findings) and
 * policy_text.c (reasons in English and Chinese, legal references). */
#ifndef PA_POLICY_INTERNAL_H
#define PA_POLICY_INTERNAL_H

#include <stdio.h>
#include <stdlib.h>

#include "classify.h"
#include "policy.h"

struct request {
	long tx_seq;
	int input;
	uint64_t frame, ts_ns;
	uint32_t flow_id;
	const char *host;
	bool tls;
	bool judged;         /* its flow is the device's (set by policy_finish) */
	uint64_t plain_cats; /* categories of fields that are not credentials */
	uint64_t cred_cats;  /* categories of its credentials */
	uint32_t cred_off;   /* its credentials: creds[cred_off .. +ncred) */
	uint8_t ncred;
};

/* Who issued a credential: the first party when it ever received it, else
 * the organization that received it first. */
struct issuer {
	uint64_t value_hash;
	const char *org;     /* an organization key (policy_org_key) */
	bool first_party;
	bool used;
};

struct device_spec {
	bool is_mac;
	struct ip_addr addr;
	uint8_t mac[6];
	char *text;
};

struct policy {
	const struct profile *prof;
	const struct signatures *sigs;
	struct request *req;
	size_t nreq, capreq;
	struct credential_seen *creds;
	size_t ncreds, capcreds;
	struct consent_event *ev;
	size_t nev, capev;
	struct mandatory_window *win;
	size_t nwin;
	struct finding *find;
	size_t nfind, capfind;
	enum phase *phase_by_seq;
	bool *judged_by_seq;
	size_t nphase;
	struct recipient *rcpt;
	size_t nrcpt;
	struct issuer *issuers;
	size_t cap_issuers;
	struct device_spec *specs;
	size_t nspecs;
	const char **spec_texts;
	struct device_choice *devices;
	size_t ndevices;
	uint8_t *judged_flows;  /* bit per flow id */
	uint32_t max_flow_id;
	struct scope_counts scope;
	uint64_t necessary_mask;  /* may be sent before consent (necessary_before_consent) */
	uint64_t service_mask;    /* the basic service needs it (necessary, and the above) */
	uint64_t sensitive_mask, credential_mask;
	uint64_t minor_mask;      /* a child's data: sensitive findings also cite PIPL art. 31 */
	const char *first_party_parent; /* the first party's group in signatures/organizations */
	void (*live_fn)(void *ctx, const struct finding *f);
	void *live_ctx;
	bool judging_live;   /* add_finding hands findings to live_fn instead of keeping them */
};

#define GROW(ptr, n, cap)                                                             \
	((n) < (cap) || ((cap) = (cap) ? (cap) * 2 : 64,                             \
			 (ptr) = realloc((ptr), (cap) * sizeof(*(ptr))), (ptr) != NULL))

/* policy.c */
/* (ts, input, frame) order: is event e before the point (ts, input, frame)? */
bool policy_event_before(const struct consent_event *e, uint64_t ts, int input, uint64_t frame);
/* The latest resolved consent or withdrawal before the point, or NULL. */
const struct consent_event *policy_last_consent_event(const struct policy *p, uint64_t ts, int input, uint64_t frame);
const struct consent_event *policy_first_consent(const struct policy *p);
/* Is the point inside a mandatory window?  *w (when set) gets its bounds. */
bool policy_in_window(const struct policy *p, uint64_t ts, int input, uint64_t frame, struct mandatory_window *w);

/* policy_scope.c */
/* The organization a host belongs to, as one key: the first party's name,
 * a known organization, a profile party, else the host's registrable
 * domain (a suffix of host). */
const char *policy_org_key(const struct policy *p, const char *host);
void policy_decide_devices(struct policy *p, struct flow_store *flows);
/* Why a flow is not judged, or NULL when it is. */
const char *policy_flow_out_of_scope(const struct policy *p, const struct flow_record *f);
void policy_find_issuers(struct policy *p);
/* Categories of q's credentials that count as collected at its recipient:
 * those neither returned to their issuer nor given to the first party. */
uint64_t policy_credentials_collected(const struct policy *p, const struct request *q, enum relation rel);
void policy_add_recipient(struct policy *p, const char *host, uint64_t cats, bool transmission);

/* policy_judge.c */
void policy_judge_request(struct policy *p, const struct request *q);
void policy_judge_flow(struct policy *p, const struct flow_record *f);
/* Findings over several requests: in clear credentials per host, consent
 * bundled with mandatory collection. */
void policy_judge_run(struct policy *p);

/* policy_text.c */
const struct legal_ref *const *policy_law(const struct policy *p, enum finding_type t, uint64_t cats);
/* "Umeng, third_party" or "LingoUp Education Technology Co., first_party" */
const char *policy_org_label(const struct policy *p, const char *host, enum relation rel, char *buf, size_t len);
const char *policy_relation_zh(enum relation r);
/* "frame 38, rule:privacy-agree" or "cli mark" */
void policy_event_label(const struct consent_event *e, char *buf, size_t len, bool zh);
char *policy_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

#endif
