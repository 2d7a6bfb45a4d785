// SPDX-License-Identifier: MIT
/*
 * The CUDA executor against a hostile guest or a compromised executor
 * process (Documentation/security.md), on the host-memory device
 * (tests/sim/cx_dev_fake.c): restarts back off, the worker never trusts
 * the geometry in the page a process can write, modules count against
 * the quota, GET_INFO tells a VM only what it may still use, and guest
 * text in the log is escaped.
 *
 * The executor processes are this binary run again: --fake-child (the
 * fake device), --bad-geom-child (the fake device, then the process
 * scribbles over the geometry of its control page), --sys-child (the
 * fake device, whose "socket" kernel makes a forbidden system call).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "dom0-worker/exec/exec.h"
#include "dom0-worker/exec/cuda/exec_cuda.h"
#include "dom0-worker/log.h"
#include "tests/unit/cuda_env.h"
#include "vgpu/vgpuif_ops.h"

extern const struct cx_dev_ops cx_fake_ops;
extern const char cx_fake_printed[];

/* This binary run with @child, one VM attached. */
static struct env *start(const char *child, uint32_t timeout_ms)
{
	struct cuda_env_opts o = { .child = child, .copy_threads = 2,
				   .request_timeout_ms = timeout_ms, .nvm = 1 };

	return env_new(&o);
}

static int32_t run(struct env *e, const struct vgpu_back_req *req,
		   struct gbuf *g, uint64_t *ret)
{
	return env_run(e, 0, req, g, ret);
}

static int32_t load(struct env *e, const char *img, uint64_t *h)
{
	struct vgpu_back_req r = { .operation = VGPUIF_OP_MODULE_LOAD,
				   .data_len = (uint32_t)strlen(img) };
	struct gbuf g = { .p = (uint8_t *)img, .len = strlen(img) };

	return run(e, &r, &g, h);
}

static int32_t launch(struct env *e, uint64_t mod, const char *name)
{
	uint8_t buf[64] = { 0 };
	uint16_t nl = (uint16_t)strlen(name);
	struct vgpu_back_req r = { .operation = VGPUIF_OP_LAUNCH,
				   .data_len = VGPUIF_ALIGN8(nl) };
	struct gbuf g = { .p = buf, .len = r.data_len };

	memcpy(buf, name, nl);
	r.u.launch = (struct vgpuif_launch_args){
		.module = mod, .grid = { 1, 1, 1 }, .block = { 1, 1, 1 },
		.name_len = nl,
	};
	return run(e, &r, &g, NULL);
}

static int32_t simple(struct env *e, uint8_t op)
{
	struct vgpu_back_req r = { .operation = op };

	return run(e, &r, NULL, NULL);
}

static int32_t alloc(struct env *e, uint64_t size, uint64_t *d)
{
	struct vgpu_back_req r = { .operation = VGPUIF_OP_MEM_ALLOC };

	r.u.mem.size = size;
	return run(e, &r, NULL, d);
}

/* ---- restarts back off ---- */

/*
 * A guest that hangs a kernel, then sends a good request, then hangs
 * another: the second restart waits (the watchdog's kill is a failure,
 * and one good request does not clear the count).
 */
static void test_backoff_after_timeouts(void **state)
{
	struct env *e = start("--fake-child", 200);
	struct exec_cuda_stats st;
	uint64_t m;

	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(load(e, "FAKEMOD", &m), VGPUIF_RSP_OKAY);
		assert_int_equal(launch(e, m, "hang"), VGPUIF_RSP_OKAY);
		assert_int_equal(simple(e, VGPUIF_OP_SYNC), VGPUIF_RSP_TIMEOUT);
	}
	exec_cuda_get_stats(&e->ex, &st);
	assert_int_equal(st.timeouts, 2);
	assert_int_equal(st.restarts_delayed, 1);
	/* The VM is served again once the back-off has passed. */
	assert_int_equal(simple(e, VGPUIF_OP_NOP), VGPUIF_RSP_OKAY);
	env_del(e);
}

/* ---- the worker's own geometry ---- */

/*
 * A process that writes nslots 0 and huge sizes into its control page:
 * the worker neither divides by zero nor copies outside the staging area
 * (ASan and UBSan watch), and the requests end with a status.
 */
static void test_bad_geometry(void **state)
{
	struct env *e = start("--bad-geom-child", 1000);
	static uint8_t big[200 * KiB], small[512];
	struct vgpu_back_req r = { .operation = VGPUIF_OP_MEM_WRITE };
	struct gbuf g = { .p = big, .len = sizeof(big) };
	uint64_t d = 0;

	(void)state;
	assert_int_equal(alloc(e, sizeof(big), &d), VGPUIF_RSP_OKAY);
	r.u.mem.dptr = d;
	r.data_len = sizeof(big);
	(void)run(e, &r, &g, NULL);		/* slotted */
	g = (struct gbuf){ .p = small, .len = sizeof(small) };
	r.data_len = sizeof(small);
	(void)run(e, &r, &g, NULL);		/* inline */
	r.operation = VGPUIF_OP_MEM_READ;
	(void)run(e, &r, &g, NULL);
	env_del(e);
}

