// SPDX-License-Identifier: MIT
/* vgpu-back's counters from sysfs (see backend_stats.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_stats.h"

/* The backend's names (backend/vgpu_back_stats.c), in the order shown. */
const struct bstat_name bstat_names[] = {
	{ "requests", "requests_total", 1, 1, 1, "Requests taken off the guests' rings." },
	{ "responses", "responses_total", 1, 1, 1, "Responses put on the guests' rings." },
	{ "errors", "errors_total", 1, 1, 1, "Answers with a status other than okay (the backend's and the worker's)." },
	{ "invalid", "invalid_total", 1, 1, 1, "Of the errors, INVALID decided by the backend's checks." },
	{ "no_worker", "no_worker_total", 1, 1, 1, "Of the errors, NO_WORKER (no worker had the device open)." },
	{ "dropped", "dropped_total", 1, 1, 1, "Answers for a ring that had disconnected meanwhile (not delivered)." },
	{ "copy_ops", "copy_ops_total", 1, 1, 1, "Grant copy operations issued." },
	{ "copy_bytes", "copy_bytes_total", 1, 1, 1, "Bytes moved by successful grant copies." },
	{ "copy_errors", "copy_errors_total", 1, 1, 1, "Grant copy operations that failed." },
	{ "stalls", "stalls_total", 1, 1, 1, "Times a ring was stopped by back-pressure (the worker held its queue limit)." },
	{ "ring_errors", "ring_errors_total", 1, 1, 1, "Impossible ring indices seen (each disconnects its device)." },
	{ "connects", "connects_total", 1, 1, 1, "Ring connections made." },
	{ "disconnects", "disconnects_total", 1, 1, 1, "Ring connections torn down." },
	{ "outstanding", "outstanding", 0, 1, 1, "Requests queued for or held by the worker." },
	{ "grefs_held", "grefs_held", 0, 1, 1, "Data grant references the backend keeps for those requests." },
	{ "indirect_pages", "indirect_pages", 0, 1, 1, "Pages holding references copied from indirect pages." },
	{ "queued", "queued", 0, 1, 0, "Requests of the device the worker has not read yet." },
	{ "devices", "devices", 0, 0, 1, "Xenbus devices bound to vgpu-back." },
	{ "worker_open", "worker_open", 0, 0, 1, "1 while a worker has /dev/vgpu-back open." },
};
const unsigned int bstat_count = sizeof(bstat_names) / sizeof(bstat_names[0]);
_Static_assert(sizeof(bstat_names) / sizeof(bstat_names[0]) <=
	       sizeof(((struct bstat_values *)0)->v) / sizeof(long long),
	       "struct bstat_values holds every name");

/* One decimal number and a newline, as sysfs_emit() writes it. */
static int read_number(int dirfd, const char *name, long long *out)
{
	char buf[32], *end;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	buf[n] = '\0';
	errno = 0;
	*out = strtoll(buf, &end, 10);
	if (errno || end == buf || (*end && strcmp(end, "\n")))
		return -EINVAL;
	return 0;
}

static int read_dir(const char *path, int device, struct bstat_values *out)
{
	int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	memset(out, 0, sizeof(*out));
	if (dirfd < 0)
		return -errno;
	for (unsigned int i = 0; i < bstat_count; i++) {
		const struct bstat_name *b = &bstat_names[i];

		if ((device ? b->device : b->module) &&
		    read_number(dirfd, b->file, &out->v[i]) == 0)
			out->have |= 1ul << i;
	}
	close(dirfd);
	return 0;
}

int bstat_read_module(const char *sysfs, struct bstat_values *out)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/module/vgpu_back/statistics", sysfs);
	return read_dir(path, 0, out) ? -ENOENT : 0;
}

static int by_device(const void *a, const void *b)
{
	const struct bstat_device *x = a, *y = b;

	if (x->domid != y->domid)
		return x->domid < y->domid ? -1 : 1;
	return x->devid < y->devid ? -1 : x->devid > y->devid;
}

int bstat_read_devices(const char *sysfs, struct bstat_device **devs,
		       size_t *n, size_t *skipped)
{
	char path[512];
	struct dirent *de;
	size_t cap = 16;
	DIR *d;

	*devs = NULL;
	*n = *skipped = 0;
	snprintf(path, sizeof(path), "%s/bus/xen-backend/devices", sysfs);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	*devs = calloc(cap, sizeof(**devs));
	if (!*devs) {
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		unsigned int domid, devid;
		char tail, sub[800];
		struct bstat_device *x;

		/* vgpu-<domid>-<devid>: the xenbus backend device's name. */
		if (sscanf(de->d_name, "vgpu-%u-%u%c", &domid, &devid, &tail) != 2 ||
		    domid > 65535 || devid > 65535)
			continue;
		if (*n == BSTAT_MAX_DEVICES) {
			(*skipped)++;
			continue;
		}
		if (*n == cap) {
			struct bstat_device *g = reallocarray(*devs, cap * 2,
							      sizeof(**devs));

			if (!g) {
				closedir(d);
				free(*devs);
				*devs = NULL;
				*n = 0;
				return -ENOMEM;
			}
			*devs = g;
			cap *= 2;
		}
		snprintf(sub, sizeof(sub), "%s/%s/statistics", path, de->d_name);
		x = &(*devs)[*n];
		if (read_dir(sub, 1, &x->s))
			continue;	/* gone meanwhile, or no statistics */
		x->domid = domid;
		x->devid = devid;
		(*n)++;
	}
	closedir(d);
	qsort(*devs, *n, sizeof(**devs), by_device);
	return 0;
}
