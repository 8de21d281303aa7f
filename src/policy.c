/* \summary: the policy engine (see policy.h). */
#include "policy.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "flowstore.h"
#include "jsonw.h"
#include "signatures.h"

struct request {
	long tx_seq;
	int input;
	uint64_t frame, ts_ns;
	uint32_t flow_id;
	const char *host;
	bool tls;
	uint64_t cats;
};

struct recipient {
	const char *host;
	uint64_t cats;
	uint64_t transmissions;
};

struct policy {
	const struct profile *prof;
	const struct signatures *sigs;
	struct request *req;
	size_t nreq, capreq;
	struct consent_event *ev;
	size_t nev, capev;
	struct finding *find;
	size_t nfind, capfind;
	enum phase *phase_by_seq;
	size_t nphase;
	struct recipient *rcpt;
	size_t nrcpt;
	uint64_t necessary_mask, sensitive_mask;
	const char *first_party_parent; /* the first party's group in signatures/organizations */
	void (*live_fn)(void *ctx, const struct finding *f); /* policy_set_live */
	void *live_ctx;
	bool judging_live; /* add_finding hands findings to live_fn instead of keeping them */
	uint64_t flow_ts_ns; /* judge_flow: the time of the flow being judged */
};

static const char *const phase_names[] = { "before_consent", "after_consent", "after_withdrawal" };
const char *phase_name(enum phase p) { return phase_names[p]; }

static const char *const type_names[FIND_TYPE_COUNT] = {
	"pre_consent", "pre_consent_contact", "undisclosed_recipient", "undisclosed_category",
	"sensitive_pi", "cleartext_pi", "after_withdrawal",
};
const char *finding_type_name(enum finding_type t) { return type_names[t]; }

const char *finding_severity(enum finding_type t)
{
	switch (t) {
	case FIND_PRE_CONSENT:
	case FIND_UNDISCLOSED_RECIPIENT:
	case FIND_SENSITIVE_PI:
	case FIND_AFTER_WITHDRAWAL:
		return "high";
	default:
		return "medium";
	}
}

static const char *const relation_names[] = { "first_party", "affiliate", "third_party", "unknown" };
const char *relation_name(enum relation r) { return relation_names[r]; }

#define GROW(ptr, n, cap)                                                             \
	((n) < (cap) || ((cap) = (cap) ? (cap) * 2 : 64,                             \
			 (ptr) = realloc((ptr), (cap) * sizeof(*(ptr))), (ptr) != NULL))

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
		if (profile && profile_category_match(profile->necessary, profile->nnecessary, c->id))
			p->necessary_mask |= 1ULL << i;
	}
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
		free(p->find[i].filter);
	}
	free(p->req);
	free(p->ev);
	free(p->find);
	free(p->phase_by_seq);
	free(p->rcpt);
	free(p);
}

/* ---- consent events ---- */

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

static void judge_request(struct policy *p, const struct request *q);

void policy_request(struct policy *p, long tx_seq, int input, uint64_t frame, uint64_t ts_ns, uint32_t flow_id,
		    const char *host, bool tls, uint64_t cats, int consent_rule)
{
	if (consent_rule >= 0) {
		const struct consent_rule *r = &p->prof->rules[consent_rule];
		char src[160];
		snprintf(src, sizeof(src), "rule:%s", r->name);
		add_event(p, r->kind, ts_ns, input, frame, src, true);
	}
	if (tx_seq < 0 && !cats)
		return;
	if (!GROW(p->req, p->nreq, p->capreq))
		return;
	struct request *q = &p->req[p->nreq++];
	q->tx_seq = tx_seq;
	q->input = input;
	q->frame = frame;
	q->ts_ns = ts_ns;
	q->flow_id = flow_id;
	q->host = host;
	q->tls = tls;
	q->cats = cats;
	if (p->live_fn && cats) {
		p->judging_live = true;
		judge_request(p, q);
		p->judging_live = false;
	}
}

static void judge_flow(struct policy *p, const struct flow_record *f);

