// SPDX-License-Identifier: MIT
/*
 * vgpu-exporter end to end, in one process: the worker's loop on the
 * simulated backend (tests/sim/simbe.c) with three VMs, one of which has
 * disconnected, serving its control socket from a thread; the exporter's
 * listener on 127.0.0.1 serving from another thread as main.c does; this
 * thread scrapes GET /metrics over TCP and hands the body to a real
 * Prometheus text parser (tests/unit/prom_check.py: prometheus_client's
 * parser and the checks Prometheus makes at ingestion), which also checks
 * that every metric the Grafana dashboard (Documentation/grafana-vgpu.json)
 * names is in the scrape. vgpu-back's sysfs files are in a temporary tree,
 * every one the exporter knows. The parser must also refuse a broken
 * exposition, so the check can fail.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/loop/ctlsock.h"
#include "exporter/backend_stats.h"
#include "exporter/http.h"
#include "exporter/render.h"
#include "lib/ctlsock_client.h"
#include "worker_env.h"

/* Debian's python3, where python3-prometheus-client puts the parser. */
#define PY "/usr/bin/python3"

/* The repository: TOP/build/unit/test_... -> TOP. */
static void top_dir(char *path, size_t size)
{
	char exe[400];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *b;

	assert_true(n > 0);
	exe[n] = '\0';
	b = strstr(exe, "/build/unit/");
	assert_non_null(b);
	*b = '\0';
	snprintf(path, size, "%s", exe);
}

struct world {
	struct worker_env *e;
	struct ctlsock cs;
	volatile int stop;
	pthread_t ctl_th, http_th;
	int lfd;
	struct render_cfg cfg;
	struct render_state st;
	char dir[32], sock[64];
};

static void *ctl_thread(void *arg)
{
	struct world *x = arg;

	while (!x->stop)
		if (ctlsock_serve(&x->cs, (ctlsock_handler)worker_command,
				  &x->e->w) <= 0)
			usleep(1000);
	return NULL;
}

static int body_cb(void *arg, char **body, size_t *len)
{
	struct world *x = arg;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return render_metrics(&x->cfg, &x->st,
			      (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000,
			      body, len);
}

/* main.c's loop: one connection at a time. */
static void *http_thread(void *arg)
{
	struct world *x = arg;

	while (!x->stop) {
		int fd = accept4(x->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			usleep(1000);
			continue;
		}
		http_serve(fd, 2000, body_cb, x);
		close(fd);
	}
	return NULL;
}

static void traffic(struct worker_env *e)
{
	struct vgpu_back_vm a = env_vm(5, 101, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_vm b = env_vm(7, 103, 1, VGPUIF_PRIO_LOW);
	struct vgpu_back_vm c = env_vm(9, 109, 0, VGPUIF_PRIO_MEDIUM);

	simbe_connect(&e->tp, &a);
	simbe_connect(&e->tp, &b);
	simbe_connect(&e->tp, &c);
	for (uint64_t i = 1; i <= 4; i++) {
		env_nop(e, &a, i);
		env_nop(e, &b, i);
		env_nop(e, &c, i);
	}
	assert_true(worker_read(&e->w) > 0);
	while (worker_run_one(&e->w))
		;
	assert_int_equal(worker_flush(&e->w), 0);
	simbe_disconnect(&e->tp, 9, 0);
	assert_true(worker_read(&e->w) > 0);
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t l = sizeof(sa);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &l), 0);
	return ntohs(sa.sin_port);
}

