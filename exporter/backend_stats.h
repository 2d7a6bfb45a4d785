/* SPDX-License-Identifier: MIT */
/*
 * vgpu-back's counters as sysfs shows them (Documentation/backend.md):
 * the module's totals in SYSFS/module/vgpu_back/statistics/ and each
 * xenbus device's in SYSFS/bus/xen-backend/devices/vgpu-D-N/statistics/,
 * one decimal number per file. Read only; a file that is missing or does
 * not hold a number is left out (an older module has fewer).
 */
#ifndef VGPU_EXPORTER_BACKEND_STATS_H
#define VGPU_EXPORTER_BACKEND_STATS_H

#include <stddef.h>

#define BSTAT_MAX_DEVICES	4096	/* more are left out (and counted) */

struct bstat_name {
	const char *file;	/* the sysfs file */
	const char *metric;	/* the metric's name after vgpu_backend_ */
	int counter;		/* 1: counter, 0: gauge */
	int device;		/* per device; else the module only */
	int module;		/* the module's totals */
	const char *help;
};

extern const struct bstat_name bstat_names[];
extern const unsigned int bstat_count;

struct bstat_values {
	long long v[32];
	unsigned long have;	/* bit i: v[i] was read */
};

struct bstat_device {
	unsigned int domid, devid;
	struct bstat_values s;
};

/* The module's totals. 0, or -ENOENT when the module shows none. */
int bstat_read_module(const char *sysfs, struct bstat_values *out);

/*
 * Every vgpu device, sorted by domid and devid: a malloc'ed array in
 * *@devs (free it) of *@n. *@skipped counts devices over
 * BSTAT_MAX_DEVICES. 0 (also when there is none), or -errno.
 */
int bstat_read_devices(const char *sysfs, struct bstat_device **devs,
		       size_t *n, size_t *skipped);

#endif
