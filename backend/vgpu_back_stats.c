// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: counters, in sysfs and in debugfs.
 *
 * sysfs, one value per file, where monitoring looks for a backend's
 * counters (xen-blkback's convention): a "statistics" group on each xenbus
 * device, /sys/bus/xen-backend/devices/vgpu-<domid>-<devid>/statistics/,
 * and the module's totals in /sys/module/vgpu_back/statistics/. debugfs,
 * for people and the lab's scripts: /sys/kernel/debug/vgpu-back/ "stats"
 * for the whole module and one "dev-<domid>-<devid>" file per device, both
 * as "key value" lines with the configuration too (Documentation/backend.md).
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "vgpu_back.h"

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
	atomic64_add(n, &dev->host->stats.v[s]);
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
	struct vgpu_back_host *host = m->private;

	vgpu_back_show_stats(m, &host->stats);
	mutex_lock(&host->lock);
	seq_printf(m, "devices %u\n", host->nr_devices);
	seq_printf(m, "worker_open %u\n", host->worker_open);
	mutex_unlock(&host->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vgpu_back_stats);

static int vgpu_back_devstats_show(struct seq_file *m, void *unused)
{
	struct vgpu_back_device *dev = m->private;
	struct vgpu_back_vm vm;
	unsigned int nr_queued;
	bool ring_up, stalled;

	mutex_lock(&dev->host->lock);
	vm = dev->vm;
	ring_up = dev->ring_up;
	nr_queued = dev->nr_queued;
	stalled = dev->stalled;
	mutex_unlock(&dev->host->lock);

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
					 READ_ONCE(dev->host->max_queued_per_dev),
					 VGPUIF_RING_SIZE));
	vgpu_back_show_stats(m, &dev->stats);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vgpu_back_devstats);

void vgpu_back_debugfs_init(struct vgpu_back_host *host)
{
	host->dbg = debugfs_create_dir(VGPU_BACK_NAME, NULL);
	debugfs_create_file("stats", 0444, host->dbg, host,
			    &vgpu_back_stats_fops);
}

void vgpu_back_debugfs_exit(struct vgpu_back_host *host)
{
	debugfs_remove_recursive(host->dbg);
}

/* Removed by the device's teardown, before its last reference goes. */
void vgpu_back_debugfs_add_device(struct vgpu_back_device *dev)
{
	char name[32];

	snprintf(name, sizeof(name), "dev-%u-%u", dev->domid, dev->devid);
	dev->dbg = debugfs_create_file(name, 0444, dev->host->dbg, dev,
				       &vgpu_back_devstats_fops);
}

void vgpu_back_debugfs_remove_device(struct vgpu_back_device *dev)
{
	debugfs_remove(dev->dbg);
	dev->dbg = NULL;
}

/* ---- sysfs ---- */

/* One file per counter; ->var is its enum vgpu_back_stat. */
static ssize_t vgpu_back_dev_stat_show(struct device *d,
				       struct device_attribute *attr,
				       char *buf)
{
	struct dev_ext_attribute *ea =
		container_of(attr, struct dev_ext_attribute, attr);
	struct vgpu_back_device *dev = dev_get_drvdata(d);
	unsigned long s = (unsigned long)ea->var;

	/* The group goes before drvdata (teardown); this is belt and braces. */
	if (!dev)
		return -ENODEV;
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&dev->stats.v[s]));
}

/* Events of this device the worker has not read yet. */
static ssize_t queued_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	struct vgpu_back_device *dev = dev_get_drvdata(d);
	unsigned int n;

	if (!dev)
		return -ENODEV;
	mutex_lock(&dev->host->lock);
	n = dev->nr_queued;
	mutex_unlock(&dev->host->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(queued);

#define VB_DEV_STAT(_name, _stat)					\
	static struct dev_ext_attribute vb_dev_attr_##_name = {		\
		__ATTR(_name, 0444, vgpu_back_dev_stat_show, NULL),	\
		(void *)(unsigned long)(_stat)				\
	}

