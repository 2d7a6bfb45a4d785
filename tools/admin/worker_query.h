/* SPDX-License-Identifier: MIT */
/*
 * A client of the worker's control socket (Documentation/scheduler.md,
 * "Control socket"): send one command line, read the answer until the
 * worker closes the connection.
 */
#ifndef VGPU_ADMIN_WORKER_QUERY_H
#define VGPU_ADMIN_WORKER_QUERY_H

#include <stddef.h>

#define WORKER_ANSWER_MAX (4u << 20)	/* bytes; more is an error */
#define WORKER_TIMEOUT_MS 2000

/*
 * Sends @cmd to the socket at @path; *@answer is a malloc'ed,
 * NUL-terminated copy of the reply (free it). 0 or -errno.
 */
int worker_query(const char *path, const char *cmd, char **answer);

#endif
