// SPDX-License-Identifier: MIT
/*
 * Unit tests of the anti-starvation modes of dom0-worker/sched/sched.c (weighted
 * shares between levels, aging), with a fake clock: shares under constant
 * load, bounded waits, no credit banked while idle, each VM's order kept
 * and FIFO within a level in every mode, and live priority changes.
 */
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

static void init(struct sched *s, enum sched_mode mode, uint64_t aging_ns)
{
	struct sched_params p = {
		.mode = mode,
		.max_queued_all = 1u << 20,
		.vm_max_queued = 1u << 20,
		.weights = { 4, 2, 1 },
		.aging_ns = aging_ns,
		.clock = fake_clock,
	};

	fake_now = 1000;
	assert_int_equal(sched_init(s, &p), 0);
}

static void enq(struct sched *s, struct sched_vm *vms, int vm, int n)
{
	assert_int_equal(sched_enqueue(s, &vms[vm], &treq_new(vm, n)->sr), 0);
}

/* Picks, completes and frees one request; returns its VM (-1: none). */
static int pick_done(struct sched *s, int *n_out)
{
	struct sched_vm *vm;
	struct treq *r = (struct treq *)sched_pick(s, &vm);
	int v;

	if (!r)
		return -1;
	sched_done(s, vm);
	v = r->vm;
	if (n_out)
		*n_out = r->n;
	free(r);
	return v;
}

static void drain(struct sched *s)
{
	while (pick_done(s, NULL) >= 0)
		;
}

static void test_bad_mode(void **state)
{
	struct sched s;
	struct sched_params p = { .mode = (enum sched_mode)7,
				  .clock = fake_clock };

	(void)state;
	assert_int_equal(sched_init(&s, &p), -EINVAL);
	assert_string_equal(sched_mode_name(SCHED_WEIGHTED), "weighted");
	assert_string_equal(sched_mode_name(SCHED_AGING), "aging");
	assert_string_equal(sched_mode_name(SCHED_STRICT), "strict");
}

/* Every level always loaded: picks split 4:2:1, to within one pick. */
static void test_weighted_shares(void **state)
{
	struct sched s;
	struct sched_vm vms[3];
	int count[3] = { 0 }, issued[3] = { 0 };

	(void)state;
	init(&s, SCHED_WEIGHTED, 0);
	for (int v = 0; v < 3; v++) {
		sched_vm_add(&s, &vms[v], (uint8_t)v, 0);
		enq(&s, vms, v, ++issued[v]);
		enq(&s, vms, v, ++issued[v]);
	}
	for (int i = 0; i < 7000; i++) {
		int v = pick_done(&s, NULL);

		assert_true(v >= 0);
		count[v]++;
		enq(&s, vms, v, ++issued[v]);	/* constant load */
		/* Shares hold at every point, not only at the end. */
		assert_true(abs(count[0] * 7 - (i + 1) * 4) <= 7 * 2);
		assert_true(abs(count[2] * 7 - (i + 1)) <= 7 * 2);
	}
	assert_true(abs(count[0] - 4000) <= 1);
	assert_true(abs(count[1] - 2000) <= 1);
	assert_true(abs(count[2] - 1000) <= 1);
	assert_int_equal(s.picks[0] + s.picks[1] + s.picks[2], 7000);
	drain(&s);
	sched_fini(&s);
}

/*
 * One low VM against ten high VMs that never run dry: the low VM still
 * gets at least its 1/5 share (weights 4:_:1), and no low request waits
 * more than w_high / w_low + 1 picks.
 */
static void test_weighted_no_starvation(void **state)
{
	struct sched s;
	struct sched_vm vms[11];
	int issued[11] = { 0 }, low = 0, since_low = 0, worst = 0;

	(void)state;
	init(&s, SCHED_WEIGHTED, 0);
	for (int v = 0; v < 10; v++) {
		sched_vm_add(&s, &vms[v], 0, 0);
		enq(&s, vms, v, ++issued[v]);
	}
	sched_vm_add(&s, &vms[10], 2, 0);
	for (int i = 0; i < 5; i++)
		enq(&s, vms, 10, ++issued[10]);
	for (int i = 0; i < 5000; i++) {
		int n, v = pick_done(&s, &n);

		assert_true(v >= 0);
		if (v == 10) {
			low++;
			if (since_low > worst)
				worst = since_low;
			since_low = 0;
		} else {
			since_low++;
		}
		enq(&s, vms, v, ++issued[v]);
	}
	assert_true(low >= 5000 / 5 - 1);
	assert_true(worst <= 4 + 1);
	drain(&s);
	sched_fini(&s);
}

/*
 * A level idle while others ran earns no credit: when high comes back
 * after 1000 low picks, the next 7 picks still go 4:1 (medium idle), not
 * all to high nor all to low.
 */
static void test_weighted_no_banked_credit(void **state)
{
	struct sched s;
	struct sched_vm vms[2];
	int issued[2] = { 0 }, count[2] = { 0 };

	(void)state;
	init(&s, SCHED_WEIGHTED, 0);
	sched_vm_add(&s, &vms[0], 0, 0);
	sched_vm_add(&s, &vms[1], 2, 0);
	enq(&s, vms, 1, ++issued[1]);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(pick_done(&s, NULL), 1);
		enq(&s, vms, 1, ++issued[1]);
	}
	enq(&s, vms, 0, ++issued[0]);
	for (int i = 0; i < 10; i++) {
		int v = pick_done(&s, NULL);

		count[v]++;
		enq(&s, vms, v, ++issued[v]);
	}
	assert_true(count[0] >= 7 && count[0] <= 9);
	assert_true(count[1] >= 1 && count[1] <= 3);
	drain(&s);
	sched_fini(&s);
}

