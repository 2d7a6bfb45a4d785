/* SPDX-License-Identifier: MIT */
/*
 * The worker's VMs: one entry per connected frontend device, keyed by
 * (domid, devid), created by CONNECT, updated by CONFIG, freed by
 * DISCONNECT. An entry ties together what each part keeps per VM.
 */
#ifndef VGPU_WORKER_VMTABLE_H
#define VGPU_WORKER_VMTABLE_H

#include <stdint.h>

#include "exec/exec.h"
#include "sched/limits.h"
#include "sched/metrics.h"
#include "sched/sched.h"

#define VMTABLE_BUCKETS		64

struct worker_req;

struct vm {
	struct vm *hnext;
	struct exec_vm ex;		/* ex.cfg: the settings from the backend */
	struct sched_vm sched;
	struct vm_metrics metrics;
	struct tbucket tb;		/* rate-limit */
	/* Its requests in the executor, oldest first (loop/worker.c). */
	struct worker_req *running, *running_tail;
};

struct vmtable {
	struct vm *bucket[VMTABLE_BUCKETS];
	uint32_t count;
};

void vmtable_init(struct vmtable *t);
struct vm *vmtable_find(const struct vmtable *t, uint16_t domid,
			uint16_t devid);
/* The caller checked that (domid, devid) is not there yet. */
void vmtable_insert(struct vmtable *t, struct vm *vm);
void vmtable_remove(struct vmtable *t, struct vm *vm);
/*
 * Fills @out (room for t->count) with every VM, sorted by domid, devid.
 * Returns the count.
 */
uint32_t vmtable_list(const struct vmtable *t, struct vm **out);

/* "A".."Z" for 0..25, "?" otherwise. */
const char *pool_name(uint8_t pool, char buf[2]);
/* "high", "medium", "low", "?". */
const char *prio_name(uint8_t prio);

#endif
