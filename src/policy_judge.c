/* \summary: the findings (see docs/profiles.md for when each is raised):
 * per request, per flow, and those that span requests. */
#include <string.h>

#include "flowstore.h"
#include "policy_internal.h"
#include "signatures.h"

static void add_finding(struct policy *p, const struct finding *proto)
{
	struct finding live;
	struct finding *f = &live;
	if (!p->judging_live) {
		if (!GROW(p->find, p->nfind, p->capfind))
			goto drop;
		f = &p->find[p->nfind++];
	}
	*f = *proto;
	f->law = policy_law(p, f->type, f->cats);
	if (p->judging_live) {
		p->live_fn(p->live_ctx, f);
		goto drop;
	}
	return;
drop:
	free(proto->reason);
	free(proto->reason_zh);
	free(proto->filter);
	free(proto->also_tx);
	free(proto->also_frames);
}

/* What every finding of request q shares. */
static struct finding request_finding(const struct request *q, enum finding_type type, uint64_t cats)
{
	struct finding f;
	memset(&f, 0, sizeof(f));
	f.type = type;
	f.tx_seq = q->tx_seq;
	f.flow_id = q->flow_id;
	f.input = q->input;
	f.frame = q->frame;
	f.ts_ns = q->ts_ns;
	f.host = q->host;
	f.cats = cats;
	f.filter = policy_fmt("frame.number == %llu", (unsigned long long)q->frame);
	return f;
}

static void window_label(const struct mandatory_window *w, char *buf, size_t len, bool zh)
{
	char a[160], b[160];
	if (w->start)
		policy_event_label(w->start, a, sizeof(a), zh);
	if (w->end)
		policy_event_label(w->end, b, sizeof(b), zh);
	if (zh)
		snprintf(buf, len, "从%s到%s", w->start ? a : "记录开始", w->end ? b : "记录结束");
	else
		snprintf(buf, len, "from %s to %s", w->start ? a : "the start of the capture",
			 w->end ? b : "the end of the capture");
}

