/* SPDX-License-Identifier: MIT */
/*
 * What a DOMAIN argument names: a domid, a UUID, a VM name from the
 * database, or a domain name from xenstore; resolved to the running
 * domain and, when registered, its VM. Shared by attach, detach, apply
 * and the watcher.
 */
#ifndef VGPU_ADMIN_TARGET_H
#define VGPU_ADMIN_TARGET_H

#include <stdint.h>

#include "admin.h"
#include "vmconf.h"

struct target {
	uint32_t domid;
	uint32_t be_domid;
	int registered;		/* @vm holds its database row */
	struct vm_conf vm;
};

/*
 * Opens the database, xenstore and libxenctrl as needed and fills @t.
 * @need_vm: an unregistered domain is an error (attach). Prints the
 * error; returns an exit code.
 */
int target_resolve(struct admin *a, const char *arg, int need_vm, struct target *t);

/* The backend domain of @c into *@be_domid; prints the error. */
int target_backend(struct admin *a, const struct vm_conf *c, uint32_t *be_domid);

#endif
