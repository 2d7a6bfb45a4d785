// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: VGPU_BACK_IOC_COPY, data movement by grant copy.
 *
 * The backend domain never maps a guest's data pages: the grant references
 * of a request's buffer are kept in the request (vgpu_back_req.c) and every
 * byte moves by GNTTABOP_copy between a guest grant and a pinned page of the
 * worker, as gntdev's IOCTL_GNTDEV_GRANT_COPY does.
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <xen/grant_table.h>
#include <xen/page.h>

#include "vgpu_back.h"

/*
 * Grant copy operations per hypercall: 256 cover the worker's 1 MiB copies
 * (EXEC_COPY_CHUNK) of page-aligned memory in one hypercall and one pin.
 */
#define VGPU_BACK_COPY_BATCH	256

/*
 * One hypercall's worth: the operations, and the worker's pages they use,
 * pinned in one call. Each operation stays in one page of the worker and
 * the worker's addresses only grow, so the pages are consecutive and never
 * more than the operations.
 */
struct vgpu_back_batch {
	struct gnttab_copy ops[VGPU_BACK_COPY_BATCH];
	u64 off[VGPU_BACK_COPY_BATCH];		/* in the guest buffer */
	unsigned long uaddr[VGPU_BACK_COPY_BATCH];
	struct page *pages[VGPU_BACK_COPY_BATCH];
	unsigned int nr;
	unsigned int nr_pages;	/* pinned */
	bool to_user;		/* FROM_GUEST: the worker's pages are written */
};

/* The grant ref of data page @page (< r->nr_data_pages). */
static grant_ref_t vgpu_back_gref(const struct vgpu_back_request *r,
				  u32 page)
{
	if (!r->nr_ind_pages)
		return r->direct[page];
	return r->ind[page / VGPUIF_GREFS_PER_INDIRECT_PAGE]
		     [page % VGPUIF_GREFS_PER_INDIRECT_PAGE];
}

/* Pin the worker's pages of the batch's operations, all at once. */
static int vgpu_back_batch_pin(struct vgpu_back_batch *b)
{
	unsigned long first = b->uaddr[0] & PAGE_MASK;
	unsigned int n = ((b->uaddr[b->nr - 1] & PAGE_MASK) - first) /
			 PAGE_SIZE + 1;
	int ret;

	ret = pin_user_pages_fast(first, n, b->to_user ? FOLL_WRITE : 0,
				  b->pages);
	if (ret > 0)
		b->nr_pages = ret;
	if (ret == n)
		return 0;
	return ret < 0 ? ret : -EFAULT;
}

/* Fill in operation @i once its page is pinned. */
static void vgpu_back_batch_op(struct vgpu_back_request *r,
			       struct vgpu_back_batch *b, unsigned int i)
{
	struct gnttab_copy *op = &b->ops[i];
	struct gnttab_copy_ptr *guest, *local;
	unsigned long uaddr = b->uaddr[i];
	struct page *page = b->pages[(uaddr & PAGE_MASK) / PAGE_SIZE -
				     (b->uaddr[0] & PAGE_MASK) / PAGE_SIZE];
	unsigned long xen_pfn = page_to_xen_pfn(page) +
				XEN_PFN_DOWN(uaddr & ~PAGE_MASK);
	u16 len = op->len;

	memset(op, 0, sizeof(*op));
	if (b->to_user) {
		guest = &op->source;
		local = &op->dest;
		op->flags = GNTCOPY_source_gref;
	} else {
		guest = &op->dest;
		local = &op->source;
		op->flags = GNTCOPY_dest_gref;
	}
	guest->u.ref = vgpu_back_gref(r, b->off[i] / VGPUIF_PAGE_SIZE);
	guest->domid = r->dev->domid;
	guest->offset = b->off[i] % VGPUIF_PAGE_SIZE;
	local->u.gmfn = pfn_to_gfn(xen_pfn);
	local->domid = DOMID_SELF;
	local->offset = uaddr & ~XEN_PAGE_MASK;
	op->len = len;
}

