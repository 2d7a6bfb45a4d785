/* SPDX-License-Identifier: MIT */
/*
 * The client of vgpu-worker's control socket (Documentation/scheduler.md,
 * "Control socket"), for `vgpu-worker --query` and vgpu-admin: send one
 * command line, read the answer until the worker closes the connection.
 * Each wait is bounded, and so is the answer, so a stuck or runaway
 * worker cannot hang or exhaust the caller.
 */
#ifndef VGPU_LIB_CTLSOCK_CLIENT_H
#define VGPU_LIB_CTLSOCK_CLIENT_H

#include <stddef.h>

#define CTLSOCK_ANSWER_MAX	(4u << 20)	/* bytes; more is -EFBIG */
#define CTLSOCK_CLIENT_TIMEOUT_MS 2000	/* per wait; then -ETIMEDOUT */

/*
 * Sends @cmd to the socket at @path; *@answer is a malloc'ed,
 * NUL-terminated copy of the reply (free it). 0 or -errno.
 */
int ctlsock_query(const char *path, const char *cmd, char **answer);

#endif