/*
 * Every mode keeps each VM's order and FIFO by arrival within a level
 * (two VMs of a level, as if in pools A and B).
 */
static void check_order(enum sched_mode mode)
{
	struct sched s;
	struct sched_vm vms[4];
	int next[4] = { 1, 1, 1, 1 }, issued[4] = { 0 };
	uint64_t last_seq[SCHED_NR_LEVELS] = { 0 };

	init(&s, mode, 1000000);
	sched_vm_add(&s, &vms[0], 1, 0);	/* medium, "pool A" */
	sched_vm_add(&s, &vms[1], 1, 0);	/* medium, "pool B" */
	sched_vm_add(&s, &vms[2], 0, 0);
	sched_vm_add(&s, &vms[3], 2, 0);
	srand(7);
	for (int i = 0; i < 400; i++) {
		int v = rand() % 4;

		enq(&s, vms, v, ++issued[v]);
		fake_now += 1000;
	}
	for (;;) {
		struct sched_vm *vm;
		struct treq *r = (struct treq *)sched_pick(&s, &vm);
		unsigned int l;

		if (!r)
			break;
		l = vm->prio;
		assert_int_equal(r->n, next[r->vm]);
		next[r->vm]++;
		assert_true(r->sr.seq > last_seq[l]);
		last_seq[l] = r->sr.seq;
		sched_done(&s, vm);
		free(r);
	}
	for (int v = 0; v < 4; v++)
		assert_int_equal(next[v], issued[v] + 1);
	sched_fini(&s);
}

static void test_order_kept_in_every_mode(void **state)
{
	(void)state;
	check_order(SCHED_STRICT);
	check_order(SCHED_WEIGHTED);
	check_order(SCHED_AGING);
}

/*
 * Aging with 10 ms per level: a low request waits behind high ones that
 * arrived up to 20 ms after it, and goes before any that arrived later,
 * even under a constant high load.
 */
static void test_aging(void **state)
{
	const uint64_t ms = 1000000;
	struct sched s;
	struct sched_vm vms[3];
	int issued[3] = { 0 }, picks = 0;
	uint64_t low_at;

	(void)state;
	init(&s, SCHED_AGING, 10 * ms);
	sched_vm_add(&s, &vms[0], 0, 0);
	sched_vm_add(&s, &vms[1], 0, 0);
	sched_vm_add(&s, &vms[2], 2, 0);
	enq(&s, vms, 0, ++issued[0]);
	enq(&s, vms, 1, ++issued[1]);
	low_at = fake_now;
	enq(&s, vms, 2, ++issued[2]);
	/* Each pick takes 1 ms; a high VM refills as soon as it is picked. */
	for (;;) {
		struct sched_vm *vm;
		struct treq *r;
		int v;

		fake_now += ms;
		r = (struct treq *)sched_pick(&s, &vm);
		assert_non_null(r);
		sched_done(&s, vm);
		v = r->vm;
		picks++;
		if (v == 2) {
			free(r);
			break;
		}
		/* Only high requests that arrived by low's arrival + 20 ms. */
		assert_true(r->sr.t_enqueue <= low_at + 20 * ms);
		free(r);
		enq(&s, vms, v, ++issued[v]);
		assert_true(picks < 100);
	}
	assert_true(fake_now >= low_at + 20 * ms);
	assert_true(fake_now <= low_at + 23 * ms);
	/* Waits under the aging step: strict order. */
	drain(&s);
	fake_now += 100 * ms;
	enq(&s, vms, 2, ++issued[2]);
	fake_now += 5 * ms;
	enq(&s, vms, 0, ++issued[0]);
	assert_int_equal(pick_done(&s, NULL), 0);
	assert_int_equal(pick_done(&s, NULL), 2);
	sched_fini(&s);
}

/* A live priority change moves queued requests; the next pick sees it. */
static void test_set_prio_in_modes(void **state)
{
	enum sched_mode modes[] = { SCHED_STRICT, SCHED_WEIGHTED, SCHED_AGING };

	(void)state;
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct sched s;
		struct sched_vm vms[2];

		init(&s, modes[m], 1000000000ull);
		sched_vm_add(&s, &vms[0], 0, 0);
		sched_vm_add(&s, &vms[1], 2, 0);
		enq(&s, vms, 1, 1);
		enq(&s, vms, 0, 1);
		enq(&s, vms, 0, 2);
		assert_int_equal(s.level_queued[0], 2);
		assert_int_equal(s.level_queued[2], 1);
		sched_vm_set_prio(&s, &vms[1], 0);
		sched_vm_set_prio(&s, &vms[0], 2);
		assert_int_equal(s.level_queued[0], 1);
		assert_int_equal(s.level_queued[2], 2);
		assert_int_equal(sched_next_level(&s), 0);
		assert_int_equal(pick_done(&s, NULL), 1);
		assert_int_equal(pick_done(&s, NULL), 0);
		assert_int_equal(pick_done(&s, NULL), 0);
		assert_int_equal(sched_next_level(&s), SCHED_NR_LEVELS);
		assert_int_equal(s.level_queued[2], 0);
		sched_fini(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_mode),
		cmocka_unit_test(test_weighted_shares),
		cmocka_unit_test(test_weighted_no_starvation),
		cmocka_unit_test(test_weighted_no_banked_credit),
		cmocka_unit_test(test_order_kept_in_every_mode),
		cmocka_unit_test(test_aging),
		cmocka_unit_test(test_set_prio_in_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