/* The fake device, then the process corrupts its page's geometry. */
static int bad_init(const struct cx_opts *o, struct cx_ctrl *ctrl,
		    void *staging, size_t len)
{
	int err = cx_fake_ops.init(o, ctrl, staging, len);

	ctrl->nslots = 0;
	ctrl->slot_size = 0xfffff000u;
	ctrl->inline_size = 0x7ffff000u;
	return err;
}

/* ---- modules count against the quota ---- */

static void get_info(struct env *e, struct vgpuif_info *info)
{
	struct vgpu_back_req r = { .operation = VGPUIF_OP_GET_INFO,
				   .data_len = sizeof(*info) };
	struct gbuf g = { .p = (uint8_t *)info, .len = sizeof(*info) };

	memset(info, 0, sizeof(*info));
	assert_int_equal(run(e, &r, &g, NULL), VGPUIF_RSP_OKAY);
}

static void test_module_quota(void **state)
{
	struct env *e = start("--fake-child", 2000);
	struct vgpuif_info info;
	uint64_t m, d;

	(void)state;
	e->vm[0].cfg.mem_quota = 1 * MiB;
	/* 4 MiB of __device__ arrays under a 1 MiB quota: refused. */
	assert_int_equal(load(e, "FAKEMOD globals=4194304", &m),
			 VGPUIF_RSP_QUOTA);
	get_info(e, &info);
	assert_int_equal(info.mem_used, 0);
	/* One of 768 KiB fits; then it leaves no room for 512 KiB more. */
	assert_int_equal(load(e, "FAKEMOD globals=786432", &m), VGPUIF_RSP_OKAY);
	get_info(e, &info);
	assert_int_equal(info.mem_used, 768 * KiB);
	assert_int_equal(alloc(e, 512 * KiB, &d), VGPUIF_RSP_QUOTA);
	/* Unloading gives it back. */
	{
		struct vgpu_back_req r = { .operation = VGPUIF_OP_MODULE_UNLOAD };

		r.u.module.handle = m;
		assert_int_equal(run(e, &r, NULL, NULL), VGPUIF_RSP_OKAY);
	}
	assert_int_equal(alloc(e, 512 * KiB, &d), VGPUIF_RSP_OKAY);
	env_del(e);
}

/* ---- GET_INFO: what the VM may still use, not the device's free ---- */

static void test_info_free(void **state)
{
	struct env *e = start("--fake-child", 2000);
	struct vgpuif_info info;
	uint64_t d;

	(void)state;
	e->vm[0].cfg.mem_quota = 1 * MiB;
	assert_int_equal(alloc(e, 256 * KiB, &d), VGPUIF_RSP_OKAY);
	get_info(e, &info);
	assert_int_equal(info.mem_used, 256 * KiB);
	assert_int_equal(info.mem_free, 768 * KiB);
	/* Without a quota the VM may take what the device has. */
	e->vm[0].cfg.mem_quota = 0;
	get_info(e, &info);
	assert_true(info.mem_free > 768 * KiB);
	assert_true(info.mem_free <= info.mem_total);
	env_del(e);
}

/* ---- the guest's text in Dom0's log ---- */

static void test_log_escaped(void **state)
{
	char path[] = "/tmp/vgpu-test-log-XXXXXX", line[4096];
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;
	size_t n;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	cx_log("module load: %s", "ptxas error\nvgpu-worker[1] info: forged\r\x1b[2J\\x41\xff");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	close(fd);
	unlink(path);
	line[n] = '\0';
	/* One line, printable, the guest's bytes escaped (\\ too). */
	assert_non_null(strstr(line, "ptxas error\\x0avgpu-worker[1] info: forged\\x0d\\x1b[2J\\x5cx41\\xff\n"));
	assert_ptr_equal(strchr(line, '\n'), line + n - 1);
	for (size_t i = 0; i + 1 < n; i++)
		assert_true(line[i] >= 0x20 && line[i] < 0x7f);
}

/* ---- a kernel's printf output reaches no host log ---- */

/*
 * NVIDIA's driver writes a kernel's printf output to the process's
 * standard output: guest text, as much as the printf buffer holds, each
 * synchronize. The worker's standard output (here a file, under systemd
 * the journal) must not get it.
 */
