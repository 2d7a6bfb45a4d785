// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu frontend: open files of /dev/vgpuN and what they own.
 *
 * Each open file records the device addresses and module handles its own
 * MEM_ALLOCs and MODULE_LOADs returned (vgpu_front_own.c); the ioctls
 * refuse to name anything else. When the file is closed for the last time
 * (also when its process is killed), what it still owns is freed on the
 * host: a work item sends a MEM_FREE or MODULE_UNLOAD for each, one at a
 * time, so close() never waits for the host. The work gives up at a
 * deadline (a backend that stops answering), or as soon as the connection
 * that made the entries is gone (the host dropped them with it).
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "vgpu_front.h"

/* The most a closed file's frees may take, all of them together. */
#define VGPU_FRONT_RELEASE_TIMEOUT_MS	30000
/* Between tries while the ring is full or the host says "later". */
#define VGPU_FRONT_RELEASE_RETRY_MS	10

/* Release work; drained at module exit, so it never outlives the code. */
static struct workqueue_struct *vgpu_front_wq;

int vgpu_front_file_init(void)
{
	vgpu_front_wq = alloc_workqueue("vgpu_front", WQ_UNBOUND, 0);
	return vgpu_front_wq ? 0 : -ENOMEM;
}

void vgpu_front_file_exit(void)
{
	destroy_workqueue(vgpu_front_wq);
}

u32 vgpu_front_conn_gen(struct vgpu_front_info *info)
{
	u32 gen;

	spin_lock_irq(&info->lock);
	gen = info->conn_gen;
	spin_unlock_irq(&info->lock);
	return gen;
}

struct vgpu_front_file *vgpu_front_file_alloc(struct vgpu_front_info *info)
{
	struct vgpu_front_file *f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return NULL;
	vgpu_front_info_get(info);
	f->info = info;
	mutex_init(&f->lock);
	vgpu_front_own_init(&f->mem, VGPU_FRONT_OWN_MAX_ALLOCS);
	vgpu_front_own_init(&f->mod, VGPU_FRONT_OWN_MAX_MODULES);
	vgpu_front_own_init(&f->glob, VGPU_FRONT_OWN_MAX_GLOBALS);
	return f;
}

static void vgpu_front_file_free(struct vgpu_front_file *f)
{
	vgpu_front_own_destroy(&f->mem);
	vgpu_front_own_destroy(&f->mod);
	/* Globals are not freed: they go with their modules. */
	vgpu_front_own_destroy(&f->glob);
	vgpu_front_info_put(f->info);
	kfree(f);
}

/*
 * Send one MEM_FREE or MODULE_UNLOAD of @base, made on connection @gen,
 * and wait for it until @deadline. 0 or the host's error; -ENOTCONN or
 * -ESHUTDOWN if that connection is gone; -ETIMEDOUT past the deadline.
 */
static int vgpu_front_release_one(struct vgpu_front_info *info, u8 op,
				  u64 base, u32 gen, unsigned long deadline)
{
	struct vgpu_module_unload u = { .handle = base };
	struct vgpu_mem_free f = { .dptr = base };
	struct vgpuif_request wire;
	struct vgpu_front_req *req;
	long left;
	int err;

	if (op == VGPUIF_OP_MEM_FREE)
		vgpu_front_build_mem_free(&wire, &f);
	else
		vgpu_front_build_module_unload(&wire, &u);
	for (;;) {
		req = vgpu_front_req_alloc(info, &wire, false, &err);
		if (!req)
			return err == VGPU_FRONT_RETRY ? -ENOMEM : err;
		/* An earlier connection's executor took it with it. */
		if (req->conn_gen != gen) {
			vgpu_front_req_free(req);
			return -ENOTCONN;
		}
		while ((err = vgpu_front_req_submit(req, false)) ==
		       VGPU_FRONT_RETRY) {
			if (time_after(jiffies, deadline))
				break;
			msleep(VGPU_FRONT_RELEASE_RETRY_MS);
		}
		if (err) {
			vgpu_front_req_free(req);
			return err == VGPU_FRONT_RETRY ? -ETIMEDOUT : err;
		}
		left = max_t(long, (long)(deadline - jiffies), 1);
		/* Abandoned on timeout: the response frees it later. */
		err = vgpu_front_req_wait_timeout(&req, left);
		vgpu_front_req_free(req);
		/* Over the VM's rate or in-flight limit: not done, try again. */
		if ((err != -EAGAIN && err != -EBUSY) ||
		    time_after(jiffies, deadline))
			return err;
		msleep(VGPU_FRONT_RELEASE_RETRY_MS);
	}
}

/* Free everything @own holds with @op; the number left on failure. */
static u32 vgpu_front_release_all(struct vgpu_front_info *info,
				  struct vgpu_front_own *own, u8 op,
				  unsigned long deadline, int *errp)
{
	u64 base;
	u32 gen;
	int err;

	while (vgpu_front_own_pop(own, &base, &gen)) {
		err = vgpu_front_release_one(info, op, base, gen, deadline);
		switch (err) {
		case -ENOTCONN:
		case -ESHUTDOWN:
		case -ENODEV:
			/* Gone with its connection (or the device). */
			continue;
		case -ETIMEDOUT:
		case -EHOSTDOWN:
		case -ENOMEM:
			*errp = err;
			return vgpu_front_own_count(own) + 1;
		default:
			/* Done, or the host no longer had it (ENOENT). */
			continue;
		}
	}
	return 0;
}

static void vgpu_front_release_work(struct work_struct *work)
{
	struct vgpu_front_file *f = container_of(work, struct vgpu_front_file,
						 release_work);
	struct vgpu_front_info *info = f->info;
	unsigned long deadline = jiffies +
		msecs_to_jiffies(VGPU_FRONT_RELEASE_TIMEOUT_MS);
	u32 nmem = vgpu_front_own_count(&f->mem);
	u32 nmod = vgpu_front_own_count(&f->mod);
	u32 lmem, lmod = 0;
	int err = 0;

	lmem = vgpu_front_release_all(info, &f->mem, VGPUIF_OP_MEM_FREE,
				      deadline, &err);
	if (!err)
		lmod = vgpu_front_release_all(info, &f->mod,
					      VGPUIF_OP_MODULE_UNLOAD,
					      deadline, &err);
	else
		lmod = nmod;
	if (err)
		dev_warn_ratelimited(&info->xbdev->dev,
				     "%s: closed file: %u of %u allocations and %u of %u modules not freed (%d); the host frees them at disconnect\n",
				     info->name, lmem, nmem, lmod, nmod, err);
	else
		dev_dbg(&info->xbdev->dev,
			"%s: closed file: freed %u allocations, %u modules\n",
			info->name, nmem, nmod);
	vgpu_front_file_free(f);
}

/* Last close: no ioctl of @f runs any more. */
void vgpu_front_file_release(struct vgpu_front_file *f)
{
	if (!vgpu_front_own_count(&f->mem) && !vgpu_front_own_count(&f->mod)) {
		vgpu_front_file_free(f);
		return;
	}
	INIT_WORK(&f->release_work, vgpu_front_release_work);
	queue_work(vgpu_front_wq, &f->release_work);
}
