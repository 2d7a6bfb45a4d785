// SPDX-License-Identifier: MIT
/*
 * The worker's loop with an asynchronous executor (dom0-worker/loop/worker.c:
 * dispatch, reap, the priority gate, turns, disconnect mid-request), run
 * against the CUDA executor's real processes on the host-memory device
 * (this binary started again with --fake-child), fed by the simulated
 * backend (tests/sim/simbe.c). No copy threads: every copy runs on the
 * thread that turns the loop (the GPU tests run the copy threads).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "dom0-worker/exec/cuda/exec_cuda.h"
#include "worker_env.h"

extern const struct cx_dev_ops cx_fake_ops;

#define N 16

struct env {
	struct exec_cuda_params cp;
	struct worker_env *we;
	struct vgpu_back_vm vm[3];
};

static void tune_free(struct worker_config *cfg)
{
	cfg->prio_share = 0;
	cfg->prio_hold_us = 0;
}

static void tune_turns(struct worker_config *cfg)
{
	tune_free(cfg);
	cfg->turn_quota = 4;
}

static int setup_cfg(void **state, void (*tune)(struct worker_config *))
{
	struct env *e = calloc(1, sizeof(*e));
	struct worker_env_opts o = {
		.tune = tune, .cuda = &e->cp,
		.log_level = getenv("VGPU_TEST_DEBUG") ? VLOG_DEBUG : VLOG_ERROR,
	};

	assert_non_null(e);
	exec_cuda_default_params(&e->cp);
	e->cp.program = "/proc/self/exe";
	e->cp.program_arg = "--fake-child";
	e->cp.copy_threads = 0;
	e->cp.slot_size = 64 * 1024;
	e->cp.nslots = 4;
	e->cp.inline_max = 8192;
	e->cp.request_timeout_ms = 3000;
	e->we = env_create(&o);
	for (int i = 0; i < 3; i++) {
		e->vm[i] = env_vm((uint16_t)(1 + i), 1u + (uint32_t)i, 0,
				  (uint8_t)i);	/* high, medium, low */
		simbe_connect(&e->we->tp, &e->vm[i]);
	}
	assert_true(worker_read(&e->we->w) == 3);
	*state = e;
	return 0;
}

static int setup(void **state)
{
	return setup_cfg(state, tune_free);
}

static int setup_turns(void **state)
{
	return setup_cfg(state, tune_turns);
}

static int teardown(void **state)
{
	struct env *e = *state;

	env_free(e->we);
	free(e);
	return 0;
}

/* Turns the loop by hand until @want completions were written. */
static void run_until(struct env *e, unsigned int want)
{
	for (int i = 0; i < 3000 && simbe_nr_completions(&e->we->tp) < want; i++) {
		struct pollfd p = { .fd = e->we->ex.ops->pollfd(&e->we->ex), .events = POLLIN };

		assert_true(worker_read(&e->we->w) >= 0);
		worker_run_one(&e->we->w);
		poll(&p, 1, 5);
		worker_reap(&e->we->w);
		assert_int_equal(worker_flush(&e->we->w), 0);
	}
	assert_int_equal(simbe_nr_completions(&e->we->tp), want);
}

struct add {
	float v[3 * 64];
	uint64_t handle;
};

static void queue_add(struct env *e, int vm, struct add *a, int k)
{
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_VECTOR_ADD, .data_len = sizeof(a->v),
	};

	for (int i = 0; i < 64; i++) {
		a->v[i] = (float)(k * 100 + i);
		a->v[64 + i] = 1;
		a->v[128 + i] = 0;
	}
	r.u.vector_add.n = 64;
	a->handle = simbe_request(&e->we->tp, &e->vm[vm], &r, a->v);
}

static void check_add(const struct add *a, int k)
{
	for (int i = 0; i < 64; i++)
		assert_true(a->v[128 + i] == (float)(k * 100 + i) + 1);
}

/* Index of @handle's completion, -1 if none. */
static int completion_index(struct env *e, uint64_t handle)
{
	for (unsigned int i = 0; i < simbe_nr_completions(&e->we->tp); i++)
		if (simbe_completion_at(&e->we->tp, i)->c.handle == handle)
			return (int)i;
	return -1;
}

