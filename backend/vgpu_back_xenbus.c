// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: the xenbus driver for device type "vgpu" and the ring.
 *
 * State machine (see include/vgpu/vgpuif.h), all under dev->state_mutex:
 *   probe: read pool/priority/vm-id/limits; if the required keys are good,
 *     write protocol-version, feature-indirect, max-data-len -> InitWait;
 *     otherwise stay in Initialising until the config watch sees them.
 *   frontend Initialised/Connected while InitWait (or Closed): map the ring,
 *     bind the event channel (lateeoi), tell the worker -> Connected.
 *   frontend Closing/Closed: end the device's requests, unbind, unmap
 *     -> Closed; frontend Initialising after that -> InitWait again.
 *   impossible ring indices: stop consuming at once; close_work then
 *     disconnects -> Closing.
 *
 * The ring is consumed by dev->ring_work on vb.wq, never in the interrupt
 * handler, which only marks an EOI as owed and queues the work. The EOI
 * (xen_irq_lateeoi) is sent only once the ring is drained, so a guest that
 * keeps notifying cannot storm Dom0 (XSA-332).
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/debugfs.h>
#include <linux/errno.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>

#include <vgpu/xen_compat.h>

#include "vgpu_back.h"
#include "vgpu_ring_check.h"

/* Requests (or ring checks) one run of ring_work handles before yielding. */
#define VGPU_BACK_BUDGET	64

enum vgpu_back_consumed {
	VB_DRAINED,	/* nothing left on the ring */
	VB_STALLED,	/* back-pressure: the worker must read first */
	VB_YIELD,	/* budget used up; run again */
	VB_BROKEN,	/* impossible indices */
};

static_assert(VGPUIF_RING_SIZE == 32);
static_assert(sizeof(struct vgpuif_response) == 32);
static_assert(VGPU_BACK_DIR_FROM_GUEST == VGPU_BACK_COPY_FROM_GUEST);
static_assert(VGPU_BACK_DIR_TO_GUEST == VGPU_BACK_COPY_TO_GUEST);

