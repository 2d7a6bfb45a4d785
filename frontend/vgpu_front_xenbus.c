// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu frontend: the xenbus driver for device type "vgpu".
 *
 * Connection (see include/vgpu/vgpuif.h, "State machine"):
 *   backend InitWait   -> read its protocol-version, feature-indirect and
 *                         max-data-len; new ring and event channel; write
 *                         ring-ref, event-channel, protocol-version;
 *                         -> Initialised
 *   backend Connected  -> link up; /dev/vgpuN (first time); -> Connected
 *   backend Closing    -> fail requests in flight (-ESHUTDOWN), drop the
 *                         ring; -> Closed
 *   backend Closed     -> the same; -> Initialising if the backend is still
 *                         online, so that it can return to InitWait and the
 *                         frontend connects again with /dev/vgpuN unchanged
 * That is the reconnect handshake that Linux backends (blkback, netback)
 * and xenbus_reset_state() follow.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <xen/grant_table.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

#include <vgpu/xen_compat.h>

#include "vgpu_front.h"

/* How long remove() waits for the backend to let go of the ring. */
#define VGPU_FRONT_CLOSE_TIMEOUT_MS	5000

static DEFINE_IDA(vgpu_front_ida);

static void vgpu_front_info_release(struct kref *kref)
{
	struct vgpu_front_info *info = container_of(kref, struct vgpu_front_info,
						    kref);

	ida_free(&vgpu_front_ida, info->index);
	put_device(&info->xbdev->dev);
	kfree(info);
}

void vgpu_front_info_get(struct vgpu_front_info *info)
{
	kref_get(&info->kref);
}

void vgpu_front_info_put(struct vgpu_front_info *info)
{
	kref_put(&info->kref, vgpu_front_info_release);
}

/* Called with conn_lock held. */
static int vgpu_front_write_keys(struct vgpu_front_info *info,
				 unsigned int protocol)
{
	struct xenbus_device *dev = info->xbdev;
	struct xenbus_transaction xbt;
	const char *what;
	int err;

again:
	err = xenbus_transaction_start(&xbt);
	if (err) {
		xenbus_dev_fatal(dev, err, "starting transaction");
		return err;
	}
	what = "ring-ref";
	err = xenbus_printf(xbt, dev->nodename, what, "%u", info->ring_ref);
	if (err)
		goto abort;
	what = "event-channel";
	err = xenbus_printf(xbt, dev->nodename, what, "%u", info->evtchn);
	if (err)
		goto abort;
	what = "protocol-version";
	err = xenbus_printf(xbt, dev->nodename, what, "%u", protocol);
	if (err)
		goto abort;
	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	if (err)
		xenbus_dev_fatal(dev, err, "completing transaction");
	return err;

abort:
	xenbus_transaction_end(xbt, 1);
	xenbus_dev_fatal(dev, err, "writing %s", what);
	return err;
}

/* Backend in InitWait: set up a ring and offer it. Called with conn_lock. */
static void vgpu_front_connect(struct vgpu_front_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	unsigned int bver, bmax, protocol;
	bool indirect;
	u32 max;
	int err;

	/*
	 * A backend we cannot talk to: say so and stay Initialising (not
	 * Closing, which would only make the two ends go round and round);
	 * a backend that is replaced comes back through InitWait.
	 */
	bver = xenbus_read_unsigned(dev->otherend, "protocol-version", 0);
	protocol = vgpu_front_choose_version(bver);
	if (!protocol) {
		xenbus_dev_error(dev, -EPROTONOSUPPORT,
				 "backend protocol-version %u, frontend speaks 1..%u",
				 bver, VGPUIF_PROTOCOL_VERSION);
		return;
	}
	indirect = xenbus_read_unsigned(dev->otherend, "feature-indirect", 0);
	bmax = xenbus_read_unsigned(dev->otherend, "max-data-len",
				    VGPUIF_MAX_DATA_LEN);
	max = vgpu_front_max_data_len(bmax, indirect);
	if (!max) {
		xenbus_dev_error(dev, -EPROTO, "backend max-data-len %u too small",
				 bmax);
		return;
	}

	err = vgpu_front_ring_connect(info);
	if (err)
		return;
	spin_lock_irq(&info->lock);
	info->backend_id = dev->otherend_id;
	info->protocol = protocol;
	info->indirect = indirect;
	info->max_data_len = max;
	info->conn_gen++;
	spin_unlock_irq(&info->lock);

	err = vgpu_front_write_keys(info, protocol);
	if (err) {
		vgpu_front_ring_disconnect(info, -ESHUTDOWN);
		return;
	}
	xenbus_switch_state(dev, XenbusStateInitialised);
}

