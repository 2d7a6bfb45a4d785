// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: the Dom0 backend of vgpu. Module setup, parameters, counters
 * and debugfs.
 *
 * Counters are in /sys/kernel/debug/vgpu-back/: "stats" for the whole
 * module and one "dev-<domid>-<devid>" file per xenbus device, both as
 * "key value" lines (Documentation/backend.md).
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/debugfs.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <xen/xen.h>
#include <xen/xenbus.h>

#include "vgpu_back.h"

struct vgpu_back vb;

unsigned int vgpu_back_max_queued_per_dev = VGPUIF_RING_SIZE;
module_param_named(max_queued_per_dev, vgpu_back_max_queued_per_dev, uint,
		   0644);
MODULE_PARM_DESC(max_queued_per_dev,
		 "Requests of one device the worker may hold uncompleted, when its max-queued key is 0, before the backend stops consuming that device's ring (1-32, default 32)");

static const char *const vgpu_back_stat_names[VB_NR_STATS] = {
	[VB_STAT_REQUESTS]	= "requests",
	[VB_STAT_RESPONSES]	= "responses",
	[VB_STAT_ERRORS]	= "errors",
	[VB_STAT_INVALID]	= "invalid",
	[VB_STAT_NO_WORKER]	= "no_worker",
	[VB_STAT_DROPPED]	= "dropped",
	[VB_STAT_COPY_OPS]	= "copy_ops",
	[VB_STAT_COPY_BYTES]	= "copy_bytes",
	[VB_STAT_COPY_ERRORS]	= "copy_errors",
	[VB_STAT_STALLS]	= "stalls",
	[VB_STAT_RING_ERRORS]	= "ring_errors",
	[VB_STAT_CONNECTS]	= "connects",
	[VB_STAT_DISCONNECTS]	= "disconnects",
	[VB_STAT_OUTSTANDING]	= "outstanding",
	[VB_STAT_GREFS_HELD]	= "grefs_held",
	[VB_STAT_INDIRECT_PAGES] = "indirect_pages",
};

void vgpu_back_stat_add(struct vgpu_back_device *dev, enum vgpu_back_stat s,
			s64 n)
{
	atomic64_add(n, &vb.stats.v[s]);
	if (dev)
		atomic64_add(n, &dev->stats.v[s]);
}

static void vgpu_back_show_stats(struct seq_file *m,
				 const struct vgpu_back_stats *st)
{
	unsigned int i;

	for (i = 0; i < VB_NR_STATS; i++)
		seq_printf(m, "%s %lld\n", vgpu_back_stat_names[i],
			   (long long)atomic64_read(&st->v[i]));
}

static int vgpu_back_stats_show(struct seq_file *m, void *unused)
{
	vgpu_back_show_stats(m, &vb.stats);
	mutex_lock(&vb.lock);
	seq_printf(m, "devices %u\n", vb.nr_devices);
	seq_printf(m, "worker_open %u\n", vb.worker_open);
	mutex_unlock(&vb.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vgpu_back_stats);

static int vgpu_back_devstats_show(struct seq_file *m, void *unused)
{
	struct vgpu_back_device *dev = m->private;
	struct vgpu_back_vm vm;
	unsigned int nr_queued;
	bool ring_up, stalled;

	mutex_lock(&vb.lock);
	vm = dev->vm;
	ring_up = dev->ring_up;
	nr_queued = dev->nr_queued;
	stalled = dev->stalled;
	mutex_unlock(&vb.lock);

	seq_printf(m, "domid %u\n", dev->domid);
	seq_printf(m, "devid %u\n", dev->devid);
	seq_printf(m, "connected %u\n", ring_up);
	seq_printf(m, "pool %c\n", 'A' + vm.pool);
	seq_printf(m, "priority %u\n", vm.priority);
	seq_printf(m, "vm_id %u\n", vm.vm_id);
	seq_printf(m, "max_inflight %u\n", vm.max_inflight);
	seq_printf(m, "max_queued %u\n", vm.max_queued);
	seq_printf(m, "rate_limit %u\n", vm.rate_limit);
	seq_printf(m, "mem_quota %llu\n", vm.mem_quota);
	seq_printf(m, "queued %u\n", nr_queued);
	seq_printf(m, "stalled %u\n", stalled);
	seq_printf(m, "queue_limit %u\n",
		   vgpu_back_queue_limit(vm.max_queued,
					 READ_ONCE(vgpu_back_max_queued_per_dev),
					 VGPUIF_RING_SIZE));
	vgpu_back_show_stats(m, &dev->stats);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vgpu_back_devstats);

/* Removed by the device's teardown, before its last reference goes. */
void vgpu_back_debugfs_add_device(struct vgpu_back_device *dev)
{
	char name[32];

	snprintf(name, sizeof(name), "dev-%u-%u", dev->domid, dev->devid);
	dev->dbg = debugfs_create_file(name, 0444, vb.dbg, dev,
				       &vgpu_back_devstats_fops);
}

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

static int __init vgpu_back_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;

	mutex_init(&vb.lock);
	INIT_LIST_HEAD(&vb.devices);
	INIT_LIST_HEAD(&vb.queue);
	init_waitqueue_head(&vb.read_wq);
	xa_init_flags(&vb.reqs, XA_FLAGS_ALLOC1);

	vb.wq = alloc_workqueue(VGPU_BACK_NAME, WQ_UNBOUND, 0);
	if (!vb.wq)
		return -ENOMEM;
	vb.dbg = debugfs_create_dir(VGPU_BACK_NAME, NULL);
	debugfs_create_file("stats", 0444, vb.dbg, NULL,
			    &vgpu_back_stats_fops);

	err = vgpu_back_dev_init();
	if (err) {
		pr_err("cannot register /dev/%s (%d)\n", VGPU_BACK_NAME, err);
		goto fail;
	}
	err = vgpu_back_xenbus_init();
	if (err) {
		pr_err("cannot register the xenbus driver (%d)\n", err);
		vgpu_back_dev_exit();
		goto fail;
	}
	pr_info("loaded: protocol %u, worker ABI %u\n",
		VGPUIF_PROTOCOL_VERSION, VGPU_BACK_ABI_VERSION);
	return 0;

fail:
	debugfs_remove_recursive(vb.dbg);
	destroy_workqueue(vb.wq);
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
	vgpu_back_xenbus_exit();
	vgpu_back_dev_exit();
	debugfs_remove_recursive(vb.dbg);
	destroy_workqueue(vb.wq);
	xa_destroy(&vb.reqs);
	pr_info("unloaded\n");
}
module_exit(vgpu_back_exit);

MODULE_DESCRIPTION("vgpu backend: GPU requests of Xen guests for a Dom0 worker");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:vgpu");
