// SPDX-License-Identifier: MIT
/*
 * Unit tests of the worker's control socket (dom0-worker/loop/ctlsock.c) and
 * what it serves (worker_report.c): the Prometheus text exposition format
 * 0.0.4 checked line by line, the `vms` lines, the `device` line (its
 * name quoted whatever the driver reports), unknown commands, the
 * socket's mode (and a control-group's), a stale socket replaced, and the client of --query.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/loop/ctlsock.h"
#include "lib/ctlsock_client.h"
#include "fake_clock.h"
#include "worker_env.h"

/* The worker 2.5 s after its start on the fake clock; errors logged only. */
static struct worker_env *env_new(void)
{
	const struct worker_env_opts o = { .log_level = VLOG_ERROR };
	struct worker_env *e = env_create(&o);

	fake_now = e->w.start_ns + 2500000000ull;
	worker_set_clock(&e->w, fake_clock, NULL);
	return e;
}

static char *answer(struct worker_env *e, const char *cmd, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = worker_control(&e->w, cmd, f);
	fclose(f);
	return buf;
}

/* Two VMs with some traffic: one done, one refused busy, one quota. */
static void traffic(struct worker_env *e)
{
	struct vgpu_back_vm a = { .domid = 5, .vm_id = 101, .pool = 0,
				  .priority = VGPUIF_PRIO_HIGH,
				  .max_inflight = 1, .mem_quota = 4096 };
	struct vgpu_back_vm b = { .domid = 7, .vm_id = 103, .pool = 1,
				  .priority = VGPUIF_PRIO_LOW };
	struct vgpu_back_req nop = { .operation = VGPUIF_OP_NOP };
	struct vgpu_back_req big = { .operation = VGPUIF_OP_MEM_ALLOC,
				     .u.mem.size = 1 << 20 };

	simbe_connect(&e->tp, &a);
	simbe_connect(&e->tp, &b);
	simbe_request(&e->tp, &a, &nop, NULL);
	simbe_request(&e->tp, &a, &nop, NULL);	/* busy */
	simbe_request(&e->tp, &b, &nop, NULL);
	assert_int_equal(worker_read(&e->w), 5);
	while (worker_run_one(&e->w))
		;
	simbe_request(&e->tp, &a, &big, NULL);	/* quota */
	simbe_request(&e->tp, &b, &nop, NULL);	/* stays queued */
	assert_int_equal(worker_read(&e->w), 2);
	assert_int_equal(worker_run_one(&e->w), 1);
	assert_int_equal(worker_flush(&e->w), 0);
}

/*
 * Every line is a comment (# HELP name text / # TYPE name type) or a
 * sample "name{labels} value"; every sample's family was declared by
 * HELP and TYPE first; a family's samples are contiguous; the text ends
 * with a newline.
 */