/* Backend Connected while we are Initialised. Called with conn_lock. */
static void vgpu_front_connected(struct vgpu_front_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	int err;

	if (!info->ring.sring) {
		dev_warn(&dev->dev, "%s: backend connected, but we have no ring\n",
			 info->name);
		return;
	}
	spin_lock_irq(&info->lock);
	info->link = VGPU_FRONT_UP;
	spin_unlock_irq(&info->lock);

	if (!info->misc_registered) {
		err = vgpu_front_misc_register(info);
		if (err) {
			vgpu_front_ring_disconnect(info, -ESHUTDOWN);
			xenbus_dev_fatal(dev, err, "registering /dev/%s",
					 info->name);
			return;
		}
	}
	xenbus_switch_state(dev, XenbusStateConnected);
	dev_info(&dev->dev,
		 "%s: connected to backend %u, protocol %u, %u KiB per request%s\n",
		 info->name, info->backend_id, info->protocol,
		 info->max_data_len >> 10,
		 info->indirect ? ", indirect" : "");
}

/* Drop the ring; in flight requests fail. Called with conn_lock. */
static void vgpu_front_disconnect(struct vgpu_front_info *info)
{
	bool had_ring = info->ring.sring;

	vgpu_front_ring_disconnect(info, -ESHUTDOWN);
	if (had_ring)
		dev_info(&info->xbdev->dev, "%s: disconnected from backend\n",
			 info->name);
}

static void vgpu_front_backend_changed(struct xenbus_device *dev,
				       enum xenbus_state backend_state)
{
	struct vgpu_front_info *info = dev_get_drvdata(&dev->dev);

	dev_dbg(&dev->dev, "backend %s, frontend %s\n",
		xenbus_strstate(backend_state), xenbus_strstate(dev->state));

	mutex_lock(&info->conn_lock);
	if (info->removed)
		goto out;

	switch (backend_state) {
	case XenbusStateInitWait:
		/*
		 * Initialised: the backend has our ring-ref (it may have
		 * written InitWait again without leaving it). Otherwise this
		 * is a first connect, or the backend came back: start afresh.
		 */
		if (dev->state == XenbusStateInitialised)
			break;
		vgpu_front_disconnect(info);
		/* Our state says what we have until the new ring is offered. */
		xenbus_switch_state(dev, XenbusStateInitialising);
		vgpu_front_connect(info);
		break;

	case XenbusStateConnected:
		if (dev->state == XenbusStateInitialised) {
			vgpu_front_connected(info);
		} else if (dev->state != XenbusStateConnected &&
			   dev->state != XenbusStateClosing) {
			/*
			 * Connected to a ring we do not have (a frontend that
			 * was here before us): ask it to reset.
			 */
			dev_warn(&dev->dev,
				 "%s: backend connected without us; resetting\n",
				 info->name);
			vgpu_front_disconnect(info);
			xenbus_switch_state(dev, XenbusStateClosing);
		}
		break;

	case XenbusStateClosing:
		vgpu_front_disconnect(info);
		xenbus_frontend_closed(dev);
		break;

	case XenbusStateClosed:
		vgpu_front_disconnect(info);
		if (xenbus_read_unsigned(dev->otherend, "online", 1))
			xenbus_switch_state(dev, XenbusStateInitialising);
		else if (dev->state != XenbusStateClosed)
			xenbus_frontend_closed(dev);
		break;

	case XenbusStateUnknown:
		/* The backend's directory is gone: the device is going. */
		vgpu_front_disconnect(info);
		break;

	default:
		break;
	}
out:
	mutex_unlock(&info->conn_lock);
}

/* The irq handler saw an impossible ring: close, so the backend resets. */
static void vgpu_front_broken_work(struct work_struct *work)
{
	struct vgpu_front_info *info = container_of(work, struct vgpu_front_info,
						    broken_work);
	bool broken;

	mutex_lock(&info->conn_lock);
	spin_lock_irq(&info->lock);
	broken = info->link == VGPU_FRONT_BROKEN;
	spin_unlock_irq(&info->lock);
	if (broken && !info->removed) {
		xenbus_dev_error(info->xbdev, -EIO,
				 "backend broke the ring protocol; reconnecting");
		vgpu_front_disconnect(info);
		xenbus_switch_state(info->xbdev, XenbusStateClosing);
	}
	mutex_unlock(&info->conn_lock);
}

static int vgpu_front_probe(struct xenbus_device *dev,
			    const struct xenbus_device_id *id)
{
	struct vgpu_front_info *info;
	int err;

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info) {
		xenbus_dev_fatal(dev, -ENOMEM, "allocating device info");
		return -ENOMEM;
	}
	err = ida_alloc(&vgpu_front_ida, GFP_KERNEL);
	if (err < 0) {
		kfree(info);
		xenbus_dev_fatal(dev, err, "allocating a device number");
		return err;
	}
	info->index = err;
	snprintf(info->name, sizeof(info->name), "vgpu%d", info->index);
	info->xbdev = dev;
	get_device(&dev->dev);
	kref_init(&info->kref);
	mutex_init(&info->conn_lock);
	spin_lock_init(&info->lock);
	info->link = VGPU_FRONT_DOWN;
	info->ring_ref = INVALID_GRANT_REF;
	vgpu_front_ids_init(&info->ids, VGPUIF_RING_SIZE);
	init_waitqueue_head(&info->id_wq);
	INIT_LIST_HEAD(&info->reap);
	INIT_WORK(&info->reap_work, vgpu_front_reap_work);
	INIT_WORK(&info->broken_work, vgpu_front_broken_work);
	dev_set_drvdata(&dev->dev, info);

	/* After a module reload our state may still say Closed. */
	if (dev->state != XenbusStateInitialising)
		xenbus_switch_state(dev, XenbusStateInitialising);

	/*
	 * xenbus_dev_probe() took a reference on this module for the bound
	 * device, so `rmmod vgpu-front` would be refused for as long as the
	 * guest has a vgpu device, open files or not. Give it back: unloading
	 * unbinds every device first (xenbus_unregister_driver() calls remove
	 * for each, and remove waits for everything of the device but open
	 * files), and an open file holds the module itself (fops.owner), so
	 * rmmod is refused exactly while a file of /dev/vgpuN is open.
	 * vgpu_front_do_remove() takes the reference back for
	 * xenbus_dev_remove() to drop.
	 */
	module_put(THIS_MODULE);
	return 0;
}

