// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu frontend: the budget of bounce buffer pages.
 *
 * Every request charges the pages it holds (data and indirect, each also a
 * grant reference) to one budget shared by all vgpu devices, and gives
 * them back when it is freed (vgpu_front_ring.c). The budget lock is the
 * innermost lock of the driver.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "vgpu_front.h"

/*
 * Budget of pages (data and indirect, each also a grant) that all requests
 * of all vgpu devices may hold at once. It bounds the guest memory used for
 * bounce buffers and the grant references taken from the guest's table.
 */
static unsigned int max_buffer_mib;
module_param(max_buffer_mib, uint, 0444);
MODULE_PARM_DESC(max_buffer_mib,
		 "MiB of bounce buffers all requests may hold at once (0: 1/8 of RAM, 17 to 65 MiB)");

/* Pages one request of VGPUIF_MAX_DATA_LEN bytes needs, indirect included. */
#define VGPU_FRONT_MAX_REQ_PAGES \
	(VGPUIF_MAX_DATA_LEN / VGPUIF_PAGE_SIZE + VGPUIF_MAX_INDIRECT_PAGES)

static DEFINE_SPINLOCK(vgpu_front_budget_lock);
static unsigned long vgpu_front_budget_free;
static DECLARE_WAIT_QUEUE_HEAD(vgpu_front_budget_wq);

int vgpu_front_budget_init(void)
{
	unsigned long pages;

	if (max_buffer_mib)
		pages = (unsigned long)max_buffer_mib << (20 - PAGE_SHIFT);
	else
		pages = clamp_t(unsigned long, totalram_pages() / 8,
				VGPU_FRONT_MAX_REQ_PAGES,
				4 * VGPU_FRONT_MAX_REQ_PAGES);
	/* One request of the largest size must always fit. */
	vgpu_front_budget_free = max_t(unsigned long, pages,
				       VGPU_FRONT_MAX_REQ_PAGES);
	pr_info("vgpu-front: bounce buffers up to %lu KiB\n",
		vgpu_front_budget_free << (PAGE_SHIFT - 10));
	return 0;
}

static bool vgpu_front_budget_try(u32 n)
{
	bool ok;

	spin_lock(&vgpu_front_budget_lock);
	ok = vgpu_front_budget_free >= n;
	if (ok)
		vgpu_front_budget_free -= n;
	spin_unlock(&vgpu_front_budget_lock);
	return ok;
}

/* 0, VGPU_FRONT_RETRY (!block and not enough) or -EINTR. */
int vgpu_front_budget_get(u32 n, bool block)
{
	while (!vgpu_front_budget_try(n)) {
		if (!block)
			return VGPU_FRONT_RETRY;
		if (wait_event_interruptible(vgpu_front_budget_wq,
					     READ_ONCE(vgpu_front_budget_free) >= n))
			return -EINTR;
	}
	return 0;
}

void vgpu_front_budget_put(u32 n)
{
	if (!n)
		return;
	spin_lock(&vgpu_front_budget_lock);
	vgpu_front_budget_free += n;
	spin_unlock(&vgpu_front_budget_lock);
	wake_up_all(&vgpu_front_budget_wq);
}
