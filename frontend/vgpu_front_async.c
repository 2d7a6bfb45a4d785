// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu frontend: the operations that are asynchronous on the host, LAUNCH,
 * MEM_SET and MEM_COPY, one per ioctl or many per VGPU_IOC_SUBMIT
 * (include/uapi/linux/vgpu.h). Both paths take an operation through the
 * same steps: its argument copied once and checked (_parse), the ranges it
 * names held and its request made and filled (_start), then submitted,
 * waited for and released (_end).
 *
 * SUBMIT puts its elements on the ring in array order, up to
 * VGPU_SUBMIT_WINDOW in flight, and collects them oldest first; as a
 * MEM_WRITE's pieces do (vgpu_front_dev.c), while it has requests in
 * flight it never sleeps for ids, buffers or grants: it collects its
 * oldest request instead, so callers share the ring's slots and cannot
 * deadlock each other.
 */
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vgpu_front.h"

/* One operation on its way: what it names, its request once made. */
struct vgpu_front_async {
	u32 cmd;
	union vgpu_front_async_arg u;
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	struct vgpu_front_own *own[2];
	u64 base[2];
	unsigned int nr_held;	/* ranges held in own[] */
	bool ranges;		/* the ranges were taken */
	u32 gen;		/* connection the ranges belong to */
};

/* Copy @cmd's argument from @uarg once, check it, build the header. */
static int vgpu_front_async_parse(struct vgpu_front_file *file, u32 cmd,
				  const void __user *uarg,
				  struct vgpu_front_async *a)
{
	const char *field;
	int err;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	if (copy_from_user(&a->u, uarg, vgpu_front_async_arg_size(cmd)))
		return -EFAULT;
	err = vgpu_front_check_async(cmd, &a->u, &field);
	if (err) {
		vgpu_front_log_bad(file->info, vgpu_front_async_op(cmd), field,
				   err);
		return err;
	}
	vgpu_front_build_async(&a->wire, cmd, &a->u);
	a->gen = vgpu_front_conn_gen(file->info);
	return 0;
}

static int vgpu_front_async_hold(struct vgpu_front_file *file,
				 struct vgpu_front_async *a, u64 addr, u64 len)
{
	unsigned int i = a->nr_held;
	int err;

	err = vgpu_front_range_get(file, a->wire.operation, addr, len, a->gen,
				   &a->own[i], &a->base[i]);
	if (!err)
		a->nr_held++;
	return err;
}

/*
 * LAUNCH: the module must be this file's, of the connection @req is made
 * for. Name at 0, zero padding to 8 bytes, then the parameter blob.
 */
static int vgpu_front_fill_launch(struct vgpu_front_file *file,
				  struct vgpu_front_req *req,
				  const struct vgpu_launch *l)
{
	u32 poff = vgpu_front_launch_params_off(l->name_len);
	int err;

	mutex_lock(&file->lock);
	err = vgpu_front_own_check(&file->mod, l->module, 1, req->conn_gen);
	mutex_unlock(&file->lock);
	if (err) {
		vgpu_front_log_bad(req->info, VGPUIF_OP_LAUNCH,
				   "module (not loaded through this file)", err);
		return err;
	}
	err = vgpu_front_req_from_user(req, 0, u64_to_user_ptr(l->name),
				       l->name_len);
	if (err)
		return err;
	vgpu_front_req_write(req, l->name_len, NULL, poff - l->name_len);
	if (!l->params_len)
		return 0;
	return vgpu_front_req_from_user(req, poff, u64_to_user_ptr(l->params),
					l->params_len);
}

/*
 * Hold the device ranges @a names (they cannot be freed while it is in
 * flight), make its request and fill it. Resumable: after
 * VGPU_FRONT_RETRY (only with !@block) call it again. Whatever it took
 * stays in @a for vgpu_front_async_end(), also on error.
 */
