/* SPDX-License-Identifier: MIT */
/*
 * How libcuda.so.1 (Documentation/libcuda.md) reaches a vgpu device: the
 * operations of /dev/vgpuN (libvgpu.h), one call each (submit carries
 * many), synchronous, each returning 0 or -errno as libvgpu does. The
 * product implementation is libvgpu over /dev/vgpu0 (transport_dev.c).
 * A transport plugin, a shared
 * object named by the environment variable VGPU_CUDA_TRANSPORT, provides
 * another: its function vgpu_cuda_transport_open() fills in the table. The
 * project's only plugin is the test loopback (tests/sim/libcuda_loopback.c).
 * Only one thread (the library's submission thread) calls a transport.
 */
#ifndef VGPU_LIBCUDA_TRANSPORT_H
#define VGPU_LIBCUDA_TRANSPORT_H

#include <stdint.h>

#include <uapi/linux/vgpu.h>

#define VGPU_CUDA_TRANSPORT_ABI	4

struct cuvg_transport {
	uint32_t abi;		/* VGPU_CUDA_TRANSPORT_ABI, set by the opener */
	void *priv;
	int (*info)(void *priv, struct vgpu_info *info);
	int (*mem_alloc)(void *priv, uint64_t size, uint64_t *dptr);
	int (*mem_free)(void *priv, uint64_t dptr);
	int (*mem_write)(void *priv, uint64_t dptr, const void *buf,
			 uint64_t len);
	int (*mem_read)(void *priv, uint64_t dptr, void *buf, uint64_t len);
	int (*module_load)(void *priv, const void *image, uint64_t size,
			   uint64_t *handle);
	int (*module_unload)(void *priv, uint64_t handle);
	int (*launch)(void *priv, uint64_t module, const char *name,
		      const void *params, uint32_t params_len,
		      const uint32_t grid[3], const uint32_t block[3],
		      uint32_t shared_mem);
	int (*sync)(void *priv);
	void (*close)(void *priv);
	/*
	 * ABI 2: the operations of protocol version 1's second set (libvgpu's
	 * LIBVGPU_2 calls). -ENOTTY or -EOPNOTSUPP from mem_set, mem_copy or
	 * event_record (a driver or host without them) makes the library
	 * fall back to MEM_READ / MEM_WRITE and SYNC for good.
	 */
	int (*mem_set)(void *priv, uint64_t dptr, uint32_t value,
		       uint32_t elem_size, uint64_t size);
	int (*mem_copy)(void *priv, uint64_t dst, uint64_t src, uint64_t size);
	int (*module_get_global)(void *priv, uint64_t module, const char *name,
				 uint64_t *dptr, uint64_t *size);
	int (*device_attrs)(void *priv, struct vgpu_device_attrs *attrs);
	int (*event_record)(void *priv, uint64_t *time_ns, uint32_t *flags);
	/*
	 * ABI 3, optional (NULL: none): libvgpu's vgpu_submit(), @count
	 * (1..VGPU_SUBMIT_MAX) launches, memsets and device copies in order;
	 * *done and *issued as VGPU_IOC_SUBMIT gives them. -ENOTTY or
	 * -EOPNOTSUPP with nothing issued (a driver without it) makes the
	 * library issue them one at a time for good.
	 */
	int (*submit)(void *priv, const struct vgpu_submit_op *ops,
		      uint32_t count, uint32_t *done, uint32_t *issued);
	/*
	 * ABI 4, optional (NULL: none): libvgpu's vgpu_func_attrs(), the
	 * resource use of kernel @name of @module. -ENOTTY or -EOPNOTSUPP
	 * (a driver or host without it, the CPU executor) makes the library
	 * stop asking, for good.
	 */
	int (*func_attrs)(void *priv, uint64_t module, const char *name,
			  struct vgpu_func_attrs *attrs);
};

/* What a plugin exports. 0 or -errno. */
typedef int (*cuvg_transport_open_fn)(struct cuvg_transport *t);
#define VGPU_CUDA_TRANSPORT_SYM	"vgpu_cuda_transport_open"

#endif
