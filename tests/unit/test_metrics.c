// SPDX-License-Identifier: MIT
/* Unit tests of dom0-worker/sched/metrics.c: counters and the latency window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dom0-worker/sched/metrics.h"
#include <vgpu/vgpuif.h>

#define US 1000ull

static void test_empty(void **state)
{
	struct vm_metrics m;
	struct metrics_summary s;

	(void)state;
	assert_int_equal(metrics_init(&m, 16), 0);
	metrics_summarize(&m, &s);
	assert_int_equal(s.done, 0);
	assert_int_equal(s.samples, 0);
	assert_int_equal(s.p50_us, 0);
	assert_int_equal(s.p99_us, 0);
	assert_int_equal(s.max_us, 0);
	metrics_fini(&m);
}

static void test_percentiles(void **state)
{
	struct vm_metrics m;
	struct metrics_summary s;

	(void)state;
	assert_int_equal(metrics_init(&m, 1000), 0);
	/* 100 samples: 1..100 us, wait 1/4 of each; recorded in reverse. */
	for (int i = 100; i >= 1; i--)
		metrics_record(&m, VGPUIF_RSP_OKAY, (uint64_t)i * US / 4,
			       (uint64_t)i * US - (uint64_t)i * US / 4);
	metrics_record(&m, VGPUIF_RSP_RANGE, 0, 0);
	metrics_reject(&m, VGPUIF_RSP_BUSY);
	metrics_summarize(&m, &s);
	assert_int_equal(s.done, 102);
	assert_int_equal(s.errors, 2);
	assert_int_equal(s.rejected, 1);
	assert_int_equal(s.samples, 101);
	/* Nearest rank over 101 samples {0, 1..100}: rank 51 is 50 us. */
	assert_int_equal(s.p50_us, 50);
	assert_int_equal(s.p95_us, 95);
	assert_int_equal(s.p99_us, 99);
	assert_int_equal(s.max_us, 100);
	/* Means over 101 samples: 1262.5 us waited, 3787.5 us served. */
	assert_int_equal(s.wait_mean_us, 13);
	assert_int_equal(s.service_mean_us, 38);
	metrics_fini(&m);
}

/* Only the last `window` samples count for percentiles; max is all-time. */
static void test_window(void **state)
{
	struct vm_metrics m;
	struct metrics_summary s;

	(void)state;
	assert_int_equal(metrics_init(&m, 10), 0);
	metrics_record(&m, VGPUIF_RSP_OKAY, 0, 5000 * US);
	for (int i = 0; i < 25; i++)
		metrics_record(&m, VGPUIF_RSP_OKAY, 0, 7 * US);
	metrics_summarize(&m, &s);
	assert_int_equal(s.samples, 26);
	assert_int_equal(s.p50_us, 7);
	assert_int_equal(s.p99_us, 7);
	assert_int_equal(s.max_us, 5000);
	metrics_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
