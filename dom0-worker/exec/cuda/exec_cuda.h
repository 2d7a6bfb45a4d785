/* SPDX-License-Identifier: MIT */
/*
 * The CUDA executor, worker side (Documentation/cuda-executor.md).
 *
 * Each VM device gets an executor process of its own (vgpu-cuda-exec, built
 * from cx_*.c where cuda.h exists) with its own CUDA
 * context: a sticky CUDA error or a crash ends that process only, and the
 * worker starts a fresh one. The worker side (exec_cuda*.c,
 * exec_cuda_priv.h) holds no CUDA: it starts, feeds and supervises those
 * processes (exec_cuda_ipc.h), so the worker builds and runs on hosts
 * without cuda.h or libcuda; there, `vgpu-cuda-exec --probe` fails (or the
 * program is missing) and "auto" falls back to the CPU executor.
 *
 * Requests run asynchronously (the submit, pollfd and reap ops of exec.h):
 * submit hands one to the VM's process and returns; the worker polls the
 * executor's descriptor and calls reap, which reports finished requests,
 * each VM's in the order submitted. A VM may have up to its max-inflight
 * (else --vm-inflight) requests in its process, which pipelines them;
 * any number of VMs may have requests there.
 *
 * Large copies go through helper threads ("copy threads") that call the
 * exec_data copy callback concurrently, each on its own chunk: with
 * copy_threads > 0 the callback must be thread-safe (VGPU_BACK_IOC_COPY
 * is). With copy_threads == 0 every copy runs on the caller's thread.
 */
#ifndef VGPU_WORKER_EXEC_CUDA_H
#define VGPU_WORKER_EXEC_CUDA_H

#include <stdint.h>

#include "exec/exec.h"

struct exec_cuda_params {
	/* The executor program; "" or NULL: vgpu-cuda-exec beside the worker. */
	const char *program;
	/* An argument put before all others (tests run themselves as child). */
	const char *program_arg;
	int device;			/* CUDA device ordinal */
	const char *sched;		/* context scheduling: auto spin yield block */
	uint32_t request_timeout_ms;	/* watchdog; 0: none */
	uint32_t start_timeout_ms;	/* a process's start-up */
	uint32_t slot_size;		/* staging chunk, bytes (multiple of 4096) */
	uint32_t nslots;		/* staging chunks per VM */
	uint32_t copy_threads;		/* helper threads for large copies */
	uint32_t inline_max;		/* copies up to this many bytes stay inline */
	uint32_t spin_us;		/* the process spins this long before sleeping */
	uint32_t stack_bytes;		/* context's per-thread stack; 0: driver's */
	/*
	 * The MPS tier (cuda-executor.md): the processes are clients of the
	 * MPS server of this pipe directory (NULL or "": none), those of
	 * medium and low VMs limited to this share of the SMs (100: none).
	 */
	const char *mps_pipe;
	uint32_t mps_lower_percent;
	/*
	 * Confinement of the processes (cx_confine.h): the user they switch
	 * to once their device is open (uid 0: they stay the worker's), and
	 * what their seccomp filter does with a call it does not allow
	 * (0 kill, the default; 1 log; 2 no filter).
	 */
	uint32_t exec_uid, exec_gid;
	int seccomp;
	/* Processes kept started with no VM, for the next connects. */
	uint32_t spare;
};

/* The defaults; exec_params.cuda == NULL means these. */
void exec_cuda_default_params(struct exec_cuda_params *p);

/* Requests in flight in all. */
unsigned int exec_cuda_inflight(struct executor *ex);

struct exec_cuda_stats {
	uint64_t spawns;		/* processes started (first ones included) */
	uint64_t ready;			/* of them, that came up */
	uint64_t start_ns_sum;		/* spawn-to-ready time, summed */
	uint64_t start_ns_max;
	uint64_t timeouts;		/* watchdog kills */
	uint64_t faults;		/* requests answered VGPUIF_RSP_FAULT */
	uint64_t lost;			/* processes that ended unasked */
	uint64_t restarts_delayed;	/* restarts that waited (back-off) */
	uint64_t pooled_chunks;		/* chunks moved by copy threads */
	uint64_t inline_chunks;		/* chunks moved on the caller's thread */
	uint64_t spares_taken;		/* VMs given a spare process */
	uint64_t restarts;		/* processes started for a VM that had one */
	uint64_t start_failures;	/* processes that did not come up */
	uint64_t device_lost;		/* requests answered DEVICE_LOST */
};
void exec_cuda_get_stats(struct executor *ex, struct exec_cuda_stats *st);
/* The process of a VM (tests), or -1. */
int exec_cuda_vm_pid(const struct exec_vm *vm);

#endif
