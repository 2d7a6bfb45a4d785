// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu frontend: the ioctls a CUDA Driver API library needs beyond the
 * first ones (issue 18): MODULE_GET_GLOBAL, DEVICE_ATTRS and EVENT_RECORD,
 * and FUNC_ATTRS (a kernel's registers and memory, for occupancy)
 * (include/uapi/linux/vgpu.h; MEM_SET and MEM_COPY are in
 * vgpu_front_async.c). As in vgpu_front_dev.c, each copies its argument
 * once, checks the copy (vgpu_front_args.c) and sends one request.
 *
 * Device ranges are checked against what this open file owns: its
 * allocations, and the globals MODULE_GET_GLOBAL gave it (kept in
 * file->glob under their module's handle, dropped when it is unloaded).
 */
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vgpu_front.h"

int vgpu_front_range_get(struct vgpu_front_file *file, u8 op, u64 addr,
			 u64 len, u32 gen, struct vgpu_front_own **own,
			 u64 *base)
{
	int err;

	mutex_lock(&file->lock);
	*own = &file->mem;
	err = vgpu_front_own_get(*own, addr, len, gen, base);
	if (err == -ENOENT) {
		*own = &file->glob;
		err = vgpu_front_own_get(*own, addr, len, gen, base);
	}
	mutex_unlock(&file->lock);
	if (err)
		vgpu_front_log_bad(file->info, op, err == -ERANGE ?
				   "range (leaves this file's allocation)" :
				   "dptr (not allocated through this file)",
				   err);
	return err;
}

void vgpu_front_range_put(struct vgpu_front_file *file,
			  struct vgpu_front_own *own, u64 base)
{
	mutex_lock(&file->lock);
	vgpu_front_own_put(own, base);
	mutex_unlock(&file->lock);
}

struct vgpu_front_global_arg {
	struct vgpu_front_file *file;
	struct vgpu_module_global g;
};

/* The module must be this file's; the name is the whole buffer. */
static int vgpu_front_fill_global(struct vgpu_front_req *req, const void *arg)
{
	const struct vgpu_front_global_arg *ga = arg;
	int err;

	mutex_lock(&ga->file->lock);
	err = vgpu_front_own_check(&ga->file->mod, ga->g.module, 1,
				   req->conn_gen);
	mutex_unlock(&ga->file->lock);
	if (err) {
		vgpu_front_log_bad(req->info, VGPUIF_OP_MODULE_GET_GLOBAL,
				   "module (not loaded through this file)", err);
		return err;
	}
	return vgpu_front_req_from_user(req, 0, u64_to_user_ptr(ga->g.name),
					ga->g.name_len);
}

static int vgpu_front_ioc_module_global(struct vgpu_front_file *file,
					void __user *uarg)
{
	struct vgpu_front_info *info = file->info;
	struct vgpu_front_global_arg ga = { .file = file };
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	const char *field;
	int err;

	if (copy_from_user(&ga.g, uarg, sizeof(ga.g)))
		return -EFAULT;
	err = vgpu_front_check_module_global(&ga.g, &field);
	if (err) {
		vgpu_front_log_bad(info, VGPUIF_OP_MODULE_GET_GLOBAL, field,
				   err);
		return err;
	}
	vgpu_front_build_module_global(&wire, &ga.g);
	err = vgpu_front_own_begin(file, &file->glob, info,
				   VGPUIF_OP_MODULE_GET_GLOBAL);
	if (err)
		return err;
	err = vgpu_front_call(info, &wire, vgpu_front_fill_global, &ga, &req);
	if (!err) {
		ga.g.dptr = req->rsp.ret[0];
		ga.g.size = req->rsp.ret[1];
		/* A zero-sized answer names nothing: keep nothing. */
		if (!ga.g.size)
			err = -EIO;
	}
	mutex_lock(&file->lock);
	if (!err)
		vgpu_front_own_add_owned(&file->glob, ga.g.dptr, ga.g.size,
					 req->conn_gen, ga.g.module);
	else
		vgpu_front_own_unreserve(&file->glob);
	mutex_unlock(&file->lock);
	vgpu_front_req_free(req);
	if (err)
		return err;
	if (copy_to_user(uarg, &ga.g, sizeof(ga.g)))
		return -EFAULT;
	return 0;
}

struct vgpu_front_func_arg {
	struct vgpu_front_file *file;
	struct vgpu_func_attrs f;
};

/* The module must be this file's; the name is the buffer's first part. */
static int vgpu_front_fill_func(struct vgpu_front_req *req, const void *arg)
{
	const struct vgpu_front_func_arg *fa = arg;
	int err;

	mutex_lock(&fa->file->lock);
	err = vgpu_front_own_check(&fa->file->mod, fa->f.module, 1,
				   req->conn_gen);
	mutex_unlock(&fa->file->lock);
	if (err) {
		vgpu_front_log_bad(req->info, VGPUIF_OP_FUNC_ATTRS,
				   "module (not loaded through this file)", err);
		return err;
	}
	return vgpu_front_req_from_user(req, 0, u64_to_user_ptr(fa->f.name),
					fa->f.name_len);
}

static int vgpu_front_ioc_func_attrs(struct vgpu_front_file *file,
				     void __user *uarg)
{
	struct vgpu_front_func_arg fa = { .file = file };
	struct vgpuif_func_attrs w;
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	const char *field;
	int err;

	if (copy_from_user(&fa.f, uarg, sizeof(fa.f)))
		return -EFAULT;
	err = vgpu_front_check_func_attrs(&fa.f, &field);
	if (err) {
		vgpu_front_log_bad(file->info, VGPUIF_OP_FUNC_ATTRS, field,
				   err);
		return err;
	}
	vgpu_front_build_func_attrs(&wire, &fa.f);
	err = vgpu_front_call(file->info, &wire, vgpu_front_fill_func, &fa,
			      &req);
	if (err)
		return err;
	vgpu_front_req_read(req, VGPUIF_ALIGN8(fa.f.name_len), &w, sizeof(w));
	vgpu_front_req_free(req);
	vgpu_front_func_attrs_from_wire(&fa.f, &w);
	if (copy_to_user(uarg, &fa.f, sizeof(fa.f)))
		return -EFAULT;
	return 0;
}

static int vgpu_front_ioc_device_attrs(struct vgpu_front_info *info,
				       void __user *uarg)
{
	struct vgpuif_device_attrs *w;
	struct vgpu_device_attrs *out;
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	int err;

	vgpu_front_build_device_attrs(&wire);
	err = vgpu_front_call(info, &wire, NULL, NULL, &req);
	if (err)
		return err;
	/* 352 bytes each: off the stack. */
	w = kmalloc(sizeof(*w), GFP_KERNEL);
	out = kmalloc(sizeof(*out), GFP_KERNEL);
	if (!w || !out) {
		err = -ENOMEM;
		goto out;
	}
	vgpu_front_req_read(req, 0, w, sizeof(*w));
	vgpu_front_attrs_from_wire(out, w);
	if (copy_to_user(uarg, out, sizeof(*out)))
		err = -EFAULT;
out:
	vgpu_front_req_free(req);
	kfree(w);
	kfree(out);
	return err;
}

static int vgpu_front_ioc_event_record(struct vgpu_front_info *info,
				       void __user *uarg)
{
	struct vgpu_event_record e = { 0 };
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	int err;

	vgpu_front_build_simple(&wire, VGPUIF_OP_EVENT_RECORD);
	err = vgpu_front_call(info, &wire, NULL, NULL, &req);
	if (err)
		return err;
	e.time_ns = req->rsp.ret[0];
	e.flags = req->rsp.ret[1] & VGPU_EVENT_F_HOST_CLOCK;
	vgpu_front_req_free(req);
	if (copy_to_user(uarg, &e, sizeof(e)))
		return -EFAULT;
	return 0;
}

long vgpu_front_ioctl_ops2(struct vgpu_front_file *file, unsigned int cmd,
			   void __user *uarg)
{
	switch (cmd) {
	case VGPU_IOC_MODULE_GET_GLOBAL:
		return vgpu_front_ioc_module_global(file, uarg);
	case VGPU_IOC_DEVICE_ATTRS:
		return vgpu_front_ioc_device_attrs(file->info, uarg);
	case VGPU_IOC_EVENT_RECORD:
		return vgpu_front_ioc_event_record(file->info, uarg);
	case VGPU_IOC_FUNC_ATTRS:
		return vgpu_front_ioc_func_attrs(file, uarg);
	default:
		return -ENOTTY;
	}
}
