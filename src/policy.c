/* \summary: the policy engine's timeline and bookkeeping (see policy.h):
 * marks, requests, phases, mandatory windows, the end of the run. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "flowstore.h"
#include "policy_internal.h"
#include "signatures.h"

static const char *const phase_names[] = { "before_consent", "after_consent", "after_withdrawal" };
const char *phase_name(enum phase p) { return phase_names[p]; }

static const char *const type_names[FIND_TYPE_COUNT] = {
	"pre_consent",       "pre_consent_contact", "undisclosed_recipient", "undisclosed_category",
	"sensitive_pi",      "cleartext_pi",        "cleartext_credential",  "after_withdrawal",
	"forced_collection", "bundled_consent",
};
const char *finding_type_name(enum finding_type t) { return type_names[t]; }

const char *finding_severity(enum finding_type t)
{
	switch (t) {
	case FIND_PRE_CONSENT:
	case FIND_UNDISCLOSED_RECIPIENT:
	case FIND_SENSITIVE_PI:
	case FIND_AFTER_WITHDRAWAL:
	case FIND_FORCED_COLLECTION:
		return "high";
	default:
		return "medium";
	}
}

static const char *const relation_names[] = { "first_party", "affiliate", "third_party", "unknown" };
const char *relation_name(enum relation r) { return relation_names[r]; }

struct policy *policy_new(const struct profile *profile, const struct signatures *sigs)
{
	struct policy *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->prof = profile;
	p->sigs = sigs;
	for (size_t i = 0; sigs && signatures_category_at(sigs, i); i++) {
		const struct category *c = signatures_category_at(sigs, i);
		if (c->sensitive)
			p->sensitive_mask |= 1ULL << i;
		if (c->credential)
			p->credential_mask |= 1ULL << i;
		if (strncmp(c->id, "minor.", 6) == 0)
			p->minor_mask |= 1ULL << i;
		if (profile && profile_category_match(profile->necessary, profile->nnecessary, c->id))
			p->necessary_mask |= 1ULL << i;
		if (profile && profile_category_match(profile->service_needs, profile->nservice_needs, c->id))
			p->service_mask |= 1ULL << i;
	}
	/* what may be sent before consent is what the service needs without it */
	p->service_mask |= p->necessary_mask;
	if (profile && sigs) {
		for (size_t i = 0; i < profile->first_party.ndomains && !p->first_party_parent; i++) {
			const struct organization *o = signatures_organization(sigs, profile->first_party.domains[i]);
			if (o)
				p->first_party_parent = o->parent;
		}
	}
	return p;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nev; i++)
		free(p->ev[i].source);
	for (size_t i = 0; i < p->nfind; i++) {
		free(p->find[i].reason);
		free(p->find[i].reason_zh);
		free(p->find[i].filter);
		free(p->find[i].also_tx);
		free(p->find[i].also_frames);
	}
	for (size_t i = 0; i < p->nspecs; i++)
		free(p->specs[i].text);
	free(p->specs);
	free(p->spec_texts);
	free(p->devices);
	free(p->judged_flows);
	free(p->req);
	free(p->creds);
	free(p->ev);
	free(p->win);
	free(p->find);
	free(p->phase_by_seq);
	free(p->judged_by_seq);
	free(p->rcpt);
	free(p->issuers);
	free(p);
}

/* ---- marks ---- */

static bool add_event(struct policy *p, enum consent_kind kind, uint64_t ts, int input, uint64_t frame,
		      const char *source, bool resolved)
{
	if (!GROW(p->ev, p->nev, p->capev))
		return false;
	struct consent_event *e = &p->ev[p->nev++];
	e->kind = kind;
	e->ts_ns = ts;
	e->input = input;
	e->frame = frame;
	e->source = strdup(source);
	e->resolved = resolved;
	return true;
}

