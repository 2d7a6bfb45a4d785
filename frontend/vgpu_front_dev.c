// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu frontend: /dev/vgpuN and its ioctls (include/uapi/linux/vgpu.h).
 *
 * Each ioctl copies its argument struct from user space once, checks the
 * copy (vgpu_front_args.c), builds one request (or, for MEM_WRITE and
 * MEM_READ, a pipeline of chunk requests), waits for it and copies results
 * out. LAUNCH, MEM_SET, MEM_COPY and SUBMIT are in vgpu_front_async.c. No lock is held across a wait: as many calls run at once as the ring
 * has slots.
 *
 * A call may name only device addresses and module handles that calls on
 * the same open file made (vgpu_front_file.c); anything else gets ENOENT,
 * as an address the host does not know would, so a process learns nothing
 * about another's.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "vgpu_front.h"

/* Chunks of one MEM_WRITE/MEM_READ in flight at once. */
#define VGPU_FRONT_XFER_DEPTH	4

/* A malformed ioctl of operation @op: named as in vgpuif_ops.h. */
void vgpu_front_log_bad(struct vgpu_front_info *info, u8 op,
			const char *field, int err)
{
	dev_warn_ratelimited(&info->xbdev->dev,
			     "%s: %s: bad %s (%d) from pid %d (%s)\n",
			     info->name, vgpuif_op_name(op), field, err,
			     task_pid_nr(current), current->comm);
}

/*
 * How long a MEM_ALLOC or MODULE_LOAD on the ring waits for its answer,
 * signals or not: the host answers within its own request timeout, and a
 * disconnect fails the request at once.
 */
#define VGPU_FRONT_OWNED_WAIT_MS	60000

/*
 * Send one request built in @wire, with @fill copying its data in, wait
 * for it and hand it back in *@reqp for the caller to read and free. On
 * error *@reqp is NULL.
 *
 * Once on the ring, a MEM_ALLOC or MODULE_LOAD is waited for even through
 * a signal (SIGKILL too): what it made on the host must reach the open
 * file's table, or nobody could free it before the device disconnects.
 */
int vgpu_front_call(struct vgpu_front_info *info,
		    const struct vgpuif_request *wire,
		    int (*fill)(struct vgpu_front_req *req, const void *arg),
		    const void *arg, struct vgpu_front_req **reqp)
{
	struct vgpu_front_req *req;
	int err;

	*reqp = NULL;
	req = vgpu_front_req_alloc(info, wire, true, &err);
	if (!req) {
		if (err == -E2BIG)
			vgpu_front_log_bad(info, wire->operation,
					   "length (over the backend's max-data-len)",
					   err);
		return err;
	}
	if (fill) {
		err = fill(req, arg);
		if (err)
			goto out_free;
	}
	err = vgpu_front_req_submit(req, true);
	if (err)
		goto out_free;
	if (wire->operation == VGPUIF_OP_MEM_ALLOC ||
	    wire->operation == VGPUIF_OP_MODULE_LOAD)
		err = vgpu_front_req_wait_timeout(&req,
						  msecs_to_jiffies(VGPU_FRONT_OWNED_WAIT_MS));
	else
		err = vgpu_front_req_wait(&req);
	if (err)
		goto out_free;
	*reqp = req;
	return 0;

out_free:
	vgpu_front_req_free(req);
	return err;
}

static int vgpu_front_ioc_simple(struct vgpu_front_info *info, u8 op)
{
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	int err;

	vgpu_front_build_simple(&wire, op);
	err = vgpu_front_call(info, &wire, NULL, NULL, &req);
	vgpu_front_req_free(req);
	return err;
}

/*
 * Room in @own for what a MEM_ALLOC or MODULE_LOAD of @file returns, before
 * it is sent: -ENOSPC when the file holds its maximum already.
 */
int vgpu_front_own_begin(struct vgpu_front_file *file,
			 struct vgpu_front_own *own,
			 struct vgpu_front_info *info, u8 op)
{
	int err;

	mutex_lock(&file->lock);
	err = vgpu_front_own_reserve(own, vgpu_front_conn_gen(info));
	mutex_unlock(&file->lock);
	if (err == -ENOSPC)
		vgpu_front_log_bad(info, op, own == &file->mem ?
				   "count (this file holds the most allocations allowed)" :
				   own == &file->mod ?
				   "count (this file holds the most modules allowed)" :
				   "count (this file holds the most globals allowed)",
				   err);
	return err;
}

