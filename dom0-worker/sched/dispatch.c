// SPDX-License-Identifier: MIT
/* Dispatch policy of vgpu-worker (see dispatch.h). */
#include <string.h>

#include "dispatch.h"

void dispatch_init(struct dispatch *d, struct sched *s,
		   const struct dispatch_params *p)
{
	memset(d, 0, sizeof(*d));
	d->p = *p;
	d->sched = s;
}

unsigned int dispatch_level(const struct sched_vm *vm)
{
	return vm->prio < SCHED_NR_LEVELS ? vm->prio : SCHED_NR_LEVELS - 1;
}

static unsigned int running(const struct dispatch *d)
{
	unsigned int n = 0;

	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++)
		n += d->running_lvl[l];
	return n;
}

/*
 * The priority gate is strict priority carried onto the GPU; the other
 * modes exist to let lower levels through, so it holds only in strict.
 */
static int gated_mode(const struct dispatch *d)
{
	return d->sched->p.mode == SCHED_STRICT;
}

/*
 * 0 when a request of level @l may start now; otherwise nanoseconds until
 * it may (UINT64_MAX: not before a running request finishes).
 */
static uint64_t gate(const struct dispatch *d, unsigned int l, uint64_t now)
{
	unsigned int n = running(d);
	uint64_t wait = 0;

	if (d->p.max_running && n >= d->p.max_running)
		return UINT64_MAX;
	if (n < d->p.prio_share || !gated_mode(d))
		return 0;
	for (unsigned int h = 0; h < l; h++) {
		if (d->running_lvl[h])
			return UINT64_MAX;
		if (now < d->lvl_busy_until[h] &&
		    (!wait || d->lvl_busy_until[h] - now < wait))
			wait = d->lvl_busy_until[h] - now;
	}
	return wait;
}

/*
 * 1 if a level above @l is busy: running, ready, or within prio-hold;
 * *until (if not NULL) gets the earliest end of such a hold.
 */
static int higher_busy(const struct dispatch *d, unsigned int l, uint64_t now,
		       uint64_t *until)
{
	int busy = 0;

	if (!gated_mode(d))
		return 0;
	for (unsigned int h = 0; h < l; h++) {
		if (d->running_lvl[h] || d->sched->level[h].n)
			return 1;
		if (now < d->lvl_busy_until[h]) {
			busy = 1;
			if (until && (!*until || d->lvl_busy_until[h] < *until))
				*until = d->lvl_busy_until[h];
		}
	}
	return busy;
}

/*
 * turn-quota: the next request of the VM whose turn it is, or the
 * scheduler's pick, which takes the turn. @l: the level sched_pick()
 * would take from.
 */
static struct sched_req *next_in_turn(struct dispatch *d, unsigned int l,
				      uint64_t now, uint64_t *wait_ns)
{
	struct sched_vm *svm;
	struct sched_req *r;
	uint64_t until = 0;
	uint32_t quota;

	if (d->turn && !d->turn->running)
		d->turn = NULL;	/* nothing of it runs: the turn is over */
	if (d->turn) {
		unsigned int tl = dispatch_level(d->turn);

		/* A higher level waits: the turn only drains now. */
		if (l < tl)
			return NULL;
		quota = higher_busy(d, tl, now, NULL) ? d->p.prio_share :
			d->p.turn_quota;
		if (d->turn_started >= quota)
			return NULL;
		r = sched_pick_vm(d->sched, d->turn);
		if (r)	/* else nothing more of it is ready: it drains */
			d->turn_started++;
		return r;
	}
	if (d->p.max_running && running(d) >= d->p.max_running)
		return NULL;
	quota = higher_busy(d, l, now, &until) ? d->p.prio_share :
		d->p.turn_quota;
	if (!quota) {
		d->gated++;
		if (until)
			*wait_ns = until - now;
		return NULL;
	}
	r = sched_pick(d->sched, &svm);
	if (!r)
		return NULL;
	d->turn = svm;
	d->turn_started = 1;
	return r;
}

struct sched_req *dispatch_next(struct dispatch *d, uint64_t now,
				uint64_t *wait_ns)
{
	unsigned int l = sched_next_level(d->sched);
	struct sched_vm *svm;
	uint64_t g;

	if (l == SCHED_NR_LEVELS)
		return NULL;
	if (d->p.turn_quota)
		return next_in_turn(d, l, now, wait_ns);
	g = gate(d, l, now);
	if (g) {
		*wait_ns = g;
		d->gated++;
		return NULL;
	}
	return sched_pick(d->sched, &svm);
}

void dispatch_started(struct dispatch *d, unsigned int level)
{
	d->running_lvl[level]++;
}

void dispatch_finished(struct dispatch *d, const struct sched_vm *vm,
		       unsigned int level, uint64_t now)
{
	d->running_lvl[level]--;
	d->lvl_busy_until[level] = now + d->p.prio_hold_ns;
	if (d->turn == vm && !vm->running)
		d->turn = NULL;		/* its turn is over */
}

void dispatch_dropped(struct dispatch *d, unsigned int level)
{
	d->running_lvl[level]--;
}

void dispatch_vm_gone(struct dispatch *d, const struct sched_vm *vm)
{
	if (d->turn == vm)
		d->turn = NULL;
}
