/* SPDX-License-Identifier: MIT */
/*
 * libvgpu: a thin C API over the ioctls of /dev/vgpuN (include/uapi/linux/
 * vgpu.h), for programs in a guest. Every call is one ioctl; every function
 * returns 0 (or a file descriptor for vgpu_open) on success and -errno on
 * failure, errno meaning what vgpu.h documents (vgpu_strerror() gives that
 * text). Calls are thread-safe: they share nothing but the descriptor.
 *
 * A call interrupted by a signal returns -EINTR; the request may still run
 * on the host (an allocation may exist), so libvgpu does not retry.
 */
#ifndef VGPU_LIBVGPU_H
#define VGPU_LIBVGPU_H

#include <stdint.h>

#include <uapi/linux/vgpu.h>

/*
 * Opens /dev/vgpu<index> (the directory can be changed with the environment
 * variable VGPU_DEV_DIR, ignored in set-id programs). A descriptor, or
 * -errno (-ENOENT: no such device).
 */
int vgpu_open(unsigned int index);
/* Opens a device node by path (tests, unusual layouts). */
int vgpu_open_path(const char *path);
int vgpu_close(int fd);

int vgpu_info(int fd, struct vgpu_info *info);
int vgpu_nop(int fd);

/* size: 1..VGPU_MEM_ALLOC_MAX. *dptr: the device address, never 0. */
int vgpu_mem_alloc(int fd, uint64_t size, uint64_t *dptr);
int vgpu_mem_free(int fd, uint64_t dptr);
/* len: 1..VGPU_XFER_MAX; [dptr, dptr + len) must lie in one allocation. */
int vgpu_mem_write(int fd, uint64_t dptr, const void *buf, uint64_t len);
int vgpu_mem_read(int fd, uint64_t dptr, void *buf, uint64_t len);

/* A PTX text (NUL-terminated), cubin or fatbin image. */
int vgpu_module_load(int fd, const void *image, uint64_t size,
		     uint64_t *handle);
int vgpu_module_unload(int fd, uint64_t handle);
/*
 * Launches function @name (a C string, 1..VGPU_FUNC_NAME_MAX bytes) of
 * @module; @params: params_len bytes laid out as the kernel's parameters.
 */
int vgpu_launch(int fd, uint64_t module, const char *name, const void *params,
		uint32_t params_len, const uint32_t grid[3],
		const uint32_t block[3], uint32_t shared_mem);
int vgpu_sync(int fd);

/* c[i] = a[i] + b[i], n: 1..VGPU_VECTOR_ADD_MAX float32 elements. */
int vgpu_vector_add(int fd, const float *a, const float *b, float *c,
		    uint32_t n);

/*
 * Since LIBVGPU_2 (issue 18: what the CUDA Driver API needs).
 * MEM_SET: @size bytes at @dptr set to @value in @elem_size-byte elements
 * (1, 2 or 4); MEM_COPY: device to device. Ranges must lie in one
 * allocation or global.
 */
int vgpu_mem_set(int fd, uint64_t dptr, uint32_t value, uint32_t elem_size,
		 uint64_t size);
int vgpu_mem_copy(int fd, uint64_t dst, uint64_t src, uint64_t size);
/* The address and size of __device__ variable @name (a C string) of @module. */
int vgpu_module_get_global(int fd, uint64_t module, const char *name,
			   uint64_t *dptr, uint64_t *size);
int vgpu_device_attrs(int fd, struct vgpu_device_attrs *attrs);
/*
 * Waits for the device's earlier requests; *time_ns: the device time then
 * (differences are GPU times), *flags: VGPU_EVENT_F_*. @flags may be NULL.
 */
int vgpu_event_record(int fd, uint64_t *time_ns, uint32_t *flags);

/*
 * Since LIBVGPU_4: the registers, memory and limits of kernel @name (a C
 * string) of @module, as the host's driver reports them; fills all of
 * *@attrs (module, name and name_len too). -EOPNOTSUPP without a GPU,
 * -ENOTTY from a driver without VGPU_IOC_FUNC_ATTRS.
 */
int vgpu_func_attrs(int fd, uint64_t module, const char *name,
		    struct vgpu_func_attrs *attrs);

/*
 * Since LIBVGPU_3: @count (1..VGPU_SUBMIT_MAX) launches, memsets and
 * device copies in one VGPU_IOC_SUBMIT: each element's cmd is
 * VGPU_IOC_LAUNCH, VGPU_IOC_MEM_SET or VGPU_IOC_MEM_COPY and its arg
 * points to that ioctl's argument structure. The driver runs them in
 * order, several in flight, and stops at the first failure, whose -errno
 * is returned. *@done: how many leading elements completed (all on
 * success, else the index of the failed one); *@issued: how many reached
 * the host (those from it on did not run). Either may be NULL. -ENOTTY
 * from a driver without it (api_version 1): issue them one at a time.
 */
int vgpu_submit(int fd, const struct vgpu_submit_op *ops, uint32_t count,
		uint32_t *done, uint32_t *issued);

/*
 * What an error of a vgpu call means (vgpu.h's wording), for errno or
 * -errno; other values get strerror()'s text.
 */
const char *vgpu_strerror(int err);
/* The symbolic name ("EDQUOT"), or "E?" when unknown. */
const char *vgpu_errname(int err);

#endif
