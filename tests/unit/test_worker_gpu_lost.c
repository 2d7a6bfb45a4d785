// SPDX-License-Identifier: MIT
/*
 * A lost GPU (Documentation/cuda-executor.md, "GPU lost"): the worker's
 * loop and the CUDA executor's real processes on the host-memory device
 * (this binary started again with --fake-child), fed by the simulated
 * backend, three VMs keeping vector adds in flight:
 *  - the device is lost mid-load (the fake's injection, tests/sim/
 *    cx_dev_fake.c: every operation fails with CUDA_ERROR_UNKNOWN, a new
 *    process finds no device): every request is answered, none hangs,
 *    none is lost; those the loss caught and every later one get
 *    DEVICE_LOST (never a VM's FAULT or ERROR); probes fail and back off;
 *    the device comes back: the next probe finds it and the same VMs
 *    (nothing reconnects) are served again, results right;
 *  - every executor process is killed at once (what a driver reset looks
 *    like from the worker, and how the GPU test simulates a loss on real
 *    hardware): the same, through the "several VMs at once" evidence.
 * The state and counters are checked in the `gpu` control line and the
 * Prometheus text.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "dom0-worker/exec/cuda/exec_cuda.h"
#include "worker_env.h"

extern const struct cx_dev_ops cx_fake_ops;
void cx_fake_gpu_lost(int lost);

#define NVM		3
#define INFLIGHT	4	/* per VM, kept by the load */
#define MAXREQ		6000
#define NEL		64

struct add {
	float v[3 * NEL];
	uint64_t handle;
	int vm, k, done;
};

struct env {
	struct exec_cuda_params cp;
	struct worker_env *we;
	struct vgpu_back_vm vm[NVM];
	struct add *a;
	unsigned int n, ndone;
	unsigned int inflight[NVM];
	unsigned int ok, ok_after, lost, other;
	unsigned int extra;	/* requests outside a[] (a NOP) */
	int32_t other_status;
	int recovered;		/* OKAY counted in ok_after from now */
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct worker_env_opts o = {
		.cuda = &e->cp,
		.log_level = getenv("VGPU_TEST_DEBUG") ? VLOG_DEBUG : VLOG_INFO,
	};

	assert_non_null(e);
	e->a = calloc(MAXREQ, sizeof(*e->a));
	assert_non_null(e->a);
	exec_cuda_default_params(&e->cp);
	e->cp.program = "/proc/self/exe";
	e->cp.program_arg = "--fake-child";
	e->cp.copy_threads = 0;
	e->cp.slot_size = 64 * 1024;
	e->cp.nslots = 4;
	e->cp.inline_max = 8192;
	e->cp.request_timeout_ms = 3000;
	e->cp.spare = 1;
	e->we = env_create(&o);
	for (int i = 0; i < NVM; i++) {
		e->vm[i] = env_vm((uint16_t)(1 + i), 1u + (uint32_t)i, 0,
				  VGPUIF_PRIO_MEDIUM);
		simbe_connect(&e->we->tp, &e->vm[i]);
	}
	assert_true(worker_read(&e->we->w) == NVM);
	*state = e;
	return 0;
}

/* The worker's log lines about the GPU: the test's transcript. */
static void print_gpu_log(struct env *e)
{
	const char *p = env_log(e->we);

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		if (memmem(p, (size_t)len, "GPU", 3))
			printf("  log: %.*s\n", len, p);
		p = nl ? nl + 1 : NULL;
	}
}

static int teardown(void **state)
{
	struct env *e = *state;

	print_gpu_log(e);
	cx_fake_gpu_lost(0);
	env_free(e->we);
	free(e->a);
	free(e);
	return 0;
}

static void queue_add(struct env *e, int vm)
{
	struct add *a;
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_VECTOR_ADD, .data_len = sizeof(a->v),
	};

	assert_true(e->n < MAXREQ);
	a = &e->a[e->n];
	a->vm = vm;
	a->k = (int)e->n++;
	for (int i = 0; i < NEL; i++) {
		a->v[i] = (float)(a->k % 1000 * 100 + i);
		a->v[NEL + i] = 1;
		a->v[2 * NEL + i] = -7;	/* every element must be written */
	}
	r.u.vector_add.n = NEL;
	a->handle = simbe_request(&e->we->tp, &e->vm[vm], &r, a->v);
	e->inflight[vm]++;
}