/* Queue the ring work, unless the ring is gone. */
void vgpu_back_kick(struct vgpu_back_device *dev)
{
	spin_lock(&dev->ring_lock);
	if (dev->live)
		queue_work(vb.wq, &dev->ring_work);
	spin_unlock(&dev->ring_lock);
}

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
 * vgpu_back_finish() - answer the request consumed at ring index @idx
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
void vgpu_back_finish(struct vgpu_back_device *dev, u32 conn_gen,
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

	if (!READ_ONCE(vb.worker_open))
		goto no_worker;

	r = vgpu_back_request_alloc(dev, req, &info, &reason);
	if (IS_ERR(r)) {
		if (PTR_ERR(r) != -ENOMEM)
			goto invalid;
		vgpu_back_finish(dev, gen, idx, req->id, req->operation,
				 VGPUIF_RSP_NO_MEMORY, NULL);
		return;
	}
	r->conn_gen = gen;
	r->ring_idx = idx;
	err = vgpu_back_submit(r);
	if (!err)
		return;
	vgpu_back_request_put(r);
	if (err == -ENOMEM) {
		vgpu_back_finish(dev, gen, idx, req->id, req->operation,
				 VGPUIF_RSP_NO_MEMORY, NULL);
		return;
	}

no_worker:
	vgpu_back_finish(dev, gen, idx, req->id, req->operation,
			 VGPUIF_RSP_NO_WORKER, NULL);
	return;

invalid:
	vgpu_back_stat_inc(dev, VB_STAT_INVALID);
	pr_warn_ratelimited("dom%u/%u: invalid request (id %llu, op %u): %s\n",
			    dev->domid, dev->devid, req->id, req->operation,
			    reason);
	vgpu_back_finish(dev, gen, idx, req->id, req->operation,
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

			if (!vgpu_back_may_queue(dev))
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
		/* vgpu_back_take_event() kicks us once the worker reads. */
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
	queue_work(vb.wq, &dev->ring_work);
	return IRQ_HANDLED;
}

/* xenbus_read() that refuses values with a NUL inside. */
static char *vgpu_back_xs_read(const char *dir, const char *node)
{
	unsigned int len;
	char *val;

	val = xenbus_read(XBT_NIL, dir, node, &len);
	if (IS_ERR(val))
		return val;
	if (strlen(val) != len) {
		kfree(val);
		return ERR_PTR(-EINVAL);
	}
	return val;
}

/*
 * A connection attempt failed because of what the frontend wrote (or the
 * hypervisor refused its grant or port): log (ratelimited, the guest can
 * retry at will) and move to Closing; the frontend resets and tries again
 * from Initialising.
 */
static int vgpu_back_connect_failed(struct vgpu_back_device *dev, int err,
				    const char *what)
{
	pr_warn_ratelimited("dom%u/%u: cannot connect: %s (%d)\n",
			    dev->domid, dev->devid, what, err);
	xenbus_switch_state(dev->xbdev, XenbusStateClosing);
	return err;
}

/* An unsigned value the frontend wrote in its directory. */
static int vgpu_back_read_fe_u32(struct vgpu_back_device *dev,
				 const char *node, u32 *val)
{
	char *s;
	int err;

	s = vgpu_back_xs_read(dev->xbdev->otherend, node);
	if (IS_ERR(s))
		return PTR_ERR(s);
	err = vgpu_back_parse_u32(s, val);
	kfree(s);
	return err;
}

/* Undo vgpu_back_connect(): the device's requests end. state_mutex held. */
static void vgpu_back_disconnect(struct vgpu_back_device *dev)
{
	if (!dev->mapped)
		return;

	spin_lock(&dev->ring_lock);
	dev->live = false;
	spin_unlock(&dev->ring_lock);
	/* No interrupt, no ring work and no response touch the ring now. */
	unbind_from_irqhandler(dev->irq, dev);
	cancel_work_sync(&dev->ring_work);
	clear_bit(VB_EOI_PENDING, &dev->work_flags);
	dev->eoi_owed = false;

	vgpu_back_dev_disconnected(dev);

	xenbus_unmap_ring_vfree(dev->xbdev, dev->ring_area);
	spin_lock(&dev->ring_lock);
	dev->ring.sring = NULL;
	dev->irq = 0;
	spin_unlock(&dev->ring_lock);
	dev->ring_area = NULL;
	dev->mapped = false;
	vgpu_back_stat_inc(dev, VB_STAT_DISCONNECTS);
	pr_info_ratelimited("dom%u/%u: disconnected\n", dev->domid,
			    dev->devid);
}

/* Map the frontend's ring and bind its event channel. state_mutex held. */
static int vgpu_back_connect(struct vgpu_back_device *dev)
{
	struct xenbus_device *xbdev = dev->xbdev;
	struct vgpuif_sring *sring;
	u32 version, ring_ref, evtchn;
	grant_ref_t gref;
	void *area;
	int irq, err;

	if (dev->mapped)
		return 0;

	err = vgpu_back_read_fe_u32(dev, "protocol-version", &version);
	if (err)
		return vgpu_back_connect_failed(dev, err,
						"no valid protocol-version");
	if (version != VGPUIF_PROTOCOL_VERSION) {
		pr_warn_ratelimited("dom%u/%u: frontend protocol-version %u, backend speaks %u\n",
				    dev->domid, dev->devid, version,
				    VGPUIF_PROTOCOL_VERSION);
		return vgpu_back_connect_failed(dev, -EPROTONOSUPPORT,
						"protocol-version refused");
	}
	err = vgpu_back_read_fe_u32(dev, "ring-ref", &ring_ref);
	if (err)
		return vgpu_back_connect_failed(dev, err, "no valid ring-ref");
	err = vgpu_back_read_fe_u32(dev, "event-channel", &evtchn);
	if (err)
		return vgpu_back_connect_failed(dev, err,
						"no valid event-channel");

	gref = ring_ref;
	err = xenbus_map_ring_valloc(xbdev, &gref, 1, &area);
	if (err)
		return vgpu_back_connect_failed(dev, err,
						"cannot map ring-ref");

	/*
	 * Attach at the frontend's response index, as blkback does; a ring
	 * with impossible indices is caught by the first consume.
	 */
	sring = area;
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

	/*
	 * The handler may run before dev->live is set: the work it queues
	 * then returns early but keeps the owed EOI for the run queued below.
	 */
	irq = vgpu_bind_lateeoi(xbdev, evtchn, vgpu_back_interrupt, 0,
				dev->irq_name, dev);
	if (irq < 0) {
		xenbus_unmap_ring_vfree(xbdev, area);
		return vgpu_back_connect_failed(dev, irq,
						"cannot bind event-channel");
	}
	dev->ring_area = area;
	dev->mapped = true;

	vgpu_back_dev_connected(dev);

	spin_lock(&dev->ring_lock);
	dev->irq = irq;
	dev->live = true;
	queue_work(vb.wq, &dev->ring_work);
	spin_unlock(&dev->ring_lock);

	vgpu_back_stat_inc(dev, VB_STAT_CONNECTS);
	/* Ratelimited: a guest can disconnect and connect again at will. */
	pr_info_ratelimited("dom%u/%u: connected (ring-ref %u, event-channel %u)\n",
			    dev->domid, dev->devid, ring_ref, evtchn);

	err = xenbus_switch_state(xbdev, XenbusStateConnected);
	if (err)
		vgpu_back_disconnect(dev);
	return err;
}

/*
 * Read one configuration key into dev->vm, keeping the last good value if
 * the new one is missing or bad. Returns true if dev->vm changed.
 * state_mutex held.
 */
static bool vgpu_back_read_cfg_key(struct vgpu_back_device *dev,
				   unsigned int key)
{
	const char *name = vgpu_back_cfg_name(key);
	struct vgpu_back_vm vm = dev->vm;
	const char *reason;
	bool changed;
	char *val;
	int err;

	val = vgpu_back_xs_read(dev->xbdev->nodename, name);
	if (IS_ERR(val) && PTR_ERR(val) != -ENOENT) {
		pr_warn("dom%u/%u: cannot read %s (%ld); keeping the last good value\n",
			dev->domid, dev->devid, name, PTR_ERR(val));
		return false;
	}
	err = vgpu_back_cfg_set(&vm, key, IS_ERR(val) ? NULL : val, &reason);
	if (err == -ENOENT) {
		if (dev->cfg_have & BIT(key))
			pr_warn("dom%u/%u: %s was removed; keeping the last good value\n",
				dev->domid, dev->devid, name);
		else
			pr_warn("dom%u/%u: %s missing; not connecting until it is set\n",
				dev->domid, dev->devid, name);
		goto out;
	}
	if (err) {
		pr_warn("dom%u/%u: refusing %s \"%.40s\": %s; keeping the %s\n",
			dev->domid, dev->devid, name, val, reason,
			dev->cfg_have & BIT(key) ? "last good value" :
			(BIT(key) & VGPU_BACK_CFG_REQUIRED ? "device unconnected" :
			 "default"));
		goto out;
	}

	changed = memcmp(&vm, &dev->vm, sizeof(vm)) ||
		  !(dev->cfg_have & BIT(key));
	if (changed) {
		mutex_lock(&vb.lock);
		dev->vm = vm;
		mutex_unlock(&vb.lock);
	}
	dev->cfg_have |= BIT(key);
	if (!IS_ERR(val))
		kfree(val);
	return changed;

out:
	if (!IS_ERR(val))
		kfree(val);
	return false;
}

static bool vgpu_back_cfg_complete(struct vgpu_back_device *dev)
{
	return (dev->cfg_have & VGPU_BACK_CFG_REQUIRED) ==
	       VGPU_BACK_CFG_REQUIRED;
}

/* Advertise the protocol and wait for the frontend. state_mutex held. */
static void vgpu_back_enter_initwait(struct vgpu_back_device *dev)
{
	struct xenbus_device *xbdev = dev->xbdev;
	int err;

	if (!vgpu_back_cfg_complete(dev))
		return;

	err = xenbus_printf(XBT_NIL, xbdev->nodename, "protocol-version",
			    "%u", VGPUIF_PROTOCOL_VERSION);
	if (!err)
		err = xenbus_printf(XBT_NIL, xbdev->nodename,
				    "feature-indirect", "%u", 1);
	if (!err)
		err = xenbus_printf(XBT_NIL, xbdev->nodename, "max-data-len",
				    "%u", VGPUIF_MAX_DATA_LEN);
	if (err) {
		xenbus_dev_fatal(xbdev, err, "writing %s features",
				 xbdev->nodename);
		return;
	}
	xenbus_switch_state(xbdev, XenbusStateInitWait);
}

/*
 * React to the frontend's state. state_mutex held. Returns true if the
 * caller must unregister the device (after dropping the mutex).
 */
static bool vgpu_back_frontend_state(struct vgpu_back_device *dev,
				     enum xenbus_state fe)
{
	struct xenbus_device *xbdev = dev->xbdev;

	pr_debug("dom%u/%u: frontend %s, backend %s\n", dev->domid,
		 dev->devid, xenbus_strstate(fe), xenbus_strstate(xbdev->state));

	switch (fe) {
	case XenbusStateInitialising:
		/* A frontend that starts over gets a fresh connection. */
		switch (xbdev->state) {
		case XenbusStateConnected:
		case XenbusStateClosing:
		case XenbusStateClosed:
			vgpu_back_disconnect(dev);
			vgpu_back_enter_initwait(dev);
			break;
		default:
			break;
		}
		break;

	case XenbusStateInitialised:
	case XenbusStateConnected:
		/*
		 * Connect from InitWait, or from Closed if the frontend came
		 * back quickly. Not from Initialising (no configuration yet)
		 * nor Closing (the frontend must reset first).
		 */
		if (xbdev->state != XenbusStateInitWait &&
		    xbdev->state != XenbusStateClosed)
			break;
		if (!vgpu_back_cfg_complete(dev))
			break;
		vgpu_back_connect(dev);
		break;

	case XenbusStateClosing:
		/*
		 * Closing, not Closed, as blkback and netback answer: a guest
		 * shutting down waits (xenbus_frontend_dev_shutdown, 5 s) for
		 * its backend to reach Closing. The ring is unmapped already.
		 */
		vgpu_back_disconnect(dev);
		xenbus_switch_state(xbdev, XenbusStateClosing);
		break;

	case XenbusStateClosed:
		vgpu_back_disconnect(dev);
		xenbus_switch_state(xbdev, XenbusStateClosed);
		if (xenbus_dev_is_online(xbdev))
			break;
		fallthrough;	/* if not online */
	case XenbusStateUnknown:
		vgpu_back_disconnect(dev);
		return true;

	default:
		pr_warn_ratelimited("dom%u/%u: frontend in unexpected state %d\n",
				    dev->domid, dev->devid, fe);
		break;
	}
	return false;
}

static void vgpu_back_frontend_changed(struct xenbus_device *xbdev,
				       enum xenbus_state fe)
{
	struct vgpu_back_device *dev = dev_get_drvdata(&xbdev->dev);
	bool unregister;

	if (!dev)
		return;
	mutex_lock(&dev->state_mutex);
	unregister = !dev->removed && vgpu_back_frontend_state(dev, fe);
	mutex_unlock(&dev->state_mutex);
	if (unregister)
		device_unregister(&xbdev->dev);
}

/* After impossible ring indices: disconnect and go to Closing. */
static void vgpu_back_close_work(struct work_struct *work)
{
	struct vgpu_back_device *dev =
		container_of(work, struct vgpu_back_device, close_work);

	mutex_lock(&dev->state_mutex);
	if (!dev->removed && dev->mapped && dev->broken) {
		vgpu_back_disconnect(dev);
		xenbus_switch_state(dev->xbdev, XenbusStateClosing);
	}
	mutex_unlock(&dev->state_mutex);
}

/* Watch on the backend directory: a configuration key changed. */
static void vgpu_back_cfg_changed(struct xenbus_watch *watch,
				  const char *path, const char *token)
{
	struct vgpu_back_device *dev =
		container_of(watch, struct vgpu_back_device, cfg_watch);
	struct xenbus_device *xbdev;
	size_t len;
	int key;

	mutex_lock(&dev->state_mutex);
	xbdev = dev->xbdev;
	if (dev->removed || !xbdev)
		goto out;
	len = strlen(xbdev->nodename);
	if (strncmp(path, xbdev->nodename, len) || path[len] != '/')
		goto out;
	key = vgpu_back_cfg_lookup(path + len + 1);
	if (key < 0 || !vgpu_back_read_cfg_key(dev, key))
		goto out;

	pr_info("dom%u/%u: %s changed: pool %c, priority %u, vm-id %u\n",
		dev->domid, dev->devid, vgpu_back_cfg_name(key),
		'A' + dev->vm.pool, dev->vm.priority, dev->vm.vm_id);

	if (xbdev->state == XenbusStateInitialising) {
		enum xenbus_state fe;

		/* The missing keys arrived: advertise, maybe connect. */
		vgpu_back_enter_initwait(dev);
		fe = xenbus_read_driver_state(xbdev->otherend);
		if (fe == XenbusStateInitialised || fe == XenbusStateConnected)
			vgpu_back_frontend_state(dev, fe);
	} else if (dev->mapped) {
		vgpu_back_dev_config_changed(dev);
	}
out:
	mutex_unlock(&dev->state_mutex);
}

static void vgpu_back_teardown(struct vgpu_back_device *dev)
{
	struct xenbus_device *xbdev = dev->xbdev;

	if (dev->watching) {
		unregister_xenbus_watch(&dev->cfg_watch);
		kfree(dev->cfg_watch.node);
		dev->cfg_watch.node = NULL;
		dev->watching = false;
	}

	mutex_lock(&dev->state_mutex);
	dev->removed = true;
	vgpu_back_disconnect(dev);
	mutex_unlock(&dev->state_mutex);
	cancel_work_sync(&dev->close_work);

	debugfs_remove(dev->dbg);
	dev->dbg = NULL;

	mutex_lock(&vb.lock);
	list_del_init(&dev->node);
	vb.nr_devices--;
	mutex_unlock(&vb.lock);

	dev_set_drvdata(&xbdev->dev, NULL);
	dev->xbdev = NULL;
	pr_info("dom%u/%u: removed\n", dev->domid, dev->devid);
	vgpu_back_dev_put(dev);
}

static void vgpu_back_qev_init(struct vgpu_back_qev *ev,
			       struct vgpu_back_device *dev, u32 type)
{
	INIT_LIST_HEAD(&ev->node);
	ev->type = type;
	ev->dev = dev;
}

static int vgpu_back_probe(struct xenbus_device *xbdev,
			   const struct xenbus_device_id *id)
{
	struct vgpu_back_device *dev;
	const char *p;
	unsigned int key;
	u32 devid;
	int err;

	p = strrchr(xbdev->nodename, '/');
	if (!p || vgpu_back_parse_u32(p + 1, &devid) || devid > U16_MAX) {
		xenbus_dev_fatal(xbdev, -EINVAL, "bad device name %s",
				 xbdev->nodename);
		return -EINVAL;
	}

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		xenbus_dev_fatal(xbdev, -ENOMEM, "allocating backend");
		return -ENOMEM;
	}
	kref_init(&dev->kref);
	dev->xbdev = xbdev;
	dev->domid = xbdev->otherend_id;
	dev->devid = devid;
	dev->vm.domid = dev->domid;
	dev->vm.devid = dev->devid;
	mutex_init(&dev->state_mutex);
	spin_lock_init(&dev->ring_lock);
	INIT_LIST_HEAD(&dev->node);
	INIT_LIST_HEAD(&dev->reqs);
	vgpu_back_qev_init(&dev->ev_connect, dev, VGPU_BACK_EV_CONNECT);
	vgpu_back_qev_init(&dev->ev_disconnect, dev, VGPU_BACK_EV_DISCONNECT);
	vgpu_back_qev_init(&dev->ev_config, dev, VGPU_BACK_EV_CONFIG);
	INIT_WORK(&dev->ring_work, vgpu_back_ring_work);
	INIT_WORK(&dev->close_work, vgpu_back_close_work);
	snprintf(dev->irq_name, sizeof(dev->irq_name), "vgpu-back-%u-%u",
		 dev->domid, dev->devid);
	dev_set_drvdata(&xbdev->dev, dev);

	mutex_lock(&vb.lock);
	list_add_tail(&dev->node, &vb.devices);
	vb.nr_devices++;
	mutex_unlock(&vb.lock);
	vgpu_back_debugfs_add_device(dev);

	mutex_lock(&dev->state_mutex);
	for (key = 0; key < VGPU_BACK_NR_CFG; key++)
		vgpu_back_read_cfg_key(dev, key);
	err = xenbus_watch_pathfmt(xbdev, &dev->cfg_watch, NULL,
				   vgpu_back_cfg_changed, "%s",
				   xbdev->nodename);
	if (err) {
		mutex_unlock(&dev->state_mutex);
		goto fail;
	}
	dev->watching = true;
	vgpu_back_enter_initwait(dev);
	mutex_unlock(&dev->state_mutex);

	if (vgpu_back_cfg_complete(dev))
		pr_info("dom%u/%u: probed: pool %c, priority %u, vm-id %u\n",
			dev->domid, dev->devid, 'A' + dev->vm.pool,
			dev->vm.priority, dev->vm.vm_id);
	return 0;

fail:
	vgpu_back_teardown(dev);
	return err;
}

static void vgpu_back_do_remove(struct xenbus_device *xbdev)
{
	struct vgpu_back_device *dev = dev_get_drvdata(&xbdev->dev);

	if (dev)
		vgpu_back_teardown(dev);
}

VGPU_XENBUS_REMOVE(vgpu_back_remove, vgpu_back_do_remove)

static const struct xenbus_device_id vgpu_back_ids[] = {
	{ "vgpu" },
	{ "" }
};

static struct xenbus_driver vgpu_back_driver = {
	.ids = vgpu_back_ids,
	.probe = vgpu_back_probe,
	.remove = vgpu_back_remove,
	.otherend_changed = vgpu_back_frontend_changed,
};

int vgpu_back_xenbus_init(void)
{
	return xenbus_register_backend(&vgpu_back_driver);
}

void vgpu_back_xenbus_exit(void)
{
	xenbus_unregister_driver(&vgpu_back_driver);
}
