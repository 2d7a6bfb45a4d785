// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: the request object, from the ring to its last reference.
 *
 * vgpu_back_req_alloc() makes a request from a validated copy of the
 * guest's: it keeps the buffer's grant references in memory (inline for a
 * direct request; for an indirect one, copied once out of the guest's
 * indirect pages into pages of our own, so the guest cannot change them).
 *
 * One FIFO of events (host->queue) feeds the worker's read(). A REQUEST
 * event is embedded in its request; CONNECT, DISCONNECT and CONFIG events
 * are embedded in their device, each queued at most once, so queueing never
 * allocates and never fails. Requests live in the table host->reqs from
 * submission until the worker's completion for them, the worker closes the
 * device, or their device disconnects; their handle is (generation << 32 |
 * table index), which names no kernel address and is never reused while
 * the table is in use.
 *
 * A device's requests in the table are bounded (back-pressure): ring_work
 * stops consuming at the device's queue limit and is kicked again once the
 * worker completes enough of them.
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <xen/grant_table.h>
#include <xen/page.h>

#include "vgpu_back.h"

static_assert(sizeof(grant_ref_t) == sizeof(u32));
static_assert(VGPUIF_GREFS_PER_INDIRECT_PAGE * sizeof(grant_ref_t) <=
	      XEN_PAGE_SIZE);

static void vgpu_back_dev_release(struct kref *kref)
{
	struct vgpu_back_device *dev =
		container_of(kref, struct vgpu_back_device, kref);

	kfree(dev);
}

void vgpu_back_dev_get(struct vgpu_back_device *dev)
{
	kref_get(&dev->kref);
}

void vgpu_back_dev_put(struct vgpu_back_device *dev)
{
	kref_put(&dev->kref, vgpu_back_dev_release);
}

void vgpu_back_qev_init(struct vgpu_back_qev *ev,
			struct vgpu_back_device *dev, u32 type)
{
	INIT_LIST_HEAD(&ev->node);
	ev->type = type;
	ev->dev = dev;
}

static void vgpu_back_req_free_grefs(struct vgpu_back_request *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_ind_pages; i++)
		free_page((unsigned long)r->ind[i]);
	vgpu_back_stat_add(r->dev, VB_STAT_INDIRECT_PAGES,
			   -(s64)r->nr_ind_pages);
	vgpu_back_stat_add(r->dev, VB_STAT_GREFS_HELD, -(s64)r->nr_refs_held);
	r->nr_ind_pages = 0;
	r->nr_refs_held = 0;
}

static void vgpu_back_req_release(struct kref *kref)
{
	struct vgpu_back_request *r =
		container_of(kref, struct vgpu_back_request, kref);

	vgpu_back_req_free_grefs(r);
	vgpu_back_dev_put(r->dev);
	kfree(r);
}

void vgpu_back_req_put(struct vgpu_back_request *r)
{
	kref_put(&r->kref, vgpu_back_req_release);
}

/*
 * Copy the data grant refs out of the guest's indirect pages, once, into
 * pages of our own: the guest cannot change them afterwards.
 */
static int vgpu_back_fetch_indirect(struct vgpu_back_request *r,
				    const u32 *ind_grefs, unsigned int nr_ind,
				    const char **reason)
{
	struct gnttab_copy ops[VGPUIF_MAX_INDIRECT_PAGES];
	struct vgpu_back_device *dev = r->dev;
	unsigned int i, left = r->nr_data_pages;

	memset(ops, 0, sizeof(ops));
	for (i = 0; i < nr_ind; i++) {
		unsigned int n = min_t(unsigned int, left,
				       VGPUIF_GREFS_PER_INDIRECT_PAGE);
		void *page = (void *)__get_free_page(GFP_KERNEL);

		if (!page)
			return -ENOMEM;
		r->ind[i] = page;
		r->nr_ind_pages++;
		vgpu_back_stat_inc(dev, VB_STAT_INDIRECT_PAGES);

		ops[i].source.u.ref = ind_grefs[i];
		ops[i].source.domid = dev->domid;
		ops[i].source.offset = 0;
		ops[i].dest.u.gmfn = virt_to_gfn(page);
		ops[i].dest.domid = DOMID_SELF;
		ops[i].dest.offset = 0;
		ops[i].len = n * sizeof(grant_ref_t);
		ops[i].flags = GNTCOPY_source_gref;
		left -= n;
	}

	gnttab_batch_copy(ops, nr_ind);
	vgpu_back_stat_add(dev, VB_STAT_COPY_OPS, nr_ind);
	for (i = 0; i < nr_ind; i++) {
		if (ops[i].status != GNTST_okay) {
			vgpu_back_stat_inc(dev, VB_STAT_COPY_ERRORS);
			pr_warn_ratelimited("dom%u/%u: cannot copy indirect page %u (gref %u): status %d\n",
					    dev->domid, dev->devid, i,
					    ind_grefs[i], ops[i].status);
			*reason = "indirect page not readable";
			return -EIO;
		}
		vgpu_back_stat_add(dev, VB_STAT_COPY_BYTES, ops[i].len);
	}
	return 0;
}

