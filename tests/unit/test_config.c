// SPDX-License-Identifier: MIT
/* Unit tests of dom0-worker/config.c: defaults, good and bad lines. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/config.h"
#include "dom0-worker/exec_config.h"
#include "lib/parse.h"

static int parse(struct worker_config *cfg, const char *text, char *err,
		 size_t errlen)
{
	return config_parse_buffer(cfg, text, strlen(text), "t.conf", err, errlen);
}

static void test_defaults(void **state)
{
	struct worker_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_string_equal(cfg.device, "/dev/vgpu-back");
	assert_string_equal(cfg.executor, "auto");
	assert_string_equal(cfg.order_log, "");
	assert_int_equal(cfg.log_level, VLOG_INFO);
	assert_int_equal(cfg.op_delay_ms, 0);
	assert_int_equal(cfg.mem_budget, 0);	/* auto: from the host's RAM */
	assert_string_equal(cfg.exec_user, "vgpu-exec");
	assert_string_equal(cfg.exec_seccomp, "kill");
	assert_int_equal(cfg.stats_interval, 0);
	assert_int_equal(cfg.obsolete_max_queued, 64);
	assert_int_equal(cfg.max_queued_all, 4096);
	assert_int_equal(cfg.connect_burst, 5);
	assert_int_equal(cfg.connect_interval_ms, 10000);
	assert_int_equal(cfg.batch, 64);
}

