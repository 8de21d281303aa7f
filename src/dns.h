/* \summary: DNS responses (RFC 1035, RFC 3596) feeding an address -> name
 * cache, so that a flow with neither SNI nor Host still gets the name the app
 * looked up for its server address.
 */
#ifndef PA_DNS_H
#define PA_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct strtab;
struct dns_cache;

#define DNS_CACHE_MAX 262144

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

/* Reads the question name of a DNS message into out (dotted, lower case).
 * Returns its length, or -1 when malformed.  Exposed for tests and fuzzing. */
int dns_question_name(const uint8_t *msg, size_t len, char *out, size_t out_len);

#endif