void policy_judge_request(struct policy *p, const struct request *q)
{
	const struct profile *pr = p->prof;
	const struct consent_event *last = policy_last_consent_event(p, q->ts_ns, q->input, q->frame);
	enum phase ph = !last ? PHASE_BEFORE_CONSENT
		      : last->kind == CONSENT_GIVEN ? PHASE_AFTER_CONSENT : PHASE_AFTER_WITHDRAWAL;
	const struct profile_party *disc;
	enum relation rel = policy_relation(p, q->host, &disc);
	/* a credential returned to its issuer, or handed to the first party,
	 * is not a collection of personal data */
	uint64_t cats = q->plain_cats | policy_credentials_collected(p, q, rel);
	if (!cats)
		return;
	char names[1024], zh[1024], org[256], ev[160], evz[160];
	const char *host = q->host ? q->host : "(no host name)";
	policy_org_label(p, q->host, rel, org, sizeof(org));
	const char *rel_zh = policy_relation_zh(rel);
	const char *oname = policy_organization(p, q->host);
	struct finding f;
	if (pr && ph == PHASE_BEFORE_CONSENT && (cats & ~p->necessary_mask)) {
		uint64_t c = cats & ~p->necessary_mask;
		const struct consent_event *fc = policy_first_consent(p);
		if (fc) {
			policy_event_label(fc, ev, sizeof(ev), false);
			policy_event_label(fc, evz, sizeof(evz), true);
		}
		f = request_finding(q, FIND_PRE_CONSENT, c);
		f.reason = policy_fmt("%s (%s) received %s before the user consented (%s%s).", host, org,
				      policy_categories(p, c, names, sizeof(names), false),
				      fc ? "consent came later: " : "no consent was given", fc ? ev : "");
		f.reason_zh = policy_fmt("%s（%s，%s）在用户同意之前收到了%s（%s%s）。", host, oname ? oname : host, rel_zh,
					 policy_categories(p, c, zh, sizeof(zh), true), fc ? "同意在此之后：" : "用户未作出同意",
					 fc ? evz : "");
		add_finding(p, &f);
	}
	if (pr && rel != REL_FIRST_PARTY && !disc) {
		f = request_finding(q, FIND_UNDISCLOSED_RECIPIENT, cats);
		f.reason = policy_fmt("%s (%s) received %s, but the privacy policy does not name it as a recipient.", host,
				      org, policy_categories(p, cats, names, sizeof(names), false));
		f.reason_zh = policy_fmt("%s（%s，%s）收到了%s，但隐私政策未将其列为接收方。", host, oname ? oname : host,
					 rel_zh, policy_categories(p, cats, zh, sizeof(zh), true));
		add_finding(p, &f);
	}
	if (pr && disc) {
		uint64_t allowed = 0;
		for (size_t e = 0; e < pr->ndisclosed; e++) {
			const struct profile_party *d = &pr->disclosed[e];
			if (!profile_domain_match(d->domains, d->ndomains, q->host))
				continue;
			for (size_t i = 0; i < 64; i++) {
				const struct category *c = signatures_category_at(p->sigs, i);
				if (c && profile_category_match(d->categories, d->ncategories, c->id))
					allowed |= 1ULL << i;
			}
		}
		uint64_t extra = cats & ~allowed;
		if (extra) {
			f = request_finding(q, FIND_UNDISCLOSED_CATEGORY, extra);
			f.reason = policy_fmt("%s (%s) is disclosed for other data, but received %s, which the privacy policy "
					      "does not disclose for it.",
					      host, disc->organization, policy_categories(p, extra, names, sizeof(names), false));
			f.reason_zh = policy_fmt("隐私政策告知向%s（%s）提供其他信息，但其收到了隐私政策未就其告知的%s。", host,
						 disc->organization, policy_categories(p, extra, zh, sizeof(zh), true));
			add_finding(p, &f);
		}
	}
	if (cats & p->sensitive_mask) {
		uint64_t c = cats & p->sensitive_mask;
		f = request_finding(q, FIND_SENSITIVE_PI, c);
		f.reason = policy_fmt("Sensitive personal information (%s; PIPL art. 28) was sent to %s (%s).",
				      policy_categories(p, c, names, sizeof(names), false), host, org);
		f.reason_zh = policy_fmt("敏感个人信息（%s；《个人信息保护法》第二十八条）被发送至%s（%s，%s）。",
					 policy_categories(p, c, zh, sizeof(zh), true), host, oname ? oname : host, rel_zh);
		add_finding(p, &f);
	}
	if (!q->tls) {
		f = request_finding(q, FIND_CLEARTEXT_PI, cats);
		f.reason = policy_fmt("Personal data (%s) was sent to %s without encryption (plain HTTP), readable by "
				      "anyone on the network path.",
				      policy_categories(p, cats, names, sizeof(names), false), host);
		f.reason_zh = policy_fmt("个人信息（%s）未经加密（明文HTTP）发送至%s，网络路径上的任何人均可读取。",
					 policy_categories(p, cats, zh, sizeof(zh), true), host);
		add_finding(p, &f);
	}
	if (pr && ph == PHASE_AFTER_WITHDRAWAL && (cats & ~p->necessary_mask)) {
		/* what may be sent without consent may be sent after its withdrawal */
		uint64_t c = cats & ~p->necessary_mask;
		policy_event_label(last, ev, sizeof(ev), false);
		policy_event_label(last, evz, sizeof(evz), true);
		f = request_finding(q, FIND_AFTER_WITHDRAWAL, c);
		f.reason = policy_fmt("%s (%s) received %s after the user withdrew consent (%s).", host, org,
				      policy_categories(p, c, names, sizeof(names), false), ev);
		f.reason_zh = policy_fmt("%s（%s，%s）在用户撤回同意（%s）之后仍收到了%s。", host, oname ? oname : host, rel_zh,
					 evz, policy_categories(p, c, zh, sizeof(zh), true));
		add_finding(p, &f);
	}
	struct mandatory_window w;
	if (pr && (rel == REL_FIRST_PARTY || rel == REL_AFFILIATE) && (cats & ~p->service_mask) &&
	    policy_in_window(p, q->ts_ns, q->input, q->frame, &w)) {
		uint64_t c = cats & ~p->service_mask;
		char win[400], winz[400];
		window_label(&w, win, sizeof(win), false);
		window_label(&w, winz, sizeof(winz), true);
		f = request_finding(q, FIND_FORCED_COLLECTION, c);
		f.reason = policy_fmt(
			"%s (%s) collected %s during a mandatory step (%s): the user could not go on without "
			"handing them over, and the profile does not list them as necessary for the basic service. "
			"Consent obtained by leaving no alternative is not freely given (PIPL art. 14), and a service "
			"may not be refused because the user declines processing it does not need (art. 16): as the "
			"court held of an English-learning app's mandatory first-login questionnaires, profile data "
			"for personalised recommendations is not necessary to provide the service.",
			host, org, policy_categories(p, c, names, sizeof(names), false), win);
		f.reason_zh = policy_fmt(
			"%s（%s，%s）在强制步骤中（%s）收集了%s：用户不提供这些信息便无法继续使用，而档案未将其列为基本"
			"业务功能所必需。以不提供替代选项的方式取得的同意并非自愿作出（《个人信息保护法》第十四条），个人信息"
			"处理者不得以个人不同意处理非必要个人信息为由拒绝提供服务（第十六条）：正如法院在英语学习App案中就其"
			"首次登录时强制填写的问卷所认定的，用于个性化推荐的画像信息并非提供服务所必需。",
			host, oname ? oname : host, rel_zh, winz, policy_categories(p, c, zh, sizeof(zh), true));
		add_finding(p, &f);
	}
}

