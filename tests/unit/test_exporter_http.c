// SPDX-License-Identifier: MIT
/*
 * Unit tests of vgpu-exporter's HTTP side (exporter/http.c): what a
 * request asks for (http_judge), and whole connections over a socket
 * pair (http_serve): GET /metrics, another path, another method, an
 * oversized request, a client too slow to send its request, one that
 * leaves, one that never reads its answer, and the listen address forms.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "exporter/http.h"

#define J(s) http_judge((s), strlen(s))

static void test_judge(void **state)
{
	char big[HTTP_REQ_MAX];

	(void)state;
	assert_int_equal(J("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), HTTP_METRICS);
	assert_int_equal(J("GET /metrics HTTP/1.0\n\n"), HTTP_METRICS);
	assert_int_equal(J("GET /metrics?name[]=x HTTP/1.1\r\n\r\n"), HTTP_METRICS);
	/* Not finished yet. */
	assert_int_equal(J(""), HTTP_INCOMPLETE);
	assert_int_equal(J("GET /metrics HTTP/1.1\r\n"), HTTP_INCOMPLETE);
	assert_int_equal(J("GET /metrics HTTP/1.1\r\nHost: x\r\n\r"), HTTP_INCOMPLETE);
	/* Other paths, methods, malformed lines. */
	assert_int_equal(J("GET / HTTP/1.1\r\n\r\n"), HTTP_NOT_FOUND);
	assert_int_equal(J("GET /metricsx HTTP/1.1\r\n\r\n"), HTTP_NOT_FOUND);
	assert_int_equal(J("GET /metrics/ HTTP/1.1\r\n\r\n"), HTTP_NOT_FOUND);
	assert_int_equal(J("POST /metrics HTTP/1.1\r\n\r\n"), HTTP_BAD_METHOD);
	assert_int_equal(J("HEAD /metrics HTTP/1.1\r\n\r\n"), HTTP_BAD_METHOD);
	assert_int_equal(J("get /metrics HTTP/1.1\r\n\r\n"), HTTP_BAD_METHOD);
	assert_int_equal(J("GET /metrics\r\n\r\n"), HTTP_BAD_REQUEST);
	assert_int_equal(J("GET /metrics HTTP/2\r\n\r\n"), HTTP_BAD_REQUEST);
	assert_int_equal(J("GET metrics HTTP/1.1\r\n\r\n"), HTTP_BAD_REQUEST);
	assert_int_equal(J("GET /metrics HTTP/1.1 x\r\n\r\n"), HTTP_BAD_REQUEST);
	assert_int_equal(J("\r\n\r\n"), HTTP_BAD_REQUEST);
	assert_int_equal(http_judge("GET /met\0rics HTTP/1.1\r\n\r\n", 26),
			 HTTP_BAD_REQUEST);
	/* A request line longer than any real one. */
	memset(big, 'a', 600);
	memcpy(big, "GET /", 5);
	memcpy(big + 600, " HTTP/1.1\r\n\r\n", 14);
	assert_int_equal(http_judge(big, 614), HTTP_BAD_REQUEST);
	/* No end of headers in HTTP_REQ_MAX bytes. */
	memset(big, 'h', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\n", 23);
	assert_int_equal(http_judge(big, sizeof(big) - 1), HTTP_INCOMPLETE);
	assert_int_equal(http_judge(big, sizeof(big)), HTTP_TOO_LARGE);
}

static int body_calls;

static int body_ok(void *arg, char **body, size_t *len)
{
	(void)arg;
	body_calls++;
	*body = strdup("# TYPE x gauge\nx 1\n");
	*len = strlen(*body);
	return 0;
}

static int body_fail(void *arg, char **body, size_t *len)
{
	(void)arg;
	*body = NULL;
	*len = 0;
	return -ENOMEM;
}

/* A connected pair: [0] the server's end (non-blocking), [1] the client's. */
static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
}

/* Everything the server sent, up to its close or shutdown. */
static char *reply(int fd)
{
	static char buf[65536];
	size_t n = 0;
	ssize_t r;

	while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return buf;
}

static int serve(const char *req, http_body_fn fn, char **out)
{
	int sv[2], r;

	pair(sv);
	assert_int_equal(write(sv[1], req, strlen(req)), (ssize_t)strlen(req));
	r = http_serve(sv[0], 500, fn, NULL);
	close(sv[0]);
	*out = reply(sv[1]);
	close(sv[1]);
	return r;
}

