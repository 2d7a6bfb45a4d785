/* SPDX-License-Identifier: MIT */
/*
 * libcuda.so.1 over a vgpu device: what the files of this folder share.
 * Objects (contexts, streams, events, modules, functions) are handles the
 * library checks against its live set before use, so a stale or bogus
 * handle gets CUDA_ERROR_INVALID_HANDLE / INVALID_CONTEXT, not a crash.
 * Every device operation runs on one submission thread (queue.c) in the
 * order it was issued; see Documentation/libcuda.md, "Ordering".
 */
#ifndef VGPU_LIBCUDA_CUVG_H
#define VGPU_LIBCUDA_CUVG_H

#include <cuda.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cuvg_transport.h"

#define CUVG_EXPORT __attribute__((visibility("default")))

enum cuvg_kind { K_CTX = 1, K_STREAM, K_EVENT, K_MODULE, K_FUNC, K_GRAPH,
		 K_GRAPH_EXEC };

struct cuvg_obj {
	uint32_t magic;		/* 0x76677075 while live */
	uint32_t kind;		/* enum cuvg_kind */
	struct cuvg_obj *next;	/* the live set */
};

struct cuvg_ctx {
	struct cuvg_obj o;
	unsigned int flags;
	int primary;
	int refs;		/* contexts created: 1; primary: retains */
};

struct cuvg_stream {
	struct cuvg_obj o;
	struct cuvg_ctx *ctx;
	unsigned int flags;
	int priority;
	uint64_t last;		/* sequence number of its last queued op */
	unsigned long long id;	/* cuStreamGetId's: from 2, never reused */
	struct cuvg_graph *capture;	/* being recorded into (graph.c) */
};

struct cuvg_event {
	struct cuvg_obj o;
	unsigned int flags;
	uint64_t seq;		/* the record's op; 0: never recorded */
	uint64_t t_ns;		/* host time the record completed at */
	int done;
};

/* A kernel's parameters: where each goes in the packed blob. */
#define CUVG_MAX_KPARAMS 512
struct cuvg_kparams {
	uint32_t n;
	uint32_t total;		/* bytes of the blob */
	uint16_t off[CUVG_MAX_KPARAMS];
	uint16_t size[CUVG_MAX_KPARAMS];
};

struct cuvg_func {
	struct cuvg_obj o;
	struct cuvg_module *mod;
	char name[VGPU_FUNC_NAME_MAX + 1];
	int have_params;	/* the image told its parameter layout */
	struct cuvg_kparams kp;
	struct cuvg_func *next_in_mod;
	int have_attrs;		/* FUNC_ATTRS answered: attrs (func_attrs.c) */
	struct vgpu_func_attrs attrs;
	int max_dynamic_shared;	/* cuFuncSetAttribute's; -1: not set */
};

struct cuvg_module {
	struct cuvg_obj o;
	uint64_t handle;	/* the device's */
	void *image;		/* our copy, for parameter info and globals */
	size_t size;
	struct cuvg_func *funcs;
	int managed_state;	/* CUVG_MANAGED_*: its __managed__ variables */
};

/* init.c */
extern struct cuvg_transport cuvg_tp;
extern struct vgpu_info cuvg_info;
extern struct vgpu_device_attrs cuvg_attrs;	/* valid if cuvg_have_attrs */
extern int cuvg_have_attrs;
CUresult cuvg_ready(void);	/* cuInit done? */
CUresult cuvg_err(int neg_errno);	/* -errno of a transport -> CUresult */
void cuvg_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cuvg_unsupported(const char *name);
uint64_t cuvg_now_ns(void);
int cuvg_transport_open_dev(struct cuvg_transport *t);	/* transport_dev.c */
extern cuvg_transport_open_fn cuvg_transport_opener;	/* tests only */

/* objects.c: the live set. */
void cuvg_obj_add(struct cuvg_obj *o, enum cuvg_kind kind);
void cuvg_obj_del(struct cuvg_obj *o);
int cuvg_obj_live(const void *p, enum cuvg_kind kind);

