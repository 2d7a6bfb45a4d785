// SPDX-License-Identifier: MIT
/*
 * The CUDA executor's operations of issue 18 on the fake device
 * (tests/sim/cx_dev_fake.c), through the real executor and its per-VM
 * processes (cuda_env.c): MEM_SET and MEM_COPY with their range checks,
 * a global of a module as a target of the MEM_* operations until the
 * module is unloaded, FUNC_ATTRS of the fake device's kernels,
 * DEVICE_ATTRS filtered by the worker, EVENT_RECORD's clock.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "dom0-worker/log.h"
#include "tests/unit/cuda_env.h"
#include "vgpu/vgpuif_ops.h"

extern const struct cx_dev_ops cx_fake_ops;

static int setup(void **state)
{
	struct cuda_env_opts o = { .copy_threads = 2,
				   .request_timeout_ms = 2000, .nvm = 2 };

	*state = env_new(&o);
	return 0;
}

static int teardown(void **state)
{
	env_del(*state);
	return 0;
}

static int32_t mem_set(struct env *e, int vm, uint64_t dptr, uint64_t size,
		       uint32_t value, uint8_t elem)
{
	struct vgpu_back_req r = { .operation = VGPUIF_OP_MEM_SET };

	r.u.memset = (struct vgpuif_memset_args){
		.dptr = dptr, .size = size, .value = value, .elem_size = elem,
	};
	return env_run(e, vm, &r, NULL, NULL);
}

static int32_t mem_copy(struct env *e, int vm, uint64_t dst, uint64_t src,
			uint64_t size)
{
	struct vgpu_back_req r = { .operation = VGPUIF_OP_MEM_COPY };

	r.u.copy = (struct vgpuif_copy_args){
		.dst = dst, .src = src, .size = size,
	};
	return env_run(e, vm, &r, NULL, NULL);
}

static int32_t get_global(struct env *e, int vm, uint64_t mod,
			  const char *name, uint64_t *dptr, uint64_t *size)
{
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_MODULE_GET_GLOBAL,
		.data_len = (uint32_t)strlen(name),
	};
	struct gbuf g = { .p = (uint8_t *)(uintptr_t)name, .len = strlen(name) };
	int32_t st;

	r.u.global = (struct vgpuif_global_args){
		.module = mod, .name_len = (uint16_t)strlen(name),
	};
	st = env_run(e, vm, &r, &g, dptr);
	*size = e->ret1;
	return st;
}

static void test_mem_set_copy(void **state)
{
	struct env *e = *state;
	uint64_t a = env_alloc(e, 0, 4096), b = env_alloc(e, 0, 4096);
	uint64_t other = env_alloc(e, 1, 4096);
	uint8_t buf[4096];

	assert_int_equal(mem_set(e, 0, a, 4096, 0x5a, 1), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_set(e, 0, a + 8, 8, 0xbeef, 2), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_set(e, 0, a + 16, 16, 0x01020304, 4), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_copy(e, 0, b, a, 4096), VGPUIF_RSP_OKAY);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, b, buf, 4096),
			 VGPUIF_RSP_OKAY);
	for (int i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0x5a);
	for (int i = 8; i < 16; i += 2) {
		assert_int_equal(buf[i], 0xef);
		assert_int_equal(buf[i + 1], 0xbe);
	}
	for (int i = 16; i < 32; i += 4) {
		assert_int_equal(buf[i], 4);
		assert_int_equal(buf[i + 3], 1);
	}
	for (int i = 32; i < 4096; i++)
		assert_int_equal(buf[i], 0x5a);
	/*
	 * Past the end; outside any allocation (VMs are processes of their
	 * own: another VM's addresses may coincide with this one's and
	 * mean this one's memory, as with real CUDA contexts).
	 */
	assert_int_equal(mem_set(e, 0, a + 4092, 8, 0, 4), VGPUIF_RSP_RANGE);
	assert_int_equal(mem_copy(e, 0, a + 1, b, 4096), VGPUIF_RSP_RANGE);
	assert_int_equal(mem_copy(e, 0, a, b + 1, 4096), VGPUIF_RSP_RANGE);
	assert_int_equal(mem_set(e, 0, a + 4096, 4, 0, 4), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(mem_copy(e, 0, a, a + 4096, 4), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(mem_copy(e, 0, a + 4096, a, 4), VGPUIF_RSP_BAD_HANDLE);
	/* VM 1's memory is its own: untouched by VM 0's requests. */
	assert_int_equal(env_xfer(e, 1, VGPUIF_OP_MEM_READ, other, buf, 4096),
			 VGPUIF_RSP_OKAY);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(buf[i], 0);
}

static void test_global(void **state)
{
	struct env *e = *state;
	uint64_t mod = env_load_module(e, 0, "FAKEMOD v1"), d = 0, size = 0, d2 = 0, s2 = 0;
	uint64_t out = env_alloc(e, 0, 64);
	uint32_t vals[16], got[16];
	uint8_t params[12];
	struct vgpu_back_req r = { .operation = VGPUIF_OP_LAUNCH };
	uint8_t blob[32] = "read_global";
	struct gbuf g = { .p = blob, .len = 16 + 12 };

	assert_int_equal(get_global(e, 0, mod, "vgpu_global", &d, &size),
			 VGPUIF_RSP_OKAY);
	assert_true(d != 0);
	assert_int_equal(size, 64);
	/* Asked again: the same; unknown names and modules are not found. */
	assert_int_equal(get_global(e, 0, mod, "vgpu_global", &d2, &s2),
			 VGPUIF_RSP_OKAY);
	assert_int_equal(d2, d);
	assert_int_equal(get_global(e, 0, mod, "nope", &d2, &s2),
			 VGPUIF_RSP_NOT_FOUND);
	assert_int_equal(get_global(e, 0, mod + 1000, "vgpu_global", &d2, &s2),
			 VGPUIF_RSP_BAD_HANDLE);
	/* Another VM names it through no module of its own. */
	assert_int_equal(get_global(e, 1, mod, "vgpu_global", &d2, &s2),
			 VGPUIF_RSP_BAD_HANDLE);

	/* cudaMemcpyToSymbol's way: write it, then a kernel reads it. */
	for (int i = 0; i < 16; i++)
		vals[i] = 1000u + (uint32_t)i;
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_WRITE, d, vals, 64),
			 VGPUIF_RSP_OKAY);
	assert_int_equal(mem_set(e, 0, d + 60, 4, 7, 4), VGPUIF_RSP_OKAY);
	memcpy(params, &out, 8);
	memcpy(params + 8, &(uint32_t){ 16 }, 4);
	memcpy(blob + 16, params, 12);
	r.data_len = 16 + 12;
	r.u.launch = (struct vgpuif_launch_args){
		.module = mod, .grid = { 1, 1, 1 }, .block = { 16, 1, 1 },
		.name_len = 11, .params_len = 12,
	};
	assert_int_equal(env_run(e, 0, &r, &g, NULL), VGPUIF_RSP_OKAY);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, out, got, 64),
			 VGPUIF_RSP_OKAY);
	vals[15] = 7;
	assert_memory_equal(got, vals, 64);
	/* A global is a source and target of MEM_COPY; not past its end. */
	assert_int_equal(mem_copy(e, 0, out, d, 64), VGPUIF_RSP_OKAY);
	assert_int_equal(mem_copy(e, 0, d, out, 64), VGPUIF_RSP_OKAY);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d, got, 65),
			 VGPUIF_RSP_RANGE);
	/* Not an allocation: MEM_FREE of it is refused. */
	r = (struct vgpu_back_req){ .operation = VGPUIF_OP_MEM_FREE };
	r.u.mem.dptr = d;
	assert_int_equal(env_run(e, 0, &r, NULL, NULL), VGPUIF_RSP_BAD_HANDLE);

	/* Unloaded, its global is no target any more. */
	r = (struct vgpu_back_req){ .operation = VGPUIF_OP_MODULE_UNLOAD };
	r.u.module.handle = mod;
	assert_int_equal(env_run(e, 0, &r, NULL, NULL), VGPUIF_RSP_OKAY);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d, got, 4),
			 VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(mem_set(e, 0, d, 4, 0, 4), VGPUIF_RSP_BAD_HANDLE);
}