/* RFC 3339: 2024-03-12T08:00:30Z, 2024-03-12T08:00:30.5+08:00 */
static bool parse_rfc3339(const char *s, uint64_t *ns)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *r = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!r)
		r = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!r)
		return false;
	uint64_t frac = 0;
	if (*r == '.') {
		uint64_t scale = 100000000;
		if (!isdigit((unsigned char)r[1]))
			return false;
		for (r++; *r >= '0' && *r <= '9'; r++, scale /= 10)
			frac += (uint64_t)(*r - '0') * scale;
	}
	/* strptime takes 31 February; a real date survives a round trip */
	struct tm check = tm;
	time_t probe = timegm(&check);
	struct tm back;
	if (!gmtime_r(&probe, &back) || back.tm_mday != tm.tm_mday || back.tm_mon != tm.tm_mon)
		return false;
	long off = 0;
	if (*r == 'Z' || *r == 'z') {
		r++;
	} else if ((*r == '+' || *r == '-') && strlen(r) == 6 && r[3] == ':' && isdigit((unsigned char)r[1]) &&
		   isdigit((unsigned char)r[2]) && isdigit((unsigned char)r[4]) && isdigit((unsigned char)r[5])) {
		int hh = (r[1] - '0') * 10 + (r[2] - '0'), mm = (r[4] - '0') * 10 + (r[5] - '0');
		if (hh > 23 || mm > 59)
			return false;
		off = hh * 3600L + mm * 60L;
		if (*r == '-')
			off = -off;
		r += 6;
	} else {
		return false;
	}
	if (*r)
		return false;
	time_t t = timegm(&tm) - off;
	if (t < 0)
		return false;
	*ns = (uint64_t)t * 1000000000ULL + frac;
	return true;
}

bool policy_add_cli_mark(struct policy *p, enum consent_kind kind, const char *when)
{
	if (strncmp(when, "frame:", 6) == 0) {
		char *end;
		if (!isdigit((unsigned char)when[6]))
			return false;
		unsigned long long f = strtoull(when + 6, &end, 10);
		if (*end || f == 0)
			return false;
		return add_event(p, kind, 0, 0, f, "cli", false);
	}
	uint64_t ns;
	return parse_rfc3339(when, &ns) && add_event(p, kind, ns, -1, 0, "cli", true);
}

void policy_add_mark(struct policy *p, enum consent_kind kind, uint64_t ts_ns, const char *source)
{
	add_event(p, kind, ts_ns, -1, 0, source, true);
}

void policy_note_frame(struct policy *p, int input, uint64_t frame, uint64_t ts_ns)
{
	if (input != 0)
		return;
	for (size_t i = 0; i < p->nev; i++)
		if (!p->ev[i].resolved && p->ev[i].frame == frame) {
			p->ev[i].ts_ns = ts_ns;
			p->ev[i].resolved = true;
		}
}

bool policy_cli_pending(const struct policy *p, uint64_t *frame)
{
	for (size_t i = 0; i < p->nev; i++)
		if (!p->ev[i].resolved) {
			*frame = p->ev[i].frame;
			return true;
		}
	return false;
}

static bool parse_device(const char *spec, struct device_spec *out)
{
	struct device_spec d;
	memset(&d, 0, sizeof(d));
	unsigned m[6];
	char tail;
	struct in_addr v4;
	struct in6_addr v6;
	if (sscanf(spec, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) == 6 &&
	    strlen(spec) == 17) {
		d.is_mac = true;
		for (int i = 0; i < 6; i++)
			d.mac[i] = (uint8_t)m[i];
	} else if (inet_pton(AF_INET, spec, &v4) == 1) {
		d.addr.b[10] = d.addr.b[11] = 0xff;
		memcpy(d.addr.b + 12, &v4, 4);
	} else if (inet_pton(AF_INET6, spec, &v6) == 1) {
		memcpy(d.addr.b, &v6, 16);
	} else {
		return false;
	}
	*out = d;
	return true;
}

bool policy_device_spec_ok(const char *spec)
{
	struct device_spec d;
	return parse_device(spec, &d);
}

bool policy_add_device(struct policy *p, const char *spec)
{
	struct device_spec d;
	if (!parse_device(spec, &d))
		return false;
	struct device_spec *v = realloc(p->specs, (p->nspecs + 1) * sizeof(*v));
	const char **t = realloc(p->spec_texts, (p->nspecs + 1) * sizeof(*t));
	if (v)
		p->specs = v;
	if (t)
		p->spec_texts = t;
	if (!v || !t || !(d.text = strdup(spec)))
		return false;
	p->specs[p->nspecs] = d;
	p->spec_texts[p->nspecs++] = d.text;
	return true;
}

/* ---- requests ---- */

int policy_match_consent(const struct policy *p, const char *host, const char *method, size_t method_len,
			 const char *path, size_t path_len, const char *const *field_paths,
			 const char *const *field_values, const size_t *value_lens, size_t nfields)
{
	if (!p->prof)
		return -1;
	for (size_t i = 0; i < p->prof->nrules; i++) {
		const struct consent_rule *r = &p->prof->rules[i];
		if (r->host && (!host || strcasecmp(r->host, host) != 0))
			continue;
		if (r->method && (strlen(r->method) != method_len || strncasecmp(r->method, method, method_len) != 0))
			continue;
		if (r->path && (strlen(r->path) != path_len || strncmp(r->path, path, path_len) != 0))
			continue;
		size_t ok = 0;
		for (size_t b = 0; b < r->nbody; b++)
			for (size_t f = 0; f < nfields; f++)
				if (strcmp(field_paths[f], r->body_paths[b]) == 0 &&
				    strlen(r->body_values[b]) == value_lens[f] &&
				    memcmp(field_values[f], r->body_values[b], value_lens[f]) == 0) {
					ok++;
					break;
				}
		if (ok == r->nbody)
			return (int)i;
	}
	return -1;
}

