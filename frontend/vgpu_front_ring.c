// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu frontend: requests on the shared ring.
 *
 * A request owns a bounce buffer of zeroed or user-filled pages (the user's
 * memory is never granted), the grants of those pages and, for more than
 * VGPUIF_MAX_DIRECT_SEGS pages, of read-only indirect pages. It holds an id
 * from the id table while it is on the ring. The irq handler copies each
 * response off the ring, frees the id and completes the request; the ioctl
 * that waits for it then reads the data and frees the request.
 *
 * A waiter hit by a signal returns -EINTR at once and abandons its request:
 * the pages and grants stay as they are until the response (or a
 * disconnect) finishes the request, and then the reap work frees it. So the
 * backend never copies into memory that was freed or reused.
 *
 * Lock order: conn_lock (mutex) > lock (spinlock, irq-safe) > budget lock
 * (vgpu_front_budget.c).
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xenbus.h>

#include <vgpu/xen_compat.h>

#include "vgpu_front.h"

/* Data pages are VGPUIF_PAGE_SIZE; one kernel page backs each. */
static_assert(PAGE_SIZE == VGPUIF_PAGE_SIZE);
static_assert(VGPUIF_RING_SIZE <= VGPU_FRONT_IDS_MAX);

/*
 * End every grant of @req and free its pages. A grant the backend still
 * uses is ended later by the grant table's deferred list, which frees the
 * page then; so a page is never reused while the backend can reach it.
 */
void vgpu_front_req_free(struct vgpu_front_req *req)
{
	u32 i;

	if (!req)
		return;
	for (i = 0; i < req->layout.nr_indirect; i++) {
		if (!req->ind_pages[i])
			continue;
		if (i < req->nr_ind_grants)
			vgpu_end_foreign_access(req->ind_grefs[i],
						req->ind_pages[i]);
		else
			__free_page(req->ind_pages[i]);
	}
	for (i = 0; i < req->nr_pages; i++) {
		if (i < req->nr_grants)
			vgpu_end_foreign_access(req->grefs[i], req->pages[i]);
		else
			__free_page(req->pages[i]);
	}
	if (req->pages != req->inline_pages)
		kvfree(req->pages);
	if (req->grefs != req->inline_grefs)
		kvfree(req->grefs);
	vgpu_front_budget_put(req->budget);
	kfree(req);
}

static int vgpu_front_req_buffers(struct vgpu_front_req *req, bool block)
{
	const struct vgpu_front_layout *l = &req->layout;
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	u32 n = l->nr_data_pages;
	u32 tail, i;

	if (n <= VGPU_FRONT_INLINE_PAGES) {
		req->pages = req->inline_pages;
		req->grefs = req->inline_grefs;
	} else {
		req->pages = kvcalloc(n, sizeof(*req->pages), GFP_KERNEL);
		req->grefs = kvcalloc(n, sizeof(*req->grefs), GFP_KERNEL);
		if (!req->pages || !req->grefs)
			goto nomem;
	}

	/*
	 * The backend can read every byte of a granted page: pages it writes
	 * start zeroed (it may write less than it should), and the tail of
	 * the last page it reads is cleared. The caller fills the rest.
	 */
	if (req->writable)
		gfp |= __GFP_ZERO;
	for (i = 0; i < n; i++) {
		req->pages[i] = alloc_page(gfp);
		if (!req->pages[i])
			goto nomem;
		req->nr_pages++;
	}
	tail = l->data_len % VGPUIF_PAGE_SIZE;
	if (n && tail && !req->writable)
		memset(page_address(req->pages[n - 1]) + tail, 0,
		       VGPUIF_PAGE_SIZE - tail);

	for (i = 0; i < l->nr_indirect; i++) {
		req->ind_pages[i] = alloc_page(gfp | __GFP_ZERO);
		if (!req->ind_pages[i])
			goto nomem;
	}
	return 0;

nomem:
	return block ? -ENOMEM : VGPU_FRONT_RETRY;
}

/*
 * Grant the filled buffer to the backend: data pages read-only unless the
 * operation has the backend write them, indirect pages read-only. Done
 * only once the caller has filled the pages, so the backend never sees
 * what they held before.
 */
