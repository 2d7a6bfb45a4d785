// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: data movement by grant copy.
 *
 * Dom0 never maps a guest's data pages: the grant references of a request's
 * buffer are kept in memory (inline for a direct request; for an indirect
 * one, copied once out of the guest's indirect pages into pages of our own)
 * and every byte moves by GNTTABOP_copy between a guest grant and a pinned
 * page of the worker, as gntdev's IOCTL_GNTDEV_GRANT_COPY does.
 */
#define pr_fmt(fmt) "vgpu-back: " fmt

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <xen/grant_table.h>
#include <xen/page.h>

#include "vgpu_back.h"

/* Grant copy operations per hypercall (and pinned pages at a time). */
#define VGPU_BACK_COPY_BATCH	32

struct vgpu_back_batch {
	struct gnttab_copy ops[VGPU_BACK_COPY_BATCH];
	struct page *pages[VGPU_BACK_COPY_BATCH];
	unsigned int nr;
	bool to_user;		/* FROM_GUEST: the worker's pages are written */
};

static_assert(sizeof(grant_ref_t) == sizeof(u32));
static_assert(VGPUIF_GREFS_PER_INDIRECT_PAGE * sizeof(grant_ref_t) <=
	      XEN_PAGE_SIZE);

void vgpu_back_request_free_grefs(struct vgpu_back_request *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_ind_pages; i++)
		free_page((unsigned long)r->ind[i]);
	vgpu_back_stat_add(r->dev, VB_STAT_INDIRECT_PAGES,
			   -(s64)r->nr_ind_pages);
	vgpu_back_stat_add(r->dev, VB_STAT_GREFS_HELD, -(s64)r->nr_refs_held);
	r->nr_ind_pages = 0;
	r->nr_refs_held = 0;
}

/*
 * Copy the data grant refs out of the guest's indirect pages, once, into
 * pages of our own: the guest cannot change them afterwards.
 */
static int vgpu_back_fetch_indirect(struct vgpu_back_request *r,
				    const u32 *ind_grefs, unsigned int nr_ind,
				    const char **reason)
{
	struct gnttab_copy ops[VGPUIF_MAX_INDIRECT_PAGES];
	struct vgpu_back_device *dev = r->dev;
	unsigned int i, left = r->nr_data_pages;

	memset(ops, 0, sizeof(ops));
	for (i = 0; i < nr_ind; i++) {
		unsigned int n = min_t(unsigned int, left,
				       VGPUIF_GREFS_PER_INDIRECT_PAGE);
		void *page = (void *)__get_free_page(GFP_KERNEL);

		if (!page)
			return -ENOMEM;
		r->ind[i] = page;
		r->nr_ind_pages++;
		vgpu_back_stat_inc(dev, VB_STAT_INDIRECT_PAGES);

		ops[i].source.u.ref = ind_grefs[i];
		ops[i].source.domid = dev->domid;
		ops[i].source.offset = 0;
		ops[i].dest.u.gmfn = virt_to_gfn(page);
		ops[i].dest.domid = DOMID_SELF;
		ops[i].dest.offset = 0;
		ops[i].len = n * sizeof(grant_ref_t);
		ops[i].flags = GNTCOPY_source_gref;
		left -= n;
	}

	gnttab_batch_copy(ops, nr_ind);
	vgpu_back_stat_add(dev, VB_STAT_COPY_OPS, nr_ind);
	for (i = 0; i < nr_ind; i++) {
		if (ops[i].status != GNTST_okay) {
			vgpu_back_stat_inc(dev, VB_STAT_COPY_ERRORS);
			pr_warn_ratelimited("dom%u/%u: cannot copy indirect page %u (gref %u): status %d\n",
					    dev->domid, dev->devid, i,
					    ind_grefs[i], ops[i].status);
			*reason = "indirect page not readable";
			return -EIO;
		}
		vgpu_back_stat_add(dev, VB_STAT_COPY_BYTES, ops[i].len);
	}
	return 0;
}

/**
 * vgpu_back_request_alloc() - a request for the worker, from a valid copy
 * @dev: its device (the request takes a reference)
 * @req: the private copy of the guest's request, validated
 * @info: what validation found
 * @reason: set to why the request is refused, for the log
 *
 * Return: the request with one reference, ERR_PTR(-ENOMEM), or
 * ERR_PTR(-EIO) if the guest's indirect pages could not be read (the
 * request is then invalid).
 */
