// SPDX-License-Identifier: MIT
/*
 * The CUDA executor's spare processes (exec-spare): started with no VM,
 * given to a VM that connects or whose process is restarted, replaced,
 * and the pool stopping when spares cannot start. On the fake device
 * (cuda_env.h), this binary run again as the executor process.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "dom0-worker/exec/cuda/exec_cuda.h"
#include "dom0-worker/log.h"
#include "tests/unit/cuda_env.h"

extern const struct cx_dev_ops cx_fake_ops;

static int teardown(void **state)
{
	env_del(*state);
	return 0;
}

static struct exec_cuda_stats stats(struct env *e)
{
	struct exec_cuda_stats st;

	exec_cuda_get_stats(&e->ex, &st);
	return st;
}

/* Lets the executor move on (its reap runs the pool) for @ms. */
static void idle(struct env *e, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		struct pollfd p = { .fd = e->ex.ops->pollfd(&e->ex), .events = POLLIN };

		poll(&p, 1, 10);
		e->ex.ops->reap(&e->ex, NULL, NULL);
	}
}

/* One request the process must answer: a small allocation. */
static int32_t alloc_page(struct env *e)
{
	struct vgpu_back_req r = { .operation = VGPUIF_OP_MEM_ALLOC };

	r.u.mem.size = 4096;
	return env_run(e, 0, &r, NULL, NULL);
}

/* The VM takes a spare at attach; the pool is refilled; the VM is served. */
static void test_spare_taken_and_replaced(void **state)
{
	struct cuda_env_opts o = { .copy_threads = 2, .request_timeout_ms = 2000,
				   .nvm = 1, .spare = 2 };
	struct env *e = env_new(&o);
	struct exec_cuda_stats st;

	*state = e;
	st = stats(e);
	assert_int_equal(st.spares_taken, 1);
	assert_int_equal(st.spawns, 2);		/* the two spares, no other */
	assert_int_equal(alloc_page(e), VGPUIF_RSP_OKAY);
	idle(e, 100);
	st = stats(e);
	assert_int_equal(st.spawns, 3);		/* the one taken, replaced */
	assert_int_equal(st.lost, 0);
}

/* A process that dies is replaced by a spare, which serves at once. */
static void test_restart_takes_spare(void **state)
{
	struct cuda_env_opts o = { .copy_threads = 2, .request_timeout_ms = 2000,
				   .nvm = 1, .spare = 1 };
	struct env *e = env_new(&o);
	int pid;

	*state = e;
	assert_int_equal(alloc_page(e), VGPUIF_RSP_OKAY);
	idle(e, 200);	/* the replacement spare is up */
	pid = exec_cuda_vm_pid(&e->vm[0]);
	assert_true(pid > 0);
	kill(pid, SIGKILL);
	idle(e, 300);
	assert_int_equal(alloc_page(e), VGPUIF_RSP_OKAY);
	assert_true(exec_cuda_vm_pid(&e->vm[0]) != pid);
	assert_int_equal(stats(e).spares_taken, 2);
}

/*
 * A VM that connects when a spare is already up: the executor's poll
 * descriptor wakes the worker's loop at once (the spare's own "ready"
 * doorbell was consumed while it was a spare), and the next reap sees
 * the VM's process ready.
 */
static void test_ready_spare_wakes_loop(void **state)
{
	struct cuda_env_opts o = { .copy_threads = 2, .request_timeout_ms = 2000,
				   .nvm = 1, .spare = 1 };
	struct env *e = env_new(&o);
	/* Static: still valid for the teardown if an assertion fails. */
	static struct exec_vm late = { .cfg = { .domid = 9, .vm_id = 109,
					 .priority = VGPUIF_PRIO_MEDIUM } };
	struct pollfd p = { .events = POLLIN };
	uint64_t ready;

	*state = e;
	assert_int_equal(alloc_page(e), VGPUIF_RSP_OKAY);
	idle(e, 300);	/* the replacement spare is up, its doorbell read */
	ready = stats(e).ready;
	assert_int_equal(e->ex.ops->vm_attach(&e->ex, &late), 0);
	p.fd = e->ex.ops->pollfd(&e->ex);
	assert_int_equal(poll(&p, 1, 0), 1);
	e->ex.ops->reap(&e->ex, NULL, NULL);
	assert_int_equal(stats(e).ready, ready + 1);
	e->ex.ops->vm_detach(&e->ex, &late);
}

/* Spares that cannot start: no spawn loop, and the VM still gets its own. */
static void test_failing_spares_stop(void **state)
{
	struct cuda_env_opts o = { .copy_threads = 2, .request_timeout_ms = 2000,
				   .nvm = 1, .spare = 3,
				   .child = "--fake-child-fail" };
	struct env *e = env_new(&o);
	uint64_t spawns;

	*state = e;
	idle(e, 500);
	spawns = stats(e).spawns;
	idle(e, 500);
	/* 3 spares, the VM's own, its restarts with back-off: no more. */
	assert_true(stats(e).spawns - spawns <= 3);
	assert_int_not_equal(alloc_page(e), VGPUIF_RSP_OKAY);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_spare_taken_and_replaced, teardown),
		cmocka_unit_test_teardown(test_restart_takes_spare, teardown),
		cmocka_unit_test_teardown(test_ready_spare_wakes_loop, teardown),
		cmocka_unit_test_teardown(test_failing_spares_stop, teardown),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	/* A device that answers the probe, then never opens for a process. */
	if (argc > 1 && !strcmp(argv[1], "--fake-child-fail"))
		return argc > 2 && !strcmp(argv[2], "--probe") ?
		       cx_child_main(&cx_fake_ops, argc - 1, argv + 1) : 3;
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	vlog_set_level(getenv("VGPU_TEST_DEBUG") ? VLOG_DEBUG : VLOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
