// SPDX-License-Identifier: MIT
/*
 * libcuda.so.1's view of a kernel's resource use (FUNC_ATTRS) over the
 * loopback transport (tests/sim/libcuda_loopback.c) on the fake device
 * (this binary started again with --fake-child): cuFuncGetAttribute gives
 * the values tests/sim/cx_dev_fake.c documents for its kernels, asked of
 * the host once per function; a host without FUNC_ATTRS (-ENOTTY: an
 * older driver; -EINVAL: an older backend or worker, to which the
 * operation is unknown) or one that cannot answer it (-EOPNOTSUPP: the
 * CPU executor's status) is asked once, then the library gives the fixed
 * values of before.
 *
 * Occupancy (tools/libcuda/occupancy.c) on the fake device's documented
 * attributes (cx_dev_fake.c: compute capability 9.0, 2 multiprocessors,
 * 2048 threads and 65536 registers each, 228 KiB shared memory, 48 KiB a
 * block) and kernels, against values worked out by hand from the rules of
 * an sm_90 multiprocessor (below); and NOT_SUPPORTED where the host gives
 * no FUNC_ATTRS.
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
#include "tests/unit/libcuda_fixture.h"

extern const struct cx_dev_ops cx_fake_ops;

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
	int err = lcf_open(t, "fake");

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
static int up_unknown(void **state) { return up(state, -EINVAL); }

static int attr(CUfunction f, CUfunction_attribute a)
{
	int v = -1;

	assert_int_equal(cuFuncGetAttribute(&v, a, f), CUDA_SUCCESS);
	return v;
}

static void load(CUmodule *m, CUfunction *fill, CUfunction *fault)
{
	assert_int_equal(cuModuleLoadData(m, lcf_fake_module), CUDA_SUCCESS);
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

/* fill32(p, 1, 32) with @shmem bytes of dynamic shared memory. */
static CUresult fill_shared(CUfunction f, CUdeviceptr p, unsigned int shmem)
{
	uint32_t v = 1, n = 32;
	void *args[] = { &p, &v, &n };

	return cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, shmem, NULL, args, NULL);
}

/*
 * More than 48 KiB of dynamic shared memory once the program raised the
 * limit (up to the fake device's opt-in 232448 less fill32's static 2048),
 * refused at the call otherwise; the carve-out a hint; clusters refused.
 */
