// SPDX-License-Identifier: MIT
/*
 * vgpu-admin status, inventory and doctor (its GPU check from the `device`
 * answer: CUDA, CPU, --require-gpu, an older worker): against a worker
 * control socket served by the worker's own ctlsock.c with canned answers,
 * and against none; doctor
 * on the fake Xen with and without an IOMMU, a device of another protocol
 * version, a missing database, and every backend in a GPU driver domain
 * (vgpu-back judged from its devices' states, the worker not checked).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenctrl.h>

#include <cmocka.h>

#include "admin_env.h"
#include "loop/ctlsock.h"
#include "tests/sim/xen_fake.h"
#include "tools/admin/admin.h"

#define U1 "0b7c9b2e-1111-2222-3333-444455556666"
#define U2 "0b7c9b2e-1111-2222-3333-444455556667"

static const char vms_answer[] =
	"domid=5 devid=0 vm_id=101 pool=A prio=low queued=3 inflight=4 max_inflight=4 "
	"max_queued=0 rate_limit=200 mem_quota=1073741824 done=1400 errors=2 busy=1 "
	"rate_limited=1 quota=0\n"
	"domid=9 devid=0 vm_id=555 pool=B prio=high queued=0 inflight=0 max_inflight=8 "
	"max_queued=0 rate_limit=0 mem_quota=0 done=7 errors=0 busy=0 rate_limited=0 quota=0\n";

static const char metrics_answer[] =
	"# HELP vgpu_vm_wait_seconds admission to start\n"
	"vgpu_vm_wait_seconds{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"low\",quantile=\"0.5\"} 0.000250000\n"
	"vgpu_vm_wait_seconds{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"low\",quantile=\"0.95\"} 0.001500000\n"
	"vgpu_vm_wait_seconds{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"low\",quantile=\"0.99\"} 0.012000000\n"
	"vgpu_vm_wait_seconds_sum{domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"low\"} 1.0\n";

/* What the fake worker answers to `device`: the CPU executor unless set. */
static const char cpu_device[] =
	"executor=cpu name=\"cpu\" gpu=0 mem_total=1073741824 mem_free=1073741824\n";
static const char *device_answer = cpu_device;
/* What it answers to `gpu`: NULL, unknown (a worker of an older release). */
static const char *gpu_answer;

struct fake_worker {
	struct ctlsock cs;
	pthread_t thread;
	volatile int stop;
	char path[160];
};

static int answer(void *arg, const char *cmd, FILE *out)
{
	(void)arg;
	if (strcmp(cmd, "vms") == 0)
		fputs(vms_answer, out);
	else if (strcmp(cmd, "metrics") == 0)
		fputs(metrics_answer, out);
	else if (strcmp(cmd, "device") == 0 && device_answer)
		fputs(device_answer, out);
	else if (strcmp(cmd, "gpu") == 0 && gpu_answer)
		fputs(gpu_answer, out);
	else if (strcmp(cmd, "help") == 0)
		fputs("device\nhelp\nmetrics\nvms\n", out);
	else
		fprintf(out, "error: unknown command '%s'\n", cmd);
	return 0;
}

static void *serve(void *arg)
{
	struct fake_worker *w = arg;

	while (!w->stop)
		if (ctlsock_serve(&w->cs, answer, NULL) == 0)
			usleep(1000);
	return NULL;
}

static void worker_start(struct admin_env *e, struct fake_worker *w)
{
	snprintf(w->path, sizeof(w->path), "%s/worker.sock", e->dir);
	assert_int_equal(ctlsock_open(&w->cs, w->path), 0);
	w->stop = 0;
	assert_int_equal(pthread_create(&w->thread, NULL, serve, w), 0);
}

static void worker_stop(struct fake_worker *w)
{
	w->stop = 1;
	pthread_join(w->thread, NULL);
	ctlsock_close(&w->cs);
}

