// SPDX-License-Identifier: MIT
/*
 * Unit tests of the per-VM limits: the token bucket and admission of
 * dom0-worker/sched/limits.c on their own, then end to end through the worker
 * with the in-memory backend, the CPU executor and a fake clock: BUSY over
 * max-inflight, RATE_LIMITED with refill, QUOTA on MEM_ALLOC, each a
 * distinct status and a log line; live changes of limits, priority and
 * pool; FIFO within a level across pools; the per-level metrics.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dom0-worker/sched/limits.h"
#include "fake_clock.h"
#include "worker_env.h"

#define SEC	1000000000ull
#define MS	1000000ull

/* ---- the token bucket alone ---- */

static void test_bucket_off(void **state)
{
	struct tbucket b = { 0 };

	(void)state;
	tbucket_set(&b, 0, 0, 0);
	for (int i = 0; i < 1000; i++)
		assert_true(tbucket_take(&b, 0));
}

static void test_bucket_burst_and_refill(void **state)
{
	struct tbucket b = { 0 };
	uint64_t t = 5 * SEC;

	(void)state;
	tbucket_set(&b, 10, 0, t);	/* 10/s, burst 10 */
	for (int i = 0; i < 10; i++)
		assert_true(tbucket_take(&b, t));
	assert_false(tbucket_take(&b, t));
	/* 99 ms: not yet a whole token; 100 ms: one. */
	assert_false(tbucket_take(&b, t + 99 * MS));
	assert_true(tbucket_take(&b, t + 100 * MS));
	assert_false(tbucket_take(&b, t + 100 * MS));
	/* A long idle time refills to the burst, not beyond. */
	t += 3600 * SEC;
	for (int i = 0; i < 10; i++)
		assert_true(tbucket_take(&b, t));
	assert_false(tbucket_take(&b, t));
	/* A clock that goes back adds nothing. */
	assert_false(tbucket_take(&b, t - SEC));
}

static void test_bucket_explicit_burst_and_change(void **state)
{
	struct tbucket b = { 0 };

	(void)state;
	tbucket_set(&b, 1000, 3, 0);
	for (int i = 0; i < 3; i++)
		assert_true(tbucket_take(&b, 0));
	assert_false(tbucket_take(&b, 0));
	/* 1 ms at 1000/s is one token. */
	assert_true(tbucket_take(&b, MS));
	/* Lowering the rate keeps the tokens there are (none now). */
	tbucket_set(&b, 1, 0, MS);
	assert_false(tbucket_take(&b, MS));
	assert_true(tbucket_take(&b, MS + SEC));
	/* Highest rate and burst: no overflow. */
	tbucket_set(&b, UINT32_MAX, UINT32_MAX, 0);
	assert_true(tbucket_take(&b, UINT64_MAX / 2));
	/* Off again: no limit. */
	tbucket_set(&b, 0, 0, 0);
	assert_true(tbucket_take(&b, 0));
}

static void test_admit_order(void **state)
{
	struct tbucket b = { 0 };

	(void)state;
	tbucket_set(&b, 1, 1, 0);
	/* Busy first: a request refused busy costs no token. */
	assert_int_equal(limits_admit(&b, 4, 4, 0), VGPUIF_RSP_BUSY);
	assert_int_equal(limits_admit(&b, 3, 4, 0), VGPUIF_RSP_OKAY);
	assert_int_equal(limits_admit(&b, 0, 0, 0), VGPUIF_RSP_RATE_LIMITED);
	assert_int_equal(limits_admit(&b, 100, 0, SEC), VGPUIF_RSP_OKAY);
}

/* ---- through the worker ---- */

/* The worker at 1000 s on the fake clock, its log from INFO up. */
static struct worker_env *env_new(void (*tune)(struct worker_config *))
{
	const struct worker_env_opts o = { .tune = tune, .log_level = VLOG_INFO };
	struct worker_env *e = env_create(&o);

	fake_now = 1000 * SEC;
	worker_set_clock(&e->w, fake_clock, NULL);
	return e;
}

static int32_t status_of(struct worker_env *e, uint64_t h)
{
	return env_done(e, h)->c.status;
}

static void run_all(struct worker_env *e)
{
	while (worker_run_one(&e->w))
		;
	assert_int_equal(worker_flush(&e->w), 0);
}

