/* SPDX-License-Identifier: MIT */
/*
 * A simulated vgpu backend for GPU tests and benchmarks: the worker's
 * transport ops (dom0-worker/transport/transport.h) over in-memory guest buffers,
 * safe for many guest threads at once, so a test runs the real worker
 * loop, scheduler and executors exactly as /dev/vgpu-back feeds them,
 * without Xen:
 *  - a guest thread queues a request with simbe_submit() (what the
 *    backend does when it takes a request off a guest's ring) and waits
 *    for it with simbe_wait() (the guest's ioctl returning);
 *  - the worker reads REQUEST/CONNECT/CONFIG/DISCONNECT events, moves data
 *    with copy (the grant copy: memcpy between the guest buffer and the
 *    worker's memory, range and direction checked as the backend does)
 *    and writes completions, which wake the guest.
 * Copies may come from any thread (the CUDA executor's copy threads).
 */
#ifndef VGPU_TESTS_GPU_SIMBE_H
#define VGPU_TESTS_GPU_SIMBE_H

#include <stdatomic.h>
#include <stdint.h>

#include "dom0-worker/transport/transport.h"

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
};

int simbe_open(struct transport *t);
void simbe_connect(struct transport *t, const struct vgpu_back_vm *vm);
void simbe_config(struct transport *t, const struct vgpu_back_vm *vm);
/* Completes the device's requests with VGPUIF_RSP_NO_WORKER, as the backend. */
void simbe_disconnect(struct transport *t, uint16_t domid, uint16_t devid);
/* Queues @r; it stays the caller's and must live until simbe_wait() says done. */
void simbe_submit(struct transport *t, struct simreq *r);
/* Waits for @r: spins @spin_ns, then sleeps. Returns r->status. */
int32_t simbe_wait(struct simreq *r, uint64_t spin_ns);
/* Nonzero once @r completed. */
static inline int simbe_done(struct simreq *r)
{
	return atomic_load_explicit(&r->done, memory_order_acquire) != 0;
}

struct simbe_stats {
	uint64_t events, completions, copies, bad_copies, bad_completions;
	uint64_t bytes_from_guest, bytes_to_guest;
};
void simbe_get_stats(struct transport *t, struct simbe_stats *st);

uint64_t simbe_now_ns(void);

#endif