static int adm_sock(struct admin_env *e, const char *sock, const char *args)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "--worker-socket %s %s", sock, args);
	return adm(e, cmd);
}

static void expect_start(const char *out, const char *want)
{
	if (strncmp(out, want, strlen(want)))
		fail_msg("output starts\n%.*s\nnot\n%s", (int)strlen(want), out, want);
}

static void test_status(void **state)
{
	struct admin_env *e = *state;
	struct fake_worker w = { .stop = 0 };

	adm_vm(e, "web1", U1, 101);
	adm_vm(e, "web2", U2, 102);
	worker_start(e, &w);
	assert_int_equal(adm_sock(e, w.path, "status"), ADMIN_OK);
	/* web1 with its figures and percentiles, web2 registered only, 555
	 * connected but unknown to the database. */
	assert_non_null(strstr(e->out, "web1                 5   0        101    A low"));
	assert_non_null(strstr(e->out, "   1400       2      1       1      0   0.250ms   1.500ms  12.000ms\n"));
	assert_non_null(strstr(e->out, "web2                 -   -        102  (not connected)"));
	assert_non_null(strstr(e->out, "\n-                    9   0        555"));
	assert_int_equal(adm_sock(e, w.path, "status --json"), ADMIN_OK);
	assert_non_null(strstr(e->out, "{\"name\":\"web2\",\"vm_id\":102,\"connected\":false}"));
	assert_non_null(strstr(e->out,
			       "{\"name\":\"web1\",\"connected\":true,\"domid\":5,\"devid\":0,\"vm_id\":101,"
			       "\"pool\":\"A\",\"priority\":\"low\",\"queued\":3,\"inflight\":4,\"done\":1400,"
			       "\"errors\":2,\"busy\":1,\"rate_limited\":1,\"quota\":0,\"wait_seconds\":"
			       "{\"p50\":0.000250000,\"p95\":0.001500000,\"p99\":0.012000000}}"));
	assert_true(e->out[0] == '[');
	/* An older worker (no `gpu`): no GPU line, the table first. */
	assert_int_equal(adm_sock(e, w.path, "status"), ADMIN_OK);
	assert_true(strncmp(e->out, "NAME ", 5) == 0);
	/* A CUDA worker whose GPU is lost: said first, with its counters. */
	gpu_answer = "executor=cuda state=probing since_s=12 losses=1 probes=3 probes_failed=2 last_error=100 spawns=9 restarts=2 start_failures=1 faults=4 timeouts=1 lost=0 restarts_delayed=0 spares_taken=3 device_lost=17 last_why=\"probe: found no GPU or no context\"\n";
	assert_int_equal(adm_sock(e, w.path, "status"), ADMIN_OK);
	expect_start(e->out, "GPU: LOST, probing for 12 s (guests get ENOMEDIUM until it is back): probe: found no GPU or no context, device error 100; probes 3 (2 failed)\n"
			     "executors: 9 started, 2 restarts, 1 start failures, 4 faults, 1 timeouts, 0 lost, 3 spares taken, 17 device_lost answers\n\nNAME ");
	gpu_answer = "executor=cuda state=ok since_s=5 losses=1 probes=3 probes_failed=2 last_error=100 spawns=9 restarts=2 start_failures=1 faults=4 timeouts=1 lost=0 restarts_delayed=0 spares_taken=3 device_lost=17 last_why=\"\"\n";
	assert_int_equal(adm_sock(e, w.path, "status"), ADMIN_OK);
	expect_start(e->out, "GPU: ok for 5 s; lost 1 time(s); probes 3 (2 failed)\nexecutors: ");
	/* --json: the VMs alone, as before. */
	assert_int_equal(adm_sock(e, w.path, "status --json"), ADMIN_OK);
	assert_true(e->out[0] == '[');
	gpu_answer = NULL;
	worker_stop(&w);
}

