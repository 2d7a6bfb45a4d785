/* SPDX-License-Identifier: MIT */
/*
 * vgpuif.h
 *
 * Wire protocol between a vgpu frontend (guest) and the vgpu backend (in
 * Dom0 or in a GPU driver domain, a domU the GPU is passed through to):
 * the shared ring, the requests and responses on it, and the xenstore keys.
 * Nothing here depends on which domain B runs the backend: the frontend
 * grants its pages to, and binds its event channel for, backend-id.
 *
 * Written in the style of Xen's io/blkif.h and io/displif.h: this header is
 * the specification. Every structure has the same size and layout on 32- and
 * 64-bit guests: all fields are naturally aligned and every size is a
 * multiple of 8.
 */

#ifndef __VGPU_VGPUIF_H__
#define __VGPU_VGPUIF_H__

#ifdef __KERNEL__
#include <linux/types.h>
#include <xen/interface/io/ring.h>
#include <xen/interface/grant_table.h>
#else
#include <stdint.h>
#endif

/*
 ******************************************************************************
 *                           Protocol version
 ******************************************************************************
 *
 * The backend writes the highest version it speaks to "protocol-version" in
 * its directory before it enters InitWait. The frontend writes the version it
 * chose (at most the backend's) to "protocol-version" in its directory
 * before it enters Initialised. A backend refuses a version it does not
 * speak: it logs, and moves the device to Closing.
 */
#define VGPUIF_PROTOCOL_VERSION		1

