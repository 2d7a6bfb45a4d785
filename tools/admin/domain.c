// SPDX-License-Identifier: MIT
/* Finding Xen domains (see domain.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "domain.h"
#include "lib/parse.h"

#define DOM_BATCH 256

static void uuid_str(const uint8_t h[16], char *out)
{
	snprintf(out, VM_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9],
		 h[10], h[11], h[12], h[13], h[14], h[15]);
}

int dom_list(void *xc, struct dom_info **out, unsigned int *n)
{
	xc_domaininfo_t info[DOM_BATCH];
	struct dom_info *list = NULL;
	unsigned int have = 0;
	uint32_t first = 0;

	for (;;) {
		int got = xc_domain_getinfolist(xc, first, DOM_BATCH, info);
		struct dom_info *grown;

		if (got < 0) {
			int err = errno ? -errno : -EIO;

			free(list);
			return err;
		}
		if (got == 0)
			break;
		grown = realloc(list, (have + (unsigned int)got) * sizeof(*list));
		if (!grown) {
			free(list);
			return -ENOMEM;
		}
		list = grown;
		for (int i = 0; i < got; i++) {
			struct dom_info *d = &list[have++];

			d->domid = info[i].domain;
			uuid_str(info[i].handle, d->uuid);
			d->dying = !!(info[i].flags & XEN_DOMINF_dying);
		}
		first = info[got - 1].domain + 1u;
		if (got < DOM_BATCH)
			break;
	}
	*out = list;
	*n = have;
	return 0;
}

/* Looks a running domain up by @domid (if @uuid_in is NULL) or by UUID. */
static int find(void *xc, const char *uuid_in, uint32_t *domid, char *uuid_out)
{
	struct dom_info *list;
	unsigned int n;
	int err = -ENOENT;

	if (dom_list(xc, &list, &n))
		return -EIO;
	for (unsigned int i = 0; i < n; i++) {
		if (list[i].dying)
			continue;
		if (uuid_in ? strcmp(list[i].uuid, uuid_in) == 0 : list[i].domid == *domid) {
			*domid = list[i].domid;
			if (uuid_out)
				memcpy(uuid_out, list[i].uuid, VM_UUID_LEN + 1);
			err = 0;
			break;
		}
	}
	free(list);
	return err;
}

int dom_by_uuid(void *xc, const char *uuid, uint32_t *domid)
{
	return find(xc, uuid, domid, NULL);
}

int dom_uuid(void *xc, uint32_t domid, char *uuid)
{
	return find(xc, NULL, &domid, uuid);
}

int dom_by_name(struct xs_handle *xs, const char *name, uint32_t *domid)
{
	unsigned int n;
	char **ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	int err = -ENOENT;

	if (!ids)
		return -ENOENT;
	for (unsigned int i = 0; i < n && err; i++) {
		char path[64];
		uint64_t id;
		char *v;

		if (parse_u64(ids[i], &id) || id > UINT32_MAX)
			continue;
		snprintf(path, sizeof(path), "/local/domain/%s/name", ids[i]);
		v = xs_read(xs, XBT_NULL, path, NULL);
		if (v && strcmp(v, name) == 0) {
			*domid = (uint32_t)id;
			err = 0;
		}
		free(v);
	}
	free(ids);
	return err;
}

int dom_backend(struct xs_handle *xs, void *xc, const char *backend, uint32_t *domid)
{
	char uuid[VM_UUID_LEN + 1];
	uint64_t id;

	if (parse_u64(backend, &id) == 0) {
		if (id > UINT32_MAX)
			return -ENOENT;
		*domid = (uint32_t)id;
		return dom_uuid(xc, *domid, uuid);
	}
	return dom_by_name(xs, backend, domid);
}
