// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: counters and debugfs.
 *
 * Counters are in /sys/kernel/debug/vgpu-back/: "stats" for the whole
 * module and one "dev-<domid>-<devid>" file per xenbus device, both as
 * "key value" lines (Documentation/backend.md).
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
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
