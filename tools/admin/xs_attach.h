/* SPDX-License-Identifier: MIT */
/*
 * The vgpu device in xenstore, as a toolstack writes it (include/vgpu/
 * vgpuif.h, "Xenstore"), for guest D, backend domain B, device N:
 *
 *   frontend /local/domain/D/device/vgpu/N: backend backend-id state=1;
 *            owner D, B may read
 *   backend  /local/domain/B/backend/vgpu/D/N: frontend frontend-id
 *            online=1 state=1 pool priority vm-id max-inflight max-queued
 *            rate-limit mem-quota; owner B, D may read (never write)
 *
 * Each change is one xenstore transaction, retried when xenstored says
 * EAGAIN (another writer committed first): the backend driver and the
 * guest see all of a device or none of it. Paths are built only from
 * domids and the database's values, never from what a guest wrote.
 */
#ifndef VGPU_ADMIN_XS_ATTACH_H
#define VGPU_ADMIN_XS_ATTACH_H

#include <stdint.h>

#include "vmconf.h"

struct xs_handle;

#define XSA_RETRIES 16	/* transactions that lost the race, then give up */

/*
 * Writes both directories. 0; -ENOENT if domain @domid or @be_domid is not
 * (or no longer) in xenstore; -EEXIST if the backend directory is there
 * already; other -errno from xenstore. Nothing is written unless 0.
 */
int xsa_attach(struct xs_handle *xs, const struct vm_conf *c, uint32_t domid,
	       uint32_t be_domid, uint32_t devid);

/*
 * A domain whose devices name a backend that is gone (a driver domain that
 * was destroyed and started again, with a new domid, took their backend
 * directories with it): removes every backend directory of @domid and its
 * frontend devices and writes device @devid afresh for backend @be_domid,
 * in one transaction. 0; -EEXIST if @be_domid has that backend directory
 * already; -ENOENT or -errno as xsa_attach. Nothing changes unless 0.
 */
int xsa_reattach(struct xs_handle *xs, const struct vm_conf *c, uint32_t domid,
		 uint32_t be_domid, uint32_t devid);

/* 1 if the domain has frontend devices (/local/domain/D/device/vgpu). */
int xsa_has_frontend(struct xs_handle *xs, uint32_t domid);

/*
 * Removes the domain's frontend devices (/local/domain/D/device/vgpu) and
 * its backend directory /local/domain/B/backend/vgpu/D. 0, -ENOENT if
 * neither was there, or -errno.
 */
int xsa_detach(struct xs_handle *xs, uint32_t domid, uint32_t be_domid);

/*
 * Writes @c's values to every device of @domid under backend @be_domid
 * whose value differs; *@changed counts the keys written. 0, -ENOENT if
 * the domain has no device there, or -errno.
 */
int xsa_apply(struct xs_handle *xs, const struct vm_conf *c, uint32_t domid,
	      uint32_t be_domid, unsigned int *changed);

/* 1 if /local/domain/B/backend/vgpu/D exists, 0 if not. */
int xsa_attached(struct xs_handle *xs, uint32_t domid, uint32_t be_domid);

/*
 * For every backend domain B in xenstore, removes /local/domain/B/backend/
 * vgpu/D of each D for which @alive(@arg, D) is 0. Returns how many were
 * removed, or -errno. @report is called for each.
 */
int xsa_remove_orphans(struct xs_handle *xs, int (*alive)(void *arg, uint32_t domid),
		       void (*report)(void *arg, uint32_t be, uint32_t domid, int err),
		       void *arg);

#endif