/*
 ******************************************************************************
 *                               Xenstore
 ******************************************************************************
 *
 * Device type: "vgpu". One guest may have several vgpu devices (N = 0, 1...);
 * the guest names them /dev/vgpu0, /dev/vgpu1... in order of discovery.
 *
 * Frontend directory /local/domain/<domid>/device/vgpu/<N>, written by the
 * frontend (the toolstack creates backend-id, backend and state):
 *
 *   backend            string  path of the backend directory
 *   backend-id         uint    domid B of the backend domain (0 for
 *                              Dom0, a driver domain's domid otherwise)
 *   state              uint    XenbusState
 *   ring-ref           uint    grant reference of the one shared ring page
 *   event-channel      uint    unbound port the frontend allocated
 *   protocol-version   uint    VGPUIF_PROTOCOL_VERSION the frontend speaks
 *
 * Backend directory /local/domain/<B>/backend/vgpu/<domid>/<N>, written by
 * the toolstack (vgpu-admin, in Dom0), read by the backend; the guest may
 * read but never write it.
 *
 * Permissions (as libxl gives any PV device): the frontend directory and its
 * keys are owned by <domid>, readable by B; the backend directory and its
 * keys are owned by B, readable by <domid>. Xenstore's owner may write, so
 * a backend in a driver domain writes its own state and features; nothing
 * else in a driver domain's tree is needed.
 *
 * Keys of the backend directory:
 *
 *   frontend           string  path of the frontend directory
 *   frontend-id        uint    domid of the guest
 *   online             uint    1
 *   state              uint    XenbusState (written by the backend)
 *   pool               string  one upper-case letter "A".."Z" (operators use
 *                              "A" and "B")
 *   priority           string  "high", "medium" or "low"
 *   vm-id              uint    operator's id of the VM, 1..4294967295
 *   max-inflight       uint    optional; requests in flight (admitted by
 *                              the worker, not yet completed); more get
 *                              VGPUIF_RSP_BUSY; 0 = the worker's default
 *   max-queued         uint    optional; requests handed to the worker and
 *                              not yet completed; at that many the backend
 *                              stops taking requests off the ring (they
 *                              wait there: nothing is refused or dropped);
 *                              0 = the backend's default
 *   rate-limit         uint    optional; requests per second (token
 *                              bucket); more get VGPUIF_RSP_RATE_LIMITED;
 *                              0 = none
 *   mem-quota          uint    optional; bytes of GPU memory; a MEM_ALLOC
 *                              past it gets VGPUIF_RSP_QUOTA; 0 = none
 *
 * and written by the backend before InitWait:
 *
 *   protocol-version   uint    VGPUIF_PROTOCOL_VERSION
 *   feature-indirect   uint    1: VGPUIF_REQ_F_INDIRECT is understood
 *   max-data-len       uint    VGPUIF_MAX_DATA_LEN
 *
 * pool, priority, vm-id and the limits are watched: a change takes effect for
 * the next scheduling decision, without reconnecting. A bad value is refused
 * (logged); the device keeps its last good value.
 *
 * Example tree for domain 5 with one device, its backend in Dom0 (with a
 * driver domain of domid 3: /local/domain/3/backend/vgpu/5/0/..., and
 * backend-id = "3"):
 *
 *   /local/domain/0/backend/vgpu/5/0/frontend = "/local/domain/5/device/vgpu/0"
 *   /local/domain/0/backend/vgpu/5/0/frontend-id = "5"
 *   /local/domain/0/backend/vgpu/5/0/online = "1"
 *   /local/domain/0/backend/vgpu/5/0/state = "4"
 *   /local/domain/0/backend/vgpu/5/0/pool = "A"
 *   /local/domain/0/backend/vgpu/5/0/priority = "high"
 *   /local/domain/0/backend/vgpu/5/0/vm-id = "101"
 *   /local/domain/0/backend/vgpu/5/0/mem-quota = "1073741824"
 *   /local/domain/0/backend/vgpu/5/0/protocol-version = "1"
 *   /local/domain/0/backend/vgpu/5/0/feature-indirect = "1"
 *   /local/domain/0/backend/vgpu/5/0/max-data-len = "16777216"
 *   /local/domain/5/device/vgpu/0/backend = "/local/domain/0/backend/vgpu/5/0"
 *   /local/domain/5/device/vgpu/0/backend-id = "0"
 *   /local/domain/5/device/vgpu/0/state = "4"
 *   /local/domain/5/device/vgpu/0/ring-ref = "8"
 *   /local/domain/5/device/vgpu/0/event-channel = "17"
 *   /local/domain/5/device/vgpu/0/protocol-version = "1"
 *
 ******************************************************************************
 *                             State machine
 ******************************************************************************
 *
 *   Frontend                              Backend
 *   Initialising                          Initialising
 *                                         reads pool/priority/vm-id, writes
 *                                         protocol-version, features
 *                                         -> InitWait
 *   allocates ring + event channel,
 *   writes ring-ref, event-channel,
 *   protocol-version -> Initialised
 *                                         maps the ring, binds the event
 *                                         channel (lateeoi), tells the worker
 *                                         -> Connected
 *   creates /dev/vgpuN -> Connected
 *
 * Backend Closing/Closed (module unloaded, device removed, broken ring): the
 * frontend fails every request in flight with -ESHUTDOWN, frees its ring and
 * grants and goes back to Initialising; when the backend returns to InitWait
 * it connects again and /dev/vgpuN keeps working.
 * Frontend Closing/Closed (guest shuts down, module removed): the backend
 * ends every request of that device, unmaps the ring, unbinds the event
 * channel and answers Closing with Closing and Closed with Closed. A backend
 * in Closing no longer maps the ring (a guest shutting down waits for it).
 *
 * The backend disconnects a device (-> Closing) when its ring indices are
 * impossible (producer more than a ring ahead of the consumer). A malformed
 * request does not disconnect: it gets VGPUIF_RSP_INVALID.
 *
 ******************************************************************************
 *                              Data buffers
 ******************************************************************************
 *
 * A request's data is one byte range of data_len bytes, starting at offset 0
 * of its first page. Pages are VGPUIF_PAGE_SIZE (4096) bytes whatever the
 * guest's page size. Byte i of the buffer is byte (i % 4096) of data page
 * (i / 4096). The buffer needs
 *
 *   nr_data_pages = (data_len + 4095) / 4096
 *
 * grant references, given in one of two ways:
 *
 *  - direct: flags has no VGPUIF_REQ_F_INDIRECT; gref[0..nr_segments-1] are
 *    the data pages; nr_segments == nr_data_pages <= VGPUIF_MAX_DIRECT_SEGS.
 *  - indirect: flags has VGPUIF_REQ_F_INDIRECT; gref[0..nr_segments-1] are
 *    indirect pages, each an array of VGPUIF_GREFS_PER_INDIRECT_PAGE
 *    grant_ref_t naming data pages in order; nr_segments ==
 *    (nr_data_pages + 1023) / 1024 <= VGPUIF_MAX_INDIRECT_PAGES. Entries past
 *    nr_data_pages are ignored.
 *
 * data_len == 0 requires nr_segments == 0 and no flags. data_len is at most
 * VGPUIF_MAX_DATA_LEN. Which way data moves is fixed by the operation (see
 * below); the frontend grants pages read-only where the backend only reads.
 * The backend moves data with grant copy only; it never maps data pages.
 */
