// SPDX-License-Identifier: MIT
/*
 * Unit tests of the CPU executor (dom0-worker/exec/exec_cpu.c, exec.c), fed
 * through the simulated backend (tests/sim/simbe.c) exactly as the worker
 * feeds it: the request is read as an event, its data moves with the
 * transport's copy, and the backend checks every copy's range and
 * direction.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <vgpu/vgpuif_ops.h>

#include "exec_cpu_env.h"


static int32_t vector_add(struct env *e, float *buf, uint32_t n)
{
	struct vgpu_back_req r = op(VGPUIF_OP_VECTOR_ADD);

	r.u.vector_add.n = n;
	r.data_len = 12 * n;
	return run(e, 0, r, buf).status;
}

static void test_vector_add_one(void **state)
{
	float buf[3] = { 3.0f, 4.0f, -1.0f };

	assert_int_equal(vector_add(*state, buf, 1), VGPUIF_RSP_OKAY);
	assert_true(buf[2] == 7.0f);
}

static void check_vector_add(struct env *e, uint32_t n)
{
	float *buf = malloc(12ull * n);

	assert_non_null(buf);
	srand(n);
	for (uint32_t i = 0; i < 2 * n; i++)
		buf[i] = (float)(rand() % 100000) / 7.0f - 5000.0f;
	memset(buf + 2 * n, 0xff, 4ull * n);
	assert_int_equal(vector_add(e, buf, n), VGPUIF_RSP_OKAY);
	for (uint32_t i = 0; i < n; i++) {
		float want = buf[i] + buf[n + i];

		if (memcmp(&want, &buf[2 * n + i], sizeof(want)))
			fail_msg("c[%u] = %g, want %g", i, buf[2 * n + i], want);
	}
	free(buf);
}

static void test_vector_add_sizes(void **state)
{
	struct simbe_stats st;

	check_vector_add(*state, 1000);
	/* The largest: 12 MiB of data, so several copies of one MiB each. */
	check_vector_add(*state, VGPUIF_VECTOR_ADD_MAX);
	simbe_get_stats(&((struct env *)*state)->tp, &st);
	assert_int_equal(st.bad_copies, 0);
	assert_true(st.copies >= 12);
}

static void test_vector_add_invalid(void **state)
{
	struct env *e = *state;
	float buf[12] = { 0 };
	struct vgpu_back_req r = op(VGPUIF_OP_VECTOR_ADD);

	r.u.vector_add.n = 0;
	r.data_len = 0;
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
	r.u.vector_add.n = 2;
	r.data_len = 12;	/* should be 24 */
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
	r.data_len = 24;
	r.u.vector_add._pad = 1;
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
	r.u.vector_add._pad = 0;
	r.u.vector_add.n = VGPUIF_VECTOR_ADD_MAX + 1;
	r.data_len = 12 * (VGPUIF_VECTOR_ADD_MAX + 1);
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
}