/* Takes the completions that came: each checked, once. */
static void collect(struct env *e)
{
	for (unsigned int i = 0; i < e->n; i++) {
		struct add *a = &e->a[i];
		const struct simbe_completion *c;

		if (a->done)
			continue;
		c = simbe_completion_of(&e->we->tp, a->handle);
		if (!c)
			continue;
		a->done = 1;
		e->ndone++;
		e->inflight[a->vm]--;
		if (c->c.status == VGPUIF_RSP_OKAY) {
			for (int j = 0; j < NEL; j++)
				assert_true(a->v[2 * NEL + j] == a->v[j] + 1);
			e->ok++;
			if (e->recovered)
				e->ok_after++;
		} else if (c->c.status == VGPUIF_RSP_DEVICE_LOST) {
			e->lost++;
		} else {
			e->other++;
			e->other_status = c->c.status;
		}
	}
}

/* One turn of the loop, the load topped up first when @load. */
static void turn(struct env *e, int load)
{
	struct pollfd p = { .fd = e->we->ex.ops->pollfd(&e->we->ex), .events = POLLIN };

	for (int vm = 0; load && vm < NVM; vm++)
		while (e->inflight[vm] < INFLIGHT)
			queue_add(e, vm);
	assert_true(worker_read(&e->we->w) >= 0);
	worker_run_one(&e->we->w);
	poll(&p, 1, 2);
	worker_reap(&e->we->w);
	assert_int_equal(worker_flush(&e->we->w), 0);
	collect(e);
}

static struct exec_health health(struct env *e)
{
	struct exec_health h;

	exec_health(&e->we->ex, &h);
	return h;
}

/* What the control socket answers to @cmd. */
static char *control(struct env *e, const char *cmd)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	assert_non_null(f);
	assert_int_equal(worker_control(&e->we->w, cmd, f), 0);
	fclose(f);
	return t;
}

static void expect_control(struct env *e, const char *cmd, const char *want)
{
	char *t = control(e, cmd);

	if (!strstr(t, want))
		fail_msg("`%s` has no \"%s\":\n%s", cmd, want, t);
	free(t);
}

/* Runs the load until @cond(e) or about 20 s. */
static void load_until(struct env *e, int (*cond)(struct env *e), const char *what)
{
	for (int i = 0; i < 10000 && e->n + NVM * INFLIGHT < MAXREQ; i++) {
		if (cond(e))
			return;
		turn(e, 1);
	}
	fail_msg("no %s after %u requests: ok %u, device_lost %u, other %u (last status %d); gpu %s",
		 what, e->n, e->ok, e->lost, e->other, e->other_status,
		 health(e).state);
}

static int some_served(struct env *e)
{
	return e->ok >= 30;
}

static int lost_seen(struct env *e)
{
	return e->lost > 0 && strcmp(health(e).state, "ok") != 0;
}

static int probes_failed(struct env *e)
{
	return health(e).probes_failed >= 2;
}

static int gpu_ok(struct env *e)
{
	return strcmp(health(e).state, "ok") == 0;
}

static int served_again(struct env *e)
{
	return e->ok_after >= 30;
}

/* Stops the load: every request submitted is answered. */
static void drain(struct env *e)
{
	for (int i = 0; i < 10000 && e->ndone < e->n; i++)
		turn(e, 0);
	assert_int_equal(e->ndone, e->n);
	assert_int_equal(simbe_nr_completions(&e->we->tp), e->n + e->extra);
	assert_int_equal(e->we->w.running, 0);
}

