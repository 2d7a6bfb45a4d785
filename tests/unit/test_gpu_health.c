// SPDX-License-Identifier: MIT
/*
 * Unit tests of dom0-worker/exec/cuda/gpu_health.c: what is evidence of a
 * lost GPU and what is one VM's own fault, the probes' back-off, recovery.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dom0-worker/exec/cuda/gpu_health.h"

#define MS 1000000ull
#define T0 (1000 * MS)

static void test_device_errors(void **state)
{
	(void)state;
	/* The device's: no device, unavailable, not ready, ECC, unknown. */
	assert_true(gpu_health_device_error(100));
	assert_true(gpu_health_device_error(46));
	assert_true(gpu_health_device_error(802));
	assert_true(gpu_health_device_error(214));
	assert_true(gpu_health_device_error(999));
	assert_true(gpu_health_device_error(101));
	assert_true(gpu_health_device_error(4));
	/* A context's: illegal address, launch failed, timeout, OOM, none. */
	assert_false(gpu_health_device_error(700));
	assert_false(gpu_health_device_error(719));
	assert_false(gpu_health_device_error(702));
	assert_false(gpu_health_device_error(2));
	assert_false(gpu_health_device_error(0));
	assert_false(gpu_health_device_error(-1));
}

static void test_device_error_is_a_loss(void **state)
{
	struct gpu_health h;

	(void)state;
	gpu_health_init(&h, T0);
	assert_true(gpu_health_ok(&h));
	assert_string_equal(gpu_state_name(h.state), "ok");
	/* One VM's process, alone of 8, reports a device error: lost. */
	assert_int_equal(gpu_health_exec_failed(&h, T0 + MS, 7, 999, 8), 1);
	assert_int_equal(h.state, GPU_LOST);
	assert_string_equal(gpu_state_name(h.state), "lost");
	assert_int_equal(h.since_ns, T0 + MS);
	assert_int_equal(h.last_error, 999);
	assert_int_equal(h.losses, 1);
	/* Once lost, more evidence changes nothing. */
	assert_int_equal(gpu_health_lost(&h, T0 + 2 * MS, 46, "again"), 0);
	assert_int_equal(h.losses, 1);
	assert_int_equal(h.last_error, 999);
}

static void test_one_vm_is_not_the_gpu(void **state)
{
	struct gpu_health h;

	(void)state;
	gpu_health_init(&h, T0);
	/* One VM's process crashes again and again: its own problem. */
	for (int i = 0; i < 20; i++)
		assert_int_equal(gpu_health_exec_failed(&h, T0 + (uint64_t)i * MS,
							3, 0, 2), 0);
	assert_true(gpu_health_ok(&h));
	/* A context too many for the memory, from several VMs: not a loss. */
	for (uint32_t k = 0; k < 8; k++)
		assert_int_equal(gpu_health_exec_failed(&h, T0 + 30 * MS, k, 2, 8), 0);
	assert_true(gpu_health_ok(&h));
}

static void test_spread(void **state)
{
	struct gpu_health h;

	(void)state;
	gpu_health_init(&h, T0);
	/* 2 of 8 VMs within the window: not half of them. */
	assert_int_equal(gpu_health_exec_failed(&h, T0, 1, 0, 8), 0);
	assert_int_equal(gpu_health_exec_failed(&h, T0 + MS, 2, 0, 8), 0);
	assert_int_equal(gpu_health_exec_failed(&h, T0 + 2 * MS, 3, 0, 8), 0);
	assert_true(gpu_health_ok(&h));
	/* The fourth of eight within the window: half, lost. */
	assert_int_equal(gpu_health_exec_failed(&h, T0 + 3 * MS, 4, 0, 8), 1);
	assert_int_equal(h.state, GPU_LOST);
	assert_int_equal(h.last_error, 0);
}

static void test_spread_window(void **state)
{
	struct gpu_health h;

	(void)state;
	gpu_health_init(&h, T0);
	/* Two VMs of two, but further apart than the window: no loss. */
	assert_int_equal(gpu_health_exec_failed(&h, T0, 1, 0, 2), 0);
	assert_int_equal(gpu_health_exec_failed(&h, T0 + GPU_HEALTH_WINDOW_NS,
						 2, 0, 2), 0);
	assert_true(gpu_health_ok(&h));
	/* Within it: lost (a VM and the spares, say). */
	assert_int_equal(gpu_health_exec_failed(&h, T0 + GPU_HEALTH_WINDOW_NS + MS,
						 GPU_HEALTH_KEY_SPARE, 0, 2), 1);
	assert_int_equal(h.state, GPU_LOST);
}

