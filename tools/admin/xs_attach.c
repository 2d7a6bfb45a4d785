// SPDX-License-Identifier: MIT
/* The vgpu device's xenstore directories (see xs_attach.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "lib/parse.h"
#include "xs_attach.h"

#define XS_PATH_MAX 128

struct keyval {
	const char *key;
	char val[24];
};

/* The configuration keys of the backend directory, from @c. */
#define NR_CONFIG_KEYS 7
static void config_keys(const struct vm_conf *c, struct keyval kv[NR_CONFIG_KEYS])
{
	static const char *const keys[NR_CONFIG_KEYS] = {
		"pool", "priority", "vm-id", "max-inflight", "max-queued",
		"rate-limit", "mem-quota",
	};

	for (unsigned int i = 0; i < NR_CONFIG_KEYS; i++)
		kv[i].key = keys[i];
	snprintf(kv[0].val, sizeof(kv[0].val), "%c", c->pool);
	snprintf(kv[1].val, sizeof(kv[1].val), "%s", vm_prio_name(c->priority));
	snprintf(kv[2].val, sizeof(kv[2].val), "%" PRIu32, c->vm_id);
	snprintf(kv[3].val, sizeof(kv[3].val), "%" PRIu32, c->max_inflight);
	snprintf(kv[4].val, sizeof(kv[4].val), "%" PRIu32, c->max_queued);
	snprintf(kv[5].val, sizeof(kv[5].val), "%" PRIu32, c->rate_limit);
	snprintf(kv[6].val, sizeof(kv[6].val), "%" PRIu64, c->mem_quota);
}

static int exists(struct xs_handle *xs, xs_transaction_t t, const char *path)
{
	unsigned int n;
	char **l = xs_directory(xs, t, path, &n);

	free(l);
	return l != NULL;
}

