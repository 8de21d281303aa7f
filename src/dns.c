/* \summary: DNS response parsing and the address -> name cache (see dns.h).
 *
 *   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *  | ID | QR Opcode AA TC RD RA Z RCODE | QDCOUNT | ANCOUNT | NSCOUNT | ARCOUNT |
 *  then questions (name, type, class) and resource records
 *  (name, type, class, ttl, rdlength, rdata).
 */
#include "dns.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "strtab.h"

#define DNS_MAX_NAME 255
#define DNS_MAX_POINTERS 16

struct dns_slot {
	struct ip_addr addr;
	const char *name; /* NULL = empty */
};

struct dns_cache {
	struct strtab *names;
	struct dns_slot *slots; /* open addressing, power of two */
	size_t nslots, count;
	uint64_t dropped; /* answers refused at the cap */
};

struct dns_cache *dns_cache_new(struct strtab *names)
{
	struct dns_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->names = names;
	c->nslots = 1024;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	return c;
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

void dns_cache_clear(struct dns_cache *c)
{
	memset(c->slots, 0, c->nslots * sizeof(*c->slots));
	c->count = 0;
	c->dropped = 0;
}

static size_t addr_hash(const struct ip_addr *a)
{
	uint64_t h = 1469598103934665603ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static struct dns_slot *find_slot(struct dns_slot *slots, size_t n, const struct ip_addr *a)
{
	size_t i = addr_hash(a) & (n - 1);
	while (slots[i].name && memcmp(&slots[i].addr, a, sizeof(*a)) != 0)
		i = (i + 1) & (n - 1);
	return &slots[i];
}

static int grow(struct dns_cache *c)
{
	size_t n = c->nslots * 2;
	struct dns_slot *s = calloc(n, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < c->nslots; i++)
		if (c->slots[i].name)
			*find_slot(s, n, &c->slots[i].addr) = c->slots[i];
	free(c->slots);
	c->slots = s;
	c->nslots = n;
	return 0;
}

static void remember(struct dns_cache *c, const struct ip_addr *a, const char *name)
{
	struct dns_slot *s = find_slot(c->slots, c->nslots, a);
	if (s->name) {
		s->name = name; /* the latest answer is what the app would connect to */
		return;
	}
	if (c->count >= DNS_CACHE_MAX) {
		c->dropped++;
		return;
	}
	if ((c->count + 1) * 2 > c->nslots) {
		if (grow(c) < 0)
			return;
		s = find_slot(c->slots, c->nslots, a);
	}
	s->addr = *a;
	s->name = name;
	c->count++;
}

uint64_t dns_cache_dropped(const struct dns_cache *c) { return c->dropped; }

const char *dns_cache_lookup(const struct dns_cache *c, const struct ip_addr *a)
{
	return find_slot(c->slots, c->nslots, a)->name;
}

/* Skips a possibly compressed name at the cursor without decoding it. */
static void skip_name(struct cursor *c)
{
	for (int labels = 0; labels < 128; labels++) {
		uint8_t l = cur_u8(c);
		if (!cur_ok(c) || l == 0)
			return;
		if ((l & 0xc0) == 0xc0) {
			cur_skip(c, 1);
			return;
		}
		if (l & 0xc0) {
			c->err = true;
			return;
		}
		cur_skip(c, l);
	}
	c->err = true;
}

/* Decodes the name at msg[off], following compression pointers. */
static int read_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t out_len)
{
	size_t n = 0;
	int jumps = 0;
	while (off < len) {
		uint8_t l = msg[off];
		if (l == 0) {
			if (n == 0 && out_len > 1) /* the root */
				out[n++] = '.';
			if (n >= out_len)
				return -1;
			out[n] = 0;
			return (int)n;
		}
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++jumps > DNS_MAX_POINTERS)
				return -1;
			off = (size_t)(l & 0x3f) << 8 | msg[off + 1];
			continue;
		}
		if (l & 0xc0 || off + 1 + l > len)
			return -1;
		if (n + (n ? 1 : 0) + l >= out_len || n + l > DNS_MAX_NAME)
			return -1;
		if (n)
			out[n++] = '.';
		for (size_t i = 0; i < l; i++) {
			uint8_t ch = msg[off + 1 + i];
			if (ch < 0x21 || ch > 0x7e) /* names go into reports: keep them printable */
				return -1;
			out[n++] = (char)tolower(ch);
		}
		off += 1 + (size_t)l;
	}
	return -1;
}

