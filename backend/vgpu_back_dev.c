// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: /dev/vgpu-back, the worker's side (uapi/linux/vgpu_back.h).
 *
 * read() takes events off the worker's queue, write() turns the worker's
 * completions into responses on the guests' rings, VGPU_BACK_IOC_COPY moves
 * a request's data by grant copy. The queue and the request table are
 * vgpu_back_req.c's; this file holds host->lock around their helpers.
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/compat.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "vgpu_back.h"

static_assert(sizeof(struct vgpu_back_vm) == 32);
static_assert(sizeof(struct vgpu_back_req) == 56);
static_assert(sizeof(struct vgpu_back_event) == 104);
static_assert(sizeof(struct vgpu_back_completion) == 32);
static_assert(sizeof(struct vgpu_back_copy) == 40);
static_assert(VGPUIF_DIR_FROM_GUEST == VGPU_BACK_COPY_FROM_GUEST);
static_assert(VGPUIF_DIR_TO_GUEST == VGPU_BACK_COPY_TO_GUEST);

static struct vgpu_back_host *vgpu_back_file_host(struct file *file)
{
	/* misc_open() put the miscdevice there. */
	return container_of(file->private_data, struct vgpu_back_host, misc);
}

/* host->lock held (ev->dev->vm is stable). */
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

static ssize_t vgpu_back_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct vgpu_back_host *host = vgpu_back_file_host(file);
	struct vgpu_back_event ev;
	size_t n = 0;
	int err;

	if (count < sizeof(ev))
		return -EINVAL;

	mutex_lock(&host->lock);
	while (list_empty(&host->queue)) {
		mutex_unlock(&host->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(host->read_wq,
					       !list_empty(&host->queue));
		if (err)
			return err;
		mutex_lock(&host->lock);
	}
	/* Dequeue only what reached the worker: no event is ever lost. */
	while (count - n >= sizeof(ev) && !list_empty(&host->queue)) {
		struct vgpu_back_qev *qev =
			list_first_entry(&host->queue, struct vgpu_back_qev,
					 node);

		vgpu_back_fill_event(qev, &ev);
		if (copy_to_user(buf + n, &ev, sizeof(ev)))
			break;
		vgpu_back_take_event(qev);
		n += sizeof(ev);
	}
	mutex_unlock(&host->lock);
	return n ? n : -EFAULT;
}

/*
 * The worker's completion @c: its request completes. Only an unknown
 * handle refuses a completion (the ABI's one EINVAL): a refused completion
 * would leave the guest waiting forever, so a status the header does not
 * define becomes VGPUIF_RSP_ERROR instead.
 */
static int vgpu_back_take_completion(struct vgpu_back_host *host,
				     const struct vgpu_back_completion *c)
{
	struct vgpu_back_request *r;
	s32 status = c->status;

	mutex_lock(&host->lock);
	r = vgpu_back_req_lookup(host, c->handle);
	if (!r) {
		mutex_unlock(&host->lock);
		return -EINVAL;
	}
	vgpu_back_req_unlink(r);
	vgpu_back_req_maybe_unstall(r->dev);
	mutex_unlock(&host->lock);

	if (status > VGPUIF_RSP_OKAY || status < VGPUIF_RSP_NOT_FOUND) {
		pr_warn_ratelimited("worker completed a request of dom%u/%u with unknown status %d; sending VGPUIF_RSP_ERROR\n",
				    r->dev->domid, r->dev->devid, status);
		status = VGPUIF_RSP_ERROR;
	}
	vgpu_back_complete(r, status, c->ret);
	vgpu_back_req_put(r);
	return 0;
}

static ssize_t vgpu_back_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct vgpu_back_host *host = vgpu_back_file_host(file);
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
		err = vgpu_back_take_completion(host, &c);
		if (err)
			break;
		n += sizeof(c);
		cond_resched();
	}
	return n ? n : err;
}

static __poll_t vgpu_back_poll(struct file *file, poll_table *wait)
{
	struct vgpu_back_host *host = vgpu_back_file_host(file);
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &host->read_wq, wait);
	if (!list_empty(&host->queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static long vgpu_back_ioctl_copy(struct vgpu_back_host *host,
				 void __user *uarg)
{
	struct vgpu_back_request *r;
	struct vgpu_back_copy c;
	long ret;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.reserved0 || (c.direction != VGPU_BACK_COPY_FROM_GUEST &&
			    c.direction != VGPU_BACK_COPY_TO_GUEST))
		return -EINVAL;

	mutex_lock(&host->lock);
	r = vgpu_back_req_lookup(host, c.handle);
	if (r)
		kref_get(&r->kref);
	mutex_unlock(&host->lock);
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
	vgpu_back_req_put(r);
	return ret;
}

static long vgpu_back_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	switch (cmd) {
	case VGPU_BACK_IOC_ABI_VERSION:
		return VGPU_BACK_ABI_VERSION;
	case VGPU_BACK_IOC_COPY:
		return vgpu_back_ioctl_copy(vgpu_back_file_host(file),
					    (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static int vgpu_back_open(struct inode *inode, struct file *file)
{
	struct vgpu_back_host *host = vgpu_back_file_host(file);
	struct vgpu_back_device *dev;

	mutex_lock(&host->lock);
	if (host->worker_open) {
		mutex_unlock(&host->lock);
		return -EBUSY;
	}
	host->worker_open = true;
	/* The queue is empty here: release() emptied it. */
	list_for_each_entry(dev, &host->devices, node)
		if (dev->ring_up)
			vgpu_back_queue_ev(&dev->ev_connect);
	mutex_unlock(&host->lock);
	pr_info("worker opened the device\n");
	return stream_open(inode, file);
}

/* The worker is gone: everything it held or had not read completes now. */
static int vgpu_back_release(struct inode *inode, struct file *file)
{
	struct vgpu_back_host *host = vgpu_back_file_host(file);
	struct vgpu_back_qev *ev, *tmp;
	struct vgpu_back_device *dev;
	struct vgpu_back_request *r;
	unsigned long index;
	unsigned int n = 0;

	mutex_lock(&host->lock);
	host->worker_open = false;
	list_for_each_entry_safe(ev, tmp, &host->queue, node)
		if (ev->type != VGPU_BACK_EV_REQUEST)
			vgpu_back_dequeue_ev(ev);
	xa_for_each(&host->reqs, index, r) {
		vgpu_back_req_unlink(r);
		vgpu_back_complete(r, VGPUIF_RSP_NO_WORKER, NULL);
		vgpu_back_req_put(r);
		n++;
	}
	/* Rings stopped by back-pressure now answer NO_WORKER. */
	list_for_each_entry(dev, &host->devices, node) {
		dev->nr_queued = 0;
		dev->nr_outstanding = 0;
		dev->stalled = false;
		vgpu_back_kick(dev);
	}
	mutex_unlock(&host->lock);
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

/* The file operations find @host again through its miscdevice. */
int vgpu_back_dev_init(struct vgpu_back_host *host)
{
	struct miscdevice *misc = &host->misc;

	misc->minor = MISC_DYNAMIC_MINOR;
	misc->name = VGPU_BACK_NAME;
	misc->fops = &vgpu_back_fops;
	misc->mode = 0600;
	return misc_register(misc);
}

void vgpu_back_dev_exit(struct vgpu_back_host *host)
{
	misc_deregister(&host->misc);
}
