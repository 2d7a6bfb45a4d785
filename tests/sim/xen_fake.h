/* SPDX-License-Identifier: MIT */
/*
 * Fake libxenstore and libxenctrl for the unit tests of vgpu-admin:
 * xs_fake.c and xc_fake.c define the library functions vgpu-admin calls
 * (same prototypes, from <xenstore.h> and <xenctrl.h>) over an in-memory
 * xenstore tree with permissions, transactions and watches, and a table of
 * domains. A test links them instead of -lxenstore -lxenctrl (link-time
 * substitution) and drives them with the functions below.
 *
 * Semantics kept from xenstored: writing or mkdir creates missing parents,
 * which inherit their parent's permissions; a transaction works on a
 * snapshot and its commit fails with EAGAIN if anything committed in
 * between; removing a missing node whose parent exists succeeds.
 * xs_read_watch() returns NULL (errno EBADF, as on a lost connection) when
 * no event is queued, instead of blocking.
 */
#ifndef VGPU_TESTS_SIM_XEN_FAKE_H
#define VGPU_TESTS_SIM_XEN_FAKE_H

#include <stdint.h>
#include <xenstore.h>

/* Empties the tree and the domain table, then adds Domain-0. */
void fake_xen_reset(void);
/*
 * A domain as a toolstack creates it: in the domain table with @uuid, and
 * /local/domain/D (owner 0, D may read) with name and device/ (owner D);
 * fires @introduceDomain. 0 or -1 (bad UUID, table full).
 */
int fake_xen_add_domain(uint32_t domid, const char *name, const char *uuid);
/* Gone: out of the table, /local/domain/D removed; fires @releaseDomain. */
void fake_xen_remove_domain(uint32_t domid);
/* Marks a domain dying (still listed, flag XEN_DOMINF_dying). */
void fake_xen_set_dying(uint32_t domid);

/* xs_open() fails (errno ECONNREFUSED) while set. */
extern int fake_xs_unavailable;
/* xc_interface_open() fails (errno EACCES) while set. */
extern int fake_xc_unavailable;
/* The capabilities xc_physinfo() reports (XEN_SYSCTL_PHYSCAP_*). */
extern uint32_t fake_xc_caps;
/* The Nth xs_write() from now fails with EACCES (1 = the next); 0 = off. */
extern int fake_xs_fail_write_at;
/* The next N transaction commits fail with EAGAIN. */
extern int fake_xs_eagain;
/* Called once, inside the next xs_transaction_start(), after the snapshot. */
extern void (*fake_xs_tx_hook)(void *arg);
extern void *fake_xs_tx_hook_arg;
/* Transactions committed and aborted since the reset. */
extern unsigned int fake_xs_commits, fake_xs_aborts;

/* The tree alone: empty, no watches, every knob off (fake_xen_reset()). */
void fake_xs_reset(void);
/* Fires the watches of @special ("@introduceDomain", "@releaseDomain"). */
void fake_xs_fire(const char *special);

/* Direct access to the committed tree. */
char *fake_xs_read(const char *path);		/* malloc'ed, or NULL */
int fake_xs_write(const char *path, const char *val);
/* The node's permissions into @p (at most @max); the count, or -1. */
int fake_xs_perms(const char *path, struct xs_permissions *p, unsigned int max);
int fake_xs_set_perms(const char *path, struct xs_permissions *p, unsigned int n);
int fake_xs_rm(const char *path);
/* Nodes at or under @path. */
unsigned int fake_xs_count(const char *path);

#endif
