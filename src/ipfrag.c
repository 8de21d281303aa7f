/* \summary: IP fragment reassembly (see ipfrag.h).
 *
 * References: RFC 791 (IPv4 fragmentation), RFC 8200 section 4.5 (IPv6),
 * RFC 5722 (overlapping IPv6 fragments are an attack; privaudit still keeps
 * the first bytes, as a passive observer must reconstruct what the receiver
 * most likely saw, and counts the overlap).
 */
#include "ipfrag.h"

#include <stdlib.h>
#include <string.h>

#define NBUCKETS 4096u
#define MAX_RANGES 256        /* disjoint byte ranges per datagram */
#define MAX_HDR 512           /* rebuilt header: IPv4 header, or IPv6 unfragmentable part */
#define MAX_PAYLOAD_V4 (65535u - 20u)
#define MAX_PAYLOAD_V6 65535u

struct range {
	uint32_t start, end;
};

struct datagram {
	struct datagram *hnext;
	struct datagram *older, *newer; /* age list: by first fragment */
	struct frag_key key;
	uint32_t hash;
	uint64_t first_ts;
	uint8_t *buf;         /* payload bytes at their offsets */
	uint32_t cap;
	uint32_t total;       /* payload length, known once the last fragment came */
	bool have_total;
	uint16_t hdr_len;     /* 0 until the first fragment came */
	uint8_t hdr[MAX_HDR];
	uint32_t nranges;
	uint32_t nfrags;
	struct range ranges[MAX_RANGES];
};

struct done {
	struct done *next;
	uint8_t data[];
};

struct ipfrag {
	struct decoder_limits lim;
	struct datagram *buckets[NBUCKETS];
	struct datagram *oldest, *newest;
	size_t count, memory;
	struct done *done;
	struct frag_stats st;
};

static size_t entry_size(const struct datagram *d) { return sizeof(*d) + d->cap; }

struct ipfrag *ipfrag_new(const struct decoder_limits *l)
{
	struct ipfrag *f = calloc(1, sizeof(*f));
	if (f)
		f->lim = *l;
	return f;
}

