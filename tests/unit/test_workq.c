/* Unit tests for the worker queue: jobs run once each, in push order, and
 * the job and byte caps never stall the pusher (a stall would trip the
 * alarm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "workq.h"

struct log {
	size_t n;
	int order[5000];
};

static void record(void *ctx, void *job)
{
	struct log *l = ctx;
	int *j = job;
	l->order[l->n++] = *j; /* only the worker writes: no lock needed */
	free(j);
}

static void push_n(struct workq *q, int from, int count, size_t bytes)
{
	for (int i = from; i < from + count; i++) {
		int *j = malloc(sizeof(*j));
		assert_non_null(j);
		*j = i;
		workq_push(q, j, bytes);
	}
}

static void check_order(const struct log *l, size_t n)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(l->order[i], (int)i);
}

static void test_order_and_drain(void **state)
{
	(void)state;
	struct log *l = calloc(1, sizeof(*l));
	struct workq *q = workq_new(record, l, 4, 1u << 20);
	assert_non_null(q);
	push_n(q, 0, 3, 10); /* fewer than a wake-up batch: drain must still run them */
	workq_drain(q);
	check_order(l, 3);
	push_n(q, 3, 997, 10);
	workq_drain(q);
	check_order(l, 1000);
	workq_drain(q); /* nothing pending: returns at once */
	workq_free(q);
	free(l);
}

static void test_byte_cap(void **state)
{
	(void)state;
	struct log *l = calloc(1, sizeof(*l));
	/* room for many jobs but few bytes: the byte cap is what blocks */
	struct workq *q = workq_new(record, l, 512, 100);
	assert_non_null(q);
	push_n(q, 0, 2000, 60);
	push_n(q, 2000, 5, 1000); /* each larger than the cap: goes alone */
	workq_drain(q);
	check_order(l, 2005);
	workq_free(q);
	free(l);
}

static void test_free_runs_what_is_left(void **state)
{
	(void)state;
	struct log *l = calloc(1, sizeof(*l));
	struct workq *q = workq_new(record, l, 64, 1u << 20);
	push_n(q, 0, 10, 1);
	workq_free(q);
	check_order(l, 10);
	free(l);
}

int main(void)
{
	alarm(20);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_drain),
		cmocka_unit_test(test_byte_cap),
		cmocka_unit_test(test_free_runs_what_is_left),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