static void test_alloc_free(void **state)
{
	struct env *e = *state;
	uint64_t a = alloc(e, 0, 100, VGPUIF_RSP_OKAY);
	uint64_t b = alloc(e, 0, 1, VGPUIF_RSP_OKAY);
	uint64_t c = alloc(e, 0, 5000, VGPUIF_RSP_OKAY);

	assert_true(a != b && b != c && a != c);
	/* Not adjacent: one past the end of a names nothing. */
	assert_true(b > a + 100);
	assert_int_equal(mem_free(e, 0, b), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_free(e, 0, b), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(mem_free(e, 0, a + 1), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(mem_free(e, 0, 0), VGPUIF_RSP_BAD_HANDLE);
	/* VM 1 has no allocation: VM 0's addresses mean nothing to it. */
	assert_int_equal(mem_free(e, 1, a), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(xfer(e, 1, VGPUIF_OP_MEM_READ, c, (uint8_t[8]){ 0 }, 8),
			 VGPUIF_RSP_BAD_HANDLE);
	/* A freed address is not handed out again. */
	assert_int_not_equal(alloc(e, 0, 1, VGPUIF_RSP_OKAY), b);
	assert_int_equal(mem_free(e, 0, a), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_free(e, 0, c), VGPUIF_RSP_OKAY);
}

/*
 * Addresses cannot be guessed and never repeat: not across VMs, not
 * after a VM reconnects, not after a worker restart.
 */
static void test_addresses_unguessable(void **state)
{
	struct env *e = *state;
	uint64_t a0 = alloc(e, 0, 100, VGPUIF_RSP_OKAY);
	uint64_t b0 = alloc(e, 1, 100, VGPUIF_RSP_OKAY);
	uint64_t d[9], a1, c0;
	int same_step = 1;
	void *other;

	assert_true(a0 != b0);
	/* The next allocation is not where the last one tells. */
	for (int i = 0; i < 9; i++)
		d[i] = alloc(e, 0, 4096, VGPUIF_RSP_OKAY);
	for (int i = 2; i < 9; i++)
		same_step &= d[i] - d[i - 1] == d[1] - d[0];
	assert_false(same_step);
	/* The VM reconnects: what it had names nothing, now or later. */
	e->ex.ops->vm_detach(&e->ex, &e->vm[0]);
	assert_int_equal(e->ex.ops->vm_attach(&e->ex, &e->vm[0]), 0);
	a1 = alloc(e, 0, 100, VGPUIF_RSP_OKAY);
	assert_true(a1 > d[8] && a1 > b0);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, a0, (uint8_t[8]){ 0 }, 8),
			 VGPUIF_RSP_BAD_HANDLE);
	/* Another executor (a worker restart) starts elsewhere. */
	setup(&other);
	c0 = alloc(other, 0, 100, VGPUIF_RSP_OKAY);
	teardown(&other);
	assert_true(c0 != a0 && c0 != b0);
}

static void test_alloc_invalid(void **state)
{
	struct env *e = *state;
	struct vgpu_back_req r = op(VGPUIF_OP_MEM_ALLOC);

	alloc(e, 0, 0, VGPUIF_RSP_INVALID);
	alloc(e, 0, VGPUIF_MAX_ALLOC + 1, VGPUIF_RSP_INVALID);
	r.u.mem.size = 8;
	r.data_len = 8;		/* ALLOC carries no data */
	assert_int_equal(run(e, 0, r, (uint8_t[8]){ 0 }).status, VGPUIF_RSP_INVALID);
}

static void test_quota(void **state)
{
	struct env *e = *state;
	uint64_t a, b;

	e->vm[0].cfg.mem_quota = MiB;
	a = alloc(e, 0, 512 * 1024, VGPUIF_RSP_OKAY);
	alloc(e, 0, 600 * 1024, VGPUIF_RSP_QUOTA);
	b = alloc(e, 0, 512 * 1024, VGPUIF_RSP_OKAY);	/* exactly the quota */
	alloc(e, 0, 1, VGPUIF_RSP_QUOTA);
	/* The other VM has no quota. */
	assert_int_equal(mem_free(e, 1, alloc(e, 1, 2 * MiB, VGPUIF_RSP_OKAY)),
			 VGPUIF_RSP_OKAY);
	assert_int_equal(mem_free(e, 0, a), VGPUIF_RSP_OKAY);
	a = alloc(e, 0, 512 * 1024, VGPUIF_RSP_OKAY);
	/* Quota lowered below use (a CONFIG event): no new allocation. */
	e->vm[0].cfg.mem_quota = 4096;
	alloc(e, 0, 1, VGPUIF_RSP_QUOTA);
	e->vm[0].cfg.mem_quota = 0;
	assert_int_equal(mem_free(e, 0, alloc(e, 0, 1, VGPUIF_RSP_OKAY)),
			 VGPUIF_RSP_OKAY);
	assert_int_equal(mem_free(e, 0, a), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_free(e, 0, b), VGPUIF_RSP_OKAY);
}

static void test_budget(void **state)
{
	struct env *e = *state;
	struct exec_info ei;
	uint64_t a;

	/* Budget 64 MiB for all VMs. */
	alloc(e, 0, 65 * MiB, VGPUIF_RSP_NO_MEMORY);
	a = alloc(e, 0, 40 * MiB, VGPUIF_RSP_OKAY);
	alloc(e, 1, 30 * MiB, VGPUIF_RSP_NO_MEMORY);
	e->ex.ops->info(&e->ex, NULL, &ei);
	assert_int_equal(ei.mem_total, 64 * MiB);
	assert_int_equal(ei.mem_free, 24 * MiB);
	/* Detaching a VM gives all its memory back. */
	e->ex.ops->vm_detach(&e->ex, &e->vm[0]);
	e->ex.ops->info(&e->ex, NULL, &ei);
	assert_int_equal(ei.mem_free, 64 * MiB);
	assert_int_equal(e->ex.ops->vm_attach(&e->ex, &e->vm[0]), 0);
	assert_int_equal(mem_free(e, 0, a), VGPUIF_RSP_BAD_HANDLE);
}

static int setup_few_allocs(void **state)
{
	struct exec_params p = exec_cpu_default_params;

	p.max_allocs = 3;
	return setup_with(state, &p);
}

static void test_max_allocs(void **state)
{
	struct env *e = *state;

	for (int i = 0; i < 3; i++)
		alloc(e, 0, 16, VGPUIF_RSP_OKAY);
	alloc(e, 0, 16, VGPUIF_RSP_NO_MEMORY);
	alloc(e, 1, 16, VGPUIF_RSP_OKAY);	/* per VM */
}

static void test_write_read_roundtrip(void **state)
{
	struct env *e = *state;
	uint32_t size = 3 * MiB + 123;
	uint8_t *in = malloc(size), *out = malloc(size);
	uint64_t d = alloc(e, 0, size, VGPUIF_RSP_OKAY);

	assert_non_null(in);
	assert_non_null(out);
	/* Fresh memory reads as zeros, never old data. */
	memset(out, 0xaa, 4096);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, d + 100, out, 4096),
			 VGPUIF_RSP_OKAY);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(out[i], 0);
	for (uint32_t i = 0; i < size; i++)
		in[i] = (uint8_t)(i * 2654435761u >> 13);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_WRITE, d, in, size),
			 VGPUIF_RSP_OKAY);
	memset(out, 0, size);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, d, out, size),
			 VGPUIF_RSP_OKAY);
	assert_memory_equal(in, out, size);
	/* Interior addresses: write 10 bytes at offset 1000, read them back. */
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_WRITE, d + 1000,
			      (uint8_t *)"0123456789", 10), VGPUIF_RSP_OKAY);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, d + 998, out, 14),
			 VGPUIF_RSP_OKAY);
	assert_memory_equal(out + 2, "0123456789", 10);
	assert_int_equal(out[0], in[998]);
	assert_int_equal(out[13], in[1011]);
	free(in);
	free(out);
}

