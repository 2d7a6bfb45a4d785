// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: /dev/vgpu-back, the worker's side (uapi/linux/vgpu_back.h).
 *
 * One FIFO of events (vb.queue) feeds read(). A REQUEST event is embedded in
 * its request; CONNECT, DISCONNECT and CONFIG events are embedded in their
 * device, each queued at most once, so queueing never allocates and never
 * fails. Requests live in the table vb.reqs from submission until the
 * worker completes them, the worker closes the device, or their device
 * disconnects; their handle is (generation << 32 | table index), which names
 * no kernel address and is never reused while the table is in use.
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/compat.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vgpu_back.h"

static_assert(sizeof(struct vgpu_back_vm) == 32);
static_assert(sizeof(struct vgpu_back_req) == 56);
static_assert(sizeof(struct vgpu_back_event) == 104);
static_assert(sizeof(struct vgpu_back_completion) == 32);
static_assert(sizeof(struct vgpu_back_copy) == 40);

/* The device's max-queued, else the module parameter. vb.lock held. */
static unsigned int vgpu_back_dev_queue_limit(struct vgpu_back_device *dev)
{
	return vgpu_back_queue_limit(dev->vm.max_queued,
				     READ_ONCE(vgpu_back_max_queued_per_dev),
				     VGPUIF_RING_SIZE);
}

/* Back-pressure released: ring_work may consume again. vb.lock held. */
static void vgpu_back_maybe_unstall(struct vgpu_back_device *dev)
{
	if (dev->stalled && dev->ring_up &&
	    !vgpu_back_queue_full(dev->nr_outstanding,
				  vgpu_back_dev_queue_limit(dev))) {
		dev->stalled = false;
		vgpu_back_kick(dev);
	}
}

/* Queue a device event (not a REQUEST) once. vb.lock held. */
static void vgpu_back_queue_ev(struct vgpu_back_qev *ev)
{
	if (!list_empty(&ev->node))
		return;
	vgpu_back_dev_get(ev->dev);
	list_add_tail(&ev->node, &vb.queue);
}

/* Take a device event off the queue unread. vb.lock held. */
static void vgpu_back_dequeue_ev(struct vgpu_back_qev *ev)
{
	if (list_empty(&ev->node))
		return;
	list_del_init(&ev->node);
	vgpu_back_dev_put(ev->dev);
}

static void vgpu_back_request_release(struct kref *kref)
{
	struct vgpu_back_request *r =
		container_of(kref, struct vgpu_back_request, kref);

	vgpu_back_request_free_grefs(r);
	vgpu_back_dev_put(r->dev);
	kfree(r);
}

void vgpu_back_request_put(struct vgpu_back_request *r)
{
	kref_put(&r->kref, vgpu_back_request_release);
}

/*
 * Take a request out of the table (and the queue). The caller answers it
 * and drops the table's reference. vb.lock held.
 */
static void vgpu_back_unlink(struct vgpu_back_request *r)
{
	struct vgpu_back_device *dev = r->dev;

	if (r->state == VB_REQ_QUEUED) {
		list_del_init(&r->ev.node);
		dev->nr_queued--;
	}
	xa_erase(&vb.reqs, r->index);
	list_del_init(&r->dnode);
	dev->nr_outstanding--;
	WRITE_ONCE(r->in_table, false);
	vgpu_back_stat_add(dev, VB_STAT_OUTSTANDING, -1);
}

/* The request the worker holds under @handle, or NULL. vb.lock held. */
static struct vgpu_back_request *vgpu_back_lookup(u64 handle)
{
	struct vgpu_back_request *r;

	r = xa_load(&vb.reqs, lower_32_bits(handle));
	if (!r || r->handle != handle || r->state != VB_REQ_HELD)
		return NULL;
	return r;
}

/*
 * May ring_work consume one more request of @dev? Not while the worker
 * holds the device's max-queued (else max_queued_per_dev) requests, read
 * or not, that it has not completed (back-pressure).
 */
