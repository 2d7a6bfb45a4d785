// SPDX-License-Identifier: MIT
/*
 * Unit tests of what vgpu-exporter serves (exporter/render.c,
 * exporter/backend_stats.c): label values and HELP texts escaped, every
 * family with HELP and TYPE once, vgpu-back's counters read from a sysfs
 * tree in a temporary directory (files that are missing or hold no number
 * left out, only vgpu-D-N devices, sorted), the worker's exposition passed
 * on from a fake control socket, vgpu_worker_up, and the worker asked at
 * most once per cache_ms.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/loop/ctlsock.h"
#include "exporter/backend_stats.h"
#include "exporter/render.h"

static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	prom_label_value(f, s);
	fclose(f);
	return buf;
}

static void test_label_escaping(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "", "\"\"" },
		{ "plain/path.sock", "\"plain/path.sock\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "a\nb", "\"a\\nb\"" },
		{ "\\\"\n", "\"\\\\\\\"\\n\"" },
		/* UTF-8 and other bytes pass as they are. */
		{ "caf\xc3\xa9\t", "\"caf\xc3\xa9\t\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *t = escaped(cases[i].in);

		assert_string_equal(t, cases[i].out);
		free(t);
	}
}

static void test_help_lines(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	prom_help(f, "x_total", "counter", "Two\nlines, a \\ and \"quotes\".");
	fclose(f);
	assert_string_equal(buf,
			    "# HELP x_total Two\\nlines, a \\\\ and \"quotes\".\n"
			    "# TYPE x_total counter\n");
	free(buf);
}

/* ---- a sysfs tree ---- */

static char sysroot[64];

static void put(const char *rel, const char *val)
{
	char path[512], *slash;

	snprintf(path, sizeof(path), "%s/%s", sysroot, rel);
	for (slash = strchr(path + strlen(sysroot) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(val, f);
	fclose(f);
}

static void make_sysfs(void)
{
	snprintf(sysroot, sizeof(sysroot), "/tmp/vgpu-sysXXXXXX");
	assert_non_null(mkdtemp(sysroot));
	put("module/vgpu_back/statistics/requests", "120\n");
	put("module/vgpu_back/statistics/copy_bytes", "1099511627776\n");
	put("module/vgpu_back/statistics/outstanding", "3\n");
	put("module/vgpu_back/statistics/worker_open", "1\n");
	put("module/vgpu_back/statistics/devices", "3\n");
	put("module/vgpu_back/statistics/errors", "junk\n");	/* left out */
	put("bus/xen-backend/devices/vgpu-10-0/statistics/requests", "5\n");
	put("bus/xen-backend/devices/vgpu-9-1/statistics/requests", "7\n");
	put("bus/xen-backend/devices/vgpu-9-1/statistics/queued", "2\n");
	put("bus/xen-backend/devices/vgpu-9-0/statistics/requests", "100\n");
	put("bus/xen-backend/devices/vgpu-9-0/statistics/stalls", "-1\n");
	/* Not ours, or not a device name: left out. */
	put("bus/xen-backend/devices/vbd-9-51712/statistics/requests", "1\n");
	put("bus/xen-backend/devices/vgpu-9-2x/statistics/requests", "1\n");
	put("bus/xen-backend/devices/vgpu-99999-0/statistics/requests", "1\n");
}

static void drop_sysfs(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysroot);
	assert_int_equal(system(cmd), 0);
}

static char *render(const struct render_cfg *cfg, struct render_state *st,
		    uint64_t now)
{
	char *body;
	size_t len;

	assert_int_equal(render_metrics(cfg, st, now, &body, &len), 0);
	assert_int_equal(strlen(body), len);
	return body;
}

/* Each # TYPE once, right after its # HELP; samples after their TYPE. */
static void check_families(const char *t)
{
	char types[64][96];
	unsigned int n = 0;

	for (const char *p = t; *p;) {
		const char *nl = strchr(p, '\n');
		char line[512], name[96];

		assert_non_null(nl);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		p = nl + 1;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_int_equal(sscanf(line + 7, "%95s", name), 1);
			for (unsigned int i = 0; i < n; i++)
				assert_string_not_equal(types[i], name);
			assert_true(n < 64);
			snprintf(types[n++], sizeof(types[0]), "%s", name);
		} else if (line[0] != '#') {
			size_t k = strcspn(line, "{ ");

			assert_true(n > 0);
			/* The last TYPE's family, or its summary parts. */
			assert_int_equal(strncmp(line, types[n - 1],
						 strlen(types[n - 1])), 0);
			assert_true(k >= strlen(types[n - 1]));
		}
	}
}