/* Record what @req (NULL: failed) returned, made on its connection. */
void vgpu_front_own_end(struct vgpu_front_file *file,
			struct vgpu_front_own *own,
			const struct vgpu_front_req *req, u64 base, u64 size)
{
	mutex_lock(&file->lock);
	if (req)
		vgpu_front_own_add(own, base, size, req->conn_gen);
	else
		vgpu_front_own_unreserve(own);
	mutex_unlock(&file->lock);
}

struct vgpu_front_free_arg {
	struct vgpu_front_file *file;
	struct vgpu_front_own *own;
	u64 base;
	bool *begun;		/* set if the entry is now being freed */
};

/* MEM_FREE, MODULE_UNLOAD: only of this file's, on its connection. */
static int vgpu_front_fill_free(struct vgpu_front_req *req, const void *arg)
{
	const struct vgpu_front_free_arg *fa = arg;
	int err;

	mutex_lock(&fa->file->lock);
	err = vgpu_front_own_free_begin(fa->own, fa->base, req->conn_gen);
	mutex_unlock(&fa->file->lock);
	*fa->begun = !err;
	if (err)
		vgpu_front_log_bad(req->info, req->wire.operation,
				   fa->own == &fa->file->mem ?
				   "dptr (not allocated through this file)" :
				   "handle (not loaded through this file)",
				   err);
	return err;
}

static int vgpu_front_call_free(struct vgpu_front_file *file,
				struct vgpu_front_own *own,
				const struct vgpuif_request *wire, u64 base)
{
	bool begun = false;
	struct vgpu_front_free_arg fa = {
		.file = file, .own = own, .base = base, .begun = &begun,
	};
	struct vgpu_front_req *req;
	int err;

	err = vgpu_front_call(file->info, wire, vgpu_front_fill_free, &fa,
			      &req);
	vgpu_front_req_free(req);
	if (!begun)
		return err;
	/*
	 * Kept only if the host surely did not free it (over the VM's rate
	 * or in-flight limit). Any other outcome may have freed it, and a
	 * later close must not free an address the host gave someone else.
	 */
	mutex_lock(&file->lock);
	vgpu_front_own_free_end(own, base, err != -EAGAIN && err != -EBUSY);
	/* A module's globals go with it (or may have). */
	if (own == &file->mod && err != -EAGAIN && err != -EBUSY)
		vgpu_front_own_drop_owner(&file->glob, base);
	mutex_unlock(&file->lock);
	return err;
}

static int vgpu_front_ioc_get_info(struct vgpu_front_info *info,
				   void __user *uarg)
{
	struct vgpuif_request wire;
	struct vgpuif_info winfo;
	struct vgpu_front_req *req;
	struct vgpu_info out;
	int err;

	vgpu_front_build_get_info(&wire);
	err = vgpu_front_call(info, &wire, NULL, NULL, &req);
	if (err)
		return err;
	vgpu_front_req_read(req, 0, &winfo, sizeof(winfo));
	vgpu_front_req_free(req);
	vgpu_front_info_from_wire(&out, &winfo);
	if (copy_to_user(uarg, &out, sizeof(out)))
		return -EFAULT;
	return 0;
}

