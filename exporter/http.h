/* SPDX-License-Identifier: MIT */
/*
 * The exporter's HTTP side: the listening socket and one connection at a
 * time, each with a deadline. Only GET /metrics is served; the request is
 * bounded (HTTP_REQ_MAX) and read within the deadline, else the
 * connection is answered with an error or dropped. A slow or hostile
 * client can hold the exporter for one deadline at most, never the worker
 * (the exporter is a process of its own; Documentation/metrics.md).
 */
#ifndef VGPU_EXPORTER_HTTP_H
#define VGPU_EXPORTER_HTTP_H

#include <stddef.h>

#define HTTP_REQ_MAX		8192	/* request line and headers, bytes */

/* What a request (so far) asks for: http_judge(). */
enum http_verdict {
	HTTP_INCOMPLETE = 0,	/* no end of headers yet; read more */
	HTTP_METRICS = 200,	/* GET /metrics */
	HTTP_BAD_REQUEST = 400,
	HTTP_NOT_FOUND = 404,
	HTTP_BAD_METHOD = 405,
	HTTP_TOO_LARGE = 431,	/* no end of headers in HTTP_REQ_MAX bytes */
};

/* Judges the first @len bytes a client sent. */
enum http_verdict http_judge(const char *buf, size_t len);

/*
 * Makes the body of a 200 answer: a malloc'ed buffer in *@body of *@len
 * bytes (the caller frees it). 0, or -errno: then a 500 is sent.
 */
typedef int (*http_body_fn)(void *arg, char **body, size_t *len);

/*
 * Serves the accepted, non-blocking connection @fd: reads the request
 * within @timeout_ms, answers it, and gives the answer @timeout_ms to
 * leave. The HTTP status sent, or -ETIMEDOUT / -errno when the client was
 * dropped without a full answer. Does not close @fd.
 */
int http_serve(int fd, int timeout_ms, http_body_fn body, void *arg);

/*
 * A listening TCP socket (non-blocking, close-on-exec) on @addr:
 * "IPv4:PORT" or "[IPv6]:PORT", numeric. The socket, or -1 with the
 * reason in @err.
 */
int http_listen(const char *addr, char *err, size_t errlen);

#endif