/* Writes @path = @val with @perms. 0 or -errno. */
static int put(struct xs_handle *xs, xs_transaction_t t, const char *dir,
	       const char *key, const char *val, struct xs_permissions *perms)
{
	char path[XS_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (!xs_write(xs, t, path, val, (unsigned int)strlen(val)) ||
	    !xs_set_permissions(xs, t, path, perms, 2))
		return errno ? -errno : -EIO;
	return 0;
}

static int mkdir_perms(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		       struct xs_permissions *perms)
{
	if (!xs_mkdir(xs, t, dir) || !xs_set_permissions(xs, t, dir, perms, 2))
		return errno ? -errno : -EIO;
	return 0;
}

typedef int (*tx_body)(struct xs_handle *xs, xs_transaction_t t, void *arg);

/* Runs @body in a transaction; again while the commit says EAGAIN. */
static int transact(struct xs_handle *xs, tx_body body, void *arg)
{
	for (int i = 0; i < XSA_RETRIES; i++) {
		xs_transaction_t t = xs_transaction_start(xs);
		int err;

		if (t == XBT_NULL)
			return errno ? -errno : -EIO;
		err = body(xs, t, arg);
		if (err) {
			xs_transaction_end(xs, t, true);
			return err;
		}
		if (xs_transaction_end(xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return errno ? -errno : -EIO;
	}
	return -EAGAIN;
}

struct attach_args {
	const struct vm_conf *c;
	uint32_t domid, be, devid;
};

static int attach_body(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct attach_args *a = arg;
	/* libxl's PV device permissions: owner first, then who may read. */
	struct xs_permissions fe_perms[2] = {
		{ .id = a->domid, .perms = XS_PERM_NONE },
		{ .id = a->be, .perms = XS_PERM_READ },
	};
	struct xs_permissions be_perms[2] = {
		{ .id = a->be, .perms = XS_PERM_NONE },
		{ .id = a->domid, .perms = XS_PERM_READ },
	};
	char fe[XS_PATH_MAX], be[XS_PATH_MAX], dom[40], id[16];
	struct keyval kv[NR_CONFIG_KEYS];
	int err;

	snprintf(dom, sizeof(dom), "/local/domain/%" PRIu32, a->domid);
	if (!exists(xs, t, dom))
		return -ENOENT;
	snprintf(dom, sizeof(dom), "/local/domain/%" PRIu32, a->be);
	if (!exists(xs, t, dom))
		return -ENOENT;
	snprintf(fe, sizeof(fe), "/local/domain/%" PRIu32 "/device/vgpu/%" PRIu32,
		 a->domid, a->devid);
	snprintf(be, sizeof(be), "/local/domain/%" PRIu32 "/backend/vgpu/%" PRIu32 "/%" PRIu32,
		 a->be, a->domid, a->devid);
	if (exists(xs, t, be) || exists(xs, t, fe))
		return -EEXIST;

	err = mkdir_perms(xs, t, fe, fe_perms);
	if (!err)
		err = put(xs, t, fe, "backend", be, fe_perms);
	snprintf(id, sizeof(id), "%" PRIu32, a->be);
	if (!err)
		err = put(xs, t, fe, "backend-id", id, fe_perms);
	if (!err)
		err = put(xs, t, fe, "state", "1", fe_perms);

	if (!err)
		err = mkdir_perms(xs, t, be, be_perms);
	if (!err)
		err = put(xs, t, be, "frontend", fe, be_perms);
	snprintf(id, sizeof(id), "%" PRIu32, a->domid);
	if (!err)
		err = put(xs, t, be, "frontend-id", id, be_perms);
	if (!err)
		err = put(xs, t, be, "online", "1", be_perms);
	if (!err)
		err = put(xs, t, be, "state", "1", be_perms);
	config_keys(a->c, kv);
	for (unsigned int i = 0; !err && i < NR_CONFIG_KEYS; i++)
		err = put(xs, t, be, kv[i].key, kv[i].val, be_perms);
	return err;
}

int xsa_attach(struct xs_handle *xs, const struct vm_conf *c, uint32_t domid,
	       uint32_t be_domid, uint32_t devid)
{
	struct attach_args a = { c, domid, be_domid, devid };

	return transact(xs, attach_body, &a);
}

/*
 * Removes, in @t, every backend directory of @domid (under any backend
 * domain: the paths come from domids, never from the guest's frontend
 * directory) and the domain's frontend devices.
 */
static int remove_devices(struct xs_handle *xs, xs_transaction_t t, uint32_t domid)
{
	char fe[XS_PATH_MAX], be[XS_PATH_MAX];
	unsigned int nb;
	char **bes = xs_directory(xs, t, "/local/domain", &nb);
	int err = 0;

	if (!bes)
		return errno ? -errno : -EIO;
	for (unsigned int b = 0; !err && b < nb; b++) {
		uint64_t id;

		if (parse_u64(bes[b], &id) || id > UINT32_MAX)
			continue;
		snprintf(be, sizeof(be), "/local/domain/%" PRIu64 "/backend/vgpu/%" PRIu32,
			 id, domid);
		if (exists(xs, t, be) && !xs_rm(xs, t, be))
			err = errno ? -errno : -EIO;
	}
	free(bes);
	snprintf(fe, sizeof(fe), "/local/domain/%" PRIu32 "/device/vgpu", domid);
	if (!err && exists(xs, t, fe) && !xs_rm(xs, t, fe))
		err = errno ? -errno : -EIO;
	return err;
}

static int reattach_body(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct attach_args *a = arg;
	char be[XS_PATH_MAX];
	int err;

	snprintf(be, sizeof(be), "/local/domain/%" PRIu32 "/backend/vgpu/%" PRIu32 "/%" PRIu32,
		 a->be, a->domid, a->devid);
	if (exists(xs, t, be))
		return -EEXIST;
	err = remove_devices(xs, t, a->domid);
	return err ? err : attach_body(xs, t, arg);
}

int xsa_reattach(struct xs_handle *xs, const struct vm_conf *c, uint32_t domid,
		 uint32_t be_domid, uint32_t devid)
{
	struct attach_args a = { c, domid, be_domid, devid };

	return transact(xs, reattach_body, &a);
}

int xsa_has_frontend(struct xs_handle *xs, uint32_t domid)
{
	char fe[XS_PATH_MAX];

	snprintf(fe, sizeof(fe), "/local/domain/%" PRIu32 "/device/vgpu", domid);
	return exists(xs, XBT_NULL, fe);
}

struct detach_args {
	uint32_t domid, be;
};

static int detach_body(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct detach_args *a = arg;
	char fe[XS_PATH_MAX], be[XS_PATH_MAX];
	int found = 0;

	snprintf(fe, sizeof(fe), "/local/domain/%" PRIu32 "/device/vgpu", a->domid);
	snprintf(be, sizeof(be), "/local/domain/%" PRIu32 "/backend/vgpu/%" PRIu32,
		 a->be, a->domid);
	if (exists(xs, t, be)) {
		found = 1;
		if (!xs_rm(xs, t, be))
			return errno ? -errno : -EIO;
	}
	if (exists(xs, t, fe)) {
		found = 1;
		if (!xs_rm(xs, t, fe))
			return errno ? -errno : -EIO;
	}
	return found ? 0 : -ENOENT;
}

int xsa_detach(struct xs_handle *xs, uint32_t domid, uint32_t be_domid)
{
	struct detach_args a = { domid, be_domid };

	return transact(xs, detach_body, &a);
}

struct apply_args {
	const struct vm_conf *c;
	uint32_t domid, be;
	unsigned int changed;
};

static int apply_body(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	struct apply_args *a = arg;
	struct keyval kv[NR_CONFIG_KEYS];
	char dir[XS_PATH_MAX], path[XS_PATH_MAX + 32];
	unsigned int n;
	char **devs;
	int err = 0;

	a->changed = 0;
	snprintf(dir, sizeof(dir), "/local/domain/%" PRIu32 "/backend/vgpu/%" PRIu32,
		 a->be, a->domid);
	devs = xs_directory(xs, t, dir, &n);
	if (!devs || !n) {
		free(devs);
		return -ENOENT;
	}
	config_keys(a->c, kv);
	for (unsigned int d = 0; !err && d < n; d++) {
		uint64_t devid;

		if (parse_u64(devs[d], &devid))
			continue;	/* not a device of ours */
		for (unsigned int i = 0; !err && i < NR_CONFIG_KEYS; i++) {
			char *old;

			snprintf(path, sizeof(path), "%s/%s/%s", dir, devs[d], kv[i].key);
			old = xs_read(xs, t, path, NULL);
			if (!old || strcmp(old, kv[i].val) != 0) {
				/* New keys inherit the device directory's permissions. */
				if (xs_write(xs, t, path, kv[i].val, (unsigned int)strlen(kv[i].val)))
					a->changed++;
				else
					err = errno ? -errno : -EIO;
			}
			free(old);
		}
	}
	free(devs);
	return err;
}

int xsa_apply(struct xs_handle *xs, const struct vm_conf *c, uint32_t domid,
	      uint32_t be_domid, unsigned int *changed)
{
	struct apply_args a = { c, domid, be_domid, 0 };
	int err = transact(xs, apply_body, &a);

	*changed = err ? 0 : a.changed;
	return err;
}

int xsa_attached(struct xs_handle *xs, uint32_t domid, uint32_t be_domid)
{
	char be[XS_PATH_MAX];

	snprintf(be, sizeof(be), "/local/domain/%" PRIu32 "/backend/vgpu/%" PRIu32,
		 be_domid, domid);
	return exists(xs, XBT_NULL, be);
}

int xsa_remove_orphans(struct xs_handle *xs, int (*alive)(void *arg, uint32_t domid),
		       void (*report)(void *arg, uint32_t be, uint32_t domid, int err),
		       void *arg)
{
	unsigned int nb, nd;
	char **bes = xs_directory(xs, XBT_NULL, "/local/domain", &nb);
	int removed = 0;

	if (!bes)
		return errno ? -errno : -EIO;
	for (unsigned int b = 0; b < nb; b++) {
		char dir[XS_PATH_MAX];
		uint64_t be;
		char **doms;

		if (parse_u64(bes[b], &be) || be > UINT32_MAX)
			continue;
		snprintf(dir, sizeof(dir), "/local/domain/%s/backend/vgpu", bes[b]);
		doms = xs_directory(xs, XBT_NULL, dir, &nd);
		for (unsigned int d = 0; doms && d < nd; d++) {
			uint64_t dom;
			char be_dir[XS_PATH_MAX + 16];
			int err = 0;

			if (parse_u64(doms[d], &dom) || dom > UINT32_MAX ||
			    alive(arg, (uint32_t)dom))
				continue;
			snprintf(be_dir, sizeof(be_dir), "%s/%s", dir, doms[d]);
			if (!xs_rm(xs, XBT_NULL, be_dir) && errno != ENOENT)
				err = -errno;
			else
				removed++;
			report(arg, (uint32_t)be, (uint32_t)dom, err);
		}
		free(doms);
	}
	free(bes);
	return removed;
}