static int vgpu_front_req_grant(struct vgpu_front_req *req, bool block)
{
	const struct vgpu_front_layout *l = &req->layout;
	u32 *ind[VGPUIF_MAX_INDIRECT_PAGES];
	int ref;
	u32 i;

	for (i = req->nr_grants; i < l->nr_data_pages; i++) {
		ref = gnttab_grant_foreign_access(req->domid,
						  xen_page_to_gfn(req->pages[i]),
						  !req->writable);
		if (ref < 0)
			goto noref;
		req->grefs[i] = ref;
		req->nr_grants++;
	}
	for (i = 0; i < l->nr_indirect; i++)
		ind[i] = page_address(req->ind_pages[i]);
	/* Fill the indirect pages before they are granted. */
	vgpu_front_set_grants(&req->wire, l, req->grefs, req->ind_grefs, ind);
	for (i = req->nr_ind_grants; i < l->nr_indirect; i++) {
		ref = gnttab_grant_foreign_access(req->domid,
						  xen_page_to_gfn(req->ind_pages[i]),
						  1);
		if (ref < 0)
			goto noref;
		req->ind_grefs[i] = ref;
		req->wire.gref[i] = ref;
		req->nr_ind_grants++;
	}
	return 0;

noref:
	/* The guest's grant table is full. */
	return block ? -ENOMEM : VGPU_FRONT_RETRY;
}

/* Called with info->lock held: 0 if requests may be sent, else why not. */
static int vgpu_front_link_err(struct vgpu_front_info *info)
{
	switch (info->link) {
	case VGPU_FRONT_UP:
		return 0;
	case VGPU_FRONT_GONE:
		return -ENODEV;
	default:
		return -ENOTCONN;
	}
}

/**
 * vgpu_front_req_alloc() - a request with its buffer, ready to fill
 * @info: the device
 * @wire: the request header from a vgpu_front_build_*() call
 * @block: may wait for the buffer budget; if false, a shortage of budget or
 *	   memory gives VGPU_FRONT_RETRY (the caller frees something first)
 * @err: the error when NULL is returned: -EINVAL (@wire breaks a rule of
 *	 vgpuif_check_op()), -ENOTCONN, -E2BIG (over this backend's
 *	 max-data-len), -ENOMEM, -EINTR or VGPU_FRONT_RETRY
 *
 * The pages are not granted yet: fill them, then submit.
 */
struct vgpu_front_req *vgpu_front_req_alloc(struct vgpu_front_info *info,
					    const struct vgpuif_request *wire,
					    bool block, int *err)
{
	struct vgpu_front_req *req;
	const char *reason;
	domid_t domid;
	bool indirect;
	u32 max, gen;
	int ret;

	/*
	 * The protocol's one check, the backend's too: a request it refuses
	 * would come back VGPUIF_RSP_INVALID, so fail it here the same way.
	 * The ioctl checks make this a check of the builders.
	 */
	if (vgpuif_check_op(wire->operation, wire->data_len, &wire->u,
			    &reason) != VGPUIF_RSP_OKAY) {
		dev_err_ratelimited(&info->xbdev->dev,
				    "%s: %s: built a request vgpuif.h refuses: %s\n",
				    info->name, vgpuif_op_name(wire->operation),
				    reason);
		*err = -EINVAL;
		return NULL;
	}

	spin_lock_irq(&info->lock);
	ret = vgpu_front_link_err(info);
	domid = info->backend_id;
	indirect = info->indirect;
	max = info->max_data_len;
	gen = info->conn_gen;
	spin_unlock_irq(&info->lock);
	if (ret) {
		*err = ret;
		return NULL;
	}
	if (wire->data_len > max) {
		*err = -E2BIG;
		return NULL;
	}

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req) {
		*err = -ENOMEM;
		return NULL;
	}
	req->info = info;
	req->wire = *wire;
	req->state = VGPU_FRONT_REQ_NEW;
	req->writable = vgpu_front_op_backend_writes(wire->operation);
	req->conn_gen = gen;
	req->domid = domid;
	init_completion(&req->done);
	INIT_LIST_HEAD(&req->node);
	ret = vgpu_front_layout(wire->data_len, indirect, &req->layout);
	if (ret)
		goto fail;

	ret = vgpu_front_budget_get(vgpu_front_layout_grants(&req->layout),
				    block);
	if (ret)
		goto fail;
	req->budget = vgpu_front_layout_grants(&req->layout);

	ret = vgpu_front_req_buffers(req, block);
	if (ret)
		goto fail;
	return req;

