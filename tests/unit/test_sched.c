// SPDX-License-Identifier: MIT
/* Unit tests of dom0-worker/sched/sched.c: the scheduling policy and its bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dom0-worker/sched/sched.h"
#include "fake_clock.h"
#include "sched_treq.h"

static void init(struct sched *s, uint32_t max, uint32_t vm_max)
{
	struct sched_params p = {
		.mode = SCHED_STRICT,
		.max_queued_all = max,
		.vm_max_queued = vm_max,
		.clock = fake_clock,
	};

	assert_int_equal(sched_init(s, &p), 0);
}

/* Picks one request, checks its VM and number, completes it. */
static void expect_next(struct sched *s, struct sched_vm *vms, int vm, int n)
{
	struct sched_vm *got_vm = NULL;
	struct treq *r = (struct treq *)sched_pick(s, &got_vm);

	assert_non_null(r);
	assert_int_equal(r->vm, vm);
	assert_int_equal(r->n, n);
	assert_ptr_equal(got_vm, &vms[vm]);
	sched_done(s, got_vm);
	free(r);
}

static void test_strict_priority(void **state)
{
	struct sched s;
	struct sched_vm vms[3];

	(void)state;
	init(&s, 100, 10);
	assert_int_equal(sched_vm_add(&s, &vms[0], 2, 0), 0);	/* low */
	assert_int_equal(sched_vm_add(&s, &vms[1], 1, 0), 0);	/* medium */
	assert_int_equal(sched_vm_add(&s, &vms[2], 0, 0), 0);	/* high */
	/* Arrival: low first, high last. */
	assert_int_equal(sched_enqueue(&s, &vms[0], &treq_new(0, 1)->sr), 0);
	assert_int_equal(sched_enqueue(&s, &vms[1], &treq_new(1, 1)->sr), 0);
	assert_int_equal(sched_enqueue(&s, &vms[2], &treq_new(2, 1)->sr), 0);
	assert_int_equal(sched_enqueue(&s, &vms[0], &treq_new(0, 2)->sr), 0);
	assert_int_equal(sched_enqueue(&s, &vms[2], &treq_new(2, 2)->sr), 0);
	assert_int_equal(sched_queued(&s), 5);
	expect_next(&s, vms, 2, 1);
	expect_next(&s, vms, 2, 2);
	expect_next(&s, vms, 1, 1);
	expect_next(&s, vms, 0, 1);
	expect_next(&s, vms, 0, 2);
	assert_null(sched_pick(&s, NULL));
	assert_int_equal(sched_queued(&s), 0);
	sched_fini(&s);
}

/* A high request that arrives while low ones wait overtakes them all. */
static void test_late_high_overtakes(void **state)
{
	struct sched s;
	struct sched_vm vms[2];

	(void)state;
	init(&s, 100, 10);
	sched_vm_add(&s, &vms[0], 2, 0);
	sched_vm_add(&s, &vms[1], 0, 0);
	for (int i = 1; i <= 3; i++)
		sched_enqueue(&s, &vms[0], &treq_new(0, i)->sr);
	expect_next(&s, vms, 0, 1);
	sched_enqueue(&s, &vms[1], &treq_new(1, 1)->sr);
	expect_next(&s, vms, 1, 1);
	expect_next(&s, vms, 0, 2);
	expect_next(&s, vms, 0, 3);
	sched_fini(&s);
}

/*
 * Within a level, arrival order across VMs, whatever their pool (the
 * scheduler does not even know pools: VMs 0, 2 are "pool A", 1, 3 "pool B").
 */
static void test_fifo_within_level_across_pools(void **state)
{
	static const int arrivals[][2] = {
		{ 0, 1 }, { 1, 1 }, { 3, 1 }, { 0, 2 }, { 2, 1 }, { 1, 2 },
		{ 3, 2 }, { 3, 3 }, { 0, 3 },
	};
	struct sched s;
	struct sched_vm vms[4];
	size_t n = sizeof(arrivals) / sizeof(arrivals[0]);

	(void)state;
	init(&s, 100, 10);
	for (int i = 0; i < 4; i++)
		sched_vm_add(&s, &vms[i], 1, 0);
	for (size_t i = 0; i < n; i++)
		sched_enqueue(&s, &vms[arrivals[i][0]],
			      &treq_new(arrivals[i][0], arrivals[i][1])->sr);
	for (size_t i = 0; i < n; i++)
		expect_next(&s, vms, arrivals[i][0], arrivals[i][1]);
	sched_fini(&s);
}

