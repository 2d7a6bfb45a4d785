/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Guest ABI of /dev/vgpuN, the vgpu frontend's device.
 *
 * Every structure has fixed-width fields, natural alignment and a size that
 * is a multiple of 8, so 32- and 64-bit programs share one ABI and the driver
 * needs no compat_ioctl translation. User pointers travel as __u64.
 *
 * Errors (ioctl returns -1 and sets errno):
 *   EINVAL     malformed arguments (lengths, dimensions, reserved fields)
 *   EFAULT     a user pointer could not be read or written, or the GPU
 *              kernel faulted (the VM's GPU context was reset)
 *   E2BIG      a length over its documented limit
 *   ENOMEM     out of GPU or guest memory
 *   EDQUOT     the VM's GPU memory quota is used up
 *   ENOENT     unknown device address or module handle
 *   ESRCH      no function of that name in the module
 *   ERANGE     copy outside the allocation it starts in
 *   EOPNOTSUPP the host's executor cannot do this (e.g. LAUNCH without GPU)
 *   EAGAIN     over the VM's request rate limit; retry later
 *   EBUSY      over the VM's in-flight request limit; retry when one
 *              completes
 *   ETIMEDOUT  the request ran past the host's limit; the VM's GPU context
 *              was reset and its allocations and modules are gone
 *   EHOSTDOWN  the host's worker is not running or exited; retry later
 *   ENOMEDIUM  the host's GPU is lost (reset, off the bus, driver failure)
 *              or being probed to come back; the VM's allocations and
 *              modules are gone; retry later on the same file
 *   ESHUTDOWN  the backend disconnected while the request was in flight
 *   ENOTCONN   the device is not connected to its backend (yet)
 *   ENODEV     the device was removed (hot-unplugged); close the file
 *   EINTR      a signal arrived while waiting; the request may still run
 *   EIO        any other failure on the host
 */

#ifndef _UAPI_LINUX_VGPU_H
#define _UAPI_LINUX_VGPU_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * 2: VGPU_IOC_SUBMIT; 3: VGPU_IOC_FUNC_ATTRS. Older drivers answer an
 * ioctl they do not have with ENOTTY.
 */
#define VGPU_API_VERSION	3

#define VGPU_IOC_MAGIC		0xD7	/* 0x00-0x1F; 0x20-0x2F is vgpu_back.h */

/* Pool: 0 = "A", 1 = "B"... Priority: 0 high, 1 medium, 2 low. */
#define VGPU_PRIO_HIGH		0
#define VGPU_PRIO_MEDIUM	1
#define VGPU_PRIO_LOW		2

#define VGPU_INFO_F_GPU		0x1	/* a real GPU executes the work */

struct vgpu_info {
	__u32 api_version;	/* VGPU_API_VERSION of the driver */
	__u32 protocol_version;	/* ring protocol in use */
	__u32 vm_id;
	__u8 pool;
	__u8 priority;
	__u16 reserved0;
	__u32 flags;		/* VGPU_INFO_F_* */
	__u32 reserved1;
	__u64 mem_total;	/* bytes of GPU memory on the host's GPU */
	__u64 mem_free;
	__u64 mem_quota;	/* this VM's quota, 0 = none */
	__u64 mem_used;		/* this VM's allocations */
	char device_name[64];	/* NUL-terminated */
};				/* 120 bytes */

/* size: 1..VGPU_MEM_ALLOC_MAX bytes. dptr: out. */
#define VGPU_MEM_ALLOC_MAX	(1ull << 40)
struct vgpu_mem_alloc {
	__u64 size;
	__u64 dptr;
};

struct vgpu_mem_free {
	__u64 dptr;
};

/*
 * MEM_WRITE copies len bytes from buf to device address dptr; MEM_READ
 * copies from dptr into buf. [dptr, dptr + len) must lie in one allocation.
 * len: 1..VGPU_XFER_MAX; the driver moves it in pieces of the ring's
 * maximum request size, several in flight at once.
 */
#define VGPU_XFER_MAX		(1ull << 32)
struct vgpu_mem_xfer {
	__u64 dptr;
	__u64 buf;		/* user pointer */
	__u64 len;
};

/*
 * image: a PTX text (NUL-terminated), a cubin or a fatbin, 1..VGPU_IMAGE_MAX
 * bytes. handle: out.
 */
#define VGPU_IMAGE_MAX		(16u << 20)
struct vgpu_module_load {
	__u64 image;		/* user pointer */
	__u64 size;
	__u64 handle;
};

struct vgpu_module_unload {
	__u64 handle;
};

/*
 * Launch function name (name_len bytes, no NUL needed, 1..4095) of module
 * handle with params_len bytes of parameters laid out as the kernel expects
 * them (each parameter at its natural alignment), 0..4096 bytes.
 * Grid dimensions 1..2^31-1; the block's x*y*z is 1..1024.
 * Launches are asynchronous on the host; SYNC waits for them, and a
 * later MEM_READ of the device runs after them.
 */
#define VGPU_FUNC_NAME_MAX	4095
#define VGPU_PARAMS_MAX		4096
struct vgpu_launch {
	__u64 module;
	__u64 name;		/* user pointer */
	__u64 params;		/* user pointer */
	__u32 name_len;
	__u32 params_len;
	__u32 grid[3];
	__u32 block[3];
	__u32 shared_mem;
	__u32 reserved;		/* must be 0 */
};				/* 64 bytes */

/*
 * Built-in c[i] = a[i] + b[i] over n float32 elements (1..VGPU_VECTOR_ADD_MAX),
 * for guests without a CUDA compiler.
 */
#define VGPU_VECTOR_ADD_MAX	(1u << 20)
struct vgpu_vector_add {
	__u64 a;		/* user pointers */
	__u64 b;
	__u64 c;
	__u32 n;
	__u32 reserved;		/* must be 0 */
};

/*
 * MEM_SET sets size bytes at dptr to value repeated as elem_size-byte
 * elements (1, 2 or 4, cuMemsetD8/D16/D32); dptr and size are multiples of
 * elem_size, value fits in elem_size bytes, size is 1..VGPU_MEM_ALLOC_MAX.
 * MEM_COPY copies size bytes (1..VGPU_MEM_ALLOC_MAX) from device address
 * src to dst. Every range must lie in one allocation, or in one global
 * (VGPU_IOC_MODULE_GET_GLOBAL): ERANGE otherwise, ENOENT for an address in
 * none. One request each, asynchronous on the host like LAUNCH.
 */
struct vgpu_mem_set {
	__u64 dptr;
	__u64 size;
	__u32 value;
	__u32 elem_size;
};

struct vgpu_mem_copy {
	__u64 dst;
	__u64 src;
	__u64 size;
};

/*
 * The device address and size of the __device__ or __constant__ variable
 * name (name_len bytes, no NUL needed, 1..4095) of module: ESRCH if it has
 * none of that name, EOPNOTSUPP without a GPU. The range is valid for the
 * MEM_* calls until the module is unloaded. dptr and size: out.
 */
struct vgpu_module_global {
	__u64 module;
	__u64 name;		/* user pointer */
	__u32 name_len;
	__u32 reserved;		/* must be 0 */
	__u64 dptr;
	__u64 size;
};				/* 40 bytes */

/*
 * The resource use of kernel name (name_len bytes, no NUL needed, 1..4095)
 * of module, as the host's driver reports it for the module it loaded
 * (cuFuncGetAttribute): ESRCH if the module has no kernel of that name,
 * EOPNOTSUPP without a GPU (the CPU executor), ENOENT for a module not
 * loaded through this file. Everything after reserved is out: registers
 * per thread, static shared, constant and local (per thread) memory in
 * bytes, the most threads a block may have, PTX and binary versions
 * (major * 10 + minor) and the most dynamic shared memory a launch may
 * ask for.
 */
struct vgpu_func_attrs {
	__u64 module;
	__u64 name;		/* user pointer */
	__u32 name_len;
	__u32 reserved;		/* must be 0 */
	__s32 num_regs;
	__s32 shared_size;
	__s32 const_size;
	__s32 local_size;
	__s32 max_threads_per_block;
	__s32 ptx_version;
	__s32 binary_version;
	__s32 max_dynamic_shared;
};				/* 56 bytes */

/*
 * What cuDeviceGetAttribute, cuDeviceGetName, cuDeviceTotalMem and
 * cuDeviceGetUuid need. attr[] is indexed by VGPU_ATTR_*; entries from
 * nr_attrs on are unknown (0). total_mem is the VM's share: its mem-quota,
 * or the GPU's memory without one. uuid is a per-VM value made by the
 * host, not the physical GPU's; the PCI ids are 0. Values and their units
 * are those of the CU_DEVICE_ATTRIBUTE_ named in the comment.
 */
#define VGPU_ATTR_MAX_THREADS_PER_BLOCK	0
#define VGPU_ATTR_MAX_BLOCK_DIM_X	1
#define VGPU_ATTR_MAX_BLOCK_DIM_Y	2
#define VGPU_ATTR_MAX_BLOCK_DIM_Z	3
#define VGPU_ATTR_MAX_GRID_DIM_X	4
#define VGPU_ATTR_MAX_GRID_DIM_Y	5
#define VGPU_ATTR_MAX_GRID_DIM_Z	6
#define VGPU_ATTR_MAX_SHARED_MEM_PER_BLOCK 7
#define VGPU_ATTR_TOTAL_CONSTANT_MEMORY	8
#define VGPU_ATTR_WARP_SIZE	9
#define VGPU_ATTR_MAX_PITCH	10
#define VGPU_ATTR_MAX_REGISTERS_PER_BLOCK 11
#define VGPU_ATTR_CLOCK_RATE	12
#define VGPU_ATTR_TEXTURE_ALIGNMENT	13
#define VGPU_ATTR_MULTIPROCESSOR_COUNT	14
#define VGPU_ATTR_KERNEL_EXEC_TIMEOUT	15
#define VGPU_ATTR_INTEGRATED	16
#define VGPU_ATTR_CAN_MAP_HOST_MEMORY	17
#define VGPU_ATTR_COMPUTE_MODE	18
#define VGPU_ATTR_CONCURRENT_KERNELS	19
#define VGPU_ATTR_ECC_ENABLED	20
#define VGPU_ATTR_PCI_BUS_ID	21
#define VGPU_ATTR_PCI_DEVICE_ID	22
#define VGPU_ATTR_MEMORY_CLOCK_RATE	23
#define VGPU_ATTR_GLOBAL_MEMORY_BUS_WIDTH 24
#define VGPU_ATTR_L2_CACHE_SIZE	25
#define VGPU_ATTR_MAX_THREADS_PER_MULTIPROCESSOR 26
#define VGPU_ATTR_ASYNC_ENGINE_COUNT	27
#define VGPU_ATTR_UNIFIED_ADDRESSING	28
#define VGPU_ATTR_PCI_DOMAIN_ID	29
#define VGPU_ATTR_COMPUTE_CAPABILITY_MAJOR 30
#define VGPU_ATTR_COMPUTE_CAPABILITY_MINOR 31
#define VGPU_ATTR_MAX_SHARED_MEM_PER_MULTIPROCESSOR 32
#define VGPU_ATTR_MAX_REGISTERS_PER_MULTIPROCESSOR 33
#define VGPU_ATTR_MANAGED_MEMORY	34
#define VGPU_ATTR_MAX_SHARED_MEM_PER_BLOCK_OPTIN 35
#define VGPU_NR_ATTRS		36
#define VGPU_ATTR_SLOTS		64

struct vgpu_device_attrs {
	__u32 nr_attrs;
	__u32 flags;		/* VGPU_INFO_F_* */
	__u64 total_mem;
	__u8 uuid[16];
	char name[64];		/* NUL-terminated */
	__s32 attr[VGPU_ATTR_SLOTS];
};				/* 352 bytes */

/*
 * Waits until every earlier request of this file's device has finished on
 * the GPU (as SYNC) and gives the device time then, in nanoseconds from an
 * arbitrary per-VM origin: the difference of two is the GPU time between
 * them (cuEventElapsedTime). flags: VGPU_EVENT_F_HOST_CLOCK when the time
 * is the host's CLOCK_MONOTONIC (no GPU: the CPU executor).
 */
#define VGPU_EVENT_F_HOST_CLOCK	0x1
struct vgpu_event_record {
	__u64 time_ns;
	__u32 flags;
	__u32 reserved;
};

/*
 * SUBMIT: count (1..VGPU_SUBMIT_MAX) operations in one call, each one of
 * VGPU_IOC_LAUNCH, VGPU_IOC_MEM_SET or VGPU_IOC_MEM_COPY (cmd) with its
 * usual argument structure at the user pointer arg, checked as that ioctl
 * checks it. The driver puts them on the ring in array order, up to
 * VGPU_SUBMIT_WINDOW in flight at once, so they complete in that order.
 * It stops putting more on the ring at the first failure (a bad element
 * or a request's status), waits for those in flight and returns the first
 * failure's errno. Out: done, how many leading elements completed OK
 * (count on success; the index of the failed one otherwise); issued, how
 * many were put on the ring: elements from issued on were not run, those
 * between done + 1 and issued were in flight behind the failed one and
 * ran (their own results are not reported). reserved fields and flags: 0.
 */
#define VGPU_SUBMIT_MAX		256
#define VGPU_SUBMIT_WINDOW	16
struct vgpu_submit_op {
	__u32 cmd;		/* VGPU_IOC_LAUNCH, _MEM_SET or _MEM_COPY */
	__u32 reserved;		/* must be 0 */
	__u64 arg;		/* user pointer to that ioctl's argument */
};

struct vgpu_submit {
	__u64 ops;		/* user pointer to count struct vgpu_submit_op */
	__u32 count;
	__u32 done;		/* out */
	__u32 issued;		/* out */
	__u32 flags;		/* must be 0 */
};				/* 24 bytes */

#define VGPU_IOC_GET_INFO	_IOR(VGPU_IOC_MAGIC, 0x00, struct vgpu_info)
#define VGPU_IOC_MEM_ALLOC	_IOWR(VGPU_IOC_MAGIC, 0x01, struct vgpu_mem_alloc)
#define VGPU_IOC_MEM_FREE	_IOW(VGPU_IOC_MAGIC, 0x02, struct vgpu_mem_free)
#define VGPU_IOC_MEM_WRITE	_IOW(VGPU_IOC_MAGIC, 0x03, struct vgpu_mem_xfer)
#define VGPU_IOC_MEM_READ	_IOW(VGPU_IOC_MAGIC, 0x04, struct vgpu_mem_xfer)
#define VGPU_IOC_MODULE_LOAD	_IOWR(VGPU_IOC_MAGIC, 0x05, struct vgpu_module_load)
#define VGPU_IOC_MODULE_UNLOAD	_IOW(VGPU_IOC_MAGIC, 0x06, struct vgpu_module_unload)
#define VGPU_IOC_LAUNCH		_IOW(VGPU_IOC_MAGIC, 0x07, struct vgpu_launch)
#define VGPU_IOC_SYNC		_IO(VGPU_IOC_MAGIC, 0x08)
#define VGPU_IOC_VECTOR_ADD	_IOW(VGPU_IOC_MAGIC, 0x09, struct vgpu_vector_add)
/* A request with no work: one round trip guest -> worker -> guest. */
#define VGPU_IOC_NOP		_IO(VGPU_IOC_MAGIC, 0x0a)
#define VGPU_IOC_MEM_SET	_IOW(VGPU_IOC_MAGIC, 0x0b, struct vgpu_mem_set)
#define VGPU_IOC_MEM_COPY	_IOW(VGPU_IOC_MAGIC, 0x0c, struct vgpu_mem_copy)
#define VGPU_IOC_MODULE_GET_GLOBAL \
	_IOWR(VGPU_IOC_MAGIC, 0x0d, struct vgpu_module_global)
#define VGPU_IOC_DEVICE_ATTRS	_IOR(VGPU_IOC_MAGIC, 0x0e, struct vgpu_device_attrs)
#define VGPU_IOC_EVENT_RECORD	_IOR(VGPU_IOC_MAGIC, 0x0f, struct vgpu_event_record)
#define VGPU_IOC_SUBMIT		_IOWR(VGPU_IOC_MAGIC, 0x10, struct vgpu_submit)
#define VGPU_IOC_FUNC_ATTRS	_IOWR(VGPU_IOC_MAGIC, 0x11, struct vgpu_func_attrs)

#endif /* _UAPI_LINUX_VGPU_H */
