// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: /dev/vgpu-back, the worker's side (uapi/linux/vgpu_back.h).
 *
 * read() takes events off the worker's queue, write() turns the worker's
 * completions into responses on the guests' rings, VGPU_BACK_IOC_COPY moves
 * a request's data by grant copy. The queue and the request table are
 * vgpu_back_req.c's; this file holds host->lock around their helpers.
 *
 * With the shared rings (VGPU_BACK_FEAT_RINGS) the worker's events and
 * completions go through memory instead, and poll() is the doorbell: it
 * takes the completions off the ring and moves the queue's events onto it
 * (vgpu_back_wring_sync()), so a worker that waits in ppoll() makes one
 * system call per wakeup instead of ppoll(), read() and write(). The
 * queue stays what it was: the rings only carry what read() and write()
 * carried, checked the same way (vgpu_back_take_completion()).
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
#include <linux/vmalloc.h>

#include "vgpu_back.h"

/*
 * Off by default: in the lab the rings took two of the worker's three
 * system calls per request away but made a null request slower, not
 * faster (Documentation/xen-lab.md).
 */
static bool worker_rings;
module_param(worker_rings, bool, 0644);
MODULE_PARM_DESC(worker_rings,
		 "Offer the worker shared event and completion rings (VGPU_BACK_FEAT_RINGS); 0 (default): read() and write() only (read at the worker's open)");

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
	/* The events go to the ring now: never half to each. */
	if (READ_ONCE(host->wring_area))
		return -EBUSY;

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

	if (!vgpuif_status_known(status)) {
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

/*
 * The rings' doorbell, wring_lock held: move waiting events onto the event
 * ring (@fill), then complete what the worker put on the completion ring.
 * The responses go last, and the queue is looked at without host->lock
 * first: the guest's next request, which a response lets it send, then
 * finds no lock taken by what would follow here (poll_wait() came before,
 * so an event queued after the look wakes the poll again).
 * A garbled index breaks the rings (logged once): the worker then gets
 * POLLERR and EIO, and its requests complete when it closes the device.
 */
static void vgpu_back_wring_sync(struct vgpu_back_host *host, bool fill)
{
	struct vgpu_wring *w = &host->wring;
	bool was_broken = w->broken;
	struct vgpu_back_completion c;
	struct vgpu_back_event ev;
	unsigned int n;

	if (fill && !list_empty(&host->queue) &&
	    !vgpu_wring_ev_space(w, &n) && n) {
		unsigned int put = 0;

		mutex_lock(&host->lock);
		while (put < n && !list_empty(&host->queue)) {
			struct vgpu_back_qev *qev =
				list_first_entry(&host->queue,
						 struct vgpu_back_qev, node);

			vgpu_back_fill_event(qev, &ev);
			vgpu_wring_ev_put(w, &ev);
			vgpu_back_take_event(qev);
			put++;
		}
		mutex_unlock(&host->lock);
		if (put)
			vgpu_wring_ev_publish(w);
	}

	if (!vgpu_wring_cp_avail(w, &n) && n) {
		while (n--) {
			vgpu_wring_cp_get(w, &c);
			if (vgpu_back_take_completion(host, &c))
				vgpu_wring_cp_refused(w);
			cond_resched();
		}
		vgpu_wring_cp_publish(w);
	}

	if (w->broken && !was_broken)
		pr_warn("worker garbled a shared ring index (events: produced %u, worker's consumed %u; completions: consumed %u, worker's produced %u); the rings stop until it closes the device\n",
			w->ev_prod, READ_ONCE(w->hdr->ev_cons), w->cp_cons,
			READ_ONCE(w->hdr->cp_prod));
}

static __poll_t vgpu_back_poll(struct file *file, poll_table *wait)
{
	struct vgpu_back_host *host = vgpu_back_file_host(file);
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &host->read_wq, wait);
	mutex_lock(&host->wring_lock);
	if (host->wring_area) {
		vgpu_back_wring_sync(host, true);
		if (host->wring.broken)
			mask |= EPOLLERR;
		else if (vgpu_wring_ev_pending(&host->wring))
			mask |= EPOLLIN | EPOLLRDNORM;
		mutex_unlock(&host->wring_lock);
		return mask;
	}
	mutex_unlock(&host->wring_lock);
	if (!list_empty(&host->queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/* VGPU_BACK_IOC_RINGS_SETUP: once per open. */
static long vgpu_back_ioctl_rings_setup(struct vgpu_back_host *host,
					void __user *uarg)
{
	struct vgpu_back_rings_setup s;
	void *area;

	if (!READ_ONCE(worker_rings))
		return -EOPNOTSUPP;
	vgpu_wring_layout(&s, PAGE_SIZE);
	mutex_lock(&host->wring_lock);
	if (host->wring_area) {
		mutex_unlock(&host->wring_lock);
		return -EBUSY;
	}
	area = vmalloc_user(s.mmap_len);
	if (!area) {
		mutex_unlock(&host->wring_lock);
		return -ENOMEM;
	}
	if (copy_to_user(uarg, &s, sizeof(s))) {
		mutex_unlock(&host->wring_lock);
		vfree(area);
		return -EFAULT;
	}
	vgpu_wring_init(&host->wring, area, &s);
	host->wring_len = s.mmap_len;
	WRITE_ONCE(host->wring_area, area);
	mutex_unlock(&host->wring_lock);
	pr_info("worker uses the shared rings (%u events, %u completions)\n",
		s.ev_entries, s.cp_entries);
	return 0;
}

/* VGPU_BACK_IOC_RINGS_ENTER: the doorbell without waiting. */
static long vgpu_back_ioctl_rings_enter(struct vgpu_back_host *host)
{
	long ret = 0;

	mutex_lock(&host->wring_lock);
	if (!host->wring_area)
		ret = -EINVAL;
	else
		vgpu_back_wring_sync(host, true);
	if (!ret && host->wring.broken)
		ret = -EIO;
	mutex_unlock(&host->wring_lock);
	return ret;
}

static int vgpu_back_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vgpu_back_host *host = vgpu_back_file_host(file);
	int ret;

	mutex_lock(&host->wring_lock);
	if (!host->wring_area || vma->vm_pgoff ||
	    vma->vm_end - vma->vm_start != host->wring_len)
		ret = -EINVAL;
	else
		ret = remap_vmalloc_range(vma, host->wring_area, 0);
	mutex_unlock(&host->wring_lock);
	return ret;
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
	case VGPU_BACK_IOC_FEATURES:
		return READ_ONCE(worker_rings) ? VGPU_BACK_FEAT_RINGS : 0;
	case VGPU_BACK_IOC_RINGS_SETUP:
		return vgpu_back_ioctl_rings_setup(vgpu_back_file_host(file),
						   (void __user *)arg);
	case VGPU_BACK_IOC_RINGS_ENTER:
		return vgpu_back_ioctl_rings_enter(vgpu_back_file_host(file));
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
	void *area;

	/* What the worker finished before it went is not lost. */
	mutex_lock(&host->wring_lock);
	area = host->wring_area;
	if (area)
		vgpu_back_wring_sync(host, false);
	WRITE_ONCE(host->wring_area, NULL);
	mutex_unlock(&host->wring_lock);
	/* No mapping is left: each holds the file. */
	vfree(area);

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
	.mmap = vgpu_back_mmap,
	.unlocked_ioctl = vgpu_back_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* The file operations find @host again through its miscdevice. */
int vgpu_back_dev_init(struct vgpu_back_host *host)
{
	struct miscdevice *misc = &host->misc;

	mutex_init(&host->wring_lock);
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
