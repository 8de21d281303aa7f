/* Unit tests for the flow record store: records put in any order come back
 * by id and in id order, holes are skipped, more records than the write
 * buffer holds survive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "flowstore.h"

static struct flow_record rec(uint32_t id)
{
	struct flow_record r;
	memset(&r, 0, sizeof(r));
	r.id = id;
	r.packets = id * 10;
	r.host = "api.example.com";
	return r;
}

static void test_get_and_iterate(void **state)
{
	(void)state;
	struct flow_store *s = flow_store_new();
	assert_non_null(s);
	/* flows end out of id order; ids 2, 5 and 3000 never end */
	static const uint32_t ids[] = { 4, 1, 3, 6, 2999, 7 };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct flow_record r = rec(ids[i]);
		assert_int_equal(flow_store_put(s, &r), 0);
	}
	for (uint32_t id = 8; id < 2999; id++) { /* past the write-behind buffer */
		struct flow_record r = rec(id);
		assert_int_equal(flow_store_put(s, &r), 0);
	}
	assert_int_equal(flow_store_max_id(s), 2999);
	struct flow_record r;
	assert_true(flow_store_get(s, 3, &r));
	assert_int_equal(r.packets, 30);
	assert_string_equal(r.host, "api.example.com");
	assert_false(flow_store_get(s, 2, &r));
	assert_false(flow_store_get(s, 5, &r));
	assert_false(flow_store_get(s, 0, &r));
	assert_false(flow_store_get(s, 3000, &r));
	struct flow_iter it;
	flow_iter_init(&it, s);
	uint32_t want = 1, n = 0;
	for (const struct flow_record *x; (x = flow_iter_next(&it));) {
		while (want == 2 || want == 5)
			want++;
		assert_int_equal(x->id, want);
		assert_int_equal(x->packets, (uint64_t)want * 10);
		want++;
		n++;
	}
	flow_iter_end(&it);
	assert_int_equal(n, 2997);
	/* a record put after reading is still found */
	r = rec(5);
	flow_store_put(s, &r);
	assert_true(flow_store_get(s, 5, &r));
	assert_false(flow_store_failed(s));
	flow_store_free(s);
}

static void test_empty(void **state)
{
	(void)state;
	struct flow_store *s = flow_store_new();
	struct flow_iter it;
	flow_iter_init(&it, s);
	assert_null(flow_iter_next(&it));
	flow_iter_end(&it);
	struct flow_record r;
	assert_false(flow_store_get(s, 1, &r));
	flow_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_and_iterate),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
