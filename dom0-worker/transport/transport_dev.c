// SPDX-License-Identifier: MIT
/*
 * The real transport: /dev/vgpu-back (include/uapi/linux/vgpu_back.h).
 *
 * When the backend offers them (VGPU_BACK_FEAT_RINGS), events and
 * completions go through the shared rings (transport_ring.c): no read() or
 * write() at all, the backend takes the completions at the worker's next
 * ppoll() of the device (or at close). An older backend gets read() and
 * write().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "transport.h"
#include "transport_ring.h"

struct dev_rings {
	struct tring r;
	void *area;
	size_t len;
};

static int dev_pollfd(struct transport *t)
{
	return t->fd;
}

static int dev_read_events(struct transport *t, struct vgpu_back_event *ev,
			   unsigned int max)
{
	ssize_t r;

	do
		r = read(t->fd, ev, (size_t)max * sizeof(*ev));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (r % (ssize_t)sizeof(*ev)) {
		/* The ABI promises whole events: a torn one is a broken device. */
		log_error("%s: read returned %zd bytes, not whole events",
			  "vgpu-back", r);
		return -EPROTO;
	}
	return (int)(r / (ssize_t)sizeof(*ev));
}

static int dev_write_completions(struct transport *t,
				 const struct vgpu_back_completion *c,
				 unsigned int n)
{
	ssize_t r;

	do
		r = write(t->fd, c, (size_t)n * sizeof(*c));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return (int)(r / (ssize_t)sizeof(*c));
}

static int dev_copy(struct transport *t, uint64_t handle, uint64_t offset,
		    void *buf, uint64_t len, uint32_t direction)
{
	struct vgpu_back_copy cp = {
		.handle = handle,
		.offset = offset,
		.len = len,
		.uaddr = (uint64_t)(uintptr_t)buf,
		.direction = direction,
	};
	int r;

	do
		r = ioctl(t->fd, VGPU_BACK_IOC_COPY, &cp);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static void dev_close(struct transport *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static int rings_read_events(struct transport *t, struct vgpu_back_event *ev,
			     unsigned int max)
{
	struct dev_rings *dr = t->priv;
	int n = tring_read_events(&dr->r, ev, max);

	if (n < 0)
		log_error("%s: the backend's event index is impossible",
			  "vgpu-back");
	return n;
}

/* Ring the doorbell without waiting: the backend takes what is there. */
static int rings_enter(struct transport *t)
{
	int r;

	atomic_fetch_add_explicit(&t->enters, 1, memory_order_relaxed);
	do
		r = ioctl(t->fd, VGPU_BACK_IOC_RINGS_ENTER);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

/*
 * All @n go on the ring; only a full ring costs a system call. The backend
 * checks them when it takes them: an unknown handle is dropped there (and
 * counted in the header's cp_refused), so this never returns -EINVAL.
 */
static int rings_write_completions(struct transport *t,
				   const struct vgpu_back_completion *c,
				   unsigned int n)
{
	struct dev_rings *dr = t->priv;
	unsigned int done = 0;

	while (done < n) {
		int k = tring_write_completions(&dr->r, c + done, n - done);

		if (k < 0) {
			log_error("%s: the backend's completion index is impossible",
				  "vgpu-back");
			return k;
		}
		done += (unsigned int)k;
		if (done < n) {
			int err = rings_enter(t);

			if (err)
				return err;
		}
	}
	return (int)n;
}

static void rings_close(struct transport *t)
{
	struct dev_rings *dr = t->priv;

	munmap(dr->area, dr->len);
	free(dr);
	t->priv = NULL;
	dev_close(t);	/* the backend takes the last completions */
}

static const struct transport_ops rings_ops = {
	.pollfd = dev_pollfd,
	.read_events = rings_read_events,
	.write_completions = rings_write_completions,
	.copy = dev_copy,
	.close = rings_close,
};

/*
 * Switches @fd to the shared rings. 0, or -errno (the device is in an
 * unknown state then: the caller closes it).
 */
static int rings_open(struct transport *t, int fd, const char *path)
{
	struct vgpu_back_rings_setup s;
	struct dev_rings *dr;
	int err;

	if (ioctl(fd, VGPU_BACK_IOC_RINGS_SETUP, &s) < 0) {
		err = -errno;
		log_error("%s: setting up the shared rings failed: %s", path,
			  strerror(-err));
		return err;
	}
	dr = calloc(1, sizeof(*dr));
	if (!dr)
		return -ENOMEM;
	dr->len = (size_t)s.mmap_len;
	dr->area = mmap(NULL, dr->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			0);
	if (dr->area == MAP_FAILED) {
		err = -errno;
		log_error("%s: mapping the shared rings (%zu bytes) failed: %s",
			  path, dr->len, strerror(-err));
		free(dr);
		return err;
	}
	/* Executor children never touch the rings, nor keep them mapped. */
	if (madvise(dr->area, dr->len, MADV_DONTFORK))
		log_warn("%s: madvise(MADV_DONTFORK) on the shared rings: %s",
			 path, strerror(errno));
	err = tring_init(&dr->r, dr->area, dr->len, &s);
	if (err) {
		log_error("%s: the backend's ring layout is impossible (%u events at %llu, %u completions at %llu, %zu bytes)",
			  path, s.ev_entries, (unsigned long long)s.ev_offset,
			  s.cp_entries, (unsigned long long)s.cp_offset,
			  dr->len);
		munmap(dr->area, dr->len);
		free(dr);
		return err;
	}
	t->ops = &rings_ops;
	t->priv = dr;
	t->rings = 1;
	log_info("%s: shared rings: %u events, %u completions", path,
		 s.ev_entries, s.cp_entries);
	return 0;
}

static const struct transport_ops dev_ops = {
	.pollfd = dev_pollfd,
	.read_events = dev_read_events,
	.write_completions = dev_write_completions,
	.copy = dev_copy,
	.close = dev_close,
};

int transport_dev_open(struct transport *t, const char *path)
{
	int fd, v;

	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	v = ioctl(fd, VGPU_BACK_IOC_ABI_VERSION);
	if (v < 0) {
		int err = errno;

		log_error("%s: ABI version ioctl failed: %s", path,
			  strerror(err));
		close(fd);
		return -err;
	}
	if (v != VGPU_BACK_ABI_VERSION) {
		log_error("%s: backend speaks ABI %d, this worker %d", path, v,
			  VGPU_BACK_ABI_VERSION);
		close(fd);
		return -EPROTO;
	}
	t->ops = &dev_ops;
	t->priv = NULL;
	t->fd = fd;
	t->rings = 0;
	atomic_init(&t->copies, 0);
	atomic_init(&t->enters, 0);
	/* An older backend has no FEATURES ioctl: read() and write(). */
	v = ioctl(fd, VGPU_BACK_IOC_FEATURES);
	if (v > 0 && (v & VGPU_BACK_FEAT_RINGS)) {
		int err = rings_open(t, fd, path);

		if (err) {
			close(fd);
			t->ops = NULL;
			t->fd = -1;
			return err;
		}
	} else {
		log_info("%s: read() and write() (the backend offers no shared rings)",
			 path);
	}
	return 0;
}
