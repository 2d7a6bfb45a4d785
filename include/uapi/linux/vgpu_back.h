/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Dom0 ABI of /dev/vgpu-back, between the vgpu-back module and the worker.
 *
 * One process (the worker) opens the device at a time; a second open gets
 * EBUSY. The worker needs no Xen privilege: it never sees grant references,
 * only handles, and asks the backend to copy data.
 *
 * read(): blocks (or EAGAIN with O_NONBLOCK; poll() gives POLLIN) until at
 *   least one event is ready, then returns as many whole struct
 *   vgpu_back_event as fit in the buffer (EINVAL if not even one fits).
 *   Right after open, the first events are one VGPU_BACK_EV_CONNECT for each
 *   frontend already connected.
 * write(): an array of struct vgpu_back_completion; returns the bytes of the
 *   completions accepted. An unknown handle stops the batch there: EINVAL if
 *   it is the first one.
 * ioctl(VGPU_BACK_IOC_ABI_VERSION): no argument; returns
 *   VGPU_BACK_ABI_VERSION (the ioctl's return value). A worker that speaks
 *   another version closes the device and does not run.
 * ioctl(VGPU_BACK_IOC_COPY): moves bytes between a request's guest buffer
 *   and the worker's memory, by grant copy. The direction must be one the
 *   request's operation allows (vgpuif.h).
 * close(): every request the worker holds or has not read completes with
 *   VGPUIF_RSP_NO_WORKER; while no worker is open, new requests complete
 *   with VGPUIF_RSP_NO_WORKER at once.
 */

#ifndef _UAPI_LINUX_VGPU_BACK_H
#define _UAPI_LINUX_VGPU_BACK_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <vgpu/vgpuif.h>

#define VGPU_BACK_ABI_VERSION	1

#define VGPU_BACK_EV_REQUEST	1	/* handle, vm and req are valid */
#define VGPU_BACK_EV_CONNECT	2	/* a frontend connected; vm valid */
#define VGPU_BACK_EV_DISCONNECT	3	/* its requests are all completed */
#define VGPU_BACK_EV_CONFIG	4	/* pool/priority/limits changed */

/* One frontend device (one VM's /dev/vgpuN) and its xenstore settings. */
struct vgpu_back_vm {
	__u16 domid;
	__u16 devid;
	__u32 vm_id;
	__u8 pool;		/* 0 = "A" */
	__u8 priority;		/* VGPUIF_PRIO_* */
	__u16 reserved0;
	/* 0 = the worker's --vm-max-inflight and --vm-inflight */
	__u32 max_inflight;
	/* 0 = the backend's max_queued_per_dev module parameter */
	__u32 max_queued;
	__u32 rate_limit;	/* requests per second, 0 = none */
	__u64 mem_quota;	/* bytes, 0 = none */
};				/* 32 bytes */

/* The validated copy of a guest request, without its grant references. */
struct vgpu_back_req {
	__u64 id;		/* the guest's tag, for logs only */
	__u8 operation;		/* VGPUIF_OP_* */
	__u8 reserved0[3];
	__u32 data_len;
	union vgpuif_request_args u;
};				/* 56 bytes */

struct vgpu_back_event {
	__u32 type;		/* VGPU_BACK_EV_* */
	__u32 reserved0;
	__u64 handle;		/* REQUEST: names it in COPY and completions */
	struct vgpu_back_vm vm;
	struct vgpu_back_req req;
};				/* 104 bytes */

struct vgpu_back_completion {
	__u64 handle;
	__s32 status;		/* VGPUIF_RSP_* */
	__u32 reserved0;
	__u64 ret[2];
};				/* 32 bytes */

#define VGPU_BACK_COPY_FROM_GUEST	1	/* guest buffer -> uaddr */
#define VGPU_BACK_COPY_TO_GUEST		2	/* uaddr -> guest buffer */

/* [offset, offset + len) must lie in the request's data_len. */
struct vgpu_back_copy {
	__u64 handle;
	__u64 offset;
	__u64 len;
	__u64 uaddr;
	__u32 direction;	/* VGPU_BACK_COPY_* */
	__u32 reserved0;
};

#define VGPU_BACK_IOC_MAGIC		0xD7
#define VGPU_BACK_IOC_ABI_VERSION	_IO(VGPU_BACK_IOC_MAGIC, 0x20)
#define VGPU_BACK_IOC_COPY		_IOW(VGPU_BACK_IOC_MAGIC, 0x21, struct vgpu_back_copy)

#endif /* _UAPI_LINUX_VGPU_BACK_H */
