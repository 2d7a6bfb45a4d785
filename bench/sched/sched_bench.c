// SPDX-License-Identifier: MIT
/*
 * Scheduling decisions per second of dom0-worker/sched/sched.c with 30 VMs
 * queued (10 per level, alternating pools A and B, 4 requests each), in a
 * loop of enqueue + pick + done: the request picked goes back to the tail
 * of its VM, so the queue never drains and every pick is a real choice
 * among 30 VMs. One decision = one enqueue + one pick + one done.
 *
 * Anchor, measured in the same run on the same objects: a plain FIFO ring
 * (pop the head, push it to the tail): the cheapest "scheduler" there is.
 * The ratio says how many anchor decisions one scheduler decision costs.
 *
 *   vgpu-sched-bench [ITERATIONS [ONLY]]   default 5,000,000 decisions;
 *                                          ONLY: strict, weighted, aging
 *                                          or anchor runs that one alone
 *                                          (callgrind.sh counts each)
 *
 * Prints one line per mode and the anchor; a benchmark reports, it never
 * fails on timing (exit 1 only if the scheduler misbehaves).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dom0-worker/sched/sched.h"

#define NVMS		30
#define PER_VM		4
#define NREQ		(NVMS * PER_VM)

struct breq {
	struct sched_req sr;
	uint32_t vm;
};

static uint64_t fake_ns;

/* The worker reads CLOCK_MONOTONIC (vDSO); a counter keeps the loop pure. */
static uint64_t bench_clock(void *ctx)
{
	(void)ctx;
	return fake_ns += 1000;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct breq reqs[NREQ];
static struct sched_vm vms[NVMS];

/* Decisions per second for @mode; -1 if the scheduler lost a request. */
static double run_sched(enum sched_mode mode, uint64_t iters,
			uint64_t picks[SCHED_NR_LEVELS])
{
	struct sched_params p = {
		.mode = mode,
		.max_queued_all = NREQ,
		.vm_max_queued = PER_VM,
		.weights = { 4, 2, 1 },
		.aging_ns = 100000,
		.clock = bench_clock,
	};
	struct sched s;
	double t0, t1;

	if (sched_init(&s, &p))
		return -1;
	for (uint32_t v = 0; v < NVMS; v++)
		if (sched_vm_add(&s, &vms[v], (uint8_t)(v % SCHED_NR_LEVELS), 0))
			return -1;
	for (uint32_t i = 0; i < NREQ; i++) {
		reqs[i].vm = i % NVMS;
		if (sched_enqueue(&s, &vms[reqs[i].vm], &reqs[i].sr))
			return -1;
	}
	t0 = now_s();
	for (uint64_t i = 0; i < iters; i++) {
		struct sched_vm *vm;
		struct breq *r = (struct breq *)sched_pick(&s, &vm);

		if (!r)
			return -1;
		sched_done(&s, vm);
		sched_enqueue(&s, vm, &r->sr);
	}
	t1 = now_s();
	if (sched_queued(&s) != NREQ)
		return -1;
	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++)
		picks[l] = s.picks[l];
	for (uint32_t v = 0; v < NVMS; v++)
		sched_vm_remove(&s, &vms[v], NULL, NULL);
	sched_fini(&s);
	return (double)iters / (t1 - t0);
}

/* The anchor: a ring of the same requests, pop head, push tail. */
static double run_ring(uint64_t iters, uint64_t *check)
{
	static struct breq *ring[NREQ];
	volatile uint64_t sum = 0;
	uint32_t head = 0;
	double t0, t1;

	for (uint32_t i = 0; i < NREQ; i++)
		ring[i] = &reqs[i];
	t0 = now_s();
	for (uint64_t i = 0; i < iters; i++) {
		struct breq *r = ring[head];

		sum += r->vm;		/* "runs" it: keeps the loop honest */
		r->sr.t_start = bench_clock(NULL);
		ring[head] = r;		/* back at the tail (same slot) */
		head = head + 1 == NREQ ? 0 : head + 1;
	}
	t1 = now_s();
	*check = sum;
	return (double)iters / (t1 - t0);
}

int main(int argc, char **argv)
{
	static const enum sched_mode modes[] = {
		SCHED_STRICT, SCHED_WEIGHTED, SCHED_AGING,
	};
	uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 0) : 5000000;
	const char *only = argc > 2 ? argv[2] : NULL;
	uint64_t check;
	double anchor = 1;
	int rc = 0;

	if (!iters)
		iters = 1;
	if (!only || !strcmp(only, "anchor"))
		anchor = run_ring(iters, &check);
	printf("sched-bench: %d VMs queued (%d per VM, 3 levels, pools A/B), %llu decisions per run\n",
	       NVMS, PER_VM, (unsigned long long)iters);
	printf("sched-bench: anchor fifo-ring %.0f decisions/s\n", anchor);
	for (size_t m = 0; m < sizeof(modes) / sizeof(*modes); m++) {
		uint64_t picks[SCHED_NR_LEVELS] = { 0 };
		double d;

		if (only && strcmp(only, sched_mode_name(modes[m])))
			continue;
		d = run_sched(modes[m], iters, picks);

		if (d < 0) {
			printf("sched-bench: %s: the scheduler lost requests\n",
			       sched_mode_name(modes[m]));
			rc = 1;
			continue;
		}
		printf("sched-bench: %-8s %.0f decisions/s  ratio %.2f of the anchor  picks high/medium/low %llu/%llu/%llu\n",
		       sched_mode_name(modes[m]), d, d / anchor,
		       (unsigned long long)picks[0], (unsigned long long)picks[1],
		       (unsigned long long)picks[2]);
	}
	return rc;
}