/* ctx.c */
struct cuvg_ctx *cuvg_current(void);	/* NULL: none */
CUresult cuvg_need_ctx(void);

/* queue.c: the submission queue and its thread. */
enum cuvg_op {
	Q_WRITE, Q_READ, Q_COPY_DD, Q_SET, Q_LAUNCH, Q_SYNC, Q_EVENT,
	Q_ALLOC, Q_FREE, Q_LOAD, Q_UNLOAD, Q_INFO, Q_NOP, Q_GLOBAL, Q_ATTRS,
	Q_WRITE_2D, Q_READ_2D, Q_FUNC_ATTRS, Q_HOST_FN
};

struct cuvg_req {
	enum cuvg_op op;
	uint64_t seq;
	uint64_t dptr, dptr2, len;
	const void *src;	/* host source, not owned (synchronous) */
	void *dst;		/* host destination */
	void *owned;		/* staged data, freed by the queue */
	uint32_t value, elem;	/* Q_SET: pattern and its size (1, 2, 4) */
	/*
	 * Q_WRITE_2D / Q_READ_2D: @rows rows of @width bytes, @dpitch apart
	 * on the device, @hpitch apart in host memory (@owned: packed, @width
	 * apart); len is width * rows.
	 */
	uint64_t width, rows, hpitch, dpitch;
	uint64_t ret;
	struct cuvg_event *ev;
	/*
	 * Q_LAUNCH (@name in @owned, after the parameters), Q_GLOBAL and
	 * Q_FUNC_ATTRS (the caller's: they are synchronous).
	 */
	uint64_t module;
	const char *name;
	uint32_t plen, grid[3], block[3], shmem;
	/*
	 * Q_HOST_FN: once the device finished what was queued before it,
	 * host_fn(host_data), or stream_cb(cb_stream, status, host_data).
	 */
	CUhostFn host_fn;
	CUstreamCallback stream_cb;
	CUstream cb_stream;
	void *host_data;
	/* completion */
	int wait;		/* the caller waits; it frees the request */
	int done;
	int rc;			/* -errno */
	struct cuvg_req *next;
};

/*
 * Queues @r (a heap copy when !wait). With wait: returns once it ran and
 * its -errno status; without: 0, or an earlier asynchronous error. *seq
 * gets its sequence number.
 */
int cuvg_submit(struct cuvg_req *r, int wait, uint64_t *seq);
/* Runs a synchronous request: cuvg_submit(r, 1) mapped to a CUresult. */
CUresult cuvg_call(struct cuvg_req *r);
/*
 * Waits until the op of sequence @seq has run, then (with @device) until
 * the device finished it; returns the first asynchronous error since the
 * last synchronizing call (cleared by returning it), as CUDA does.
 */
CUresult cuvg_sync_upto(uint64_t seq, int device);
uint64_t cuvg_last_seq(void);
/* Waits until the op of sequence @seq has run; errors stay pending. */
void cuvg_wait_seq(uint64_t seq);
int cuvg_seq_done(uint64_t seq);
void cuvg_queue_stop(void);

/* mem.c: a module's __device__ variable, a valid copy range until unload. */
int cuvg_mem_add_global(uint64_t dptr, uint64_t size, const void *module);
void cuvg_mem_drop_globals(const void *module);
/* managed.c's allocations: [dptr, dptr + size) of the device block @base. */
int cuvg_mem_add_managed(uint64_t dptr, uint64_t size, uint64_t base);
/*
 * The allocation (or __device__ variable) holding @p: its start, size and
 * context (NULL for a variable). 0 if none holds it.
 */
int cuvg_mem_find(uint64_t p, uint64_t *start, uint64_t *size,
		  struct cuvg_ctx **ctx);
