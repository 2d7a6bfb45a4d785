// SPDX-License-Identifier: MIT
/*
 * A fake libxenctrl: a table of domains for xc_domain_getinfolist() and a
 * settable xc_physinfo(), and the toolstack's side of creating and
 * destroying a domain in the fake xenstore (see xen_fake.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

#include "xen_fake.h"

#define MAX_DOMS 64

struct xc_interface_core {
	int unused;
};

struct fake_dom {
	uint32_t domid;
	uint8_t handle[16];
	int dying;
};

int fake_xc_unavailable;
uint32_t fake_xc_caps;

static struct xc_interface_core the_xc;
static struct fake_dom doms[MAX_DOMS];
static unsigned int ndoms;

xc_interface *xc_interface_open(xentoollog_logger *logger,
				xentoollog_logger *dombuild_logger, unsigned int open_flags)
{
	(void)logger;
	(void)dombuild_logger;
	(void)open_flags;
	if (fake_xc_unavailable) {
		errno = EACCES;
		return NULL;
	}
	return &the_xc;
}

int xc_interface_close(xc_interface *xch)
{
	(void)xch;
	return 0;
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain,
			  unsigned int max_domains, xc_domaininfo_t *info)
{
	unsigned int n = 0;

	(void)xch;
	/* doms[] is kept sorted by domid. */
	for (unsigned int i = 0; i < ndoms && n < max_domains; i++) {
		if (doms[i].domid < first_domain)
			continue;
		memset(&info[n], 0, sizeof(info[n]));
		info[n].domain = (domid_t)doms[i].domid;
		memcpy(info[n].handle, doms[i].handle, 16);
		info[n].flags = doms[i].dying ? XEN_DOMINF_dying : XEN_DOMINF_running;
		n++;
	}
	return (int)n;
}

int xc_physinfo(xc_interface *xch, xc_physinfo_t *info)
{
	(void)xch;
	memset(info, 0, sizeof(*info));
	info->nr_cpus = 2;
	info->capabilities = fake_xc_caps;
	return 0;
}

static int parse_uuid(const char *s, uint8_t h[16])
{
	unsigned int k = 0;

	for (const char *p = s; *p && k < 16; p++) {
		unsigned int v;

		if (*p == '-')
			continue;
		if (sscanf(p, "%2x", &v) != 1)
			return -1;
		h[k++] = (uint8_t)v;
		p++;
	}
	return k == 16 ? 0 : -1;
}

int fake_xen_add_domain(uint32_t domid, const char *name, const char *uuid)
{
	struct xs_permissions dom_perms[2] = {
		{ .id = 0, .perms = XS_PERM_NONE }, { .id = domid, .perms = XS_PERM_READ },
	};
	struct xs_permissions dev_perms[2] = {
		{ .id = domid, .perms = XS_PERM_NONE }, { .id = 0, .perms = XS_PERM_READ },
	};
	struct fake_dom d = { .domid = domid };
	char path[64];
	unsigned int i;

	if (ndoms >= MAX_DOMS || parse_uuid(uuid, d.handle))
		return -1;
	for (i = ndoms; i > 0 && doms[i - 1].domid > domid; i--)
		doms[i] = doms[i - 1];
	doms[i] = d;
	ndoms++;
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	fake_xs_write(path, name);
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	fake_xs_set_perms(path, dom_perms, 2);
	fake_xs_set_perms(strcat(path, "/name"), dom_perms, 2);
	snprintf(path, sizeof(path), "/local/domain/%u/device", domid);
	fake_xs_write(path, "");
	fake_xs_set_perms(path, dev_perms, 2);
	fake_xs_fire("@introduceDomain");
	return 0;
}

void fake_xen_remove_domain(uint32_t domid)
{
	char path[64];
	unsigned int i, k = 0;

	for (i = 0; i < ndoms; i++)
		if (doms[i].domid != domid)
			doms[k++] = doms[i];
	ndoms = k;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	fake_xs_rm(path);
	fake_xs_fire("@releaseDomain");
}

void fake_xen_set_dying(uint32_t domid)
{
	for (unsigned int i = 0; i < ndoms; i++)
		if (doms[i].domid == domid)
			doms[i].dying = 1;
}

void fake_xen_reset(void)
{
	fake_xs_reset();
	ndoms = 0;
	fake_xc_unavailable = 0;
	fake_xc_caps = XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_directio;
	fake_xen_add_domain(0, "Domain-0", "00000000-0000-0000-0000-000000000000");
}