static char *flow_filter(const struct flow_record *f)
{
	char a[64], b[64];
	ip_addr_str(&f->client, a, sizeof(a));
	ip_addr_str(&f->server, b, sizeof(b));
	const char *ip = ip_addr_is_v4(&f->client) ? "ip" : "ipv6";
	const char *l4 = f->transport == 6 ? "tcp" : "udp";
	return policy_fmt("%s.addr == %s && %s.addr == %s && %s.port == %u && %s.port == %u", ip, a, ip, b, l4,
			  f->client_port, l4, f->server_port);
}

void policy_judge_flow(struct policy *p, const struct flow_record *f)
{
	if (!f->id || !f->host || f->host_source == HOST_FROM_DNS_QUERY)
		return; /* a DNS lookup is not a connection to the name it asks for */
	if (policy_flow_out_of_scope(p, f))
		return; /* not the device's, or a broadcast: never judged */
	const struct consent_event *fc = policy_first_consent(p);
	bool before = !fc || !policy_event_before(fc, f->first_ts_ns, f->input, f->first_frame);
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
	char org[256], ev[160], evz[160];
	policy_org_label(p, f->host, rel, org, sizeof(org));
	const char *oname = policy_organization(p, f->host);
	if (fc) {
		policy_event_label(fc, ev, sizeof(ev), false);
		policy_event_label(fc, evz, sizeof(evz), true);
	}
	struct finding fd;
	memset(&fd, 0, sizeof(fd));
	fd.type = FIND_PRE_CONSENT_CONTACT;
	fd.tx_seq = -1;
	fd.flow_id = f->id;
	fd.input = f->input;
	fd.frame = f->first_frame;
	fd.ts_ns = f->first_ts_ns;
	fd.host = f->host;
	fd.reason = policy_fmt("The app connected to %s (%s) at frame %llu, before the user consented (%s%s), whether or "
			       "not the traffic could be read.",
			       f->host, org, (unsigned long long)f->first_frame,
			       fc ? "consent came later: " : "no consent was given", fc ? ev : "");
	fd.reason_zh = policy_fmt("App在用户同意之前（%s%s）于第%llu帧连接了%s（%s，%s），无论其通信内容能否被解读。",
				  fc ? "同意在此之后：" : "用户未作出同意", fc ? evz : "", (unsigned long long)f->first_frame,
				  f->host, oname ? oname : f->host, policy_relation_zh(rel));
	fd.filter = flow_filter(f);
	add_finding(p, &fd);
}

