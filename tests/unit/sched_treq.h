/* SPDX-License-Identifier: MIT */
/*
 * The request of the scheduler's tests (test_sched.c, test_sched_modes.c):
 * a sched_req that knows its VM and its issue number, so a test checks
 * what sched_pick() returns against the order it expects.
 */
#ifndef VGPU_TESTS_UNIT_SCHED_TREQ_H
#define VGPU_TESTS_UNIT_SCHED_TREQ_H

#include "dom0-worker/sched/sched.h"

struct treq {
	struct sched_req sr;	/* first: a sched_req * is a struct treq * */
	int vm;
	int n;		/* per-VM issue number */
};

/* A new request of VM @vm, number @n; free() it when done. */
struct treq *treq_new(int vm, int n);

#endif