/**
 * vgpu_back_req_alloc() - a request for the worker, from a valid copy
 * @dev: its device (the request takes a reference)
 * @req: the private copy of the guest's request, validated
 * @info: what validation found
 * @reason: set to why the request is refused, for the log
 *
 * Return: the request with one reference, ERR_PTR(-ENOMEM), or
 * ERR_PTR(-EIO) if the guest's indirect pages could not be read (the
 * request is then invalid).
 */
struct vgpu_back_request *
vgpu_back_req_alloc(struct vgpu_back_device *dev,
		    const struct vgpuif_request *req,
		    const struct vgpu_back_req_info *info,
		    const char **reason)
{
	struct vgpu_back_request *r;
	int err;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	kref_init(&r->kref);
	vgpu_back_dev_get(dev);
	r->dev = dev;
	vgpu_back_qev_init(&r->ev, dev, VGPU_BACK_EV_REQUEST);
	INIT_LIST_HEAD(&r->dnode);
	r->req.id = req->id;
	r->req.operation = req->operation;
	r->req.data_len = req->data_len;
	r->req.u = req->u;
	r->nr_data_pages = info->nr_data_pages;

	if (info->indirect) {
		err = vgpu_back_fetch_indirect(r, req->gref, info->nr_segments,
					       reason);
		if (err) {
			vgpu_back_req_put(r);
			return ERR_PTR(err);
		}
	} else {
		memcpy(r->direct, req->gref,
		       info->nr_segments * sizeof(grant_ref_t));
	}
	r->nr_refs_held = r->nr_data_pages;
	vgpu_back_stat_add(dev, VB_STAT_GREFS_HELD, r->nr_refs_held);
	return r;
}

/* The device's max-queued, else the module parameter. host->lock held. */
static unsigned int vgpu_back_dev_queue_limit(struct vgpu_back_device *dev)
{
	return vgpu_back_queue_limit(dev->vm.max_queued,
				     READ_ONCE(dev->host->max_queued_per_dev),
				     VGPUIF_RING_SIZE);
}

/* Back-pressure released: ring_work may consume again. host->lock held. */
void vgpu_back_req_maybe_unstall(struct vgpu_back_device *dev)
{
	if (dev->stalled && dev->ring_up &&
	    !vgpu_back_queue_full(dev->nr_outstanding,
				  vgpu_back_dev_queue_limit(dev))) {
		dev->stalled = false;
		vgpu_back_kick(dev);
	}
}

/* Queue a device event (not a REQUEST) once. host->lock held. */
void vgpu_back_queue_ev(struct vgpu_back_qev *ev)
{
	if (!list_empty(&ev->node))
		return;
	vgpu_back_dev_get(ev->dev);
	list_add_tail(&ev->node, &ev->dev->host->queue);
}

/* Take a device event off the queue unread. host->lock held. */
void vgpu_back_dequeue_ev(struct vgpu_back_qev *ev)
{
	if (list_empty(&ev->node))
		return;
	list_del_init(&ev->node);
	vgpu_back_dev_put(ev->dev);
}

/*
 * Take a request out of the table (and the queue). The caller completes
 * it and drops the table's reference. host->lock held.
 */
void vgpu_back_req_unlink(struct vgpu_back_request *r)
{
	struct vgpu_back_device *dev = r->dev;

	if (r->state == VB_REQ_QUEUED) {
		list_del_init(&r->ev.node);
		dev->nr_queued--;
	}
	xa_erase(&dev->host->reqs, r->index);
	list_del_init(&r->dnode);
	dev->nr_outstanding--;
	WRITE_ONCE(r->in_table, false);
	vgpu_back_stat_add(dev, VB_STAT_OUTSTANDING, -1);
}

/* The request the worker holds under @handle, or NULL. host->lock held. */
struct vgpu_back_request *vgpu_back_req_lookup(struct vgpu_back_host *host,
					       u64 handle)
{
	struct vgpu_back_request *r;

	r = xa_load(&host->reqs, lower_32_bits(handle));
	if (!r || r->handle != handle || r->state != VB_REQ_HELD)
		return NULL;
	return r;
}