static void test_range(void **state)
{
	struct env *e = *state;
	uint8_t buf[64] = { 0 };
	uint64_t a = alloc(e, 0, 32, VGPUIF_RSP_OKAY);
	uint64_t b = alloc(e, 0, 32, VGPUIF_RSP_OKAY);

	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_WRITE, a, buf, 32), VGPUIF_RSP_OKAY);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_WRITE, a, buf, 33), VGPUIF_RSP_RANGE);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, a + 31, buf, 2), VGPUIF_RSP_RANGE);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, a + 31, buf, 1), VGPUIF_RSP_OKAY);
	/* Past the end: in the gap before b, which is no allocation. */
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, a + 32, buf, 1),
			 VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, b - 1, buf, 2),
			 VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, 0, buf, 1),
			 VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, UINT64_MAX, buf, 1),
			 VGPUIF_RSP_BAD_HANDLE);
	/* No data: malformed. */
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_WRITE, a, NULL, 0),
			 VGPUIF_RSP_INVALID);
}

static void test_get_info(void **state)
{
	struct env *e = *state;
	uint8_t buf[sizeof(struct vgpuif_info) + 16];
	struct vgpuif_info info;
	struct vgpu_back_req r = op(VGPUIF_OP_GET_INFO);

	e->vm[1].cfg.mem_quota = 8 * MiB;
	e->vm[1].cfg.priority = VGPUIF_PRIO_LOW;
	alloc(e, 1, 3 * MiB, VGPUIF_RSP_OKAY);
	alloc(e, 0, 1 * MiB, VGPUIF_RSP_OKAY);
	memset(buf, 0x5a, sizeof(buf));
	r.data_len = sizeof(buf);
	assert_int_equal(run(e, 1, r, buf).status, VGPUIF_RSP_OKAY);
	memcpy(&info, buf, sizeof(info));
	assert_int_equal(info.protocol_version, VGPUIF_PROTOCOL_VERSION);
	assert_int_equal(info.vm_id, 102);
	assert_int_equal(info.pool, 1);
	assert_int_equal(info.priority, VGPUIF_PRIO_LOW);
	assert_int_equal(info._pad0, 0);
	assert_int_equal(info.flags, 0);
	assert_int_equal(info.mem_total, 64 * MiB);
	/* Its quota less its use, not the budget less every VM's (60M). */
	assert_int_equal(info.mem_free, 5 * MiB);
	assert_int_equal(info.mem_quota, 8 * MiB);
	assert_int_equal(info.mem_used, 3 * MiB);
	assert_string_equal(info.device_name, "cpu");
	/* Only the info was written; bytes after it are the guest's. */
	assert_int_equal(buf[sizeof(info)], 0x5a);

	r.data_len = sizeof(struct vgpuif_info) - 1;
	assert_int_equal(run(e, 1, r, buf).status, VGPUIF_RSP_INVALID);
}

