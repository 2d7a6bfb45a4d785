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
 * VGPUIF_OP_MEM_SET      no data; sets u.memset.size bytes (1..2^40) at
 *                        u.memset.dptr to u.memset.value repeated as
 *                        u.memset.elem_size-byte elements (1, 2 or 4:
 *                        cuMemsetD8/D16/D32). dptr and size are multiples
 *                        of elem_size; value fits in elem_size bytes;
 *                        [dptr, dptr + size) must lie in one allocation
 *                        (or one global, see MODULE_GET_GLOBAL), else
 *                        VGPUIF_RSP_RANGE.
 * VGPUIF_OP_MEM_COPY     no data; copies u.copy.size bytes (1..2^40) from
 *                        u.copy.src to u.copy.dst, device to device
 *                        (cuMemcpyDtoD). Each range must lie in one
 *                        allocation or global of this VM (RANGE);
 *                        overlapping ranges give an undefined result, as
 *                        with cuMemcpyDtoD.
 * VGPUIF_OP_MODULE_GET_GLOBAL
 *                        G->B; the buffer is the name of a __device__ or
 *                        __constant__ variable of module u.global.module
 *                        (u.global.name_len bytes, 1..VGPUIF_MAX_FUNC_NAME,
 *                        no NUL); data_len == name_len. ret[0] = its device
 *                        address, ret[1] = its size in bytes. From then on
 *                        [ret[0], ret[0] + ret[1]) is a valid range for
 *                        MEM_WRITE, MEM_READ, MEM_SET, MEM_COPY and launch
 *                        parameters, until the module is unloaded; it is
 *                        not an allocation (MEM_FREE of it: BAD_HANDLE)
 *                        and not counted in mem-quota (the module's image
 *                        is what holds it). VGPUIF_RSP_NOT_FOUND: no such
 *                        variable; NOT_SUPPORTED: no modules (the CPU
 *                        executor).
 * VGPUIF_OP_DEVICE_ATTRS B->G, data_len >= sizeof(struct
 *                        vgpuif_device_attrs): the worker writes struct
 *                        vgpuif_device_attrs at offset 0 (see below).
 * VGPUIF_OP_EVENT_RECORD no data; completes once every earlier request of
 *                        this device has finished on the GPU, like SYNC,
 *                        and ret[0] = the device time at that point, in
 *                        nanoseconds since an arbitrary per-VM origin
 *                        (VGPUIF_EVENT_F_* in ret[1]). The difference of
 *                        two records is the GPU time between them
 *                        (cuEventElapsedTime); see "Ordering and time".
 * VGPUIF_OP_FUNC_ATTRS   G->B and B->G; the buffer holds the name of a
 *                        kernel of module u.func.module (u.func.name_len
 *                        bytes, 1..VGPUIF_MAX_FUNC_NAME, no NUL) and, at
 *                        offset VGPUIF_ALIGN8(name_len), room for struct
 *                        vgpuif_func_attrs, which the worker writes there
 *                        (see below); data_len == VGPUIF_ALIGN8(name_len)
 *                        + sizeof(struct vgpuif_func_attrs). What
 *                        cuFuncGetAttribute and the occupancy calculator
 *                        need. VGPUIF_RSP_BAD_HANDLE: module unknown;
 *                        NOT_FOUND: no such kernel; NOT_SUPPORTED: no
 *                        modules (the CPU executor).
 *
 * Within one device, requests complete in the order they were issued.
 *
 * Ordering and time. A device is one in-order queue: the worker runs a
 * device's requests one after another, on one stream of the host GPU. The
 * protocol has no stream ids: a guest library that offers several streams
 * serializes them on the device (a later request never overtakes an earlier
 * one), which is a correct, if not concurrent, implementation of CUDA's
 * stream semantics. Events are EVENT_RECORD requests: a CUDA executor
 * records a CUDA event on its stream when the request is reached and
 * answers when it has completed, with the GPU time elapsed since the
 * previous record of the VM (cuEventElapsedTime, about 0.5 us resolution)
 * added to a 64-bit nanosecond clock, so that differences are GPU times
 * with no float rounding growing over a long run. The CPU executor answers
 * with its host's CLOCK_MONOTONIC (VGPUIF_EVENT_F_HOST_CLOCK).
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
#define VGPUIF_OP_MEM_SET		11
#define VGPUIF_OP_MEM_COPY		12
#define VGPUIF_OP_MODULE_GET_GLOBAL	13
#define VGPUIF_OP_DEVICE_ATTRS		14
#define VGPUIF_OP_EVENT_RECORD		15
#define VGPUIF_OP_FUNC_ATTRS		16
#define VGPUIF_NR_OPS			17

