// SPDX-License-Identifier: MIT
/* The exporter's HTTP side (see http.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

static const char metrics_type[] = "text/plain; version=0.0.4; charset=utf-8";

static const char *end_of_headers(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return buf + i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return buf + i + 3;
	}
	return NULL;
}

enum http_verdict http_judge(const char *buf, size_t len)
{
	char line[256], method[16], target[200], version[16], extra;
	const char *eol;
	size_t n;

	if (!end_of_headers(buf, len))
		return len >= HTTP_REQ_MAX ? HTTP_TOO_LARGE : HTTP_INCOMPLETE;
	eol = memchr(buf, '\n', len);
	n = (size_t)(eol - buf);
	if (n && buf[n - 1] == '\r')
		n--;
	if (n >= sizeof(line) || memchr(buf, '\0', n))
		return HTTP_BAD_REQUEST;
	memcpy(line, buf, n);
	line[n] = '\0';
	/* METHOD SP TARGET SP HTTP/1.x, nothing more. */
	if (sscanf(line, "%15s %199s %15s %c", method, target, version,
		   &extra) != 3 || strncmp(version, "HTTP/1.", 7) ||
	    target[0] != '/')
		return HTTP_BAD_REQUEST;
	if (strcmp(method, "GET"))
		return HTTP_BAD_METHOD;
	n = strcspn(target, "?");
	if (n != 8 || strncmp(target, "/metrics", 8))
		return HTTP_NOT_FOUND;
	return HTTP_METRICS;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for @events until @deadline (ms). 0, or -ETIMEDOUT / -errno. */
static int wait_until(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long long left = deadline - now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	while (len) {
		ssize_t r = send(fd, buf, len, MSG_NOSIGNAL);
		int err;

		if (r > 0) {
			buf += r;
			len -= (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN)
			return -errno;
		err = wait_until(fd, POLLOUT, deadline);
		if (err)
			return err;
	}
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	default: return "Internal Server Error";
	}
}

static int respond(int fd, int status, const char *body, size_t len,
		   long long deadline)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
		     status, reason(status),
		     status == 200 ? metrics_type : "text/plain; charset=utf-8",
		     len, status == 405 ? "Allow: GET\r\n" : "");
	if (send_all(fd, head, (size_t)n, deadline))
		return -ETIMEDOUT;
	if (send_all(fd, body, len, deadline))
		return -ETIMEDOUT;
	shutdown(fd, SHUT_WR);
	return status;
}

static int respond_error(int fd, int status, long long deadline)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));

	return respond(fd, status, body, (size_t)n, deadline);
}

int http_serve(int fd, int timeout_ms, http_body_fn body, void *arg)
{
	long long deadline = now_ms() + timeout_ms;
	char buf[HTTP_REQ_MAX];
	enum http_verdict v = HTTP_INCOMPLETE;
	size_t len = 0;
	char *out = NULL;
	size_t outlen = 0;
	int r;

	while (v == HTTP_INCOMPLETE) {
		ssize_t got = recv(fd, buf + len, sizeof(buf) - len, 0);

		if (got > 0) {
			len += (size_t)got;
			v = http_judge(buf, len);
			continue;
		}
		if (got == 0)
			return -ECONNRESET;	/* it left before asking */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		r = wait_until(fd, POLLIN, deadline);
		if (r == -ETIMEDOUT) {
			/* Too slow: a short 408 at most, then it is dropped. */
			respond_error(fd, 408, now_ms() + 100);
			return -ETIMEDOUT;
		}
		if (r)
			return r;
	}
	/* The answer gets its own deadline: the request may have used all. */
	deadline = now_ms() + timeout_ms;
	if (v != HTTP_METRICS)
		return respond_error(fd, (int)v, deadline);
	if (body(arg, &out, &outlen))
		return respond_error(fd, 500, deadline);
	r = respond(fd, 200, out, outlen, deadline);
	free(out);
	return r;
}

static int split_addr(const char *addr, char *host, size_t hsize,
		      const char **port)
{
	const char *colon;
	size_t n;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - addr - 1);
		if (n >= hsize)
			return -1;
		memcpy(host, addr + 1, n);
		host[n] = '\0';
		*port = close + 2;
		return 0;
	}
	colon = strrchr(addr, ':');
	if (!colon || strchr(addr, ':') != colon)
		return -1;
	n = (size_t)(colon - addr);
	if (n >= hsize)
		return -1;
	memcpy(host, addr, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

int http_listen(const char *addr, char *err, size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	};
	struct addrinfo *ai;
	char host[64];
	const char *port;
	int fd, one = 1, r;

	/* getaddrinfo() takes 99999 as a port: digits, 0..65535 only. */
	if (split_addr(addr, host, sizeof(host), &port) || !*host || !*port ||
	    strlen(port) > 5 || port[strspn(port, "0123456789")] ||
	    strtoul(port, NULL, 10) > 65535) {
		snprintf(err, errlen, "'%s' is not ADDR:PORT ([ADDR]:PORT for IPv6)",
			 addr);
		return -1;
	}
	r = getaddrinfo(host, port, &hints, &ai);
	if (r) {
		snprintf(err, errlen, "'%s': %s", addr, gai_strerror(r));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
		snprintf(err, errlen, "%s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}