static void test_loss_mid_load(void **state)
{
	struct env *e = *state;
	struct exec_health h;

	load_until(e, some_served, "load served");
	cx_fake_gpu_lost(1);
	load_until(e, lost_seen, "DEVICE_LOST");
	expect_control(e, "metrics", "vgpu_gpu_up 0\n");
	/* Probes find no device and back off; the load gets DEVICE_LOST. */
	load_until(e, probes_failed, "failed probes");
	/* A NOP too: the GPU is gone, whatever the request. */
	{
		uint64_t nop = env_nop(e->we, &e->vm[0], 999);

		e->extra++;
		for (int i = 0; i < 1000 && !simbe_completion_of(&e->we->tp, nop); i++)
			turn(e, 0);
		assert_int_equal(env_done(e->we, nop)->c.status,
				 VGPUIF_RSP_DEVICE_LOST);
	}
	h = health(e);
	assert_int_equal(h.last_error, 100);	/* CUDA_ERROR_NO_DEVICE */
	assert_non_null(strstr(h.last_why, "probe"));
	expect_control(e, "gpu", "executor=cuda state=");
	expect_control(e, "gpu", " losses=1 ");
	cx_fake_gpu_lost(0);
	load_until(e, gpu_ok, "recovery");
	e->recovered = 1;
	load_until(e, served_again, "requests served after the recovery");
	drain(e);
	/* Nothing but results and DEVICE_LOST: no VM was told it faulted. */
	if (e->other)
		fail_msg("%u request(s) got status %d", e->other, e->other_status);
	h = health(e);
	printf("gpu-lost: %u requests: %u okay (%u after the recovery), %u device_lost; losses %llu, probes %llu (%llu failed), processes started %llu\n",
	       e->n, e->ok, e->ok_after, e->lost, (unsigned long long)h.losses,
	       (unsigned long long)h.probes, (unsigned long long)h.probes_failed,
	       (unsigned long long)h.spawns);
	assert_int_equal(h.losses, 1);
	assert_true(h.probes >= 3);
	assert_int_equal(h.probes, h.probes_failed + 1);
	assert_int_equal(h.device_lost, e->lost + e->extra);	/* + the NOP */
	assert_int_equal(h.faults, 0);
	expect_control(e, "gpu", "executor=cuda state=ok ");
	expect_control(e, "metrics", "vgpu_gpu_up 1\n");
	expect_control(e, "metrics", "vgpu_gpu_state{state=\"ok\"} 1\n");
	expect_control(e, "metrics", "vgpu_gpu_losses_total 1\n");
	expect_control(e, "metrics", "status=\"device_lost\"}");
}

/* The pids of this process's children: the executor processes. */
static int children(pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) && n < max) {
		char path[300], buf[512], *p;
		FILE *f;
		int ppid = 0;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && sscanf(p, ") %*c %d", &ppid) == 1 && ppid == getpid())
			pids[n++] = atoi(de->d_name);
	}
	closedir(d);
	return n;
}

static int is_zombie(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	char st = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	return !p || (sscanf(p, ") %c", &st) == 1 && st == 'Z');
}

static void test_all_killed(void **state)
{
	struct env *e = *state;
	struct exec_health h;
	pid_t pids[16];
	int n;

	load_until(e, some_served, "load served");
	n = children(pids, 16);
	assert_true(n >= NVM);
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	/* All dead before the loop looks: one event, as a reset is. */
	for (int i = 0; i < n; i++)
		for (int t = 0; t < 2000 && !is_zombie(pids[i]); t++)
			usleep(1000);
	load_until(e, lost_seen, "DEVICE_LOST");
	load_until(e, gpu_ok, "recovery");
	e->recovered = 1;
	load_until(e, served_again, "requests served after the recovery");
	drain(e);
	if (e->other)
		fail_msg("%u request(s) got status %d", e->other, e->other_status);
	h = health(e);
	printf("all-killed: %d processes killed; %u requests: %u okay (%u after), %u device_lost; losses %llu, probes %llu\n",
	       n, e->n, e->ok, e->ok_after, e->lost,
	       (unsigned long long)h.losses, (unsigned long long)h.probes);
	assert_int_equal(h.losses, 1);
	assert_int_equal(h.probes, 1);
	assert_int_equal(h.probes_failed, 0);
	assert_string_equal(h.state, "ok");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_loss_mid_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_killed, setup, teardown),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