/*
 * max_running > 1 (asynchronous executors): a VM's requests start in order
 * up to its limit, and its key stays its oldest waiting request's, so a
 * VM that arrived earlier in the level still goes first; sched_pick_vm()
 * takes from one VM only.
 */
static void test_max_running(void **state)
{
	struct sched s;
	struct sched_vm vms[2];
	struct sched_vm *vm;
	struct treq *r[6];

	(void)state;
	init(&s, 100, 10);
	sched_vm_add(&s, &vms[0], 1, 0);
	sched_vm_add(&s, &vms[1], 1, 0);
	sched_vm_set_max_running(&s, &vms[0], 2);
	sched_enqueue(&s, &vms[0], &treq_new(0, 1)->sr);
	sched_enqueue(&s, &vms[1], &treq_new(1, 1)->sr);
	sched_enqueue(&s, &vms[0], &treq_new(0, 2)->sr);
	sched_enqueue(&s, &vms[0], &treq_new(0, 3)->sr);
	r[0] = (struct treq *)sched_pick(&s, &vm);
	r[1] = (struct treq *)sched_pick(&s, &vm);
	r[2] = (struct treq *)sched_pick(&s, &vm);
	assert_int_equal(r[0]->vm, 0);
	assert_int_equal(r[0]->n, 1);
	assert_int_equal(r[1]->vm, 1);
	assert_int_equal(r[2]->vm, 0);
	assert_int_equal(r[2]->n, 2);
	/* VM 0 has two running, its limit; VM 1 one, its limit. */
	assert_null(sched_pick(&s, &vm));
	assert_null(sched_pick_vm(&s, &vms[0]));
	sched_done(&s, &vms[0]);
	r[3] = (struct treq *)sched_pick_vm(&s, &vms[0]);
	assert_non_null(r[3]);
	assert_int_equal(r[3]->n, 3);
	assert_null(sched_pick_vm(&s, &vms[1]));	/* nothing waiting */
	/* A lowered limit holds back the next start. */
	sched_vm_set_max_running(&s, &vms[0], 1);
	sched_enqueue(&s, &vms[0], &treq_new(0, 4)->sr);
	sched_done(&s, &vms[0]);
	assert_null(sched_pick(&s, &vm));
	sched_done(&s, &vms[0]);
	r[4] = (struct treq *)sched_pick(&s, &vm);
	assert_int_equal(r[4]->n, 4);
	sched_done(&s, &vms[0]);
	sched_done(&s, &vms[1]);
	assert_int_equal(s.running, 0);
	for (int i = 0; i < 5; i++)
		free(r[i]);
	sched_fini(&s);
}

/* One running request per VM: its next waits; other VMs go on. */
static void test_one_running_per_vm(void **state)
{
	struct sched s;
	struct sched_vm vms[2];
	struct sched_vm *vm;
	struct treq *a1, *b1, *a2;

	(void)state;
	init(&s, 100, 10);
	sched_vm_add(&s, &vms[0], 0, 0);
	sched_vm_add(&s, &vms[1], 2, 0);
	sched_enqueue(&s, &vms[0], &treq_new(0, 1)->sr);
	sched_enqueue(&s, &vms[0], &treq_new(0, 2)->sr);
	sched_enqueue(&s, &vms[1], &treq_new(1, 1)->sr);

	a1 = (struct treq *)sched_pick(&s, &vm);
	assert_int_equal(a1->vm, 0);
	assert_int_equal(a1->n, 1);
	/* VM 0 is running: its second request must not start; VM 1's can. */
	b1 = (struct treq *)sched_pick(&s, &vm);
	assert_non_null(b1);
	assert_int_equal(b1->vm, 1);
	assert_null(sched_pick(&s, &vm));
	assert_int_equal(sched_has_ready(&s), 0);
	sched_done(&s, &vms[0]);
	assert_int_equal(sched_has_ready(&s), 1);
	a2 = (struct treq *)sched_pick(&s, &vm);
	assert_int_equal(a2->vm, 0);
	assert_int_equal(a2->n, 2);
	sched_done(&s, &vms[0]);
	sched_done(&s, &vms[1]);
	assert_int_equal(s.running, 0);
	free(a1);
	free(b1);
	free(a2);
	sched_fini(&s);
}