struct vgpu_back_request *
vgpu_back_request_alloc(struct vgpu_back_device *dev,
			const struct vgpuif_request *req,
			const struct vgpu_back_req_info *info,
			const char **reason)
{
	struct vgpu_back_request *r;
	int err;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	kref_init(&r->kref);
	vgpu_back_dev_get(dev);
	r->dev = dev;
	INIT_LIST_HEAD(&r->ev.node);
	r->ev.type = VGPU_BACK_EV_REQUEST;
	r->ev.dev = dev;
	INIT_LIST_HEAD(&r->dnode);
	r->req.id = req->id;
	r->req.operation = req->operation;
	r->req.data_len = req->data_len;
	r->req.u = req->u;
	r->nr_data_pages = info->nr_data_pages;

	if (info->indirect) {
		err = vgpu_back_fetch_indirect(r, req->gref, info->nr_segments,
					       reason);
		if (err) {
			vgpu_back_request_put(r);
			return ERR_PTR(err);
		}
	} else {
		memcpy(r->direct, req->gref,
		       info->nr_segments * sizeof(grant_ref_t));
	}
	r->nr_refs_held = r->nr_data_pages;
	vgpu_back_stat_add(dev, VB_STAT_GREFS_HELD, r->nr_refs_held);
	return r;
}

/* The grant ref of data page @page (< r->nr_data_pages). */
static grant_ref_t vgpu_back_gref(const struct vgpu_back_request *r,
				  u32 page)
{
	if (!r->nr_ind_pages)
		return r->direct[page];
	return r->ind[page / VGPUIF_GREFS_PER_INDIRECT_PAGE]
		     [page % VGPUIF_GREFS_PER_INDIRECT_PAGE];
}

/* Run the batched operations, unpin, check every status. */
static int vgpu_back_batch_flush(struct vgpu_back_request *r,
				 struct vgpu_back_batch *b)
{
	struct vgpu_back_device *dev = r->dev;
	unsigned int i, failed = 0;
	u64 bytes = 0;

	if (!b->nr)
		return 0;
	gnttab_batch_copy(b->ops, b->nr);
	unpin_user_pages_dirty_lock(b->pages, b->nr, b->to_user);

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
	b->nr = 0;
	return failed ? -EIO : 0;
}

/* Add one operation for [@off, @off + @len) of the buffer and @uaddr. */
static int vgpu_back_batch_add(struct vgpu_back_request *r,
			       struct vgpu_back_batch *b, u64 off,
			       unsigned long uaddr, unsigned int len)
{
	struct gnttab_copy *op = &b->ops[b->nr];
	struct gnttab_copy_ptr *guest, *local;
	struct page *page;
	unsigned long xen_pfn;
	int ret;

	ret = pin_user_pages_fast(uaddr, 1, b->to_user ? FOLL_WRITE : 0,
				  &page);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	b->pages[b->nr] = page;
	xen_pfn = page_to_xen_pfn(page) + XEN_PFN_DOWN(uaddr & ~PAGE_MASK);

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
	guest->u.ref = vgpu_back_gref(r, off / VGPUIF_PAGE_SIZE);
	guest->domid = r->dev->domid;
	guest->offset = off % VGPUIF_PAGE_SIZE;
	local->u.gmfn = pfn_to_gfn(xen_pfn);
	local->domid = DOMID_SELF;
	local->offset = uaddr & ~XEN_PAGE_MASK;
	op->len = len;
	b->nr++;
	return 0;
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

	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->nr = 0;
	b->to_user = c->direction == VGPU_BACK_COPY_FROM_GUEST;

	while (done < c->len) {
		u64 off = c->offset + done;
		unsigned long uaddr = c->uaddr + done;
		unsigned int len = vgpu_back_copy_chunk(off, uaddr,
							c->len - done);

		ret = vgpu_back_batch_add(r, b, off, uaddr, len);
		if (ret)
			break;
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

	if (ret)
		unpin_user_pages(b->pages, b->nr);	/* pinned, not copied */
	else
		ret = vgpu_back_batch_flush(r, b);
	kfree(b);
	return ret;
}
