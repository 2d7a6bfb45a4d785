/* SPDX-License-Identifier: MIT */
/*
 * Executor interface: what runs a request's work. One ops table per kind
 * (CPU now; CUDA later); the worker sees only this.
 *
 * The worker calls exec_execute(): it validates the request (exec_validate,
 * the same rules whatever the executor), calls the executor's execute op
 * and stretches the op to --op-delay-ms. Data moves only through the
 * exec_data callbacks, which copy between the request's guest buffer and
 * the executor's memory (for the worker: VGPU_BACK_IOC_COPY).
 *
 * An executor may also run requests asynchronously (ops submit, pollfd,
 * reap; the CUDA executor does): the worker then validates, submits and
 * goes on, keeping requests of many VMs in flight (one per VM), and polls
 * the executor's descriptor for their completions. --op-delay-ms does not
 * apply to those.
 */
#ifndef VGPU_WORKER_EXEC_H
#define VGPU_WORKER_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include <uapi/linux/vgpu_back.h>

/* Largest piece one copy callback moves; bigger transfers loop. */
#define EXEC_COPY_CHUNK		(1u << 20)

/* One VM's device as the executor sees it. */
struct exec_vm {
	struct vgpu_back_vm cfg;	/* settings; the worker keeps them current */
	void *priv;			/* the executor's per-VM state */
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
	uint64_t mem_budget;	/* bytes the CPU executor may allocate in all */
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

struct executor;

/* How an asynchronous executor reports a finished request (reap op). */
typedef void (*exec_done_fn)(void *arg, void *tag,
			     const struct exec_result *res);

struct exec_ops {
	const char *name;
	/* 0, or -errno (-ENODEV: this kind cannot run on this host). */
	int (*init)(struct executor *ex);
	void (*fini)(struct executor *ex);
	/* A VM connected: set up vm->priv. 0 or -errno. */
	int (*vm_attach)(struct executor *ex, struct exec_vm *vm);
	/* A VM disconnected: free all its memory and modules. */
	void (*vm_detach)(struct executor *ex, struct exec_vm *vm);
	/* Runs a request that passed exec_validate(). */
	void (*execute)(struct executor *ex, struct exec_vm *vm,
			const struct vgpu_back_req *req,
			const struct exec_data *data, struct exec_result *res);
	/* Fills *out; @vm may be NULL. */
	void (*info)(struct executor *ex, const struct exec_vm *vm,
		     struct exec_info *out);

	/*
	 * Optional (NULL for synchronous executors). submit starts a request
	 * that passed exec_validate() and returns 0: reap reports it later
	 * with @tag; @data and what it points to stay valid until then. Or
	 * it returns 1 with *res filled: finished at once, no report. At
	 * most one request of a VM is submitted at a time. vm_detach of a VM
	 * with a request in flight ends it without a report.
	 */
	int (*submit)(struct executor *ex, struct exec_vm *vm,
		      const struct vgpu_back_req *req,
		      const struct exec_data *data, void *tag,
		      struct exec_result *res);
	/* A descriptor that polls readable when reap has work. */
	int (*pollfd)(struct executor *ex);
	/*
	 * Does what is ready without blocking (completions, timeouts,
	 * restarts) and calls @done for each finished request. Returns how
	 * many finished.
	 */
	int (*reap)(struct executor *ex, exec_done_fn done, void *arg);
};

struct executor {
	const struct exec_ops *ops;
	struct exec_params params;
	void *priv;
};

/*
 * Creates the executor @kind ("cpu", "cuda" or "auto": the first of CUDA,
 * CPU that starts on this host). 0 or -errno (-ENOENT: unknown kind,
 * -ENODEV: not available here).
 */
int exec_create(struct executor *ex, const char *kind,
		const struct exec_params *p);
void exec_destroy(struct executor *ex);

/* VGPUIF_RSP_OKAY, or VGPUIF_RSP_INVALID for a malformed request. */
int32_t exec_validate(const struct vgpu_back_req *req);

/* Validates, runs, and waits out the op delay. */
void exec_execute(struct executor *ex, struct exec_vm *vm,
		  const struct vgpu_back_req *req, const struct exec_data *data,
		  struct exec_result *res);

/* Copies in pieces of EXEC_COPY_CHUNK. 0 or -errno. */
int exec_copy(const struct exec_data *data, uint32_t direction,
	      uint64_t offset, void *buf, uint64_t len);

/*
 * GET_INFO for any executor: builds struct vgpuif_info from the VM's
 * settings and the info op, and copies it to the guest.
 */
void exec_reply_info(struct executor *ex, const struct exec_vm *vm,
		     const struct exec_data *data, struct exec_result *res);

/* Lower-case name of an operation ("vector_add"), "?" if unknown. */
const char *exec_op_name(uint8_t op);

extern const struct exec_ops exec_cpu_ops;
extern const struct exec_ops exec_cuda_ops;

#endif
