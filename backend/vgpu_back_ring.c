// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: the ring's request path. Requests come off a guest's ring in
 * dev->ring_work, are checked and handed to the worker's queue (or answered
 * at once); responses go back on the ring in the order the requests came.
 *
 * The ring is consumed by dev->ring_work on host->wq, never in the interrupt
 * handler, which only marks an EOI as owed and queues the work. The EOI
 * (xen_irq_lateeoi) is sent only once the ring is drained, so a guest that
 * keeps notifying cannot storm the backend domain (XSA-332).
 *
 * vgpu_back_xenbus.c maps the ring and calls the vgpu_back_ring_*() steps
 * here under dev->state_mutex; impossible indices are passed back to it by
 * queueing dev->close_work.
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/errno.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include <xen/events.h>
#include <xen/xenbus.h>

#include <vgpu/xen_compat.h>

#include "vgpu_back.h"
#include "vgpu_ring_check.h"

/* Requests (or ring checks) one run of ring_work handles before yielding. */
#define VGPU_BACK_BUDGET	64

enum vgpu_back_consumed {
	VB_DRAINED,	/* nothing left on the ring */
	VB_STALLED,	/* back-pressure: the worker must complete some first */
	VB_YIELD,	/* budget used up; run again */
	VB_BROKEN,	/* impossible indices */
};

static_assert(VGPUIF_RING_SIZE == 32);
static_assert(sizeof(struct vgpuif_response) == 32);

/* Push every response that is next in ring order. ring_lock held. */
static void vgpu_back_flush_locked(struct vgpu_back_device *dev)
{
	struct vgpuif_back_ring *ring = &dev->ring;
	unsigned int pushed = 0;
	int notify;

	for (;;) {
		struct vgpu_back_slot *slot =
			&dev->slots[ring->rsp_prod_pvt % VGPUIF_RING_SIZE];

		if (!slot->done)
			break;
		*RING_GET_RESPONSE(ring, ring->rsp_prod_pvt) = slot->rsp;
		slot->done = false;
		ring->rsp_prod_pvt++;
		pushed++;
	}
	if (!pushed)
		return;
	vgpu_back_stat_add(dev, VB_STAT_RESPONSES, pushed);
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(ring, notify);
	if (notify)
		notify_remote_via_irq(dev->irq);
}

/**
 * vgpu_back_respond() - complete the request consumed at ring index @idx
 * @dev: its device
 * @conn_gen: dev->conn_gen when it was consumed
 * @idx: its ring index
 * @id: the guest's tag
 * @operation: the guest's operation
 * @status: VGPUIF_RSP_*
 * @ret: two results, or NULL for none
 *
 * Responses go on the ring in the order the requests were consumed, so a
 * request the backend answers at once (INVALID, NO_WORKER) never overtakes
 * an earlier one of the same device. If the device disconnected since
 * (another @conn_gen), the response is dropped.
 */
static void vgpu_back_respond(struct vgpu_back_device *dev, u32 conn_gen,
			      RING_IDX idx, u64 id, u8 operation, s32 status,
			      const u64 *ret)
{
	struct vgpu_back_slot *slot;

	if (status != VGPUIF_RSP_OKAY)
		vgpu_back_stat_inc(dev, VB_STAT_ERRORS);
	if (status == VGPUIF_RSP_NO_WORKER)
		vgpu_back_stat_inc(dev, VB_STAT_NO_WORKER);

	spin_lock(&dev->ring_lock);
	if (!dev->live || dev->conn_gen != conn_gen) {
		spin_unlock(&dev->ring_lock);
		vgpu_back_stat_inc(dev, VB_STAT_DROPPED);
		return;
	}
	slot = &dev->slots[idx % VGPUIF_RING_SIZE];
	memset(&slot->rsp, 0, sizeof(slot->rsp));
	slot->rsp.id = id;
	slot->rsp.status = status;
	slot->rsp.operation = operation;
	if (ret) {
		slot->rsp.ret[0] = ret[0];
		slot->rsp.ret[1] = ret[1];
	}
	slot->done = true;
	vgpu_back_flush_locked(dev);
	spin_unlock(&dev->ring_lock);
}

/* vgpu_back_respond() for a request the worker had: it completes. */
void vgpu_back_complete(struct vgpu_back_request *r, s32 status,
			const u64 *ret)
{
	vgpu_back_respond(r->dev, r->conn_gen, r->ring_idx, r->req.id,
			  r->req.operation, status, ret);
}

