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
 * ioctl(VGPU_BACK_IOC_FEATURES): no argument; returns the VGPU_BACK_FEAT_*
 *   bits this backend offers (an older backend: ENOTTY, i.e. none).
 * close(): every request the worker holds or has not read completes with
 *   VGPUIF_RSP_NO_WORKER; while no worker is open, new requests complete
 *   with VGPUIF_RSP_NO_WORKER at once.
 *
 * Shared rings (VGPU_BACK_FEAT_RINGS), instead of read() and write():
 * ioctl(VGPU_BACK_IOC_RINGS_SETUP) fills a struct vgpu_back_rings_setup and
 * switches the open device to the rings; mmap() of mmap_len bytes at offset
 * 0 then maps a struct vgpu_back_rings_hdr followed by an event ring (the
 * backend produces struct vgpu_back_event at ev_offset) and a completion
 * ring (the worker produces struct vgpu_back_completion at cp_offset). An
 * index counts entries and wraps at 2^32; entry i is at index i % entries
 * (entries are powers of two). Each side writes only its own indices
 * (ev_prod and cp_cons: the backend; ev_cons and cp_prod: the worker),
 * publishes an index after the entries it covers (release) and reads the
 * other side's with acquire. From then on read() fails with EBUSY and
 * write() still works. The doorbell is poll() (so the worker's ppoll() in
 * its loop rings it, and needs no other system call): each poll(), and
 * ioctl(VGPU_BACK_IOC_RINGS_ENTER), first consumes every completion on the
 * ring, then moves waiting events onto the event ring, and polls POLLIN
 * while the event ring holds events the worker has not consumed. The
 * backend checks each completion it consumes as it checks write()'s: one
 * with an unknown handle is dropped and counted in cp_refused. An index
 * the worker moved past what the other side produced (or back by more than
 * the ring holds) breaks the rings: poll() then reports POLLERR, RINGS_ENTER
 * fails with EIO, and the worker's requests complete when it closes the
 * device. close() consumes the completion ring before it completes the
 * rest with VGPUIF_RSP_NO_WORKER.
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

#define VGPU_BACK_FEAT_RINGS	(1u << 0)	/* the shared rings below */

/* Written by VGPU_BACK_IOC_RINGS_SETUP: the layout of the mapping. */
struct vgpu_back_rings_setup {
	__u32 ev_entries;	/* a power of two */
	__u32 cp_entries;	/* a power of two */
	__u64 ev_offset;	/* of the event ring in the mapping */
	__u64 cp_offset;	/* of the completion ring */
	__u64 mmap_len;		/* bytes to map at offset 0 */
};

/* At offset 0 of the mapping; each side's indices on a cache line of their own. */
struct vgpu_back_rings_hdr {
	/* Written by the backend. */
	__u32 ev_prod;
	__u32 cp_cons;
	__u32 cp_refused;	/* completions with an unknown handle, dropped */
	__u32 reserved0[13];
	/* Written by the worker. */
	__u32 ev_cons;
	__u32 cp_prod;
	__u32 reserved1[14];
};				/* 128 bytes */

#define VGPU_BACK_IOC_MAGIC		0xD7
#define VGPU_BACK_IOC_ABI_VERSION	_IO(VGPU_BACK_IOC_MAGIC, 0x20)
#define VGPU_BACK_IOC_COPY		_IOW(VGPU_BACK_IOC_MAGIC, 0x21, struct vgpu_back_copy)
#define VGPU_BACK_IOC_FEATURES		_IO(VGPU_BACK_IOC_MAGIC, 0x22)
#define VGPU_BACK_IOC_RINGS_SETUP	_IOR(VGPU_BACK_IOC_MAGIC, 0x23, struct vgpu_back_rings_setup)
#define VGPU_BACK_IOC_RINGS_ENTER	_IO(VGPU_BACK_IOC_MAGIC, 0x24)

#endif /* _UAPI_LINUX_VGPU_BACK_H */