/* FUNC_ATTRS of @nl bytes of @name: the buffer is the name, the values. */
static int32_t func_attrs_n(struct env *e, int vm, uint64_t mod,
			    const char *name, uint32_t nl,
			    struct vgpuif_func_attrs *a)
{
	uint32_t off = VGPUIF_ALIGN8(nl);
	uint8_t buf[VGPUIF_ALIGN8(VGPUIF_MAX_FUNC_NAME) + sizeof(*a) + 8];
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_FUNC_ATTRS,
		.data_len = off + (uint32_t)sizeof(*a),
	};
	struct gbuf g = { .p = buf, .len = off + sizeof(*a) };
	int32_t st;

	memset(buf, 0x77, sizeof(buf));
	memcpy(buf, name, nl);
	r.u.func = (struct vgpuif_func_args){
		.module = mod, .name_len = (uint16_t)nl,
	};
	st = env_run(e, vm, &r, &g, NULL);
	memcpy(a, buf + off, sizeof(*a));
	/* Nothing written past the values. */
	assert_int_equal(buf[off + sizeof(*a)], 0x77);
	return st;
}

static int32_t func_attrs(struct env *e, int vm, uint64_t mod,
			  const char *name, struct vgpuif_func_attrs *a)
{
	return func_attrs_n(e, vm, mod, name, (uint32_t)strlen(name), a);
}

