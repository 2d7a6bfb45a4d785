/* SPDX-License-Identifier: MIT */
/*
 * A clock the test sets by hand, for the scheduler's and the worker's
 * injected clocks (sched_params.clock, worker_set_clock()): time moves
 * only when the test writes fake_now.
 */
#ifndef VGPU_TESTS_UNIT_FAKE_CLOCK_H
#define VGPU_TESTS_UNIT_FAKE_CLOCK_H

#include <stdint.h>

extern uint64_t fake_now;	/* ns */

/* A sched_clock_fn: returns fake_now; @ctx is unused. */
uint64_t fake_clock(void *ctx);

#endif
