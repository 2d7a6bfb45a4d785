// SPDX-License-Identifier: MIT
/* The product transport: libvgpu's ioctls on /dev/vgpu0 (cuvg_transport.h). */
#include <stdint.h>
#include <stdlib.h>

#include "cuvg.h"
#include "../libvgpu.h"

static int fd_of(void *priv)
{
	return (int)(intptr_t)priv;
}

static int dev_info(void *p, struct vgpu_info *info)
{
	return vgpu_info(fd_of(p), info);
}

static int dev_alloc(void *p, uint64_t size, uint64_t *dptr)
{
	return vgpu_mem_alloc(fd_of(p), size, dptr);
}

static int dev_free(void *p, uint64_t dptr)
{
	return vgpu_mem_free(fd_of(p), dptr);
}

static int dev_write(void *p, uint64_t dptr, const void *buf, uint64_t len)
{
	return vgpu_mem_write(fd_of(p), dptr, buf, len);
}

static int dev_read(void *p, uint64_t dptr, void *buf, uint64_t len)
{
	return vgpu_mem_read(fd_of(p), dptr, buf, len);
}

static int dev_load(void *p, const void *image, uint64_t size, uint64_t *h)
{
	return vgpu_module_load(fd_of(p), image, size, h);
}

static int dev_unload(void *p, uint64_t h)
{
	return vgpu_module_unload(fd_of(p), h);
}

static int dev_launch(void *p, uint64_t module, const char *name,
		      const void *params, uint32_t params_len,
		      const uint32_t grid[3], const uint32_t block[3],
		      uint32_t shared_mem)
{
	return vgpu_launch(fd_of(p), module, name, params, params_len, grid,
			   block, shared_mem);
}

static int dev_sync(void *p)
{
	return vgpu_sync(fd_of(p));
}

static int dev_set(void *p, uint64_t dptr, uint32_t value, uint32_t elem,
		   uint64_t size)
{
	return vgpu_mem_set(fd_of(p), dptr, value, elem, size);
}

static int dev_copy(void *p, uint64_t dst, uint64_t src, uint64_t size)
{
	return vgpu_mem_copy(fd_of(p), dst, src, size);
}

static int dev_global(void *p, uint64_t module, const char *name,
		      uint64_t *dptr, uint64_t *size)
{
	return vgpu_module_get_global(fd_of(p), module, name, dptr, size);
}

static int dev_attrs(void *p, struct vgpu_device_attrs *attrs)
{
	return vgpu_device_attrs(fd_of(p), attrs);
}

static int dev_event(void *p, uint64_t *time_ns, uint32_t *flags)
{
	return vgpu_event_record(fd_of(p), time_ns, flags);
}

static int dev_submit(void *p, const struct vgpu_submit_op *ops, uint32_t n,
		      uint32_t *done, uint32_t *issued)
{
	return vgpu_submit(fd_of(p), ops, n, done, issued);
}

static int dev_func_attrs(void *p, uint64_t module, const char *name,
			  struct vgpu_func_attrs *attrs)
{
	return vgpu_func_attrs(fd_of(p), module, name, attrs);
}

static void dev_close(void *p)
{
	vgpu_close(fd_of(p));
}

/* /dev/vgpu0, or $VGPU_DEV_DIR/vgpu0 (libvgpu's vgpu_open). */
int cuvg_transport_open_dev(struct cuvg_transport *t)
{
	int fd = vgpu_open(0);

	if (fd < 0)
		return fd;
	*t = (struct cuvg_transport){
		.abi = VGPU_CUDA_TRANSPORT_ABI,
		.priv = (void *)(intptr_t)fd,
		.info = dev_info, .mem_alloc = dev_alloc, .mem_free = dev_free,
		.mem_write = dev_write, .mem_read = dev_read,
		.module_load = dev_load, .module_unload = dev_unload,
		.launch = dev_launch, .sync = dev_sync, .close = dev_close,
		.mem_set = dev_set, .mem_copy = dev_copy,
		.module_get_global = dev_global, .device_attrs = dev_attrs,
		.event_record = dev_event, .submit = dev_submit,
		.func_attrs = dev_func_attrs,
	};
	return 0;
}
