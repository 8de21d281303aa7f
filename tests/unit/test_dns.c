/* Unit tests for DNS response parsing and the address -> name cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"
#include "strtab.h"

/* Response for api.example.com: CNAME edge.example.net, A 203.0.113.10. */
static const uint8_t response[] = {
	0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
	3, 'a', 'p', 'i', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
	0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 60, 0, 18,
	4, 'e', 'd', 'g', 'e', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0,
	0xc0, 0x2d, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 203, 0, 113, 10,
};

static struct ip_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct ip_addr x = { { 0 } };
	x.b[10] = x.b[11] = 0xff;
	x.b[12] = a;
	x.b[13] = b;
	x.b[14] = c;
	x.b[15] = d;
	return x;
}

static void test_learn_and_lookup(void **state)
{
	struct strtab *names = strtab_new();
	struct dns_cache *c = dns_cache_new(names);
	assert_int_equal(dns_cache_learn(c, response, sizeof(response)), 1);
	struct ip_addr a = v4(203, 0, 113, 10);
	assert_string_equal(dns_cache_lookup(c, &a), "api.example.com");
	struct ip_addr other = v4(203, 0, 113, 11);
	assert_null(dns_cache_lookup(c, &other));
	char name[256];
	assert_int_equal(dns_question_name(response, sizeof(response), name, sizeof(name)), 15);
	assert_string_equal(name, "api.example.com");
	dns_cache_free(c);
	strtab_free(names);
}

static void test_queries_and_errors_are_ignored(void **state)
{
	struct strtab *names = strtab_new();
	struct dns_cache *c = dns_cache_new(names);
	uint8_t q[sizeof(response)];
	memcpy(q, response, sizeof(q));
	q[2] = 0x01; /* a query, not a response */
	assert_int_equal(dns_cache_learn(c, q, sizeof(q)), 0);
	memcpy(q, response, sizeof(q));
	q[3] = 0x83; /* NXDOMAIN */
	assert_int_equal(dns_cache_learn(c, q, sizeof(q)), 0);
	/* every truncation is handled without reading past the end */
	for (size_t n = 0; n < sizeof(response); n++)
		dns_cache_learn(c, response, n);
	/* a compression pointer loop */
	uint8_t loop[] = { 0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1 };
	assert_int_equal(dns_cache_learn(c, loop, sizeof(loop)), -1);
	char name[8];
	assert_int_equal(dns_question_name(response, sizeof(response), name, sizeof(name)), -1);
	dns_cache_free(c);
	strtab_free(names);
}

static void test_many_entries_grow(void **state)
{
	struct strtab *names = strtab_new();
	struct dns_cache *c = dns_cache_new(names);
	uint8_t r[sizeof(response)];
	for (int i = 0; i < 3000; i++) {
		memcpy(r, response, sizeof(r));
		r[sizeof(r) - 2] = (uint8_t)(i >> 8);
		r[sizeof(r) - 1] = (uint8_t)i;
		assert_int_equal(dns_cache_learn(c, r, sizeof(r)), 1);
	}
	struct ip_addr a = v4(203, 0, 11, 0xb7); /* i = 2999 = 0x0bb7 */
	assert_string_equal(dns_cache_lookup(c, &a), "api.example.com");
	dns_cache_free(c);
	strtab_free(names);
}

static void test_parse(void **state)
{
	struct dns_message m;
	assert_int_equal(dns_parse(response, sizeof(response), &m), 1);
	assert_int_equal(m.id, 0x1234);
	assert_true(m.response);
	assert_string_equal(m.qname, "api.example.com");
	struct ip_addr a = v4(203, 0, 113, 10);
	assert_memory_equal(&m.addrs[0], &a, sizeof(a));
	/* the query: id and name, no addresses */
	uint8_t q[sizeof(response)];
	memcpy(q, response, sizeof(q));
	q[2] = 0x01;
	q[3] = 0x00;
	assert_int_equal(dns_parse(q, 33, &m), 0);
	assert_false(m.response);
	assert_int_equal(m.id, 0x1234);
	assert_string_equal(m.qname, "api.example.com");
	/* NXDOMAIN: the name, no addresses */
	memcpy(q, response, sizeof(q));
	q[3] = 0x83;
	assert_int_equal(dns_parse(q, sizeof(q), &m), 0);
	assert_int_equal(m.rcode, 3);
	/* the A record cut short: the CNAME alone gives no address */
	assert_int_equal(dns_parse(response, sizeof(response) - 1, &m), 0);
	/* a damaged question */
	assert_int_equal(dns_parse(response, 20, &m), -1);
	assert_string_equal(m.qname, "");
	for (size_t n = 0; n < sizeof(response); n++)
		assert_true(dns_parse(response, n, &m) <= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_and_lookup),
		cmocka_unit_test(test_queries_and_errors_are_ignored),
		cmocka_unit_test(test_many_entries_grow),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