static void test_good_file(void **state)
{
	static const char text[] =
		"# vgpu-worker settings\n"
		"\n"
		"device = /tmp/fake-back\n"
		"   executor=cpu   \n"
		"\tlog-level = DEBUG\n"
		"op-delay-ms = 250\n"
		"mem-budget = 2G\n"
		"order-log = /var/log/vgpu order.log\n"
		"  # indented comment\n"
		"stats-interval = 10\r\n"
		"max-queued = 8\n"
		"queue-max = 100\n"
		"batch = 1\n"
		"metrics-window = 1000\n"
		"max-allocs = 7\n"
		"exec-user = gpu\n"
		"exec-seccomp = log\n"
		"order-log =\n"
		"order-log = /tmp/o.log";	/* no final newline */
	struct worker_config cfg;
	char err[256] = "";

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(parse(&cfg, text, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(cfg.device, "/tmp/fake-back");
	assert_string_equal(cfg.executor, "cpu");
	assert_int_equal(cfg.log_level, VLOG_DEBUG);
	assert_int_equal(cfg.op_delay_ms, 250);
	assert_int_equal(cfg.mem_budget, 2ull << 30);
	assert_string_equal(cfg.order_log, "/tmp/o.log");
	assert_int_equal(cfg.stats_interval, 10);
	assert_int_equal(cfg.obsolete_max_queued, 8);
	assert_int_equal(cfg.max_queued_all, 100);
	assert_int_equal(cfg.batch, 1);
	assert_int_equal(cfg.metrics_window, 1000);
	assert_string_equal(cfg.exec_user, "gpu");
	assert_string_equal(cfg.exec_seccomp, "log");
	assert_int_equal(config_set(&cfg, "mem-budget", "auto", err, sizeof(err)), 0);
	assert_int_equal(cfg.mem_budget, 0);
	assert_int_equal(cfg.max_allocs, 7);
}

static void test_sizes(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
		int ok;
	} cases[] = {
		{ "0", 0, 1 }, { "4096", 4096, 1 }, { "64K", 64 << 10, 1 },
		{ "64k", 64 << 10, 1 }, { "512M", 512ull << 20, 1 },
		{ "512MiB", 512ull << 20, 1 }, { "2GB", 2ull << 30, 1 },
		{ "1T", 1ull << 40, 1 }, { "", 0, 0 }, { "M", 0, 0 },
		{ "-1", 0, 0 }, { "+1", 0, 0 }, { " 1", 0, 0 }, { "1 M", 0, 0 },
		{ "1X", 0, 0 }, { "1MM", 0, 0 }, { "1Mx", 0, 0 },
		{ "99999999999999999999", 0, 0 }, { "17179869184G", 0, 0 },
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse_size(cases[i].s, &v);

		if (cases[i].ok) {
			assert_int_equal(r, 0);
			assert_int_equal(v, cases[i].v);
		} else if (r != -1) {
			fail_msg("'%s' accepted", cases[i].s);
		}
	}
}

static void expect_bad(const char *text, const char *msg)
{
	struct worker_config cfg, before;
	char err[512] = "";

	config_defaults(&cfg);
	before = cfg;
	if (parse(&cfg, text, err, sizeof(err)) != -1)
		fail_msg("accepted: %s", text);
	if (!strstr(err, msg))
		fail_msg("for '%s': message '%s' lacks '%s'", text, err, msg);
	/* A bad line changes nothing. */
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static void test_bad_lines(void **state)
{
	char longline[600];

	(void)state;
	expect_bad("device /dev/x\n", "t.conf:1: expected 'key = value'");
	expect_bad("\n\n= 5\n", "t.conf:3: missing key");
	expect_bad("colour = blue\n", "unknown key 'colour'");
	expect_bad("config = /etc/other.conf\n", "'config' cannot be set");
	expect_bad("executor = gpu\n", "executor: 'gpu' is not cpu, cuda or auto");
	expect_bad("log-level = loud\n", "log-level: 'loud'");
	expect_bad("op-delay-ms = 10x\n", "op-delay-ms: '10x' is not a number");
	expect_bad("op-delay-ms = -1\n", "op-delay-ms");
	expect_bad("op-delay-ms = 60001\n", "from 0 to 60000");
	expect_bad("op-delay-ms =\n", "op-delay-ms: '' is not a number");
	expect_bad("max-queued = 0\n", "max-queued: '0' is not a number from 1");
	expect_bad("connect-burst = 0\n", "connect-burst: '0' is not a number from 1");
	expect_bad("batch = 4294967297\n", "batch");
	expect_bad("stats-interval = 1.5\n", "stats-interval");
	expect_bad("mem-budget = 1000\n", "mem-budget: '1000' is not auto or a size");
	expect_bad("exec-seccomp = on\n", "exec-seccomp: 'on' is not kill, log or off");
	expect_bad("exec-user =\n", "exec-user: '' is not a user name");
	expect_bad("mem-budget = lots\n", "mem-budget");
	expect_bad("device =\n", "device: empty path");
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, "device=", 7);
	expect_bad(longline, "t.conf:1: line too long");
}

/*
 * max-queued is obsolete: still accepted, so old command lines and files
 * keep working, with a warning that says it does nothing, and only then.
 */
static void test_obsolete_max_queued_warns(void **state)
{
	struct worker_config cfg;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&text, &len);

	(void)state;
	assert_non_null(log);
	vlog_set_stream(log);
	config_defaults(&cfg);
	assert_int_equal(parse(&cfg, "queue-max = 8\n", err, sizeof(err)), 0);
	fflush(log);
	assert_int_equal(len, 0);
	assert_int_equal(parse(&cfg, "max-queued = 8\n", err, sizeof(err)), 0);
	fflush(log);
	assert_non_null(strstr(text, "max-queued is obsolete and ignored"));
	vlog_set_stream(NULL);
	fclose(log);
	free(text);
}

/* Lines before a bad one apply; the message names the bad line. */
static void test_stops_at_first_bad_line(void **state)
{
	struct worker_config cfg;
	char err[256];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(parse(&cfg, "batch = 5\nbatch = five\nbatch = 6\n",
			       err, sizeof(err)), -1);
	assert_int_equal(cfg.batch, 5);
	assert_non_null(strstr(err, "t.conf:2:"));
}

