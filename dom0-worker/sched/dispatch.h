/* SPDX-License-Identifier: MIT */
/*
 * Dispatch policy of vgpu-worker: which queued request may start now on
 * the executor, given what already runs there. Pure logic beside the
 * scheduler (sched.h), time passed in; the worker's loop asks it for the
 * next request and tells it what started and finished.
 *
 * A request that the executor finishes at once (the CPU executor, or a
 * refused one) never counts as running, so for such an executor every
 * rule below is open and the scheduler's pick order is all there is.
 * For requests that stay in the executor (the CUDA executor):
 *   - at most max-running requests in all (0: no limit);
 *   - the scheduler's pick order (its mode; FIFO within a level);
 *   - priority gate (strict mode only: the other modes exist to let lower
 *     levels through): while a higher level is busy (a request of it runs,
 *     or one finished less than prio-hold-us ago), a lower level starts a
 *     request only if fewer than prio-share requests run. The GPU runs
 *     contexts of several processes by time-slicing, so a high VM's
 *     request is only fast when little else is on the GPU with it;
 *   - turns (turn-quota N > 0): one VM at a time has requests in the
 *     executor. The VM the scheduler picks gets the turn and starts up to
 *     N of its requests (prio-share while a higher level is busy), which
 *     its process pipelines; the turn ends when they have all finished.
 *     A ready VM of a higher level stops the turn from starting more.
 *     Each GPU context switch is then paid once per turn.
 */
#ifndef VGPU_WORKER_DISPATCH_H
#define VGPU_WORKER_DISPATCH_H

#include <stdint.h>

#include "sched.h"

struct dispatch_params {
	uint32_t max_running;	/* max-running: all VMs, 0 = no limit */
	uint32_t prio_share;	/* prio-share: running while a higher level is busy */
	uint64_t prio_hold_ns;	/* prio-hold-us: a level stays busy this long */
	uint32_t turn_quota;	/* turn-quota: 0 = no turns */
};

struct dispatch {
	struct dispatch_params p;
	struct sched *sched;
	unsigned int running_lvl[SCHED_NR_LEVELS];	/* in the executor */
	uint64_t lvl_busy_until[SCHED_NR_LEVELS];
	struct sched_vm *turn;		/* whose turn it is, NULL: nobody's */
	uint32_t turn_started;		/* requests it started in this turn */
	uint64_t gated;			/* starts held back by the gate */
};

void dispatch_init(struct dispatch *d, struct sched *s,
		   const struct dispatch_params *p);

/* The level a request of @vm runs at (its level, clamped). */
unsigned int dispatch_level(const struct sched_vm *vm);

/*
 * The request to start now, picked from the scheduler (sched_pick: its VM
 * is marked running), or NULL when none may start; then, if only the gate
 * holds it back, *wait_ns is set to when it opens by itself (otherwise it
 * is left alone).
 */
struct sched_req *dispatch_next(struct dispatch *d, uint64_t now,
				uint64_t *wait_ns);

/* A request of level @level went into the executor (it did not finish at once). */
void dispatch_started(struct dispatch *d, unsigned int level);
/*
 * It finished at @now, after sched_done() for @vm: its level stays busy
 * for prio-hold, and the turn of @vm ends if nothing of it runs.
 */
void dispatch_finished(struct dispatch *d, const struct sched_vm *vm,
		       unsigned int level, uint64_t now);
/* It was dropped with its VM (no hold). */
void dispatch_dropped(struct dispatch *d, unsigned int level);
/* @vm is going away: its turn, if any, ends. */
void dispatch_vm_gone(struct dispatch *d, const struct sched_vm *vm);

#endif