static uint32_t key_hash(const struct frag_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void unlink_entry(struct ipfrag *f, struct datagram *d)
{
	struct datagram **pp = &f->buckets[d->hash % NBUCKETS];
	while (*pp != d)
		pp = &(*pp)->hnext;
	*pp = d->hnext;
	if (d->older)
		d->older->newer = d->newer;
	else
		f->oldest = d->newer;
	if (d->newer)
		d->newer->older = d->older;
	else
		f->newest = d->older;
	f->count--;
	f->memory -= entry_size(d);
	free(d->buf);
	free(d);
}

/* Drops an incomplete datagram, counting its fragments in *why. */
static void drop(struct ipfrag *f, struct datagram *d, uint64_t *why)
{
	*why += d->nfrags;
	unlink_entry(f, d);
}

void ipfrag_release(struct ipfrag *f)
{
	while (f->done) {
		struct done *n = f->done->next;
		free(f->done);
		f->done = n;
	}
}

void ipfrag_flush(struct ipfrag *f)
{
	while (f->oldest)
		drop(f, f->oldest, &f->st.incomplete_at_end);
}

void ipfrag_free(struct ipfrag *f)
{
	if (!f)
		return;
	ipfrag_flush(f);
	ipfrag_release(f);
	free(f);
}

const struct frag_stats *ipfrag_stats(const struct ipfrag *f) { return &f->st; }

static void expire(struct ipfrag *f, uint64_t ts)
{
	while (f->oldest && ts > f->oldest->first_ts && ts - f->oldest->first_ts > f->lim.timeout_ns)
		drop(f, f->oldest, &f->st.timed_out);
}

/* Room for `more` bytes: the oldest datagrams other than `keep` go first. */
static bool make_room(struct ipfrag *f, size_t more, const struct datagram *keep)
{
	while (f->memory + more > f->lim.max_memory) {
		struct datagram *d = f->oldest;
		if (d && d == keep)
			d = d->newer;
		if (!d)
			return false;
		drop(f, d, &f->st.over_limit);
	}
	return true;
}

static struct datagram *find_or_add(struct ipfrag *f, const struct frag_key *k, uint64_t ts)
{
	uint32_t h = key_hash(k);
	for (struct datagram *d = f->buckets[h % NBUCKETS]; d; d = d->hnext)
		if (d->hash == h && memcmp(&d->key, k, sizeof(*k)) == 0)
			return d;
	while (f->count >= f->lim.max_datagrams && f->oldest)
		drop(f, f->oldest, &f->st.over_limit);
	if (f->lim.max_datagrams == 0 || !make_room(f, sizeof(struct datagram), NULL))
		return NULL;
	struct datagram *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->key = *k;
	d->hash = h;
	d->first_ts = ts;
	d->hnext = f->buckets[h % NBUCKETS];
	f->buckets[h % NBUCKETS] = d;
	d->older = f->newest;
	if (f->newest)
		f->newest->newer = d;
	else
		f->oldest = d;
	f->newest = d;
	f->count++;
	f->memory += entry_size(d);
	return d;
}

static bool grow(struct ipfrag *f, struct datagram *d, uint32_t need, uint32_t max)
{
	if (need <= d->cap)
		return true;
	uint32_t cap = d->cap ? d->cap : 2048;
	while (cap < need)
		cap *= 2;
	if (cap > max)
		cap = max;
	if (!make_room(f, cap - d->cap, d))
		return false;
	uint8_t *b = realloc(d->buf, cap);
	if (!b)
		return false;
	f->memory += cap - d->cap;
	d->buf = b;
	d->cap = cap;
	return true;
}

/* Copies the parts of [s, e) no earlier fragment covered and records the
 * range.  Returns whether any byte was already there. */
static bool insert(struct datagram *d, uint32_t s, uint32_t e, const uint8_t *data)
{
	bool overlap = false;
	uint32_t pos = s;
	size_t i = 0;
	while (i < d->nranges && d->ranges[i].end < s)
		i++;
	/* ranges i.. may touch or overlap [s, e) */
	for (size_t j = i; j < d->nranges && d->ranges[j].start <= e && pos < e; j++) {
		const struct range *r = &d->ranges[j];
		if (r->start > pos)
			memcpy(d->buf + pos, data + (pos - s), (r->start < e ? r->start : e) - pos);
		if (r->end > pos && r->start < e)
			overlap = true;
		if (r->end > pos)
			pos = r->end;
	}
	if (pos < e)
		memcpy(d->buf + pos, data + (pos - s), e - pos);
	/* merge [s, e) with every range it touches */
	size_t j = i;
	uint32_t ns = s, ne = e;
	while (j < d->nranges && d->ranges[j].start <= e) {
		if (d->ranges[j].start < ns)
			ns = d->ranges[j].start;
		if (d->ranges[j].end > ne)
			ne = d->ranges[j].end;
		j++;
	}
	size_t merged = j - i;
	if (merged == 0) {
		memmove(&d->ranges[i + 1], &d->ranges[i], (d->nranges - i) * sizeof(d->ranges[0]));
		d->nranges++;
	} else if (merged > 1) {
		memmove(&d->ranges[i + 1], &d->ranges[j], (d->nranges - j) * sizeof(d->ranges[0]));
		d->nranges -= (uint32_t)(merged - 1);
	}
	d->ranges[i].start = ns;
	d->ranges[i].end = ne;
	return overlap;
}

/* The datagram as one IP packet; NULL when out of memory. */
static const uint8_t *rebuild(struct ipfrag *f, struct datagram *d, size_t *len)
{
	size_t n = (size_t)d->hdr_len + d->total;
	struct done *o = malloc(sizeof(*o) + n);
	if (!o)
		return NULL;
	uint8_t *p = o->data;
	memcpy(p, d->hdr, d->hdr_len);
	memcpy(p + d->hdr_len, d->buf, d->total);
	if (d->key.version == 4) {
		p[2] = (uint8_t)(n >> 8);
		p[3] = (uint8_t)n;
		p[6] &= 0x40; /* keep DF; no more fragments, offset 0 */
		p[7] = 0;
	} else {
		size_t plen = n - 40;
		p[4] = (uint8_t)(plen >> 8);
		p[5] = (uint8_t)plen;
	}
	o->next = f->done;
	f->done = o;
	*len = n;
	return p;
}

const uint8_t *ipfrag_add(struct ipfrag *f, const struct frag_key *k, const struct frag_in *in, uint64_t ts,
			  size_t *len)
{
	f->st.fragments++;
	expire(f, ts);
	uint32_t max = k->version == 4 ? MAX_PAYLOAD_V4 : MAX_PAYLOAD_V6;
	uint64_t end = (uint64_t)in->offset + in->len;
	if (end > max || (in->offset == 0 && (in->hdr_len > MAX_HDR || in->hdr_len < (k->version == 4 ? 20u : 40u)))) {
		f->st.invalid++;
		return NULL;
	}
	struct datagram *d = find_or_add(f, k, ts);
	if (!d) {
		f->st.over_limit++;
		return NULL;
	}
	/* a fragment that contradicts a known end: ignored, first wins */
	if (d->have_total && (end > d->total || (!in->more && end != d->total))) {
		f->st.invalid++;
		return NULL;
	}
	if (!in->more) {
		uint32_t last = d->nranges ? d->ranges[d->nranges - 1].end : 0;
		if (end < last) { /* data already seen beyond this "last" fragment */
			f->st.invalid++;
			return NULL;
		}
	}
	if (d->nranges == MAX_RANGES || !grow(f, d, (uint32_t)end, max)) {
		f->st.over_limit++;
		drop(f, d, &f->st.over_limit);
		return NULL;
	}
	d->nfrags++;
	if (in->len && insert(d, in->offset, (uint32_t)end, in->data))
		f->st.overlapping++;
	if (!in->more) {
		d->total = (uint32_t)end;
		d->have_total = true;
	}
	if (in->offset == 0 && d->hdr_len == 0) {
		memcpy(d->hdr, in->hdr, in->hdr_len);
		if (k->version == 6)
			d->hdr[in->nh_off] = in->nh;
		d->hdr_len = (uint16_t)in->hdr_len;
	}
	if (!d->have_total || d->hdr_len == 0 || d->nranges != 1 || d->ranges[0].start != 0 ||
	    d->ranges[0].end != d->total)
		return NULL;
	if ((size_t)d->hdr_len + d->total > (k->version == 4 ? 65535u : 65535u + 40)) { /* its length field cannot say it */
		drop(f, d, &f->st.invalid);
		return NULL;
	}
	const uint8_t *out = rebuild(f, d, len);
	if (out)
		f->st.datagrams++;
	else
		f->st.over_limit += d->nfrags;
	unlink_entry(f, d);
	return out;
}