/* Act on one request, already copied off the ring and consumed. */
static void vgpu_back_dispatch(struct vgpu_back_device *dev,
			       const struct vgpuif_request *req, RING_IDX idx)
{
	struct vgpu_back_req_info info;
	struct vgpu_back_request *r;
	u32 gen = dev->conn_gen;
	const char *reason;
	int err;

	vgpu_back_stat_inc(dev, VB_STAT_REQUESTS);
	if (vgpu_back_validate_request(req, &info, &reason) !=
	    VGPUIF_RSP_OKAY)
		goto invalid;

	if (!READ_ONCE(dev->host->worker_open))
		goto no_worker;

	r = vgpu_back_req_alloc(dev, req, &info, &reason);
	if (IS_ERR(r)) {
		if (PTR_ERR(r) != -ENOMEM)
			goto invalid;
		vgpu_back_respond(dev, gen, idx, req->id, req->operation,
				  VGPUIF_RSP_NO_MEMORY, NULL);
		return;
	}
	r->conn_gen = gen;
	r->ring_idx = idx;
	err = vgpu_back_req_submit(r);
	if (!err)
		return;
	vgpu_back_req_put(r);
	if (err == -ENOMEM) {
		vgpu_back_respond(dev, gen, idx, req->id, req->operation,
				  VGPUIF_RSP_NO_MEMORY, NULL);
		return;
	}

no_worker:
	vgpu_back_respond(dev, gen, idx, req->id, req->operation,
			  VGPUIF_RSP_NO_WORKER, NULL);
	return;

invalid:
	vgpu_back_stat_inc(dev, VB_STAT_INVALID);
	pr_warn_ratelimited("dom%u/%u: invalid request (id %llu, op %u): %s\n",
			    dev->domid, dev->devid, req->id, req->operation,
			    reason);
	vgpu_back_respond(dev, gen, idx, req->id, req->operation,
			  VGPUIF_RSP_INVALID, NULL);
}

/*
 * Consume what the guest produced. Reads req_prod once per pass, checks the
 * indices against what the backend knows, and copies each request before
 * looking at it.
 */
static enum vgpu_back_consumed vgpu_back_consume(struct vgpu_back_device *dev)
{
	struct vgpuif_back_ring *ring = &dev->ring;
	unsigned int budget = VGPU_BACK_BUDGET;

	for (;;) {
		RING_IDX rp, rsp;
		unsigned int avail;
		int more;

		if (!budget--)
			return VB_YIELD;

		rp = READ_ONCE(ring->sring->req_prod);
		rmb(); /* Ensure we see queued requests up to 'rp'. */

		/*
		 * Snapshot rsp_prod_pvt after req_prod: the guest produced up
		 * to rp against responses it had seen by then, and
		 * rsp_prod_pvt never goes back.
		 */
		spin_lock(&dev->ring_lock);
		rsp = ring->rsp_prod_pvt;
		spin_unlock(&dev->ring_lock);

		if (vgpu_ring_check_indices(rp, ring->req_cons, rsp,
					    RING_SIZE(ring), &avail)) {
			pr_warn_ratelimited("dom%u/%u: impossible ring indices (req_prod %u, req_cons %u, rsp_prod %u); disconnecting\n",
					    dev->domid, dev->devid, rp,
					    ring->req_cons, rsp);
			return VB_BROKEN;
		}

		if (!avail) {
			spin_lock(&dev->ring_lock);
			RING_FINAL_CHECK_FOR_REQUESTS(ring, more);
			spin_unlock(&dev->ring_lock);
			if (more)
				continue;
			return VB_DRAINED;
		}

		while (avail--) {
			struct vgpuif_request req;
			RING_IDX idx;

			if (!vgpu_back_req_may_queue(dev))
				return VB_STALLED;

			idx = ring->req_cons;
			RING_COPY_REQUEST(ring, idx, &req);
			ring->req_cons = idx + 1;
			/* Only the private copy is looked at from here on. */
			barrier();

			dev->eoi_flags &= ~XEN_EOI_FLAG_SPURIOUS;
			vgpu_back_dispatch(dev, &req, idx);

			if (!budget--)
				return VB_YIELD;
		}
	}
}

