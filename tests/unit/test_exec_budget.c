// SPDX-License-Identifier: MIT
/*
 * What the worker can really hold (dom0-worker/exec/exec_budget.c): the
 * defaults derived from the host, the checks at start and at connect,
 * and exec_vm_attach() that applies them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dom0-worker/exec/exec.h"
#include "dom0-worker/exec/exec_budget.h"
#include "dom0-worker/log.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

/*
 * The lab's Dom0 (768 MiB) was given a 1 GiB budget by default, and one
 * guest filled it until the OOM killer took the worker: the default now
 * stays within the worker's share of the host.
 */
static void test_default_fits_host(void **state)
{
	(void)state;
	assert_true(exec_budget_default_cpu(768 * MiB) <=
		    exec_budget_host_share(768 * MiB));
	assert_int_equal(exec_budget_default_cpu(768 * MiB), 192 * MiB);
	assert_int_equal(exec_budget_host_share(768 * MiB), 384 * MiB);
	assert_int_equal(exec_budget_default_cpu(64 * GiB), 16 * GiB);
	/* A tiny host still gets a usable floor. */
	assert_int_equal(exec_budget_default_cpu(32 * MiB), EXEC_BUDGET_MIN_CPU);
}

static void test_operator_budget(void **state)
{
	(void)state;
	assert_int_equal(exec_budget_check_cpu(256 * MiB, 768 * MiB), EXEC_BUDGET_OK);
	assert_int_equal(exec_budget_check_cpu(512 * MiB, 768 * MiB), EXEC_BUDGET_WARN);
	assert_int_equal(exec_budget_check_cpu(1 * GiB, 768 * MiB), EXEC_BUDGET_REFUSE);
	assert_int_equal(exec_budget_check_cpu(1 * GiB, 0), EXEC_BUDGET_OK);
}

/* CUDA staging: 33 MiB a VM in a 384 MiB share lets 11 VMs in. */
static void test_staging_admission(void **state)
{
	struct exec_budget b = { .host_share = 384 * MiB,
				 .per_vm_host = 33 * MiB, .device_mem = 80 * GiB };

	(void)state;
	for (int i = 0; i < 11; i++)
		assert_int_equal(exec_budget_admit(&b, 0), EXEC_BUDGET_OK);
	assert_int_equal(exec_budget_admit(&b, 0), EXEC_BUDGET_REFUSE);
	assert_int_equal(b.nvms, 11);
	exec_budget_leave(&b, 0);
	assert_int_equal(exec_budget_admit(&b, 0), EXEC_BUDGET_OK);
}

/* Quotas past the device's memory: let in, with a warning. */
static void test_quota_overcommit(void **state)
{
	struct exec_budget b = { .host_share = 64 * GiB, .device_mem = 80 * GiB };

	(void)state;
	assert_int_equal(exec_budget_admit(&b, 40 * GiB), EXEC_BUDGET_OK);
	assert_int_equal(exec_budget_admit(&b, 40 * GiB), EXEC_BUDGET_OK);
	assert_int_equal(exec_budget_admit(&b, 1 * GiB), EXEC_BUDGET_WARN);
	assert_int_equal(b.nvms, 3);
	exec_budget_leave(&b, 1 * GiB);
	assert_int_equal(b.quotas, 80 * GiB);
	/* Sums saturate rather than wrap. */
	assert_int_equal(exec_budget_admit(&b, UINT64_MAX), EXEC_BUDGET_WARN);
	assert_int_equal(b.quotas, UINT64_MAX);
	/* No checks when the worker set none (tests, tools). */
	b = (struct exec_budget){ 0 };
	assert_int_equal(exec_budget_admit(&b, UINT64_MAX), EXEC_BUDGET_OK);
}

/* exec_vm_attach() refuses a connect the host cannot stage. */
static void test_attach_refused(void **state)
{
	struct exec_params ep = { .mem_budget = 64 * MiB, .max_allocs = 10 };
	struct exec_vm vm[3];
	struct executor ex;

	(void)state;
	memset(vm, 0, sizeof(vm));
	assert_int_equal(exec_create(&ex, "cpu", &ep), 0);
	ex.budget = (struct exec_budget){ .host_share = 100 * MiB,
					  .per_vm_host = 40 * MiB,
					  .device_mem = 64 * MiB };
	for (int i = 0; i < 3; i++)
		vm[i].cfg.domid = (uint16_t)(5 + i);
	assert_int_equal(exec_vm_attach(&ex, &vm[0]), 0);
	assert_int_equal(exec_vm_attach(&ex, &vm[1]), 0);
	assert_int_equal(exec_vm_attach(&ex, &vm[2]), -ENOMEM);
	exec_vm_detach(&ex, &vm[1]);
	assert_int_equal(exec_vm_attach(&ex, &vm[2]), 0);
	exec_vm_detach(&ex, &vm[0]);
	exec_vm_detach(&ex, &vm[2]);
	assert_int_equal(ex.budget.nvms, 0);
	exec_destroy(&ex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_fits_host),
		cmocka_unit_test(test_operator_budget),
		cmocka_unit_test(test_staging_admission),
		cmocka_unit_test(test_quota_overcommit),
		cmocka_unit_test(test_attach_refused),
	};

	vlog_set_level(VLOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