static void test_func_set_attribute(void **state)
{
	CUfunction f, g;
	CUdeviceptr d;
	CUmodule m;

	(void)state;
	load(&m, &f, &g);
	assert_int_equal(cuMemAlloc(&d, 4096), CUDA_SUCCESS);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
			 47104);
	assert_int_equal(fill_shared(f, d, 49152), CUDA_SUCCESS);
	assert_int_equal(fill_shared(f, d, 49153), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuFuncSetAttribute(f,
			 CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 100000),
			 CUDA_SUCCESS);
	assert_int_equal(attr(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
			 100000);
	assert_int_equal(fill_shared(f, d, 100000), CUDA_SUCCESS);
	assert_int_equal(fill_shared(f, d, 100001), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	assert_int_equal(cuFuncSetAttribute(f,
			 CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 230401),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuFuncSetAttribute(f,
			 CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 230400),
			 CUDA_SUCCESS);
	assert_int_equal(cuFuncSetAttribute(f,
			 CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, -1),
			 CUDA_ERROR_INVALID_VALUE);
	/* Each function its own: fault's limit is still the default. */
	assert_int_equal(attr(g, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
			 49152);
	assert_int_equal(cuFuncSetAttribute(f,
			 CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 50),
			 CUDA_SUCCESS);
	assert_int_equal(cuFuncSetAttribute(f,
			 CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 101),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuFuncSetAttribute(f,
			 CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH, 2),
			 CUDA_ERROR_NOT_SUPPORTED);
	assert_int_equal(cuFuncSetAttribute((CUfunction)&d,
			 CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 1),
			 CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
	assert_int_equal(cuModuleUnload(m), CUDA_SUCCESS);
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

/*
 * fill32: 40 registers, 2048 bytes static shared memory. On sm_90 a warp's
 * registers are allocated in 256s: 40 * 32 = 1280 a warp; each of the 4
 * sub-partitions has 65536 / 4 = 16384, room for 12 such warps, so 48
 * warps a multiprocessor. Shared memory: 2048 + 1024 (reserved by the
 * driver per block) = 3072 a block, in 128-byte units; 233472 / 3072 = 76
 * blocks. Warps: 64 a multiprocessor. Blocks: at most 32.
 *   128 threads (4 warps): min(64/4, 48/4, 76, 32) = 12
 *   256 threads (8 warps): min(8, 6, 76, 32) = 6
 *   1024 threads (32 warps): min(2, 1, ...) = 1
 *   128 threads + 40000 bytes dynamic: 43072, rounded to 43136 a block,
 *     233472 / 43136 = 5
 *   + 47105 dynamic: 3072 + 47105 rounds to 50304, over the 49152 + 1024
 *     a block may have: 0
 * fault: 16 registers (512 a warp, 32 warps a sub-partition, 128), no
 * static shared memory: 256 threads: min(8, 128/8, 228, 32) = 8.
 */
static void test_occupancy(void **state)
{
	CUfunction f, g;
	CUmodule m;
	size_t smem = 0;
	int n = -1, grid = 0, block = 0;

	(void)state;
	load(&m, &f, &g);
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessor(&n, f, 128, 0),
			 CUDA_SUCCESS);
	assert_int_equal(n, 12);
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessor(&n, f, 256, 0),
			 CUDA_SUCCESS);
	assert_int_equal(n, 6);
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(&n,
			 f, 1024, 0, CU_OCCUPANCY_DISABLE_CACHING_OVERRIDE),
			 CUDA_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessor(&n, f, 128, 40000),
			 CUDA_SUCCESS);
	assert_int_equal(n, 5);
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessor(&n, f, 128, 47105),
			 CUDA_SUCCESS);
	assert_int_equal(n, 0);
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessor(&n, g, 256, 0),
			 CUDA_SUCCESS);
	assert_int_equal(n, 8);
	/*
	 * The block size of most threads: from 1024 down, 768 (24 warps, 2
	 * blocks, 48 warps) is the first to reach 48; the grid fills both
	 * multiprocessors. Limited to 512: 16 warps, 3 blocks.
	 */
	assert_int_equal(cuOccupancyMaxPotentialBlockSize(&grid, &block, f, NULL, 0, 0),
			 CUDA_SUCCESS);
	assert_int_equal(block, 768);
	assert_int_equal(grid, 4);
	assert_int_equal(cuOccupancyMaxPotentialBlockSizeWithFlags(&grid, &block,
			 f, NULL, 0, 512, CU_OCCUPANCY_DEFAULT), CUDA_SUCCESS);
	assert_int_equal(block, 512);
	assert_int_equal(grid, 6);
	/*
	 * Dynamic shared memory left: 6 blocks of 256 share 233472, 38912
	 * each, less the static 2048: 36864. 2 blocks: 116736 each, capped
	 * at a block's 49152 + 1024 less 2048, then at the kernel's 47104.
	 * 7 blocks of 256 do not fit (6 do).
	 */
	assert_int_equal(cuOccupancyAvailableDynamicSMemPerBlock(&smem, f, 6, 256),
			 CUDA_SUCCESS);
	assert_int_equal(smem, 36864);
	assert_int_equal(cuOccupancyAvailableDynamicSMemPerBlock(&smem, f, 2, 256),
			 CUDA_SUCCESS);
	assert_int_equal(smem, 47104);
	assert_int_equal(cuOccupancyAvailableDynamicSMemPerBlock(&smem, f, 7, 256),
			 CUDA_ERROR_INVALID_VALUE);
	/* Bad arguments. */
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessor(NULL, f, 128, 0),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessor(&n, f, 0, 0),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(&n,
			 f, 128, 0, 2), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessor(&n,
			 (CUfunction)&n, 128, 0), CUDA_ERROR_INVALID_HANDLE);
	/* One FUNC_ATTRS a function, however often asked. */
	assert_int_equal(asked, 2);
	assert_int_equal(cuModuleUnload(m), CUDA_SUCCESS);
}

/* No FUNC_ATTRS: no number made up. */
static void test_occupancy_unsupported(void **state)
{
	CUfunction f, g;
	CUmodule m;
	size_t smem = 0;
	int n = -1, grid = 0, block = 0;

	(void)state;
	load(&m, &f, &g);
	assert_int_equal(cuOccupancyMaxActiveBlocksPerMultiprocessor(&n, f, 128, 0),
			 CUDA_ERROR_NOT_SUPPORTED);
	assert_int_equal(n, -1);
	assert_int_equal(cuOccupancyMaxPotentialBlockSize(&grid, &block, f, NULL, 0, 0),
			 CUDA_ERROR_NOT_SUPPORTED);
	assert_int_equal(cuOccupancyAvailableDynamicSMemPerBlock(&smem, f, 1, 128),
			 CUDA_ERROR_NOT_SUPPORTED);
	assert_int_equal(asked, 1);
	assert_int_equal(cuModuleUnload(m), CUDA_SUCCESS);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_func_attrs_real, up_fake,
						lcf_down),
		cmocka_unit_test_setup_teardown(test_func_attrs_fallback, up_old,
						lcf_down),
		cmocka_unit_test_setup_teardown(test_func_attrs_fallback,
						up_nosupp, lcf_down),
		cmocka_unit_test_setup_teardown(test_func_attrs_fallback,
						up_unknown, lcf_down),
		cmocka_unit_test_setup_teardown(test_occupancy, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_func_set_attribute, up_fake,
						lcf_down),
		cmocka_unit_test_setup_teardown(test_occupancy_unsupported,
						up_nosupp, lcf_down),
		cmocka_unit_test_setup_teardown(test_occupancy_unsupported,
						up_old, lcf_down),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	return cmocka_run_group_tests_name("libcuda_func", tests, NULL, NULL);
}
