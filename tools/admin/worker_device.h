/* SPDX-License-Identifier: MIT */
/*
 * The worker's `device` answer (Documentation/scheduler.md, "Control
 * socket"): which executor runs and whether it has a GPU, for doctor and
 * inventory.
 */
#ifndef VGPU_ADMIN_WORKER_DEVICE_H
#define VGPU_ADMIN_WORKER_DEVICE_H

#include <stdint.h>

struct worker_device {
	char executor[16];	/* "cpu", "cuda" */
	char name[64];		/* printable ASCII; other bytes become '?' */
	int gpu;		/* 1: a real GPU executes */
	uint64_t mem_total, mem_free;	/* bytes */
};

/*
 * Parses one `device` line. 0, or -EPROTO when it is not one (a worker
 * of an older release answers "error: unknown command").
 */
int worker_device_parse(const char *line, struct worker_device *d);

/* Asks the worker at @sock. 0, -errno of the socket, or -EPROTO. */
int worker_device_query(const char *sock, struct worker_device *d);

#endif