/* Wait (bounded) until the backend has unmapped our ring. */
static void vgpu_front_wait_backend_closed(struct vgpu_front_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	unsigned long end = jiffies + msecs_to_jiffies(VGPU_FRONT_CLOSE_TIMEOUT_MS);
	unsigned int state;

	for (;;) {
		state = xenbus_read_unsigned(dev->otherend, "state",
					     XenbusStateUnknown);
		/* vgpu-back enters Closing only once it unmapped the ring. */
		if (state == XenbusStateClosing ||
		    state == XenbusStateClosed ||
		    state == XenbusStateUnknown ||
		    state == XenbusStateInitialising ||
		    state == XenbusStateInitWait)
			return;
		if (time_after(jiffies, end))
			break;
		msleep(20);
	}
	dev_warn(&dev->dev,
		 "%s: backend still %s; its grants end when it lets go\n",
		 info->name, xenbus_strstate(state));
}

static void vgpu_front_do_remove(struct xenbus_device *dev)
{
	struct vgpu_front_info *info = dev_get_drvdata(&dev->dev);

	mutex_lock(&info->conn_lock);
	info->removed = true;
	if (info->ring.sring) {
		/* No new requests; responses to those in flight still come. */
		spin_lock_irq(&info->lock);
		if (info->link == VGPU_FRONT_UP)
			info->link = VGPU_FRONT_CLOSING;
		spin_unlock_irq(&info->lock);
		wake_up_all(&info->id_wq);
		xenbus_switch_state(dev, XenbusStateClosing);
		vgpu_front_wait_backend_closed(info);
	}
	vgpu_front_disconnect(info);
	spin_lock_irq(&info->lock);
	info->link = VGPU_FRONT_GONE;
	spin_unlock_irq(&info->lock);
	wake_up_all(&info->id_wq);
	mutex_unlock(&info->conn_lock);

	/* Open files keep info (not the device node) until they close. */
	vgpu_front_misc_deregister(info);
	cancel_work_sync(&info->broken_work);
	flush_work(&info->reap_work);
	xenbus_switch_state(dev, XenbusStateClosed);
	dev_set_drvdata(&dev->dev, NULL);
	vgpu_front_info_put(info);
	/* For xenbus_dev_remove() to drop; see the end of probe. */
	__module_get(THIS_MODULE);
}

VGPU_XENBUS_REMOVE(vgpu_front_remove, vgpu_front_do_remove)

/*
 * After save/restore or migration the old ring and grants mean nothing:
 * fail what was in flight (the GPU state did not move either) and connect
 * again when the new backend is in InitWait.
 */
static int vgpu_front_resume(struct xenbus_device *dev)
{
	struct vgpu_front_info *info = dev_get_drvdata(&dev->dev);

	mutex_lock(&info->conn_lock);
	vgpu_front_disconnect(info);
	mutex_unlock(&info->conn_lock);
	return 0;
}

static const struct xenbus_device_id vgpu_front_ids[] = {
	{ "vgpu" },
	{ "" }
};

static struct xenbus_driver vgpu_front_driver = {
	.ids = vgpu_front_ids,
	.probe = vgpu_front_probe,
	.remove = vgpu_front_remove,
	.resume = vgpu_front_resume,
	.otherend_changed = vgpu_front_backend_changed,
	VGPU_XENBUS_NOT_ESSENTIAL
};

static int __init vgpu_front_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	err = vgpu_front_budget_init();
	if (err)
		return err;
	err = vgpu_front_file_init();
	if (err)
		return err;
	err = xenbus_register_frontend(&vgpu_front_driver);
	if (err)
		vgpu_front_file_exit();
	return err;
}
module_init(vgpu_front_init);

static void __exit vgpu_front_exit(void)
{
	/* Removes every device: their links are gone, release work ends. */
	xenbus_unregister_driver(&vgpu_front_driver);
	vgpu_front_file_exit();
	ida_destroy(&vgpu_front_ida);
}
module_exit(vgpu_front_exit);

MODULE_DESCRIPTION("vgpu frontend: shared GPU for Xen guests (/dev/vgpuN)");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen:vgpu");
