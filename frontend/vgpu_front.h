/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vgpu frontend (guest): the state shared by its Xen glue files.
 *
 *   vgpu_front_xenbus.c  xenbus driver: probe, connect, disconnect, remove
 *   vgpu_front_ring.c    requests: buffers, grants, ring, irq, completion
 *   vgpu_front_dev.c     /dev/vgpuN and its ioctls
 *   vgpu_front_async.c   launch, memset, device copy, one or a batch
 *   vgpu_front_ops2.c    the ioctls of globals, device attributes, events
 *   vgpu_front_file.c    open files: what each owns, freed at close
 *   vgpu_front_args.c    Xen-free: argument checks, layouts, headers
 *   vgpu_front_ids.c     Xen-free: request id table
 *   vgpu_front_own.c     Xen-free: table of what an open file owns
 */
#ifndef VGPU_FRONT_H
#define VGPU_FRONT_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/xenbus.h>

#include "vgpu_front_args.h"
#include "vgpu_front_ids.h"
#include "vgpu_front_own.h"

#define VGPU_FRONT_NAME_LEN	16

/* Link state of a device, changed under vgpu_front_info.lock. */
enum vgpu_front_link {
	VGPU_FRONT_DOWN,	/* no ring: new calls get -ENOTCONN */
	VGPU_FRONT_UP,		/* ring and event channel work */
	VGPU_FRONT_CLOSING,	/* remove(): no new requests, responses go on */
	VGPU_FRONT_BROKEN,	/* backend broke the protocol; closing */
	VGPU_FRONT_GONE,	/* removed: new calls get -ENODEV */
};

/* One vgpu device: xenbus device device/vgpu/N, misc device /dev/vgpuN. */
struct vgpu_front_info {
	struct xenbus_device *xbdev;	/* reference held until release */
	struct kref kref;		/* xenbus device + open files */
	int index;			/* N of /dev/vgpuN */
	char name[VGPU_FRONT_NAME_LEN];

	/* Serialises connect, disconnect, state changes and remove. */
	struct mutex conn_lock;
	bool removed;			/* remove() ran: never connects again */
	bool misc_registered;
	struct miscdevice misc;

	/* The ring, the id table and link: taken in irq context. */
	spinlock_t lock;
	enum vgpu_front_link link;
	struct vgpuif_front_ring ring;
	struct vgpu_front_ids ids;
	wait_queue_head_t id_wq;	/* a slot freed, or the link changed */
	struct list_head reap;		/* abandoned requests to free */
	struct work_struct reap_work;
	struct work_struct broken_work;

	/* Set at connect, under conn_lock and lock. */
	grant_ref_t ring_ref;
	evtchn_port_t evtchn;
	int irq;
	domid_t backend_id;
	unsigned int protocol;
	bool indirect;
	u32 max_data_len;
	u32 conn_gen;			/* bumped on each connect */
};

/* Where a request is in its life, changed under vgpu_front_info.lock. */
enum vgpu_front_req_state {
	VGPU_FRONT_REQ_NEW,		/* built, not on the ring */
	VGPU_FRONT_REQ_INFLIGHT,	/* on the ring, holds an id */
	VGPU_FRONT_REQ_DONE,		/* result set; id freed */
};

#define VGPU_FRONT_INLINE_PAGES	VGPUIF_MAX_DIRECT_SEGS

/*
 * One request and its bounce buffer. The owner is the ioctl that made it
 * until it is abandoned (a signal while waiting); then whoever finishes it
 * (irq handler via reap work, or disconnect) frees it.
 */
struct vgpu_front_req {
	struct vgpu_front_info *info;
	struct vgpuif_request wire;	/* what goes on the ring */
	struct vgpuif_response rsp;	/* copy of the response */
	struct completion done;
	int result;			/* 0 or -errno once DONE */
	enum vgpu_front_req_state state;
	bool abandoned;
	bool writable;			/* backend may write the data pages */
	u32 conn_gen;			/* connection it was made for */
	domid_t domid;			/* backend of that connection */
	struct vgpu_front_layout layout;
	u32 budget;			/* pages charged to the global budget */
	u32 nr_pages;			/* data pages allocated */
	u32 nr_grants;			/* data pages granted */
	u32 nr_ind_grants;		/* indirect pages granted */
	struct page **pages;
	grant_ref_t *grefs;
	struct page *ind_pages[VGPUIF_MAX_INDIRECT_PAGES];
	grant_ref_t ind_grefs[VGPUIF_MAX_INDIRECT_PAGES];
	struct list_head node;		/* on info->reap */
	struct page *inline_pages[VGPU_FRONT_INLINE_PAGES];
	grant_ref_t inline_grefs[VGPU_FRONT_INLINE_PAGES];
};

