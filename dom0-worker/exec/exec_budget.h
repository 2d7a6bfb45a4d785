/* SPDX-License-Identifier: MIT */
/*
 * What the worker can really hold (Documentation/worker.md, "Memory
 * budget"): the worker shares its domain's memory (Dom0's, with the
 * toolstack and the device models, or a GPU driver domain's) with the
 * kernel, so a per-VM promise it cannot back is no bound. One guest that
 * fills a budget larger than that domain gets the worker killed by the
 * OOM killer, and every VM with it.
 *
 *  - The worker's share of host RAM: EXEC_BUDGET_HOST_PCT of it.
 *  - The CPU executor's mem-budget (its VMs' "device" memory is the
 *    worker's heap): by default half that share; one the operator set
 *    above the share gets a warning, above the host's RAM a refusal.
 *  - The CUDA executor's fixed host memory per VM (its staging, shared
 *    with the VM's process): a connect whose staging would take the VMs
 *    past the share is refused.
 *  - Quotas against the device's memory (the GPU's, or mem-budget): a
 *    connect that takes the sum of the VMs' mem-quotas past it is let in
 *    with a warning (an overcommit the operator chose: a VM may then get
 *    NO_MEMORY below its quota, never another VM's memory).
 * Pure arithmetic; the caller logs.
 */
#ifndef VGPU_WORKER_EXEC_BUDGET_H
#define VGPU_WORKER_EXEC_BUDGET_H

#include <stdint.h>

#define EXEC_BUDGET_HOST_PCT	50
#define EXEC_BUDGET_MIN_CPU	(16ull << 20)

struct exec_budget {
	uint64_t host_share;	/* bytes of host RAM for the worker; 0: no checks */
	uint64_t per_vm_host;	/* each VM's fixed host memory */
	uint64_t device_mem;	/* what the VMs' quotas share */
	uint32_t nvms;		/* VMs let in */
	uint64_t quotas;	/* their mem-quotas, summed */
};

/* The worker's share of @host_ram. */
uint64_t exec_budget_host_share(uint64_t host_ram);
/* The CPU executor's default mem-budget on a host of @host_ram. */
uint64_t exec_budget_default_cpu(uint64_t host_ram);

enum { EXEC_BUDGET_OK, EXEC_BUDGET_WARN, EXEC_BUDGET_REFUSE };
/* A mem-budget the operator set, against the host: EXEC_BUDGET_*. */
int exec_budget_check_cpu(uint64_t mem_budget, uint64_t host_ram);

/*
 * A VM with @quota (0: none) connects. EXEC_BUDGET_OK or _WARN (quotas
 * overcommit the device): counted; EXEC_BUDGET_REFUSE (host memory):
 * not counted.
 */
int exec_budget_admit(struct exec_budget *b, uint64_t quota);
/* A VM admitted with @quota leaves. */
void exec_budget_leave(struct exec_budget *b, uint64_t quota);

#endif
