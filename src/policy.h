/* \summary: the policy engine: the consent timeline, the device under test,
 * recipients and the findings, judged against the app profile.
 *
 * Consumes: every decoded request (its place, recipient host and what the
 * classification stage found in it: categories, credentials), every flow
 * record, consent and mandatory-step marks (profile rules matched on
 * requests, the command line, the capture).  Produces: phases, mandatory
 * windows, the device's addresses, recipients with their relation to the
 * app, and findings, each with its reason in English and Chinese and its
 * legal basis.  Everything is decided once the whole run is known
 * (policy_finish), so a request decoded before a consent request that
 * completed later is still judged by capture time, not decoding order.
 */
#ifndef PA_POLICY_H
#define PA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "profile.h"

struct signatures;
struct flow_record;
struct flow_store;
struct request_class;

enum phase { PHASE_BEFORE_CONSENT, PHASE_AFTER_CONSENT, PHASE_AFTER_WITHDRAWAL };
const char *phase_name(enum phase p);

/* In the order findings of one frame are listed. */
enum finding_type {
	FIND_PRE_CONSENT,
	FIND_PRE_CONSENT_CONTACT,
	FIND_UNDISCLOSED_RECIPIENT,
	FIND_UNDISCLOSED_CATEGORY,
	FIND_SENSITIVE_PI,
	FIND_CLEARTEXT_PI,
	FIND_CLEARTEXT_CREDENTIAL,
	FIND_AFTER_WITHDRAWAL,
	FIND_FORCED_COLLECTION,
	FIND_BUNDLED_CONSENT,
	FIND_TYPE_COUNT
};
const char *finding_type_name(enum finding_type t);
const char *finding_severity(enum finding_type t); /* "high" or "medium" */

enum relation { REL_FIRST_PARTY, REL_AFFILIATE, REL_THIRD_PARTY, REL_UNKNOWN };
const char *relation_name(enum relation r);

struct consent_event {
	enum consent_kind kind;
	uint64_t ts_ns;
	int input;          /* -1 for a time mark (before any frame of that time) */
	uint64_t frame;     /* 0 for a time mark */
	char *source;       /* "rule:NAME", "cli" or "capture" */
	bool resolved;      /* false: a CLI frame mark whose frame was never read */
};

/* A stretch of the timeline inside a mandatory step.  start or end is NULL
 * when the window runs from the start or to the end of the run. */
struct mandatory_window {
	const struct consent_event *start, *end;
};

/* One law or standard clause a finding rests on. */
struct legal_ref {
	const char *law;   /* "PIPL" or "GB/T 35273-2020" */
	const char *ref;   /* "art. 13", "5.4" */
	const char *en, *zh;
	const char *law_zh, *ref_zh; /* 《个人信息保护法》, 第十三条 */
};

struct finding {
	enum finding_type type;
	long tx_seq;        /* the transmission (spool arrival order), -1 for a flow */
	uint32_t flow_id;
	int input;
	uint64_t frame;
	uint64_t ts_ns;     /* the request's time, or the flow's first packet's, or the event's */
	const char *host;
	uint64_t cats;
	char *reason;       /* English */
	char *reason_zh;    /* Chinese */
	char *filter;       /* Wireshark display filter */
	long *also_tx;      /* findings over several requests (cleartext_credential, */
	uint64_t *also_frames; /* bundled_consent): every request, in order */
	size_t nalso;
	const struct legal_ref *const *law; /* NULL-terminated */
};

/* How the device under test was named, per input. */
struct device_choice {
	int input;
	bool given;                 /* --device named it; else the audit picked it */
	struct ip_addr addrs[8];    /* its addresses seen as flow clients in this input */
	size_t naddrs;
	uint8_t mac[6];
	bool has_mac;
	bool every_local;            /* no Ethernet addresses (a capture on the device): every local client address */
	uint64_t flows, dns_queries; /* what those addresses originated */
	uint64_t input_flows;        /* every flow of the input */
};

/* What judging left out, and why. */
struct scope_counts {
	uint64_t flows_judged, flows_other_hosts, flows_broadcast, flows_link_local, flows_no_client;
	uint64_t requests_not_judged;
};

