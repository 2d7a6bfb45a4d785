/* SPDX-License-Identifier: MIT */
/*
 * The per-VM executor process (vgpu-cuda-exec): its command loop
 * (cx_child.c and the files it calls, listed in cx_priv.h; no CUDA) over
 * a device layer (struct cx_dev_ops): the CUDA Driver API one
 * (cx_dev_cuda.c) or a host-memory stand-in for tests on machines without
 * a GPU (cx_dev_fake.c). The protocol with the worker is in
 * ../exec_cuda_ipc.h.
 *
 * The loop owns everything a VM's protocol state needs: its allocation
 * table (every device address a guest names is checked against it), quota
 * accounting, module handles (opaque numbers, never device pointers), the
 * chunk pipeline through the staging slots. The device layer only runs
 * what the loop has checked. One device, one context, one process: the
 * layer keeps its state in statics.
 */
#ifndef VGPU_CUDA_EXEC_CX_CHILD_H
#define VGPU_CUDA_EXEC_CX_CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cx_confine.h"
#include "exec_cuda_ipc.h"

struct cx_opts {
	int sock_fd, shm_fd;
	int device;		/* CUDA device ordinal */
	const char *sched;	/* auto, spin, yield, block */
	const char *name;	/* for log lines: "domid/devid" */
	uint32_t spin_us;	/* spin before sleeping, idle and in waits */
	uint32_t stack_bytes;	/* CU_LIMIT_STACK_SIZE; 0: the driver's */
	uint32_t max_allocs;
	uint32_t max_modules;
	uint64_t handle_base;	/* first module handle (unique per process) */
	struct cx_confine conf;	/* applied once the device is open */
	int probe;		/* print the device and exit */
};

/* Events: one per staging slot, then one per command of the ring. */
#define CX_EV_SLOT(slot)	(slot)
#define CX_EV_CMD(c, seq)	((c)->nslots + (seq) % CX_RING)

/*
 * Every op returns a VGPUIF_RSP_* status; on an error it records the
 * device's own code with cx_dev_error(), and whether the context is lost.
 * Copies and kernels are queued on the VM's stream in order; record(ev)
 * marks the stream there and query(ev) tells when it got that far.
 */
struct cx_dev_ops {
	const char *name;
	/* Prints "ok\t<mem_total>\t<mem_free>\t<name>\n"; the exit status. */
	int (*probe)(const struct cx_opts *o, FILE *out);
	/*
	 * Creates the context and ctrl->nslots + CX_RING events, pins
	 * [staging, staging + len) (slots and inline areas) and maps it for
	 * kernels, fills ctrl->device_name, mem_total, pinned, zero_copy,
	 * stream_prio. 0 or a nonzero device error code.
	 */
	int (*init)(const struct cx_opts *o, struct cx_ctrl *ctrl,
		    void *staging, size_t len);
	int32_t (*set_prio)(uint8_t prio);	/* VGPUIF_PRIO_* */
	int32_t (*mem_alloc)(uint64_t size, uint64_t *dptr);	/* zeroed */
	int32_t (*mem_free)(uint64_t dptr);
	int32_t (*mem_info)(uint64_t *free_b, uint64_t *total_b);
	/*
	 * Keeps [lo, hi) out of every later mem_alloc (device address
	 * space only, no memory), for the process's life; VGPUIF_RSP_OKAY
	 * only if exactly that range was reserved.
	 */
	int32_t (*reserve_va)(uint64_t lo, uint64_t hi);
	int32_t (*h2d)(uint64_t dptr, const void *src, size_t len);
	int32_t (*d2h)(void *dst, uint64_t dptr, size_t len);
	int32_t (*record)(uint32_t ev);
	/* VGPUIF_RSP_OKAY when the stream got past record(ev), 1 if not yet. */
	int32_t (*query)(uint32_t ev);
	/* The device address of pinned staging memory (zero_copy only). */
	uint64_t (*host_devptr)(void *host);
	/*
	 * @image has a NUL after its @len bytes (PTX is text). *@bytes: the
	 * device memory the load took (code, constants, __device__
	 * variables), which the loop counts against the VM's mem-quota.
	 */
	int32_t (*module_load)(const void *image, size_t len, void **mod,
			       uint64_t *bytes);
	int32_t (*module_unload)(void *mod);
	int32_t (*launch)(void *mod, const char *name,
			  const struct vgpuif_launch_args *l,
			  const void *params, size_t params_len);
	/* c[i] = a[i] + b[i], i < n, float32, on the stream. */
	int32_t (*vector_add)(uint64_t a, uint64_t b, uint64_t c, uint32_t n);
	/* Waits until the stream is idle. */
	int32_t (*sync)(void);
	/*
	 * Issue 18's operations. memset: @size bytes at @dptr, @value in
	 * @elem_size-byte elements (1, 2, 4), on the stream. copy_d2d: on
	 * the stream. module_global: the address and size of __device__
	 * variable @name of @mod (NOT_FOUND if none). attrs: fills attr[]
	 * (VGPUIF_ATTR_*) and *nr, and name[64]. timestamp: waits for the
	 * stream and gives a nanosecond clock of the device (differences
	 * are GPU time); 0 the first time.
	 */
	int32_t (*memset)(uint64_t dptr, uint32_t value, uint8_t elem_size,
			  uint64_t size);
	int32_t (*copy_d2d)(uint64_t dst, uint64_t src, uint64_t size);
	int32_t (*module_global)(void *mod, const char *name, uint64_t *dptr,
				 uint64_t *size);
	int32_t (*attrs)(int32_t *attr, uint32_t *nr, char *name);
	int32_t (*timestamp)(uint64_t *ns);
	/*
	 * FUNC_ATTRS: the CU_FUNC_ATTRIBUTE_* values of kernel @name of
	 * @mod (NOT_FOUND if none), as struct vgpuif_func_attrs.
	 */
	int32_t (*func_attrs)(void *mod, const char *name,
			      struct vgpuif_func_attrs *a);
};

/* Records the device's error code behind a status; @lost: context gone. */
void cx_dev_error(int code, int lost);

/* The process's main(): parses argv, runs the loop. Returns the exit code. */
int cx_child_main(const struct cx_dev_ops *dev, int argc, char **argv);

/* Log line on stderr: "vgpu-cuda-exec[pid] NAME: message". */
void cx_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