static void test_unsupported_and_simple_ops(void **state)
{
	struct env *e = *state;
	uint8_t buf[64] = "kernel";
	struct vgpu_back_req r;

	assert_int_equal(run(e, 0, op(VGPUIF_OP_NOP), NULL).status, VGPUIF_RSP_OKAY);
	assert_int_equal(run(e, 0, op(VGPUIF_OP_SYNC), NULL).status, VGPUIF_RSP_OKAY);
	r = op(VGPUIF_OP_NOP);
	r.data_len = 8;
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
	assert_int_equal(run(e, 0, op(VGPUIF_NR_OPS), NULL).status, VGPUIF_RSP_INVALID);
	assert_int_equal(run(e, 0, op(0xff), NULL).status, VGPUIF_RSP_INVALID);

	r = op(VGPUIF_OP_MODULE_LOAD);
	r.data_len = 16;
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_NOT_SUPPORTED);
	r = op(VGPUIF_OP_MODULE_UNLOAD);
	r.u.module.handle = 1;
	assert_int_equal(run(e, 0, r, NULL).status, VGPUIF_RSP_NOT_SUPPORTED);

	r = op(VGPUIF_OP_LAUNCH);
	r.u.launch = (struct vgpuif_launch_args){
		.module = 1, .grid = { 1, 1, 1 }, .block = { 32, 1, 1 },
		.name_len = 6, .params_len = 8,
	};
	r.data_len = 16;
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_NOT_SUPPORTED);
	r.u.launch.block[1] = 64;	/* 32 * 64 threads > 1024 */
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
	r.u.launch.block[1] = 1;
	r.data_len = 14;		/* not ALIGN8(6) + 8 */
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
	r.data_len = 16;
	r.u.launch.grid[2] = 0;
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
}

