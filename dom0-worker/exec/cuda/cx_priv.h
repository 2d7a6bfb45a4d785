/* SPDX-License-Identifier: MIT */
/*
 * What the files of the executor process (vgpu-cuda-exec, cx_child.h)
 * share: the process's state and the calls between them. Calls run one
 * way, down this list, never up it:
 *
 *   cx_child.c   set-up (arguments, the shared memory) and the command
 *                loop: takes each command and runs it (run()), or hands
 *                it to
 *   cx_async.c   pipelined commands, held until the stream passes them,
 *                and every answer (pipelined or not), in order;
 *   cx_xfer.c    data through the staging slots: the copies a command
 *                queues on the stream, its input gathered on the host,
 *                the vector add's scratch;
 *   cx_mem.c     the VM's allocations and modules: every device address
 *                and module handle a guest names is checked here;
 *
 * and each of them calls the device layer (struct cx_dev_ops), which
 * calls back only cx_dev_error() and cx_log().
 */
#ifndef VGPU_CUDA_EXEC_CX_PRIV_H
#define VGPU_CUDA_EXEC_CX_PRIV_H

#include <stdint.h>

#include "exec/alloc_table.h"

#include "cx_child.h"

/* Launch blobs and module images are assembled here. */
#define CX_HOSTBUF_MAX		(VGPUIF_MAX_DATA_LEN + 1u)

struct cx_module {
	uint64_t handle;
	void *mod;
	uint64_t bytes;		/* its device memory, in allocs.used */
};

/* The process's state (one VM, one device); defined in cx_child.c. */
struct cx_state {
	const struct cx_dev_ops *dev;
	struct cx_opts o;
	struct cx_ctrl *ctrl;
	uint8_t *staging;
	uint64_t spin_ns;

	/*
	 * The VM's device memory: its allocations, and in allocs.used also
	 * its modules' memory (struct cx_module), so that the quota check,
	 * mem_used and GET_INFO see both.
	 */
	struct alloc_table allocs;

	/*
	 * The globals MODULE_GET_GLOBAL named (entry mem: the module's
	 * handle): valid ranges for the MEM_* commands until their module
	 * is unloaded. Not in allocs.used: the module's bytes count them.
	 */
	struct alloc_table globals;

	struct cx_module *m;
	uint32_t nm, cap_m;
	uint64_t next_handle;

	uint8_t *hostbuf;	/* CX_HOSTBUF_MAX bytes */
	uint64_t scratch;	/* vector add: a | b | c on the device */
	uint64_t scratch_size;

	uint32_t seq;		/* command being run */
	uint8_t prio;

	int err_code;		/* of the last device error */
	int lost;
};

extern struct cx_state cx;

/*
 * cx_async.c: pipelined commands and the answers. Each int-returning call
 * gives 0, or -1 when the context is lost and the process must exit.
 */
/* Wakes the worker (a byte on the socket). */
void cx_doorbell(void);
/* Posts @r as the answer to command @seq. */
void cx_answer(struct cx_rsp *r, uint32_t seq);
/* Answers the held commands at the head whose work is done. */
int cx_complete_ready(void);
/* Answers every held command, in order. */
int cx_drain_held(void);
/* Whether commands are held (work of ours may be on the device). */
int cx_held(void);
/* Whether @c is queued and held (cx_run_async) rather than run. */
int cx_pipelinable(const struct cx_cmd *c);
void cx_run_async(const struct cx_cmd *c);

/* cx_xfer.c: data through the staging slots; VGPUIF_RSP_* statuses. */
/* Starts a command's copies; cx_xfer_end() waits for them all. */
void cx_xfer_begin(void);
int32_t cx_xfer_end(int32_t st);
/* The command's input -> cx.hostbuf (NUL-terminated). */
int32_t cx_in_to_host(const struct cx_cmd *c);
/* MEM_WRITE, MEM_READ through the slots. */
int32_t cx_xfer(const struct cx_cmd *c);
/* VECTOR_ADD through the slots, on cx.scratch. */
int32_t cx_vector_add(const struct cx_cmd *c);
/* Allocates cx.scratch once, for the largest vector add. */
int32_t cx_need_scratch(void);

/* cx_mem.c: the VM's allocations and modules; VGPUIF_RSP_* statuses. */
int32_t cx_mem_alloc(const struct cx_cmd *c, uint64_t *ret);
int32_t cx_mem_free(uint64_t dptr);
/* [dptr, dptr + len) inside one allocation or global of the VM? */
int32_t cx_check_range(uint64_t dptr, uint64_t len);
/* MEM_SET, MEM_COPY: ranges checked, then queued on the stream. */
int32_t cx_mem_set_copy(const struct cx_cmd *c);
/* MODULE_GET_GLOBAL of the name in @name (the request's data). */
int32_t cx_module_get_global(const struct cx_cmd *c, const uint8_t *name,
			     uint64_t ret[2]);
/* FUNC_ATTRS of the name in @name (the request's data) into *@a. */
int32_t cx_func_attrs(const struct cx_cmd *c, const uint8_t *name,
		      struct vgpuif_func_attrs *a);
/*
 * Loads @image (@len bytes, a NUL after them); *ret: its handle. A module
 * whose device memory would take the VM past @quota (0 = none) is
 * unloaded again: VGPUIF_RSP_QUOTA.
 */
int32_t cx_module_load(const void *image, uint32_t len, uint64_t quota,
		       uint64_t *ret);
int32_t cx_module_unload(uint64_t handle);
/* LAUNCH of the name and parameters in @blob (the request's data). */
int32_t cx_launch(const struct cx_cmd *c, const uint8_t *blob);

#endif
