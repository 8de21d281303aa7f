/* \summary: who is who in a run (see policy.h): the device under test and
 * the flows it originated, each host's relation to the app and its
 * organization, and who issued each credential. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "flowstore.h"
#include "policy_internal.h"
#include "signatures.h"

/* ---- recipients and organizations ---- */

enum relation policy_relation(const struct policy *p, const char *host, const struct profile_party **disclosed)
{
	*disclosed = NULL;
	if (!host)
		return REL_UNKNOWN;
	const struct profile *pr = p->prof;
	if (pr) {
		for (size_t i = 0; i < pr->ndisclosed && !*disclosed; i++)
			if (profile_domain_match(pr->disclosed[i].domains, pr->disclosed[i].ndomains, host))
				*disclosed = &pr->disclosed[i]; /* the first; the categories unite them all */
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

const char *policy_organization(const struct policy *p, const char *host)
{
	if (!host)
		return NULL;
	const struct organization *o = p->sigs ? signatures_organization(p->sigs, host) : NULL;
	if (o)
		return o->name;
	const struct profile *pr = p->prof;
	if (!pr)
		return NULL;
	if (profile_domain_match(pr->first_party.domains, pr->first_party.ndomains, host))
		return pr->first_party.organization;
	for (size_t i = 0; i < pr->naffiliates; i++)
		if (profile_domain_match(pr->affiliates[i].domains, pr->affiliates[i].ndomains, host))
			return pr->affiliates[i].organization;
	for (size_t i = 0; i < pr->ndisclosed; i++)
		if (profile_domain_match(pr->disclosed[i].domains, pr->disclosed[i].ndomains, host))
			return pr->disclosed[i].organization;
	return NULL;
}

/* The registrable part of a host name: its last two labels, or three when
 * the second level is a generic one under a country code (com.cn, co.uk). */
static const char *registrable_domain(const char *host)
{
	const char *dots[3] = { NULL, NULL, NULL };
	size_t n = 0;
	for (const char *c = host + strlen(host); c > host; c--)
		if (c[-1] == '.' && n < 3)
			dots[n++] = c - 1;
	if (n < 2)
		return host;
	const char *tld = dots[0] + 1, *sld = dots[1] + 1;
	static const char *const generic[] = { "com", "net", "org", "gov", "edu", "ac", "co", "or", "ne", NULL };
	bool cc_generic = false;
	for (int i = 0; generic[i] && strlen(tld) == 2; i++)
		cc_generic |= (size_t)(dots[0] - sld) == strlen(generic[i]) && strncmp(sld, generic[i], strlen(generic[i])) == 0;
	if (cc_generic)
		return n >= 3 ? dots[2] + 1 : host;
	return sld;
}

const char *policy_org_key(const struct policy *p, const char *host)
{
	const char *org = policy_organization(p, host);
	return org ? org : host ? registrable_domain(host) : "";
}

void policy_add_recipient(struct policy *p, const char *host, uint64_t cats, bool transmission)
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

/* ---- credentials ---- */

static struct issuer *issuer_slot(struct policy *p, uint64_t h)
{
	if (!p->cap_issuers)
		return NULL;
	size_t i = (size_t)(h ^ (h >> 29)) & (p->cap_issuers - 1);
	while (p->issuers[i].used && p->issuers[i].value_hash != h)
		i = (i + 1) & (p->cap_issuers - 1);
	return &p->issuers[i];
}

static int by_time(const void *a, const void *b)
{
	const struct request *x = *(const struct request *const *)a, *y = *(const struct request *const *)b;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	if (x->input != y->input)
		return x->input < y->input ? -1 : 1;
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

void policy_find_issuers(struct policy *p)
{
	if (!p->ncreds)
		return;
	size_t cap = 64;
	while (cap < 2 * p->ncreds)
		cap *= 2;
	p->issuers = calloc(cap, sizeof(*p->issuers));
	const struct request **order = calloc(p->nreq, sizeof(*order));
	if (!p->issuers || !order) {
		free(order);
		return; /* without issuers every credential counts as returned to its issuer */
	}
	p->cap_issuers = cap;
	size_t n = 0;
	for (size_t i = 0; i < p->nreq; i++)
		if (p->req[i].ncred && p->req[i].judged)
			order[n++] = &p->req[i];
	qsort(order, n, sizeof(*order), by_time);
	for (size_t i = 0; i < n; i++) {
		const struct request *q = order[i];
		const struct profile_party *d;
		bool fp = policy_relation(p, q->host, &d) == REL_FIRST_PARTY;
		for (size_t c = 0; c < q->ncred; c++) {
			struct issuer *is = issuer_slot(p, p->creds[q->cred_off + c].value_hash);
			if (!is->used) {
				is->used = true;
				is->value_hash = p->creds[q->cred_off + c].value_hash;
				is->org = policy_org_key(p, q->host);
			}
			is->first_party |= fp;
		}
	}
	free(order);
}

uint64_t policy_credentials_collected(const struct policy *p, const struct request *q, enum relation rel)
{
	if (!q->ncred || rel == REL_FIRST_PARTY || !p->cap_issuers)
		return 0;
	const char *org = policy_org_key(p, q->host);
	uint64_t cats = 0;
	for (size_t c = 0; c < q->ncred; c++) {
		const struct credential_seen *cr = &p->creds[q->cred_off + c];
		struct issuer *is = issuer_slot((struct policy *)p, cr->value_hash);
		if (!is || !is->used)
			continue;
		/* a first party's token at another organization, or one
		 * organization's token at a second: the session changed hands */
		if (is->first_party || strcmp(is->org, org) != 0)
			cats |= 1ULL << cr->category;
	}
	return cats;
}

/* ---- the device under test ---- */

static bool is_unspecified(const struct ip_addr *a)
{
	static const uint8_t zero[16];
	return memcmp(a->b, zero, 16) == 0 || (ip_addr_is_v4(a) && memcmp(a->b + 12, zero, 4) == 0);
}

static bool is_broadcast_or_multicast(const struct ip_addr *a, uint8_t transport)
{
	if (ip_addr_is_v4(a)) {
		const uint8_t *v = a->b + 12;
		/* 224/4 multicast, the limited broadcast, and (for UDP, the only
		 * transport broadcast carries) a subnet's directed broadcast */
		return (v[0] & 0xf0) == 0xe0 || (v[0] == 255 && v[1] == 255 && v[2] == 255 && v[3] == 255) ||
		       (transport == 17 && v[3] == 255);
	}
	return a->b[0] == 0xff;
}

static bool is_link_local(const struct ip_addr *a)
{
	if (ip_addr_is_v4(a))
		return a->b[12] == 169 && a->b[13] == 254;
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/* An address of a local network: private, shared, loopback, link-local, unique local. */
static bool is_local(const struct ip_addr *a)
{
	if (ip_addr_is_v4(a)) {
		const uint8_t *v = a->b + 12;
		return v[0] == 10 || v[0] == 127 || (v[0] == 172 && (v[1] & 0xf0) == 16) || (v[0] == 192 && v[1] == 168) ||
		       (v[0] == 100 && (v[1] & 0xc0) == 64) || (v[0] == 169 && v[1] == 254);
	}
	static const uint8_t loop[16] = { [15] = 1 };
	return (a->b[0] & 0xfe) == 0xfc || is_link_local(a) || memcmp(a->b, loop, 16) == 0;
}

struct candidate {
	struct ip_addr addr;
	uint64_t flows, dns;
	uint8_t mac[6];
	bool has_mac;
};

/* The clients of one input's flows (a small open table: clients are few). */
struct candidates {
	struct candidate *v;
	size_t n, cap;
	bool any_mac;
	uint64_t flows;
};

static struct candidate *candidate(struct candidates *c, const struct ip_addr *a)
{
	for (size_t i = 0; i < c->n; i++)
		if (memcmp(c->v[i].addr.b, a->b, 16) == 0)
			return &c->v[i];
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct candidate *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		c->v = v;
		c->cap = cap;
	}
	struct candidate *x = &c->v[c->n++];
	memset(x, 0, sizeof(*x));
	x->addr = *a;
	return x;
}

static bool is_loopback(const struct ip_addr *a)
{
	static const uint8_t loop[16] = { [15] = 1 };
	return ip_addr_is_v4(a) ? a->b[12] == 127 : memcmp(a->b, loop, 16) == 0;
}

/* The device: a local address over a public one, a real interface's over
 * loopback (a host talking to itself), then the most flows and lookups. */
static bool better(const struct candidate *a, const struct candidate *b)
{
	bool la = is_local(&a->addr), lb = is_local(&b->addr);
	if (la != lb)
		return la;
	bool pa = is_loopback(&a->addr), pb = is_loopback(&b->addr);
	if (pa != pb)
		return pb;
	if (a->flows + a->dns != b->flows + b->dns)
		return a->flows + a->dns > b->flows + b->dns;
	return memcmp(a->addr.b, b->addr.b, 16) < 0;
}

static bool spec_matches(const struct policy *p, const struct candidate *c)
{
	for (size_t i = 0; i < p->nspecs; i++) {
		const struct device_spec *s = &p->specs[i];
		if (s->is_mac ? c->has_mac && memcmp(s->mac, c->mac, 6) == 0 : memcmp(s->addr.b, c->addr.b, 16) == 0)
			return true;
	}
	return false;
}

static void choose(struct policy *p, int input, struct candidates *c, struct device_choice *d)
{
	memset(d, 0, sizeof(*d));
	d->input = input;
	d->given = p->nspecs > 0;
	d->input_flows = c->flows;
	const struct candidate *best = NULL;
	for (size_t i = 0; i < c->n; i++)
		if (d->given ? spec_matches(p, &c->v[i]) && (!best || better(&c->v[i], best))
			     : !best || better(&c->v[i], best))
			best = &c->v[i];
	if (!best)
		return;
	if (best->has_mac) {
		d->has_mac = true;
		memcpy(d->mac, best->mac, 6);
	}
	d->every_local = !d->given && !c->any_mac && is_local(&best->addr);
	for (size_t i = 0; i < c->n; i++) {
		const struct candidate *x = &c->v[i];
		/* the device's addresses: those given; else the best and every
		 * address behind the same Ethernet address; without Ethernet
		 * addresses, every local one (a capture taken on the device) */
		bool mine = d->given ? spec_matches(p, x)
			  : x == best || (best->has_mac ? x->has_mac && memcmp(x->mac, best->mac, 6) == 0
						      : !c->any_mac && is_local(&x->addr) && is_local(&best->addr));
		if (!mine)
			continue;
		if (d->naddrs < sizeof(d->addrs) / sizeof(*d->addrs))
			d->addrs[d->naddrs++] = x->addr;
		d->flows += x->flows;
		d->dns_queries += x->dns;
	}
}

const char *policy_flow_out_of_scope(const struct policy *p, const struct flow_record *f)
{
	if (is_unspecified(&f->client))
		return "no_client";
	if (is_broadcast_or_multicast(&f->server, f->transport))
		return "broadcast";
	if (is_link_local(&f->server))
		return "link_local";
	if (!p->devices)
		return NULL; /* the device is not decided yet (live capture) */
	for (size_t i = 0; i < p->ndevices; i++) {
		const struct device_choice *d = &p->devices[i];
		if (d->input != f->input)
			continue;
		for (size_t k = 0; k < d->naddrs; k++)
			if (memcmp(d->addrs[k].b, f->client.b, 16) == 0)
				return NULL;
		if (d->given) /* a given address may originate no flow here, or more than eight */
			for (size_t s = 0; s < p->nspecs; s++)
				if ((!p->specs[s].is_mac && memcmp(p->specs[s].addr.b, f->client.b, 16) == 0) ||
				    (p->specs[s].is_mac && f->has_client_mac && memcmp(p->specs[s].mac, f->client_mac, 6) == 0))
					return NULL;
	}
	return "other_host";
}

void policy_decide_devices(struct policy *p, struct flow_store *flows)
{
	int ninputs = 0;
	struct flow_iter it;
	flow_iter_init(&it, flows);
	for (const struct flow_record *f; (f = flow_iter_next(&it));)
		if (f->input + 1 > ninputs)
			ninputs = f->input + 1;
	flow_iter_end(&it);
	p->max_flow_id = flow_store_max_id(flows);
	p->judged_flows = calloc((size_t)p->max_flow_id / 8 + 1, 1);
	struct candidates *per = calloc((size_t)ninputs + 1, sizeof(*per));
	p->devices = calloc((size_t)ninputs + 1, sizeof(*p->devices));
	if (!p->judged_flows || !per || !p->devices) {
		free(p->judged_flows);
		p->judged_flows = NULL; /* judge every flow rather than none */
		free(p->devices);
		p->devices = NULL;
		free(per);
		return;
	}
	flow_iter_init(&it, flows);
	for (const struct flow_record *f; (f = flow_iter_next(&it));) {
		struct candidates *c = &per[f->input];
		c->flows++;
		if (is_unspecified(&f->client) || is_broadcast_or_multicast(&f->client, f->transport))
			continue;
		struct candidate *x = candidate(c, &f->client);
		if (!x)
			continue;
		bool dns = f->host_source == HOST_FROM_DNS_QUERY || f->server_port == 53;
		x->dns += dns;
		x->flows += !dns;
		if (f->has_client_mac && !x->has_mac) {
			x->has_mac = c->any_mac = true;
			memcpy(x->mac, f->client_mac, 6);
		}
	}
	flow_iter_end(&it);
	for (int i = 0; i < ninputs; i++) {
		choose(p, i, &per[i], &p->devices[p->ndevices]);
		p->ndevices++;
		free(per[i].v);
	}
	free(per);
	flow_iter_init(&it, flows);
	for (const struct flow_record *f; (f = flow_iter_next(&it));) {
		const char *why = policy_flow_out_of_scope(p, f);
		if (!why) {
			p->judged_flows[f->id >> 3] |= (uint8_t)(1u << (f->id & 7));
			p->scope.flows_judged++;
		} else if (strcmp(why, "broadcast") == 0) {
			p->scope.flows_broadcast++;
		} else if (strcmp(why, "link_local") == 0) {
			p->scope.flows_link_local++;
		} else if (strcmp(why, "no_client") == 0) {
			p->scope.flows_no_client++;
		} else {
			p->scope.flows_other_hosts++;
		}
	}
	flow_iter_end(&it);
}