#define VGPUIF_MAX_ALLOC		(1ull << 40)
/*
 * C++ kernels' mangled names run long (CUB's and Thrust's past 255
 * bytes): a page's worth. Hosts before this limit refuse names over 255.
 */
#define VGPUIF_MAX_FUNC_NAME		4095
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

struct vgpuif_memset_args {
	uint64_t dptr;		/* 0: multiple of elem_size */
	uint64_t size;		/* 8: bytes, 1..2^40, n * elem_size */
	uint32_t value;		/* 16: below 2^(8 * elem_size) */
	uint8_t elem_size;	/* 20: 1, 2 or 4 */
	uint8_t _pad[3];	/* 21: must be 0 */
};				/* 24 bytes */

struct vgpuif_copy_args {
	uint64_t dst;		/* 0 */
	uint64_t src;		/* 8 */
	uint64_t size;		/* 16: bytes, 1..VGPUIF_MAX_ALLOC */
};				/* 24 bytes */

struct vgpuif_global_args {
	uint64_t module;	/* 0 */
	uint16_t name_len;	/* 8: 1..VGPUIF_MAX_FUNC_NAME */
	uint16_t _pad[3];	/* 10: must be 0 */
};				/* 16 bytes */

struct vgpuif_func_args {
	uint64_t module;	/* 0 */
	uint16_t name_len;	/* 8: 1..VGPUIF_MAX_FUNC_NAME */
	uint16_t _pad[3];	/* 10: must be 0 */
};				/* 16 bytes */