static void test_backend(void **state)
{
	const struct render_cfg cfg = { .control_socket = "", .sysfs = sysroot };
	struct render_state st = { 0 };
	char *t;

	(void)state;
	make_sysfs();
	t = render(&cfg, &st, 1000);
	check_families(t);
	assert_non_null(strstr(t, "vgpu_backend_up 1\n"));
	assert_non_null(strstr(t, "# TYPE vgpu_backend_requests_total counter\nvgpu_backend_requests_total 120\n"));
	assert_non_null(strstr(t, "vgpu_backend_copy_bytes_total 1099511627776\n"));
	assert_non_null(strstr(t, "# TYPE vgpu_backend_outstanding gauge\nvgpu_backend_outstanding 3\n"));
	assert_non_null(strstr(t, "vgpu_backend_worker_open 1\n"));
	assert_null(strstr(t, "vgpu_backend_errors_total"));
	/* Devices by domid, then devid. */
	assert_non_null(strstr(t,
		"# TYPE vgpu_backend_device_requests_total counter\n"
		"vgpu_backend_device_requests_total{domid=\"9\",devid=\"0\"} 100\n"
		"vgpu_backend_device_requests_total{domid=\"9\",devid=\"1\"} 7\n"
		"vgpu_backend_device_requests_total{domid=\"10\",devid=\"0\"} 5\n"
		"# HELP"));
	assert_non_null(strstr(t, "vgpu_backend_device_queued{domid=\"9\",devid=\"1\"} 2\n"));
	assert_non_null(strstr(t, "vgpu_backend_device_stalls_total{domid=\"9\",devid=\"0\"} -1\n"));
	assert_null(strstr(t, "51712"));
	assert_null(strstr(t, "99999"));
	assert_null(strstr(t, "devid=\"2"));
	/* The module's own gauges only for the module. */
	assert_null(strstr(t, "vgpu_backend_device_worker_open"));
	assert_null(strstr(t, "vgpu_backend_queued"));
	/* No worker to ask. */
	assert_non_null(strstr(t, "vgpu_worker_up 0\n"));
	assert_non_null(strstr(t, "vgpu_exporter_info{control_socket=\"\",sysfs=\""));
	free(t);
	drop_sysfs();
	/* No module: up 0 and no backend figures. */
	t = render(&cfg, &st, 2000);
	check_families(t);
	assert_non_null(strstr(t, "vgpu_backend_up 0\n"));
	assert_null(strstr(t, "vgpu_backend_requests_total"));
	assert_non_null(strstr(t, "vgpu_exporter_scrapes_total 2\n"));
	free(t);
	render_state_fini(&st);
}

/* ---- a fake worker behind a control socket ---- */

static const char *worker_answer;
static int worker_asked;

static int fake_worker(void *arg, const char *cmd, FILE *out)
{
	(void)arg;
	worker_asked++;
	if (strcmp(cmd, "metrics"))
		return fprintf(out, "error\n"), -EINVAL;
	fputs(worker_answer, out);
	return 0;
}

struct server {
	struct ctlsock cs;
	int n;			/* connections to serve */
	pthread_t th;
};

static void *serve_thread(void *arg)
{
	struct server *s = arg;

	while (s->n > 0) {
		int r = ctlsock_serve(&s->cs, fake_worker, NULL);

		if (r > 0)
			s->n--;
		else
			usleep(1000);
	}
	return NULL;
}

static void test_worker_passed_on(void **state)
{
	char dir[] = "/tmp/vgpu-expXXXXXX", path[96];
	struct render_cfg cfg = { .control_socket = path, .sysfs = "/nonexistent",
				  .cache_ms = 1000 };
	struct render_state st = { 0 };
	struct server s = { .n = 3 };
	char *t;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/w\"x.sock", dir);
	assert_int_equal(ctlsock_open(&s.cs, path), 0);
	assert_int_equal(pthread_create(&s.th, NULL, serve_thread, &s), 0);
	worker_asked = 0;
	worker_answer = "# HELP vgpu_worker_vms VMs connected.\n# TYPE vgpu_worker_vms gauge\nvgpu_worker_vms 2\n";

	t = render(&cfg, &st, 5000);
	check_families(t);
	assert_non_null(strstr(t, "vgpu_worker_up 1\n# HELP vgpu_worker_vms VMs connected.\n# TYPE vgpu_worker_vms gauge\nvgpu_worker_vms 2\n"));
	/* The path's quote escaped in the label. */
	assert_non_null(strstr(t, "/w\\\"x.sock\",sysfs=\"/nonexistent\"} 1\n"));
	free(t);
	/* Within cache_ms: the same answer, the worker not asked again. */
	worker_answer = "# TYPE vgpu_worker_vms gauge\nvgpu_worker_vms 3\n";
	t = render(&cfg, &st, 5999);
	assert_non_null(strstr(t, "vgpu_worker_vms 2\n"));
	free(t);
	assert_int_equal(worker_asked, 1);
	t = render(&cfg, &st, 6000);
	assert_non_null(strstr(t, "vgpu_worker_vms 3\n"));
	free(t);
	assert_int_equal(worker_asked, 2);
	/* An answer that is no exposition: not passed on, up 0. */
	worker_answer = "error: unknown command\n";
	t = render(&cfg, &st, 7000);
	check_families(t);
	assert_non_null(strstr(t, "vgpu_worker_up 0\n"));
	assert_null(strstr(t, "error: unknown"));
	assert_int_equal(st.worker_err, -EPROTO);
	free(t);
	pthread_join(s.th, NULL);
	/* The worker gone. */
	ctlsock_close(&s.cs);
	t = render(&cfg, &st, 8000);
	assert_non_null(strstr(t, "vgpu_worker_up 0\n"));
	assert_non_null(strstr(t, "vgpu_exporter_worker_errors_total 2\n"));
	assert_int_equal(st.worker_err, -ENOENT);
	free(t);
	render_state_fini(&st);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_help_lines),
		cmocka_unit_test(test_backend),
		cmocka_unit_test(test_worker_passed_on),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