int dns_question_name(const uint8_t *msg, size_t len, char *out, size_t out_len)
{
	if (len < 12 || (msg[4] << 8 | msg[5]) == 0)
		return -1;
	return read_name(msg, len, 12, out, out_len);
}

/* Reads up to `an` resource records at the cursor (the first
 * DNS_MAX_ANSWERS), giving each A/AAAA record of class IN to out[].
 * Returns how many; *cut is set when the records end early. */
static size_t read_addrs(struct cursor *cur, unsigned an, struct ip_addr out[DNS_MAX_ANSWERS], bool *cut)
{
	size_t n = 0;
	*cut = false;
	for (unsigned i = 0; i < an && i < DNS_MAX_ANSWERS; i++) {
		skip_name(cur);
		uint16_t type = cur_be16(cur);
		uint16_t cls = cur_be16(cur);
		cur_skip(cur, 4);
		uint16_t rdlen = cur_be16(cur);
		const uint8_t *rd = cur_take(cur, rdlen);
		if (!cur_ok(cur)) {
			*cut = true;
			return n;
		}
		if ((cls & 0x7fff) != 1 || !((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16)))
			continue;
		struct ip_addr *a = &out[n++];
		memset(a, 0, sizeof(*a));
		if (type == 1) {
			a->b[10] = a->b[11] = 0xff;
			memcpy(a->b + 12, rd, 4);
		} else {
			memcpy(a->b, rd, 16);
		}
	}
	return n;
}

int dns_cache_learn(struct dns_cache *c, const uint8_t *msg, size_t len)
{
	struct cursor cur = cur_make(msg, len);
	cur_skip(&cur, 2);
	uint16_t flags = cur_be16(&cur);
	uint16_t qd = cur_be16(&cur), an = cur_be16(&cur);
	cur_skip(&cur, 4);
	if (!cur_ok(&cur) || !(flags & 0x8000) || (flags & 0x000f) != 0 || qd != 1)
		return cur_ok(&cur) ? 0 : -1; /* only answered single-question responses */
	char qname[DNS_MAX_NAME + 2];
	if (read_name(msg, len, 12, qname, sizeof(qname)) < 0)
		return -1;
	skip_name(&cur);
	cur_skip(&cur, 4);
	struct ip_addr addrs[DNS_MAX_ANSWERS];
	bool cut;
	size_t n = read_addrs(&cur, an, addrs, &cut);
	if (cut && n == 0)
		return -1;
	const char *name = n ? strtab_intern(c->names, qname, strlen(qname)) : NULL;
	if (!name)
		return 0;
	for (size_t i = 0; i < n; i++)
		remember(c, &addrs[i], name);
	return (int)n;
}

int dns_parse(const uint8_t *msg, size_t len, struct dns_message *m)
{
	struct cursor cur = cur_make(msg, len);
	m->id = cur_be16(&cur);
	uint16_t flags = cur_be16(&cur);
	uint16_t qd = cur_be16(&cur), an = cur_be16(&cur);
	cur_skip(&cur, 4);
	m->response = flags & 0x8000;
	m->rcode = flags & 0x000f;
	m->qname[0] = 0;
	m->naddrs = 0;
	if (!cur_ok(&cur))
		return -1;
	if (qd != 1)
		return 0;
	if (read_name(msg, len, 12, m->qname, sizeof(m->qname)) < 0) {
		m->qname[0] = 0;
		return -1;
	}
	skip_name(&cur);
	cur_skip(&cur, 4);
	if (!cur_ok(&cur))
		return -1;
	if (!m->response || m->rcode != 0)
		return 0;
	bool cut;
	m->naddrs = read_addrs(&cur, an, m->addrs, &cut);
	return (int)m->naddrs;
}
