/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vgpu-back internals shared by the Xen glue files.
 *
 * Objects:
 *  - struct vgpu_back_device: one xenbus device (one guest's /dev/vgpuN),
 *    reference counted: xenbus holds one from probe to remove, each request
 *    and each event queued for the worker holds one.
 *  - struct vgpu_back_request: a validated request waiting for (QUEUED) or
 *    held by (HELD) the worker, named by a handle in vb.reqs.
 *
 * Locks, outermost first:
 *  - dev->state_mutex: xenbus state, connect/disconnect, configuration.
 *  - vb.lock (mutex): the worker's event queue, the request table, the device
 *    list, worker_open, each device's queue counters and event nodes.
 *  - dev->ring_lock (spinlock): the response side of the ring (rsp_prod_pvt,
 *    slots, push, notify), dev->live, and queueing dev->ring_work.
 * The ring's request side (req_cons) belongs to dev->ring_work alone.
 */
#ifndef VGPU_BACK_H
#define VGPU_BACK_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <xen/xenbus.h>
#include <xen/interface/grant_table.h>

#include <vgpu/vgpuif.h>
#include <uapi/linux/vgpu_back.h>

#include "vgpu_back_validate.h"

#define VGPU_BACK_NAME		"vgpu-back"

/* Counters, per device and global; see Documentation/backend.md. */
enum vgpu_back_stat {
	VB_STAT_REQUESTS,	/* requests consumed from rings */
	VB_STAT_RESPONSES,	/* responses put on rings */
	VB_STAT_ERRORS,		/* responses with a status other than OKAY */
	VB_STAT_INVALID,	/* of which VGPUIF_RSP_INVALID by the backend */
	VB_STAT_NO_WORKER,	/* of which VGPUIF_RSP_NO_WORKER */
	VB_STAT_DROPPED,	/* completions for a ring already gone */
	VB_STAT_COPY_OPS,	/* grant copy operations issued */
	VB_STAT_COPY_BYTES,	/* bytes moved by successful grant copies */
	VB_STAT_COPY_ERRORS,	/* grant copy operations that failed */
	VB_STAT_STALLS,		/* consumption stopped by back-pressure */
	VB_STAT_RING_ERRORS,	/* impossible ring indices (disconnects) */
	VB_STAT_CONNECTS,
	VB_STAT_DISCONNECTS,
	VB_STAT_OUTSTANDING,	/* gauge: requests queued + held by worker */
	VB_STAT_GREFS_HELD,	/* gauge: data grant refs stored in memory */
	VB_STAT_INDIRECT_PAGES,	/* gauge: pages of stored indirect refs */
	VB_NR_STATS
};

struct vgpu_back_stats {
	atomic64_t v[VB_NR_STATS];
};

/* An event for the worker; REQUEST events are embedded in the request. */
struct vgpu_back_qev {
	struct list_head node;	/* on vb.queue, or empty */
	u32 type;		/* VGPU_BACK_EV_* */
	struct vgpu_back_device *dev;
};

/* One response slot per ring entry, indexed by ring index. */
struct vgpu_back_slot {
	bool done;
	struct vgpuif_response rsp;
};

struct vgpu_back_device {
	struct kref kref;
	struct xenbus_device *xbdev;	/* NULL once removed */
	domid_t domid;
	u16 devid;
	struct list_head node;		/* vb.devices, under vb.lock */

	/* Under state_mutex. */
	struct mutex state_mutex;
	bool removed;
	bool mapped;			/* ring mapped and irq bound */
	unsigned long cfg_have;		/* BIT(VGPU_BACK_CFG_*) read once */
	struct xenbus_watch cfg_watch;
	bool watching;
	void *ring_area;

	/*
	 * The configuration, as the worker sees it (domid and devid too).
	 * Written under state_mutex and vb.lock; read under either.
	 */
	struct vgpu_back_vm vm;

	/* Under vb.lock. */
	bool ring_up;			/* requests may reach the worker */
	bool stalled;			/* ring_work waits for the worker */
	unsigned int nr_queued;		/* REQUEST events not read yet */
	unsigned int nr_outstanding;	/* requests queued or held */
	struct list_head reqs;		/* requests queued or held */
	struct vgpu_back_qev ev_connect;
	struct vgpu_back_qev ev_disconnect;
	struct vgpu_back_qev ev_config;

	/* Under ring_lock. */
	spinlock_t ring_lock;
	bool live;			/* responses may be pushed */
	u32 conn_gen;			/* connection generation */
	struct vgpuif_back_ring ring;
	struct vgpu_back_slot slots[VGPUIF_RING_SIZE];
	int irq;

	/* Owned by ring_work. */
	struct work_struct ring_work;
	unsigned long work_flags;	/* VB_EOI_PENDING, set by the irq */
	unsigned int eoi_flags;
	bool eoi_owed;			/* an interrupt awaits its EOI */
	bool broken;			/* bad indices: stop, wait for close */

	struct work_struct close_work;	/* disconnect after bad indices */

	char irq_name[32];
	struct dentry *dbg;
	struct vgpu_back_stats stats;
};

#define VB_EOI_PENDING	0

enum vgpu_back_req_state {
	VB_REQ_QUEUED,		/* on vb.queue, the worker has not read it */
	VB_REQ_HELD,		/* the worker read it */
};

struct vgpu_back_request {
	struct kref kref;
	struct vgpu_back_device *dev;	/* holds a reference */
	struct vgpu_back_qev ev;	/* its REQUEST event */
	struct list_head dnode;		/* dev->reqs while in the table */
	enum vgpu_back_req_state state;
	bool in_table;
	u32 index;			/* in vb.reqs */
	u64 handle;
	u32 conn_gen;			/* dev->conn_gen when consumed */
	RING_IDX ring_idx;		/* its slot */
	struct vgpu_back_req req;	/* what the worker sees */
	u32 nr_data_pages;
	u32 nr_refs_held;		/* counted in VB_STAT_GREFS_HELD */
	u32 nr_ind_pages;		/* 0 for a direct request */
	grant_ref_t direct[VGPUIF_MAX_DIRECT_SEGS];
	grant_ref_t *ind[VGPUIF_MAX_INDIRECT_PAGES];	/* one page each */
};

/* Global state of the module. */
struct vgpu_back {
	struct mutex lock;
	struct list_head devices;
	struct list_head queue;		/* of struct vgpu_back_qev */
	wait_queue_head_t read_wq;
	struct xarray reqs;		/* index -> struct vgpu_back_request */
	u32 next_index;
	u32 next_gen;
	bool worker_open;
	unsigned int nr_devices;
	struct workqueue_struct *wq;
	struct dentry *dbg;
	struct vgpu_back_stats stats;
};

extern struct vgpu_back vb;
extern unsigned int vgpu_back_max_queued_per_dev;

/* vgpu_back_main.c */
void vgpu_back_stat_add(struct vgpu_back_device *dev, enum vgpu_back_stat s,
			s64 n);
static inline void vgpu_back_stat_inc(struct vgpu_back_device *dev,
				      enum vgpu_back_stat s)
{
	vgpu_back_stat_add(dev, s, 1);
}

void vgpu_back_debugfs_add_device(struct vgpu_back_device *dev);
void vgpu_back_dev_get(struct vgpu_back_device *dev);
void vgpu_back_dev_put(struct vgpu_back_device *dev);

/* vgpu_back_xenbus.c */
int vgpu_back_xenbus_init(void);
void vgpu_back_xenbus_exit(void);
void vgpu_back_kick(struct vgpu_back_device *dev);
void vgpu_back_finish(struct vgpu_back_device *dev, u32 conn_gen,
		      RING_IDX idx, u64 id, u8 operation, s32 status,
		      const u64 *ret);

/* vgpu_back_dev.c */
int vgpu_back_dev_init(void);
void vgpu_back_dev_exit(void);
bool vgpu_back_may_queue(struct vgpu_back_device *dev);
int vgpu_back_submit(struct vgpu_back_request *r);
void vgpu_back_dev_connected(struct vgpu_back_device *dev);
void vgpu_back_dev_disconnected(struct vgpu_back_device *dev);
void vgpu_back_dev_config_changed(struct vgpu_back_device *dev);
void vgpu_back_request_put(struct vgpu_back_request *r);

/* vgpu_back_copy.c */
struct vgpu_back_request *
vgpu_back_request_alloc(struct vgpu_back_device *dev,
			const struct vgpuif_request *req,
			const struct vgpu_back_req_info *info,
			const char **reason);
void vgpu_back_request_free_grefs(struct vgpu_back_request *r);
int vgpu_back_copy(struct vgpu_back_request *r,
		   const struct vgpu_back_copy *c);

#endif /* VGPU_BACK_H */