#define VGPUIF_PAGE_SIZE		4096
#define VGPUIF_MAX_DIRECT_SEGS		8
#define VGPUIF_GREFS_PER_INDIRECT_PAGE	(VGPUIF_PAGE_SIZE / 4)
#define VGPUIF_MAX_INDIRECT_PAGES	4
#define VGPUIF_MAX_DATA_LEN		(16u << 20)

/*
 ******************************************************************************
 *                        Pools, priorities, limits
 ******************************************************************************
 */
#define VGPUIF_MAX_POOLS		26	/* "A".."Z" -> 0..25 */
#define VGPUIF_PRIO_HIGH		0
#define VGPUIF_PRIO_MEDIUM		1
#define VGPUIF_PRIO_LOW			2
#define VGPUIF_NR_PRIOS			3

/*
 ******************************************************************************
 *                              Operations
 ******************************************************************************
 *
 * "dptr" is a device address returned by VGPUIF_OP_MEM_ALLOC; it is only
 * meaningful to the VM that allocated it. "module" is a handle returned by
 * VGPUIF_OP_MODULE_LOAD. Data direction: G->B the backend reads the guest's
 * pages, B->G the backend writes them.
 *
 * VGPUIF_OP_NOP          no data; round trip through the worker; ret none.
 * VGPUIF_OP_GET_INFO     B->G, data_len >= sizeof(struct vgpuif_info): the
 *                        worker writes struct vgpuif_info at offset 0.
 * VGPUIF_OP_MEM_ALLOC    no data; u.mem.size bytes (1..2^40); ret[0] = dptr.
 * VGPUIF_OP_MEM_FREE     no data; frees u.mem.dptr.
 * VGPUIF_OP_MEM_WRITE    G->B, 1..VGPUIF_MAX_DATA_LEN bytes to u.mem.dptr;
 *                        [dptr, dptr + data_len) must lie in one allocation.
 * VGPUIF_OP_MEM_READ     B->G, data_len bytes from u.mem.dptr, same rule.
 * VGPUIF_OP_MODULE_LOAD  G->B, the image (PTX text, cubin or fatbin);
 *                        ret[0] = module handle.
 * VGPUIF_OP_MODULE_UNLOAD no data; unloads u.module.handle.
 * VGPUIF_OP_LAUNCH       G->B; the buffer holds the function name
 *                        (u.launch.name_len bytes, no NUL) and, at offset
 *                        VGPUIF_ALIGN8(name_len), the parameter blob
 *                        (u.launch.params_len bytes, laid out as the kernel's
 *                        parameters with their natural alignment, as for
 *                        CU_LAUNCH_PARAM_BUFFER_POINTER). data_len ==
 *                        VGPUIF_ALIGN8(name_len) + params_len.
 * VGPUIF_OP_SYNC         no data; completes once every earlier request of
 *                        this device has finished on the GPU.
 * VGPUIF_OP_VECTOR_ADD   G->B and B->G; u.vector_add.n float32 elements,
 *                        1..VGPUIF_VECTOR_ADD_MAX; the buffer is a[n] b[n]
 *                        c[n] and the worker writes c = a + b.
 *                        data_len == 12 * n.
 *
 * Within one device, requests complete in the order they were issued.
 *
 * Bytes of u that the operation does not use (all 40 for NOP, u.mem.size
 * for MEM_FREE, u.mem.dptr for MEM_ALLOC, bytes 8..39 for VECTOR_ADD...)
 * and every _pad field must be zero, so that a later version can give them
 * a meaning; the backend answers VGPUIF_RSP_INVALID otherwise. A frontend
 * should clear the whole request before it fills it in. gref[] entries from
 * nr_segments on are ignored.
 */
#define VGPUIF_OP_NOP			0
#define VGPUIF_OP_GET_INFO		1
#define VGPUIF_OP_MEM_ALLOC		2
#define VGPUIF_OP_MEM_FREE		3
#define VGPUIF_OP_MEM_WRITE		4
#define VGPUIF_OP_MEM_READ		5
#define VGPUIF_OP_MODULE_LOAD		6
#define VGPUIF_OP_MODULE_UNLOAD		7
#define VGPUIF_OP_LAUNCH		8
#define VGPUIF_OP_SYNC			9
#define VGPUIF_OP_VECTOR_ADD		10
#define VGPUIF_NR_OPS			11

