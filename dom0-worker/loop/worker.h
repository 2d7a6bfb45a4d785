/* SPDX-License-Identifier: MIT */
/*
 * The worker's event loop: read events from the transport, keep the VM
 * table, queue requests in the scheduler, start them on the executor,
 * write completions in batches.
 *
 * One thread. Each turn of the loop:
 *   1. act on signals (flags in struct worker_ctl);
 *   2. wait for the device, the executor's descriptor and the control
 *      socket (ppoll) - not at all when a request is ready to start, so
 *      newly arrived requests still get a say in the next pick;
 *   3. read the waiting events, `batch` per read(), never more than the
 *      queues have room for (a full queue stops reading: back-pressure on
 *      the backend); reap what the executor finished;
 *   4. start what the dispatch policy allows (sched/dispatch.h: the
 *      scheduler's pick order, and for requests that stay in the executor
 *      max-running, the priority gate and turns), but at most one that
 *      the executor finishes at once (the CPU executor: it ran on this
 *      thread, so step 3 comes before the next pick);
 *   5. write the pending completions unless a request is ready to start
 *      and neither the request just run took WORKER_FLUSH_NS or more nor
 *      the oldest completion has waited WORKER_FLUSH_NS.
 */
#ifndef VGPU_WORKER_WORKER_H
#define VGPU_WORKER_WORKER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "exec/exec.h"
#include "orderlog.h"
#include "sched/dispatch.h"
#include "sched/sched.h"
#include "transport/transport.h"
#include "vmtable.h"

/* Longest a finished request's completion waits for batch company. */
#define WORKER_FLUSH_NS		(100 * 1000ull)
/*
 * Disconnected VMs whose final metrics are still printed and served (the
 * oldest goes first; the control command "forget" drops them sooner).
 */
#define WORKER_RETIRED_MAX	256

struct worker_ctl {
	volatile sig_atomic_t stop;	/* SIGTERM/SIGINT seen (count) */
	volatile sig_atomic_t reopen;	/* SIGHUP seen */
	volatile sig_atomic_t dump;	/* SIGUSR1 seen */
	/* Signal mask while waiting in ppoll (the signals unblocked); NULL: as is. */
	const sigset_t *wait_mask;
};

struct retired_vm {
	struct vgpu_back_vm cfg;
	struct vm_metrics metrics;
};

/*
 * Connects of one device, for the connect rate limit (worker_events.c):
 * each connect starts an executor (for CUDA a process and a context), so
 * a device gets connect-burst at once, then one per connect-interval-ms
 * (config.h); a connect past that is refused. The WORKER_CONNECT_TRACK
 * devices that connected last are remembered, each with its count of
 * refused connects (the metrics' connect_refused; it goes when the
 * device's entry goes to another device).
 */
#define WORKER_CONNECT_TRACK		64

struct connect_rate {
	uint16_t domid, devid;
	uint64_t tat;		/* GCRA: when the device's credit is full again */
	uint64_t refused;	/* connects of the device refused so far */
};

struct worker_stats {
	uint64_t events, requests, completions;
	uint64_t refused_busy;		/* over a VM's max-inflight */
	uint64_t refused_rate;		/* over a VM's rate-limit */
	uint64_t dropped;		/* queued when their VM disconnected */
	uint64_t refused_completions;	/* the backend did not know the handle */
	uint64_t unknown_vm;		/* requests of no connected VM */
	uint64_t refused_connects;	/* over the connect rate limit */
	/*
	 * The loop's system calls towards the backend, to weigh the cost of
	 * a request's trip (copies are counted in struct transport: the copy
	 * threads make them).
	 */
	uint64_t polls;			/* ppoll() calls of the loop */
	/* Off the shared rings (tp->rings) these two make no system call. */
	uint64_t event_reads;		/* read_events() calls */
	uint64_t completion_writes;	/* write_completions() calls */
};

struct ctlsock;

