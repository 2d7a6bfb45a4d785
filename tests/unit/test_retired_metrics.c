// SPDX-License-Identifier: MIT
/*
 * Unit tests of what the worker keeps of a disconnected VM for the
 * metrics (dom0-worker/loop/worker_report.c, worker_events.c, worker.c):
 * its final counters stay in the Prometheus text with the same labels and
 * vgpu_vm_connected 0 until they are forgotten (the control command
 * "forget", or pushed out of the last WORKER_RETIRED_MAX); one series per
 * label set when a VM comes back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "worker_env.h"

static struct worker_env *env_new(void)
{
	const struct worker_env_opts o = { .log_level = VLOG_ERROR };

	return env_create(&o);
}

static char *run(struct worker_env *e, const char *cmd, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = worker_command(&e->w, cmd, f);
	fclose(f);
	return buf;
}

/* @vm connects, runs @n NOPs, and (if @leave) disconnects. */
static void session(struct worker_env *e, const struct vgpu_back_vm *vm,
		    unsigned int n, int leave)
{
	simbe_connect(&e->tp, vm);
	for (unsigned int i = 0; i < n; i++)
		env_nop(e, vm, i + 1);
	assert_true(worker_read(&e->w) >= 1);
	while (worker_run_one(&e->w))
		;
	assert_int_equal(worker_flush(&e->w), 0);
	if (leave) {
		simbe_disconnect(&e->tp, vm->domid, vm->devid);
		assert_true(worker_read(&e->w) >= 1);
	}
}