static void test_probe_backoff_and_recovery(void **state)
{
	struct gpu_health h;
	uint64_t t = T0, want = 0;

	(void)state;
	gpu_health_init(&h, T0);
	assert_int_equal(gpu_health_next_ns(&h), UINT64_MAX);
	assert_int_equal(gpu_health_probe_due(&h, t), 0);	/* OK: no probe */
	gpu_health_lost(&h, t, 100, "test");
	/* The first probe at once. */
	assert_int_equal(gpu_health_next_ns(&h), t);
	assert_int_equal(gpu_health_probe_due(&h, t), 1);
	assert_int_equal(h.state, GPU_PROBING);
	assert_string_equal(gpu_state_name(h.state), "probing");
	assert_int_equal(gpu_health_probe_due(&h, t), 0);	/* one at a time */
	/* Each failure doubles the wait, up to the maximum. */
	for (int i = 0; i < 12; i++) {
		gpu_health_probe_done(&h, t, 0, 100, "no device");
		assert_int_equal(h.state, GPU_LOST);
		want = GPU_HEALTH_PROBE_MIN_NS << (i < 10 ? i : 10);
		if (want > GPU_HEALTH_PROBE_MAX_NS)
			want = GPU_HEALTH_PROBE_MAX_NS;
		assert_int_equal(gpu_health_next_ns(&h), t + want);
		assert_int_equal(gpu_health_probe_due(&h, t + want - 1), 0);
		t += want;
		assert_int_equal(gpu_health_probe_due(&h, t), 1);
	}
	assert_int_equal(want, GPU_HEALTH_PROBE_MAX_NS);
	assert_int_equal(h.probes, 13);
	assert_int_equal(h.probes_failed, 12);
	assert_int_equal(h.since_ns, T0);	/* not OK since the loss */
	assert_string_equal(h.last_why, "no device");
	gpu_health_probe_done(&h, t + MS, 1, 0, NULL);
	assert_true(gpu_health_ok(&h));
	assert_int_equal(h.since_ns, t + MS);
	assert_int_equal(gpu_health_next_ns(&h), UINT64_MAX);
	/* A loss long after the recovery starts the back-off over: at once. */
	t += MS + GPU_HEALTH_STABLE_NS;
	gpu_health_lost(&h, t, 999, "again");
	assert_int_equal(h.losses, 2);
	assert_int_equal(gpu_health_probe_due(&h, t), 1);
}

/* A GPU that fails again as soon as it is back: no restart loop. */
static void test_relapse_backs_off(void **state)
{
	struct gpu_health h;
	uint64_t t = T0;

	(void)state;
	gpu_health_init(&h, T0);
	for (uint32_t i = 0; i < 14; i++) {
		uint64_t want = i ? GPU_HEALTH_PROBE_MIN_NS << (i - 1 < 10 ? i - 1 : 10) : 0;

		if (want > GPU_HEALTH_PROBE_MAX_NS)
			want = GPU_HEALTH_PROBE_MAX_NS;
		assert_int_equal(gpu_health_lost(&h, t, 999, "relapse"), 1);
		assert_int_equal(gpu_health_next_ns(&h), t + want);
		t += want;
		assert_int_equal(gpu_health_probe_due(&h, t), 1);
		gpu_health_probe_done(&h, t, 1, 0, NULL);	/* back ... */
		t += MS;					/* ... and lost at once */
	}
	/* Stable for long enough: the next loss is probed at once. */
	t += GPU_HEALTH_STABLE_NS;
	gpu_health_lost(&h, t, 999, "later");
	assert_int_equal(gpu_health_next_ns(&h), t);
}

static void test_recovery_forgets_evidence(void **state)
{
	struct gpu_health h;

	(void)state;
	gpu_health_init(&h, T0);
	assert_int_equal(gpu_health_exec_failed(&h, T0, 1, 0, 4), 0);
	gpu_health_lost(&h, T0 + MS, 999, "x");
	assert_int_equal(gpu_health_probe_due(&h, T0 + MS), 1);
	gpu_health_probe_done(&h, T0 + 2 * MS, 1, 0, NULL);
	/* A single failure after the recovery is not the second of two. */
	assert_int_equal(gpu_health_exec_failed(&h, T0 + 3 * MS, 2, 0, 2), 0);
	assert_true(gpu_health_ok(&h));
	/* Evidence while lost is not counted. */
	gpu_health_lost(&h, T0 + 4 * MS, 999, "y");
	assert_int_equal(gpu_health_exec_failed(&h, T0 + 5 * MS, 3, 999, 2), 0);
	assert_int_equal(h.losses, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_errors),
		cmocka_unit_test(test_device_error_is_a_loss),
		cmocka_unit_test(test_one_vm_is_not_the_gpu),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_spread_window),
		cmocka_unit_test(test_probe_backoff_and_recovery),
		cmocka_unit_test(test_recovery_forgets_evidence),
		cmocka_unit_test(test_relapse_backs_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