static int vgpu_front_async_start(struct vgpu_front_file *file,
				  struct vgpu_front_async *a, bool block)
{
	struct vgpu_front_info *info = file->info;
	int err = 0;

	if (!a->ranges) {
		if (a->cmd == VGPU_IOC_MEM_SET) {
			err = vgpu_front_async_hold(file, a, a->u.set.dptr,
						    a->u.set.size);
		} else if (a->cmd == VGPU_IOC_MEM_COPY) {
			err = vgpu_front_async_hold(file, a, a->u.copy.dst,
						    a->u.copy.size);
			if (!err)
				err = vgpu_front_async_hold(file, a,
							    a->u.copy.src,
							    a->u.copy.size);
		}
		if (err)
			return err;
		a->ranges = true;
	}
	if (a->req)
		return 0;
	a->req = vgpu_front_req_alloc(info, &a->wire, block, &err);
	if (!a->req) {
		if (err == -E2BIG)
			vgpu_front_log_bad(info, a->wire.operation,
					   "length (over the backend's max-data-len)",
					   err);
		return err;
	}
	/* Reconnected: the ranges went with the old connection. */
	if (a->nr_held && a->req->conn_gen != a->gen)
		return -ENOENT;
	if (a->cmd == VGPU_IOC_LAUNCH)
		return vgpu_front_fill_launch(file, a->req, &a->u.launch);
	return 0;
}

/* Free the request (if any is still ours) and let go of the ranges. */
static void vgpu_front_async_end(struct vgpu_front_file *file,
				 struct vgpu_front_async *a)
{
	vgpu_front_req_free(a->req);
	a->req = NULL;
	while (a->nr_held) {
		a->nr_held--;
		vgpu_front_range_put(file, a->own[a->nr_held],
				     a->base[a->nr_held]);
	}
}

/* VGPU_IOC_LAUNCH, VGPU_IOC_MEM_SET, VGPU_IOC_MEM_COPY: one request. */
long vgpu_front_ioc_async(struct vgpu_front_file *file, unsigned int cmd,
			  void __user *uarg)
{
	struct vgpu_front_async a;
	int err;

	err = vgpu_front_async_parse(file, cmd, uarg, &a);
	if (err)
		return err;
	err = vgpu_front_async_start(file, &a, true);
	if (!err)
		err = vgpu_front_req_submit(a.req, true);
	if (!err)
		err = vgpu_front_req_wait(&a.req);
	vgpu_front_async_end(file, &a);
	return err;
}

static void vgpu_front_log_bad_submit(struct vgpu_front_info *info,
				      const char *field, u32 idx, int err)
{
	dev_warn_ratelimited(&info->xbdev->dev,
			     "%s: submit: bad %s at element %u (%d) from pid %d (%s)\n",
			     info->name, field, idx, err, task_pid_nr(current),
			     current->comm);
}

/* Element @idx of @ops: its header checked, then as its single ioctl. */
static int vgpu_front_submit_parse(struct vgpu_front_file *file,
				   const struct vgpu_submit_op *ops, u32 idx,
				   struct vgpu_front_async *a)
{
	const struct vgpu_submit_op *op = &ops[idx];
	const char *field;
	int err;

	err = vgpu_front_check_submit_op(op, &field);
	if (err) {
		vgpu_front_log_bad_submit(file->info, field, idx, err);
		return err;
	}
	return vgpu_front_async_parse(file, op->cmd, u64_to_user_ptr(op->arg),
				      a);
}

struct vgpu_front_batch {
	struct vgpu_front_async win[VGPU_SUBMIT_WINDOW];
	unsigned int head, nq;	/* in flight: win[head] .. */
	u32 done, issued;
	int post_err;		/* the element at issued failed before the ring */
	int ring_err;		/* the first of those in flight that failed */
};

/* Collect the oldest request in flight; false after a signal. */
static bool vgpu_front_batch_collect(struct vgpu_front_file *file,
				     struct vgpu_front_batch *b)
{
	struct vgpu_front_async *a = &b->win[b->head];
	int ret = vgpu_front_req_wait(&a->req);