/* In flight = admitted and not completed; over max-inflight: BUSY. */
static void test_worker_busy(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm a = env_vm(1, 101, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_vm b = env_vm(2, 102, 0, VGPUIF_PRIO_HIGH);
	uint64_t h[6];
	struct vm *vm;

	(void)state;
	a.max_inflight = 2;
	simbe_connect(&e->tp, &a);
	simbe_connect(&e->tp, &b);
	for (int i = 0; i < 3; i++)
		h[i] = env_nop(e, &a, (uint64_t)i);
	for (int i = 3; i < 6; i++)
		h[i] = env_nop(e, &b, (uint64_t)i);	/* no limit of its own */
	assert_int_equal(worker_read(&e->w), 8);
	assert_int_equal(worker_flush(&e->w), 0);
	assert_int_equal(status_of(e, h[2]), VGPUIF_RSP_BUSY);
	vm = vmtable_find(&e->w.vms, 1, 0);
	assert_int_equal(worker_vm_inflight(vm), 2);
	run_all(e);
	assert_int_equal(status_of(e, h[0]), VGPUIF_RSP_OKAY);
	assert_int_equal(status_of(e, h[1]), VGPUIF_RSP_OKAY);
	for (int i = 3; i < 6; i++)
		assert_int_equal(status_of(e, h[i]), VGPUIF_RSP_OKAY);
	/* Completed: room again. */
	h[0] = env_nop(e, &a, 9);
	assert_int_equal(worker_read(&e->w), 1);
	run_all(e);
	assert_int_equal(status_of(e, h[0]), VGPUIF_RSP_OKAY);
	assert_int_equal(vm->metrics.rejected, 1);
	assert_int_equal(vm->metrics.by_status[metrics_status_index(VGPUIF_RSP_BUSY)], 1);
	assert_int_equal(e->w.stats.refused_busy, 1);
	assert_non_null(strstr(env_log(e), "domid=1 devid=0: 2 requests in flight, max-inflight 2: refused busy"));
	env_free(e);
}

static void default_inflight(struct worker_config *cfg)
{
	cfg->vm_max_inflight = 1;
}

/* The worker's default applies to VMs with max-inflight 0; live change. */
static void test_worker_busy_default_and_live(void **state)
{
	struct worker_env *e = env_new(default_inflight);
	struct vgpu_back_vm a = env_vm(1, 101, 0, VGPUIF_PRIO_LOW);
	uint64_t h[4];

	(void)state;
	simbe_connect(&e->tp, &a);
	h[0] = env_nop(e, &a, 0);
	h[1] = env_nop(e, &a, 1);
	assert_int_equal(worker_read(&e->w), 3);
	run_all(e);
	assert_int_equal(status_of(e, h[0]), VGPUIF_RSP_OKAY);
	assert_int_equal(status_of(e, h[1]), VGPUIF_RSP_BUSY);
	a.max_inflight = 5;
	simbe_config(&e->tp, &a);
	h[2] = env_nop(e, &a, 2);
	h[3] = env_nop(e, &a, 3);
	assert_int_equal(worker_read(&e->w), 3);
	run_all(e);
	assert_int_equal(status_of(e, h[2]), VGPUIF_RSP_OKAY);
	assert_int_equal(status_of(e, h[3]), VGPUIF_RSP_OKAY);
	env_free(e);
}

/* rate-limit 2/s, burst 2: the third at once is refused; refill on time. */
static void test_worker_rate_limited(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm a = env_vm(1, 101, 1, VGPUIF_PRIO_MEDIUM);
	uint64_t h[6];
	struct vm *vm;

	(void)state;
	a.rate_limit = 2;
	simbe_connect(&e->tp, &a);
	for (int i = 0; i < 3; i++)
		h[i] = env_nop(e, &a, (uint64_t)i);
	assert_int_equal(worker_read(&e->w), 4);
	run_all(e);
	assert_int_equal(status_of(e, h[0]), VGPUIF_RSP_OKAY);
	assert_int_equal(status_of(e, h[1]), VGPUIF_RSP_OKAY);
	assert_int_equal(status_of(e, h[2]), VGPUIF_RSP_RATE_LIMITED);
	/* Half a second later: one token back. */
	fake_now += SEC / 2;
	h[3] = env_nop(e, &a, 3);
	h[4] = env_nop(e, &a, 4);
	assert_int_equal(worker_read(&e->w), 2);
	run_all(e);
	assert_int_equal(status_of(e, h[3]), VGPUIF_RSP_OKAY);
	assert_int_equal(status_of(e, h[4]), VGPUIF_RSP_RATE_LIMITED);
	/* Limit removed live. */
	a.rate_limit = 0;
	simbe_config(&e->tp, &a);
	h[5] = env_nop(e, &a, 5);
	assert_int_equal(worker_read(&e->w), 2);
	run_all(e);
	assert_int_equal(status_of(e, h[5]), VGPUIF_RSP_OKAY);
	vm = vmtable_find(&e->w.vms, 1, 0);
	assert_int_equal(vm->metrics.by_status[metrics_status_index(VGPUIF_RSP_RATE_LIMITED)], 2);
	assert_int_equal(e->w.stats.refused_rate, 2);
	assert_non_null(strstr(env_log(e), "domid=1 devid=0: over rate-limit 2/s: refused rate_limited"));
	env_free(e);
}

static uint64_t alloc(struct worker_env *e, const struct vgpu_back_vm *vm,
		      uint64_t size)
{
	struct vgpu_back_req r = { .operation = VGPUIF_OP_MEM_ALLOC,
				   .u.mem.size = size };

	return simbe_request(&e->tp, vm, &r, NULL);
}

/* mem-quota: QUOTA on MEM_ALLOC, distinct from NO_MEMORY; live change. */
static void test_worker_quota(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm a = env_vm(1, 101, 0, VGPUIF_PRIO_HIGH);
	uint64_t h[4];
	struct vm *vm;

	(void)state;
	a.mem_quota = 8192;
	simbe_connect(&e->tp, &a);
	h[0] = alloc(e, &a, 4096);
	h[1] = alloc(e, &a, 8192);	/* 4096 + 8192 > 8192 */
	h[2] = alloc(e, &a, 128 << 20);	/* over the budget too: QUOTA first */
	assert_int_equal(worker_read(&e->w), 4);
	run_all(e);
	assert_int_equal(status_of(e, h[0]), VGPUIF_RSP_OKAY);
	assert_int_equal(status_of(e, h[1]), VGPUIF_RSP_QUOTA);
	assert_int_equal(status_of(e, h[2]), VGPUIF_RSP_QUOTA);
	a.mem_quota = 0;	/* none: the budget (64M) decides */
	simbe_config(&e->tp, &a);
	h[3] = alloc(e, &a, 128 << 20);
	assert_int_equal(worker_read(&e->w), 2);
	run_all(e);
	assert_int_equal(status_of(e, h[3]), VGPUIF_RSP_NO_MEMORY);
	vm = vmtable_find(&e->w.vms, 1, 0);
	assert_int_equal(vm->metrics.by_status[metrics_status_index(VGPUIF_RSP_QUOTA)], 2);
	assert_int_equal(vm->metrics.by_status[metrics_status_index(VGPUIF_RSP_NO_MEMORY)], 1);
	assert_non_null(strstr(env_log(e), "domid=1 devid=0: mem_alloc of 8192 bytes over mem-quota 8192: refused quota"));
	env_free(e);
}

/*
 * Strict order end to end, FIFO within a level across pools A and B, each
 * VM's order, and a CONFIG that moves a VM to another level and pool
 * reorders its queued requests at the next pick.
 */
static void test_worker_order_and_live_prio(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm hi = env_vm(1, 101, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_vm ma = env_vm(2, 102, 0, VGPUIF_PRIO_MEDIUM);
	struct vgpu_back_vm mb = env_vm(3, 103, 1, VGPUIF_PRIO_MEDIUM);
	struct vgpu_back_vm lo = env_vm(4, 104, 1, VGPUIF_PRIO_LOW);
	static const uint16_t want[] = { 1, 1, 3, 2, 3, 2, 4, 4 };
	static const uint16_t want2[] = { 4, 3, 1 };

	(void)state;
	simbe_connect(&e->tp, &lo);
	simbe_connect(&e->tp, &mb);
	simbe_connect(&e->tp, &ma);
	simbe_connect(&e->tp, &hi);
	env_nop(e, &lo, 1);
	env_nop(e, &mb, 1);		/* pool B, arrives before pool A */
	env_nop(e, &ma, 1);
	env_nop(e, &lo, 2);
	env_nop(e, &mb, 2);
	env_nop(e, &hi, 1);
	env_nop(e, &ma, 2);
	env_nop(e, &hi, 2);
	assert_int_equal(worker_read(&e->w), 12);
	run_all(e);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(simbe_completion_at(&e->tp, i)->domid, want[i]);
	/* Each VM's requests complete in issue order (handles grow). */
	for (unsigned int i = 0; i < 8; i++)
		for (unsigned int j = i + 1; j < 8; j++)
			if (simbe_completion_at(&e->tp, j)->domid ==
			    simbe_completion_at(&e->tp, i)->domid)
				assert_true(simbe_completion_at(&e->tp, j)->c.handle >
					    simbe_completion_at(&e->tp, i)->c.handle);
	/* Live: low moves to high (and pool A); the next pick sees it. */
	env_nop(e, &mb, 3);
	env_nop(e, &hi, 3);
	env_nop(e, &lo, 3);
	lo.priority = VGPUIF_PRIO_HIGH;
	lo.pool = 0;
	simbe_config(&e->tp, &lo);
	hi.priority = VGPUIF_PRIO_MEDIUM;
	simbe_config(&e->tp, &hi);
	assert_int_equal(worker_read(&e->w), 5);
	run_all(e);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(simbe_completion_at(&e->tp, 8 + i)->domid, want2[i]);
	assert_int_equal(vmtable_find(&e->w.vms, 4, 0)->ex.cfg.pool, 0);
	/* Per-level metrics count where requests ran. */
	assert_int_equal(e->w.lvl_metrics[VGPUIF_PRIO_HIGH].done, 2 + 1);
	assert_int_equal(e->w.lvl_metrics[VGPUIF_PRIO_MEDIUM].done, 4 + 2);
	assert_int_equal(e->w.lvl_metrics[VGPUIF_PRIO_LOW].done, 2);
	env_free(e);
}

/*
 * Back-pressure accounting: what the backend counts against a VM's
 * max-queued (handed over, not completed) is what the worker counts in
 * flight, at every step; a refusal leaves both.
 */
static void test_backpressure_accounting(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm a = env_vm(1, 101, 0, VGPUIF_PRIO_LOW);
	struct vm *vm;

	(void)state;
	a.max_queued = 3;
	a.max_inflight = 2;
	simbe_connect(&e->tp, &a);
	assert_int_equal(worker_read(&e->w), 1);
	vm = vmtable_find(&e->w.vms, 1, 0);
	for (int i = 0; i < 3; i++)
		env_nop(e, &a, (uint64_t)i);
	assert_int_equal(worker_read(&e->w), 3);
	assert_int_equal(worker_flush(&e->w), 0);	/* the BUSY one */
	assert_int_equal(worker_vm_inflight(vm), 2);
	assert_int_equal(simbe_held(&e->tp), 2);
	assert_int_equal(worker_run_one(&e->w), 1);
	assert_int_equal(worker_flush(&e->w), 0);
	assert_int_equal(worker_vm_inflight(vm), 1);
	assert_int_equal(simbe_held(&e->tp), 1);
	run_all(e);
	assert_int_equal(worker_vm_inflight(vm), 0);
	assert_int_equal(simbe_held(&e->tp), 0);
	env_free(e);
}

static void weighted(struct worker_config *cfg)
{
	cfg->sched_mode = SCHED_WEIGHTED;
}

/* The worker passes its mode on: a low VM gets through a high flood. */
static void test_worker_weighted(void **state)
{
	struct worker_env *e = env_new(weighted);
	struct vgpu_back_vm hi = env_vm(1, 101, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_vm lo = env_vm(2, 102, 1, VGPUIF_PRIO_LOW);
	unsigned int low_at = 0;

	(void)state;
	simbe_connect(&e->tp, &hi);
	simbe_connect(&e->tp, &lo);
	for (int i = 0; i < 20; i++)
		env_nop(e, &hi, (uint64_t)i);
	env_nop(e, &lo, 0);
	assert_int_equal(worker_read(&e->w), 23);
	run_all(e);
	for (unsigned int i = 0; i < 21; i++)
		if (simbe_completion_at(&e->tp, i)->domid == 2)
			low_at = i;
	/* 4:2:1 and medium idle: within the first 5 picks, not last. */
	assert_true(low_at <= 5);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_off),
		cmocka_unit_test(test_bucket_burst_and_refill),
		cmocka_unit_test(test_bucket_explicit_burst_and_change),
		cmocka_unit_test(test_admit_order),
		cmocka_unit_test(test_worker_busy),
		cmocka_unit_test(test_worker_busy_default_and_live),
		cmocka_unit_test(test_worker_rate_limited),
		cmocka_unit_test(test_worker_quota),
		cmocka_unit_test(test_worker_order_and_live_prio),
		cmocka_unit_test(test_worker_weighted),
		cmocka_unit_test(test_backpressure_accounting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