fail:
	vgpu_front_req_free(req);
	*err = ret;
	return NULL;
}

/*
 * Walk bytes [@off, @off + @len) of the buffer page by page: @step gets
 * each piece, its address in the page, where it starts in the caller's
 * memory (0 for the first byte) and its length. The first error of @step
 * ends the walk. -EINVAL if the range is not inside the buffer.
 */
static int vgpu_front_req_walk(struct vgpu_front_req *req, u32 off, u32 len,
			       int (*step)(void *piece, u32 at, u32 n,
					   void *arg),
			       void *arg)
{
	u32 at, poff, n;
	int err;

	if (off > req->layout.data_len || len > req->layout.data_len - off)
		return -EINVAL;
	for (at = 0; at < len; at += n, off += n) {
		poff = off % VGPUIF_PAGE_SIZE;
		n = min_t(u32, len - at, VGPUIF_PAGE_SIZE - poff);
		err = step(page_address(req->pages[off / VGPUIF_PAGE_SIZE]) +
			   poff, at, n, arg);
		if (err)
			return err;
	}
	return 0;
}

static int vgpu_front_step_from_user(void *piece, u32 at, u32 n, void *arg)
{
	const void __user *src = *(const void __user **)arg;

	return copy_from_user(piece, src + at, n) ? -EFAULT : 0;
}

static int vgpu_front_step_to_user(void *piece, u32 at, u32 n, void *arg)
{
	void __user *dst = *(void __user **)arg;

	return copy_to_user(dst + at, piece, n) ? -EFAULT : 0;
}

static int vgpu_front_step_read(void *piece, u32 at, u32 n, void *arg)
{
	memcpy(arg + at, piece, n);
	return 0;
}

/* @arg NULL writes zeros. */
static int vgpu_front_step_write(void *piece, u32 at, u32 n, void *arg)
{
	if (arg)
		memcpy(piece, arg + at, n);
	else
		memset(piece, 0, n);
	return 0;
}

/* Copy @len bytes from user space to offset @off of the buffer. */
int vgpu_front_req_from_user(struct vgpu_front_req *req, u32 off,
			     const void __user *src, u32 len)
{
	return vgpu_front_req_walk(req, off, len, vgpu_front_step_from_user,
				   &src);
}

/* Copy @len bytes at offset @off of the buffer to user space. */
int vgpu_front_req_to_user(struct vgpu_front_req *req, u32 off,
			   void __user *dst, u32 len)
{
	return vgpu_front_req_walk(req, off, len, vgpu_front_step_to_user,
				   &dst);
}

/* Copy @len bytes at offset @off of the buffer to @dst (kernel memory). */
void vgpu_front_req_read(struct vgpu_front_req *req, u32 off, void *dst,
			 u32 len)
{
	if (vgpu_front_req_walk(req, off, len, vgpu_front_step_read, dst))
		memset(dst, 0, len);
}

/* Write @len bytes of @src (NULL: zeros) at offset @off of the buffer. */
void vgpu_front_req_write(struct vgpu_front_req *req, u32 off,
			  const void *src, u32 len)
{
	/* The walk only reads through @src: the cast drops no promise. */
	vgpu_front_req_walk(req, off, len, vgpu_front_step_write, (void *)src);
}

static bool vgpu_front_can_submit(struct vgpu_front_info *info,
				  struct vgpu_front_req *req)
{
	return info->link != VGPU_FRONT_UP || info->conn_gen != req->conn_gen ||
	       !vgpu_front_ids_full(&info->ids);
}