	if (ret == -EINTR) {
		/* Give up the rest too: whoever finishes them frees them. */
		while (b->nq) {
			a = &b->win[b->head];
			if (a->req)
				vgpu_front_req_abandon(a->req);
			a->req = NULL;
			vgpu_front_async_end(file, a);
			b->head = (b->head + 1) % VGPU_SUBMIT_WINDOW;
			b->nq--;
		}
		if (!b->ring_err)
			b->ring_err = -EINTR;
		return false;
	}
	if (ret && !b->ring_err)
		b->ring_err = ret;
	else if (!ret && !b->ring_err)
		b->done++;
	vgpu_front_async_end(file, a);
	b->head = (b->head + 1) % VGPU_SUBMIT_WINDOW;
	b->nq--;
	return true;
}

/* Post @ops in order while nothing failed, collecting oldest first. */
static void vgpu_front_batch_run(struct vgpu_front_file *file,
				 struct vgpu_front_batch *b,
				 const struct vgpu_submit_op *ops, u32 count)
{
	struct vgpu_front_async *a;
	bool pending = false;
	int ret;

	while (b->nq || (!b->post_err && !b->ring_err && b->issued < count)) {
		if (!b->post_err && !b->ring_err && b->issued < count &&
		    b->nq < VGPU_SUBMIT_WINDOW) {
			a = &b->win[(b->head + b->nq) % VGPU_SUBMIT_WINDOW];
			ret = 0;
			if (!pending) {
				ret = vgpu_front_submit_parse(file, ops,
							      b->issued, a);
				pending = !ret;
			}
			/* Block only when nothing of ours is in flight. */
			if (!ret)
				ret = vgpu_front_async_start(file, a, !b->nq);
			if (!ret)
				ret = vgpu_front_req_submit(a->req, !b->nq);
			if (!ret) {
				pending = false;
				b->nq++;
				b->issued++;
				continue;
			}
			if (ret == VGPU_FRONT_RETRY && !b->nq)
				ret = -ENOMEM;	/* cannot happen: !nq blocks */
			if (ret != VGPU_FRONT_RETRY)
				b->post_err = ret;
			if (!b->nq)
				break;
		}
		if (!vgpu_front_batch_collect(file, b))
			break;
	}
	/* Parsed (and maybe holding ranges or a request) but not posted. */
	if (pending)
		vgpu_front_async_end(file,
				     &b->win[(b->head + b->nq) %
					     VGPU_SUBMIT_WINDOW]);
}

long vgpu_front_ioc_submit(struct vgpu_front_file *file, void __user *uarg)
{
	struct vgpu_submit __user *us = uarg;
	struct vgpu_submit_op *ops;
	struct vgpu_front_batch *b;
	struct vgpu_submit s;
	const char *field;
	int err;

	if (copy_from_user(&s, us, sizeof(s)))
		return -EFAULT;
	err = vgpu_front_check_submit(&s, &field);
	if (err) {
		vgpu_front_log_bad_submit(file->info, field, 0, err);
		return err;
	}
	/* The element headers are copied once, all of them, here. */
	ops = kmalloc_array(s.count, sizeof(*ops), GFP_KERNEL);
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!ops || !b) {
		err = -ENOMEM;
		goto out;
	}
	if (copy_from_user(ops, u64_to_user_ptr(s.ops),
			   array_size(s.count, sizeof(*ops)))) {
		err = -EFAULT;
		goto out;
	}
	vgpu_front_batch_run(file, b, ops, s.count);
	/* The first failure in array order: in flight ones came first. */
	err = b->ring_err ? b->ring_err : b->post_err;
	if (put_user(b->done, &us->done) || put_user(b->issued, &us->issued))
		err = err ? err : -EFAULT;
out:
	kfree(b);
	kfree(ops);
	return err;
}