static void test_top(void **state)
{
	struct admin_env *e = *state;
	struct fake_worker w = { .stop = 0 };
	const char *second;

	adm_vm(e, "web1", U1, 101);
	worker_start(e, &w);
	assert_int_equal(adm_sock(e, w.path, "top --count 2 --interval 1"), ADMIN_OK);
	/* Two repaints, each a full status. */
	second = strstr(e->out + 1, "\033[H\033[2Jvgpu-admin top: ");
	assert_true(strncmp(e->out, "\033[H\033[2J", 7) == 0);
	assert_non_null(second);
	assert_non_null(strstr(second, "web1                 5   0        101"));
	assert_int_equal(adm_sock(e, w.path, "top --interval 0"), ADMIN_E_USAGE);
	assert_int_equal(adm_sock(e, w.path, "top --json"), ADMIN_E_USAGE);
	worker_stop(&w);
	assert_int_equal(adm_sock(e, w.path, "top --count 1"), ADMIN_E_WORKER);
}

static void test_inventory(void **state)
{
	struct admin_env *e = *state;
	struct fake_worker w = { .stop = 0 };
	char want[512];

	adm_vm(e, "web1", U1, 101);
	adm_vm(e, "web2", U2, 102);
	assert_int_equal(fake_xen_add_domain(5, "web1", U1), 0);
	assert_int_equal(adm(e, "attach web1"), 0);
	worker_start(e, &w);
	assert_int_equal(adm_sock(e, w.path, "inventory --json"), ADMIN_OK);
	snprintf(want, sizeof(want), "{\"database\":\"%s\",\"schema\":1,\"xen\":true,"
		 "\"xenstore\":true,\"worker\":{\"socket\":\"%s\",\"reachable\":true,"
		 "\"executor\":\"cpu\"},\"gpus\":[],\"pools\":[{\"letter\":\"A\",\"description\":\"\",\"vms\":2}],\"vms\":[{\"name\":\"web1\"",
		 e->db, w.path);
	assert_true(strncmp(e->out, want, strlen(want)) == 0);
	assert_non_null(strstr(e->out, "\"devid\":0,\"domid\":5,\"attached\":true,\"connected\":true},"
			       "{\"name\":\"web2\""));
	assert_non_null(strstr(e->out, "\"domid\":null,\"attached\":false,\"connected\":false}]}\n"));
	/* A CUDA worker: its GPU, the name's escapes undone. */
	device_answer = "executor=cuda name=\"NVIDIA \\\"H200\\\"\" gpu=1 mem_total=150109880320 mem_free=149433221120\n";
	assert_int_equal(adm_sock(e, w.path, "inventory --json"), ADMIN_OK);
	assert_non_null(strstr(e->out, "\"reachable\":true,\"executor\":\"cuda\"},\"gpus\":[{\"name\":\"NVIDIA \\\"H200\\\"\","
			       "\"mem_total\":150109880320,\"mem_free\":149433221120}],\"pools\""));
	device_answer = cpu_device;
	worker_stop(&w);
	fake_xs_unavailable = 1;
	fake_xc_unavailable = 1;
	assert_int_equal(adm_sock(e, w.path, "inventory"), ADMIN_OK);
	assert_non_null(strstr(e->out, "\"xen\":false,\"xenstore\":false"));
	assert_non_null(strstr(e->out, "\"reachable\":false,\"executor\":null},\"gpus\":[]"));
}

static void test_status_no_worker(void **state)
{
	struct admin_env *e = *state;
	char sock[160];

	adm_vm(e, "web1", U1, 101);
	snprintf(sock, sizeof(sock), "%s/none.sock", e->dir);
	assert_int_equal(adm_sock(e, sock, "status"), ADMIN_E_WORKER);
	assert_non_null(strstr(e->err, "cannot reach the worker at"));
	assert_non_null(strstr(e->err, "is vgpu-worker running?"));
}