/**
 * vgpu_front_req_submit() - put a request on the ring
 * @req: a request from vgpu_front_req_alloc(), filled
 * @block: may wait (interruptibly) for a free id; if false, a full table
 *	   gives VGPU_FRONT_RETRY
 *
 * Grants the buffer first (see vgpu_front_req_grant()). Returns 0 (the
 * request is in flight: wait for it with vgpu_front_req_wait()), -ENOTCONN
 * (the link went down or was replaced since the request was made),
 * -ENOMEM (no grant references), -EINTR or VGPU_FRONT_RETRY (also for a
 * lack of grant references); on error the request is still the caller's
 * to free.
 */
int vgpu_front_req_submit(struct vgpu_front_req *req, bool block)
{
	struct vgpu_front_info *info = req->info;
	bool notify;
	int err;

	err = vgpu_front_req_grant(req, block);
	if (err)
		return err;

	spin_lock_irq(&info->lock);
	if (!vgpu_front_can_submit(info, req)) {
		if (!block) {
			spin_unlock_irq(&info->lock);
			return VGPU_FRONT_RETRY;
		}
		err = wait_event_interruptible_lock_irq(info->id_wq,
							vgpu_front_can_submit(info, req),
							info->lock);
		if (err) {
			spin_unlock_irq(&info->lock);
			return -EINTR;
		}
	}
	err = vgpu_front_link_err(info);
	if (!err && info->conn_gen != req->conn_gen)
		err = -ENOTCONN;
	if (err) {
		spin_unlock_irq(&info->lock);
		return err;
	}
	/*
	 * Each request on the ring holds an id, so a free id means a free
	 * slot, unless the backend answered requests it never got.
	 */
	if (RING_FULL(&info->ring) ||
	    vgpu_front_ids_alloc(&info->ids, req, &req->wire.id)) {
		spin_unlock_irq(&info->lock);
		dev_err_ratelimited(&info->xbdev->dev,
				    "%s: ring full with a free id\n",
				    info->name);
		return -EIO;
	}
	*RING_GET_REQUEST(&info->ring, info->ring.req_prod_pvt) = req->wire;
	info->ring.req_prod_pvt++;
	req->state = VGPU_FRONT_REQ_INFLIGHT;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&info->ring, notify);
	/* Under the lock: a disconnect cannot unbind the irq meanwhile. */
	if (notify)
		notify_remote_via_irq(info->irq);
	spin_unlock_irq(&info->lock);
	return 0;
}

/* Called with info->lock held: @req has its result and leaves the ring. */
static void vgpu_front_req_finish(struct vgpu_front_info *info,
				  struct vgpu_front_req *req, int result)
{
	req->result = result;
	req->state = VGPU_FRONT_REQ_DONE;
	if (req->abandoned)
		list_add_tail(&req->node, &info->reap);
	else
		complete(&req->done);
}

/**
 * vgpu_front_req_wait() - wait for a submitted request to finish
 * @reqp: the request; set to NULL if it was abandoned
 *
 * Returns the request's result (0 or a negative errno from its status,
 * -ESHUTDOWN or -EIO) and leaves the request to the caller to read and
 * free; or -EINTR when a signal came first: then the request is abandoned,
 * *@reqp is NULL and whoever finishes it frees it.
 */
int vgpu_front_req_wait(struct vgpu_front_req **reqp)
{
	struct vgpu_front_req *req = *reqp;
	struct vgpu_front_info *info = req->info;

	if (wait_for_completion_interruptible(&req->done)) {
		spin_lock_irq(&info->lock);
		if (req->state != VGPU_FRONT_REQ_DONE) {
			req->abandoned = true;
			spin_unlock_irq(&info->lock);
			*reqp = NULL;
			return -EINTR;
		}
		spin_unlock_irq(&info->lock);
	}
	return req->result;
}

/**
 * vgpu_front_req_wait_timeout() - wait for a request, deaf to signals
 * @reqp: the request; set to NULL if it was abandoned
 * @timeout: the most to wait, in jiffies
 *
 * As vgpu_front_req_wait(), but a signal does not end the wait, so the
 * caller gets the result of a request that made something on the host.
 * After @timeout the request is abandoned and -ETIMEDOUT returned.
 */