static void vgpu_back_ring_work(struct work_struct *work)
{
	struct vgpu_back_device *dev =
		container_of(work, struct vgpu_back_device, ring_work);
	bool live;

	if (test_and_clear_bit(VB_EOI_PENDING, &dev->work_flags))
		dev->eoi_owed = true;

	spin_lock(&dev->ring_lock);
	live = dev->live;
	spin_unlock(&dev->ring_lock);
	/* A broken ring keeps its event channel masked until disconnect. */
	if (!live || dev->broken)
		return;

	switch (vgpu_back_consume(dev)) {
	case VB_DRAINED:
		if (dev->eoi_owed) {
			dev->eoi_owed = false;
			xen_irq_lateeoi(dev->irq, dev->eoi_flags);
			dev->eoi_flags = XEN_EOI_FLAG_SPURIOUS;
		}
		break;
	case VB_STALLED:
		/*
		 * vgpu_back_req_maybe_unstall() kicks us once the worker
		 * completes enough; closing the worker kicks every device.
		 */
		break;
	case VB_YIELD:
		vgpu_back_kick(dev);
		break;
	case VB_BROKEN:
		dev->broken = true;
		vgpu_back_stat_inc(dev, VB_STAT_RING_ERRORS);
		schedule_work(&dev->close_work);
		break;
	}
}

static irqreturn_t vgpu_back_interrupt(int irq, void *data)
{
	struct vgpu_back_device *dev = data;

	set_bit(VB_EOI_PENDING, &dev->work_flags);
	queue_work(dev->host->wq, &dev->ring_work);
	return IRQ_HANDLED;
}

/* At probe. */
void vgpu_back_ring_init(struct vgpu_back_device *dev)
{
	spin_lock_init(&dev->ring_lock);
	INIT_WORK(&dev->ring_work, vgpu_back_ring_work);
}

/*
 * Attach to a freshly mapped ring at the frontend's response index, as
 * blkback does; a ring with impossible indices is caught by the first
 * consume. A new connection generation drops responses for the last one.
 * state_mutex held, ring_work stopped.
 */
void vgpu_back_ring_attach(struct vgpu_back_device *dev,
			   struct vgpuif_sring *sring)
{
	spin_lock(&dev->ring_lock);
	BACK_RING_INIT(&dev->ring, sring, VGPUIF_PAGE_SIZE);
	dev->ring.rsp_prod_pvt = READ_ONCE(sring->rsp_prod);
	dev->ring.req_cons = dev->ring.rsp_prod_pvt;
	memset(dev->slots, 0, sizeof(dev->slots));
	dev->conn_gen++;
	spin_unlock(&dev->ring_lock);
	dev->broken = false;
	dev->eoi_owed = false;
	dev->eoi_flags = XEN_EOI_FLAG_SPURIOUS;
	clear_bit(VB_EOI_PENDING, &dev->work_flags);
}

/*
 * Bind the frontend's event channel (lateeoi). The handler may run before
 * vgpu_back_ring_start(): the work it queues then returns early but keeps
 * the owed EOI for the run queued there. Return: the irq, or an error.
 */
int vgpu_back_ring_bind(struct vgpu_back_device *dev, u32 evtchn)
{
	return vgpu_bind_lateeoi(dev->xbdev, evtchn, vgpu_back_interrupt, 0,
				 dev->irq_name, dev);
}

/* Responses may be pushed and requests consumed from now on. */
void vgpu_back_ring_start(struct vgpu_back_device *dev, int irq)
{
	spin_lock(&dev->ring_lock);
	dev->irq = irq;
	dev->live = true;
	queue_work(dev->host->wq, &dev->ring_work);
	spin_unlock(&dev->ring_lock);
}

/*
 * Undo vgpu_back_ring_start() and _bind(): no interrupt, no ring work and
 * no response touch the ring once this returns. state_mutex held.
 *
 * The work is stopped before the irq is unbound, as blkback stops its
 * thread first: a ring_work run that saw live before it was cleared may
 * still EOI dev->irq, and after unbind_from_irqhandler() that irq number
 * can already belong to another event channel. A run queued by an
 * interrupt after the first cancel sees !live and returns without an
 * EOI; the second cancel makes sure none is left queued once the handler
 * is gone.
 */
void vgpu_back_ring_stop(struct vgpu_back_device *dev)
{
	spin_lock(&dev->ring_lock);
	dev->live = false;
	spin_unlock(&dev->ring_lock);
	cancel_work_sync(&dev->ring_work);
	unbind_from_irqhandler(dev->irq, dev);
	cancel_work_sync(&dev->ring_work);
	clear_bit(VB_EOI_PENDING, &dev->work_flags);
	dev->eoi_owed = false;
}

/* The ring page is unmapped: forget it. state_mutex held. */
void vgpu_back_ring_detach(struct vgpu_back_device *dev)
{
	spin_lock(&dev->ring_lock);
	dev->ring.sring = NULL;
	dev->irq = 0;
	spin_unlock(&dev->ring_lock);
}
