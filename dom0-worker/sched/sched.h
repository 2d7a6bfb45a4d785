/* SPDX-License-Identifier: MIT */
/*
 * Request scheduler of vgpu-worker: pure logic, no I/O, no allocation on
 * the request path; time comes from an injected clock.
 *
 * Policy, whatever the mode:
 *  - each VM has a FIFO of its requests; a VM's requests start in the order
 *    they arrived, and at most max_running of a VM's requests run at a time
 *    (1 unless set: sched_vm_set_max_running(); an executor that takes
 *    more than one completes them in order, as a stream does);
 *  - within a level, the request that arrived first starts first, whatever
 *    the VM's pool (pools share one queue).
 * Only the choice of the level differs (Documentation/scheduler.md):
 *  - SCHED_STRICT (default): the highest level with a ready VM, always. A
 *    low VM waits as long as a higher one has work.
 *  - SCHED_WEIGHTED: stride scheduling between levels. Level l has weight
 *    w_l and stride S / w_l; the ready level with the smallest pass goes
 *    and its pass grows by its stride, so under constant load the levels
 *    get w_h : w_m : w_l of the picks. A level that becomes ready starts at
 *    no less than the pass of the last pick, so idle time earns no credit.
 *    Between two picks of a ready level l, level k gets at most
 *    w_k / w_l + 1 picks: no ready request waits forever.
 *  - SCHED_AGING: a request's deadline is its arrival time plus
 *    level * aging_ns; the oldest deadline goes. A low request that has
 *    waited 2 * aging_ns longer than a high one goes first; only requests
 *    that arrived before its deadline can go before it: no starvation.
 *
 * Data structures: a VM is "ready" when it has queued requests and none
 * running. Each priority level keeps its ready VMs in a binary min-heap
 * keyed by the arrival number of the VM's oldest request (its FIFO head):
 * that head is the oldest request of the VM, so the heap's top is the
 * oldest request of the level. sched_pick() looks at three heap tops and
 * pops one: O(log V) for V VMs. Requests are intrusive (struct sched_req
 * lives inside the caller's request), VMs too (struct sched_vm).
 *
 * The modes only change which level's heap top is taken (pick_level()):
 * three comparisons, so a pick stays O(log V) in every mode.
 */
#ifndef VGPU_WORKER_SCHED_H
#define VGPU_WORKER_SCHED_H

#include <stdint.h>

#define SCHED_NR_LEVELS		3	/* VGPUIF_NR_PRIOS */

enum sched_mode {
	SCHED_STRICT = 0,
	SCHED_WEIGHTED,
	SCHED_AGING,
};

/* Weighted mode: the pass a level advances by is SCHED_STRIDE / weight. */
#define SCHED_STRIDE		(1u << 20)
#define SCHED_WEIGHT_MAX	1000u

typedef uint64_t (*sched_clock_fn)(void *ctx);	/* nanoseconds, monotonic */

struct sched_req {
	struct sched_req *next;
	uint64_t seq;		/* arrival number, across all VMs */
	uint64_t t_enqueue;	/* clock at sched_enqueue() */
	uint64_t t_start;	/* clock at sched_pick() */
};

struct sched_vm {
	struct sched_req *head, *tail;
	uint32_t queued;	/* requests waiting, not counting the running one */
	uint32_t max_queued;	/* 0: the scheduler's vm_max_queued */
	uint32_t running;	/* started and not done */
	uint32_t max_running;	/* 0: 1 */
	uint8_t prio;		/* level, 0 = highest */
	uint8_t attached;
	int32_t heap_idx;	/* index in its level's heap, -1 if not ready */
};

struct sched_heap {
	struct sched_vm **v;
	uint32_t n, cap;
};

struct sched_params {
	enum sched_mode mode;
	uint32_t max_queued_all;	/* all VMs together */
	uint32_t vm_max_queued;	/* per VM when its own limit is 0 */
	uint32_t weights[SCHED_NR_LEVELS];	/* SCHED_WEIGHTED; 0 acts as 1 */
	uint64_t aging_ns;	/* SCHED_AGING: one level per aging_ns waited */
	sched_clock_fn clock;
	void *clock_ctx;
};

struct sched {
	struct sched_params p;
	struct sched_heap level[SCHED_NR_LEVELS];
	uint32_t nr_vms;
	uint32_t queued;
	uint32_t running;
	uint64_t next_seq;
	uint32_t level_queued[SCHED_NR_LEVELS];	/* of VMs now at that level */
	/* SCHED_WEIGHTED */
	uint64_t stride[SCHED_NR_LEVELS];
	uint64_t pass[SCHED_NR_LEVELS];
	uint64_t vpass;		/* pass of the last pick: "now" in pass units */
	uint64_t picks[SCHED_NR_LEVELS];	/* requests started per level */
};

int sched_init(struct sched *s, const struct sched_params *p);
void sched_fini(struct sched *s);

/* Adds a VM at level @prio (clamped to the lowest). 0 or -ENOMEM. */
int sched_vm_add(struct sched *s, struct sched_vm *vm, uint8_t prio,
		 uint32_t max_queued);

/*
 * Removes a VM. Its queued requests are handed to @drop (may be NULL) in
 * queue order; the caller frees them. A running request stays the
 * caller's: do not call sched_done() for this VM afterwards.
 */
void sched_vm_remove(struct sched *s, struct sched_vm *vm,
		     void (*drop)(struct sched_req *r, void *arg), void *arg);

/* Moves the VM and its queued requests to level @prio; next pick sees it. */
void sched_vm_set_prio(struct sched *s, struct sched_vm *vm, uint8_t prio);
void sched_vm_set_max_queued(struct sched_vm *vm, uint32_t max_queued);
/* Requests of the VM that may run at once (0 or 1: one). */
void sched_vm_set_max_running(struct sched *s, struct sched_vm *vm,
			      uint32_t max_running);

/*
 * Queues @r at the tail of the VM's FIFO. 0, -EBUSY when the VM's queue is
 * full, -ENOSPC when all queues together are full, -EINVAL if the VM is not
 * attached.
 */
int sched_enqueue(struct sched *s, struct sched_vm *vm, struct sched_req *r);

/*
 * Takes the request to run next and marks its VM running, or returns NULL
 * when no VM is ready. *vm_out gets its VM.
 */
struct sched_req *sched_pick(struct sched *s, struct sched_vm **vm_out);

/*
 * Like sched_pick(), but from @vm only: its next request if it is ready
 * (queued, under its running limit), else NULL. For executors that give
 * the GPU to one VM at a time.
 */
struct sched_req *sched_pick_vm(struct sched *s, struct sched_vm *vm);

/* The VM's running request finished; its next request becomes ready. */
void sched_done(struct sched *s, struct sched_vm *vm);

static inline uint32_t sched_queued(const struct sched *s)
{
	return s->queued;
}

static inline uint32_t sched_space(const struct sched *s)
{
	return s->queued < s->p.max_queued_all ?
	       s->p.max_queued_all - s->queued : 0;
}

/* Nonzero when sched_pick() would return a request. */
int sched_has_ready(const struct sched *s);

/* The level sched_pick() would take from now; SCHED_NR_LEVELS if none. */
unsigned int sched_next_level(const struct sched *s);

/* "strict", "weighted", "aging". */
const char *sched_mode_name(enum sched_mode mode);

#endif
