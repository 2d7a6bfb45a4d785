/* SPDX-License-Identifier: MIT */
/*
 * A private MPS control daemon for the benchmarks: its own pipe and log
 * directories, so it meets no other user of the GPU. Processes started
 * while it runs inherit CUDA_MPS_PIPE_DIRECTORY and join it.
 */
#ifndef VGPU_BENCH_GPU_MPS_H
#define VGPU_BENCH_GPU_MPS_H

#include <stddef.h>

struct mps {
	const char *control;	/* nvidia-cuda-mps-control */
	char dir[64];
	char pipe[96];		/* its pipe directory, once started */
};

/* 0 when the daemon runs and the environment points at it; else -1. */
int mps_start(struct mps *m, const char *control);
/* "quit", waits for the server to leave, cleans the environment and dir. */
void mps_stop(struct mps *m);

#endif
