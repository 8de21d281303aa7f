/* \summary: bidirectional flow table (see flow.h).
 *
 * Chained hash table that doubles when the load passes 1, plus three idle
 * lists (open TCP, closed TCP, UDP), each ordered by last packet time, so
 * expiry only ever looks at list heads.
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

enum { LIST_TCP_OPEN, LIST_TCP_CLOSED, LIST_UDP, LIST_COUNT };

struct idle_list {
	struct flow *oldest, *newest;
};

struct flow_table {
	struct flow **buckets;
	size_t nbuckets;
	struct idle_list lists[LIST_COUNT];
	struct flow_limits lim;
	flow_end_fn on_end;
	void *ctx;
	uint32_t next_id;
	uint64_t now_ns; /* latest packet time seen: captures are not always in time order */
	struct flow_table_stats st;
};

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint32_t key_hash(const struct flow_key *k)
{
	uint64_t w[sizeof(*k) / 8 + 1] = { 0 };
	memcpy(w, k, sizeof(*k));
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < sizeof(w) / 8; i++)
		h = mix64(h ^ w[i]);
	return (uint32_t)h;
}

static int endpoint_cmp(const struct ip_addr *a, uint16_t pa, const struct ip_addr *b, uint16_t pb)
{
	int c = memcmp(a->b, b->b, 16);
	if (c)
		return c;
	return (int)pa - (int)pb;
}

/* Builds the canonical key; *src_index is the key slot of the packet's source. */
static void make_key(const struct packet *p, struct flow_key *k, int *src_index)
{
	memset(k, 0, sizeof(*k));
	int s = endpoint_cmp(&p->src, p->sport, &p->dst, p->dport) <= 0 ? 0 : 1;
	k->addr[s] = p->src;
	k->port[s] = p->sport;
	k->addr[!s] = p->dst;
	k->port[!s] = p->dport;
	k->vlan = p->vlan;
	k->vlan_inner = p->vlan_inner;
	k->proto = p->l4_proto;
	*src_index = s;
}

struct flow_table *flow_table_new(const struct flow_limits *lim, flow_end_fn on_end, void *ctx)
{
	struct flow_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->nbuckets = 1024;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->lim = *lim;
	t->on_end = on_end;
	t->ctx = ctx;
	t->next_id = 1;
	return t;
}

static void list_unlink(struct flow_table *t, struct flow *f)
{
	struct idle_list *l = &t->lists[f->idle_list];
	if (f->older)
		f->older->newer = f->newer;
	else
		l->oldest = f->newer;
	if (f->newer)
		f->newer->older = f->older;
	else
		l->newest = f->older;
	f->older = f->newer = NULL;
}

static void list_append(struct flow_table *t, struct flow *f, uint8_t which)
{
	struct idle_list *l = &t->lists[which];
	f->idle_list = which;
	f->older = l->newest;
	f->newer = NULL;
	if (l->newest)
		l->newest->newer = f;
	else
		l->oldest = f;
	l->newest = f;
}

static void hash_unlink(struct flow_table *t, struct flow *f)
{
	struct flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];
	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
}

static void end_flow(struct flow_table *t, struct flow *f, enum flow_end_reason why)
{
	list_unlink(t, f);
	hash_unlink(t, f);
	t->on_end(t->ctx, f, why);
	t->st.live--;
	t->st.memory -= sizeof(*f) + f->mem;
	switch (why) {
	case FLOW_END_IDLE: t->st.ended_idle++; break;
	case FLOW_END_CLOSED: t->st.ended_closed++; break;
	case FLOW_END_EVICTED: t->st.evicted++; break;
	case FLOW_END_FLUSH: t->st.flushed++; break;
	}
	free(f);
}

static uint64_t list_timeout(const struct flow_table *t, int which)
{
	return which == LIST_TCP_OPEN ? t->lim.tcp_idle_ns
	       : which == LIST_TCP_CLOSED ? t->lim.tcp_closed_ns
					  : t->lim.udp_idle_ns;
}

static void expire(struct flow_table *t, uint64_t now)
{
	for (int i = 0; i < LIST_COUNT; i++) {
		uint64_t timeout = list_timeout(t, i);
		struct flow *f;
		while ((f = t->lists[i].oldest) && f->last_ts_ns + timeout < now)
			end_flow(t, f, i == LIST_TCP_CLOSED ? FLOW_END_CLOSED : FLOW_END_IDLE);
	}
}

/* Ends the least recently seen flow of all lists; false when the table is empty. */
static bool evict_one(struct flow_table *t, const struct flow *keep)
{
	struct flow *victim = NULL;
	for (int i = 0; i < LIST_COUNT; i++) {
		struct flow *f = t->lists[i].oldest;
		if (f && f == keep)
			f = f->newer;
		if (f && (!victim || f->last_ts_ns < victim->last_ts_ns))
			victim = f;
	}
	if (!victim)
		return false;
	end_flow(t, victim, FLOW_END_EVICTED);
	return true;
}