/*
 * One open file of /dev/vgpuN: the device addresses and module handles
 * its requests made, which only it may name (vgpu_front_file.c).
 */
struct vgpu_front_file {
	struct vgpu_front_info *info;	/* reference held */
	struct mutex lock;		/* mem, mod and glob */
	struct vgpu_front_own mem;	/* ranges of its MEM_ALLOCs */
	struct vgpu_front_own mod;	/* handles of its MODULE_LOADs */
	struct vgpu_front_own glob;	/* ranges of its modules' globals */
	struct work_struct release_work; /* frees them after the last close */
};

/* vgpu_front_dev.c: what vgpu_front_ops2.c shares */
void vgpu_front_log_bad(struct vgpu_front_info *info, u8 op,
			const char *field, int err);
int vgpu_front_call(struct vgpu_front_info *info,
		    const struct vgpuif_request *wire,
		    int (*fill)(struct vgpu_front_req *req, const void *arg),
		    const void *arg, struct vgpu_front_req **reqp);
int vgpu_front_own_begin(struct vgpu_front_file *file,
			 struct vgpu_front_own *own,
			 struct vgpu_front_info *info, u8 op);
void vgpu_front_own_end(struct vgpu_front_file *file,
			struct vgpu_front_own *own,
			const struct vgpu_front_req *req, u64 base, u64 size);

/* vgpu_front_async.c */
long vgpu_front_ioc_async(struct vgpu_front_file *file, unsigned int cmd,
			  void __user *uarg);
long vgpu_front_ioc_submit(struct vgpu_front_file *file, void __user *uarg);

/* vgpu_front_ops2.c */
long vgpu_front_ioctl_ops2(struct vgpu_front_file *file, unsigned int cmd,
			   void __user *uarg);
/*
 * [@addr, @addr + @len) in one allocation or global of @file on
 * connection @gen, held (cannot be freed) until _put(): 0, or -ENOENT,
 * -ERANGE (logged for @op).
 */
int vgpu_front_range_get(struct vgpu_front_file *file, u8 op, u64 addr,
			 u64 len, u32 gen, struct vgpu_front_own **own,
			 u64 *base);
void vgpu_front_range_put(struct vgpu_front_file *file,
			  struct vgpu_front_own *own, u64 base);

/* vgpu_front_xenbus.c */
void vgpu_front_info_put(struct vgpu_front_info *info);
void vgpu_front_info_get(struct vgpu_front_info *info);

/* vgpu_front_budget.c */
int vgpu_front_budget_init(void);
int vgpu_front_budget_get(u32 n, bool block);
void vgpu_front_budget_put(u32 n);

/* vgpu_front_ring.c */
int vgpu_front_ring_connect(struct vgpu_front_info *info);
void vgpu_front_ring_disconnect(struct vgpu_front_info *info, int err);
void vgpu_front_reap_work(struct work_struct *work);

struct vgpu_front_req *vgpu_front_req_alloc(struct vgpu_front_info *info,
					    const struct vgpuif_request *wire,
					    bool block, int *err);
int vgpu_front_req_from_user(struct vgpu_front_req *req, u32 off,
			     const void __user *src, u32 len);
int vgpu_front_req_to_user(struct vgpu_front_req *req, u32 off,
			   void __user *dst, u32 len);
void vgpu_front_req_read(struct vgpu_front_req *req, u32 off, void *dst,
			 u32 len);
void vgpu_front_req_write(struct vgpu_front_req *req, u32 off,
			  const void *src, u32 len);
int vgpu_front_req_submit(struct vgpu_front_req *req, bool block);
int vgpu_front_req_wait(struct vgpu_front_req **reqp);
int vgpu_front_req_wait_timeout(struct vgpu_front_req **reqp,
				unsigned long timeout);
void vgpu_front_req_abandon(struct vgpu_front_req *req);
void vgpu_front_req_free(struct vgpu_front_req *req);

/* Returned by the non-blocking calls above instead of waiting. */
#define VGPU_FRONT_RETRY	1

/* vgpu_front_file.c */
int vgpu_front_file_init(void);
void vgpu_front_file_exit(void);
u32 vgpu_front_conn_gen(struct vgpu_front_info *info);
struct vgpu_front_file *vgpu_front_file_alloc(struct vgpu_front_info *info);
void vgpu_front_file_release(struct vgpu_front_file *f);

/* vgpu_front_dev.c */
int vgpu_front_misc_register(struct vgpu_front_info *info);
void vgpu_front_misc_deregister(struct vgpu_front_info *info);

#endif /* VGPU_FRONT_H */