static int vgpu_front_ioc_mem_alloc(struct vgpu_front_file *file,
				    void __user *uarg)
{
	struct vgpu_front_info *info = file->info;
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	struct vgpu_mem_alloc a;
	const char *field;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	err = vgpu_front_check_mem_alloc(&a, &field);
	if (err) {
		vgpu_front_log_bad(info, VGPUIF_OP_MEM_ALLOC, field, err);
		return err;
	}
	vgpu_front_build_mem_alloc(&wire, &a);
	err = vgpu_front_own_begin(file, &file->mem, info, VGPUIF_OP_MEM_ALLOC);
	if (err)
		return err;
	err = vgpu_front_call(info, &wire, NULL, NULL, &req);
	if (!err)
		a.dptr = req->rsp.ret[0];
	/* Also if copy_to_user() fails: then it is freed at close. */
	vgpu_front_own_end(file, &file->mem, req, a.dptr, a.size);
	vgpu_front_req_free(req);
	if (err)
		return err;
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

static int vgpu_front_ioc_mem_free(struct vgpu_front_file *file,
				   void __user *uarg)
{
	struct vgpuif_request wire;
	struct vgpu_mem_free f;

	if (copy_from_user(&f, uarg, sizeof(f)))
		return -EFAULT;
	vgpu_front_build_mem_free(&wire, &f);
	return vgpu_front_call_free(file, &file->mem, &wire, f.dptr);
}

static int vgpu_front_fill_image(struct vgpu_front_req *req, const void *arg)
{
	const struct vgpu_module_load *m = arg;

	return vgpu_front_req_from_user(req, 0, u64_to_user_ptr(m->image),
					m->size);
}

static int vgpu_front_ioc_module_load(struct vgpu_front_file *file,
				      void __user *uarg)
{
	struct vgpu_front_info *info = file->info;
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	struct vgpu_module_load m;
	const char *field;
	int err;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	err = vgpu_front_check_module_load(&m, &field);
	if (err) {
		vgpu_front_log_bad(info, VGPUIF_OP_MODULE_LOAD, field, err);
		return err;
	}
	vgpu_front_build_module_load(&wire, &m);
	err = vgpu_front_own_begin(file, &file->mod, info,
				   VGPUIF_OP_MODULE_LOAD);
	if (err)
		return err;
	err = vgpu_front_call(info, &wire, vgpu_front_fill_image, &m, &req);
	if (!err)
		m.handle = req->rsp.ret[0];
	vgpu_front_own_end(file, &file->mod, req, m.handle, 1);
	vgpu_front_req_free(req);
	if (err)
		return err;
	if (copy_to_user(uarg, &m, sizeof(m)))
		return -EFAULT;
	return 0;
}

static int vgpu_front_ioc_module_unload(struct vgpu_front_file *file,
					void __user *uarg)
{
	struct vgpuif_request wire;
	struct vgpu_module_unload u;

	if (copy_from_user(&u, uarg, sizeof(u)))
		return -EFAULT;
	vgpu_front_build_module_unload(&wire, &u);
	return vgpu_front_call_free(file, &file->mod, &wire, u.handle);
}

/* a[n] at 0, b[n] at 4n; c[n] at 8n starts zeroed and comes back. */
static int vgpu_front_fill_vector_add(struct vgpu_front_req *req,
				      const void *arg)
{
	const struct vgpu_vector_add *v = arg;
	int err;

	err = vgpu_front_req_from_user(req, 0, u64_to_user_ptr(v->a), 4 * v->n);
	if (err)
		return err;
	return vgpu_front_req_from_user(req, 4 * v->n, u64_to_user_ptr(v->b),
					4 * v->n);
}

static int vgpu_front_ioc_vector_add(struct vgpu_front_info *info,
				     void __user *uarg)
{
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	struct vgpu_vector_add v;
	const char *field;
	int err;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	err = vgpu_front_check_vector_add(&v, &field);
	if (err) {
		vgpu_front_log_bad(info, VGPUIF_OP_VECTOR_ADD, field, err);
		return err;
	}
	vgpu_front_build_vector_add(&wire, &v);
	err = vgpu_front_call(info, &wire, vgpu_front_fill_vector_add, &v,
			      &req);
	if (err)
		return err;
	err = vgpu_front_req_to_user(req, 8 * v.n, u64_to_user_ptr(v.c),
				     4 * v.n);
	vgpu_front_req_free(req);
	return err;
}

/* Make chunk @idx of a transfer, filled, in *@reqp; not yet submitted. */
static int vgpu_front_xfer_prepare(struct vgpu_front_info *info, u8 op,
				   const struct vgpu_mem_xfer *x, u32 gen,
				   u32 chunk_max, u64 idx, bool block,
				   struct vgpu_front_req **reqp)
{
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	u64 off;
	u32 len;
	int err;

	vgpu_front_xfer_chunk(x->len, chunk_max, idx, &off, &len);
	vgpu_front_build_xfer(&wire, op, x->dptr + off, len);
	req = vgpu_front_req_alloc(info, &wire, block, &err);
	if (!req)
		return err;
	/* Reconnected: the allocation went with the old connection. */
	if (req->conn_gen != gen) {
		vgpu_front_req_free(req);
		return -ENOENT;
	}
	if (op == VGPUIF_OP_MEM_WRITE) {
		err = vgpu_front_req_from_user(req, 0,
					       u64_to_user_ptr(x->buf + off),
					       len);
		if (err) {
			vgpu_front_req_free(req);
			return err;
		}
	}
	*reqp = req;
	return 0;
}

/*
 * MEM_WRITE/MEM_READ: chunks of at most the connection's max-data-len,
 * up to VGPU_FRONT_XFER_DEPTH of them in flight; collected oldest first,
 * so data of a MEM_READ reaches the user in order. The first error stops
 * new chunks; those in flight are waited for. While this call has chunks
 * in flight it never sleeps for ids, buffers or grants (it collects its
 * oldest chunk instead), so callers cannot deadlock each other on those.
 * @gen is the connection that made the allocation.
 */
static int vgpu_front_xfer(struct vgpu_front_info *info, u8 op,
			   const struct vgpu_mem_xfer *x, u32 gen)
{
	struct vgpu_front_req *q[VGPU_FRONT_XFER_DEPTH];
	struct vgpu_front_req *pending = NULL, *req;
	unsigned int head = 0, nq = 0;
	u64 next = 0, nchunks, off;
	u32 chunk_max, len;
	int err = 0, ret;
	bool gone;

	spin_lock_irq(&info->lock);
	chunk_max = info->max_data_len;
	gone = info->link == VGPU_FRONT_GONE;
	spin_unlock_irq(&info->lock);
	/* 0 until the first connect. */
	nchunks = vgpu_front_xfer_nr_chunks(x->len, chunk_max);
	if (!nchunks)
		return gone ? -ENODEV : -ENOTCONN;

	while (nq || (!err && (pending || next < nchunks))) {
		if (!err && (pending || next < nchunks) &&
		    nq < VGPU_FRONT_XFER_DEPTH) {
			/* Block only when nothing of ours is in flight. */
			ret = 0;
			if (!pending) {
				ret = vgpu_front_xfer_prepare(info, op, x, gen,
							      chunk_max, next,
							      !nq, &pending);
				if (!ret)
					next++;
			}
			if (!ret) {
				ret = vgpu_front_req_submit(pending, !nq);
				if (!ret) {
					q[(head + nq) % VGPU_FRONT_XFER_DEPTH] =
						pending;
					nq++;
					pending = NULL;
					continue;
				}
			}
			if (ret == VGPU_FRONT_RETRY && !nq)
				ret = -ENOMEM;	/* cannot happen: !nq blocks */
			if (ret != VGPU_FRONT_RETRY)
				err = ret;
			if (!nq)
				break;
		}

		/* Collect the oldest chunk. */
		req = q[head];
		ret = vgpu_front_req_wait(&req);
		head = (head + 1) % VGPU_FRONT_XFER_DEPTH;
		nq--;
		if (ret == -EINTR) {
			while (nq) {
				vgpu_front_req_abandon(q[head]);
				head = (head + 1) % VGPU_FRONT_XFER_DEPTH;
				nq--;
			}
			err = -EINTR;
			break;
		}
		if (!ret && !err && op == VGPUIF_OP_MEM_READ) {
			off = req->wire.u.mem.dptr - x->dptr;
			len = req->wire.data_len;
			ret = vgpu_front_req_to_user(req, 0,
						     u64_to_user_ptr(x->buf + off),
						     len);
		}
		if (ret && !err)
			err = ret;
		vgpu_front_req_free(req);
	}
	vgpu_front_req_free(pending);
	return err;
}

static int vgpu_front_ioc_xfer(struct vgpu_front_file *file, u8 op,
			       void __user *uarg)
{
	struct vgpu_front_info *info = file->info;
	struct vgpu_front_own *own;
	struct vgpu_mem_xfer x;
	const char *field;
	u64 base;
	u32 gen;
	int err;

	if (copy_from_user(&x, uarg, sizeof(x)))
		return -EFAULT;
	err = vgpu_front_check_mem_xfer(&x, &field);
	if (err) {
		vgpu_front_log_bad(info, op, field, err);
		return err;
	}
	/*
	 * The whole range must lie in one allocation (or global) of this
	 * file, which cannot be freed (and its address handed to another
	 * file) while chunks of this call are in flight.
	 */
	gen = vgpu_front_conn_gen(info);
	err = vgpu_front_range_get(file, op, x.dptr, x.len, gen, &own, &base);
	if (err)
		return err;
	err = vgpu_front_xfer(info, op, &x, gen);
	vgpu_front_range_put(file, own, base);
	return err;
}

static long vgpu_front_ioctl(struct file *filp, unsigned int cmd,
			     unsigned long arg)
{
	struct vgpu_front_file *file = filp->private_data;
	struct vgpu_front_info *info = file->info;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VGPU_IOC_GET_INFO:
		return vgpu_front_ioc_get_info(info, uarg);
	case VGPU_IOC_MEM_ALLOC:
		return vgpu_front_ioc_mem_alloc(file, uarg);
	case VGPU_IOC_MEM_FREE:
		return vgpu_front_ioc_mem_free(file, uarg);
	case VGPU_IOC_MEM_WRITE:
		return vgpu_front_ioc_xfer(file, VGPUIF_OP_MEM_WRITE, uarg);
	case VGPU_IOC_MEM_READ:
		return vgpu_front_ioc_xfer(file, VGPUIF_OP_MEM_READ, uarg);
	case VGPU_IOC_MODULE_LOAD:
		return vgpu_front_ioc_module_load(file, uarg);
	case VGPU_IOC_MODULE_UNLOAD:
		return vgpu_front_ioc_module_unload(file, uarg);
	case VGPU_IOC_LAUNCH:
	case VGPU_IOC_MEM_SET:
	case VGPU_IOC_MEM_COPY:
		return vgpu_front_ioc_async(file, cmd, uarg);
	case VGPU_IOC_SUBMIT:
		return vgpu_front_ioc_submit(file, uarg);
	case VGPU_IOC_SYNC:
		return vgpu_front_ioc_simple(info, VGPUIF_OP_SYNC);
	case VGPU_IOC_VECTOR_ADD:
		return vgpu_front_ioc_vector_add(info, uarg);
	case VGPU_IOC_NOP:
		return vgpu_front_ioc_simple(info, VGPUIF_OP_NOP);
	default:
		return vgpu_front_ioctl_ops2(file, cmd, uarg);
	}
}

