// SPDX-License-Identifier: MIT
/* Unit tests of lib/percentile.c: nearest-rank percentiles. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/percentile.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_rank_small_sets(void **state)
{
	(void)state;
	/* Five samples: p5 and p20 are rank 1, p30..p40 rank 2, p50 rank 3. */
	assert_int_equal(percentile_rank(5, 500), 1);
	assert_int_equal(percentile_rank(5, 2000), 1);
	assert_int_equal(percentile_rank(5, 2001), 2);
	assert_int_equal(percentile_rank(5, 3000), 2);
	assert_int_equal(percentile_rank(5, 4000), 2);
	assert_int_equal(percentile_rank(5, 5000), 3);
	assert_int_equal(percentile_rank(5, 10000), 5);
	/* One sample is every percentile. */
	assert_int_equal(percentile_rank(1, 0), 1);
	assert_int_equal(percentile_rank(1, 1), 1);
	assert_int_equal(percentile_rank(1, 10000), 1);
}

static void test_rank_is_exact(void **state)
{
	(void)state;
	/* 0.95 * 20 is 19.000000000000004 in doubles: ceil would give 20. */
	assert_int_equal(percentile_rank(20, PERCENTILE_P95), 19);
	assert_int_equal(percentile_rank(100, PERCENTILE_P50), 50);
	assert_int_equal(percentile_rank(100, PERCENTILE_P95), 95);
	assert_int_equal(percentile_rank(100, PERCENTILE_P99), 99);
	assert_int_equal(percentile_rank(1000, 9990), 999);
	assert_int_equal(percentile_rank(1001, 9990), 1000);
}

static void test_rank_out_of_range(void **state)
{
	(void)state;
	assert_int_equal(percentile_rank(0, 5000), 0);
	assert_int_equal(percentile_rank(10, 10001), 0);
	assert_int_equal(percentile_rank(10, ~0u), 0);
	/* p0 is the minimum. */
	assert_int_equal(percentile_rank(10, 0), 1);
}

static void test_rank_huge_n_does_not_overflow(void **state)
{
	(void)state;
	assert_true(percentile_rank(SIZE_MAX, 10000) == SIZE_MAX);
	/* ceil((2^64 - 1) / 2) = 2^63 */
	assert_true(percentile_rank(SIZE_MAX, 5000) == SIZE_MAX / 2 + 1);
	assert_true(percentile_rank(SIZE_MAX, 1) == SIZE_MAX / 10000 + 1);
	assert_true(percentile_rank(SIZE_MAX - 1, 9999) <= SIZE_MAX - 1);
}

/* The definition: the smallest rank k with k / n >= bp / 10000. */
static void test_rank_matches_definition(void **state)
{
	size_t n, k;
	unsigned int bp;

	(void)state;
	for (n = 1; n <= 400; n++) {
		size_t prev = 1;

		for (bp = 1; bp <= PERCENTILE_BP_MAX; bp++) {
			k = percentile_rank(n, bp);
			assert_true(k >= 1 && k <= n);
			assert_true(k * PERCENTILE_BP_MAX >= n * bp);
			assert_true((k - 1) * PERCENTILE_BP_MAX < n * bp);
			assert_true(k >= prev);
			prev = k;
		}
	}
}

