// SPDX-License-Identifier: MIT
/*
 * Unit tests of the CPU executor's operations of issue 18 (MEM_SET,
 * MEM_COPY, MODULE_GET_GLOBAL, FUNC_ATTRS, DEVICE_ATTRS, EVENT_RECORD), fed through the
 * simulated backend as test_exec_cpu.c feeds the others (exec_cpu_env.c).
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


static int32_t mem_set(struct env *e, int v, uint64_t dptr, uint64_t size,
		       uint32_t value, uint8_t elem)
{
	struct vgpu_back_req r = op(VGPUIF_OP_MEM_SET);

	r.u.memset = (struct vgpuif_memset_args){
		.dptr = dptr, .size = size, .value = value, .elem_size = elem,
	};
	return run(e, v, r, NULL).status;
}

static int32_t mem_copy(struct env *e, int v, uint64_t dst, uint64_t src,
			uint64_t size)
{
	struct vgpu_back_req r = op(VGPUIF_OP_MEM_COPY);

	r.u.copy = (struct vgpuif_copy_args){
		.dst = dst, .src = src, .size = size,
	};
	return run(e, v, r, NULL).status;
}

static void test_mem_set(void **state)
{
	struct env *e = *state;
	uint8_t out[64];
	uint64_t d = alloc(e, 0, 64, VGPUIF_RSP_OKAY);

	memset(out, 0, sizeof(out));
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_WRITE, d, out, 64), VGPUIF_RSP_OKAY);
	/* D8 over bytes 1..6, D16 over 8..15, D32 over 16..31. */
	assert_int_equal(mem_set(e, 0, d + 1, 6, 0xab, 1), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_set(e, 0, d + 8, 8, 0x1234, 2), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_set(e, 0, d + 16, 16, 0xdeadbeef, 4), VGPUIF_RSP_OKAY);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, d, out, 64), VGPUIF_RSP_OKAY);
	assert_int_equal(out[0], 0);
	for (int i = 1; i < 7; i++)
		assert_int_equal(out[i], 0xab);
	assert_int_equal(out[7], 0);
	for (int i = 8; i < 16; i += 2) {
		assert_int_equal(out[i], 0x34);
		assert_int_equal(out[i + 1], 0x12);
	}
	for (int i = 16; i < 32; i += 4) {
		uint32_t w;

		memcpy(&w, out + i, 4);
		assert_int_equal(w, 0xdeadbeef);
	}
	for (int i = 32; i < 64; i++)
		assert_int_equal(out[i], 0);
	/* Up to the end, not past it; a dptr in no allocation. */
	assert_int_equal(mem_set(e, 0, d + 60, 4, 1, 4), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_set(e, 0, d + 60, 8, 1, 4), VGPUIF_RSP_RANGE);
	assert_int_equal(mem_set(e, 0, d + 1, 64, 1, 1), VGPUIF_RSP_RANGE);
	assert_int_equal(mem_set(e, 0, d + 64, 4, 1, 4), VGPUIF_RSP_BAD_HANDLE);
	/* Another VM's allocation is no allocation of this one. */
	assert_int_equal(mem_set(e, 1, d, 4, 1, 4), VGPUIF_RSP_BAD_HANDLE);
	/* Malformed: the op table's rules, checked before the executor. */
	assert_int_equal(mem_set(e, 0, d, 4, 1, 3), VGPUIF_RSP_INVALID);
	assert_int_equal(mem_set(e, 0, d + 2, 4, 1, 4), VGPUIF_RSP_INVALID);
	assert_int_equal(mem_set(e, 0, d, 1, 0x100, 1), VGPUIF_RSP_INVALID);
	assert_int_equal(mem_set(e, 0, d, 0, 1, 1), VGPUIF_RSP_INVALID);
}

