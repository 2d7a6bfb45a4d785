/* SPDX-License-Identifier: MIT */
/*
 * Executor interface: what runs a request's work. One ops table per kind
 * (exec_cpu.c, cuda/exec_cuda.c); the worker sees only this.
 *
 * The worker calls exec_submit(): it checks the request (vgpuif_check_op,
 * the same rules whatever the executor) and hands it to the executor's
 * submit op, which either finishes it at once (the CPU executor always
 * does) or keeps it: then the worker goes on, keeping requests of many
 * VMs in flight, polls the executor's descriptor and calls reap, which
 * reports them. Data moves only through the exec_data callbacks, which
 * copy between the request's guest buffer and the executor's memory (for
 * the worker: VGPU_BACK_IOC_COPY).
 *
 * --op-delay-ms stretches every request of an executor that finishes them
 * all at once (no reap op: the CPU executor), a malformed one too.
 */
#ifndef VGPU_WORKER_EXEC_H
#define VGPU_WORKER_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include <uapi/linux/vgpu_back.h>
#include <vgpu/vgpuif.h>

#include "exec/exec_budget.h"

/* Largest piece one copy callback moves; bigger transfers loop. */
#define EXEC_COPY_CHUNK		(1u << 20)

/* One VM's device as the executor sees it. */
struct exec_vm {
	struct vgpu_back_vm cfg;	/* settings; the worker keeps them current */
	void *priv;			/* the executor's per-VM state */
	uint64_t budget_quota;		/* the mem-quota exec_vm_attach() counted */
};

struct exec_data {
	/* direction: VGPU_BACK_COPY_*; returns 0 or -errno. */
	int (*copy)(void *ctx, uint32_t direction, uint64_t offset, void *buf,
		    uint64_t len);
	void *ctx;
};

struct exec_result {
	int32_t status;		/* VGPUIF_RSP_* */
	uint64_t ret[2];
};

struct exec_cuda_params;

struct exec_params {
	uint64_t mem_budget;	/* bytes the CPU executor may allocate in all; 0: auto */
	uint32_t op_delay_ms;	/* every op takes at least this long */
	uint32_t max_allocs;	/* allocations per VM */
	/* The CUDA executor's settings (exec_cuda.h); NULL: its defaults. */
	const struct exec_cuda_params *cuda;
};

/* The executor's device, and one VM's use of it. */
struct exec_info {
	char device_name[64];
	uint32_t flags;		/* VGPUIF_INFO_F_* */
	uint64_t mem_total;
	uint64_t mem_free;
	uint64_t mem_used;	/* the VM's, 0 when asked without a VM */
};

/*
 * GET_INFO's mem_free: what this VM may still allocate, its @quota (0 =
 * none) less its @used, at most what the device has @free. Not the
 * device's free memory alone: that moves with every other VM's
 * allocations, a channel between VMs. A VM without a quota may take all
 * that is free, so it is told that (set mem-quota to close the channel).
 */
static inline uint64_t exec_visible_free(uint64_t quota, uint64_t used,
					 uint64_t free_b)
{
	uint64_t left;

	if (!quota)
		return free_b;
	left = used < quota ? quota - used : 0;
	return left < free_b ? left : free_b;
}

/*
 * The executor's device as a whole and the executor's own counters
 * (exec_health()). An executor without a device of its own (the CPU
 * executor) is always "ok" and counts nothing here.
 */
struct exec_health {
	const char *state;	/* "ok", "lost", "probing" */
	uint64_t since_ns;	/* CLOCK_MONOTONIC: ok since, or not ok since;
				   0: always ok (no device of its own) */
	uint64_t age_ns;	/* in that state for this long (exec_health()) */
	uint64_t losses;	/* times the device was found lost */
	uint64_t probes;	/* probes started, all losses */
	uint64_t probes_failed;
	int32_t last_error;	/* device error of the last loss or failed
				   probe (CUresult), 0: none known */
	char last_why[96];	/* what it was, "" if never */
	/* Executor processes (CUDA): started, and why they ended. */
	uint64_t spawns;	/* started, spares and probes included */
	uint64_t restarts;	/* started for a VM that had one before */
	uint64_t start_failures;	/* did not come up */
	uint64_t faults;	/* requests answered VGPUIF_RSP_FAULT */
	uint64_t timeouts;	/* watchdog kills */
	uint64_t lost;		/* processes that ended unasked */
	uint64_t restarts_delayed;	/* restarts that waited (back-off) */
	uint64_t spares_taken;	/* VMs given a spare process */
	uint64_t device_lost;	/* requests answered VGPUIF_RSP_DEVICE_LOST */
};

struct executor;

/* How reap reports a request that finished after submit returned 0. */
typedef void (*exec_done_fn)(void *arg, void *tag,
			     const struct exec_result *res);