static void check_exposition(const char *text)
{
	char declared[128][80];
	unsigned int nfam = 0;
	char last_family[80] = "";
	const char *p = text;

	assert_true(strlen(text) > 0);
	assert_int_equal(text[strlen(text) - 1], '\n');
	while (*p) {
		const char *nl = strchr(p, '\n');
		char line[512], name[80];
		size_t n = (size_t)(nl - p), k = 0;

		assert_non_null(nl);
		assert_true(n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		if (strncmp(line, "# HELP ", 7) == 0) {
			assert_int_equal(sscanf(line + 7, "%79s", name), 1);
			for (unsigned int i = 0; i < nfam; i++)
				assert_string_not_equal(declared[i], name);
			assert_true(nfam < 128);
			snprintf(declared[nfam++], sizeof(declared[0]), "%s", name);
			snprintf(last_family, sizeof(last_family), "%s", name);
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			char type[32];

			assert_int_equal(sscanf(line + 7, "%79s %31s", name, type), 2);
			assert_string_equal(name, last_family);
			assert_true(!strcmp(type, "counter") || !strcmp(type, "gauge") ||
				    !strcmp(type, "summary"));
			continue;
		}
		assert_true(line[0] != '#');
		while (isalnum((unsigned char)line[k]) || line[k] == '_')
			k++;
		assert_true(k > 0 && k < sizeof(name));
		memcpy(name, line, k);
		name[k] = '\0';
		/* Summaries: name_sum and name_count belong to name. */
		if (strcmp(name, last_family)) {
			size_t fl = strlen(last_family);

			assert_int_equal(strncmp(name, last_family, fl), 0);
			assert_true(!strcmp(name + fl, "_sum") ||
				    !strcmp(name + fl, "_count"));
		}
		if (line[k] == '{') {
			const char *close = strchr(line + k, '}');

			assert_non_null(close);
			k = (size_t)(close - line) + 1;
		}
		assert_int_equal(line[k], ' ');
		{
			char *end;
			double v = strtod(line + k + 1, &end);

			assert_true(v >= 0);
			assert_int_equal(*end, '\0');
		}
	}
}

static void test_metrics_exposition(void **state)
{
	struct worker_env *e = env_new();
	int rc;
	char *t;

	(void)state;
	traffic(e);
	t = answer(e, "metrics", &rc);
	assert_int_equal(rc, 0);
	check_exposition(t);
	assert_non_null(strstr(t, "vgpu_worker_uptime_seconds 2.500000000\n"));
	assert_non_null(strstr(t, "vgpu_worker_sched_info{mode=\"strict\",weights=\"4:2:1\",aging_ms=\"100\"} 1\n"));
	assert_non_null(strstr(t, "vgpu_vm_completed_total{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"high\"} 3\n"));
	assert_non_null(strstr(t, "vgpu_vm_errors_total{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"high\",status=\"busy\"} 1\n"));
	assert_non_null(strstr(t, "vgpu_vm_errors_total{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"high\",status=\"quota\"} 1\n"));
	assert_non_null(strstr(t, "vgpu_vm_errors_total{domid=\"7\",devid=\"0\",vm_id=\"103\",pool=\"B\",prio=\"low\",status=\"rate_limited\"} 0\n"));
	assert_non_null(strstr(t, "vgpu_vm_queue_depth{domid=\"7\",devid=\"0\",vm_id=\"103\",pool=\"B\",prio=\"low\"} 1\n"));
	assert_non_null(strstr(t, "vgpu_vm_inflight{domid=\"7\",devid=\"0\",vm_id=\"103\",pool=\"B\",prio=\"low\"} 1\n"));
	assert_non_null(strstr(t, "vgpu_vm_wait_seconds{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"high\",quantile=\"0.99\"} "));
	assert_non_null(strstr(t, "vgpu_vm_service_seconds_count{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"high\"} 2\n"));
	assert_non_null(strstr(t, "vgpu_vm_gpu_busy_seconds_total{domid=\"5\""));
	assert_non_null(strstr(t, "vgpu_level_completed_total{prio=\"high\"} 3\n"));
	assert_non_null(strstr(t, "vgpu_level_completed_total{prio=\"low\"} 1\n"));
	assert_non_null(strstr(t, "vgpu_level_queue_depth{prio=\"low\"} 1\n"));
	assert_non_null(strstr(t, "vgpu_level_picks_total{prio=\"high\"} 2\n"));
	assert_non_null(strstr(t, "# TYPE vgpu_vm_wait_seconds summary\n"));
	free(t);
	env_free(e);
}

static void test_metrics_no_vm(void **state)
{
	struct worker_env *e = env_new();
	int rc;
	char *t = answer(e, "metrics", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	check_exposition(t);
	assert_non_null(strstr(t, "vgpu_worker_vms 0\n"));
	free(t);
	env_free(e);
}

static void test_vms_and_errors(void **state)
{
	struct worker_env *e = env_new();
	int rc;
	char *t;

	(void)state;
	traffic(e);
	t = answer(e, "vms", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(t,
		"domid=5 devid=0 vm_id=101 pool=A prio=high queued=0 inflight=0 max_inflight=1 max_queued=0 rate_limit=0 mem_quota=4096 done=3 errors=2 busy=1 rate_limited=0 quota=1 mem_used=0 connect_refused=0\n"
		"domid=7 devid=0 vm_id=103 pool=B prio=low queued=1 inflight=1 max_inflight=0 max_queued=0 rate_limit=0 mem_quota=0 done=1 errors=0 busy=0 rate_limited=0 quota=0 mem_used=0 connect_refused=0\n");
	free(t);
	t = answer(e, "help", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(t, "device\nforget all|DOMID[/DEVID]\ngpu\nhelp\nmetrics\nvms\n");
	free(t);
	t = answer(e, "reboot", &rc);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(t, "error: unknown command 'reboot' (try help)\n");
	free(t);
	env_free(e);
}

/* The CPU executor's device line: no GPU, its memory budget. */
static void test_device_cpu(void **state)
{
	struct worker_env *e = env_new();
	char want[160];
	int rc;
	char *t;

	(void)state;
	t = answer(e, "device", &rc);
	assert_int_equal(rc, 0);
	snprintf(want, sizeof(want),
		 "executor=cpu name=\"cpu\" gpu=0 mem_total=%llu mem_free=%llu\n",
		 (unsigned long long)e->w.ex->params.mem_budget,
		 (unsigned long long)e->w.ex->params.mem_budget);
	assert_string_equal(t, want);
	free(t);
	env_free(e);
}

/* A driver's name with a quote, a backslash and control bytes. */
static void hostile_info(struct executor *ex, const struct exec_vm *vm,
			 struct exec_info *out)
{
	(void)ex;
	(void)vm;
	memset(out, 0, sizeof(*out));
	snprintf(out->device_name, sizeof(out->device_name),
		 "GPU \"X\" a\\b\nvms\x7f\xc3\xa9");
	out->flags = VGPUIF_INFO_F_GPU;
	out->mem_total = 150000000000ull;
	out->mem_free = 149000000000ull;
}

static void test_device_name_quoted(void **state)
{
	struct worker_env *e = env_new();
	const struct exec_ops *real = e->w.ex->ops;
	struct exec_ops ops = *real;
	int rc;
	char *t;

	(void)state;
	ops.info = hostile_info;
	e->w.ex->ops = &ops;
	t = answer(e, "device", &rc);
	e->w.ex->ops = real;
	assert_int_equal(rc, 0);
	assert_string_equal(t,
		"executor=cpu name=\"GPU \\\"X\\\" a\\\\b\\x0avms\\x7f\\xc3\\xa9\" gpu=1 mem_total=150000000000 mem_free=149000000000\n");
	free(t);
	env_free(e);
}

/* mem_used is the executor's count of the VM's allocations. */
static void test_vms_mem_used(void **state)
{
	struct worker_env *e = env_new();
	struct vgpu_back_vm vm = env_vm(9, 109, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_req al = { .operation = VGPUIF_OP_MEM_ALLOC,
				    .u.mem.size = 8192 };
	struct vgpu_back_req fr = { .operation = VGPUIF_OP_MEM_FREE };
	uint64_t h;
	int rc;
	char *t;

	(void)state;
	simbe_connect(&e->tp, &vm);
	h = simbe_request(&e->tp, &vm, &al, NULL);
	assert_int_equal(worker_read(&e->w), 2);
	assert_int_equal(worker_run_one(&e->w), 1);
	assert_int_equal(worker_flush(&e->w), 0);
	t = answer(e, "vms", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(t, " mem_used=8192 "));
	free(t);
	fr.u.mem.dptr = env_done(e, h)->c.ret[0];
	simbe_request(&e->tp, &vm, &fr, NULL);
	assert_int_equal(worker_read(&e->w), 1);
	assert_int_equal(worker_run_one(&e->w), 1);
	assert_int_equal(worker_flush(&e->w), 0);
	t = answer(e, "vms", &rc);
	assert_non_null(strstr(t, " mem_used=0 "));
	free(t);
	env_free(e);
}

/* The line of @log that starts with @prefix; fails if there is none. */
static const char *log_line(const char *log, const char *prefix)
{
	const char *l = strstr(log, prefix);

	assert_non_null(l);
	return l;
}

/* Whether @field (" name=value") is on the line that starts at @line. */
static int on_line(const char *line, const char *field)
{
	const char *nl = strchr(line, '\n'), *f = strstr(line, field);

	return f && (!nl || f < nl);
}

/*
 * Connects refused by the connect rate limit are counted per device, for
 * the operator to see a reconnect storm: in the `vms` line, the
 * Prometheus text (all devices and per device, connected or not) and the
 * log's metrics lines; the count stays when the device's credit is full
 * again and it connects.
 */
static void test_connect_refused(void **state)
{
	struct worker_env *e = env_new();
	struct vgpu_back_vm a = env_vm(9, 109, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_vm b = env_vm(11, 111, 1, VGPUIF_PRIO_LOW);
	const uint32_t burst = e->w.cfg.connect_burst;
	const char *l;
	int rc;
	char *t;

	(void)state;
	simbe_connect(&e->tp, &b);
	assert_int_equal(worker_read(&e->w), 1);
	for (uint32_t i = 0; i < burst + 3; i++) {
		simbe_connect(&e->tp, &a);
		simbe_disconnect(&e->tp, a.domid, a.devid);
		assert_int_equal(worker_read(&e->w), 2);
	}
	/* Refused now: not connected, counted. */
	t = answer(e, "metrics", &rc);
	assert_int_equal(rc, 0);
	check_exposition(t);
	assert_non_null(strstr(t, "vgpu_worker_connects_refused_total 3\n"));
	assert_non_null(strstr(t, "vgpu_device_connects_refused_total{domid=\"9\",devid=\"0\"} 3\n"));
	assert_null(strstr(t, "vgpu_device_connects_refused_total{domid=\"11\""));
	free(t);
	/* Full credit again: it connects, its refusals still counted. */
	fake_now += (uint64_t)burst * e->w.cfg.connect_interval_ms * 1000000ull + 1;
	simbe_connect(&e->tp, &a);
	assert_int_equal(worker_read(&e->w), 1);
	t = answer(e, "vms", &rc);
	assert_int_equal(rc, 0);
	assert_true(on_line(log_line(t, "domid=9 "), " connect_refused=3"));
	assert_true(on_line(log_line(t, "domid=11 "), " connect_refused=0"));
	free(t);
	worker_print_metrics(&e->w, "test");
	l = log_line(env_log(e), "metrics: begin reason=test");
	assert_true(on_line(l, " refused_connects=3"));
	/* The loop's calls towards the backend are counted: it read events. */
	assert_null(strstr(l, " event_reads=0 "));
	assert_non_null(strstr(l, " event_reads="));
	assert_non_null(strstr(l, " csw_voluntary="));
	l = log_line(env_log(e), "metrics: vm domid=9 devid=0 vm_id=109 pool=A prio=high state=connected");
	assert_true(on_line(l, " connect_refused=3"));
	l = log_line(env_log(e), "metrics: vm domid=11 ");
	assert_true(on_line(l, " connect_refused=0"));
	env_free(e);
}

static int echo_handler(void *arg, const char *cmd, FILE *out)
{
	(void)arg;
	fprintf(out, "got [%s]\n", cmd);
	return 0;
}

/* The socket: 0600, stale one replaced, a served client, the client. */
static void test_socket(void **state)
{
	char dir[] = "/tmp/vgpu-ctlXXXXXX", path[160], sub[128];
	struct ctlsock cs, cs2;
	struct stat st;
	FILE *out;
	pid_t pid;
	int status;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(path, sizeof(path), "%s/worker.sock", sub);
	assert_int_equal(ctlsock_open(&cs, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Nobody waiting: nothing served. */
	assert_int_equal(ctlsock_serve(&cs, echo_handler, NULL), 0);

	/* A client in a child; this process serves it. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *reply;
		int err = ctlsock_query(path, "metrics", &reply);

		if (!err)
			free(reply);
		_exit(err ? 1 : 0);
	}
	while (ctlsock_serve(&cs, echo_handler, NULL) == 0)
		usleep(1000);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* A stale socket (the old worker died) is replaced. */
	close(cs.fd);
	cs.fd = -1;
	assert_int_equal(ctlsock_open(&cs2, path), 0);
	ctlsock_close(&cs2);
	assert_int_equal(stat(path, &st), -1);
	/* Something else at the path is left alone. */
	out = fopen(path, "w");
	assert_non_null(out);
	fclose(out);
	assert_int_equal(ctlsock_open(&cs2, path), -EEXIST);
	unlink(path);
	/* Too long a path. */
	memset(sub, 'x', sizeof(sub) - 1);
	sub[0] = '/';
	sub[sizeof(sub) - 1] = '\0';
	assert_int_equal(ctlsock_open(&cs2, sub), -ENAMETOOLONG);
	{
		char *reply;

		assert_int_equal(ctlsock_query("/nonexistent/vgpu.sock", "vms",
					       &reply), -ENOENT);
		assert_null(reply);
	}
	snprintf(sub, sizeof(sub), "%s/run", dir);
	rmdir(sub);
	rmdir(dir);
}

/* control-group: socket 0660 and directory 0750 in that group; none: 0600. */
static void test_socket_group(void **state)
{
	char dir[] = "/tmp/vgpu-ctlXXXXXX", path[160], sub[128];
	struct group *g = getgrgid(getegid());	/* one we are in */
	struct ctlsock cs;
	struct stat st;

	(void)state;
	assert_non_null(g);
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(path, sizeof(path), "%s/worker.sock", sub);
	assert_int_equal(ctlsock_open(&cs, path), 0);
	assert_int_equal(ctlsock_share(&cs, "no-such-group-vgpu"), -ENOENT);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ctlsock_share(&cs, g->gr_name), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(st.st_gid, getegid());
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	ctlsock_close(&cs);
	rmdir(sub);
	rmdir(dir);
}

/* The client prints exactly what the server answered. */
static void test_query_roundtrip(void **state)
{
	char dir[] = "/tmp/vgpu-ctlXXXXXX", path[128], outp[160];
	struct ctlsock cs;
	pid_t pid;
	int status;
	FILE *f;
	char got[128] = "";

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/w.sock", dir);
	snprintf(outp, sizeof(outp), "%s/out", dir);
	assert_int_equal(ctlsock_open(&cs, path), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *o = fopen(outp, "w");
		char *reply;
		int err = ctlsock_query(path, "vms", &reply);

		if (!err) {
			fputs(reply, o);
			free(reply);
		}
		fclose(o);
		_exit(err ? 1 : 0);
	}
	while (ctlsock_serve(&cs, echo_handler, NULL) == 0)
		usleep(1000);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	f = fopen(outp, "r");
	assert_non_null(f);
	assert_non_null(fgets(got, sizeof(got), f));
	fclose(f);
	assert_string_equal(got, "got [vms]\n");
	ctlsock_close(&cs);
	unlink(outp);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_exposition),
		cmocka_unit_test(test_metrics_no_vm),
		cmocka_unit_test(test_vms_and_errors),
		cmocka_unit_test(test_vms_mem_used),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_device_cpu),
		cmocka_unit_test(test_device_name_quoted),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_socket_group),
		cmocka_unit_test(test_query_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
