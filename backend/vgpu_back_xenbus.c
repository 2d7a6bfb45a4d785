// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: the xenbus driver for device type "vgpu": the glue between
 * xenstore and the ring's request path (vgpu_back_ring.c).
 *
 * State machine (see include/vgpu/vgpuif.h), all under dev->state_mutex:
 *   probe: read pool/priority/vm-id/limits; if the required keys are good,
 *     write protocol-version, feature-indirect, max-data-len -> InitWait;
 *     otherwise stay in Initialising until the config watch sees them.
 *   frontend Initialised/Connected while InitWait (or Closed): map the ring,
 *     bind the event channel (lateeoi), tell the worker -> Connected.
 *   frontend Closing/Closed: end the device's requests, unbind, unmap
 *     -> the same state; frontend Initialising after that -> InitWait again.
 *   impossible ring indices: ring_work stops consuming at once and queues
 *     close_work, which disconnects -> Closing.
 *
 * The configuration keys fill dev->vm, which the worker gets as it is.
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <xen/xenbus.h>

#include <vgpu/xen_compat.h>

#include "vgpu_back.h"

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

	vgpu_back_ring_stop(dev);
	vgpu_back_req_ring_down(dev);

	xenbus_unmap_ring_vfree(dev->xbdev, dev->ring_area);
	vgpu_back_ring_detach(dev);
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

	vgpu_back_ring_attach(dev, area);
	irq = vgpu_back_ring_bind(dev, evtchn);
	if (irq < 0) {
		xenbus_unmap_ring_vfree(xbdev, area);
		return vgpu_back_connect_failed(dev, irq,
						"cannot bind event-channel");
	}
	dev->ring_area = area;
	dev->mapped = true;

	vgpu_back_req_ring_up(dev);
	vgpu_back_ring_start(dev, irq);

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
		mutex_lock(&dev->host->lock);
		dev->vm = vm;
		mutex_unlock(&dev->host->lock);
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
		vgpu_back_req_config_changed(dev);
	}
out:
	mutex_unlock(&dev->state_mutex);
}

static void vgpu_back_teardown(struct vgpu_back_device *dev)
{
	struct vgpu_back_host *host = dev->host;
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

	vgpu_back_sysfs_remove_device(dev);
	vgpu_back_debugfs_remove_device(dev);

	mutex_lock(&host->lock);
	list_del_init(&dev->node);
	host->nr_devices--;
	mutex_unlock(&host->lock);

	dev_set_drvdata(&xbdev->dev, NULL);
	dev->xbdev = NULL;
	pr_info("dom%u/%u: removed\n", dev->domid, dev->devid);
	vgpu_back_dev_put(dev);
}

static int vgpu_back_probe(struct xenbus_device *xbdev,
			   const struct xenbus_device_id *id)
{
	struct vgpu_back_host *host =
		container_of(to_xenbus_driver(xbdev->dev.driver),
			     struct vgpu_back_host, xenbus_driver);
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
	dev->host = host;
	dev->xbdev = xbdev;
	dev->domid = xbdev->otherend_id;
	dev->devid = devid;
	dev->vm.domid = dev->domid;
	dev->vm.devid = dev->devid;
	mutex_init(&dev->state_mutex);
	vgpu_back_ring_init(dev);
	INIT_LIST_HEAD(&dev->node);
	INIT_LIST_HEAD(&dev->reqs);
	vgpu_back_qev_init(&dev->ev_connect, dev, VGPU_BACK_EV_CONNECT);
	vgpu_back_qev_init(&dev->ev_disconnect, dev, VGPU_BACK_EV_DISCONNECT);
	vgpu_back_qev_init(&dev->ev_config, dev, VGPU_BACK_EV_CONFIG);
	INIT_WORK(&dev->close_work, vgpu_back_close_work);
	snprintf(dev->irq_name, sizeof(dev->irq_name), "vgpu-back-%u-%u",
		 dev->domid, dev->devid);
	dev_set_drvdata(&xbdev->dev, dev);

	mutex_lock(&host->lock);
	list_add_tail(&dev->node, &host->devices);
	host->nr_devices++;
	mutex_unlock(&host->lock);
	vgpu_back_debugfs_add_device(dev);
	vgpu_back_sysfs_add_device(dev);

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

/* Probe finds @host again through the driver it registered. */
int vgpu_back_xenbus_init(struct vgpu_back_host *host)
{
	struct xenbus_driver *drv = &host->xenbus_driver;

	drv->ids = vgpu_back_ids;
	drv->probe = vgpu_back_probe;
	drv->remove = vgpu_back_remove;
	drv->otherend_changed = vgpu_back_frontend_changed;
	return xenbus_register_backend(drv);
}

void vgpu_back_xenbus_exit(struct vgpu_back_host *host)
{
	xenbus_unregister_driver(&host->xenbus_driver);
}
