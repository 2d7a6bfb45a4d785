// SPDX-License-Identifier: MIT
/*
 * Unit tests of vgpu-worker's main() (dom0-worker/main.c, included here):
 * options and config file precedence, exit codes, and the signals, with
 * the device open replaced by the in-memory backend. Signals are sent by
 * the backend's read op at chosen points; main() blocks them outside
 * ppoll(), so they arrive where a real one would.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/sim/simbe.h"
#include "worker_env.h"

#include "dom0-worker/loop/ctlsock.h"

static int fake_open(struct transport *t, const char *path);
static int fake_ctlsock_open(struct ctlsock *cs, const char *path);

#define main worker_main
#define transport_dev_open fake_open
#define ctlsock_open fake_ctlsock_open
#include "dom0-worker/main.c"
#undef ctlsock_open
#undef transport_dev_open
#undef main

static struct transport mem;		/* outlives main()'s close */
static const struct transport_ops *mem_ops;
static struct transport_ops ops;	/* mem's, with hooks */
static int open_error;
static char opened_path[256];
static unsigned int reads;

static int hooked_read(struct transport *t, struct vgpu_back_event *ev,
		       unsigned int max)
{
	int n = mem_ops->read_events(t, ev, max);

	/* kill(), not raise(): cppcheck takes raise() for noreturn. */
	if (++reads == 1) {
		kill(getpid(), SIGUSR1);
		kill(getpid(), SIGHUP);
	}
	if (!simbe_pending_events(t))
		kill(getpid(), SIGTERM);
	return n;
}

static void keep_open(struct transport *t)
{
	(void)t;	/* the test closes it after looking at it */
}

static int fake_open(struct transport *t, const char *path)
{
	snprintf(opened_path, sizeof(opened_path), "%s", path);
	if (open_error)
		return open_error;
	*t = mem;
	t->ops = &ops;
	return 0;
}

static char dir[] = "/tmp/vgpu-mainXXXXXX";
static char olog[128], conf[128], errlog[128];
static char ctl_path[256];	/* the path main() asked for */