/* Pin, run the batched operations, unpin, check every status. */
static int vgpu_back_batch_flush(struct vgpu_back_request *r,
				 struct vgpu_back_batch *b)
{
	struct vgpu_back_device *dev = r->dev;
	unsigned int i, failed = 0;
	u64 bytes = 0;
	int ret;

	if (!b->nr)
		return 0;
	ret = vgpu_back_batch_pin(b);
	if (ret) {
		if (b->nr_pages)
			unpin_user_pages(b->pages, b->nr_pages);
		b->nr = b->nr_pages = 0;
		return ret;
	}
	for (i = 0; i < b->nr; i++)
		vgpu_back_batch_op(r, b, i);
	gnttab_batch_copy(b->ops, b->nr);
	unpin_user_pages_dirty_lock(b->pages, b->nr_pages, b->to_user);

	for (i = 0; i < b->nr; i++) {
		const struct gnttab_copy *op = &b->ops[i];

		if (op->status == GNTST_okay) {
			bytes += op->len;
			continue;
		}
		if (!failed++)
			pr_warn_ratelimited("dom%u/%u: grant copy %s guest failed (gref %u): status %d\n",
					    dev->domid, dev->devid,
					    b->to_user ? "from" : "to",
					    b->to_user ? op->source.u.ref :
							 op->dest.u.ref,
					    op->status);
	}
	vgpu_back_stat_add(dev, VB_STAT_COPY_OPS, b->nr);
	vgpu_back_stat_add(dev, VB_STAT_COPY_BYTES, bytes);
	if (failed)
		vgpu_back_stat_add(dev, VB_STAT_COPY_ERRORS, failed);
	b->nr = b->nr_pages = 0;
	return failed ? -EIO : 0;
}

/* Add one operation for [@off, @off + @len) of the buffer and @uaddr. */
static void vgpu_back_batch_add(struct vgpu_back_batch *b, u64 off,
				unsigned long uaddr, unsigned int len)
{
	b->off[b->nr] = off;
	b->uaddr[b->nr] = uaddr;
	b->ops[b->nr].len = len;
	b->nr++;
}

/**
 * vgpu_back_copy() - VGPU_BACK_IOC_COPY once its arguments are checked
 * @r: the request (the caller holds a reference)
 * @c: direction allowed for the operation, [offset, offset + len) inside
 *     data_len, len > 0, uaddr a user address
 *
 * Each operation stays inside one 4 KiB guest page and one 4 KiB page of
 * the worker. Return: 0, -EFAULT (worker memory), -EIO (a grant copy
 * failed: the guest's grant is bad), -ENOMEM, or -EINVAL if the request
 * ended meanwhile.
 */
int vgpu_back_copy(struct vgpu_back_request *r, const struct vgpu_back_copy *c)
{
	struct vgpu_back_batch *b;
	u64 done = 0;
	int ret = 0;

	b = kvmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->nr = 0;
	b->nr_pages = 0;
	b->to_user = c->direction == VGPU_BACK_COPY_FROM_GUEST;

	while (done < c->len) {
		u64 off = c->offset + done;
		unsigned long uaddr = c->uaddr + done;
		unsigned int len = vgpu_back_copy_chunk(off, uaddr,
							c->len - done);

		vgpu_back_batch_add(b, off, uaddr, len);
		done += len;
		if (b->nr < VGPU_BACK_COPY_BATCH)
			continue;
		ret = vgpu_back_batch_flush(r, b);
		if (ret)
			break;
		/* Stop early if the request was completed or its ring left. */
		if (!READ_ONCE(r->in_table)) {
			ret = -EINVAL;
			break;
		}
		cond_resched();
	}

	if (!ret)
		ret = vgpu_back_batch_flush(r, b);
	kvfree(b);
	return ret;
}