static void test_doctor(void **state)
{
	struct admin_env *e = *state;
	struct fake_worker w = { .stop = 0 };
	char sock[160];

	adm_vm(e, "web1", U1, 101);
	worker_start(e, &w);
	assert_int_equal(adm_sock(e, w.path, "doctor"), access("/sys/module/vgpu_back", F_OK) ?
			 ADMIN_E_CHECK : ADMIN_OK);
	assert_non_null(strstr(e->out, "ok   xen "));
	assert_non_null(strstr(e->out, "ok   iommu     Xen reports the IOMMU enabled"));
	assert_non_null(strstr(e->out, "ok   xenstore "));
	assert_non_null(strstr(e->out, "ok   worker    vgpu-worker answers"));
	assert_non_null(strstr(e->out, "ok   database  "));
	assert_non_null(strstr(e->out, "schema version 1, 1 VMs"));
	assert_non_null(strstr(e->out, "ok   versions  0 attached devices"));
	/* The CPU executor is information, not a failure... */
	assert_non_null(strstr(e->out, "--   gpu       no GPU: the worker runs the CPU executor"));
	assert_null(strstr(e->out, "FAIL gpu"));
	/* ... unless the operator requires a GPU. */
	assert_int_equal(adm_sock(e, w.path, "doctor --require-gpu"), ADMIN_E_CHECK);
	assert_non_null(strstr(e->out, "FAIL gpu       no GPU: the worker runs the cpu executor"));
	assert_non_null(strstr(e->out, "     fix: the GPU is not visible to the worker: check the NVIDIA driver"));
	/* A GPU passes, with or without --require-gpu. */
	device_answer = "executor=cuda name=\"NVIDIA H200\" gpu=1 mem_total=150109880320 mem_free=149433221120\n";
	adm_sock(e, w.path, "doctor --require-gpu");
	assert_non_null(strstr(e->out, "ok   gpu       cuda executor on \"NVIDIA H200\", 142510 of 143155 MiB free\n"));
	/* The CUDA executor without a GPU fails. */
	device_answer = "executor=cuda name=\"\" gpu=0 mem_total=0 mem_free=0\n";
	adm_sock(e, w.path, "doctor");
	assert_non_null(strstr(e->out, "FAIL gpu       no GPU: the worker runs the cuda executor"));
	/* A worker of an older release: no device command. */
	device_answer = NULL;
	adm_sock(e, w.path, "doctor --json");
	assert_non_null(strstr(e->out, "{\"check\":\"gpu\",\"ok\":false,\"detail\":\"the worker does not answer the device command\""));
	device_answer = cpu_device;
	worker_stop(&w);

	/* The worker stopped, no IOMMU, a device of protocol 2, no database. */
	fake_xc_caps = XEN_SYSCTL_PHYSCAP_hvm;
	assert_int_equal(fake_xen_add_domain(5, "web1", U1), 0);
	assert_int_equal(adm(e, "attach web1"), 0);
	assert_int_equal(fake_xs_write("/local/domain/0/backend/vgpu/5/0/protocol-version", "2"), 0);
	snprintf(sock, sizeof(sock), "%s/none.sock", e->dir);
	assert_int_equal(adm_sock(e, sock, "doctor"), ADMIN_E_CHECK);
	/* No IOMMU is fine while every backend is Dom0... */
	assert_non_null(strstr(e->out, "--   iommu     Xen reports no IOMMU: fine while every backend is Dom0"));
	assert_null(strstr(e->out, "FAIL iommu"));
	assert_non_null(strstr(e->out, "FAIL worker    the control socket does not answer"));
	assert_non_null(strstr(e->out, "     fix: start vgpu-worker"));
	/* With the worker down, only the worker check fails for it. */
	assert_non_null(strstr(e->out, "--   gpu       not checked: the worker does not answer"));
	assert_non_null(strstr(e->out, "FAIL versions  1 of 1 devices speak another protocol"));
	/* ... not with a GPU driver domain. */
	assert_int_equal(adm(e, "vm set web1 backend 7"), 0);
	assert_int_equal(adm_sock(e, sock, "doctor"), ADMIN_E_CHECK);
	assert_non_null(strstr(e->out, "FAIL iommu     Xen reports no IOMMU (no directio capability), and 1 VMs"));
	assert_non_null(strstr(e->out, "     fix: enable VT-d / AMD-Vi"));
	unlink(e->db);
	assert_int_equal(adm_sock(e, sock, "doctor --json"), ADMIN_E_CHECK);
	assert_non_null(strstr(e->out, "{\"check\":\"database\",\"ok\":false,\"detail\":\"database "));
	assert_non_null(strstr(e->out, "\"fix\":\"vgpu-admin init"));

	fake_xc_unavailable = 1;
	fake_xs_unavailable = 1;
	assert_int_equal(adm(e, "doctor"), ADMIN_E_CHECK);
	assert_non_null(strstr(e->out, "FAIL xen       libxenctrl cannot be opened"));
	assert_non_null(strstr(e->out, "FAIL xenstore "));
}

