// SPDX-License-Identifier: MIT
/*
 * Kernels the GPU tests load through MODULE_LOAD, built by nvcc into PTX,
 * cubin and fatbin (tests/gpu/Makefile). Their names and parameters match
 * the fake device's (tests/sim/cx_dev_fake.c), so the same test
 * runs on both.
 */

/* p[i] = v for i < n. */
extern "C" __global__ void fill32(unsigned int *p, unsigned int v, unsigned int n)
{
	unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		p[i] = v;
}

/* c[i] = a[i] + b[i]; a, b and c may be the same buffer. */
extern "C" __global__ void vadd(const float *a, const float *b, float *c, unsigned int n)
{
	unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		c[i] = a[i] + b[i];
}

/* Writes to an address no allocation holds: CUDA_ERROR_ILLEGAL_ADDRESS. */
extern "C" __global__ void fault(void)
{
	*(volatile int *)(unsigned long long)0x10 = 1;
}

__device__ volatile int vgpu_never;

/* Never ends: only the watchdog stops it. */
extern "C" __global__ void hang(void)
{
	while (!vgpu_never)
		;
}

/*
 * The parameter blob's layout as CU_LAUNCH_PARAM_BUFFER_POINTER takes it:
 * char at 0, double at 8, int at 16, pointer at 24 (32 bytes).
 */
extern "C" __global__ void params_probe(char c, double d, int i, unsigned long long *out)
{
	out[0] = (unsigned long long)(unsigned char)c;
	out[1] = (unsigned long long)__double_as_longlong(d);
	out[2] = (unsigned long long)(unsigned int)i;
}

// Keeps its threads busy for @us microseconds of the GPU's global timer:
// the benchmarks' "long kernel" of a low-priority VM.
extern "C" __global__ void spin_us(unsigned int us)
{
	unsigned long long t0, t;

	asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
	do {
		asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
	} while (t - t0 < 1000ull * us);
}

/*
 * A __device__ global, found with cuModuleGetGlobal (MODULE_GET_GLOBAL),
 * written through MEM_WRITE/MEM_SET, read here: cudaMemcpyToSymbol's way.
 */
__device__ unsigned int vgpu_global[16];

/* out[i] = vgpu_global[i] for i < n (at most 16). */
extern "C" __global__ void read_global(unsigned int *out, unsigned int n)
{
	unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n && i < 16)
		out[i] = vgpu_global[i];
}