static void grow(struct flow_table *t)
{
	size_t n = t->nbuckets * 2;
	struct flow **b = calloc(n, sizeof(*b));
	if (!b)
		return; /* keep the longer chains rather than fail */
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct flow *f = t->buckets[i], *next; f; f = next) {
			next = f->hnext;
			f->hnext = b[f->hash & (n - 1)];
			b[f->hash & (n - 1)] = f;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

static void choose_client(struct flow *f, const struct packet *p, int src)
{
	bool syn = p->l4_proto == 6 && (p->tcp_flags & TCP_SYN);
	if (syn && !(p->tcp_flags & TCP_ACK))
		f->client = (uint8_t)src;
	else if (syn)
		f->client = (uint8_t)!src; /* SYN-ACK seen before the SYN */
	else if (p->sport < 1024 && p->dport >= 1024)
		f->client = (uint8_t)!src; /* picked up mid-stream from the server side */
	else
		f->client = (uint8_t)src;
}

/* A SYN opening a new connection on the ports of a closed one: not the
 * closed one's own SYN retransmitted. */
static bool reopens(const struct flow *f, const struct packet *p)
{
	return f->idle_list == LIST_TCP_CLOSED && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
	       !(f->syn_seq_known && p->seq == f->syn_seq);
}

static void note_memory(struct flow_table *t)
{
	if (t->st.memory > t->st.peak_memory)
		t->st.peak_memory = t->st.memory;
}

struct flow *flow_table_packet(struct flow_table *t, const struct packet *p, uint64_t ts_ns,
			       uint64_t frame, int input, enum flow_dir *dir)
{
	if (ts_ns > t->now_ns) {
		t->now_ns = ts_ns;
		expire(t, ts_ns);
	}
	struct flow_key k;
	int src;
	make_key(p, &k, &src);
	uint32_t h = key_hash(&k);
	struct flow *f = t->buckets[h & (t->nbuckets - 1)];
	while (f && (f->hash != h || memcmp(&f->key, &k, sizeof(k)) != 0))
		f = f->hnext;
	if (f && reopens(f, p)) {
		end_flow(t, f, FLOW_END_CLOSED);
		f = NULL;
	}
	if (!f) {
		while (t->st.live >= t->lim.max_flows ||
		       t->st.memory + sizeof(*f) > t->lim.max_memory)
			if (!evict_one(t, NULL))
				break;
		f = calloc(1, sizeof(*f));
		if (!f)
			return NULL;
		f->key = k;
		f->hash = h;
		f->id = t->next_id++;
		f->input = input;
		f->first_frame = frame;
		f->first_ts_ns = ts_ns;
		choose_client(f, p, src);
		f->hnext = t->buckets[h & (t->nbuckets - 1)];
		t->buckets[h & (t->nbuckets - 1)] = f;
		list_append(t, f, p->l4_proto == 6 ? LIST_TCP_OPEN : LIST_UDP);
		t->st.created++;
		t->st.live++;
		if (t->st.live > t->st.peak_live)
			t->st.peak_live = t->st.live;
		t->st.memory += sizeof(*f);
		note_memory(t);
		if (t->st.live > t->nbuckets)
			grow(t);
	} else {
		list_unlink(t, f);
		list_append(t, f, f->idle_list);
	}
	*dir = src == f->client ? DIR_TO_SERVER : DIR_TO_CLIENT;
	if (ts_ns > f->last_ts_ns)
		f->last_ts_ns = ts_ns;
	f->packets[*dir]++;
	f->bytes[*dir] += p->ip_len;
	if (p->l4_proto == 6) {
		if (p->tcp_flags & TCP_FIN)
			f->fin_seen |= (uint8_t)(1u << *dir);
		if (p->tcp_flags & TCP_RST)
			f->rst_seen = true;
		if ((p->tcp_flags & TCP_SYN) && !f->syn_seq_known) {
			f->syn_seq_known = true;
			f->syn_seq = p->tcp_flags & TCP_ACK ? p->ack - 1 : p->seq;
		}
		if (f->idle_list == LIST_TCP_OPEN && (f->rst_seen || f->fin_seen == 3)) {
			list_unlink(t, f);
			list_append(t, f, LIST_TCP_CLOSED);
		}
	}
	return f;
}

void flow_table_account(struct flow_table *t, struct flow *f, long delta)
{
	f->mem = (size_t)((long)f->mem + delta);
	t->st.memory = (size_t)((long)t->st.memory + delta);
	note_memory(t);
	while (t->st.memory > t->lim.max_memory && evict_one(t, f))
		;
}

static int by_id(const void *a, const void *b)
{
	const struct flow *x = *(struct flow *const *)a, *y = *(struct flow *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

void flow_table_flush(struct flow_table *t)
{
	size_t n = t->st.live, k = 0;
	struct flow **all = malloc((n ? n : 1) * sizeof(*all));
	if (!all) { /* still end every flow, in whatever order */
		for (int i = 0; i < LIST_COUNT; i++)
			while (t->lists[i].oldest)
				end_flow(t, t->lists[i].oldest, FLOW_END_FLUSH);
		return;
	}
	for (int i = 0; i < LIST_COUNT; i++)
		for (struct flow *f = t->lists[i].oldest; f; f = f->newer)
			all[k++] = f;
	qsort(all, k, sizeof(*all), by_id);
	for (size_t i = 0; i < k; i++)
		end_flow(t, all[i], FLOW_END_FLUSH);
	free(all);
	t->now_ns = 0; /* the next capture has its own clock */
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	flow_table_flush(t);
	free(t->buckets);
	free(t);
}

const struct flow_table_stats *flow_table_stats(const struct flow_table *t) { return &t->st; }
