/* SPDX-License-Identifier: MIT */
/*
 * What the files of the worker's loop share inside (worker.h is what the
 * rest sees). Who calls whom, never back:
 *   worker.c          the loop, running requests   -> worker_events.c,
 *                                                     worker_report.c
 *   worker_events.c   events in, completions out   -> worker_report.c
 *   worker_report.c   metrics lines, control answers
 */
#ifndef VGPU_WORKER_WORKER_PRIV_H
#define VGPU_WORKER_WORKER_PRIV_H

#include "worker.h"

struct copy_ctx {
	struct transport *tp;
	uint64_t handle;
};

struct worker_req {
	struct sched_req sr;	/* first: the scheduler hands back &sr */
	uint64_t handle;
	struct vgpu_back_req req;
	struct vm *vm;
	/* For the executor: live as long as the request runs. */
	struct copy_ctx cc;
	struct exec_data data;
	uint8_t level;		/* the level it started at */
	struct worker_req *run_next;	/* its VM's running list */
};

/* worker_events.c: queues a completion; writes the batch once full. */
void worker_complete(struct worker *w, const struct vgpu_back_vm *cfg,
		     uint64_t handle, uint8_t op, const struct exec_result *res);
/* Frees a VM taken out of the table, ending its requests unreported. */
void worker_vm_free(struct worker *w, struct vm *vm);
/*
 * worker_events.c: connects of the device refused by the connect rate
 * limit so far; 0 for a device the worker no longer remembers (worker.h).
 */
uint64_t worker_connect_refused(const struct worker *w, uint16_t domid,
				uint16_t devid);

/*
 * worker_events.c: forgets disconnected VMs' final metrics: all, or those
 * of @domid (and @devid when >= 0). How many went, or -ENOMEM.
 */
int worker_forget(struct worker *w, int all, uint16_t domid, int devid);

/* worker_report.c: one VM's metrics line in the log. */
void worker_print_vm_metrics(const struct vgpu_back_vm *c,
			     const struct vm_metrics *m, const char *state,
			     uint32_t queued, uint32_t inflight,
			     uint64_t connect_refused);

#endif
