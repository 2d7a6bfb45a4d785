/* SPDX-License-Identifier: MIT */
/*
 * The worker's control socket: a Unix stream socket (mode 0600, in a
 * directory created 0700; 0660 and 0750 for a control-group) on which a client sends one command line and
 * reads the answer until the worker closes the connection.
 *
 * The worker is one thread, so a connection is served whole when it is
 * accepted: a client gets CTLSOCK_IO_TIMEOUT_MS to send its line and to
 * take the answer, then it is dropped. Guests cannot reach it; only root
 * in Dom0 can (and the control-group: vgpu-exporter, an unprivileged
 * reader), so this bounds a stuck client, not a hostile one.
 */
#ifndef VGPU_WORKER_CTLSOCK_H
#define VGPU_WORKER_CTLSOCK_H

#include <stdio.h>

#define CTLSOCK_LINE_MAX	256
#define CTLSOCK_IO_TIMEOUT_MS	200

struct ctlsock {
	int fd;			/* listening socket */
	char path[108];		/* sizeof(sun_path) */
};

/* Writes the answer to @cmd (no newline) to @out. */
typedef int (*ctlsock_handler)(void *arg, const char *cmd, FILE *out);

/*
 * Creates the socket at @path: a stale socket there is replaced, its
 * directory is created if missing. 0 or -errno (-ENAMETOOLONG, -EEXIST
 * when something other than a socket is there).
 */
int ctlsock_open(struct ctlsock *cs, const char *path);
/*
 * Lets group @group connect too: the socket root:GROUP 0660, its directory
 * (when the worker owns it) GROUP 0750. Changing a file's group needs
 * CAP_CHOWN or membership of that group (the unit's SupplementaryGroups).
 * 0 or -errno (-ENOENT: no such group); on a failure the socket stays 0600.
 */
int ctlsock_share(struct ctlsock *cs, const char *group);
/* Closes and unlinks it. */
void ctlsock_close(struct ctlsock *cs);

/*
 * Accepts one waiting connection (the socket is non-blocking: 0 if none),
 * reads its line, answers through @handler, closes it. 1 if a client was
 * served, 0 if none waited, -errno on a failure of the listening socket.
 */
int ctlsock_serve(struct ctlsock *cs, ctlsock_handler handler, void *arg);

/* The client is lib/ctlsock_client.h, shared with vgpu-admin. */

#endif
