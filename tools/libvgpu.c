// SPDX-License-Identifier: MIT
/* libvgpu: one ioctl per call on /dev/vgpuN (see libvgpu.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libvgpu.h"

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int vgpu_open_path(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int vgpu_open(unsigned int index)
{
	const char *dir = secure_getenv("VGPU_DEV_DIR");
	char path[4096];

	if (!dir || !*dir)
		dir = "/dev";
	if (snprintf(path, sizeof(path), "%s/vgpu%u", dir, index) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	return vgpu_open_path(path);
}

int vgpu_close(int fd)
{
	return close(fd) < 0 ? -errno : 0;
}

int vgpu_info(int fd, struct vgpu_info *info)
{
	memset(info, 0, sizeof(*info));
	return xioctl(fd, VGPU_IOC_GET_INFO, info);
}

int vgpu_nop(int fd)
{
	return xioctl(fd, VGPU_IOC_NOP, NULL);
}

int vgpu_mem_alloc(int fd, uint64_t size, uint64_t *dptr)
{
	struct vgpu_mem_alloc a = { .size = size };
	int err = xioctl(fd, VGPU_IOC_MEM_ALLOC, &a);

	if (!err)
		*dptr = a.dptr;
	return err;
}

int vgpu_mem_free(int fd, uint64_t dptr)
{
	struct vgpu_mem_free f = { .dptr = dptr };

	return xioctl(fd, VGPU_IOC_MEM_FREE, &f);
}

int vgpu_mem_write(int fd, uint64_t dptr, const void *buf, uint64_t len)
{
	struct vgpu_mem_xfer x = {
		.dptr = dptr, .buf = (uint64_t)(uintptr_t)buf, .len = len,
	};

	return xioctl(fd, VGPU_IOC_MEM_WRITE, &x);
}

int vgpu_mem_read(int fd, uint64_t dptr, void *buf, uint64_t len)
{
	struct vgpu_mem_xfer x = {
		.dptr = dptr, .buf = (uint64_t)(uintptr_t)buf, .len = len,
	};

	return xioctl(fd, VGPU_IOC_MEM_READ, &x);
}

int vgpu_module_load(int fd, const void *image, uint64_t size,
		     uint64_t *handle)
{
	struct vgpu_module_load m = {
		.image = (uint64_t)(uintptr_t)image, .size = size,
	};
	int err = xioctl(fd, VGPU_IOC_MODULE_LOAD, &m);

	if (!err)
		*handle = m.handle;
	return err;
}

int vgpu_module_unload(int fd, uint64_t handle)
{
	struct vgpu_module_unload m = { .handle = handle };

	return xioctl(fd, VGPU_IOC_MODULE_UNLOAD, &m);
}

int vgpu_launch(int fd, uint64_t module, const char *name, const void *params,
		uint32_t params_len, const uint32_t grid[3],
		const uint32_t block[3], uint32_t shared_mem)
{
	size_t name_len = strlen(name);
	struct vgpu_launch l = {
		.module = module,
		.name = (uint64_t)(uintptr_t)name,
		.params = (uint64_t)(uintptr_t)params,
		.name_len = (uint32_t)name_len,
		.params_len = params_len,
		.grid = { grid[0], grid[1], grid[2] },
		.block = { block[0], block[1], block[2] },
		.shared_mem = shared_mem,
	};

	if (name_len > VGPU_FUNC_NAME_MAX)
		return -E2BIG;
	return xioctl(fd, VGPU_IOC_LAUNCH, &l);
}

int vgpu_sync(int fd)
{
	return xioctl(fd, VGPU_IOC_SYNC, NULL);
}

int vgpu_vector_add(int fd, const float *a, const float *b, float *c,
		    uint32_t n)
{
	struct vgpu_vector_add v = {
		.a = (uint64_t)(uintptr_t)a,
		.b = (uint64_t)(uintptr_t)b,
		.c = (uint64_t)(uintptr_t)c,
		.n = n,
	};

	return xioctl(fd, VGPU_IOC_VECTOR_ADD, &v);
}

int vgpu_mem_set(int fd, uint64_t dptr, uint32_t value, uint32_t elem_size,
		 uint64_t size)
{
	struct vgpu_mem_set m = {
		.dptr = dptr, .size = size, .value = value,
		.elem_size = elem_size,
	};

	return xioctl(fd, VGPU_IOC_MEM_SET, &m);
}

int vgpu_mem_copy(int fd, uint64_t dst, uint64_t src, uint64_t size)
{
	struct vgpu_mem_copy c = { .dst = dst, .src = src, .size = size };

	return xioctl(fd, VGPU_IOC_MEM_COPY, &c);
}

int vgpu_submit(int fd, const struct vgpu_submit_op *ops, uint32_t count,
		uint32_t *done, uint32_t *issued)
{
	struct vgpu_submit s = { .ops = (uint64_t)(uintptr_t)ops, .count = count };
	int err = xioctl(fd, VGPU_IOC_SUBMIT, &s);

	if (done)
		*done = s.done;
	if (issued)
		*issued = s.issued;
	return err;
}

int vgpu_module_get_global(int fd, uint64_t module, const char *name,
			   uint64_t *dptr, uint64_t *size)
{
	size_t name_len = strlen(name);
	struct vgpu_module_global g = {
		.module = module,
		.name = (uint64_t)(uintptr_t)name,
		.name_len = (uint32_t)name_len,
	};
	int err;

	if (name_len > VGPU_FUNC_NAME_MAX)
		return -E2BIG;
	err = xioctl(fd, VGPU_IOC_MODULE_GET_GLOBAL, &g);
	if (!err) {
		*dptr = g.dptr;
		*size = g.size;
	}
	return err;
}

int vgpu_func_attrs(int fd, uint64_t module, const char *name,
		    struct vgpu_func_attrs *attrs)
{
	size_t name_len = strlen(name);

	if (name_len > VGPU_FUNC_NAME_MAX)
		return -E2BIG;
	memset(attrs, 0, sizeof(*attrs));
	attrs->module = module;
	attrs->name = (uint64_t)(uintptr_t)name;
	attrs->name_len = (uint32_t)name_len;
	return xioctl(fd, VGPU_IOC_FUNC_ATTRS, attrs);
}

int vgpu_device_attrs(int fd, struct vgpu_device_attrs *attrs)
{
	return xioctl(fd, VGPU_IOC_DEVICE_ATTRS, attrs);
}

int vgpu_event_record(int fd, uint64_t *time_ns, uint32_t *flags)
{
	struct vgpu_event_record e = { 0 };
	int err = xioctl(fd, VGPU_IOC_EVENT_RECORD, &e);

	if (!err) {
		*time_ns = e.time_ns;
		if (flags)
			*flags = e.flags;
	}
	return err;
}

struct err_text {
	int err;
	const char *name;
	const char *text;
};

/* The meanings include/uapi/linux/vgpu.h gives. */
static const struct err_text err_texts[] = {
	{ EINVAL, "EINVAL", "malformed arguments (lengths, dimensions, reserved fields)" },
	{ EFAULT, "EFAULT", "a user pointer could not be read or written, or the GPU kernel faulted (the VM's GPU context was reset)" },
	{ E2BIG, "E2BIG", "a length over its documented limit" },
	{ ENOMEM, "ENOMEM", "out of GPU or guest memory" },
	{ EDQUOT, "EDQUOT", "the VM's GPU memory quota is used up" },
	{ ENOENT, "ENOENT", "unknown device address or module handle" },
	{ ESRCH, "ESRCH", "no function or global of that name in the module" },
	{ ERANGE, "ERANGE", "copy outside the allocation it starts in" },
	{ EOPNOTSUPP, "EOPNOTSUPP", "the host's executor cannot do this (e.g. LAUNCH without GPU)" },
	{ EAGAIN, "EAGAIN", "over the VM's request rate limit; retry later" },
	{ EBUSY, "EBUSY", "over the VM's in-flight request limit; retry when one completes" },
	{ ETIMEDOUT, "ETIMEDOUT", "the request ran past the host's limit; the VM's GPU context was reset and its allocations and modules are gone" },
	{ EHOSTDOWN, "EHOSTDOWN", "the host's worker is not running or exited; retry later" },
	{ ENOMEDIUM, "ENOMEDIUM", "the host's GPU is lost or being probed to come back (not this program's fault); the VM's allocations and modules are gone; retry later" },
	{ ESHUTDOWN, "ESHUTDOWN", "the backend disconnected while the request was in flight" },
	{ ENOTCONN, "ENOTCONN", "the device is not connected to its backend (yet)" },
	{ ENODEV, "ENODEV", "the device was removed (hot-unplugged); close the file" },
	{ EINTR, "EINTR", "a signal arrived while waiting; the request may still run" },
	{ EIO, "EIO", "any other failure on the host" },
	{ ENOTTY, "ENOTTY", "not a vgpu device (or a driver without this ioctl)" },
};

static const struct err_text *find_err(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(err_texts) / sizeof(err_texts[0]); i++)
		if (err_texts[i].err == err)
			return &err_texts[i];
	return NULL;
}

const char *vgpu_strerror(int err)
{
	const struct err_text *e = find_err(err);

	return e ? e->text : strerror(err < 0 ? -err : err);
}

const char *vgpu_errname(int err)
{
	const struct err_text *e = find_err(err);

	return e ? e->name : "E?";
}