static void test_bounds(void **state)
{
	struct sched s;
	struct sched_vm vms[3];
	struct treq *extra = treq_new(0, 99);

	(void)state;
	init(&s, 5, 2);
	sched_vm_add(&s, &vms[0], 1, 0);	/* default: 2 */
	sched_vm_add(&s, &vms[1], 1, 4);	/* its own: 4 */
	sched_vm_add(&s, &vms[2], 1, 0);
	assert_int_equal(sched_enqueue(&s, &vms[0], &treq_new(0, 1)->sr), 0);
	assert_int_equal(sched_enqueue(&s, &vms[0], &treq_new(0, 2)->sr), 0);
	assert_int_equal(sched_enqueue(&s, &vms[0], &extra->sr), -EBUSY);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(sched_enqueue(&s, &vms[1], &treq_new(1, i)->sr), 0);
	assert_int_equal(sched_space(&s), 0);
	/* VM 2 has room of its own, but all queues together are full. */
	assert_int_equal(sched_enqueue(&s, &vms[2], &extra->sr), -ENOSPC);
	/* Running requests do not count as queued. */
	expect_next(&s, vms, 0, 1);
	assert_int_equal(sched_space(&s), 1);
	assert_int_equal(sched_enqueue(&s, &vms[2], &extra->sr), 0);
	extra = treq_new(1, 4);
	/* Limit lowered live: VM 1 (3 queued) takes no more. */
	sched_vm_set_max_queued(&vms[1], 3);
	expect_next(&s, vms, 0, 2);
	assert_int_equal(sched_enqueue(&s, &vms[1], &extra->sr), -EBUSY);
	while (s.queued) {
		struct sched_vm *vm;
		struct treq *r = (struct treq *)sched_pick(&s, &vm);

		sched_done(&s, vm);
		free(r);
	}
	free(extra);
	sched_fini(&s);
}

static void test_enqueue_detached(void **state)
{
	struct sched s;
	struct sched_vm vm = { 0 };
	struct treq r = { 0 };

	(void)state;
	init(&s, 5, 2);
	assert_int_equal(sched_enqueue(&s, &vm, &r.sr), -EINVAL);
	sched_fini(&s);
}

/* A priority change moves the VM with its queue; its order stays. */
static void test_set_prio_live(void **state)
{
	struct sched s;
	struct sched_vm vms[2];

	(void)state;
	init(&s, 100, 10);
	sched_vm_add(&s, &vms[0], 0, 0);
	sched_vm_add(&s, &vms[1], 2, 0);
	sched_enqueue(&s, &vms[0], &treq_new(0, 1)->sr);
	sched_enqueue(&s, &vms[1], &treq_new(1, 1)->sr);
	sched_enqueue(&s, &vms[1], &treq_new(1, 2)->sr);
	sched_enqueue(&s, &vms[0], &treq_new(0, 2)->sr);
	sched_vm_set_prio(&s, &vms[1], 0);	/* low -> high: both high now */
	sched_vm_set_prio(&s, &vms[0], 1);	/* high -> medium */
	expect_next(&s, vms, 1, 1);
	expect_next(&s, vms, 1, 2);
	expect_next(&s, vms, 0, 1);
	/* Changing a running VM's priority: takes effect when it is ready. */
	sched_vm_set_prio(&s, &vms[0], 5);	/* clamped to low */
	assert_int_equal(vms[0].prio, 2);
	expect_next(&s, vms, 0, 2);
	sched_fini(&s);
}

static void free_req(struct sched_req *r, void *arg)
{
	(void)arg;
	free(r);
}

static int dropped[8];
static int ndropped;

static void drop(struct sched_req *r, void *arg)
{
	struct treq *t = (struct treq *)r;

	assert_ptr_equal(arg, &ndropped);
	dropped[ndropped++] = t->n;
	free(t);
}

static void test_vm_remove(void **state)
{
	struct sched s;
	struct sched_vm vms[2];

	(void)state;
	init(&s, 100, 10);
	sched_vm_add(&s, &vms[0], 1, 0);
	sched_vm_add(&s, &vms[1], 1, 0);
	sched_enqueue(&s, &vms[0], &treq_new(0, 1)->sr);
	sched_enqueue(&s, &vms[1], &treq_new(1, 1)->sr);
	sched_enqueue(&s, &vms[0], &treq_new(0, 2)->sr);
	sched_enqueue(&s, &vms[0], &treq_new(0, 3)->sr);
	ndropped = 0;
	sched_vm_remove(&s, &vms[0], drop, &ndropped);
	assert_int_equal(ndropped, 3);
	assert_int_equal(dropped[0], 1);
	assert_int_equal(dropped[1], 2);
	assert_int_equal(dropped[2], 3);
	assert_int_equal(sched_queued(&s), 1);
	assert_int_equal(s.nr_vms, 1);
	expect_next(&s, vms, 1, 1);
	assert_null(sched_pick(&s, NULL));
	/* Removing twice is harmless. */
	sched_vm_remove(&s, &vms[0], drop, &ndropped);
	assert_int_equal(ndropped, 3);
	sched_fini(&s);
}

