/* SPDX-License-Identifier: MIT */
/*
 * How the worker talks to the backend: an ops table, so the real
 * /dev/vgpu-back (transport_dev.c) and the simulated backend of the tests
 * and benchmarks (tests/sim/simbe.c) feed the worker the same way. Every
 * op follows include/uapi/linux/vgpu_back.h.
 */
#ifndef VGPU_WORKER_TRANSPORT_H
#define VGPU_WORKER_TRANSPORT_H

#include <stdatomic.h>
#include <stdint.h>

#include <uapi/linux/vgpu_back.h>

struct transport;

struct transport_ops {
	/* A file descriptor that polls POLLIN when events are waiting. */
	int (*pollfd)(struct transport *t);
	/*
	 * Reads up to @max events without blocking. Returns how many (0 when
	 * none is waiting) or -errno.
	 */
	int (*read_events)(struct transport *t, struct vgpu_back_event *ev,
			   unsigned int max);
	/*
	 * Writes @n completions. Returns how many the backend accepted; the
	 * backend stops a batch at an unknown handle, and returns -EINVAL
	 * when the first one is unknown. Other failures: -errno. On shared
	 * rings (rings below) all are accepted: the backend drops an unknown
	 * handle when it takes the completions, which is at the latest the
	 * next poll of pollfd() (the worker's loop polls it every turn, with
	 * no events asked for when it wants none) or close().
	 */
	int (*write_completions)(struct transport *t,
				 const struct vgpu_back_completion *c,
				 unsigned int n);
	/*
	 * Moves @len bytes between the request's guest buffer at @offset and
	 * @buf; @direction is VGPU_BACK_COPY_FROM_GUEST or _TO_GUEST.
	 * 0 or -errno.
	 */
	int (*copy)(struct transport *t, uint64_t handle, uint64_t offset,
		    void *buf, uint64_t len, uint32_t direction);
	void (*close)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	void *priv;
	int fd;
	/*
	 * 1: events and completions go through memory shared with the
	 * backend: read_events() makes no system call, write_completions()
	 * only when the completion ring is full (counted in enters).
	 */
	int rings;
	atomic_ullong copies;	/* copy() calls, from any thread */
	atomic_ullong enters;	/* VGPU_BACK_IOC_RINGS_ENTER calls */
};

/*
 * Opens the backend's character device at @path (non-blocking) and checks
 * its ABI version. 0 or -errno (-EPROTO: another ABI version).
 */
int transport_dev_open(struct transport *t, const char *path);

static inline void transport_close(struct transport *t)
{
	if (t->ops)
		t->ops->close(t);
	t->ops = NULL;
}

#endif