/* Argument bytes an operation does not use must be zero (vgpuif.h). */
static void test_unused_args_zero(void **state)
{
	struct env *e = *state;
	struct vgpu_back_req r = op(VGPUIF_OP_NOP);
	float buf[3] = { 1, 2, 0 };

	r.u.raw[39] = 1;
	assert_int_equal(run(e, 0, r, NULL).status, VGPUIF_RSP_INVALID);
	r = op(VGPUIF_OP_MEM_ALLOC);
	r.u.mem.size = 64;
	r.u.mem.dptr = 1;
	assert_int_equal(run(e, 0, r, NULL).status, VGPUIF_RSP_INVALID);
	r = op(VGPUIF_OP_MEM_FREE);
	r.u.mem.dptr = alloc(e, 0, 64, VGPUIF_RSP_OKAY);
	r.u.mem.size = 64;
	assert_int_equal(run(e, 0, r, NULL).status, VGPUIF_RSP_INVALID);
	r.u.mem.size = 0;
	assert_int_equal(run(e, 0, r, NULL).status, VGPUIF_RSP_OKAY);
	r = op(VGPUIF_OP_VECTOR_ADD);
	r.u.vector_add.n = 1;
	r.data_len = 12;
	r.u.raw[8] = 1;
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
	r.u.raw[8] = 0;
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_OKAY);
	assert_true(buf[2] == 3.0f);
}

static int failing_copy(void *ctx, uint32_t dir, uint64_t off, void *buf,
			uint64_t len)
{
	(void)ctx;
	(void)dir;
	(void)off;
	(void)buf;
	(void)len;
	return -EFAULT;
}

/* A copy the backend refuses (e.g. the grant went away): ERROR. */
static void test_copy_failure(void **state)
{
	struct env *e = *state;
	struct exec_data data = { .copy = failing_copy };
	struct exec_result res;
	struct vgpu_back_req r = op(VGPUIF_OP_VECTOR_ADD);
	uint64_t d = alloc(e, 0, 64, VGPUIF_RSP_OKAY);

	r.u.vector_add.n = 4;
	r.data_len = 48;
	exec_execute(&e->ex, &e->vm[0], &r, &data, &res);
	assert_int_equal(res.status, VGPUIF_RSP_ERROR);
	r = op(VGPUIF_OP_MEM_WRITE);
	r.u.mem.dptr = d;
	r.data_len = 8;
	exec_execute(&e->ex, &e->vm[0], &r, &data, &res);
	assert_int_equal(res.status, VGPUIF_RSP_ERROR);
	r = op(VGPUIF_OP_GET_INFO);
	r.data_len = sizeof(struct vgpuif_info);
	exec_execute(&e->ex, &e->vm[0], &r, &data, &res);
	assert_int_equal(res.status, VGPUIF_RSP_ERROR);
}

static int setup_delay(void **state)
{
	struct exec_params p = exec_cpu_default_params;

	p.op_delay_ms = 30;
	return setup_with(state, &p);
}

static void test_op_delay(void **state)
{
	struct timespec a, b;
	uint64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(run(*state, 0, op(VGPUIF_OP_NOP), NULL).status,
			 VGPUIF_RSP_OKAY);
	/* Even a malformed request takes the delay: timing shows nothing. */
	assert_int_equal(run(*state, 0, op(0xff), NULL).status,
			 VGPUIF_RSP_INVALID);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ull +
	     (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
	assert_true(ns >= 60000000ull);
}

static void test_create_kinds(void **state)
{
	struct executor ex;

	(void)state;
	assert_int_equal(exec_create(&ex, "auto", &exec_cpu_default_params), 0);
	assert_string_equal(ex.ops->name, "cpu");
	exec_destroy(&ex);
	assert_int_equal(exec_create(&ex, "cuda", &exec_cpu_default_params), -ENODEV);
	assert_int_equal(exec_create(&ex, "tpu", &exec_cpu_default_params), -ENOENT);
	assert_string_equal(vgpuif_op_name(VGPUIF_OP_VECTOR_ADD), "vector_add");
	assert_string_equal(vgpuif_op_name(200), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vector_add_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vector_add_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vector_add_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addresses_unguessable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_allocs, setup_few_allocs, teardown),
		cmocka_unit_test_setup_teardown(test_write_read_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_and_simple_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unused_args_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_op_delay, setup_delay, teardown),
		cmocka_unit_test(test_create_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