#define VGPUIF_MAX_ALLOC		(1ull << 40)
#define VGPUIF_MAX_FUNC_NAME		255
#define VGPUIF_MAX_PARAMS		4096
#define VGPUIF_MAX_GRID_DIM		0x7fffffffu
#define VGPUIF_MAX_BLOCK_DIM		1024
#define VGPUIF_VECTOR_ADD_MAX		(1u << 20)
#define VGPUIF_ALIGN8(x)		(((x) + 7u) & ~7u)

/* Request flags. */
#define VGPUIF_REQ_F_INDIRECT		0x0001
#define VGPUIF_REQ_F_ALL		VGPUIF_REQ_F_INDIRECT

/*
 ******************************************************************************
 *                          Requests and responses
 ******************************************************************************
 *
 * Operation arguments. Offsets are from the start of the union.
 */
struct vgpuif_mem_args {
	uint64_t dptr;		/* 0: FREE, WRITE, READ */
	uint64_t size;		/* 8: ALLOC */
};				/* 16 bytes */

struct vgpuif_module_args {
	uint64_t handle;	/* 0: UNLOAD */
};				/* 8 bytes */

struct vgpuif_launch_args {
	uint64_t module;	/* 0 */
	uint32_t grid[3];	/* 8: x, y, z; each 1..VGPUIF_MAX_GRID_DIM */
	uint32_t block[3];	/* 20: x, y, z; product 1..VGPUIF_MAX_BLOCK_DIM */
	uint32_t shared_mem;	/* 32: dynamic shared memory bytes */
	uint16_t name_len;	/* 36: 1..VGPUIF_MAX_FUNC_NAME */
	uint16_t params_len;	/* 38: 0..VGPUIF_MAX_PARAMS */
};				/* 40 bytes */

struct vgpuif_vector_add_args {
	uint32_t n;		/* 0: elements */
	uint32_t _pad;		/* 4: must be 0 */
};				/* 8 bytes */

union vgpuif_request_args {
	struct vgpuif_mem_args mem;
	struct vgpuif_module_args module;
	struct vgpuif_launch_args launch;
	struct vgpuif_vector_add_args vector_add;
	uint8_t raw[40];
};				/* 40 bytes */

/*
 * Request (frontend -> backend), 88 bytes:
 *   offset  0  id           echoed in the response; the frontend's tag
 *   offset  8  operation    VGPUIF_OP_*
 *   offset  9  nr_segments  entries of gref[] in use
 *   offset 10  flags        VGPUIF_REQ_F_*
 *   offset 12  data_len     bytes of data (see "Data buffers")
 *   offset 16  u            operation arguments (40 bytes)
 *   offset 56  gref[8]      data pages, or indirect pages
 */
struct vgpuif_request {
	uint64_t id;
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t flags;
	uint32_t data_len;
	union vgpuif_request_args u;
	uint32_t gref[VGPUIF_MAX_DIRECT_SEGS];	/* grant_ref_t */
};

/*
 * Response (backend -> frontend), 32 bytes:
 *   offset  0  id         the request's id
 *   offset  8  status     VGPUIF_RSP_*
 *   offset 12  operation  the request's operation
 *   offset 13  _pad[3]
 *   offset 16  ret[2]     results (dptr, module handle), 0 if none
 */
struct vgpuif_response {
	uint64_t id;
	int32_t status;
	uint8_t operation;
	uint8_t _pad[3];
	uint64_t ret[2];
};

