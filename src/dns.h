/* \summary: DNS responses (RFC 1035, RFC 3596) feeding an address -> name
 * cache, so that a flow with neither SNI nor Host still gets the name the app
 * looked up for its server address.
 */
#ifndef PA_DNS_H
#define PA_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct strtab;
struct dns_cache;

#define DNS_CACHE_MAX 262144
#define DNS_MAX_NAME_LEN 256 /* a dotted name's characters */
#define DNS_MAX_ANSWERS 64   /* resource records looked at per answer */

struct dns_cache *dns_cache_new(struct strtab *names);
void dns_cache_free(struct dns_cache *c);
/* Forgets every name (each capture is audited on its own). */
void dns_cache_clear(struct dns_cache *c);

/* Parses a DNS message; for a response, records every A/AAAA answer under
 * the question's name (the name the app asked for, not the CNAME target).
 * Returns the number of addresses recorded (0 for a query or an answer
 * without addresses), or -1 when malformed. */
int dns_cache_learn(struct dns_cache *c, const uint8_t *msg, size_t len);
/* The last name learnt for addr, or NULL. */
const char *dns_cache_lookup(const struct dns_cache *c, const struct ip_addr *addr);
/* Answers not recorded because the cache held DNS_CACHE_MAX addresses
 * (since it was created or last cleared). */
uint64_t dns_cache_dropped(const struct dns_cache *c);

/* One DNS message as carving needs it: a query or an answer for one name,
 * and the addresses an answer gives for it. */
struct dns_message {
	uint16_t id;
	bool response;
	uint8_t rcode;
	char qname[DNS_MAX_NAME_LEN + 1]; /* dotted, lower case; "" unless one question */
	size_t naddrs;
	struct ip_addr addrs[DNS_MAX_ANSWERS]; /* A/AAAA answers of class IN, in order */
};
/* Parses the header, the question (when there is exactly one) and, for an
 * answer with RCODE 0, its A/AAAA records (the first DNS_MAX_ANSWERS
 * records are looked at).  Returns the number of addresses (0 for a query),
 * or -1 when the header or question is malformed; answers cut short keep
 * the addresses read before the damage. */
int dns_parse(const uint8_t *msg, size_t len, struct dns_message *m);

/* Reads the question name of a DNS message into out (dotted, lower case).
 * Returns its length, or -1 when malformed.  Exposed for tests and fuzzing. */
int dns_question_name(const uint8_t *msg, size_t len, char *out, size_t out_len);

#endif