struct exec_ops {
	const char *name;
	/* 0, or -errno (-ENODEV: this kind cannot run on this host). */
	int (*init)(struct executor *ex);
	void (*fini)(struct executor *ex);
	/* A VM connected: set up vm->priv. 0 or -errno. */
	int (*vm_attach)(struct executor *ex, struct exec_vm *vm);
	/*
	 * A VM disconnected: free all its memory and modules. Its requests
	 * in flight end without a report.
	 */
	void (*vm_detach)(struct executor *ex, struct exec_vm *vm);
	/* Fills *out; @vm may be NULL. */
	void (*info)(struct executor *ex, const struct exec_vm *vm,
		     struct exec_info *out);

	/*
	 * Starts a request that passed vgpuif_check_op(). Returns 1 with
	 * *res filled (zeroed with status OKAY on entry): finished at once,
	 * no report. Or 0: reap reports it later with @tag; @data and what
	 * it points to stay valid until then. A VM's requests are reported
	 * in the order they were submitted.
	 */
	int (*submit)(struct executor *ex, struct exec_vm *vm,
		      const struct vgpu_back_req *req,
		      const struct exec_data *data, void *tag,
		      struct exec_result *res);
	/*
	 * pollfd and reap: NULL for an executor whose submit always
	 * finishes at once. pollfd: a descriptor that polls readable when
	 * reap has work.
	 */
	int (*pollfd)(struct executor *ex);
	/*
	 * Does what is ready without blocking (completions, timeouts,
	 * restarts) and calls @done for each finished request. Returns how
	 * many finished.
	 */
	int (*reap)(struct executor *ex, exec_done_fn done, void *arg);
	/* Fills *out past what exec_health() set; NULL: always ok. */
	void (*health)(struct executor *ex, struct exec_health *out);
};

struct executor {
	const struct exec_ops *ops;
	struct exec_params params;
	void *priv;
	struct exec_budget budget;	/* set by the worker; zero: no checks */
};

/*
 * A VM connects: checked against what the worker can hold (exec_budget.h;
 * a refusal is -ENOMEM, an overcommit of quotas a warning), then the
 * executor's vm_attach. exec_vm_detach() undoes both.
 */
int exec_vm_attach(struct executor *ex, struct exec_vm *vm);
void exec_vm_detach(struct executor *ex, struct exec_vm *vm);

/*
 * Creates the executor @kind ("cpu", "cuda" or "auto": the first of CUDA,
 * CPU that starts on this host). 0 or -errno (-ENOENT: unknown kind,
 * -ENODEV: not available here).
 */
int exec_create(struct executor *ex, const char *kind,
		const struct exec_params *p);
void exec_destroy(struct executor *ex);

/*
 * Checks @req (vgpuif_check_op: a malformed one finishes at once with
 * VGPUIF_RSP_INVALID) and submits it; the submit op's answer: 1 with *res
 * filled, or 0 and reap reports @tag later. Waits out the op delay of an
 * executor without a reap op.
 */
int exec_submit(struct executor *ex, struct exec_vm *vm,
		const struct vgpu_back_req *req, const struct exec_data *data,
		void *tag, struct exec_result *res);

/*
 * Runs one request to the end: exec_submit(), then reap until it is
 * reported. For callers with nothing else in flight on the executor
 * (tests, tools): reports of other requests are dropped.
 */
void exec_execute(struct executor *ex, struct exec_vm *vm,
		  const struct vgpu_back_req *req, const struct exec_data *data,
		  struct exec_result *res);

/* The device's health and the executor's counters (struct exec_health). */
void exec_health(struct executor *ex, struct exec_health *out);

/* Copies in pieces of EXEC_COPY_CHUNK. 0 or -errno. */
int exec_copy(const struct exec_data *data, uint32_t direction,
	      uint64_t offset, void *buf, uint64_t len);

/*
 * GET_INFO for any executor: builds struct vgpuif_info from the VM's
 * settings and the info op, and copies it to the guest.
 */
void exec_reply_info(struct executor *ex, const struct exec_vm *vm,
		     const struct exec_data *data, struct exec_result *res);

extern const struct exec_ops exec_cpu_ops;
extern const struct exec_ops exec_cuda_ops;

/*
 * DEVICE_ATTRS (exec_attrs.c). exec_attrs_finish() imposes on a proposed
 * table what a guest may see: nr_attrs at most VGPUIF_NR_ATTRS, the rest
 * 0; PCI ids, mapped and managed memory and concurrent kernels 0;
 * total_mem the VM's mem-quota when it has one below @gpu_mem_total; the
 * VM's UUID (exec_vm_uuid()); the name NUL-padded. exec_reply_attrs()
 * does that and writes it to the guest. exec_cpu_attrs(): the CPU
 * executor's fixed table.
 */
void exec_vm_uuid(uint32_t vm_id, uint8_t uuid[16]);
void exec_attrs_finish(const struct exec_vm *vm, uint64_t gpu_mem_total,
		       struct vgpuif_device_attrs *a);
void exec_reply_attrs(const struct exec_vm *vm, uint64_t gpu_mem_total,
		      struct vgpuif_device_attrs *a,
		      const struct exec_data *data, struct exec_result *res);
void exec_cpu_attrs(struct vgpuif_device_attrs *a);

#endif