static void test_mem_copy(void **state)
{
	struct env *e = *state;
	uint8_t in[100], out[100];
	uint64_t a = alloc(e, 0, 100, VGPUIF_RSP_OKAY);
	uint64_t b = alloc(e, 0, 50, VGPUIF_RSP_OKAY);
	uint64_t other = alloc(e, 1, 100, VGPUIF_RSP_OKAY);

	for (int i = 0; i < 100; i++)
		in[i] = (uint8_t)(7 * i + 1);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_WRITE, a, in, 100), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_copy(e, 0, b, a + 10, 50), VGPUIF_RSP_OKAY);
	memset(out, 0, sizeof(out));
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, b, out, 50), VGPUIF_RSP_OKAY);
	assert_memory_equal(out, in + 10, 50);
	/* Within one allocation. */
	assert_int_equal(mem_copy(e, 0, a, b, 50), VGPUIF_RSP_OKAY);
	assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, a, out, 100), VGPUIF_RSP_OKAY);
	assert_memory_equal(out, in + 10, 50);
	assert_memory_equal(out + 50, in + 50, 50);
	/* Either side past its allocation: RANGE; outside any: BAD_HANDLE. */
	assert_int_equal(mem_copy(e, 0, b, a, 51), VGPUIF_RSP_RANGE);
	assert_int_equal(mem_copy(e, 0, a, b + 1, 50), VGPUIF_RSP_RANGE);
	assert_int_equal(mem_copy(e, 0, a, b + 50, 1), VGPUIF_RSP_BAD_HANDLE);
	/* The other VM's memory, as source or destination. */
	assert_int_equal(mem_copy(e, 0, a, other, 10), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(mem_copy(e, 0, other, a, 10), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(mem_copy(e, 1, other, a, 10), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(mem_copy(e, 0, a, b, 0), VGPUIF_RSP_INVALID);
	/* A size that would wrap the address space. */
	assert_int_equal(mem_copy(e, 0, a, b, VGPUIF_MAX_ALLOC), VGPUIF_RSP_RANGE);
}

static void test_get_global_unsupported(void **state)
{
	struct env *e = *state;
	struct vgpu_back_req r = op(VGPUIF_OP_MODULE_GET_GLOBAL);
	char name[8] = "counter";

	r.u.global = (struct vgpuif_global_args){ .module = 1, .name_len = 7 };
	r.data_len = 7;
	assert_int_equal(run(e, 0, r, name).status, VGPUIF_RSP_NOT_SUPPORTED);
	r.data_len = 8;		/* not name_len */
	assert_int_equal(run(e, 0, r, name).status, VGPUIF_RSP_INVALID);
}

static void test_func_attrs_unsupported(void **state)
{
	struct env *e = *state;
	struct vgpu_back_req r = op(VGPUIF_OP_FUNC_ATTRS);
	char buf[8 + sizeof(struct vgpuif_func_attrs)] = "fill32";

	r.u.func = (struct vgpuif_func_args){ .module = 1, .name_len = 6 };
	r.data_len = sizeof(buf);
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_NOT_SUPPORTED);
	r.data_len = 6;		/* no room for the values */
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
}

static void test_device_attrs(void **state)
{
	struct env *e = *state;
	uint8_t buf[sizeof(struct vgpuif_device_attrs) + 8];
	struct vgpuif_device_attrs a, b;
	struct vgpu_back_req r = op(VGPUIF_OP_DEVICE_ATTRS);

	e->vm[1].cfg.mem_quota = 8 * MiB;
	memset(buf, 0x5a, sizeof(buf));
	r.data_len = sizeof(buf);
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_OKAY);
	memcpy(&a, buf, sizeof(a));
	assert_int_equal(buf[sizeof(a)], 0x5a);	/* only the struct written */
	assert_int_equal(a.nr_attrs, VGPUIF_NR_ATTRS);
	assert_int_equal(a.total_mem, 64 * MiB);	/* no quota: the budget */
	assert_string_equal(a.name, "cpu");
	assert_int_equal(a.attr[VGPUIF_ATTR_MAX_THREADS_PER_BLOCK], 1024);
	assert_int_equal(a.attr[VGPUIF_ATTR_WARP_SIZE], 32);
	assert_int_equal(a.attr[VGPUIF_ATTR_COMPUTE_CAPABILITY_MAJOR], 9);
	assert_int_equal(a.attr[VGPUIF_ATTR_MULTIPROCESSOR_COUNT], 1);
	assert_int_equal(a.attr[VGPUIF_ATTR_PCI_BUS_ID], 0);
	assert_int_equal(a.attr[VGPUIF_ATTR_CONCURRENT_KERNELS], 0);
	for (unsigned int i = VGPUIF_NR_ATTRS; i < VGPUIF_ATTR_SLOTS; i++)
		assert_int_equal(a.attr[i], 0);
	/* A UUID of version 8, RFC 9562 variant. */
	assert_int_equal(a.uuid[6] >> 4, 8);
	assert_int_equal(a.uuid[8] >> 6, 2);

	/* VM 1: its quota is its total; another UUID, the same each time. */
	assert_int_equal(run(e, 1, r, buf).status, VGPUIF_RSP_OKAY);
	memcpy(&b, buf, sizeof(b));
	assert_int_equal(b.total_mem, 8 * MiB);
	assert_memory_not_equal(a.uuid, b.uuid, 16);
	assert_int_equal(run(e, 1, r, buf).status, VGPUIF_RSP_OKAY);
	assert_memory_equal(buf + offsetof(struct vgpuif_device_attrs, uuid),
			    b.uuid, 16);

	r.data_len = sizeof(struct vgpuif_device_attrs) - 1;
	assert_int_equal(run(e, 0, r, buf).status, VGPUIF_RSP_INVALID);
}

