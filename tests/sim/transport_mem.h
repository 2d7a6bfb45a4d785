/* SPDX-License-Identifier: MIT */
/*
 * An in-memory backend behind the transport ops: it hands the worker the
 * events a test (or a simulated backend) queues, and checks the worker's
 * completions and copies with the rules of include/uapi/linux/vgpu_back.h:
 *  - REQUEST events carry a fresh handle; the guest buffer is memory the
 *    caller owns (data_len bytes), kept until the request completes;
 *  - COPY: the handle must be held by the worker, [offset, offset + len)
 *    inside data_len, the direction one the operation allows (vgpuif.h);
 *    otherwise -EINVAL;
 *  - write(): a batch stops at the first unknown or already completed
 *    handle; -EINVAL if that is the first;
 *  - DISCONNECT: the device's outstanding requests are completed by the
 *    backend itself (status VGPUIF_RSP_NO_WORKER, recorded with flag
 *    by_backend) before the event is queued.
 * Events are delivered in the order queued; pollfd() is an eventfd that is
 * readable while events wait.
 */
#ifndef VGPU_WORKER_TRANSPORT_MEM_H
#define VGPU_WORKER_TRANSPORT_MEM_H

#include <stdint.h>

#include "transport/transport.h"

struct tmem_completion {
	struct vgpu_back_completion c;
	uint16_t domid, devid;
	uint8_t operation;
	uint8_t by_backend;	/* ended by DISCONNECT, not by the worker */
};

int transport_mem_open(struct transport *t);

void tmem_connect(struct transport *t, const struct vgpu_back_vm *vm);
void tmem_config(struct transport *t, const struct vgpu_back_vm *vm);
void tmem_disconnect(struct transport *t, uint16_t domid, uint16_t devid);
/* Queues a REQUEST; @buf holds req->data_len bytes. Returns its handle. */
uint64_t tmem_request(struct transport *t, const struct vgpu_back_vm *vm,
		      const struct vgpu_back_req *req, void *buf);
/* Queues any event as is (for malformed-event tests). */
void tmem_push_event(struct transport *t, const struct vgpu_back_event *ev);

/* Completions in the order they were accepted. */
unsigned int tmem_nr_completions(struct transport *t);
const struct tmem_completion *tmem_completion_at(struct transport *t,
						 unsigned int i);
/* The completion of @handle, or NULL while it is outstanding. */
const struct tmem_completion *tmem_completion_of(struct transport *t,
						 uint64_t handle);
unsigned int tmem_pending_events(struct transport *t);
/* Requests the worker has read and not completed. */
unsigned int tmem_held(struct transport *t);
/* Limits events per read (0: no limit beyond the caller's). */
void tmem_set_read_max(struct transport *t, unsigned int max);

struct tmem_stats {
	uint64_t reads, writes, copies;
	uint64_t bad_copies;		/* refused with -EINVAL */
	uint64_t bad_completions;	/* unknown handle in a batch */
	uint64_t bytes_from_guest, bytes_to_guest;
};
void tmem_get_stats(struct transport *t, struct tmem_stats *st);

#endif
