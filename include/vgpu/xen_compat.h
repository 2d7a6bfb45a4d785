/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel APIs vgpu uses that differ between kernels. Keep every version
 * test here so the drivers read as one kernel.
 *
 * What the tests prove (Documentation/kernels.md): both modules build for
 * Debian 12's 6.1 (versions.env; `make`) and the 6.12 of bookworm-backports
 * (`make compat-check`), the frontend also for Debian 11's 5.10
 * (compat-check); the Xen lab runs the backend on 6.1 and guests on 5.10,
 * 6.1 and 6.12. The frontend's branches for kernels before 5.19 are built
 * on 5.10; the backend's (vgpu_bind_lateeoi() before 5.13) never are: the
 * backend does not build on 5.10. Kernels older than 5.10 are untested.
 * XCP-ng 8.3's 4.19 Dom0 kernel cannot build the modules (no XArray,
 * <linux/minmax.h>, pin_user_pages_fast(), nor the will_handle argument of
 * xenbus_watch_pathfmt()), and nothing here tries to.
 */
#ifndef __VGPU_XEN_COMPAT_H__
#define __VGPU_XEN_COMPAT_H__

#include <linux/version.h>
#include <xen/xenbus.h>
#include <xen/grant_table.h>
#include <xen/events.h>

/*
 * xenbus_driver.remove became void in 6.2 and was backported to some 6.1
 * stable kernels, so the Kbuild files probe the header and define
 * VGPU_XENBUS_REMOVE_VOID rather than trusting the version number. A driver
 * writes its remove as a void function and names it in
 * VGPU_XENBUS_REMOVE(wrapper, fn), which gives .remove the right type.
 */
#ifdef VGPU_XENBUS_REMOVE_VOID
#define VGPU_XENBUS_REMOVE(wrapper, fn)					\
static void wrapper(struct xenbus_device *xbdev)			\
{									\
	fn(xbdev);							\
}
#else
#define VGPU_XENBUS_REMOVE(wrapper, fn)					\
static int wrapper(struct xenbus_device *xbdev)				\
{									\
	fn(xbdev);							\
	return 0;							\
}
#endif

/*
 * INVALID_GRANT_REF came with xenbus_setup_ring() in 5.19. Before it,
 * drivers used 0 (a reserved entry); ours only compares its own variables
 * with it, and gnttab never hands out ~0U either.
 */
#ifndef INVALID_GRANT_REF
#define INVALID_GRANT_REF ((grant_ref_t)~0U)
#endif

/*
 * xenbus_driver.not_essential (5.12): loading the module does not wait for
 * its devices to connect. Before 5.12 every frontend is essential, so
 * loading vgpu-front waits (up to 300 s, "XENBUS: Waiting for devices to
 * initialise") until each vgpu device is connected; nothing can change that.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 12, 0)
#define VGPU_XENBUS_NOT_ESSENTIAL .not_essential = true,
#else
#define VGPU_XENBUS_NOT_ESSENTIAL
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 18, 0)
#define vgpu_end_foreign_access(ref, page) \
	gnttab_end_foreign_access(ref, page)
#else
#define vgpu_end_foreign_access(ref, page) \
	gnttab_end_foreign_access(ref, 0, (page) ? \
				  (unsigned long)page_address(page) : 0UL)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 13, 0)
#define vgpu_bind_lateeoi(xbdev, port, handler, flags, name, data) \
	bind_interdomain_evtchn_to_irqhandler_lateeoi(xbdev, port, handler, \
						      flags, name, data)
#else
#define vgpu_bind_lateeoi(xbdev, port, handler, flags, name, data) \
	bind_interdomain_evtchn_to_irqhandler_lateeoi((xbdev)->otherend_id, \
						      port, handler, flags, \
						      name, data)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 19, 0)
static inline int vgpu_setup_ring(struct xenbus_device *dev, void **vaddr,
				  grant_ref_t *gref)
{
	return xenbus_setup_ring(dev, GFP_NOIO | __GFP_HIGH, vaddr, 1, gref);
}

/*
 * Not xenbus_teardown_ring(): it frees the page even when the grant could
 * not be ended because the backend still maps the ring, and the backend
 * could then write into memory the guest reuses. gnttab_end_foreign_access()
 * with the page frees it only once the grant is really ended (at once, or
 * later from the grant table's deferred list), like the branch below.
 */
static inline void vgpu_teardown_ring(void **vaddr, grant_ref_t *gref)
{
	if (*gref != INVALID_GRANT_REF)
		gnttab_end_foreign_access(*gref, virt_to_page(*vaddr));
	else if (*vaddr)
		free_pages_exact(*vaddr, XEN_PAGE_SIZE);
	*gref = INVALID_GRANT_REF;
	*vaddr = NULL;
}
#else
static inline int vgpu_setup_ring(struct xenbus_device *dev, void **vaddr,
				  grant_ref_t *gref)
{
	void *page = (void *)get_zeroed_page(GFP_NOIO | __GFP_HIGH);
	int err;

	if (!page)
		return -ENOMEM;
	err = xenbus_grant_ring(dev, page, 1, gref);
	if (err < 0) {
		free_page((unsigned long)page);
		return err;
	}
	*vaddr = page;
	return 0;
}

static inline void vgpu_teardown_ring(void **vaddr, grant_ref_t *gref)
{
	if (*gref != INVALID_GRANT_REF)
		gnttab_end_foreign_access(*gref, 0, (unsigned long)*vaddr);
	else if (*vaddr)
		free_page((unsigned long)*vaddr);
	*gref = INVALID_GRANT_REF;
	*vaddr = NULL;
}
#endif

#endif /* __VGPU_XEN_COMPAT_H__ */