static void test_func_attrs(void **state)
{
	struct env *e = *state;
	uint64_t mod = env_load_module(e, 0, "FAKEMOD v1");
	struct vgpuif_func_attrs a;

	/* cx_dev_fake.c's documented values. */
	assert_int_equal(func_attrs(e, 0, mod, "fill32", &a), VGPUIF_RSP_OKAY);
	assert_int_equal(a.num_regs, 40);
	assert_int_equal(a.shared_size, 2048);
	assert_int_equal(a.const_size, 0);
	assert_int_equal(a.local_size, 0);
	assert_int_equal(a.max_threads_per_block, 1024);
	assert_int_equal(a.ptx_version, 90);
	assert_int_equal(a.binary_version, 90);
	assert_int_equal(a.max_dynamic_shared, 47104);
	assert_int_equal(func_attrs(e, 0, mod, "read_global", &a),
			 VGPUIF_RSP_OKAY);
	assert_int_equal(a.num_regs, 16);
	assert_int_equal(a.shared_size, 0);
	assert_int_equal(a.max_dynamic_shared, 49152);
	/* Unknown names and modules; another VM's module. */
	assert_int_equal(func_attrs(e, 0, mod, "nope", &a),
			 VGPUIF_RSP_NOT_FOUND);
	assert_int_equal(func_attrs(e, 0, mod + 1000, "fill32", &a),
			 VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(func_attrs(e, 1, mod, "fill32", &a),
			 VGPUIF_RSP_BAD_HANDLE);
	/* A NUL inside the name names nothing. */
	assert_int_equal(func_attrs_n(e, 0, mod, "fill32\0x", 8, &a),
			 VGPUIF_RSP_NOT_FOUND);
}

static void test_attrs_and_clock(void **state)
{
	struct env *e = *state;
	uint8_t buf[sizeof(struct vgpuif_device_attrs) + 8];
	struct gbuf g = { .p = buf, .len = sizeof(buf) };
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_DEVICE_ATTRS, .data_len = sizeof(buf),
	};
	struct timespec ts = { .tv_nsec = 3000000 };
	struct vgpuif_device_attrs a;
	uint64_t t1 = 0, t2 = 0;

	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(env_run(e, 0, &r, &g, NULL), VGPUIF_RSP_OKAY);
	memcpy(&a, buf, sizeof(a));
	assert_int_equal(buf[sizeof(a)], 0x77);
	assert_int_equal(a.nr_attrs, VGPUIF_NR_ATTRS);
	assert_int_equal(a.flags, VGPUIF_INFO_F_GPU);
	assert_int_equal(a.attr[VGPUIF_ATTR_WARP_SIZE], 32);
	assert_int_equal(a.attr[VGPUIF_ATTR_MULTIPROCESSOR_COUNT], 2);
	/* The fake says bus 0x41: the guest sees 0. */
	assert_int_equal(a.attr[VGPUIF_ATTR_PCI_BUS_ID], 0);
	assert_int_equal(a.uuid[6] >> 4, 8);
	assert_true(a.total_mem > 0);
	assert_int_equal(a.name[sizeof(a.name) - 1], 0);

	r = (struct vgpu_back_req){ .operation = VGPUIF_OP_EVENT_RECORD };
	assert_int_equal(env_run(e, 0, &r, NULL, &t1), VGPUIF_RSP_OKAY);
	nanosleep(&ts, NULL);
	assert_int_equal(env_run(e, 0, &r, NULL, &t2), VGPUIF_RSP_OKAY);
	assert_true(t2 > t1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mem_set_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attrs_and_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_func_attrs, setup, teardown),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	/* The executor processes are this binary: no leak report from them. */
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	vlog_set_level(getenv("VGPU_TEST_DEBUG") ? VLOG_DEBUG : VLOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
