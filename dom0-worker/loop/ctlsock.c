// SPDX-License-Identifier: MIT
/* The worker's control socket, the server side (see ctlsock.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlsock.h"

static int make_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!*path || strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/* The socket's directory, 0700, if it does not exist (one level). */
static void make_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0700) && errno != EEXIST)
		return;	/* bind() reports what matters */
}

int ctlsock_open(struct ctlsock *cs, const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int err, fd;

	cs->fd = -1;
	err = make_addr(&sa, path);
	if (err)
		return err;
	snprintf(cs->path, sizeof(cs->path), "%s", path);
	make_dir(path);
	/* Only one worker runs (the device is exclusive): a socket is stale. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Born 0600: no window in which another user could connect. */
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (!err && chmod(path, 0600))
		err = -errno;
	if (!err && listen(fd, 8))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	cs->fd = fd;
	return 0;
}

int ctlsock_share(struct ctlsock *cs, const char *group)
{
	char dir[sizeof(cs->path)], *slash;
	struct group *g;
	struct stat st;

	errno = 0;
	g = getgrnam(group);
	if (!g)
		return errno ? -errno : -ENOENT;
	snprintf(dir, sizeof(dir), "%s", cs->path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* Only a directory of ours: never open up someone else's. */
		if (stat(dir, &st) == 0 && st.st_uid == geteuid() &&
		    (chown(dir, (uid_t)-1, g->gr_gid) || chmod(dir, 0750)))
			return -errno;
	}
	if (chown(cs->path, (uid_t)-1, g->gr_gid))
		return -errno;
	return chmod(cs->path, 0660) ? -errno : 0;
}

void ctlsock_close(struct ctlsock *cs)
{
	if (cs->fd < 0)
		return;
	close(cs->fd);
	unlink(cs->path);
	cs->fd = -1;
}

static int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, CTLSOCK_IO_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}

/* One line, without its newline; the rest of the input is ignored. */
static int read_line(int fd, char *line, size_t size)
{
	size_t n = 0;

	while (n < size - 1) {
		ssize_t r = read(fd, line + n, size - 1 - n);
		char *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLIN))
				return -ETIMEDOUT;
			continue;
		}
		if (r <= 0)
			break;	/* EOF ends the line too */
		n += (size_t)r;
		line[n] = '\0';
		nl = memchr(line, '\n', n);
		if (nl) {
			*nl = '\0';
			n = (size_t)(nl - line);
			break;
		}
	}
	line[n] = '\0';
	if (n && line[n - 1] == '\r')
		line[n - 1] = '\0';
	return n == size - 1 ? -E2BIG : 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t r = send(fd, buf, len, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT))
				return -ETIMEDOUT;
			continue;
		}
		if (r < 0)
			return -errno;
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

int ctlsock_serve(struct ctlsock *cs, ctlsock_handler handler, void *arg)
{
	char line[CTLSOCK_LINE_MAX];
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int fd;

	fd = accept4(cs->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return 0;
		return -errno;
	}
	if (read_line(fd, line, sizeof(line)) == -E2BIG) {
		write_all(fd, "error: line too long\n", 21);
		close(fd);
		return 1;
	}
	out = open_memstream(&buf, &len);
	if (out) {
		handler(arg, line, out);
		if (fclose(out) == 0)
			write_all(fd, buf, len);
		free(buf);
	}
	close(fd);
	return 1;
}