/* Many requests of each VM in flight at once; each VM's in order. */
static void test_async_order(void **state)
{
	struct env *e = *state;
	struct add a[3][N];

	for (int k = 0; k < N; k++)
		for (int vm = 0; vm < 3; vm++)
			queue_add(e, vm, &a[vm][k], k);
	run_until(e, 3 * N);
	for (int vm = 0; vm < 3; vm++) {
		int last = -1;

		for (int k = 0; k < N; k++) {
			const struct simbe_completion *c =
				simbe_completion_of(&e->we->tp, a[vm][k].handle);

			assert_non_null(c);
			assert_int_equal(c->c.status, VGPUIF_RSP_OKAY);
			check_add(&a[vm][k], k);
			assert_true(completion_index(e, a[vm][k].handle) > last);
			last = completion_index(e, a[vm][k].handle);
		}
	}
	assert_int_equal(e->we->w.running, 0);
}

/* Strict priority: queued together, the high VM's all finish first. */
static void test_strict_priority(void **state)
{
	struct env *e = *state;
	struct add a[3][4];
	int last_high = -1, first_other = 1 << 30;

	for (int k = 0; k < 4; k++)
		for (int vm = 2; vm >= 0; vm--)	/* lows arrive first */
			queue_add(e, vm, &a[vm][k], k);
	run_until(e, 12);
	for (int k = 0; k < 4; k++) {
		int hi = completion_index(e, a[0][k].handle);

		if (hi > last_high)
			last_high = hi;
		for (int vm = 1; vm < 3; vm++) {
			int o = completion_index(e, a[vm][k].handle);

			if (o < first_other)
				first_other = o;
			check_add(&a[vm][k], k);
		}
	}
	assert_true(last_high < first_other);
}

/* A VM that goes away with requests in its process: nothing leaks. */
static void test_disconnect_running(void **state)
{
	struct env *e = *state;
	static char img[] = "FAKEMOD";
	char blob[8] = "hang";
	struct vgpu_back_req load = {
		.operation = VGPUIF_OP_MODULE_LOAD, .data_len = 7,
	};
	struct vgpu_back_req launch = {
		.operation = VGPUIF_OP_LAUNCH, .data_len = 8,
	};
	struct vgpu_back_req sync = { .operation = VGPUIF_OP_SYNC };
	struct add a[2];

	simbe_request(&e->we->tp, &e->vm[1], &load, img);
	run_until(e, 1);
	launch.u.launch = (struct vgpuif_launch_args){
		.module = simbe_completion_at(&e->we->tp, 0)->c.ret[0],
		.grid = { 1, 1, 1 }, .block = { 1, 1, 1 }, .name_len = 4,
	};
	simbe_request(&e->we->tp, &e->vm[1], &launch, blob);
	simbe_request(&e->we->tp, &e->vm[1], &sync, NULL);
	queue_add(e, 0, &a[0], 1);
	run_until(e, 3);		/* load, launch, the other VM's add */
	assert_true(e->we->w.running >= 1);	/* the SYNC hangs in its process */
	simbe_disconnect(&e->we->tp, e->vm[1].domid, e->vm[1].devid);
	assert_true(worker_read(&e->we->w) >= 1);
	assert_int_equal(e->we->w.running, 0);
	/* The others go on. */
	queue_add(e, 2, &a[1], 2);
	run_until(e, 5);		/* + the backend's NO_WORKER for the SYNC */
	check_add(&a[1], 2);
}

/*
 * A device that connects and disconnects in a loop: each connect would
 * start an executor process; past the burst they are refused, its
 * requests fail, and the other VMs go on.
 */
static void test_connect_storm(void **state)
{
	struct env *e = *state;
	struct exec_cuda_stats st0, st1;
	struct add a, b;

	exec_cuda_get_stats(&e->we->ex, &st0);
	for (int i = 0; i < 20; i++) {
		simbe_disconnect(&e->we->tp, e->vm[1].domid, e->vm[1].devid);
		simbe_connect(&e->we->tp, &e->vm[1]);
		assert_true(worker_read(&e->we->w) >= 0);
	}
	exec_cuda_get_stats(&e->we->ex, &st1);
	/* Set-up connected it once: connect-burst - 1 more. */
	assert_int_equal(st1.spawns - st0.spawns, e->we->cfg.connect_burst - 1);
	assert_int_equal(e->we->w.stats.refused_connects,
			 20 - (e->we->cfg.connect_burst - 1));
	queue_add(e, 1, &b, 2);
	queue_add(e, 0, &a, 1);
	run_until(e, 2);
	assert_int_not_equal(simbe_completion_of(&e->we->tp, b.handle)->c.status,
			     VGPUIF_RSP_OKAY);
	assert_int_equal(simbe_completion_of(&e->we->tp, a.handle)->c.status,
			 VGPUIF_RSP_OKAY);
	check_add(&a, 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_async_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_order, setup_turns,
						teardown),
		cmocka_unit_test_setup_teardown(test_strict_priority, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_strict_priority, setup_turns,
						teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_running, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_connect_storm, setup, teardown),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