struct recipient {
	const char *host;
	uint64_t cats;
	uint64_t transmissions;
};

struct policy;

/* profile and sigs may be NULL (then only the findings that need neither
 * are made); both outlive the policy. */
struct policy *policy_new(const struct profile *profile, const struct signatures *sigs);
void policy_free(struct policy *p);

/* The device under test (--device): an IPv4/IPv6 address or a MAC address.
 * Returns false when spec is neither. */
bool policy_add_device(struct policy *p, const char *spec);
bool policy_device_spec_ok(const char *spec);

/* A mark from the command line: an RFC 3339 time or "frame:N" (a frame of
 * the first capture).  Returns false when unparseable. */
bool policy_add_cli_mark(struct policy *p, enum consent_kind kind, const char *when);
/* A mark at a moment rather than a request: made during `privaudit
 * capture` (key or signal), or read back from the session file.  Like a
 * CLI time mark it has no input or frame and sits before every frame with
 * the same timestamp; `source` names it in the report ("capture"). */
void policy_add_mark(struct policy *p, enum consent_kind kind, uint64_t ts_ns, const char *source);
/* Called for every packet of input 0 so "frame:N" marks learn their time. */
void policy_note_frame(struct policy *p, int input, uint64_t frame, uint64_t ts_ns);
/* True when some CLI "frame:N" mark is still waiting for its frame. */
bool policy_cli_pending(const struct policy *p, uint64_t *frame);

/* A decoded request: its spool sequence (or -1 when not spooled), place,
 * recipient host (name, no port), what it carried, and whether it matched
 * a profile rule (rule index, or -1). */
void policy_request(struct policy *p, long tx_seq, int input, uint64_t frame, uint64_t ts_ns, uint32_t flow_id,
		    const char *host, bool tls, const struct request_class *rc, int rule);
/* Profile rule matching, for the pipeline: the first rule this request
 * matches, or -1. */
int policy_match_consent(const struct policy *p, const char *host, const char *method, size_t method_len,
			 const char *path, size_t path_len, const char *const *field_paths,
			 const char *const *field_values, const size_t *value_lens, size_t nfields);

/* Live capture: from now on each request with personal data is also judged
 * as it is recorded, with the marks known so far, and each finding is
 * handed to fn (valid during the call only).  The report's findings still
 * come from policy_finish. */
void policy_set_live(struct policy *p, void (*fn)(void *ctx, const struct finding *f), void *ctx);
/* Live capture: a flow that just got its server's name is judged as a
 * connection before consent. */
void policy_live_flow(struct policy *p, const struct flow_record *f);
/* Decides the device, phases, windows, recipients and findings. */
void policy_finish(struct policy *p, struct flow_store *flows);

size_t policy_findings(const struct policy *p, const struct finding **out);
size_t policy_events(const struct policy *p, const struct consent_event **out);
size_t policy_windows(const struct policy *p, const struct mandatory_window **out);
size_t policy_recipients(const struct policy *p, const struct recipient **out);
size_t policy_devices(const struct policy *p, const struct device_choice **out);
/* The device addresses given with --device (IP ones; MACs as text). */
size_t policy_device_specs(const struct policy *p, const char *const **out);
const struct scope_counts *policy_scope(const struct policy *p);
/* The phase of the transmission spooled as seq, and whether its flow was
 * the device's (judged). */
enum phase policy_phase_of(const struct policy *p, long tx_seq);
bool policy_judged(const struct policy *p, long tx_seq);
/* Was flow id judged (originated by the device, not a broadcast)? */
bool policy_flow_judged(const struct policy *p, uint32_t flow_id);
/* Names of the categories in a set, comma-separated, into buf (ids, or
 * Chinese names when zh). */
const char *policy_categories(const struct policy *p, uint64_t cats, char *buf, size_t len, bool zh);
enum relation policy_relation(const struct policy *p, const char *host, const struct profile_party **disclosed);
/* The organization name for host: signatures, else the profile's parties. */
const char *policy_organization(const struct policy *p, const char *host);

#endif