static void test_kernel_output_discarded(void **state)
{
	char path[] = "/tmp/vgpu-test-out-XXXXXX", out[4096];
	int fd = mkstemp(path), saved = dup(1);
	struct env *e;
	uint64_t m = 0;
	ssize_t n;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	assert_int_equal(dup2(fd, 1), 1);
	e = start("--fake-child", 5000);
	assert_non_null(e);
	assert_int_equal(load(e, "FAKEMOD", &m), VGPUIF_RSP_OKAY);
	assert_int_equal(launch(e, m, "print"), VGPUIF_RSP_OKAY);
	assert_int_equal(simple(e, VGPUIF_OP_SYNC), VGPUIF_RSP_OKAY);
	env_del(e);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n >= 0);
	out[n] = '\0';
	assert_null(strstr(out, cx_fake_printed));
}

/* ---- the process is confined ---- */

static size_t slurp(int pid, const char *what, char *buf, size_t len)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

static int env_has(const char *env, size_t len, const char *var)
{
	for (size_t i = 0; i < len; i += strlen(env + i) + 1)
		if (!strcmp(env + i, var))
			return 1;
	return 0;
}

/*
 * A VM's process: seccomp filter on, no_new_privs, no core files, the
 * OOM killer's earlier pick, and none of the worker's environment.
 */
static void test_process_confined(void **state)
{
	struct env *e = start("--fake-child", 2000);
	static char buf[16384];
	struct vgpuif_info info;
	size_t n;
	int pid;

	(void)state;
	get_info(e, &info);	/* the process is up and has answered */
	pid = exec_cuda_vm_pid(&e->vm[0]);
	assert_true(pid > 0);
	slurp(pid, "status", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nSeccomp:\t2\n"));
	assert_non_null(strstr(buf, "\nNoNewPrivs:\t1\n"));
	slurp(pid, "limits", buf, sizeof(buf));
	assert_non_null(strstr(buf, "Max core file size        0                    0"));
	slurp(pid, "oom_score_adj", buf, sizeof(buf));
	assert_int_equal(atoi(buf), 500);
	n = slurp(pid, "environ", buf, sizeof(buf));
	assert_false(env_has(buf, n, "VGPU_TEST_WORKER_ONLY=1"));
	assert_true(env_has(buf, n, "CUDA_MODULE_LOADING=EAGER"));
	env_del(e);
}

/* ---- a process its filter kills ---- */

/* The fake device, whose launch makes a call the filter forbids. */
static int32_t sys_launch(void *mod, const char *name,
			  const struct vgpuif_launch_args *l,
			  const void *params, size_t params_len)
{
	if (!strcmp(name, "socket"))
		socket(AF_INET, SOCK_STREAM, 0);
	return cx_fake_ops.launch(mod, name, l, params, params_len);
}

/*
 * A compromised process making a forbidden call dies by SIGSYS; the
 * worker says why in its log, the VM's requests end and a fresh process
 * serves it.
 */
static void test_filter_kill(void **state)
{
	struct env *e = start("--sys-child", 2000);
	struct exec_cuda_stats st;
	char *text = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&text, &len);
	struct vgpuif_info info;
	uint64_t m;

	(void)state;
	assert_non_null(log);
	vlog_set_stream(log);
	vlog_set_level(VLOG_WARN);
	assert_int_equal(load(e, "FAKEMOD", &m), VGPUIF_RSP_OKAY);
	assert_int_equal(launch(e, m, "socket"), VGPUIF_RSP_ERROR);
	get_info(e, &info);	/* a fresh process; the corpse is reaped */
	for (int i = 0; i < 200 && !strstr(text ? text : "", "seccomp"); i++) {
		usleep(10000);
		(void)simple(e, VGPUIF_OP_SYNC);
		fflush(log);
	}
	exec_cuda_get_stats(&e->ex, &st);
	assert_int_equal(st.lost, 1);
	fflush(log);
	assert_non_null(strstr(text, "was killed by its seccomp filter"));
	vlog_set_stream(stderr);
	vlog_set_level(VLOG_ERROR);
	env_del(e);
	fclose(log);
	free(text);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_after_timeouts),
		cmocka_unit_test(test_bad_geometry),
		cmocka_unit_test(test_module_quota),
		cmocka_unit_test(test_info_free),
		cmocka_unit_test(test_log_escaped),
		cmocka_unit_test(test_kernel_output_discarded),
		cmocka_unit_test(test_process_confined),
		cmocka_unit_test(test_filter_kill),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "--sys-child")) {
		static struct cx_dev_ops sys;

		sys = cx_fake_ops;
		sys.launch = sys_launch;
		return cx_child_main(&sys, argc - 1, argv + 1);
	}
	if (argc > 1 && !strcmp(argv[1], "--bad-geom-child")) {
		static struct cx_dev_ops bad;

		bad = cx_fake_ops;
		bad.init = bad_init;
		return cx_child_main(&bad, argc - 1, argv + 1);
	}
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	setenv("VGPU_TEST_WORKER_ONLY", "1", 1);
	vlog_set_level(getenv("VGPU_TEST_DEBUG") ? VLOG_DEBUG : VLOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
