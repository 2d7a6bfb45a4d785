// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: the backend of vgpu, in Dom0 or in a GPU driver domain (it
 * needs no Dom0 privilege: grants, event channels and its own xenstore
 * directories). Module setup and its parameter.
 *
 * The module's state is one struct vgpu_back_host, defined here and handed
 * to the xenbus driver and to /dev/vgpu-back when they are registered; the
 * rest of the module reaches it through a device (dev->host).
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include <xen/xen.h>

#include "vgpu_back.h"

static struct vgpu_back_host vgpu_back_host = {
	.max_queued_per_dev = VGPUIF_RING_SIZE,
};

module_param_named(max_queued_per_dev, vgpu_back_host.max_queued_per_dev,
		   uint, 0644);
MODULE_PARM_DESC(max_queued_per_dev,
		 "Requests of one device the worker may hold uncompleted, when its max-queued key is 0, before the backend stops consuming that device's ring (1-32, default 32)");

static int __init vgpu_back_init(void)
{
	struct vgpu_back_host *host = &vgpu_back_host;
	int err;

	if (!xen_domain())
		return -ENODEV;

	mutex_init(&host->lock);
	INIT_LIST_HEAD(&host->devices);
	INIT_LIST_HEAD(&host->queue);
	init_waitqueue_head(&host->read_wq);
	xa_init_flags(&host->reqs, XA_FLAGS_ALLOC1);

	host->wq = alloc_workqueue(VGPU_BACK_NAME, WQ_UNBOUND, 0);
	if (!host->wq)
		return -ENOMEM;
	vgpu_back_debugfs_init(host);
	vgpu_back_sysfs_init(host);

	err = vgpu_back_dev_init(host);
	if (err) {
		pr_err("cannot register /dev/%s (%d)\n", VGPU_BACK_NAME, err);
		goto fail;
	}
	err = vgpu_back_xenbus_init(host);
	if (err) {
		pr_err("cannot register the xenbus driver (%d)\n", err);
		vgpu_back_dev_exit(host);
		goto fail;
	}
	pr_info("loaded: protocol %u, worker ABI %u\n",
		VGPUIF_PROTOCOL_VERSION, VGPU_BACK_ABI_VERSION);
	return 0;

fail:
	vgpu_back_sysfs_exit();
	vgpu_back_debugfs_exit(host);
	destroy_workqueue(host->wq);
	return err;
}
module_init(vgpu_back_init);

/*
 * No worker can have /dev/vgpu-back open here and no xenbus device is bound
 * (both hold a module reference), so nothing is outstanding; unregistering
 * the driver is then only bookkeeping.
 */
static void __exit vgpu_back_exit(void)
{
	struct vgpu_back_host *host = &vgpu_back_host;

	vgpu_back_xenbus_exit(host);
	vgpu_back_dev_exit(host);
	vgpu_back_sysfs_exit();
	vgpu_back_debugfs_exit(host);
	destroy_workqueue(host->wq);
	xa_destroy(&host->reqs);
	pr_info("unloaded\n");
}
module_exit(vgpu_back_exit);

MODULE_DESCRIPTION("vgpu backend: GPU requests of Xen guests for a userspace worker");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:vgpu");