struct worker {
	struct worker_config cfg;
	sched_clock_fn clock;		/* monotonic ns; tests set a fake one */
	void *clock_ctx;
	struct ctlsock *ctl;		/* control socket, NULL: none */
	struct transport *tp;
	struct executor *ex;
	struct sched sched;
	struct vmtable vms;
	struct orderlog olog;
	struct vgpu_back_event *ev;		/* cfg.batch */
	struct vgpu_back_completion *comp;	/* cfg.batch */
	unsigned int ncomp;
	uint64_t first_pending_ns;
	uint64_t start_ns;
	struct retired_vm *retired;		/* ring of WORKER_RETIRED_MAX */
	unsigned int nretired, retired_pos;
	struct connect_rate connects[WORKER_CONNECT_TRACK];
	struct worker_stats stats;
	struct vm_metrics lvl_metrics[SCHED_NR_LEVELS];	/* by level run at */
	int error;	/* a transport failure outside worker_run()'s view */
	struct dispatch disp;		/* what may start now */
	unsigned int running;		/* requests in the executor, all VMs */
};

/*
 * Sets up a worker over an open transport and a created executor (both stay
 * the caller's). Opens the order log. 0 or -errno.
 */
int worker_init(struct worker *w, const struct worker_config *cfg,
		struct transport *tp, struct executor *ex);
/* Frees every VM (detaching it from the executor) and closes the log. */
void worker_fini(struct worker *w);

/* Acts on one event. 0, or -errno for a failure that must stop the worker. */
int worker_handle_event(struct worker *w, const struct vgpu_back_event *ev);
/*
 * Reads and handles the waiting events, `batch` per read, as many as the
 * queues have room for. Events handled, or -errno.
 */
int worker_read(struct worker *w);
/* Writes every pending completion. 0 or -errno. */
int worker_flush(struct worker *w);
/*
 * Starts every request the dispatch policy allows, stopping after one the
 * executor finished at once (so with the CPU executor: runs the next
 * request). 1 if any started, 0 if none could.
 */
int worker_run_one(struct worker *w);
/* Reports the requests the executor finished since. How many. */
int worker_reap(struct worker *w);

/*
 * The loop. Returns 0 after a stop request once every queued request has
 * completed (a second stop request: at once, leaving queued requests to the
 * backend, which completes them with VGPUIF_RSP_NO_WORKER when the device
 * closes), or -errno when the transport fails.
 */
int worker_run(struct worker *w, struct worker_ctl *ctl);

/* Prints the metrics of every VM (connected, then retired) to the log. */
void worker_print_metrics(struct worker *w, const char *reason);

/* Replaces the clock of the worker and its scheduler (tests). */
void worker_set_clock(struct worker *w, sched_clock_fn clock, void *ctx);

static inline uint64_t worker_now(const struct worker *w)
{
	return w->clock(w->clock_ctx);
}

/* A VM's requests in flight: admitted and not yet completed. */
static inline uint32_t worker_vm_inflight(const struct vm *vm)
{
	return vm->sched.queued + vm->sched.running;
}

/* The in-flight limit that applies to @vm, 0 = none. */
static inline uint32_t worker_vm_max_inflight(const struct worker *w,
					      const struct vm *vm)
{
	return vm->ex.cfg.max_inflight ? vm->ex.cfg.max_inflight :
	       w->cfg.vm_max_inflight;
}

/*
 * Control socket commands (worker_report.c): writes the answer to @cmd to
 * @out. 0, or -EINVAL for an unknown command (an error line was written).
 */
int worker_control(struct worker *w, const char *cmd, FILE *out);
/*
 * What the control socket runs (worker.c): "forget all|DOMID[/DEVID]",
 * which drops disconnected VMs' final metrics, else worker_control().
 * 0, or -errno with an error line written.
 */
int worker_command(struct worker *w, const char *cmd, FILE *out);

#endif