static void test_nul_byte(void **state)
{
	static const char text[] = "batch = 5\0 junk\n";
	struct worker_config cfg;
	char err[256];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_parse_buffer(&cfg, text, sizeof(text) - 1,
					     "t.conf", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
}

static void test_path_too_long(void **state)
{
	struct worker_config cfg;
	char err[256], path[CONFIG_PATH_MAX + 1];

	(void)state;
	config_defaults(&cfg);
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(config_set(&cfg, "order-log", path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "path longer than"));
	path[CONFIG_PATH_MAX - 1] = '\0';
	assert_int_equal(config_set(&cfg, "order-log", path, err, sizeof(err)), 0);
	assert_string_equal(cfg.order_log, path);
}

/* Scheduling and limit keys (Documentation/scheduler.md). */
static void test_sched_keys(void **state)
{
	static const char *const bad_weights[] = {
		"4:2", "4:2:1:1", "4:0:1", "4::1", ":4:2:1", "4:2:1:", "1001:1:1",
		"a:b:c", "", "4:2:-1",
	};
	struct worker_config cfg;
	char err[256];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(cfg.sched_mode, SCHED_STRICT);
	assert_int_equal(cfg.sched_weights[0], 4);
	assert_int_equal(cfg.sched_weights[2], 1);
	assert_int_equal(cfg.sched_aging_ms, 100);
	assert_int_equal(cfg.vm_max_inflight, 0);
	assert_int_equal(cfg.rate_burst, 0);
	assert_string_equal(cfg.control_socket, "/run/vgpu/worker.sock");
	assert_int_equal(config_set(&cfg, "sched", "weighted", err, sizeof(err)), 0);
	assert_int_equal(cfg.sched_mode, SCHED_WEIGHTED);
	assert_int_equal(config_set(&cfg, "sched", "aging", err, sizeof(err)), 0);
	assert_int_equal(cfg.sched_mode, SCHED_AGING);
	assert_int_equal(config_set(&cfg, "sched", "fair", err, sizeof(err)), -1);
	assert_string_equal(err, "sched: 'fair' is not strict, weighted or aging");
	assert_int_equal(cfg.sched_mode, SCHED_AGING);
	assert_int_equal(config_set(&cfg, "sched-weights", "8:3:1", err, sizeof(err)), 0);
	assert_int_equal(cfg.sched_weights[0], 8);
	assert_int_equal(cfg.sched_weights[1], 3);
	assert_int_equal(cfg.sched_weights[2], 1);
	for (size_t i = 0; i < sizeof(bad_weights) / sizeof(*bad_weights); i++) {
		assert_int_equal(config_set(&cfg, "sched-weights", bad_weights[i],
					    err, sizeof(err)), -1);
		assert_int_equal(cfg.sched_weights[0], 8);
	}
	assert_int_equal(config_set(&cfg, "sched-aging-ms", "0", err, sizeof(err)), -1);
	assert_int_equal(config_set(&cfg, "sched-aging-ms", "250", err, sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "vm-max-inflight", "8", err, sizeof(err)), 0);
	assert_int_equal(cfg.vm_max_inflight, 8);
	assert_int_equal(config_set(&cfg, "rate-burst", "50", err, sizeof(err)), 0);
	assert_int_equal(cfg.rate_burst, 50);
	assert_int_equal(config_set(&cfg, "control-socket", "", err, sizeof(err)), 0);
	assert_string_equal(cfg.control_socket, "");
}

static void test_cuda_stack_bytes(void **state)
{
	struct worker_config cfg;
	struct exec_cuda_params cp;
	char err[256];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(cfg.cuda_stack_bytes, 0);
	assert_int_equal(config_set(&cfg, "cuda-stack-bytes", "256", err, sizeof(err)), 0);
	assert_int_equal(cfg.cuda_stack_bytes, 256);
	assert_int_equal(config_set(&cfg, "cuda-stack-bytes", "2000000", err, sizeof(err)), -1);
	assert_int_equal(cfg.cuda_stack_bytes, 256);
	memset(&cp, 0, sizeof(cp));
	snprintf(cfg.exec_user, sizeof(cfg.exec_user), "root");
	assert_int_equal(exec_config_cuda_params(&cfg, &cp), 0);
	assert_int_equal(cp.stack_bytes, 256);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/vgpu-config-XXXXXX";
	struct worker_config cfg;
	char err[256];
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("executor = cpu\nop-delay-ms = 5\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), 0);
	assert_string_equal(cfg.executor, "cpu");
	assert_int_equal(cfg.op_delay_ms, 5);

	/* Too large. */
	f = fopen(path, "w");
	for (int i = 0; i < CONFIG_FILE_MAX / 10 + 1; i++)
		fputs("# comment\n", f);
	fputs("batch = 3\n", f);
	fclose(f);
	assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than"));
	unlink(path);

	assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_stops_at_first_bad_line),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_path_too_long),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_sched_keys),
		cmocka_unit_test(test_cuda_stack_bytes),
		cmocka_unit_test(test_obsolete_max_queued_warns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