/* Appends q to a finding's list of requests. */
static bool also(struct finding *f, const struct request *q)
{
	long *t = realloc(f->also_tx, (f->nalso + 1) * sizeof(*t));
	if (t)
		f->also_tx = t;
	uint64_t *fr = realloc(f->also_frames, (f->nalso + 1) * sizeof(*fr));
	if (fr)
		f->also_frames = fr;
	if (!t || !fr)
		return false;
	f->also_tx[f->nalso] = q->tx_seq;
	f->also_frames[f->nalso++] = q->frame;
	return true;
}

/* "frame.number == 6 || frame.number == 63" for the requests of f (the
 * first 200): a set ("in {6 63}") is written with commas since Wireshark
 * 4.0 and without them before, so neither form works everywhere. */
static char *frames_filter(const struct finding *f)
{
	size_t cap = 8 + 40 * (f->nalso < 200 ? f->nalso : 200);
	char *s = malloc(cap);
	if (!s)
		return NULL;
	size_t n = 0;
	s[0] = 0;
	for (size_t i = 0; i < f->nalso && i < 200; i++)
		n += (size_t)snprintf(s + n, cap - n, "%sframe.number == %llu", i ? " || " : "",
				      (unsigned long long)f->also_frames[i]);
	return s;
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

/* One cleartext_credential per host (and input: frames are per file): the
 * requests that carried a credential outside TLS to it. */
static void credentials_in_clear(struct policy *p, const struct request **order, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct request *q = order[i];
		uint64_t cm = p->credential_mask;
		if (!(q->cred_cats & cm) || q->tls)
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = (order[j]->cred_cats & cm) && !order[j]->tls && order[j]->host == q->host &&
			       order[j]->input == q->input;
		if (seen)
			continue;
		struct finding f = request_finding(q, FIND_CLEARTEXT_CREDENTIAL, 0);
		free(f.filter);
		for (size_t j = i; j < n; j++)
			if ((order[j]->cred_cats & cm) && !order[j]->tls && order[j]->host == q->host &&
			    order[j]->input == q->input) {
				f.cats |= order[j]->cred_cats & cm;
				also(&f, order[j]);
			}
		char names[512], zh[512];
		const char *host = q->host ? q->host : "(no host name)";
		f.filter = frames_filter(&f);
		f.reason = policy_fmt("Credentials (%s) were sent to %s without encryption in %zu request%s: anyone on the "
				      "network path can take over the session.",
				      policy_categories(p, f.cats, names, sizeof(names), false), host, f.nalso,
				      f.nalso == 1 ? "" : "s");
		f.reason_zh = policy_fmt("凭证（%s）在%zu个请求中未经加密发送至%s：网络路径上的任何人均可接管该会话。",
					 policy_categories(p, f.cats, zh, sizeof(zh), true), f.nalso, host);
		add_finding(p, &f);
	}
}

/* The request at a consent event's point (the one its rule matched), or NULL. */
static const struct request *request_at(const struct request **order, size_t n, const struct consent_event *ce)
{
	for (size_t i = 0; i < n; i++)
		if (order[i]->input == ce->input && order[i]->frame == ce->frame && order[i]->ts_ns == ce->ts_ns)
			return order[i];
	return NULL;
}

/* A consent whose next personal-data request to the app's side falls in a
 * mandatory window and collects what the service does not need: the
 * consent was the price of entry, bundled with that collection. */
