/* SPDX-License-Identifier: MIT */
/*
 * The simulated vgpu backend of the unit tests, the GPU tests and the GPU
 * benchmarks: the worker's transport ops (dom0-worker/transport/transport.h)
 * over in-memory guest buffers, so a test runs the real worker loop,
 * scheduler and executors exactly as /dev/vgpu-back feeds them, without
 * Xen. It checks what the worker does with the rules of
 * include/uapi/linux/vgpu_back.h:
 *  - REQUEST events carry a fresh handle; handles grow in the order the
 *    requests were queued. The guest buffer (req.data_len bytes) is the
 *    caller's and must live until the request completes;
 *  - copy: the worker must hold the request (read, not yet completed),
 *    [offset, offset + len) must lie inside data_len and the direction be
 *    one the operation moves data in (vgpuif_op_dirs() of
 *    include/vgpu/vgpuif_ops.h); otherwise -EINVAL. Copies may come from
 *    any thread (the CUDA executor's copy threads);
 *  - write_completions: a batch stops at the first handle the worker does
 *    not hold (unknown, never read, already completed); -EINVAL if that
 *    is the first;
 *  - DISCONNECT: the device's unread REQUEST events go away and its
 *    outstanding requests are completed by the backend itself (status
 *    VGPUIF_RSP_NO_WORKER, by_backend set) before the event is queued.
 * Events are delivered in the order queued; pollfd() is an eventfd that is
 * readable while events wait. Every function may be called from any
 * thread.
 *
 * A request is queued in one of two ways:
 *  - simbe_request(), the unit tests' way: the backend keeps the request
 *    and, once it completes, a record of the completion, in order
 *    (simbe_nr_completions(), simbe_completion_at(), simbe_completion_of());
 *  - simbe_submit(), a guest thread's way in the GPU tests and benchmarks:
 *    the caller's struct simreq is the record, the completion is written
 *    into it and wakes simbe_wait(); the backend keeps nothing (a benchmark
 *    completes millions).
 * At most SIMBE_SLOTS requests are outstanding at once (more aborts: no
 * guest ring holds that many).
 */
#ifndef VGPU_TESTS_SIM_SIMBE_H
#define VGPU_TESTS_SIM_SIMBE_H

#include <stdatomic.h>
#include <stdint.h>

#include "dom0-worker/transport/transport.h"

#define SIMBE_SLOTS	4096u

struct simreq {
	/* Filled by the caller. */
	struct vgpu_back_vm vm;		/* domid, devid name the device */
	struct vgpu_back_req req;
	void *buf;			/* req.data_len bytes */
	/* Filled by the simulated backend. */
	uint64_t handle;
	int32_t status;
	uint64_t ret[2];
	uint64_t t_submit, t_complete;	/* CLOCK_MONOTONIC ns */
	_Atomic uint32_t done;
	uint32_t state;
	uint8_t by_backend;		/* ended by DISCONNECT, not by the worker */
	uint8_t kept;			/* queued by simbe_request() */
};

/* The record of a completion of a request queued by simbe_request(). */
struct simbe_completion {
	struct vgpu_back_completion c;
	uint16_t domid, devid;
	uint8_t operation;
	uint8_t by_backend;		/* ended by DISCONNECT, not by the worker */
};

int simbe_open(struct transport *t);

void simbe_connect(struct transport *t, const struct vgpu_back_vm *vm);
void simbe_config(struct transport *t, const struct vgpu_back_vm *vm);
void simbe_disconnect(struct transport *t, uint16_t domid, uint16_t devid);
/* Queues any event as is (for malformed-event tests). */
void simbe_push_event(struct transport *t, const struct vgpu_back_event *ev);

/* Queues a REQUEST; @buf holds req->data_len bytes. Returns its handle. */
uint64_t simbe_request(struct transport *t, const struct vgpu_back_vm *vm,
		       const struct vgpu_back_req *req, void *buf);
/* Completions of simbe_request()'s requests, in the order they happened. */
unsigned int simbe_nr_completions(struct transport *t);
/* Valid until the next completion; NULL past the end. */
const struct simbe_completion *simbe_completion_at(struct transport *t,
						   unsigned int i);
/* The completion of @handle, or NULL while it is outstanding. */
const struct simbe_completion *simbe_completion_of(struct transport *t,
						   uint64_t handle);

/* Queues @r; it stays the caller's and must live until simbe_done(r). */
void simbe_submit(struct transport *t, struct simreq *r);
/* Waits for @r: spins @spin_ns, then sleeps. Returns r->status. */
int32_t simbe_wait(struct simreq *r, uint64_t spin_ns);
/* Nonzero once @r completed. */
static inline int simbe_done(struct simreq *r)
{
	return atomic_load_explicit(&r->done, memory_order_acquire) != 0;
}

/* Events queued and not yet read. */
unsigned int simbe_pending_events(struct transport *t);
/* Requests the worker has read and not completed. */
unsigned int simbe_held(struct transport *t);
/* Limits events per read (0: no limit beyond the caller's). */
void simbe_set_read_max(struct transport *t, unsigned int max);

struct simbe_stats {
	uint64_t events;		/* queued */
	uint64_t reads;			/* reads that returned events */
	uint64_t writes;		/* write_completions calls */
	uint64_t completions;		/* by the worker or by DISCONNECT */
	uint64_t copies;
	uint64_t bad_copies;		/* refused with -EINVAL */
	uint64_t bad_completions;	/* a batch stopped at this handle */
	uint64_t bytes_from_guest, bytes_to_guest;
};
void simbe_get_stats(struct transport *t, struct simbe_stats *st);

uint64_t simbe_now_ns(void);

#endif