VB_DEV_STAT(requests, VB_STAT_REQUESTS);
VB_DEV_STAT(responses, VB_STAT_RESPONSES);
VB_DEV_STAT(errors, VB_STAT_ERRORS);
VB_DEV_STAT(invalid, VB_STAT_INVALID);
VB_DEV_STAT(no_worker, VB_STAT_NO_WORKER);
VB_DEV_STAT(dropped, VB_STAT_DROPPED);
VB_DEV_STAT(copy_ops, VB_STAT_COPY_OPS);
VB_DEV_STAT(copy_bytes, VB_STAT_COPY_BYTES);
VB_DEV_STAT(copy_errors, VB_STAT_COPY_ERRORS);
VB_DEV_STAT(stalls, VB_STAT_STALLS);
VB_DEV_STAT(ring_errors, VB_STAT_RING_ERRORS);
VB_DEV_STAT(connects, VB_STAT_CONNECTS);
VB_DEV_STAT(disconnects, VB_STAT_DISCONNECTS);
VB_DEV_STAT(outstanding, VB_STAT_OUTSTANDING);
VB_DEV_STAT(grefs_held, VB_STAT_GREFS_HELD);
VB_DEV_STAT(indirect_pages, VB_STAT_INDIRECT_PAGES);

static struct attribute *vgpu_back_dev_stat_attrs[] = {
	&vb_dev_attr_requests.attr.attr,
	&vb_dev_attr_responses.attr.attr,
	&vb_dev_attr_errors.attr.attr,
	&vb_dev_attr_invalid.attr.attr,
	&vb_dev_attr_no_worker.attr.attr,
	&vb_dev_attr_dropped.attr.attr,
	&vb_dev_attr_copy_ops.attr.attr,
	&vb_dev_attr_copy_bytes.attr.attr,
	&vb_dev_attr_copy_errors.attr.attr,
	&vb_dev_attr_stalls.attr.attr,
	&vb_dev_attr_ring_errors.attr.attr,
	&vb_dev_attr_connects.attr.attr,
	&vb_dev_attr_disconnects.attr.attr,
	&vb_dev_attr_outstanding.attr.attr,
	&vb_dev_attr_grefs_held.attr.attr,
	&vb_dev_attr_indirect_pages.attr.attr,
	&dev_attr_queued.attr,
	NULL
};

static const struct attribute_group vgpu_back_dev_stat_group = {
	.name = "statistics",
	.attrs = vgpu_back_dev_stat_attrs,
};

/*
 * On the xenbus device, after its drvdata is set; removed by the device's
 * teardown before drvdata is cleared (removal waits for readers). A
 * failure leaves the device working without the files.
 */
void vgpu_back_sysfs_add_device(struct vgpu_back_device *dev)
{
	int err = sysfs_create_group(&dev->xbdev->dev.kobj,
				     &vgpu_back_dev_stat_group);

	dev->sysfs = !err;
	if (err)
		pr_warn("dom%u/%u: no statistics in sysfs (%d)\n",
			dev->domid, dev->devid, err);
}

void vgpu_back_sysfs_remove_device(struct vgpu_back_device *dev)
{
	if (dev->sysfs)
		sysfs_remove_group(&dev->xbdev->dev.kobj,
				   &vgpu_back_dev_stat_group);
	dev->sysfs = false;
}

/*
 * The module's totals: /sys/module/vgpu_back/statistics/. The module has
 * one host; these files reach it through this pointer, set before the
 * directory exists and never changed.
 */
static struct vgpu_back_host *vgpu_back_sysfs_host;
static struct kobject *vgpu_back_stats_kobj;

struct vb_kobj_stat {
	struct kobj_attribute attr;
	unsigned int stat;
};

static ssize_t vgpu_back_mod_stat_show(struct kobject *k,
				       struct kobj_attribute *attr, char *buf)
{
	struct vb_kobj_stat *a = container_of(attr, struct vb_kobj_stat, attr);

	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&vgpu_back_sysfs_host->stats.v[a->stat]));
}

static ssize_t devices_show(struct kobject *k, struct kobj_attribute *attr,
			    char *buf)
{
	struct vgpu_back_host *host = vgpu_back_sysfs_host;
	unsigned int n;

	mutex_lock(&host->lock);
	n = host->nr_devices;
	mutex_unlock(&host->lock);
	return sysfs_emit(buf, "%u\n", n);
}