int vgpu_front_req_wait_timeout(struct vgpu_front_req **reqp,
				unsigned long timeout)
{
	struct vgpu_front_req *req = *reqp;
	struct vgpu_front_info *info = req->info;

	if (!wait_for_completion_timeout(&req->done, timeout)) {
		spin_lock_irq(&info->lock);
		if (req->state != VGPU_FRONT_REQ_DONE) {
			req->abandoned = true;
			spin_unlock_irq(&info->lock);
			*reqp = NULL;
			return -ETIMEDOUT;
		}
		spin_unlock_irq(&info->lock);
	}
	return req->result;
}

/* Give up a request: free it now if it is not on the ring, else later. */
void vgpu_front_req_abandon(struct vgpu_front_req *req)
{
	struct vgpu_front_info *info = req->info;

	spin_lock_irq(&info->lock);
	if (req->state == VGPU_FRONT_REQ_INFLIGHT) {
		req->abandoned = true;
		req = NULL;
	}
	spin_unlock_irq(&info->lock);
	vgpu_front_req_free(req);
}

void vgpu_front_reap_work(struct work_struct *work)
{
	struct vgpu_front_info *info = container_of(work, struct vgpu_front_info,
						    reap_work);
	struct vgpu_front_req *req, *tmp;
	LIST_HEAD(list);

	spin_lock_irq(&info->lock);
	list_splice_init(&info->reap, &list);
	spin_unlock_irq(&info->lock);
	list_for_each_entry_safe(req, tmp, &list, node) {
		list_del(&req->node);
		vgpu_front_req_free(req);
	}
}

/* Fail every request on the ring; called with info->lock held. */
static void vgpu_front_fail_all(struct vgpu_front_info *info, int err)
{
	struct vgpu_front_req *req;

	while ((req = vgpu_front_ids_take_any(&info->ids)))
		vgpu_front_req_finish(info, req, err);
}

/* A response to a request in flight; called with info->lock held. */
static void vgpu_front_rsp_complete(void *ctx, void *owner,
				    const struct vgpuif_response *rsp)
{
	struct vgpu_front_info *info = ctx;
	struct vgpu_front_req *req = owner;

	req->rsp = *rsp;
	if (rsp->operation != req->wire.operation)
		dev_warn_ratelimited(&info->xbdev->dev,
				     "%s: response to %s names op %u; failing it\n",
				     info->name,
				     vgpuif_op_name(req->wire.operation),
				     rsp->operation);
	vgpu_front_req_finish(info, req, vgpu_front_rsp_result(&req->wire, rsp));
}

static void vgpu_front_rsp_ignored(void *ctx, const struct vgpuif_response *rsp,
				   enum vgpu_front_id_err why)
{
	struct vgpu_front_info *info = ctx;

	dev_warn_ratelimited(&info->xbdev->dev,
			     "%s: ignoring response id %#llx (op %u status %d): %s\n",
			     info->name, rsp->id, rsp->operation, rsp->status,
			     vgpu_front_id_err_str(why));
}

static const struct vgpu_front_rsp_ops vgpu_front_rsp_ops = {
	.complete = vgpu_front_rsp_complete,
	.ignored = vgpu_front_rsp_ignored,
};

/* Consume the responses; -EIO if the ring cannot be trusted. */
static int vgpu_front_responses(struct vgpu_front_info *info)
{
	RING_IDX produced = 0;
	int n;

	n = vgpu_front_consume(&info->ring, &info->ids, &vgpu_front_rsp_ops,
			       info, &produced);
	if (n < 0)
		dev_alert_ratelimited(&info->xbdev->dev,
				      "%s: backend produced %u responses for %u requests\n",
				      info->name, produced,
				      info->ring.req_prod_pvt - info->ring.rsp_cons);
	return n;
}

