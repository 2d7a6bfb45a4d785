// SPDX-License-Identifier: MIT
/*
 * vgpucudart: the project's CUDA runtime (libcudart.so.13 over
 * libcuda.so.1) in a guest, over the real /dev/vgpu0, against the lab's
 * CPU executor: what needs no GPU works with right results (device count
 * and properties, memory, copies of every kind, unified-address copies,
 * memsets, a stream with events, managed memory written by the host,
 * memset on the stream and read after its synchronize, a host function
 * in stream order, a box through 3D pitched memory, a graph captured
 * from the stream and launched twice), and a launch of a function the runtime
 * does not know is refused cleanly and reported once by cudaGetLastError.
 * Every result is checked against what the program computes itself.
 * Prints "vgpucudart: ok" and exits 0, or names the first failure and
 * exits 1.
 *
 * A C program of the runtime API, linked against libcudart.so.13 by name;
 * the guest runs it with LD_LIBRARY_PATH at the vgpu-guest package's copy.
 */
#include <cuda_runtime_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N (64u << 10)

static int fail(const char *what, cudaError_t e)
{
	printf("vgpucudart: FAIL: %s: %s\n", what, cudaGetErrorName(e));
	return 1;
}

#define CK(call) do { cudaError_t e_ = (call); \
	if (e_ != cudaSuccess) return fail(#call, e_); } while (0)

static void count_call(void *data)
{
	++*(int *)data;
}

static void not_a_kernel(void)
{
}

int main(void)
{
	static uint8_t host[N], want[N], back[N];
	struct cudaDeviceProp prop;
	cudaStream_t s;
	cudaEvent_t e0, e1;
	void *a, *b;
	size_t fr = 0, tot = 0;
	float ms = -1;
	int count = 0;
	cudaError_t e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	CK(cudaGetDeviceCount(&count));
	if (count != 1)
		return fail("one device", cudaErrorNoDevice);
	CK(cudaSetDevice(0));
	CK(cudaGetDeviceProperties(&prop, 0));
	printf("vgpucudart: %s, %zu MiB, warp %d, %d SMs, compute %d.%d\n",
	       prop.name, prop.totalGlobalMem >> 20, prop.warpSize,
	       prop.multiProcessorCount, prop.major, prop.minor);
	if (!prop.name[0] || !prop.totalGlobalMem || prop.warpSize != 32)
		return fail("device properties", cudaErrorInvalidValue);
	CK(cudaMemGetInfo(&fr, &tot));
	if (!tot || fr > tot)
		return fail("cudaMemGetInfo", cudaErrorInvalidValue);

	for (uint32_t i = 0; i < N; i++)
		host[i] = (uint8_t)(i * 7 + 3);
	CK(cudaMalloc(&a, N));
	CK(cudaMalloc(&b, N));
	/* a <- host; b <- a; a[1 KiB..] <- 0x5a; a <- b's tail over a's head */
	CK(cudaMemcpy(a, host, N, cudaMemcpyHostToDevice));
	CK(cudaMemcpy(b, a, N, cudaMemcpyDeviceToDevice));
	CK(cudaMemset((uint8_t *)a + 1024, 0x5a, N - 1024));
	CK(cudaMemcpy(a, (uint8_t *)b + N / 2, 512, cudaMemcpyDefault));
	memcpy(want, host, N);
	memset(want + 1024, 0x5a, N - 1024);
	memcpy(want, host + N / 2, 512);
	CK(cudaMemcpy(back, a, N, cudaMemcpyDefault));
	if (memcmp(back, want, N))
		return fail("copies and memset", cudaErrorInvalidValue);

	/* The same on a stream, timed by two events. */
	CK(cudaStreamCreate(&s));
	CK(cudaEventCreate(&e0));
	CK(cudaEventCreate(&e1));
	CK(cudaEventRecord(e0, s));
	CK(cudaMemsetAsync(b, 0xc3, N / 4, s));
	CK(cudaMemcpyAsync(back, b, N, cudaMemcpyDeviceToHost, s));
	CK(cudaEventRecord(e1, s));
	CK(cudaStreamSynchronize(s));
	CK(cudaEventElapsedTime(&ms, e0, e1));
	memcpy(want, host, N);
	memset(want, 0xc3, N / 4);
	if (memcmp(back, want, N))
		return fail("stream copies", cudaErrorInvalidValue);
	if (ms < 0)
		return fail("event time", cudaErrorInvalidValue);

	/* Managed memory and a host function, in the stream's order. */
	{
		unsigned char *m = NULL;
		int calls = 0;

		CK(cudaMallocManaged((void **)&m, N, cudaMemAttachGlobal));
		for (uint32_t i = 0; i < N; i++)
			m[i] = (unsigned char)(i * 13);
		CK(cudaMemsetAsync(m + 100, 0x5a, 1000, s));
		CK(cudaLaunchHostFunc(s, count_call, &calls));
		CK(cudaStreamSynchronize(s));
		for (uint32_t i = 0; i < N; i++)
			if (m[i] != (i >= 100 && i < 1100 ? 0x5a : (unsigned char)(i * 13)))
				return fail("managed memory after the stream", cudaErrorInvalidValue);
		if (calls != 1)
			return fail("the host function ran once", cudaErrorInvalidValue);
		CK(cudaFree(m));
	}

	/* 3D: a box of host bytes into a pitched volume and back. */
	{
		struct cudaExtent vol = { 64, 4, 3 };
		struct cudaPitchedPtr pp;
		struct cudaMemcpy3DParms up = { 0 }, down = { 0 };
		static unsigned char box[64 * 4 * 3], got[64 * 4 * 3];

		for (uint32_t i = 0; i < sizeof(box); i++)
			box[i] = (unsigned char)(i * 7 + 3);
		CK(cudaMalloc3D(&pp, vol));
		up.srcPtr = (struct cudaPitchedPtr){ box, 64, 64, 4 };
		up.dstPtr = pp;
		up.extent = vol;
		up.kind = cudaMemcpyHostToDevice;
		down.srcPtr = pp;
		down.dstPtr = (struct cudaPitchedPtr){ got, 64, 64, 4 };
		down.extent = vol;
		down.kind = cudaMemcpyDeviceToHost;
		CK(cudaMemcpy3D(&up));
		CK(cudaMemcpy3D(&down));
		if (memcmp(box, got, sizeof(box)))
			return fail("a box through 3D memory", cudaErrorInvalidValue);
		CK(cudaFree(pp.ptr));
	}

	/* A graph captured from the stream: a copy up, a memset, a copy down. */
	{
		cudaGraph_t g;
		cudaGraphExec_t ge;
		unsigned char *d;

		CK(cudaMalloc((void **)&d, 4096));
		CK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
		CK(cudaMemcpyAsync(d, host, 4096, cudaMemcpyHostToDevice, s));
		CK(cudaMemsetAsync(d + 1024, 0x3c, 512, s));
		CK(cudaMemcpyAsync(back, d, 4096, cudaMemcpyDeviceToHost, s));
		CK(cudaStreamEndCapture(s, &g));
		CK(cudaGraphInstantiate(&ge, g, 0));
		for (int round = 0; round < 2; round++) {
			for (uint32_t i = 0; i < 4096; i++)
				host[i] = (unsigned char)(i + 17 * round);
			memset(back, 0, 4096);
			CK(cudaGraphLaunch(ge, s));
			CK(cudaStreamSynchronize(s));
			for (uint32_t i = 0; i < 4096; i++)
				if (back[i] != (i >= 1024 && i < 1536 ? 0x3c :
						(unsigned char)(i + 17 * round)))
					return fail("a captured graph", cudaErrorInvalidValue);
		}
		CK(cudaGraphExecDestroy(ge));
		CK(cudaGraphDestroy(g));
		CK(cudaFree(d));
	}

	/* A function the runtime was never told of: refused, reported once. */
	e = cudaLaunchKernel((const void *)not_a_kernel, (dim3){ 1, 1, 1 },
			     (dim3){ 1, 1, 1 }, NULL, 0, s);
	if (e == cudaSuccess)
		return fail("a launch of an unknown function succeeded", e);
	printf("vgpucudart: launch of an unknown function: %s\n",
	       cudaGetErrorName(e));
	if (cudaGetLastError() != e || cudaGetLastError() != cudaSuccess)
		return fail("cudaGetLastError after the refused launch", e);

	CK(cudaEventDestroy(e0));
	CK(cudaEventDestroy(e1));
	CK(cudaStreamDestroy(s));
	CK(cudaFree(a));
	CK(cudaFree(b));
	CK(cudaDeviceSynchronize());
	printf("vgpucudart: ok (64 KiB through every copy kind, memset, a stream with events %.3f ms apart, managed memory, a host function, 3D memory, a graph launched twice)\n",
	       ms);
	return 0;
}