/* A table that proposes too much gets what a guest may see. */
static void test_attrs_finish(void **state)
{
	struct env *e = *state;
	struct vgpuif_device_attrs a;

	memset(&a, 0x7f, sizeof(a));
	a.nr_attrs = 1000;
	memcpy(a.name, "GPU", 4);
	e->vm[0].cfg.mem_quota = 1ull << 40;	/* over the GPU: the GPU's */
	exec_attrs_finish(&e->vm[0], 80ull << 30, &a);
	assert_int_equal(a.nr_attrs, VGPUIF_NR_ATTRS);
	assert_int_equal(a.total_mem, 80ull << 30);
	assert_int_equal(a.attr[VGPUIF_ATTR_PCI_BUS_ID], 0);
	assert_int_equal(a.attr[VGPUIF_ATTR_PCI_DEVICE_ID], 0);
	assert_int_equal(a.attr[VGPUIF_ATTR_PCI_DOMAIN_ID], 0);
	assert_int_equal(a.attr[VGPUIF_ATTR_CAN_MAP_HOST_MEMORY], 0);
	assert_int_equal(a.attr[VGPUIF_ATTR_MANAGED_MEMORY], 0);
	assert_int_equal(a.attr[VGPUIF_ATTR_CONCURRENT_KERNELS], 0);
	assert_int_equal(a.attr[VGPUIF_ATTR_WARP_SIZE], 0x7f7f7f7f);
	for (unsigned int i = VGPUIF_NR_ATTRS; i < VGPUIF_ATTR_SLOTS; i++)
		assert_int_equal(a.attr[i], 0);
	for (size_t i = 3; i < sizeof(a.name); i++)
		assert_int_equal(a.name[i], 0);
}

static void test_event_record(void **state)
{
	struct env *e = *state;
	struct vgpu_back_req r = op(VGPUIF_OP_EVENT_RECORD);
	struct timespec ts = { .tv_nsec = 2000000 };
	struct exec_result t1, t2;

	t1 = run(e, 0, r, NULL);
	assert_int_equal(t1.status, VGPUIF_RSP_OKAY);
	assert_int_equal(t1.ret[1], VGPUIF_EVENT_F_HOST_CLOCK);
	nanosleep(&ts, NULL);
	t2 = run(e, 0, r, NULL);
	assert_int_equal(t2.status, VGPUIF_RSP_OKAY);
	assert_true(t2.ret[0] > t1.ret[0]);
	assert_true(t2.ret[0] - t1.ret[0] >= 2000000);
	r.data_len = 8;
	assert_int_equal(run(e, 0, r, &ts).status, VGPUIF_RSP_INVALID);
	r.data_len = 0;
	r.u.mem.dptr = 1;
	assert_int_equal(run(e, 0, r, NULL).status, VGPUIF_RSP_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mem_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_global_unsupported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_func_attrs_unsupported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_attrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attrs_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_record, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