static void bundled_consents(struct policy *p, const struct request **order, size_t n)
{
	for (size_t e = 0; e < p->nev; e++) {
		const struct consent_event *ce = &p->ev[e];
		if (!ce->resolved || ce->kind != CONSENT_GIVEN)
			continue;
		struct finding f;
		memset(&f, 0, sizeof(f));
		struct mandatory_window w = { NULL, NULL };
		bool first = true;
		for (size_t i = 0; i < n; i++) {
			const struct request *q = order[i];
			if (policy_event_before(ce, q->ts_ns, q->input, q->frame) == false)
				continue;
			const struct profile_party *d;
			enum relation rel = policy_relation(p, q->host, &d);
			uint64_t cats = q->plain_cats | policy_credentials_collected(p, q, rel);
			if (!cats || (rel != REL_FIRST_PARTY && rel != REL_AFFILIATE))
				continue;
			struct mandatory_window qw;
			bool inside = policy_in_window(p, q->ts_ns, q->input, q->frame, &qw);
			if (first) {
				if (!(cats & ~p->service_mask))
					continue; /* necessary data alone needs no consent: it neither makes nor breaks a bundle */
				if (!inside)
					break; /* what followed the consent was not forced */
				w = qw;
				f = request_finding(q, FIND_BUNDLED_CONSENT, 0);
				free(f.filter);
				first = false;
			} else if (!inside || qw.start != w.start || qw.end != w.end) {
				break; /* the window that followed the consent is over */
			}
			if (cats & ~p->service_mask) {
				f.cats |= cats & ~p->service_mask;
				also(&f, q);
			}
		}
		if (first)
			continue;
		/* the finding sits at the consent when it has a frame: its request
		 * when a rule matched one, else no transmission and no flow; a time
		 * mark leaves it at the first forced request */
		if (ce->input >= 0) {
			const struct request *cq = request_at(order, n, ce);
			f.input = ce->input;
			f.frame = ce->frame;
			f.ts_ns = ce->ts_ns;
			f.tx_seq = cq ? cq->tx_seq : -1;
			f.flow_id = cq ? cq->flow_id : 0;
			if (cq)
				f.host = cq->host;
		}
		char names[1024], zh[1024], ev[160], evz[160], win[400], winz[400];
		policy_event_label(ce, ev, sizeof(ev), false);
		policy_event_label(ce, evz, sizeof(evz), true);
		window_label(&w, win, sizeof(win), false);
		window_label(&w, winz, sizeof(winz), true);
		f.filter = frames_filter(&f);
		f.reason = policy_fmt("The consent (%s) was immediately followed by a mandatory step (%s) that collected %s "
				      "in %zu request%s, none of it necessary for the basic service: the consent covered data "
				      "the service did not need and the user could not refuse (PIPL arts. 14 and 16).",
				      ev, win, policy_categories(p, f.cats, names, sizeof(names), false), f.nalso,
				      f.nalso == 1 ? "" : "s");
		f.reason_zh = policy_fmt("同意（%s）之后紧接着是一个强制步骤（%s），在%zu个请求中收集了%s，均非基本业务功能所必需："
					 "该同意涵盖了服务并不需要、用户又无法拒绝的信息（《个人信息保护法》第十四条、第十六条）。",
					 evz, winz, f.nalso, policy_categories(p, f.cats, zh, sizeof(zh), true));
		add_finding(p, &f);
	}
}

void policy_judge_run(struct policy *p)
{
	const struct request **order = calloc(p->nreq + 1, sizeof(*order));
	if (!order)
		return;
	size_t n = 0;
	for (size_t i = 0; i < p->nreq; i++)
		if (p->req[i].judged)
			order[n++] = &p->req[i];
	qsort(order, n, sizeof(*order), by_time);
	credentials_in_clear(p, order, n);
	if (p->prof)
		bundled_consents(p, order, n);
	free(order);
}