static irqreturn_t vgpu_front_interrupt(int irq, void *dev_id)
{
	struct vgpu_front_info *info = dev_id;
	unsigned int eoiflag = XEN_EOI_FLAG_SPURIOUS;
	unsigned long flags;
	bool reap;
	int n;

	spin_lock_irqsave(&info->lock, flags);
	if (info->link != VGPU_FRONT_UP && info->link != VGPU_FRONT_CLOSING) {
		spin_unlock_irqrestore(&info->lock, flags);
		xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS);
		return IRQ_HANDLED;
	}
	n = vgpu_front_responses(info);
	if (n < 0) {
		/*
		 * The ring cannot be trusted: fail what is on it, take no
		 * more events (no EOI) and let the work item close the link.
		 */
		info->link = VGPU_FRONT_BROKEN;
		vgpu_front_fail_all(info, -EIO);
		schedule_work(&info->broken_work);
	} else if (n) {
		eoiflag = 0;
	}
	reap = !list_empty(&info->reap);
	spin_unlock_irqrestore(&info->lock, flags);

	if (n)
		wake_up_all(&info->id_wq);
	if (reap)
		schedule_work(&info->reap_work);
	if (n >= 0)
		xen_irq_lateeoi(irq, eoiflag);
	return IRQ_HANDLED;
}

/**
 * vgpu_front_ring_connect() - make a new ring and event channel
 * @info: the device, with no ring (after vgpu_front_ring_disconnect())
 *
 * The link stays down: requests may go on the ring only once the backend
 * is connected (the caller then sets VGPU_FRONT_UP).
 */
int vgpu_front_ring_connect(struct vgpu_front_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	struct vgpuif_sring *sring;
	evtchn_port_t evtchn;
	int err;

	err = vgpu_setup_ring(dev, (void **)&sring, &info->ring_ref);
	if (err) {
		xenbus_dev_fatal(dev, err, "setting up the ring");
		return err;
	}
	SHARED_RING_INIT(sring);

	err = xenbus_alloc_evtchn(dev, &evtchn);
	if (err)
		goto fail_ring;

	/* Late EOI: a backend that floods events cannot storm the guest. */
	err = bind_evtchn_to_irqhandler_lateeoi(evtchn, vgpu_front_interrupt,
						0, info->name, info);
	if (err <= 0) {
		xenbus_dev_fatal(dev, err, "binding the event channel");
		xenbus_free_evtchn(dev, evtchn);
		err = err ? err : -EINVAL;
		goto fail_ring;
	}

	spin_lock_irq(&info->lock);
	FRONT_RING_INIT(&info->ring, sring, VGPUIF_PAGE_SIZE);
	info->evtchn = evtchn;
	info->irq = err;
	info->link = VGPU_FRONT_DOWN;
	spin_unlock_irq(&info->lock);
	return 0;

fail_ring:
	vgpu_teardown_ring((void **)&sring, &info->ring_ref);
	return err;
}

/**
 * vgpu_front_ring_disconnect() - fail what is in flight and drop the ring
 * @info: the device
 * @err: the result of every request still on the ring (-ESHUTDOWN)
 *
 * Idempotent. Waiters wake with @err; abandoned requests are freed here.
 * Their grants end now, or later if the backend still uses them.
 */
void vgpu_front_ring_disconnect(struct vgpu_front_info *info, int err)
{
	struct vgpu_front_req *req, *tmp;
	struct vgpuif_sring *sring;
	LIST_HEAD(list);
	int irq;

	spin_lock_irq(&info->lock);
	info->link = VGPU_FRONT_DOWN;
	vgpu_front_fail_all(info, err);
	list_splice_init(&info->reap, &list);
	irq = info->irq;
	info->irq = 0;
	info->evtchn = 0;
	sring = info->ring.sring;
	memset(&info->ring, 0, sizeof(info->ring));
	spin_unlock_irq(&info->lock);
	wake_up_all(&info->id_wq);

	/* Waits for a running handler; closes the event channel. */
	if (irq > 0)
		unbind_from_irqhandler(irq, info);
	if (sring)
		vgpu_teardown_ring((void **)&sring, &info->ring_ref);

	list_for_each_entry_safe(req, tmp, &list, node) {
		list_del(&req->node);
		vgpu_front_req_free(req);
	}
}