static void test_clock(void **state)
{
	struct sched s;
	struct sched_vm vm;
	struct treq *r = treq_new(0, 1);
	struct sched_req *got;

	(void)state;
	init(&s, 10, 10);
	sched_vm_add(&s, &vm, 0, 0);
	fake_now = 1000;
	sched_enqueue(&s, &vm, &r->sr);
	fake_now = 5000;
	got = sched_pick(&s, NULL);
	assert_ptr_equal(got, &r->sr);
	assert_int_equal(got->t_enqueue, 1000);
	assert_int_equal(got->t_start, 5000);
	sched_done(&s, &vm);
	free(r);
	sched_fini(&s);
}

/*
 * Against a reference model: random VMs, priorities, arrivals, picks,
 * completions and priority changes; each pick must be what a brute-force
 * search over every waiting request gives.
 */
#define MAXVM 40

struct model_req {
	int vm, n;
	uint64_t seq;
};

static void test_random_against_model(void **state)
{
	struct sched s;
	struct sched_vm vms[MAXVM];
	int prio[MAXVM], running[MAXVM], issued[MAXVM], next_done[MAXVM];
	struct model_req *waiting = calloc(20000, sizeof(*waiting));
	struct treq *run[MAXVM];
	int nwait = 0;
	uint64_t arrivals = 0;

	(void)state;
	assert_non_null(waiting);
	srand(12345);
	init(&s, 100000, 10000);
	for (int v = 0; v < MAXVM; v++) {
		prio[v] = rand() % 3;
		running[v] = 0;
		issued[v] = 0;
		next_done[v] = 1;
		run[v] = NULL;
		assert_int_equal(sched_vm_add(&s, &vms[v], (uint8_t)prio[v], 0), 0);
	}
	for (int step = 0; step < 20000; step++) {
		int action = rand() % 10;

		if (action < 4 && nwait < 20000) {
			int v = rand() % MAXVM;

			issued[v]++;
			assert_int_equal(sched_enqueue(&s, &vms[v], &treq_new(v, issued[v])->sr), 0);
			waiting[nwait++] = (struct model_req){ v, issued[v], ++arrivals };
		} else if (action < 7) {
			/* Model: best waiting request of a VM that is not running. */
			int best = -1;
			struct sched_vm *vm;
			struct treq *r;

			for (int i = 0; i < nwait; i++) {
				const struct model_req *m = &waiting[i];

				if (running[m->vm])
					continue;
				if (best < 0 || prio[m->vm] < prio[waiting[best].vm] ||
				    (prio[m->vm] == prio[waiting[best].vm] &&
				     m->seq < waiting[best].seq))
					best = i;
			}
			r = (struct treq *)sched_pick(&s, &vm);
			if (best < 0) {
				assert_null(r);
				continue;
			}
			assert_non_null(r);
			assert_int_equal(r->vm, waiting[best].vm);
			assert_int_equal(r->n, waiting[best].n);
			/* Per-VM order: the VM's requests start in issue order. */
			assert_int_equal(r->n, next_done[r->vm]);
			next_done[r->vm]++;
			running[r->vm] = 1;
			run[r->vm] = r;
			memmove(&waiting[best], &waiting[best + 1],
				(size_t)(nwait - best - 1) * sizeof(*waiting));
			nwait--;
		} else if (action < 9) {
			int v = rand() % MAXVM;

			if (running[v]) {
				sched_done(&s, &vms[v]);
				running[v] = 0;
				free(run[v]);
				run[v] = NULL;
			}
		} else {
			int v = rand() % MAXVM;

			prio[v] = rand() % 3;
			sched_vm_set_prio(&s, &vms[v], (uint8_t)prio[v]);
		}
		assert_int_equal(sched_queued(&s), nwait);
	}
	for (int v = 0; v < MAXVM; v++) {
		sched_vm_remove(&s, &vms[v], free_req, NULL);
		free(run[v]);
	}
	assert_int_equal(sched_queued(&s), 0);
	assert_int_equal(s.running, 0);
	free(waiting);
	sched_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_priority),
		cmocka_unit_test(test_late_high_overtakes),
		cmocka_unit_test(test_fifo_within_level_across_pools),
		cmocka_unit_test(test_one_running_per_vm),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_enqueue_detached),
		cmocka_unit_test(test_set_prio_live),
		cmocka_unit_test(test_vm_remove),
		cmocka_unit_test(test_max_running),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