union vgpuif_request_args {
	struct vgpuif_mem_args mem;
	struct vgpuif_module_args module;
	struct vgpuif_launch_args launch;
	struct vgpuif_vector_add_args vector_add;
	struct vgpuif_memset_args memset;
	struct vgpuif_copy_args copy;
	struct vgpuif_global_args global;
	struct vgpuif_func_args func;
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

/*
 * Written by the worker at offset 0 of a DEVICE_ATTRS buffer, 352 bytes:
 * what cuDeviceGetAttribute, cuDeviceGetName, cuDeviceTotalMem and
 * cuDeviceGetUuid answer in the guest.
 *   offset  0 nr_attrs: entries of attr[] the worker filled (the rest are
 *             0); a guest reads an index >= nr_attrs as "unknown"
 *   offset  4 flags (VGPUIF_INFO_F_*)
 *   offset  8 total_mem: bytes the VM may use: its mem-quota, or the
 *             GPU's total memory when it has none
 *   offset 16 uuid[16]: a per-VM value derived by the worker from the
 *             host's identity and vm-id, stable across reboots of the VM
 *             and the host; never the host GPU's UUID (which would let a
 *             guest tell which physical GPU, and so which other VMs, it
 *             shares). Version 8 (custom) UUID layout.
 *   offset 32 name[64], NUL-terminated: the GPU's model name
 *   offset 96 attr[VGPUIF_ATTR_SLOTS], indexed by VGPUIF_ATTR_*
 *
 * The guest sees no host topology: the PCI bus, device and domain ids are
 * reported as 0. Always 0 too: CAN_MAP_HOST_MEMORY and MANAGED_MEMORY (no
 * guest memory is mapped to the device) and CONCURRENT_KERNELS (one
 * in-order queue per device, see "Ordering and time").
 */
#define VGPUIF_ATTR_MAX_THREADS_PER_BLOCK	0	/* CU_DEVICE_ATTRIBUTE_ 1 */
#define VGPUIF_ATTR_MAX_BLOCK_DIM_X		1	/* 2 */
#define VGPUIF_ATTR_MAX_BLOCK_DIM_Y		2	/* 3 */
#define VGPUIF_ATTR_MAX_BLOCK_DIM_Z		3	/* 4 */
#define VGPUIF_ATTR_MAX_GRID_DIM_X		4	/* 5 */
#define VGPUIF_ATTR_MAX_GRID_DIM_Y		5	/* 6 */
#define VGPUIF_ATTR_MAX_GRID_DIM_Z		6	/* 7 */
#define VGPUIF_ATTR_MAX_SHARED_MEM_PER_BLOCK	7	/* 8 */
#define VGPUIF_ATTR_TOTAL_CONSTANT_MEMORY	8	/* 9 */
#define VGPUIF_ATTR_WARP_SIZE			9	/* 10 */
#define VGPUIF_ATTR_MAX_PITCH			10	/* 11 */
#define VGPUIF_ATTR_MAX_REGISTERS_PER_BLOCK	11	/* 12 */
#define VGPUIF_ATTR_CLOCK_RATE			12	/* 13, kHz */
#define VGPUIF_ATTR_TEXTURE_ALIGNMENT		13	/* 14 */
#define VGPUIF_ATTR_MULTIPROCESSOR_COUNT	14	/* 16 */
#define VGPUIF_ATTR_KERNEL_EXEC_TIMEOUT		15	/* 17 */
#define VGPUIF_ATTR_INTEGRATED			16	/* 18 */
#define VGPUIF_ATTR_CAN_MAP_HOST_MEMORY		17	/* 19: always 0 */
#define VGPUIF_ATTR_COMPUTE_MODE		18	/* 20 */
#define VGPUIF_ATTR_CONCURRENT_KERNELS		19	/* 31: always 0 */
#define VGPUIF_ATTR_ECC_ENABLED			20	/* 32 */
#define VGPUIF_ATTR_PCI_BUS_ID			21	/* 33: 0 */
#define VGPUIF_ATTR_PCI_DEVICE_ID		22	/* 34: 0 */
#define VGPUIF_ATTR_MEMORY_CLOCK_RATE		23	/* 36, kHz */
#define VGPUIF_ATTR_GLOBAL_MEMORY_BUS_WIDTH	24	/* 37, bits */
#define VGPUIF_ATTR_L2_CACHE_SIZE		25	/* 38, bytes */
#define VGPUIF_ATTR_MAX_THREADS_PER_MULTIPROCESSOR 26	/* 39 */
#define VGPUIF_ATTR_ASYNC_ENGINE_COUNT		27	/* 40 */
#define VGPUIF_ATTR_UNIFIED_ADDRESSING		28	/* 41 */
#define VGPUIF_ATTR_PCI_DOMAIN_ID		29	/* 50: 0 */
#define VGPUIF_ATTR_COMPUTE_CAPABILITY_MAJOR	30	/* 75 */
#define VGPUIF_ATTR_COMPUTE_CAPABILITY_MINOR	31	/* 76 */
#define VGPUIF_ATTR_MAX_SHARED_MEM_PER_MULTIPROCESSOR 32 /* 81 */
#define VGPUIF_ATTR_MAX_REGISTERS_PER_MULTIPROCESSOR 33	/* 82 */
#define VGPUIF_ATTR_MANAGED_MEMORY		34	/* 83: 0 */
#define VGPUIF_ATTR_MAX_SHARED_MEM_PER_BLOCK_OPTIN 35	/* 97 */
#define VGPUIF_NR_ATTRS				36
#define VGPUIF_ATTR_SLOTS			64

struct vgpuif_device_attrs {
	uint32_t nr_attrs;
	uint32_t flags;
	uint64_t total_mem;
	uint8_t uuid[16];
	char name[64];
	int32_t attr[VGPUIF_ATTR_SLOTS];
};

/*
 * Written by the worker at offset VGPUIF_ALIGN8(name_len) of a FUNC_ATTRS
 * buffer, 32 bytes: the kernel's CU_FUNC_ATTRIBUTE_* values as the host's
 * driver gives them for the module it loaded.
 *   offset  0 num_regs: registers per thread (NUM_REGS)
 *   offset  4 shared_size: static shared memory, bytes (SHARED_SIZE_BYTES)
 *   offset  8 const_size: user __constant__ memory, bytes (CONST_SIZE_BYTES)
 *   offset 12 local_size: local memory per thread, bytes (LOCAL_SIZE_BYTES)
 *   offset 16 max_threads_per_block: the most threads a block of this
 *             kernel may have (MAX_THREADS_PER_BLOCK)
 *   offset 20 ptx_version: major * 10 + minor (PTX_VERSION)
 *   offset 24 binary_version: major * 10 + minor (BINARY_VERSION)
 *   offset 28 max_dynamic_shared: the dynamic shared memory a launch may
 *             ask for, bytes (MAX_DYNAMIC_SHARED_SIZE_BYTES)
 * The guest does not trust them: each is a count a library checks before
 * it computes with it.
 */
struct vgpuif_func_attrs {
	int32_t num_regs;
	int32_t shared_size;
	int32_t const_size;
	int32_t local_size;
	int32_t max_threads_per_block;
	int32_t ptx_version;
	int32_t binary_version;
	int32_t max_dynamic_shared;
};

/*
 * ret[1] of EVENT_RECORD. HOST_CLOCK: ret[0] is the host's CLOCK_MONOTONIC
 * (since the VM connected), not a GPU clock.
 */
#define VGPUIF_EVENT_F_HOST_CLOCK	0x1

#ifdef __KERNEL__
/*
 * One shared page: (4096 - 64) / 88 entries, rounded down to a power of
 * two, is 32 slots.
 */
DEFINE_RING_TYPES(vgpuif, struct vgpuif_request, struct vgpuif_response);
#define VGPUIF_RING_SIZE __CONST_RING_SIZE(vgpuif, VGPUIF_PAGE_SIZE)
#endif

#endif /* __VGPU_VGPUIF_H__ */
