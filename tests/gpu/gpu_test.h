/* SPDX-License-Identifier: MIT */
/*
 * What the files of vgpu-gpu-test share (gpu_test.c: the harness set-up,
 * the kernels, main(); gpu_test_ops2.c: the operations of issue 18).
 */
#ifndef VGPU_TESTS_GPU_TEST_H
#define VGPU_TESTS_GPU_TEST_H

#include <stdint.h>

#include "tests/sim/harness.h"

struct gpu_test {
	int fake;
	int lost_by_kill;	/* gpu_lost: kill the executors, also on the fake */
	char kdir[4096];
	char self_dir[4096];
	const char *cuda_exec;
	uint32_t turn_quota;
	const char *exec_user, *exec_seccomp;	/* NULL: the worker's defaults */
	void *img[3];
	uint32_t img_len[3];
	const char *img_name[3];
	int nimg;
	void *big_img, *frame_img;	/* bigmod.cubin, bigframe.cubin */
	uint32_t big_len, frame_len;
	int failed_checks;
	char why[512];
};

extern struct gpu_test T;

/* Records the first failure of a test. */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define EXPECT_ST(call, want)						\
	do {								\
		int32_t st_ = (call);					\
		if (st_ != (want))					\
			fail("%s:%d: %s -> %s, expected %s", __FILE__,	\
			     __LINE__, #call, h_status(st_),		\
			     h_status(want));				\
	} while (0)

#define EXPECT(cond, ...)						\
	do {								\
		if (!(cond))						\
			fail(__VA_ARGS__);				\
	} while (0)

/* The worker with the CUDA executor, @timeout_ms per request. */
void start(struct harness *h, uint32_t timeout_ms);
/* kernels.ptx (or the fake's module) loaded by @v; its handle. */
uint64_t load_main_module(struct gvm *v);

/* gpu_test_ops2.c */
void test_ops2(void);

#endif