bool vgpu_back_may_queue(struct vgpu_back_device *dev)
{
	bool ok = true;

	mutex_lock(&vb.lock);
	if (vb.worker_open &&
	    vgpu_back_queue_full(dev->nr_outstanding,
				 vgpu_back_dev_queue_limit(dev))) {
		if (!dev->stalled) {
			dev->stalled = true;
			vgpu_back_stat_inc(dev, VB_STAT_STALLS);
		}
		ok = false;
	}
	mutex_unlock(&vb.lock);
	return ok;
}

/**
 * vgpu_back_submit() - hand a validated request to the worker
 * @r: the request; on success the table owns the caller's reference
 *
 * Return: 0, -ESHUTDOWN if no worker has the device open (or the device is
 * going away), -ENOMEM if the table is full.
 */
int vgpu_back_submit(struct vgpu_back_request *r)
{
	struct vgpu_back_device *dev = r->dev;
	u32 index;
	int err;

	mutex_lock(&vb.lock);
	if (!vb.worker_open || !dev->ring_up) {
		mutex_unlock(&vb.lock);
		return -ESHUTDOWN;
	}
	err = xa_alloc_cyclic(&vb.reqs, &index, r, XA_LIMIT(1, U32_MAX),
			      &vb.next_index, GFP_KERNEL);
	if (err < 0) {
		mutex_unlock(&vb.lock);
		return -ENOMEM;
	}
	if (!++vb.next_gen)
		vb.next_gen = 1;
	r->index = index;
	r->handle = (u64)vb.next_gen << 32 | index;
	r->state = VB_REQ_QUEUED;
	r->in_table = true;
	list_add_tail(&r->dnode, &dev->reqs);
	list_add_tail(&r->ev.node, &vb.queue);
	dev->nr_queued++;
	dev->nr_outstanding++;
	vgpu_back_stat_inc(dev, VB_STAT_OUTSTANDING);
	mutex_unlock(&vb.lock);

	wake_up_interruptible(&vb.read_wq);
	return 0;
}

/* @dev's ring is up: tell the worker, if there is one. */
void vgpu_back_dev_connected(struct vgpu_back_device *dev)
{
	mutex_lock(&vb.lock);
	dev->ring_up = true;
	dev->nr_queued = 0;
	dev->stalled = false;
	if (vb.worker_open)
		vgpu_back_queue_ev(&dev->ev_connect);
	mutex_unlock(&vb.lock);
	wake_up_interruptible(&vb.read_wq);
}

/*
 * @dev's ring is going away (ring_work is stopped): every request of the
 * device, queued or held, ends here; a later completion or copy for it
 * finds no handle. The worker gets DISCONNECT if it saw CONNECT.
 */
void vgpu_back_dev_disconnected(struct vgpu_back_device *dev)
{
	struct vgpu_back_request *r, *tmp;

	mutex_lock(&vb.lock);
	list_for_each_entry_safe(r, tmp, &dev->reqs, dnode) {
		vgpu_back_unlink(r);
		vgpu_back_request_put(r);
	}
	dev->ring_up = false;
	dev->nr_queued = 0;
	dev->nr_outstanding = 0;
	dev->stalled = false;
	vgpu_back_dequeue_ev(&dev->ev_config);
	if (!list_empty(&dev->ev_connect.node))
		/* The worker never heard of this connection. */
		vgpu_back_dequeue_ev(&dev->ev_connect);
	else if (vb.worker_open)
		vgpu_back_queue_ev(&dev->ev_disconnect);
	mutex_unlock(&vb.lock);
	wake_up_interruptible(&vb.read_wq);
}

/* dev->vm changed while connected: tell the worker. */
void vgpu_back_dev_config_changed(struct vgpu_back_device *dev)
{
	mutex_lock(&vb.lock);
	/* A CONNECT still queued carries the new values already. */
	if (dev->ring_up && vb.worker_open &&
	    list_empty(&dev->ev_connect.node))
		vgpu_back_queue_ev(&dev->ev_config);
	/* A raised max-queued may let a stalled ring go on. */
	vgpu_back_maybe_unstall(dev);
	mutex_unlock(&vb.lock);
	wake_up_interruptible(&vb.read_wq);
}