static unsigned int count(const char *t, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = t; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

#define VM5 "domid=\"5\",devid=\"0\",vm_id=\"101\",pool=\"A\",prio=\"high\""
#define VM7 "domid=\"7\",devid=\"0\",vm_id=\"103\",pool=\"B\",prio=\"low\""

/* A VM that left keeps its final counters, labelled as before, connected 0. */
static void test_disconnected_kept(void **state)
{
	struct worker_env *e = env_new();
	struct vgpu_back_vm a = env_vm(5, 101, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_vm b = env_vm(7, 103, 1, VGPUIF_PRIO_LOW);
	char *t;
	int rc;

	(void)state;
	session(e, &a, 3, 1);
	session(e, &b, 2, 0);
	t = run(e, "metrics", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(t, "vgpu_vm_completed_total{" VM5 "} 3\n"));
	assert_non_null(strstr(t, "vgpu_vm_completed_total{" VM7 "} 2\n"));
	assert_non_null(strstr(t, "vgpu_vm_connected{" VM5 "} 0\n"));
	assert_non_null(strstr(t, "vgpu_vm_connected{" VM7 "} 1\n"));
	assert_non_null(strstr(t, "vgpu_vm_queue_depth{" VM5 "} 0\n"));
	assert_non_null(strstr(t, "vgpu_vm_service_seconds_count{" VM5 "} 3\n"));
	assert_non_null(strstr(t, "vgpu_vm_latency_seconds_count{" VM5 "} 3\n"));
	assert_non_null(strstr(t, "vgpu_vm_latency_seconds{" VM5 ",quantile=\"0.99\"} "));
	assert_non_null(strstr(t, "# TYPE vgpu_level_latency_seconds summary\n"));
	assert_non_null(strstr(t, "vgpu_worker_disconnected_vms 1\n"));
	assert_non_null(strstr(t, "# TYPE vgpu_vm_connected gauge\n"));
	/* Still "connected" VMs only in vgpu_worker_vms. */
	assert_non_null(strstr(t, "vgpu_worker_vms 1\n"));
	free(t);
	env_free(e);
}

/* Back with the same labels: one series, the live one's. */
static void test_reconnect_one_series(void **state)
{
	struct worker_env *e = env_new();
	struct vgpu_back_vm a = env_vm(5, 101, 0, VGPUIF_PRIO_HIGH);
	char *t;
	int rc;

	(void)state;
	session(e, &a, 3, 1);
	session(e, &a, 4, 1);
	t = run(e, "metrics", &rc);
	/* Two disconnected sessions, the newer one shown. */
	assert_int_equal(count(t, "vgpu_vm_completed_total{" VM5 "}"), 1);
	assert_non_null(strstr(t, "vgpu_vm_completed_total{" VM5 "} 4\n"));
	assert_non_null(strstr(t, "vgpu_worker_disconnected_vms 2\n"));
	free(t);
	session(e, &a, 1, 0);
	t = run(e, "metrics", &rc);
	assert_int_equal(count(t, "vgpu_vm_completed_total{" VM5 "}"), 1);
	assert_non_null(strstr(t, "vgpu_vm_completed_total{" VM5 "} 1\n"));
	assert_int_equal(count(t, "vgpu_vm_connected{" VM5 "}"), 1);
	assert_non_null(strstr(t, "vgpu_vm_connected{" VM5 "} 1\n"));
	free(t);
	env_free(e);
}

/* forget DOMID, forget DOMID/DEVID, forget all, and bad arguments. */
static void test_forget(void **state)
{
	struct worker_env *e = env_new();
	struct vgpu_back_vm a = env_vm(5, 101, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_vm b = env_vm(7, 103, 1, VGPUIF_PRIO_LOW);
	struct vgpu_back_vm c = env_vm(9, 109, 0, VGPUIF_PRIO_MEDIUM);
	static const char *const bad[] = {
		"forget ", "forget x", "forget 5/", "forget 70000",
		"forget 5/70000", "forget -1", "forget 5/0/1",
		"forget 123456789012345678901",
	};
	char *t;
	int rc;

	(void)state;
	session(e, &a, 1, 1);
	session(e, &b, 1, 1);
	session(e, &c, 1, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		t = run(e, bad[i], &rc);
		assert_int_equal(rc, -EINVAL);
		assert_non_null(strstr(t, "error: usage: forget"));
		free(t);
	}
	t = run(e, "forget 7/1", &rc);	/* no such device */
	assert_int_equal(rc, 0);
	assert_string_equal(t, "forgot 0\n");
	free(t);
	t = run(e, "forget 7/0", &rc);
	assert_string_equal(t, "forgot 1\n");
	free(t);
	t = run(e, "metrics", &rc);
	assert_null(strstr(t, "domid=\"7\""));
	assert_non_null(strstr(t, "vgpu_vm_completed_total{" VM5 "} 1\n"));
	assert_non_null(strstr(t, "vgpu_worker_disconnected_vms 2\n"));
	free(t);
	t = run(e, "forget 5", &rc);
	assert_string_equal(t, "forgot 1\n");
	free(t);
	/* The one left is still in order for the log's report. */
	t = run(e, "forget all", &rc);
	assert_string_equal(t, "forgot 1\n");
	free(t);
	t = run(e, "metrics", &rc);
	assert_null(strstr(t, "vgpu_vm_completed_total{"));
	assert_non_null(strstr(t, "vgpu_worker_disconnected_vms 0\n"));
	free(t);
	/* Other commands still reach worker_control(). */
	t = run(e, "help", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(t, "forget all|DOMID[/DEVID]\n"));
	free(t);
	env_free(e);
}

/*
 * More than WORKER_RETIRED_MAX leave: the oldest go; a forget in a ring
 * that has wrapped keeps the others, oldest first.
 */
static void test_bounded_and_wrapped(void **state)
{
	struct worker_env *e = env_new();
	unsigned int n = WORKER_RETIRED_MAX + 10;
	char *t, needle[96];
	int rc;

	(void)state;
	for (unsigned int i = 0; i < n; i++) {
		struct vgpu_back_vm v = env_vm((uint16_t)(100 + i), 1000 + i, 0,
					       VGPUIF_PRIO_LOW);

		session(e, &v, 1, 1);
	}
	assert_int_equal(e->w.nretired, WORKER_RETIRED_MAX);
	t = run(e, "metrics", &rc);
	assert_null(strstr(t, "domid=\"109\""));	/* pushed out */
	assert_non_null(strstr(t, "domid=\"110\""));
	assert_non_null(strstr(t, "vgpu_worker_disconnected_vms 256\n"));
	free(t);
	t = run(e, "forget 200", &rc);
	assert_string_equal(t, "forgot 1\n");
	free(t);
	assert_int_equal(e->w.nretired, WORKER_RETIRED_MAX - 1);
	t = run(e, "metrics", &rc);
	assert_null(strstr(t, "domid=\"200\""));
	for (unsigned int i = 10; i < n; i++) {
		if (i == 100)
			continue;
		snprintf(needle, sizeof(needle),
			 "vgpu_vm_connected{domid=\"%u\",devid=\"0\",vm_id=\"%u\"",
			 100 + i, 1000 + i);
		assert_non_null(strstr(t, needle));
	}
	free(t);
	/* Oldest first after the compaction: the next to leave pushes none. */
	{
		struct vgpu_back_vm v = env_vm(999, 9999, 0, VGPUIF_PRIO_LOW);

		session(e, &v, 1, 1);
	}
	t = run(e, "metrics", &rc);
	assert_non_null(strstr(t, "domid=\"110\""));
	assert_non_null(strstr(t, "domid=\"999\""));
	free(t);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disconnected_kept),
		cmocka_unit_test(test_reconnect_one_series),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_bounded_and_wrapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