static int vgpu_front_open(struct inode *inode, struct file *file)
{
	/* misc_open() put our miscdevice here; misc_deregister() waits. */
	struct vgpu_front_info *info = container_of(file->private_data,
						    struct vgpu_front_info,
						    misc);
	struct vgpu_front_file *f = vgpu_front_file_alloc(info);

	if (!f)
		return -ENOMEM;
	file->private_data = f;
	return nonseekable_open(inode, file);
}

/* Frees what the file still owns on the host, without waiting for it. */
static int vgpu_front_release(struct inode *inode, struct file *file)
{
	vgpu_front_file_release(file->private_data);
	return 0;
}

static const struct file_operations vgpu_front_fops = {
	.owner = THIS_MODULE,
	.open = vgpu_front_open,
	.release = vgpu_front_release,
	.unlocked_ioctl = vgpu_front_ioctl,
	/* Same layout for 32- and 64-bit callers; pointers are __u64. */
	.compat_ioctl = compat_ptr_ioctl,
};

int vgpu_front_misc_register(struct vgpu_front_info *info)
{
	int err;

	info->misc.minor = MISC_DYNAMIC_MINOR;
	info->misc.name = info->name;
	info->misc.fops = &vgpu_front_fops;
	info->misc.parent = &info->xbdev->dev;
	/*
	 * root only until a udev rule (udev/60-vgpu.rules) gives the group
	 * that may use the GPU share; see Documentation/frontend.md.
	 */
	info->misc.mode = 0600;
	err = misc_register(&info->misc);
	if (!err)
		info->misc_registered = true;
	return err;
}

void vgpu_front_misc_deregister(struct vgpu_front_info *info)
{
	if (!info->misc_registered)
		return;
	misc_deregister(&info->misc);
	info->misc_registered = false;
}