/* vb.lock held (ev->dev->vm is stable). */
static void vgpu_back_fill_event(struct vgpu_back_qev *ev,
				 struct vgpu_back_event *out)
{
	memset(out, 0, sizeof(*out));
	out->type = ev->type;
	out->vm = ev->dev->vm;
	if (ev->type == VGPU_BACK_EV_REQUEST) {
		struct vgpu_back_request *r =
			container_of(ev, struct vgpu_back_request, ev);

		out->handle = r->handle;
		out->req = r->req;
	}
}

/* The worker has read @ev. vb.lock held. */
static void vgpu_back_take_event(struct vgpu_back_qev *ev)
{
	struct vgpu_back_device *dev = ev->dev;
	struct vgpu_back_request *r;

	if (ev->type != VGPU_BACK_EV_REQUEST) {
		vgpu_back_dequeue_ev(ev);
		return;
	}
	r = container_of(ev, struct vgpu_back_request, ev);
	list_del_init(&ev->node);
	r->state = VB_REQ_HELD;
	dev->nr_queued--;
}

static ssize_t vgpu_back_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct vgpu_back_event ev;
	size_t n = 0;
	int err;

	if (count < sizeof(ev))
		return -EINVAL;

	mutex_lock(&vb.lock);
	while (list_empty(&vb.queue)) {
		mutex_unlock(&vb.lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(vb.read_wq,
					       !list_empty(&vb.queue));
		if (err)
			return err;
		mutex_lock(&vb.lock);
	}
	/* Dequeue only what reached the worker: no event is ever lost. */
	while (count - n >= sizeof(ev) && !list_empty(&vb.queue)) {
		struct vgpu_back_qev *qev =
			list_first_entry(&vb.queue, struct vgpu_back_qev, node);

		vgpu_back_fill_event(qev, &ev);
		if (copy_to_user(buf + n, &ev, sizeof(ev)))
			break;
		vgpu_back_take_event(qev);
		n += sizeof(ev);
	}
	mutex_unlock(&vb.lock);
	return n ? n : -EFAULT;
}

/*
 * Only an unknown handle refuses a completion (the ABI's one EINVAL): a
 * refused completion would leave the guest waiting forever, so a status
 * the header does not define becomes VGPUIF_RSP_ERROR instead.
 */
static int vgpu_back_complete(const struct vgpu_back_completion *c)
{
	struct vgpu_back_request *r;
	s32 status = c->status;

	mutex_lock(&vb.lock);
	r = vgpu_back_lookup(c->handle);
	if (!r) {
		mutex_unlock(&vb.lock);
		return -EINVAL;
	}
	vgpu_back_unlink(r);
	vgpu_back_maybe_unstall(r->dev);
	mutex_unlock(&vb.lock);

	if (status > VGPUIF_RSP_OKAY || status < VGPUIF_RSP_NOT_FOUND) {
		pr_warn_ratelimited("worker completed a request of dom%u/%u with unknown status %d; sending VGPUIF_RSP_ERROR\n",
				    r->dev->domid, r->dev->devid, status);
		status = VGPUIF_RSP_ERROR;
	}
	vgpu_back_finish(r->dev, r->conn_gen, r->ring_idx, r->req.id,
			 r->req.operation, status, c->ret);
	vgpu_back_request_put(r);
	return 0;
}

static ssize_t vgpu_back_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct vgpu_back_completion c;
	size_t n = 0;
	int err = 0;

	if (count < sizeof(c))
		return -EINVAL;

	while (count - n >= sizeof(c)) {
		if (copy_from_user(&c, buf + n, sizeof(c))) {
			err = -EFAULT;
			break;
		}
		err = vgpu_back_complete(&c);
		if (err)
			break;
		n += sizeof(c);
		cond_resched();
	}
	return n ? n : err;
}