/* The default path is the host's: the socket goes to the test's dir. */
static int fake_ctlsock_open(struct ctlsock *cs, const char *path)
{
	char sock[128];

	snprintf(ctl_path, sizeof(ctl_path), "%s", path);
	snprintf(sock, sizeof(sock), "%s/worker.sock", dir);
	return ctlsock_open(cs, sock);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(olog, sizeof(olog), "%s/order.log", dir);
	snprintf(conf, sizeof(conf), "%s/worker.conf", dir);
	snprintf(errlog, sizeof(errlog), "%s/stderr", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(olog);
	unlink(conf);
	unlink(errlog);
	rmdir(dir);
	return 0;
}

static void new_backend(void)
{
	assert_int_equal(simbe_open(&mem), 0);
	mem_ops = mem.ops;
	ops = *mem_ops;
	ops.read_events = hooked_read;
	ops.close = keep_open;
	reads = 0;
	open_error = 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(buf);
	if (!f)
		return buf;
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Runs main() with @args (space-separated), stderr to errlog. */
static int run_main(const char *args)
{
	char *copy = strdup(args), *save, *tok;
	char *argv[32] = { "vgpu-worker" };
	int argc = 1, rc, se = dup(2), fd;

	for (tok = strtok_r(copy, " ", &save); tok && argc < 31;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	fd = open(errlog, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	optind = 0;
	memset(&ctl, 0, sizeof(ctl));
	rc = worker_main(argc, argv);
	fflush(stderr);
	dup2(se, 2);
	close(se);
	free(copy);
	return rc;
}

static void expect_err(const char *want)
{
	char *text = read_all(errlog);

	if (!strstr(text, want))
		fail_msg("stderr lacks '%s':\n%s", want, text);
	free(text);
}

/*
 * Config file says op-delay-ms = 2000; the command line says 0 and wins.
 * USR1 and HUP arrive after the first read, TERM when the backend has
 * nothing left: the worker finishes everything it read and exits 0.
 */
static void test_run_and_signals(void **state)
{
	struct vgpu_back_vm v[3] = {
		env_vm(1, 1001, 0, VGPUIF_PRIO_LOW),
		env_vm(2, 1002, 1, VGPUIF_PRIO_HIGH),
		env_vm(3, 1003, 1, VGPUIF_PRIO_MEDIUM),
	};
	struct vgpu_back_req nop = { .operation = VGPUIF_OP_NOP };
	struct timespec t0, t1;
	char args[512];
	char *order;
	int rc;

	(void)state;
	new_backend();
	for (int i = 0; i < 3; i++)
		simbe_connect(&mem, &v[i]);
	for (int i = 0; i < 30; i++)
		simbe_request(&mem, &v[i % 3], &nop, NULL);
	write_file(conf, "# test\nexecutor = cpu\nop-delay-ms = 2000\n"
		   "device = /from/config\nbatch = 4\n");
	snprintf(args, sizeof(args), "--config %s --op-delay-ms 0 -o %s -l debug",
		 conf, olog);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = run_main(args);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(rc, 0);
	assert_true(t1.tv_sec - t0.tv_sec < 20);	/* not 30 x 2 s */
	assert_string_equal(opened_path, "/from/config");
	assert_int_equal(simbe_nr_completions(&mem), 30);
	assert_int_equal(simbe_held(&mem), 0);
	expect_err("info: started: device=/from/config abi=1 executor=cpu device_name=cpu");
	expect_err("metrics: begin reason=sigusr1");
	expect_err("order log ");
	expect_err("reopened");
	expect_err("stopping: no new events");
	expect_err("metrics: begin reason=exit uptime_s=");
	expect_err("metrics: vm domid=2 devid=0 vm_id=1002 pool=B prio=high state=connected done=10 errors=0");
	/* The default socket path was asked for; the test's stood in for it. */
	assert_string_equal(ctl_path, CONFIG_DEFAULT_CONTROL);
	expect_err("sched=strict weights=4:2:1 control_socket=/run/vgpu/worker.sock");
	order = read_all(olog);
	assert_non_null(strstr(order, " 2 0 1002 B high nop 0\n"));
	free(order);
	transport_close(&mem);
}

static void test_bad_options(void **state)
{
	(void)state;
	new_backend();
	assert_int_equal(run_main("--batch 0"), EXIT_USAGE);
	expect_err("--batch: '0' is not a number from 1 to 1024");
	assert_int_equal(run_main("--bogus"), EXIT_USAGE);
	assert_int_equal(run_main("extra"), EXIT_USAGE);
	expect_err("unexpected argument 'extra'");
	write_file(conf, "batch = 2\nwhat = ever\n");
	{
		char args[256];

		snprintf(args, sizeof(args), "-c %s", conf);
		assert_int_equal(run_main(args), EXIT_USAGE);
		expect_err("worker.conf:2: unknown key 'what'");
	}
	assert_int_equal(run_main("-c /nonexistent.conf"), EXIT_USAGE);
	expect_err("/nonexistent.conf: No such file or directory");
	transport_close(&mem);
}

static void test_start_failures(void **state)
{
	(void)state;
	new_backend();
	assert_int_equal(run_main("--executor cuda"), EXIT_FAILURE);
	expect_err("executor cuda: not available in this build or on this host");
	open_error = -EBUSY;
	assert_int_equal(run_main("-e cpu -d /dev/x"), EXIT_FAILURE);
	expect_err("/dev/x: another worker has it open");
	open_error = -EPROTO;
	assert_int_equal(run_main("-e cpu"), EXIT_FAILURE);
	expect_err("backend speaks another ABI version");
	open_error = 0;
	assert_int_equal(run_main("-e cpu -o /nonexistent/dir/order.log"), EXIT_FAILURE);
	expect_err("order log /nonexistent/dir/order.log: No such file or directory");
	transport_close(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_and_signals),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_start_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