/*
 * May ring_work consume one more request of @dev? Not while the worker
 * holds the device's max-queued (else max_queued_per_dev) requests, read
 * or not, that it has not completed (back-pressure).
 */
bool vgpu_back_req_may_queue(struct vgpu_back_device *dev)
{
	struct vgpu_back_host *host = dev->host;
	bool ok = true;

	mutex_lock(&host->lock);
	if (host->worker_open &&
	    vgpu_back_queue_full(dev->nr_outstanding,
				 vgpu_back_dev_queue_limit(dev))) {
		if (!dev->stalled) {
			dev->stalled = true;
			vgpu_back_stat_inc(dev, VB_STAT_STALLS);
		}
		ok = false;
	}
	mutex_unlock(&host->lock);
	return ok;
}

/**
 * vgpu_back_req_submit() - hand a validated request to the worker
 * @r: the request; on success the table owns the caller's reference
 *
 * Return: 0, -ESHUTDOWN if no worker has the device open (or the device is
 * going away), -ENOMEM if the table is full.
 */
int vgpu_back_req_submit(struct vgpu_back_request *r)
{
	struct vgpu_back_device *dev = r->dev;
	struct vgpu_back_host *host = dev->host;
	u32 index;
	int err;

	mutex_lock(&host->lock);
	if (!host->worker_open || !dev->ring_up) {
		mutex_unlock(&host->lock);
		return -ESHUTDOWN;
	}
	err = xa_alloc_cyclic(&host->reqs, &index, r, XA_LIMIT(1, U32_MAX),
			      &host->next_index, GFP_KERNEL);
	if (err < 0) {
		mutex_unlock(&host->lock);
		return -ENOMEM;
	}
	if (!++host->next_gen)
		host->next_gen = 1;
	r->index = index;
	r->handle = (u64)host->next_gen << 32 | index;
	r->state = VB_REQ_QUEUED;
	r->in_table = true;
	list_add_tail(&r->dnode, &dev->reqs);
	list_add_tail(&r->ev.node, &host->queue);
	dev->nr_queued++;
	dev->nr_outstanding++;
	vgpu_back_stat_inc(dev, VB_STAT_OUTSTANDING);
	mutex_unlock(&host->lock);

	wake_up_interruptible(&host->read_wq);
	return 0;
}

/* The worker has read @ev. host->lock held. */
void vgpu_back_take_event(struct vgpu_back_qev *ev)
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

/* @dev's ring is up: tell the worker, if there is one. */
void vgpu_back_req_ring_up(struct vgpu_back_device *dev)
{
	struct vgpu_back_host *host = dev->host;

	mutex_lock(&host->lock);
	dev->ring_up = true;
	dev->nr_queued = 0;
	dev->stalled = false;
	if (host->worker_open)
		vgpu_back_queue_ev(&dev->ev_connect);
	mutex_unlock(&host->lock);
	wake_up_interruptible(&host->read_wq);
}

/*
 * @dev's ring is going away (ring_work is stopped): every request of the
 * device, queued or held, ends here without a response; a later completion
 * or copy for it finds no handle. The worker gets DISCONNECT if it saw
 * CONNECT.
 */
void vgpu_back_req_ring_down(struct vgpu_back_device *dev)
{
	struct vgpu_back_host *host = dev->host;
	struct vgpu_back_request *r, *tmp;

	mutex_lock(&host->lock);
	list_for_each_entry_safe(r, tmp, &dev->reqs, dnode) {
		vgpu_back_req_unlink(r);
		vgpu_back_req_put(r);
	}
	dev->ring_up = false;
	dev->nr_queued = 0;
	dev->nr_outstanding = 0;
	dev->stalled = false;
	vgpu_back_dequeue_ev(&dev->ev_config);
	if (!list_empty(&dev->ev_connect.node))
		/* The worker never heard of this connection. */
		vgpu_back_dequeue_ev(&dev->ev_connect);
	else if (host->worker_open)
		vgpu_back_queue_ev(&dev->ev_disconnect);
	mutex_unlock(&host->lock);
	wake_up_interruptible(&host->read_wq);
}

/* dev->vm changed while connected: tell the worker. */
void vgpu_back_req_config_changed(struct vgpu_back_device *dev)
{
	struct vgpu_back_host *host = dev->host;

	mutex_lock(&host->lock);
	/* A CONNECT still queued carries the new values already. */
	if (dev->ring_up && host->worker_open &&
	    list_empty(&dev->ev_connect.node))
		vgpu_back_queue_ev(&dev->ev_config);
	/* A raised max-queued may let a stalled ring go on. */
	vgpu_back_req_maybe_unstall(dev);
	mutex_unlock(&host->lock);
	wake_up_interruptible(&host->read_wq);
}
