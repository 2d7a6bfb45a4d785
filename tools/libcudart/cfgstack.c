// SPDX-License-Identifier: MIT
/*
 * The <<<grid, block, shmem, stream>>> configuration: nvcc turns
 * `k<<<g, b, s, st>>>(args)` into __cudaPushCallConfiguration(g, b, s, st)
 * followed by a call of k's host stub, which pops it
 * (__cudaPopCallConfiguration) and launches. A stack per thread, as an
 * argument of a launch may itself contain a launch. Pure logic: no
 * Driver API (tests/unit/test_libcudart.c).
 */
#include "crt.h"

static _Thread_local struct crt_config stack[CRT_CONFIG_DEPTH];
static _Thread_local unsigned int depth;

unsigned int crt_config_push(const struct crt_config *c)
{
	if (depth == CRT_CONFIG_DEPTH)
		return 1;
	stack[depth++] = *c;
	return 0;
}

unsigned int crt_config_pop(struct crt_config *c)
{
	if (!depth)
		return 1;
	*c = stack[--depth];
	return 0;
}

/* Returns 0 when pushed, as the stubs nvcc writes expect. */
CRT_EXPORT unsigned int __cudaPushCallConfiguration(dim3 grid, dim3 block,
						    size_t shmem,
						    struct CUstream_st *stream)
{
	struct crt_config c = {
		.grid = grid, .block = block, .shmem = shmem, .stream = stream,
	};

	if (crt_config_push(&c)) {
		crt_ret(cudaErrorInvalidConfiguration);
		return 1;
	}
	return 0;
}

CRT_EXPORT cudaError_t __cudaPopCallConfiguration(dim3 *grid, dim3 *block,
						  size_t *shmem, void *stream)
{
	struct crt_config c;

	if (crt_config_pop(&c))
		return crt_ret(cudaErrorMissingConfiguration);
	*grid = c.grid;
	*block = c.block;
	*shmem = c.shmem;
	*(cudaStream_t *)stream = c.stream;
	return cudaSuccess;
}
