// SPDX-License-Identifier: MIT
/*
 * libcuda.so.1's view of a kernel's resource use (FUNC_ATTRS) over the
 * loopback transport (tests/sim/libcuda_loopback.c) on the fake device
 * (this binary started again with --fake-child): cuFuncGetAttribute gives
 * the values tests/sim/cx_dev_fake.c documents for its kernels, asked of
 * the host once per function; a host without FUNC_ATTRS (-ENOTTY: an
 * older driver) or one that cannot answer it (-EOPNOTSUPP: the CPU
 * executor's status) is asked once, then the library gives the fixed
 * values of before.
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

#include "dom0-worker/exec/cuda/cx_child.h"
#include "tests/sim/libcuda_loopback.h"
#include "tools/libcuda/cuvg.h"

extern const struct cx_dev_ops cx_fake_ops;
void vgpu_cuda_shutdown(void);

/* How the host answers FUNC_ATTRS: 0 as it does, else this -errno. */
static int host_err;
static int asked;	/* FUNC_ATTRS requests that reached the transport */
static int (*real_func_attrs)(void *p, uint64_t module, const char *name,
			      struct vgpu_func_attrs *a);

static int counted_func_attrs(void *p, uint64_t module, const char *name,
			      struct vgpu_func_attrs *a)
{
	asked++;
	return host_err ? host_err : real_func_attrs(p, module, name, a);
}

static int open_counted(struct cuvg_transport *t)
{
	int err = libcuda_loopback_open(t, "fake", "/proc/self/exe", 0);

	real_func_attrs = t->func_attrs;
	t->func_attrs = counted_func_attrs;
	return err;
}

static int up(void **state, int err)
{
	CUcontext c = NULL;

	host_err = err;
	asked = 0;
	cuvg_transport_opener = open_counted;
	if (cuInit(0) != CUDA_SUCCESS ||
	    cuCtxCreate(&c, NULL, 0, 0) != CUDA_SUCCESS)
		return -1;
	*state = c;
	return 0;
}

static int up_fake(void **state) { return up(state, 0); }
static int up_old(void **state) { return up(state, -ENOTTY); }
static int up_nosupp(void **state) { return up(state, -EOPNOTSUPP); }

static int down(void **state)
{
	int rc = cuCtxDestroy((CUcontext)*state) == CUDA_SUCCESS ? 0 : -1;

	vgpu_cuda_shutdown();
	return rc;
}

static const char fake_module[] =
	"FAKEMOD\n"
	".visible .entry fill32(\n"
	"\t.param .u64 .ptr .global .align 4 fill32_param_0,\n"
	"\t.param .u32 fill32_param_1,\n"
	"\t.param .u32 fill32_param_2\n)\n"
	".visible .entry fault()\n";

static int attr(CUfunction f, CUfunction_attribute a)
{
	int v = -1;

	assert_int_equal(cuFuncGetAttribute(&v, a, f), CUDA_SUCCESS);
	return v;
}

static void load(CUmodule *m, CUfunction *fill, CUfunction *fault)
{
	assert_int_equal(cuModuleLoadData(m, fake_module), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(fill, *m, "fill32"), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(fault, *m, "fault"), CUDA_SUCCESS);
}

/* The fake device's documented values, asked once per function. */
static void test_func_attrs_real(void **state)
{
	CUfunction f, g;
	CUmodule m;
	int v;

	(void)state;
	load(&m, &f, &g);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_NUM_REGS), 40);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES), 2048);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES), 0);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES), 0);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK), 1024);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_PTX_VERSION), 90);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_BINARY_VERSION), 90);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
			 47104);
	assert_int_equal(asked, 1);
	assert_int_equal(attr(g, CU_FUNC_ATTRIBUTE_NUM_REGS), 16);
	assert_int_equal(attr(g, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES), 0);
	assert_int_equal(asked, 2);
	/* An attribute nobody answers; bad arguments. */
	assert_int_equal(cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_CACHE_MODE_CA, f),
			 CUDA_ERROR_NOT_SUPPORTED);
	assert_int_equal(cuFuncGetAttribute(NULL, CU_FUNC_ATTRIBUTE_NUM_REGS, f),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuModuleUnload(m), CUDA_SUCCESS);
	assert_int_equal(cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_NUM_REGS, f),
			 CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(asked, 2);
}

/* Without FUNC_ATTRS: asked once, then the values of before, for good. */
static void test_func_attrs_fallback(void **state)
{
	CUfunction f, g;
	CUmodule m;

	(void)state;
	load(&m, &f, &g);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_NUM_REGS), 0);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES), 0);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK), 1024);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
			 49152);
	assert_int_equal(attr(g, CU_FUNC_ATTRIBUTE_PTX_VERSION), 90);
	assert_int_equal(asked, 1);
	assert_int_equal(cuModuleUnload(m), CUDA_SUCCESS);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_func_attrs_real, up_fake, down),
		cmocka_unit_test_setup_teardown(test_func_attrs_fallback, up_old,
						down),
		cmocka_unit_test_setup_teardown(test_func_attrs_fallback,
						up_nosupp, down),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	return cmocka_run_group_tests_name("libcuda_func", tests, NULL, NULL);
}