static void test_of_sorted(void **state)
{
	static const uint64_t a[] = { 15, 20, 35, 40, 50 };
	static const uint64_t b[] = { 3, 6, 7, 8, 8, 10, 13, 15, 16, 20 };
	uint64_t v = 0;

	(void)state;
	assert_int_equal(percentile_of_sorted(a, 5, 500, &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(percentile_of_sorted(a, 5, 3000, &v), 0);
	assert_int_equal(v, 20);
	assert_int_equal(percentile_of_sorted(a, 5, 4000, &v), 0);
	assert_int_equal(v, 20);
	assert_int_equal(percentile_of_sorted(a, 5, 5000, &v), 0);
	assert_int_equal(v, 35);
	assert_int_equal(percentile_of_sorted(a, 5, 10000, &v), 0);
	assert_int_equal(v, 50);

	assert_int_equal(percentile_of_sorted(b, 10, 2500, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(percentile_of_sorted(b, 10, 5000, &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(percentile_of_sorted(b, 10, 7500, &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(percentile_of_sorted(b, 10, 10000, &v), 0);
	assert_int_equal(v, 20);
}

static void test_of_sorted_invalid(void **state)
{
	static const uint64_t a[] = { 1, 2 };
	uint64_t v = 42;

	(void)state;
	assert_int_equal(percentile_of_sorted(a, 0, 5000, &v), -EINVAL);
	assert_int_equal(percentile_of_sorted(a, 2, 10001, &v), -EINVAL);
	assert_int_equal(percentile_of_sorted(NULL, 2, 5000, &v), -EINVAL);
	assert_int_equal(percentile_of_sorted(a, 2, 5000, NULL), -EINVAL);
	assert_int_equal(v, 42);
}

static void test_summarize_unsorted_input_kept(void **state)
{
	uint64_t in[1000], copy[1000];
	struct percentile_summary s;
	size_t i;

	(void)state;
	/* 1..1000 in a scrambled order (7 is coprime with 1000). */
	for (i = 0; i < ARRAY_SIZE(in); i++)
		in[i] = (i * 7 % 1000) + 1;
	memcpy(copy, in, sizeof(in));

	assert_int_equal(percentile_summarize(in, ARRAY_SIZE(in), &s), 0);
	assert_int_equal(s.count, 1000);
	assert_int_equal(s.min, 1);
	assert_int_equal(s.p50, 500);
	assert_int_equal(s.p95, 950);
	assert_int_equal(s.p99, 990);
	assert_int_equal(s.max, 1000);
	assert_memory_equal(in, copy, sizeof(in));
}

static void test_summarize_duplicates_and_extremes(void **state)
{
	/* A comparator that subtracts would misorder these. */
	static const uint64_t in[] = {
		UINT64_MAX, 0, 5, UINT64_MAX - 1, 5, 5, 1ull << 63, 5, 5, 5,
	};
	struct percentile_summary s;

	(void)state;
	assert_int_equal(percentile_summarize(in, ARRAY_SIZE(in), &s), 0);
	assert_int_equal(s.count, 10);
	assert_true(s.min == 0);
	/* sorted: 0 5 5 5 5 5 5 2^63 2^64-2 2^64-1 */
	assert_true(s.p50 == 5);
	assert_true(s.p95 == UINT64_MAX);
	assert_true(s.p99 == UINT64_MAX);
	assert_true(s.max == UINT64_MAX);
}

static void test_summarize_few_samples(void **state)
{
	static const uint64_t one[] = { 1234 };
	static const uint64_t two[] = { 9, 3 };
	struct percentile_summary s;

	(void)state;
	assert_int_equal(percentile_summarize(one, 1, &s), 0);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.min, 1234);
	assert_int_equal(s.p50, 1234);
	assert_int_equal(s.p99, 1234);
	assert_int_equal(s.max, 1234);

	assert_int_equal(percentile_summarize(two, 2, &s), 0);
	assert_int_equal(s.p50, 3);
	assert_int_equal(s.p95, 9);
}

static void test_summarize_empty_and_invalid(void **state)
{
	static const uint64_t a[] = { 1 };
	struct percentile_summary s;

	(void)state;
	memset(&s, 0xff, sizeof(s));
	assert_int_equal(percentile_summarize(NULL, 0, &s), 0);
	assert_int_equal(s.count, 0);
	assert_int_equal(s.min, 0);
	assert_int_equal(s.p99, 0);
	assert_int_equal(s.max, 0);
	assert_int_equal(percentile_summarize(NULL, 3, &s), -EINVAL);
	assert_int_equal(percentile_summarize(a, 1, NULL), -EINVAL);
}

static void test_sort(void **state)
{
	uint64_t v[] = { 3, UINT64_MAX, 0, 2, 2, 1 };
	static const uint64_t want[] = { 0, 1, 2, 2, 3, UINT64_MAX };

	(void)state;
	percentile_sort(v, ARRAY_SIZE(v));
	assert_memory_equal(v, want, sizeof(want));
	percentile_sort(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_small_sets),
		cmocka_unit_test(test_rank_is_exact),
		cmocka_unit_test(test_rank_out_of_range),
		cmocka_unit_test(test_rank_huge_n_does_not_overflow),
		cmocka_unit_test(test_rank_matches_definition),
		cmocka_unit_test(test_of_sorted),
		cmocka_unit_test(test_of_sorted_invalid),
		cmocka_unit_test(test_summarize_unsorted_input_kept),
		cmocka_unit_test(test_summarize_duplicates_and_extremes),
		cmocka_unit_test(test_summarize_few_samples),
		cmocka_unit_test(test_summarize_empty_and_invalid),
		cmocka_unit_test(test_sort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
