// SPDX-License-Identifier: MIT
/*
 * vgpu-exporter: serves vgpu's metrics over HTTP for Prometheus
 * (Documentation/metrics.md). A process of its own, never part of the
 * worker, so that no HTTP client can stall or crash the data path: it
 * reads the worker's figures through the worker's control socket and the
 * backend's from sysfs, one connection at a time, each with a deadline.
 *
 * main.c: options, signals, the accept loop. http.c: requests and
 * answers. render.c: the body. backend_stats.c: sysfs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "lib/parse.h"
#include "render.h"

#define DEFAULT_LISTEN		"127.0.0.1:9464"
#define DEFAULT_CONTROL		"/run/vgpu/worker.sock"

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vgpu-exporter [OPTION]...\n"
"Serves vgpu's metrics (the worker's and vgpu-back's) as Prometheus text\n"
"on GET /metrics.\n"
"\n"
"  -l, --listen ADDR:PORT     where to listen (default " DEFAULT_LISTEN ");\n"
"                             IPv6 as [ADDR]:PORT, numeric addresses only\n"
"  -s, --control-socket PATH  the worker's control socket (default\n"
"                             " DEFAULT_CONTROL "; empty: backend only)\n"
"      --sysfs DIR            where sysfs is mounted (default /sys)\n"
"      --timeout-ms N         a client's time to send its request, and\n"
"                             then to take the answer (default 2000)\n"
"      --cache-ms N           ask the worker at most once per N ms\n"
"                             (default 1000)\n"
"  -h, --help                 this text\n");
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct exporter {
	struct render_cfg cfg;
	struct render_state st;
	int logged_up;		/* the worker's state last logged; -1 none */
};

static int body_cb(void *arg, char **body, size_t *len)
{
	struct exporter *x = arg;
	int err = render_metrics(&x->cfg, &x->st, mono_ms(), body, len);

	/* One line when the worker comes or goes, not one per scrape. */
	if (!err && x->logged_up != x->st.worker_up) {
		if (x->st.worker_up)
			fprintf(stderr, "vgpu-exporter: the worker answers on %s\n",
				x->cfg.control_socket);
		else
			fprintf(stderr, "vgpu-exporter: the worker does not answer on %s: %s\n",
				x->cfg.control_socket[0] ? x->cfg.control_socket : "-",
				strerror(-x->st.worker_err));
		x->logged_up = x->st.worker_up;
	}
	return err;
}

static int parse_ms(const char *s, unsigned int *out)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > 3600000)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "control-socket", required_argument, NULL, 's' },
		{ "sysfs", required_argument, NULL, 'S' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "cache-ms", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct exporter x = {
		.cfg = { .control_socket = DEFAULT_CONTROL, .sysfs = "/sys",
			 .cache_ms = 1000 },
		.logged_up = -1,
	};
	const char *listen_addr = DEFAULT_LISTEN;
	unsigned int timeout_ms = 2000;
	struct sigaction sa = { .sa_handler = on_stop };
	char err[256];
	int c, lfd;

	while ((c = getopt_long(argc, argv, "l:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_addr = optarg;
			break;
		case 's':
			x.cfg.control_socket = optarg;
			break;
		case 'S':
			x.cfg.sysfs = optarg;
			break;
		case 't':
			if (parse_ms(optarg, &timeout_ms) || !timeout_ms) {
				fprintf(stderr, "vgpu-exporter: --timeout-ms: '%s' is not 1..3600000\n",
					optarg);
				return 2;
			}
			break;
		case 'c':
			if (parse_ms(optarg, &x.cfg.cache_ms)) {
				fprintf(stderr, "vgpu-exporter: --cache-ms: '%s' is not 0..3600000\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vgpu-exporter: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	lfd = http_listen(listen_addr, err, sizeof(err));
	if (lfd < 0) {
		fprintf(stderr, "vgpu-exporter: --listen %s\n", err);
		return 1;
	}
	/* No SA_RESTART: poll() returns at a stop signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "vgpu-exporter: listening on %s, worker %s, sysfs %s\n",
		listen_addr, x.cfg.control_socket[0] ? x.cfg.control_socket : "-",
		x.cfg.sysfs);
	while (!stop) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int fd;

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "vgpu-exporter: poll: %s\n", strerror(errno));
			break;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				usleep(100000);	/* do not spin; the next one may fit */
			continue;
		}
		http_serve(fd, (int)timeout_ms, body_cb, &x);
		close(fd);
	}
	close(lfd);
	render_state_fini(&x.st);
	fprintf(stderr, "vgpu-exporter: stopped\n");
	return 0;
}
