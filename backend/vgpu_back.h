/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vgpu-back internals shared by the Xen glue files.
 *
 * Files, by job; each calls only files listed below it. A lower file wakes
 * a higher one only through a work item the higher one set up: ring_work
 * queues dev->close_work (vgpu_back_xenbus.c), and vgpu_back_kick() below
 * queues dev->ring_work (vgpu_back_ring.c) for vgpu_back_req.c and
 * vgpu_back_dev.c.
 *
 *   vgpu_back_main.c      module init/exit, the module parameter, the host
 *   vgpu_back_xenbus.c    xenbus glue: probe, states, config watch, ring map
 *   vgpu_back_dev.c       /dev/vgpu-back: open, read, write, ioctl, poll
 *   vgpu_back_ring.c      the ring's request path: irq, ring_work, consume,
 *                         dispatch, responses
 *   vgpu_back_copy.c      grant copy between a request's buffer and the worker
 *   vgpu_back_req.c       the request object: alloc, indirect refs, the
 *                         handle table and the worker's queue, put
 *   vgpu_back_stats.c     counters, sysfs and debugfs
 *   vgpu_back_validate.c  Xen-free checks and the configuration (KUnit)
 *   vgpu_ring_check.c     Xen-free ring index checks (KUnit)
 *   vgpu_back_wring.c     Xen-free shared rings with the worker (KUnit)
 *
 *   main      -> xenbus, dev, stats
 *   xenbus    -> ring, req, stats, validate
 *   dev       -> ring, copy, req, validate, wring
 *   ring      -> req, stats, validate, ring_check
 *   copy, req -> stats, validate
 *   stats     -> validate
 *
 * Words: the worker *finishes* a request (its executor ran it) and writes a
 * *completion* (struct vgpu_back_completion); the backend *completes* a
 * request when its response is on the guest's ring (vgpu_back_complete(),
 * vgpu_back_respond()), whether the worker answered it or the backend did
 * at once (INVALID, NO_WORKER, NO_MEMORY).
 *
 * Objects:
 *  - struct vgpu_back_host: the module's one instance (vgpu_back_main.c),
 *    reached through the device, the misc device or the xenbus driver.
 *  - struct vgpu_back_device: one xenbus device (one guest's /dev/vgpuN),
 *    reference counted: xenbus holds one from probe to remove, each request
 *    and each event queued for the worker holds one.
 *  - struct vgpu_back_request: a validated request waiting for (QUEUED) or
 *    held by (HELD) the worker, named by a handle in host->reqs.
 *
 * Locks, outermost first:
 *  - dev->state_mutex: xenbus state, connect/disconnect, configuration.
 *  - host->wring_lock (mutex): the shared rings with the worker.
 *  - host->lock (mutex): the worker's event queue, the request table, the
 *    device list, worker_open, each device's queue counters and event nodes.
 *  - dev->ring_lock (spinlock): the response side of the ring (rsp_prod_pvt,
 *    slots, push, notify), dev->live, and queueing dev->ring_work.
 * The ring's request side (req_cons) belongs to dev->ring_work alone.
 */
#ifndef VGPU_BACK_H
#define VGPU_BACK_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
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
#include "vgpu_back_wring.h"

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

/* The module: one instance, in vgpu_back_main.c. */
struct vgpu_back_host {
	/* Under lock. */
	struct mutex lock;
	struct list_head devices;	/* of struct vgpu_back_device */
	struct list_head queue;		/* of struct vgpu_back_qev */
	struct xarray reqs;		/* index -> struct vgpu_back_request */
	u32 next_index;
	u32 next_gen;
	bool worker_open;
	unsigned int nr_devices;

	wait_queue_head_t read_wq;	/* the queue got an event */
	/*
	 * The shared rings (VGPU_BACK_FEAT_RINGS), under wring_lock; while
	 * wring_area is NULL the worker uses read() and write().
	 */
	struct mutex wring_lock;
	void *wring_area;		/* vmalloc_user(), wring_len bytes */
	size_t wring_len;
	struct vgpu_wring wring;
	/* max_queued_per_dev: written by sysfs at any time, READ_ONCE. */
	unsigned int max_queued_per_dev;
	struct workqueue_struct *wq;	/* every device's ring_work */
	struct dentry *dbg;
	struct vgpu_back_stats stats;
	struct miscdevice misc;		/* /dev/vgpu-back */
	struct xenbus_driver xenbus_driver;
};

/* An event for the worker; REQUEST events are embedded in the request. */
struct vgpu_back_qev {
	struct list_head node;	/* on host->queue, or empty */
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
	struct vgpu_back_host *host;	/* set at probe, never changes */
	struct xenbus_device *xbdev;	/* NULL once removed */
	domid_t domid;
	u16 devid;
	struct list_head node;		/* host->devices, under host->lock */

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
	 * Written under state_mutex and host->lock; read under either.
	 */
	struct vgpu_back_vm vm;

	/* Under host->lock. */
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
	bool sysfs;			/* its statistics group exists */
	struct vgpu_back_stats stats;
};

#define VB_EOI_PENDING	0

enum vgpu_back_req_state {
	VB_REQ_QUEUED,		/* on host->queue, the worker has not read it */
	VB_REQ_HELD,		/* the worker read it */
};

struct vgpu_back_request {
	struct kref kref;
	struct vgpu_back_device *dev;	/* holds a reference */
	struct vgpu_back_qev ev;	/* its REQUEST event */

	/* Under host->lock (in_table is also read without it). */
	struct list_head dnode;		/* dev->reqs while in the table */
	enum vgpu_back_req_state state;
	bool in_table;
	u32 index;			/* in host->reqs */
	u64 handle;

	/* Set before the request enters the table, then constant. */
	u32 conn_gen;			/* dev->conn_gen when consumed */
	RING_IDX ring_idx;		/* its slot */
	struct vgpu_back_req req;	/* what the worker sees */
	u32 nr_data_pages;
	u32 nr_refs_held;		/* counted in VB_STAT_GREFS_HELD */
	u32 nr_ind_pages;		/* 0 for a direct request */
	grant_ref_t direct[VGPUIF_MAX_DIRECT_SEGS];
	grant_ref_t *ind[VGPUIF_MAX_INDIRECT_PAGES];	/* one page each */
};

/*
 * Queue the device's ring work, unless the ring is gone: every layer that
 * lets a stopped ring go on (back-pressure released, budget used up, the
 * worker gone) wakes the consumer this way.
 */
static inline void vgpu_back_kick(struct vgpu_back_device *dev)
{
	spin_lock(&dev->ring_lock);
	if (dev->live)
		queue_work(dev->host->wq, &dev->ring_work);
	spin_unlock(&dev->ring_lock);
}

/* vgpu_back_xenbus.c */
int vgpu_back_xenbus_init(struct vgpu_back_host *host);
void vgpu_back_xenbus_exit(struct vgpu_back_host *host);

/* vgpu_back_dev.c */
int vgpu_back_dev_init(struct vgpu_back_host *host);
void vgpu_back_dev_exit(struct vgpu_back_host *host);

/* vgpu_back_ring.c */
void vgpu_back_ring_init(struct vgpu_back_device *dev);
void vgpu_back_ring_attach(struct vgpu_back_device *dev,
			   struct vgpuif_sring *sring);
int vgpu_back_ring_bind(struct vgpu_back_device *dev, u32 evtchn);
void vgpu_back_ring_start(struct vgpu_back_device *dev, int irq);
void vgpu_back_ring_stop(struct vgpu_back_device *dev);
void vgpu_back_ring_detach(struct vgpu_back_device *dev);
void vgpu_back_complete(struct vgpu_back_request *r, s32 status,
			const u64 *ret);

/* vgpu_back_copy.c */
int vgpu_back_copy(struct vgpu_back_request *r,
		   const struct vgpu_back_copy *c);

/* vgpu_back_req.c */
void vgpu_back_dev_get(struct vgpu_back_device *dev);
void vgpu_back_dev_put(struct vgpu_back_device *dev);
void vgpu_back_qev_init(struct vgpu_back_qev *ev,
			struct vgpu_back_device *dev, u32 type);
struct vgpu_back_request *
vgpu_back_req_alloc(struct vgpu_back_device *dev,
		    const struct vgpuif_request *req,
		    const struct vgpu_back_req_info *info,
		    const char **reason);
void vgpu_back_req_put(struct vgpu_back_request *r);
bool vgpu_back_req_may_queue(struct vgpu_back_device *dev);
int vgpu_back_req_submit(struct vgpu_back_request *r);
void vgpu_back_req_ring_up(struct vgpu_back_device *dev);
void vgpu_back_req_ring_down(struct vgpu_back_device *dev);
void vgpu_back_req_config_changed(struct vgpu_back_device *dev);
/* host->lock held: */
struct vgpu_back_request *vgpu_back_req_lookup(struct vgpu_back_host *host,
					       u64 handle);
void vgpu_back_req_unlink(struct vgpu_back_request *r);
void vgpu_back_req_maybe_unstall(struct vgpu_back_device *dev);
void vgpu_back_queue_ev(struct vgpu_back_qev *ev);
void vgpu_back_dequeue_ev(struct vgpu_back_qev *ev);
void vgpu_back_take_event(struct vgpu_back_qev *ev);

/* vgpu_back_stats.c */
void vgpu_back_stat_add(struct vgpu_back_device *dev, enum vgpu_back_stat s,
			s64 n);
static inline void vgpu_back_stat_inc(struct vgpu_back_device *dev,
				      enum vgpu_back_stat s)
{
	vgpu_back_stat_add(dev, s, 1);
}

void vgpu_back_debugfs_init(struct vgpu_back_host *host);
void vgpu_back_debugfs_exit(struct vgpu_back_host *host);
void vgpu_back_debugfs_add_device(struct vgpu_back_device *dev);
void vgpu_back_debugfs_remove_device(struct vgpu_back_device *dev);
void vgpu_back_sysfs_init(struct vgpu_back_host *host);
void vgpu_back_sysfs_exit(void);
void vgpu_back_sysfs_add_device(struct vgpu_back_device *dev);
void vgpu_back_sysfs_remove_device(struct vgpu_back_device *dev);

#endif /* VGPU_BACK_H */