void policy_live_flow(struct policy *p, const struct flow_record *f)
{
	if (!p->live_fn)
		return;
	p->judging_live = true;
	judge_flow(p, f);
	p->judging_live = false;
}

void policy_set_live(struct policy *p, void (*fn)(void *ctx, const struct finding *f), void *ctx)
{
	p->live_fn = fn;
	p->live_ctx = ctx;
}

/* ---- judging ---- */

/* (ts, input, frame) order: is event e before the point (ts, input, frame)? */
static bool event_before(const struct consent_event *e, uint64_t ts, int input, uint64_t frame)
{
	if (e->ts_ns != ts)
		return e->ts_ns < ts;
	if (e->input != input)
		return e->input < input;
	return e->frame < frame;
}

static int by_event_time(const void *a, const void *b)
{
	const struct consent_event *x = a, *y = b;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	if (x->input != y->input)
		return x->input < y->input ? -1 : 1;
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/* The latest resolved event before the point, or NULL.  Events are compared,
 * not taken in array order: they are sorted only by policy_finish, and a live
 * judgement sees them in arrival order. */
static const struct consent_event *last_event(const struct policy *p, uint64_t ts, int input, uint64_t frame)
{
	const struct consent_event *last = NULL;
	for (size_t i = 0; i < p->nev; i++) {
		const struct consent_event *e = &p->ev[i];
		if (e->resolved && event_before(e, ts, input, frame) &&
		    (!last || !event_before(e, last->ts_ns, last->input, last->frame)))
			last = e;
	}
	return last;
}

static const struct consent_event *first_consent(const struct policy *p)
{
	const struct consent_event *first = NULL;
	for (size_t i = 0; i < p->nev; i++) {
		const struct consent_event *e = &p->ev[i];
		if (e->resolved && e->kind == CONSENT_GIVEN && (!first || event_before(e, first->ts_ns, first->input, first->frame)))
			first = e;
	}
	return first;
}

enum relation policy_relation(const struct policy *p, const char *host, const struct profile_party **disclosed)
{
	*disclosed = NULL;
	if (!host)
		return REL_UNKNOWN;
	const struct profile *pr = p->prof;
	if (pr) {
		for (size_t i = 0; i < pr->ndisclosed && !*disclosed; i++)
			if (profile_domain_match(pr->disclosed[i].domains, pr->disclosed[i].ndomains, host))
				*disclosed = &pr->disclosed[i]; /* the first; disclosed_mask unites them all */
		if (profile_domain_match(pr->first_party.domains, pr->first_party.ndomains, host))
			return REL_FIRST_PARTY;
		for (size_t i = 0; i < pr->naffiliates; i++)
			if (profile_domain_match(pr->affiliates[i].domains, pr->affiliates[i].ndomains, host))
				return REL_AFFILIATE;
	}
	const struct organization *o = p->sigs ? signatures_organization(p->sigs, host) : NULL;
	if (o && p->first_party_parent && strcmp(o->parent, p->first_party_parent) == 0)
		return REL_AFFILIATE;
	if (o || *disclosed)
		return REL_THIRD_PARTY;
	return REL_UNKNOWN;
}

const char *policy_categories(const struct policy *p, uint64_t cats, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (size_t i = 0; i < 64 && n + 1 < len; i++) {
		if (!(cats & (1ULL << i)))
			continue;
		const struct category *c = signatures_category_at(p->sigs, i);
		if (!c)
			continue;
		int k = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", c->id);
		if (k < 0 || (size_t)k >= len - n)
			break;
		n += (size_t)k;
	}
	return buf;
}

/* Categories the policy discloses for host: every disclosed entry naming it counts. */
static uint64_t disclosed_mask(const struct policy *p, const char *host)
{
	uint64_t m = 0;
	for (size_t e = 0; e < p->prof->ndisclosed; e++) {
		const struct profile_party *d = &p->prof->disclosed[e];
		if (!profile_domain_match(d->domains, d->ndomains, host))
			continue;
		for (size_t i = 0; i < 64; i++) {
			const struct category *c = signatures_category_at(p->sigs, i);
			if (c && profile_category_match(d->categories, d->ncategories, c->id))
				m |= 1ULL << i;
		}
	}
	return m;
}

static void add_finding(struct policy *p, enum finding_type type, const struct request *q, uint32_t flow_id,
			int input, uint64_t frame, const char *host, uint64_t cats, char *reason, char *filter)
{
	struct finding live;
	if (!p->judging_live && !GROW(p->find, p->nfind, p->capfind)) {
		free(reason);
		free(filter);
		return;
	}
	struct finding *f = p->judging_live ? &live : &p->find[p->nfind++];
	f->type = type;
	f->tx_seq = q ? q->tx_seq : -1;
	f->flow_id = flow_id;
	f->input = input;
	f->frame = frame;
	f->ts_ns = q ? q->ts_ns : p->flow_ts_ns;
	f->host = host;
	f->cats = cats;
	f->reason = reason;
	f->filter = filter;
	if (p->judging_live) {
		p->live_fn(p->live_ctx, f);
		free(reason);
		free(filter);
	}
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static const char *org_label(const struct policy *p, const char *host, enum relation rel, char *buf, size_t len)
{
	const struct organization *o = p->sigs && host ? signatures_organization(p->sigs, host) : NULL;
	const char *name = o ? o->name : NULL;
	if (!name && p->prof && rel == REL_FIRST_PARTY)
		name = p->prof->first_party.organization;
	if (!name && p->prof) {
		const struct profile_party *d;
		policy_relation(p, host, &d);
		if (d)
			name = d->organization;
		for (size_t i = 0; !name && i < p->prof->naffiliates; i++)
			if (profile_domain_match(p->prof->affiliates[i].domains, p->prof->affiliates[i].ndomains, host))
				name = p->prof->affiliates[i].organization;
	}
	snprintf(buf, len, "%s%s%s", name ? name : "", name ? ", " : "", relation_name(rel));
	return buf;
}

static void event_label(const struct consent_event *e, char *buf, size_t len)
{
	if (e->input < 0)
		snprintf(buf, len, "%s mark", e->source);
	else
		snprintf(buf, len, "frame %llu, %s", (unsigned long long)e->frame, e->source);
}

static void judge_request(struct policy *p, const struct request *q)
{
	const struct profile *pr = p->prof;
	const struct consent_event *last = last_event(p, q->ts_ns, q->input, q->frame);
	enum phase ph = !last ? PHASE_BEFORE_CONSENT
		      : last->kind == CONSENT_GIVEN ? PHASE_AFTER_CONSENT : PHASE_AFTER_WITHDRAWAL;
	if (!p->judging_live && q->tx_seq >= 0 && (size_t)q->tx_seq < p->nphase)
		p->phase_by_seq[q->tx_seq] = ph;
	if (!q->cats)
		return;
	char cats[1024], org[256], ev[160];
	const char *host = q->host ? q->host : "(no host name)";
	const struct profile_party *disc;
	enum relation rel = policy_relation(p, q->host, &disc);
	org_label(p, q->host, rel, org, sizeof(org));
	char *filter = fmt("frame.number == %llu", (unsigned long long)q->frame);
#define FILTER() (filter ? strdup(filter) : NULL)
	if (pr && ph == PHASE_BEFORE_CONSENT && (q->cats & ~p->necessary_mask)) {
		uint64_t c = q->cats & ~p->necessary_mask;
		const struct consent_event *fc = first_consent(p);
		if (fc)
			event_label(fc, ev, sizeof(ev));
		add_finding(p, FIND_PRE_CONSENT, q, q->flow_id, q->input, q->frame, q->host, c,
			    fmt("%s (%s) received %s before the user consented (%s%s).", host, org,
				policy_categories(p, c, cats, sizeof(cats)), fc ? "consent came later: " : "no consent was given",
				fc ? ev : ""),
			    FILTER());
	}
	if (pr && rel != REL_FIRST_PARTY && !disc)
		add_finding(p, FIND_UNDISCLOSED_RECIPIENT, q, q->flow_id, q->input, q->frame, q->host, q->cats,
			    fmt("%s (%s) received %s, but the privacy policy does not name it as a recipient.", host, org,
				policy_categories(p, q->cats, cats, sizeof(cats))),
			    FILTER());
	if (pr && disc) {
		uint64_t extra = q->cats & ~disclosed_mask(p, q->host);
		if (extra)
			add_finding(p, FIND_UNDISCLOSED_CATEGORY, q, q->flow_id, q->input, q->frame, q->host, extra,
				    fmt("%s (%s) is disclosed for other data, but received %s, which the privacy policy "
					"does not disclose for it.",
					host, disc->organization, policy_categories(p, extra, cats, sizeof(cats))),
				    FILTER());
	}
	if (q->cats & p->sensitive_mask)
		add_finding(p, FIND_SENSITIVE_PI, q, q->flow_id, q->input, q->frame, q->host, q->cats & p->sensitive_mask,
			    fmt("Sensitive personal information (%s; PIPL art. 28) was sent to %s (%s).",
				policy_categories(p, q->cats & p->sensitive_mask, cats, sizeof(cats)), host, org),
			    FILTER());
	if (!q->tls)
		add_finding(p, FIND_CLEARTEXT_PI, q, q->flow_id, q->input, q->frame, q->host, q->cats,
			    fmt("Personal data (%s) was sent to %s without encryption (plain HTTP), readable by anyone "
				"on the network path.",
				policy_categories(p, q->cats, cats, sizeof(cats)), host),
			    FILTER());
	if (pr && ph == PHASE_AFTER_WITHDRAWAL && (q->cats & ~p->necessary_mask)) {
		/* what may be sent without consent may be sent after its withdrawal */
		uint64_t c = q->cats & ~p->necessary_mask;
		event_label(last, ev, sizeof(ev));
		add_finding(p, FIND_AFTER_WITHDRAWAL, q, q->flow_id, q->input, q->frame, q->host, c,
			    fmt("%s (%s) received %s after the user withdrew consent (%s).", host, org,
				policy_categories(p, c, cats, sizeof(cats)), ev),
			    FILTER());
	}
#undef FILTER
	free(filter);
}

static char *flow_filter(const struct flow_record *f)
{
	char a[64], b[64];
	ip_addr_str(&f->client, a, sizeof(a));
	ip_addr_str(&f->server, b, sizeof(b));
	const char *ip = ip_addr_is_v4(&f->client) ? "ip" : "ipv6";
	const char *l4 = f->transport == 6 ? "tcp" : "udp";
	return fmt("%s.addr == %s && %s.addr == %s && %s.port == %u && %s.port == %u", ip, a, ip, b, l4,
		   f->client_port, l4, f->server_port);
}

static void judge_flow(struct policy *p, const struct flow_record *f)
{
	if (!f->id || !f->host || f->host_source == HOST_FROM_DNS_QUERY)
		return; /* a DNS lookup is not a connection to the name it asks for */
	const struct consent_event *fc = first_consent(p);
	bool before = !fc || event_before(fc, f->first_ts_ns, f->input, f->first_frame) == false;
	if (!before)
		return;
	if (!p->prof && !fc)
		return; /* without a profile, only a CLI consent mark says when consent came */
	const struct profile_party *disc;
	enum relation rel = policy_relation(p, f->host, &disc);
	/* with a profile, any host that is not the first party's is someone
	 * else's; without one, only hosts the signatures know are */
	if (p->prof ? rel == REL_FIRST_PARTY : rel != REL_THIRD_PARTY)
		return;
	char org[256], ev[160];
	org_label(p, f->host, rel, org, sizeof(org));
	if (fc)
		event_label(fc, ev, sizeof(ev));
	p->flow_ts_ns = f->first_ts_ns;
	add_finding(p, FIND_PRE_CONSENT_CONTACT, NULL, f->id, f->input, f->first_frame, f->host, 0,
		    fmt("The app connected to %s (%s) at frame %llu, before the user consented (%s%s), whether or "
			"not the traffic could be read.",
			f->host, org, (unsigned long long)f->first_frame, fc ? "consent came later: " : "no consent was given",
			fc ? ev : ""),
		    flow_filter(f));
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
	return (int)x->type - (int)y->type;
}

static void add_recipient(struct policy *p, const char *host, uint64_t cats, bool transmission)
{
	if (!host)
		return;
	for (size_t i = 0; i < p->nrcpt; i++)
		if (p->rcpt[i].host == host || strcmp(p->rcpt[i].host, host) == 0) {
			p->rcpt[i].cats |= cats;
			p->rcpt[i].transmissions += transmission;
			return;
		}
	struct recipient *v = realloc(p->rcpt, (p->nrcpt + 1) * sizeof(*v));
	if (!v)
		return;
	p->rcpt = v;
	p->rcpt[p->nrcpt++] = (struct recipient){ host, cats, transmission };
}

static int by_host(const void *a, const void *b)
{
	return strcmp(((const struct recipient *)a)->host, ((const struct recipient *)b)->host);
}

void policy_finish(struct policy *p, struct flow_store *flows)
{
	if (p->nev)
		qsort(p->ev, p->nev, sizeof(*p->ev), by_event_time);
	long maxseq = -1;
	for (size_t i = 0; i < p->nreq; i++)
		if (p->req[i].tx_seq > maxseq)
			maxseq = p->req[i].tx_seq;
	p->nphase = (size_t)(maxseq + 1);
	p->phase_by_seq = calloc(p->nphase ? p->nphase : 1, sizeof(*p->phase_by_seq));
	for (size_t i = 0; i < p->nreq; i++) {
		judge_request(p, &p->req[i]);
		if (p->req[i].tx_seq >= 0)
			add_recipient(p, p->req[i].host, p->req[i].cats, true);
	}
	struct flow_iter it;
	flow_iter_init(&it, flows);
	for (const struct flow_record *f; (f = flow_iter_next(&it));) {
		judge_flow(p, f);
		if (f->host && f->host_source != HOST_FROM_DNS_QUERY)
			add_recipient(p, f->host, 0, false);
	}
	flow_iter_end(&it);
	if (p->nfind)
		qsort(p->find, p->nfind, sizeof(*p->find), by_place);
	if (p->nrcpt)
		qsort(p->rcpt, p->nrcpt, sizeof(*p->rcpt), by_host);
}

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

enum phase policy_phase_of(const struct policy *p, long tx_seq)
{
	return tx_seq >= 0 && (size_t)tx_seq < p->nphase ? p->phase_by_seq[tx_seq] : PHASE_BEFORE_CONSENT;
}

void policy_write_recipients(const struct policy *p, struct jsonw *w, const char *indent)
{
	for (size_t i = 0; i < p->nrcpt; i++) {
		const struct recipient *r = &p->rcpt[i];
		const struct profile_party *disc;
		enum relation rel = policy_relation(p, r->host, &disc);
		const struct organization *o = p->sigs ? signatures_organization(p->sigs, r->host) : NULL;
		jw_newline(w, indent);
		jw_obj_begin(w);
		jw_key(w, "host");
		jw_str(w, r->host);
		jw_key(w, "organization");
		char org[256];
		org_label(p, r->host, rel, org, sizeof(org));
		char *comma = strrchr(org, ',');
		if (comma)
			*comma = 0;
		jw_str(w, o ? o->name : comma ? org : NULL);
		jw_key(w, "parent");
		jw_str(w, o ? o->parent : NULL);
		jw_key(w, "relation");
		jw_str(w, relation_name(rel));
		jw_key(w, "disclosed");
		jw_bool(w, disc != NULL);
		jw_key(w, "transmissions");
		jw_uint(w, r->transmissions);
		jw_key(w, "categories");
		jw_arr_begin(w);
		for (size_t c = 0; c < 64; c++)
			if (r->cats & (1ULL << c))
				jw_str(w, signatures_category_at(p->sigs, c)->id);
		jw_arr_end(w);
		jw_obj_end(w);
	}
}
