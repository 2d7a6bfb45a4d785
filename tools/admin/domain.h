/* SPDX-License-Identifier: MIT */
/*
 * Finding Xen domains: the list and each domain's UUID from libxenctrl
 * (the hypervisor's own record, which a guest cannot change), a name from
 * /local/domain/D/name in xenstore.
 */
#ifndef VGPU_ADMIN_DOMAIN_H
#define VGPU_ADMIN_DOMAIN_H

#include <stdint.h>

#include "vmconf.h"

struct xs_handle;

struct dom_info {
	uint32_t domid;
	char uuid[VM_UUID_LEN + 1];
	int dying;		/* dying or dead: its devices can go */
};

/* All domains; *@out is malloc'ed (free it). 0 or -errno. */
int dom_list(void *xc, struct dom_info **out, unsigned int *n);
/* The running (not dying) domain with @uuid, or -ENOENT. */
int dom_by_uuid(void *xc, const char *uuid, uint32_t *domid);
/* The UUID of running domain @domid, or -ENOENT. */
int dom_uuid(void *xc, uint32_t domid, char *uuid);
/* The domain whose /local/domain/D/name is @name, or -ENOENT. */
int dom_by_name(struct xs_handle *xs, const char *name, uint32_t *domid);
/*
 * A backend as the database names it (vm_backend_check()): a domid, or a
 * domain's name. -ENOENT if no such domain runs.
 */
int dom_backend(struct xs_handle *xs, void *xc, const char *backend, uint32_t *domid);

#endif