/*
 * Statuses. Each is what the guest's caller sees; the guest driver maps them
 * to errno values (uapi/linux/vgpu.h).
 *
 * VGPUIF_RSP_OKAY          done.
 * VGPUIF_RSP_ERROR         the executor failed for a reason not below (EIO).
 * VGPUIF_RSP_INVALID       malformed request: bad op, length, segments,
 *                          flags, padding or arguments (EINVAL).
 * VGPUIF_RSP_NOT_SUPPORTED the executor cannot do this op, e.g. LAUNCH on
 *                          the CPU executor (EOPNOTSUPP).
 * VGPUIF_RSP_NO_MEMORY     the GPU (or the worker) is out of memory (ENOMEM).
 * VGPUIF_RSP_QUOTA         MEM_ALLOC: the VM's allocations plus this one
 *                          would exceed its mem-quota; nothing was
 *                          allocated (EDQUOT).
 * VGPUIF_RSP_BAD_HANDLE    dptr or module handle unknown to this VM
 *                          (ENOENT).
 * VGPUIF_RSP_RANGE         copy outside the allocation it starts in (ERANGE).
 * VGPUIF_RSP_NO_WORKER     no worker is running, or it exited while the
 *                          request was in flight (EHOSTDOWN).
 * VGPUIF_RSP_TIMEOUT       ran past the per-request limit, or a kernel the
 *                          VM launched before it did; the VM's GPU
 *                          context was reset, its allocations are gone
 *                          (ETIMEDOUT).
 * VGPUIF_RSP_RATE_LIMITED  over the VM's rate-limit: its token bucket was
 *                          empty when the request arrived; refused without
 *                          running, may be retried later (EAGAIN).
 * VGPUIF_RSP_BUSY          the VM already had max-inflight requests in
 *                          flight; refused without running, may be
 *                          retried once one completes (EBUSY). A full
 *                          queue (max-queued) never gives BUSY: the
 *                          backend leaves requests on the ring instead.
 * VGPUIF_RSP_FAULT         the kernel faulted on the GPU (illegal address,
 *                          trap); the VM's context was reset (EFAULT).
 * VGPUIF_RSP_NOT_FOUND     no function of that name in the module (ESRCH).
 * VGPUIF_RSP_DEVICE_LOST   the host's GPU is unavailable (fell off the bus,
 *                          reset, driver failure) or is being probed to
 *                          come back; the request did not run, or did not
 *                          finish; the VM's allocations and modules are
 *                          gone. Not the VM's doing: retry later, on the
 *                          same device, once the host serves again
 *                          (ENOMEDIUM).
 */
#define VGPUIF_RSP_OKAY			0
#define VGPUIF_RSP_ERROR		(-1)
#define VGPUIF_RSP_INVALID		(-2)
#define VGPUIF_RSP_NOT_SUPPORTED	(-3)
#define VGPUIF_RSP_NO_MEMORY		(-4)
#define VGPUIF_RSP_QUOTA		(-5)
#define VGPUIF_RSP_BAD_HANDLE		(-6)
#define VGPUIF_RSP_RANGE		(-7)
#define VGPUIF_RSP_NO_WORKER		(-8)
#define VGPUIF_RSP_TIMEOUT		(-9)
#define VGPUIF_RSP_RATE_LIMITED		(-10)
#define VGPUIF_RSP_BUSY			(-11)
#define VGPUIF_RSP_FAULT		(-12)
#define VGPUIF_RSP_NOT_FOUND		(-13)
#define VGPUIF_RSP_DEVICE_LOST		(-14)
/* The lowest status defined: a worker's status below it is not one. */
#define VGPUIF_RSP_LAST			VGPUIF_RSP_DEVICE_LOST

/*
 * Written by the worker at offset 0 of a GET_INFO buffer, 112 bytes:
 *   offset  0 protocol_version   offset  4 vm_id
 *   offset  8 pool (0 = "A")     offset  9 priority (VGPUIF_PRIO_*)
 *   offset 10 _pad0              offset 12 flags (VGPUIF_INFO_F_*)
 *   offset 16 mem_total          offset 24 mem_free
 *   offset 32 mem_quota (0=none) offset 40 mem_used
 *   offset 48 device_name[64], NUL-terminated
 */
#define VGPUIF_INFO_F_GPU		0x1	/* a real GPU executes */

struct vgpuif_info {
	uint32_t protocol_version;
	uint32_t vm_id;
	uint8_t pool;
	uint8_t priority;
	uint16_t _pad0;
	uint32_t flags;
	uint64_t mem_total;
	uint64_t mem_free;
	uint64_t mem_quota;
	uint64_t mem_used;
	char device_name[64];
};

#ifdef __KERNEL__
/*
 * One shared page: (4096 - 64) / 88 entries, rounded down to a power of
 * two, is 32 slots.
 */
DEFINE_RING_TYPES(vgpuif, struct vgpuif_request, struct vgpuif_response);
#define VGPUIF_RING_SIZE __CONST_RING_SIZE(vgpuif, VGPUIF_PAGE_SIZE)
#endif

#endif /* __VGPU_VGPUIF_H__ */