static ssize_t worker_open_show(struct kobject *k,
				struct kobj_attribute *attr, char *buf)
{
	struct vgpu_back_host *host = vgpu_back_sysfs_host;
	bool open;

	mutex_lock(&host->lock);
	open = host->worker_open;
	mutex_unlock(&host->lock);
	return sysfs_emit(buf, "%u\n", open);
}

static struct kobj_attribute vb_mod_attr_devices = __ATTR_RO(devices);
static struct kobj_attribute vb_mod_attr_worker_open = __ATTR_RO(worker_open);

#define VB_MOD_STAT(_name, _stat)					\
	static struct vb_kobj_stat vb_mod_attr_##_name = {		\
		__ATTR(_name, 0444, vgpu_back_mod_stat_show, NULL),	\
		(_stat)							\
	}

VB_MOD_STAT(requests, VB_STAT_REQUESTS);
VB_MOD_STAT(responses, VB_STAT_RESPONSES);
VB_MOD_STAT(errors, VB_STAT_ERRORS);
VB_MOD_STAT(invalid, VB_STAT_INVALID);
VB_MOD_STAT(no_worker, VB_STAT_NO_WORKER);
VB_MOD_STAT(dropped, VB_STAT_DROPPED);
VB_MOD_STAT(copy_ops, VB_STAT_COPY_OPS);
VB_MOD_STAT(copy_bytes, VB_STAT_COPY_BYTES);
VB_MOD_STAT(copy_errors, VB_STAT_COPY_ERRORS);
VB_MOD_STAT(stalls, VB_STAT_STALLS);
VB_MOD_STAT(ring_errors, VB_STAT_RING_ERRORS);
VB_MOD_STAT(connects, VB_STAT_CONNECTS);
VB_MOD_STAT(disconnects, VB_STAT_DISCONNECTS);
VB_MOD_STAT(outstanding, VB_STAT_OUTSTANDING);
VB_MOD_STAT(grefs_held, VB_STAT_GREFS_HELD);
VB_MOD_STAT(indirect_pages, VB_STAT_INDIRECT_PAGES);

static struct attribute *vgpu_back_mod_stat_attrs[] = {
	&vb_mod_attr_requests.attr.attr,
	&vb_mod_attr_responses.attr.attr,
	&vb_mod_attr_errors.attr.attr,
	&vb_mod_attr_invalid.attr.attr,
	&vb_mod_attr_no_worker.attr.attr,
	&vb_mod_attr_dropped.attr.attr,
	&vb_mod_attr_copy_ops.attr.attr,
	&vb_mod_attr_copy_bytes.attr.attr,
	&vb_mod_attr_copy_errors.attr.attr,
	&vb_mod_attr_stalls.attr.attr,
	&vb_mod_attr_ring_errors.attr.attr,
	&vb_mod_attr_connects.attr.attr,
	&vb_mod_attr_disconnects.attr.attr,
	&vb_mod_attr_outstanding.attr.attr,
	&vb_mod_attr_grefs_held.attr.attr,
	&vb_mod_attr_indirect_pages.attr.attr,
	&vb_mod_attr_devices.attr,
	&vb_mod_attr_worker_open.attr,
	NULL
};

static const struct attribute_group vgpu_back_mod_stat_group = {
	.attrs = vgpu_back_mod_stat_attrs,
};

/* A failure is a warning: the totals stay in debugfs. */
void vgpu_back_sysfs_init(struct vgpu_back_host *host)
{
	struct kobject *k;

	vgpu_back_sysfs_host = host;
	/* Kbuild builds vgpu-back only as a module: THIS_MODULE is ours. */
	k = kobject_create_and_add("statistics", &THIS_MODULE->mkobj.kobj);
	if (!k || sysfs_create_group(k, &vgpu_back_mod_stat_group)) {
		pr_warn("no module statistics in sysfs\n");
		kobject_put(k);
		return;
	}
	vgpu_back_stats_kobj = k;
}

void vgpu_back_sysfs_exit(void)
{
	kobject_put(vgpu_back_stats_kobj);	/* removes the group too */
	vgpu_back_stats_kobj = NULL;
}
