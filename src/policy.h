/* \summary: the policy engine: the consent timeline, recipients and the
 * seven findings, judged against the app profile.
 *
 * The pipeline tells it about every request (its categories as a 64-bit
 * set, its recipient, its time) and every flow; consent events come from
 * profile rules matched on requests and from the command line.  Phases and
 * findings are decided once the whole run is known (policy_finish), so a
 * request seen before a consent request that completed later is still
 * judged by capture time, not by decoding order.
 */
#ifndef PA_POLICY_H
#define PA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

struct signatures;
struct flow_record;
struct jsonw;

enum phase { PHASE_BEFORE_CONSENT, PHASE_AFTER_CONSENT, PHASE_AFTER_WITHDRAWAL };
const char *phase_name(enum phase p);

enum finding_type {
	FIND_PRE_CONSENT,
	FIND_PRE_CONSENT_CONTACT,
	FIND_UNDISCLOSED_RECIPIENT,
	FIND_UNDISCLOSED_CATEGORY,
	FIND_SENSITIVE_PI,
	FIND_CLEARTEXT_PI,
	FIND_AFTER_WITHDRAWAL,
	FIND_TYPE_COUNT
};
const char *finding_type_name(enum finding_type t);

enum relation { REL_FIRST_PARTY, REL_AFFILIATE, REL_THIRD_PARTY, REL_UNKNOWN };
const char *relation_name(enum relation r);

struct consent_event {
	enum consent_kind kind;
	uint64_t ts_ns;
	int input;          /* -1 for a CLI time (before any frame of that time) */
	uint64_t frame;     /* 0 for a CLI time */
	char *source;       /* "rule:NAME" or "cli" */
	bool resolved;      /* a CLI frame mark whose frame was read */
};

struct finding {
	enum finding_type type;
	long tx_seq;        /* the transmission (spool arrival order), -1 for a flow */
	uint32_t flow_id;
	int input;
	uint64_t frame;
	uint64_t ts_ns;     /* the request's time, or the flow's first packet's */
	const char *host;
	uint64_t cats;
	char *reason;
	char *filter;       /* Wireshark display filter */
};

struct policy;

/* profile and sigs may be NULL (then only the findings that need neither
 * are made); both outlive the policy. */
struct policy *policy_new(const struct profile *profile, const struct signatures *sigs);
void policy_free(struct policy *p);

/* A consent or withdrawal mark from the command line: an RFC 3339 time or
 * "frame:N" (a frame of the first capture).  Returns false when unparseable. */
bool policy_add_cli_mark(struct policy *p, enum consent_kind kind, const char *when);
/* A consent or withdrawal at a moment rather than a request: a mark made
 * during `privaudit capture` (key or signal), or read back from the session
 * file's Interface Statistics Block.  Like a CLI time mark it has no input
 * or frame and sits before every frame with the same timestamp; `source`
 * names it in the report ("capture"). */
void policy_add_mark(struct policy *p, enum consent_kind kind, uint64_t ts_ns, const char *source);
/* Called for every packet of input 0 so "frame:N" marks learn their time. */
void policy_note_frame(struct policy *p, int input, uint64_t frame, uint64_t ts_ns);
/* True when some CLI "frame:N" mark is still waiting for its frame. */
bool policy_cli_pending(const struct policy *p, uint64_t *frame);

/* A decoded request: its spool sequence (or -1 when not spooled), place,
 * recipient host (name, no port), the categories it carried, and whether
 * it matched a consent rule (rule index, or -1). */
void policy_request(struct policy *p, long tx_seq, int input, uint64_t frame, uint64_t ts_ns, uint32_t flow_id,
		    const char *host, bool tls, uint64_t cats, int consent_rule);
/* Consent rule matching, for the pipeline: does this request match rule i? */
int policy_match_consent(const struct policy *p, const char *host, const char *method, size_t method_len,
			 const char *path, size_t path_len, const char *const *field_paths,
			 const char *const *field_values, const size_t *value_lens, size_t nfields);

/* Live capture: from now on each request with personal data is also judged
 * as it is recorded, by the same rules as policy_finish but with only the
 * consent events known so far, and each of its findings is handed to fn
 * (valid during the call only).  The report's findings still come from
 * policy_finish, which sees the whole timeline. */
void policy_set_live(struct policy *p, void (*fn)(void *ctx, const struct finding *f), void *ctx);
/* Live capture: a flow that just got its server's name is judged as a
 * connection before consent (with the consent events known so far). */
void policy_live_flow(struct policy *p, const struct flow_record *f);
/* Decides phases and findings; flows holds the run's flow records. */
struct flow_store;
void policy_finish(struct policy *p, struct flow_store *flows);

size_t policy_findings(const struct policy *p, const struct finding **out);
size_t policy_events(const struct policy *p, const struct consent_event **out);
/* The phase of the transmission spooled as seq. */
enum phase policy_phase_of(const struct policy *p, long tx_seq);
/* Writes recipients[] entries (one per line, after `indent`). */
void policy_write_recipients(const struct policy *p, struct jsonw *w, const char *indent);
/* Names of the categories in a set, comma-separated, into buf. */
const char *policy_categories(const struct policy *p, uint64_t cats, char *buf, size_t len);
const char *finding_severity(enum finding_type t);
enum relation policy_relation(const struct policy *p, const char *host, const struct profile_party **disclosed);

#endif
