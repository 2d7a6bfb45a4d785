// SPDX-License-Identifier: MIT
// rt_managed_test: a __managed__ variable, built once by nvcc with
// `-cudart shared`, run over the fake device (tests/gpu/run-fake.sh) and
// on a GPU natively and over vgpu (run-libcuda.sh compares the outputs).
// Its kernels have the fake device's names and parameters (fill32,
// read_global, and the variable vgpu_global of 16 words,
// tests/sim/cx_dev_fake.c) and real bodies that do the same. Host code
// writes the variable, a kernel reads it; a kernel writes it through its
// address, host code reads it after a synchronize; cudaMemcpyFromSymbol
// names it. Each check prints one line (rt_check.h).
#include <cstdio>
#include <cuda_runtime.h>

extern "C" {
__managed__ unsigned int vgpu_global[16];

__global__ void fill32(unsigned int *dptr, unsigned int value, unsigned int n)
{
	unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		dptr[i] = value;
}

__global__ void read_global(unsigned int *out, unsigned int n)
{
	unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n && i < 16)
		out[i] = vgpu_global[i];
}
}

#define RT_CHECK_PREFIX "rt_managed"
#include "rt_check.h"

int main(void)
{
	unsigned int *out = NULL, h[16];
	struct cudaPointerAttributes pa;
	int ok, good = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!OK(cudaMalloc(&out, sizeof(h)))) {
		check(0, "cudaMalloc");
		return 1;
	}
	for (unsigned int i = 0; i < 16; i++)
		vgpu_global[i] = 3 * i + 1;
	read_global<<<1, 16>>>(out, 16);
	ok = sync_after_launch() &&
	     OK(cudaMemcpy(h, out, sizeof(h), cudaMemcpyDeviceToHost));
	for (unsigned int i = 0; i < 16; i++)
		good &= h[i] == 3 * i + 1;
	check(ok && good, "host writes a __managed__ variable, a kernel reads it");
	fill32<<<1, 16>>>(vgpu_global, 0x77u, 8);
	ok = sync_after_launch();
	good = 1;
	for (unsigned int i = 0; i < 16; i++)
		good &= vgpu_global[i] == (i < 8 ? 0x77u : 3 * i + 1);
	check(ok && good, "a kernel writes it through its address, host reads it");
	vgpu_global[15] = 0xabcu;
	good = OK(cudaMemcpyFromSymbol(h, vgpu_global, sizeof(h)));
	for (unsigned int i = 0; i < 16; i++)
		good &= h[i] == (i < 8 ? 0x77u : i == 15 ? 0xabcu : 3 * i + 1);
	check(good, "cudaMemcpyFromSymbol of it has the host's last write");
	check(OK(cudaPointerGetAttributes(&pa, vgpu_global)) &&
	      pa.type == cudaMemoryTypeManaged &&
	      pa.hostPointer == (void *)vgpu_global,
	      "cudaPointerGetAttributes: managed");
	check(OK(cudaFree(out)), "cudaFree");
	return rt_finish();
}