static void test_serve_metrics(void **state)
{
	char *t;

	(void)state;
	body_calls = 0;
	assert_int_equal(serve("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", body_ok, &t), 200);
	assert_int_equal(body_calls, 1);
	assert_non_null(strstr(t, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(t, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(t, "Content-Length: 19\r\n"));
	assert_non_null(strstr(t, "Connection: close\r\n"));
	assert_non_null(strstr(t, "\r\n\r\n# TYPE x gauge\nx 1\n"));
	/* The body's failure is a 500, not a hang. */
	assert_int_equal(serve("GET /metrics HTTP/1.1\r\n\r\n", body_fail, &t), 500);
	assert_non_null(strstr(t, "HTTP/1.1 500 "));
}

static void test_serve_refusals(void **state)
{
	char *t, *big;
	size_t n = HTTP_REQ_MAX + 100;

	(void)state;
	body_calls = 0;
	assert_int_equal(serve("GET /debug HTTP/1.1\r\n\r\n", body_ok, &t), 404);
	assert_non_null(strstr(t, "HTTP/1.1 404 Not Found\r\n"));
	assert_int_equal(serve("DELETE /metrics HTTP/1.1\r\n\r\n", body_ok, &t), 405);
	assert_non_null(strstr(t, "HTTP/1.1 405 Method Not Allowed\r\n"));
	assert_non_null(strstr(t, "Allow: GET\r\n"));
	assert_int_equal(serve("hello\r\n\r\n", body_ok, &t), 400);
	assert_non_null(strstr(t, "HTTP/1.1 400 "));
	/* Oversized: refused once HTTP_REQ_MAX bytes came without an end. */
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'h', n);
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	big[n] = '\0';
	{
		int sv[2];

		pair(sv);
		/* The socket pair buffers it all (well under its size). */
		assert_int_equal(write(sv[1], big, n), (ssize_t)n);
		assert_int_equal(http_serve(sv[0], 500, body_ok, NULL), 431);
		close(sv[0]);
		t = reply(sv[1]);
		close(sv[1]);
	}
	assert_non_null(strstr(t, "HTTP/1.1 431 "));
	free(big);
	/* None of them asked for the body. */
	assert_int_equal(body_calls, 0);
}

/* Too slow: half a request, then nothing: dropped at the deadline. */
static void test_serve_slow_client(void **state)
{
	int sv[2];
	char *t;

	(void)state;
	body_calls = 0;
	pair(sv);
	assert_int_equal(write(sv[1], "GET /metr", 9), 9);
	assert_int_equal(http_serve(sv[0], 100, body_ok, NULL), -ETIMEDOUT);
	close(sv[0]);
	t = reply(sv[1]);
	close(sv[1]);
	assert_non_null(strstr(t, "HTTP/1.1 408 "));
	assert_int_equal(body_calls, 0);
	/* Nothing at all. */
	pair(sv);
	assert_int_equal(http_serve(sv[0], 100, body_ok, NULL), -ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
	/* Gone before a full request. */
	pair(sv);
	assert_int_equal(write(sv[1], "GET /", 5), 5);
	shutdown(sv[1], SHUT_WR);
	assert_int_equal(http_serve(sv[0], 100, body_ok, NULL), -ECONNRESET);
	close(sv[0]);
	close(sv[1]);
}

static int body_huge(void *arg, char **body, size_t *len)
{
	(void)arg;
	*len = 8u << 20;
	*body = calloc(1, *len);
	return *body ? 0 : -ENOMEM;
}

/* A client that asks and never reads: the answer's deadline drops it. */
static void test_serve_reader_stalls(void **state)
{
	int sv[2];
	const char *req = "GET /metrics HTTP/1.1\r\n\r\n";

	(void)state;
	pair(sv);
	assert_int_equal(write(sv[1], req, strlen(req)), (ssize_t)strlen(req));
	assert_int_equal(http_serve(sv[0], 100, body_huge, NULL), -ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
}

static void test_listen(void **state)
{
	char err[256];
	int fd;

	(void)state;
	fd = http_listen("127.0.0.1:0", err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	fd = http_listen("[::1]:0", err, sizeof(err));
	/* A host without IPv6 says why; one with it listens. */
	if (fd >= 0)
		close(fd);
	else
		assert_non_null(strstr(err, "[::1]:0"));
	static const char *const bad[] = {
		"127.0.0.1", ":9464", "127.0.0.1:", "::1:9464", "[::1]9464",
		"localhost:9464", "127.0.0.1:http", "300.1.1.1:9464",
		"127.0.0.1:99999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		assert_int_equal(http_listen(bad[i], err, sizeof(err)), -1);
		assert_true(err[0]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_serve_metrics),
		cmocka_unit_test(test_serve_refusals),
		cmocka_unit_test(test_serve_slow_client),
		cmocka_unit_test(test_serve_reader_stalls),
		cmocka_unit_test(test_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