void policy_request(struct policy *p, long tx_seq, int input, uint64_t frame, uint64_t ts_ns, uint32_t flow_id,
		    const char *host, bool tls, const struct request_class *rc, int rule)
{
	if (rule >= 0) {
		const struct consent_rule *r = &p->prof->rules[rule];
		char src[160];
		snprintf(src, sizeof(src), "rule:%s", r->name);
		add_event(p, r->kind, ts_ns, input, frame, src, true);
	}
	if (tx_seq < 0 && !rc->cats)
		return;
	if (!GROW(p->req, p->nreq, p->capreq))
		return;
	struct request *q = &p->req[p->nreq++];
	memset(q, 0, sizeof(*q));
	q->tx_seq = tx_seq;
	q->input = input;
	q->frame = frame;
	q->ts_ns = ts_ns;
	q->flow_id = flow_id;
	q->host = host;
	q->tls = tls;
	q->judged = true; /* until policy_finish knows the device */
	q->plain_cats = rc->plain_cats;
	q->cred_cats = rc->cats & ~rc->plain_cats;
	q->cred_off = (uint32_t)p->ncreds;
	for (size_t i = 0; i < rc->ncreds; i++) {
		if (!GROW(p->creds, p->ncreds, p->capcreds))
			break;
		p->creds[p->ncreds++] = rc->creds[i];
		q->ncred++;
	}
	if (p->live_fn && rc->cats) {
		p->judging_live = true;
		policy_judge_request(p, q);
		p->judging_live = false;
	}
}

void policy_live_flow(struct policy *p, const struct flow_record *f)
{
	if (!p->live_fn)
		return;
	p->judging_live = true;
	policy_judge_flow(p, f);
	p->judging_live = false;
}

void policy_set_live(struct policy *p, void (*fn)(void *ctx, const struct finding *f), void *ctx)
{
	p->live_fn = fn;
	p->live_ctx = ctx;
}

/* ---- the timeline ---- */

bool policy_event_before(const struct consent_event *e, uint64_t ts, int input, uint64_t frame)
{
	if (e->ts_ns != ts)
		return e->ts_ns < ts;
	if (e->input != input)
		return e->input < input;
	return e->frame < frame;
}

static bool is_consent_kind(enum consent_kind k) { return k == CONSENT_GIVEN || k == CONSENT_WITHDRAWN; }

/* Events are compared, not taken in array order: they are sorted only by
 * policy_finish, and a live judgement sees them in arrival order. */
const struct consent_event *policy_last_consent_event(const struct policy *p, uint64_t ts, int input, uint64_t frame)
{
	const struct consent_event *last = NULL;
	for (size_t i = 0; i < p->nev; i++) {
		const struct consent_event *e = &p->ev[i];
		if (e->resolved && is_consent_kind(e->kind) && policy_event_before(e, ts, input, frame) &&
		    (!last || !policy_event_before(e, last->ts_ns, last->input, last->frame)))
			last = e;
	}
	return last;
}

const struct consent_event *policy_first_consent(const struct policy *p)
{
	const struct consent_event *first = NULL;
	for (size_t i = 0; i < p->nev; i++) {
		const struct consent_event *e = &p->ev[i];
		if (e->resolved && e->kind == CONSENT_GIVEN &&
		    (!first || policy_event_before(e, first->ts_ns, first->input, first->frame)))
			first = e;
	}
	return first;
}

/* A mandatory mark at a request's own point is before it: the request that
 * a start rule matches belongs to the step, the one an end rule matches
 * (the home screen's first) does not. */
static bool mandatory_before(const struct consent_event *e, uint64_t ts, int input, uint64_t frame)
{
	return policy_event_before(e, ts, input, frame) || (e->ts_ns == ts && e->input == input && e->frame == frame);
}

/* The earliest (latest: the latest) resolved mark of `kind` at or before the
 * point (at_or_before) or after it, and after `floor` when there is one. */