/* [p, p + len) inside one allocation (or __device__ variable)? */
int cuvg_dev_range(uint64_t p, uint64_t len);
/* A stream argument: NULL, the legacy or per-thread handle, or a live one. */
CUresult cuvg_stream_check(CUstream s, struct cuvg_stream **out);
/*
 * A current context, then a stream argument as cuvg_stream_check takes it
 * (into *@out, unless @out is NULL).
 */
CUresult cuvg_ctx_stream(CUstream s, struct cuvg_stream **out);
/*
 * Queues @r on @s (@async; the stream's last op becomes it) or runs it and
 * reports an earlier asynchronous error. Frees @r->owned on refusal.
 */
CUresult cuvg_issue(struct cuvg_req *r, CUstream s, int async);

/*
 * func_attrs.c: the host's FUNC_ATTRS values of @f into *@out, asked once
 * per function and kept. CUDA_ERROR_NOT_SUPPORTED where the host cannot
 * tell (a driver or host without FUNC_ATTRS, the CPU executor): then it
 * is not asked again, for any function.
 */
CUresult cuvg_func_attrs(struct cuvg_func *f, struct vgpu_func_attrs *out);
/*
 * The dynamic shared memory a launch may ask without cuFuncSetAttribute
 * (CUDA's 48 KiB); the largest the program set for @f; -1: none.
 */
#define CUVG_DEFAULT_DYNAMIC_SHARED 49152u
int cuvg_func_max_dynamic_shared(struct cuvg_func *f);
/* The next transport may have FUNC_ATTRS (vgpu_cuda_shutdown()). */
void cuvg_func_attrs_reset(void);

/*
 * managed.c: managed memory, each allocation the host's or the device's.
 * _has: @p is managed memory. _to_device: the allocation holding @p (0:
 * every one) becomes the device's, its data copied there. _to_host: every
 * one the device holds comes back (a synchronizing call's last step).
 * _drop: @p's mirror unmapped (its device block is the caller's to free).
 */
int cuvg_managed_has(uint64_t p);
CUresult cuvg_managed_to_device(uint64_t p);
CUresult cuvg_managed_to_host(void);
void cuvg_managed_drop(uint64_t p);
/*
 * A module's __managed__ variables (@vars, malloc'd, taken over): host
 * memory at their device addresses, holding their device values.
 * _drop_module: gone with the module.
 */
struct cuvg_range {
	uint64_t p, size;
};
CUresult cuvg_managed_add_module(const void *module, struct cuvg_range *vars,
				 unsigned int n);
void cuvg_managed_drop_module(const void *module);
/*
 * cuModuleGetGlobal's second step: the first lookup of a __managed__
 * variable of @m gives every one of them its mirror. Whether the module
 * has any is read from its image once.
 */
enum { CUVG_MANAGED_UNREAD, CUVG_MANAGED_NONE, CUVG_MANAGED_MIRRORED };
CUresult cuvg_managed_module_var(struct cuvg_module *m, const char *name);

/*
 * graph.c: stream capture. cuvg_capture records @r (asynchronous, on @st,
 * which is capturing) into its graph and frees @r->owned; what cannot be
 * recorded invalidates the capture. cuvg_capture_refuse: @what, on a
 * capturing stream, is not supported and invalidates it.
 * cuvg_capture_drop: @st goes, and the graph it was recording.
 */
struct cuvg_graph;
CUresult cuvg_capture(struct cuvg_stream *st, struct cuvg_req *r);
CUresult cuvg_capture_refuse(struct cuvg_stream *st, const char *what);
void cuvg_capture_drop(struct cuvg_stream *st);
int cuvg_capturing(CUstream hs);

/* module.c */
CUresult cuvg_image_size(const void *image, size_t *size);
int cuvg_find_params(const void *image, size_t size, const char *name,
		     struct cuvg_kparams *kp);
/* Each __managed__ variable the image names, to @cb; their count. */
unsigned int cuvg_image_managed(const void *image, size_t size,
				void (*cb)(const char *name, void *ctx),
				void *ctx);

#endif