static __poll_t vgpu_back_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &vb.read_wq, wait);
	if (!list_empty(&vb.queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static long vgpu_back_ioctl_copy(void __user *uarg)
{
	struct vgpu_back_request *r;
	struct vgpu_back_copy c;
	long ret;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.reserved0 || (c.direction != VGPU_BACK_COPY_FROM_GUEST &&
			    c.direction != VGPU_BACK_COPY_TO_GUEST))
		return -EINVAL;

	mutex_lock(&vb.lock);
	r = vgpu_back_lookup(c.handle);
	if (r)
		kref_get(&r->kref);
	mutex_unlock(&vb.lock);
	if (!r)
		return -EINVAL;

	if (!vgpu_back_copy_dir_ok(r->req.operation, c.direction) ||
	    !vgpu_back_copy_range_ok(c.offset, c.len, r->req.data_len))
		ret = -EINVAL;
	else if (!c.len)
		ret = 0;
	else if (c.uaddr != (unsigned long)c.uaddr ||
		 !access_ok(u64_to_user_ptr(c.uaddr), c.len))
		ret = -EFAULT;
	else
		ret = vgpu_back_copy(r, &c);
	vgpu_back_request_put(r);
	return ret;
}

static long vgpu_back_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	switch (cmd) {
	case VGPU_BACK_IOC_ABI_VERSION:
		return VGPU_BACK_ABI_VERSION;
	case VGPU_BACK_IOC_COPY:
		return vgpu_back_ioctl_copy((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static int vgpu_back_open(struct inode *inode, struct file *file)
{
	struct vgpu_back_device *dev;

	mutex_lock(&vb.lock);
	if (vb.worker_open) {
		mutex_unlock(&vb.lock);
		return -EBUSY;
	}
	vb.worker_open = true;
	/* The queue is empty here: release() emptied it. */
	list_for_each_entry(dev, &vb.devices, node)
		if (dev->ring_up)
			vgpu_back_queue_ev(&dev->ev_connect);
	mutex_unlock(&vb.lock);
	pr_info("worker opened the device\n");
	return stream_open(inode, file);
}

/* The worker is gone: everything it held or had not read ends now. */
static int vgpu_back_release(struct inode *inode, struct file *file)
{
	struct vgpu_back_qev *ev, *tmp;
	struct vgpu_back_device *dev;
	struct vgpu_back_request *r;
	unsigned long index;
	unsigned int n = 0;

	mutex_lock(&vb.lock);
	vb.worker_open = false;
	list_for_each_entry_safe(ev, tmp, &vb.queue, node)
		if (ev->type != VGPU_BACK_EV_REQUEST)
			vgpu_back_dequeue_ev(ev);
	xa_for_each(&vb.reqs, index, r) {
		vgpu_back_unlink(r);
		vgpu_back_finish(r->dev, r->conn_gen, r->ring_idx, r->req.id,
				 r->req.operation, VGPUIF_RSP_NO_WORKER, NULL);
		vgpu_back_request_put(r);
		n++;
	}
	/* Rings stopped by back-pressure now answer NO_WORKER. */
	list_for_each_entry(dev, &vb.devices, node) {
		dev->nr_queued = 0;
		dev->nr_outstanding = 0;
		dev->stalled = false;
		vgpu_back_kick(dev);
	}
	mutex_unlock(&vb.lock);
	pr_info("worker closed the device; %u request(s) ended with NO_WORKER\n",
		n);
	return 0;
}

static const struct file_operations vgpu_back_fops = {
	.owner = THIS_MODULE,
	.open = vgpu_back_open,
	.release = vgpu_back_release,
	.read = vgpu_back_read,
	.write = vgpu_back_write,
	.poll = vgpu_back_poll,
	.unlocked_ioctl = vgpu_back_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice vgpu_back_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = VGPU_BACK_NAME,
	.fops = &vgpu_back_fops,
	.mode = 0600,
};

int vgpu_back_dev_init(void)
{
	return misc_register(&vgpu_back_misc);
}

void vgpu_back_dev_exit(void)
{
	misc_deregister(&vgpu_back_misc);
}