static const struct consent_event *find_mark(const struct policy *p, enum consent_kind kind, bool at_or_before,
					     bool latest, const struct consent_event *floor, uint64_t ts, int input,
					     uint64_t frame)
{
	const struct consent_event *best = NULL;
	for (size_t i = 0; i < p->nev; i++) {
		const struct consent_event *e = &p->ev[i];
		if (!e->resolved || e->kind != kind || mandatory_before(e, ts, input, frame) != at_or_before)
			continue;
		if (floor && !policy_event_before(floor, e->ts_ns, e->input, e->frame))
			continue;
		if (!best || (latest ? policy_event_before(best, e->ts_ns, e->input, e->frame)
				     : policy_event_before(e, best->ts_ns, best->input, best->frame)))
			best = e;
	}
	return best;
}

/* Inside a window: the latest mandatory mark before the point is a start,
 * or there is none and the next one after it is an end (a window that runs
 * from the start of the run, as a profile rule on the home screen's first
 * request makes). */
bool policy_in_window(const struct policy *p, uint64_t ts, int input, uint64_t frame, struct mandatory_window *w)
{
	const struct consent_event *before = NULL, *after = NULL;
	for (size_t i = 0; i < p->nev; i++) {
		const struct consent_event *e = &p->ev[i];
		if (!e->resolved || is_consent_kind(e->kind))
			continue;
		if (mandatory_before(e, ts, input, frame)) {
			if (!before || !policy_event_before(e, before->ts_ns, before->input, before->frame))
				before = e;
		} else if (!after || policy_event_before(e, after->ts_ns, after->input, after->frame)) {
			after = e;
		}
	}
	bool inside = before ? before->kind == MANDATORY_START : after && after->kind == MANDATORY_END;
	if (inside && w) {
		/* a window starts at the first start after the last end before
		 * the point (a start rule can match every page of one step) and
		 * ends at the first end after it */
		const struct consent_event *last_end = find_mark(p, MANDATORY_END, true, true, NULL, ts, input, frame);
		w->start = find_mark(p, MANDATORY_START, true, false, last_end, ts, input, frame);
		w->end = find_mark(p, MANDATORY_END, false, false, NULL, ts, input, frame);
	}
	return inside;
}

