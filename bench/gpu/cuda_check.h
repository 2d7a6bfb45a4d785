/* SPDX-License-Identifier: MIT */
/*
 * CK(call): the native benchmark programs' check of a CUDA Driver API
 * call: on an error, its name and the call's text, and exit 1 (a native
 * anchor that cannot run has no figure to give).
 */
#ifndef VGPU_BENCH_GPU_CUDA_CHECK_H
#define VGPU_BENCH_GPU_CUDA_CHECK_H

#include <cuda.h>
#include <errno.h>	/* program_invocation_short_name (_GNU_SOURCE) */
#include <stdio.h>
#include <stdlib.h>

#define CK(x)								\
	do {								\
		CUresult r_ = (x);					\
		if (r_ != CUDA_SUCCESS) {				\
			const char *s_ = "?";				\
			cuGetErrorName(r_, &s_);			\
			fprintf(stderr, "%s: %s: %s\n",			\
				program_invocation_short_name, #x, s_);	\
			exit(1);					\
		}							\
	} while (0)

#endif
