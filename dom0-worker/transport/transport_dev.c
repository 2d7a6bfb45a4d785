// SPDX-License-Identifier: MIT
/* The real transport: /dev/vgpu-back (include/uapi/linux/vgpu_back.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "transport.h"

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
	atomic_init(&t->copies, 0);
	return 0;
}