/* GET @path over TCP; the whole answer, headers included (free it). */
static char *http_get(uint16_t port, const char *path)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	char req[128], *buf = malloc(1 << 20);
	size_t n = 0;
	ssize_t r;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_non_null(buf);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((r = read(fd, buf + n, (1 << 20) - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
	return buf;
}

/*
 * Runs the parser on @text (with @names: a file whose vgpu_* names must be
 * in it); its exit status, its line in @out.
 */
static int parse(const char *text, const char *names, char *out, size_t size)
{
	char file[] = "/tmp/vgpu-scrapeXXXXXX", cmd[1400], top[400];
	int fd = mkstemp(file), status;
	FILE *p;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	top_dir(top, sizeof(top));
	snprintf(cmd, sizeof(cmd), PY " %s/tests/unit/prom_check.py %s%s%s%s 2>&1",
		 top, file, names ? " --names " : "", names ? top : "",
		 names ? names : "");
	p = popen(cmd, "r");
	assert_non_null(p);
	out[0] = '\0';
	if (!fgets(out, (int)size, p))
		out[0] = '\0';
	status = pclose(p);
	unlink(file);
	fprintf(stderr, "  %s", out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Every file vgpu-back shows, module and device vgpu-5-0, under @root. */
static void fake_sysfs(const char *root)
{
	char path[512];

	for (unsigned int i = 0; i < bstat_count; i++) {
		const struct bstat_name *b = &bstat_names[i];
		FILE *f;

		for (int dev = 0; dev < 2; dev++) {
			if (!(dev ? b->device : b->module))
				continue;
			snprintf(path, sizeof(path), "mkdir -p %s/%s", root,
				 dev ? "bus/xen-backend/devices/vgpu-5-0/statistics" :
				       "module/vgpu_back/statistics");
			assert_int_equal(system(path), 0);
			snprintf(path, sizeof(path), "%s/%s/%s", root,
				 dev ? "bus/xen-backend/devices/vgpu-5-0/statistics" :
				       "module/vgpu_back/statistics", b->file);
			f = fopen(path, "w");
			assert_non_null(f);
			fprintf(f, "%u\n", i + 1);
			fclose(f);
		}
	}
}

static void test_scrape_parses(void **state)
{
	const struct worker_env_opts o = { .log_level = VLOG_ERROR };
	struct world x = { 0 };
	char err[128], verdict[512], sysfs[64], *t, *body;
	uint16_t port;

	(void)state;
	x.e = env_create(&o);
	traffic(x.e);
	snprintf(x.dir, sizeof(x.dir), "/tmp/vgpu-scrXXXXXX");
	assert_non_null(mkdtemp(x.dir));
	snprintf(x.sock, sizeof(x.sock), "%s/worker.sock", x.dir);
	assert_int_equal(ctlsock_open(&x.cs, x.sock), 0);
	snprintf(sysfs, sizeof(sysfs), "%s/sys", x.dir);
	fake_sysfs(sysfs);
	x.cfg = (struct render_cfg){ .control_socket = x.sock,
				     .sysfs = sysfs, .cache_ms = 0 };
	x.lfd = http_listen("127.0.0.1:0", err, sizeof(err));
	assert_true(x.lfd >= 0);
	port = local_port(x.lfd);
	assert_int_equal(pthread_create(&x.ctl_th, NULL, ctl_thread, &x), 0);
	assert_int_equal(pthread_create(&x.http_th, NULL, http_thread, &x), 0);

	t = http_get(port, "/metrics");
	assert_non_null(strstr(t, "HTTP/1.1 200 OK\r\n"));
	body = strstr(t, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	/* VGPU_SCRAPE_OUT=FILE keeps the body for a look. */
	if (getenv("VGPU_SCRAPE_OUT")) {
		FILE *f = fopen(getenv("VGPU_SCRAPE_OUT"), "w");

		assert_non_null(f);
		fputs(body, f);
		fclose(f);
	}
	/* One series per guest, the disconnected one with connected 0. */
	assert_non_null(strstr(body, "vgpu_worker_up 1\n"));
	assert_non_null(strstr(body, "vgpu_vm_completed_total{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"high\"} 4\n"));
	assert_non_null(strstr(body, "vgpu_vm_completed_total{domid=\"7\",devid=\"0\",vm_id=\"103\",pool=\"B\",prio=\"low\"} 4\n"));
	assert_non_null(strstr(body, "vgpu_vm_completed_total{domid=\"9\",devid=\"0\",vm_id=\"109\",pool=\"A\",prio=\"medium\"} 4\n"));
	assert_non_null(strstr(body, "vgpu_vm_connected{domid=\"9\",devid=\"0\",vm_id=\"109\",pool=\"A\",prio=\"medium\"} 0\n"));
	assert_non_null(strstr(body, "vgpu_vm_connected{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"high\"} 1\n"));
	assert_non_null(strstr(body, "vgpu_backend_up 1\n"));
	assert_non_null(strstr(body, "vgpu_backend_device_requests_total{domid=\"5\",devid=\"0\"} 1\n"));
	assert_int_equal(parse(body, "/Documentation/grafana-vgpu.json", verdict,
			       sizeof(verdict)), 0);
	assert_non_null(strstr(verdict, "names of grafana-vgpu.json found: OK"));
	/* The check can fail: a series twice, a sample with no TYPE, junk. */
	{
		char *dup, *at = strstr(body, "vgpu_worker_up 1\n");

		assert_true(asprintf(&dup, "%.*svgpu_worker_up 1\n%s",
				     (int)(at - body), body, at) > 0);
		assert_int_equal(parse(dup, NULL, verdict, sizeof(verdict)), 1);
		assert_non_null(strstr(verdict, "twice"));
		free(dup);
	}
	assert_int_equal(parse("# TYPE a gauge\na{x=\"1\" 1\n", NULL, verdict, sizeof(verdict)), 1);
	assert_int_equal(parse("b 1\n", NULL, verdict, sizeof(verdict)), 1);
	free(t);

	/* Forgotten: the VM's series leave the scrape. */
	{
		char *a = NULL;

		assert_int_equal(ctlsock_query(x.sock, "forget 9", &a), 0);
		assert_string_equal(a, "forgot 1\n");
		free(a);
	}
	t = http_get(port, "/metrics");
	assert_null(strstr(t, "domid=\"9\""));
	free(t);
	t = http_get(port, "/");
	assert_non_null(strstr(t, "HTTP/1.1 404 "));
	free(t);

	x.stop = 1;
	pthread_join(x.http_th, NULL);
	pthread_join(x.ctl_th, NULL);
	close(x.lfd);
	ctlsock_close(&x.cs);
	snprintf(sysfs, sizeof(sysfs), "rm -rf '%s'", x.dir);
	assert_int_equal(system(sysfs), 0);
	render_state_fini(&x.st);
	env_free(x.e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrape_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