/*
 * Every backend in a driver domain: vgpu-back and the worker are not in
 * Dom0, so doctor neither asks /sys/module nor fails the worker's socket;
 * a device the driver domain's vgpu-back never took (state Initialising)
 * fails the backend check, naming the domain.
 */
static void test_doctor_driver_domain(void **state)
{
	struct admin_env *e = *state;
	char sock[160];

	adm_vm(e, "web1", U1, 101);
	assert_int_equal(adm(e, "vm set web1 backend gpudd"), 0);
	assert_int_equal(fake_xen_add_domain(7, "gpudd", U2), 0);
	assert_int_equal(fake_xen_add_domain(5, "web1", U1), 0);
	snprintf(sock, sizeof(sock), "%s/none.sock", e->dir);
	assert_int_equal(adm_sock(e, sock, "doctor"), ADMIN_OK);
	assert_non_null(strstr(e->out, "--   backend   not checked: vgpu-back runs in the driver domains, and no device is attached there yet"));
	assert_non_null(strstr(e->out, "--   worker    not checked: the worker runs in the driver domain"));
	assert_null(strstr(e->out, "FAIL"));

	assert_int_equal(adm(e, "attach web1"), 0);
	assert_int_equal(adm_sock(e, sock, "doctor"), ADMIN_E_CHECK);
	assert_non_null(strstr(e->out, "FAIL backend   1 of 1 devices in driver domains are still Initialising: vgpu-back in gpudd (domid 7) has not taken them"));
	assert_non_null(strstr(e->out, "     fix: load vgpu-back in that driver domain"));
	assert_null(strstr(e->out, "FAIL worker"));

	/* vgpu-back there took it (InitWait, then Connected). */
	assert_int_equal(fake_xs_write("/local/domain/7/backend/vgpu/5/0/state", "4"), 0);
	assert_int_equal(adm_sock(e, sock, "doctor"), ADMIN_OK);
	assert_non_null(strstr(e->out, "ok   backend   vgpu-back in the driver domains took all 1 attached devices"));

	/* One VM back in Dom0: Dom0's module is checked again, and the worker. */
	adm_vm(e, "web2", "0b7c9b2e-1111-2222-3333-444455556668", 102);
	adm_sock(e, sock, "doctor");
	assert_non_null(strstr(e->out, access("/sys/module/vgpu_back", F_OK) ?
			       "FAIL backend   vgpu-back is not loaded" : "ok   backend   vgpu-back is loaded"));
	assert_non_null(strstr(e->out, "ok   backend   vgpu-back in the driver domains took all 1 attached devices"));
	assert_non_null(strstr(e->out, "FAIL worker    the control socket does not answer"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, admin_env_setup, admin_env_teardown)
		T(test_status),
		T(test_status_no_worker),
		T(test_top),
		T(test_inventory),
		T(test_doctor),
		T(test_doctor_driver_domain),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