static int by_event_time(const void *a, const void *b)
{
	const struct consent_event *x = a, *y = b;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	if (x->input != y->input)
		return x->input < y->input ? -1 : 1;
	if (x->frame != y->frame)
		return x->frame < y->frame ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/* The windows, from the sorted marks: a start opens one (a second start
 * inside it changes nothing), an end closes it; an end with none open
 * closes one that ran from the start of the run. */
static void build_windows(struct policy *p)
{
	const struct consent_event *open = NULL;
	bool any_open = false;
	for (size_t i = 0; i < p->nev; i++) {
		const struct consent_event *e = &p->ev[i];
		if (!e->resolved || is_consent_kind(e->kind))
			continue;
		if (e->kind == MANDATORY_START && !any_open) {
			open = e;
			any_open = true;
		} else if (e->kind == MANDATORY_END && (any_open || p->nwin == 0)) {
			struct mandatory_window *v = realloc(p->win, (p->nwin + 1) * sizeof(*v));
			if (!v)
				return;
			p->win = v;
			p->win[p->nwin++] = (struct mandatory_window){ any_open ? open : NULL, e };
			open = NULL;
			any_open = false;
		}
	}
	if (any_open) {
		struct mandatory_window *v = realloc(p->win, (p->nwin + 1) * sizeof(*v));
		if (v) {
			p->win = v;
			p->win[p->nwin++] = (struct mandatory_window){ open, NULL };
		}
	}
}

static int by_place(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	if (x->input != y->input)
		return x->input < y->input ? -1 : 1;
	if (x->frame != y->frame)
		return x->frame < y->frame ? -1 : 1;
	if (x->tx_seq != y->tx_seq)
		return x->tx_seq < y->tx_seq ? -1 : 1;
	if (x->type != y->type)
		return (int)x->type - (int)y->type;
	return x->host && y->host ? strcmp(x->host, y->host) : (x->host != NULL) - (y->host != NULL);
}

static int by_host(const void *a, const void *b)
{
	return strcmp(((const struct recipient *)a)->host, ((const struct recipient *)b)->host);
}

void policy_finish(struct policy *p, struct flow_store *flows)
{
	if (p->nev)
		qsort(p->ev, p->nev, sizeof(*p->ev), by_event_time);
	build_windows(p);
	policy_decide_devices(p, flows);
	long maxseq = -1;
	for (size_t i = 0; i < p->nreq; i++)
		if (p->req[i].tx_seq > maxseq)
			maxseq = p->req[i].tx_seq;
	p->nphase = (size_t)(maxseq + 1);
	p->phase_by_seq = calloc(p->nphase ? p->nphase : 1, sizeof(*p->phase_by_seq));
	p->judged_by_seq = calloc(p->nphase ? p->nphase : 1, sizeof(*p->judged_by_seq));
	for (size_t i = 0; i < p->nreq; i++) {
		struct request *q = &p->req[i];
		q->judged = policy_flow_judged(p, q->flow_id);
		if (!q->judged && (q->plain_cats | q->cred_cats))
			p->scope.requests_not_judged++;
	}
	policy_find_issuers(p);
	for (size_t i = 0; i < p->nreq; i++) {
		const struct request *q = &p->req[i];
		const struct consent_event *last = policy_last_consent_event(p, q->ts_ns, q->input, q->frame);
		enum phase ph = !last ? PHASE_BEFORE_CONSENT
			      : last->kind == CONSENT_GIVEN ? PHASE_AFTER_CONSENT : PHASE_AFTER_WITHDRAWAL;
		if (q->tx_seq >= 0 && p->phase_by_seq && p->judged_by_seq) {
			p->phase_by_seq[q->tx_seq] = ph;
			p->judged_by_seq[q->tx_seq] = q->judged;
		}
		if (!q->judged)
			continue;
		policy_judge_request(p, q);
		if (q->tx_seq >= 0) {
			const struct profile_party *d;
			enum relation rel = policy_relation(p, q->host, &d);
			policy_add_recipient(p, q->host, q->plain_cats | policy_credentials_collected(p, q, rel), true);
		}
	}
	policy_judge_run(p);
	struct flow_iter it;
	flow_iter_init(&it, flows);
	for (const struct flow_record *f; (f = flow_iter_next(&it));) {
		if (!policy_flow_judged(p, f->id))
			continue;
		policy_judge_flow(p, f);
		if (f->host && f->host_source != HOST_FROM_DNS_QUERY)
			policy_add_recipient(p, f->host, 0, false);
	}
	flow_iter_end(&it);
	if (p->nfind)
		qsort(p->find, p->nfind, sizeof(*p->find), by_place);
	if (p->nrcpt)
		qsort(p->rcpt, p->nrcpt, sizeof(*p->rcpt), by_host);
}

/* ---- results ---- */

size_t policy_findings(const struct policy *p, const struct finding **out)
{
	*out = p->find;
	return p->nfind;
}

size_t policy_events(const struct policy *p, const struct consent_event **out)
{
	*out = p->ev;
	return p->nev;
}

size_t policy_windows(const struct policy *p, const struct mandatory_window **out)
{
	*out = p->win;
	return p->nwin;
}

size_t policy_recipients(const struct policy *p, const struct recipient **out)
{
	*out = p->rcpt;
	return p->nrcpt;
}

size_t policy_devices(const struct policy *p, const struct device_choice **out)
{
	*out = p->devices;
	return p->ndevices;
}

size_t policy_device_specs(const struct policy *p, const char *const **out)
{
	*out = p->spec_texts;
	return p->nspecs;
}

const struct scope_counts *policy_scope(const struct policy *p) { return &p->scope; }

enum phase policy_phase_of(const struct policy *p, long tx_seq)
{
	return tx_seq >= 0 && (size_t)tx_seq < p->nphase ? p->phase_by_seq[tx_seq] : PHASE_BEFORE_CONSENT;
}

bool policy_judged(const struct policy *p, long tx_seq)
{
	return tx_seq >= 0 && (size_t)tx_seq < p->nphase ? p->judged_by_seq[tx_seq] : true;
}

bool policy_flow_judged(const struct policy *p, uint32_t flow_id)
{
	if (!p->judged_flows)
		return true; /* live capture, or before policy_finish: every flow */
	return flow_id <= p->max_flow_id && (p->judged_flows[flow_id >> 3] >> (flow_id & 7) & 1);
}

const char *policy_categories(const struct policy *p, uint64_t cats, char *buf, size_t len, bool zh)
{
	size_t n = 0;
	buf[0] = 0;
	for (size_t i = 0; i < 64 && n + 1 < len; i++) {
		if (!(cats & (1ULL << i)))
			continue;
		const struct category *c = signatures_category_at(p->sigs, i);
		if (!c)
			continue;
		int k = snprintf(buf + n, len - n, "%s%s", n ? (zh ? "、" : ", ") : "", zh ? c->zh : c->id);
		if (k < 0 || (size_t)k >= len - n)
			break;
		n += (size_t)k;
	}
	return buf;
}
