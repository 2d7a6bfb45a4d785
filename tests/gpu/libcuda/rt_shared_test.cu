// SPDX-License-Identifier: MIT
// rt_shared_test: a runtime-API program built once by nvcc with
// `-cudart shared` (it loads libcudart.so.13 by name), for this project's
// libcudart.so.13 (tools/libcudart, Documentation/libcudart.md). It uses
// only what the fake device (tests/sim/cx_dev_fake.c) also runs: its
// kernels have the fake device's names and parameters (fill32,
// read_global, fault, the __device__ variable vgpu_global of 64 bytes),
// and real bodies that do the same, so it runs alike on a GPU.
// Every result is checked here against values computed here; each check
// prints one line, and the program exits 1 if any failed:
//   rt_shared_test            (tests/gpu/run-fake.sh, run-libcuda.sh)
// Built twice: as is, and with --default-stream per-thread
// (rt_shared_test_ptds), whose calls are the _ptds/_ptsz entry points.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda_runtime.h>

extern "C" {
__device__ unsigned int vgpu_global[16];

// dptr[i] = value, i < n (the fake device's fill32: u64, u32, u32).
__global__ void fill32(unsigned int *dptr, unsigned int value, unsigned int n)
{
	for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
	     i += gridDim.x * blockDim.x)
		dptr[i] = value;
}

// out[i] = vgpu_global[i], i < n <= 16 (the fake device's read_global).
__global__ void read_global(unsigned int *out, unsigned int n)
{
	for (unsigned int i = threadIdx.x; i < n && i < 16; i += blockDim.x)
		out[i] = vgpu_global[i];
}

// An illegal address, reported at the next synchronize (the fake's fault).
__global__ void fault(void)
{
	*(volatile unsigned int *)(uintptr_t)8 = 1;
}
}

#define RT_CHECK_PREFIX "rt_shared"
#include "rt_check.h"

static int all_eq(const unsigned int *p, size_t n, unsigned int v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

typedef int (*mem_alloc_fn)(unsigned long long *, size_t);

static void t_device(void)
{
	struct cudaDeviceProp p;
	int n = 0, dev = -1, warp = 0, drv = 0, rt = 0;

	check(OK(cudaGetDeviceCount(&n)) && n >= 1, "a device");
	check(OK(cudaSetDevice(0)) && OK(cudaGetDevice(&dev)) && dev == 0,
	      "cudaSetDevice(0), cudaGetDevice");
	memset(&p, 0xff, sizeof(p));
	check(OK(cudaGetDeviceProperties(&p, 0)) && p.name[0] &&
	      strnlen(p.name, sizeof(p.name)) < sizeof(p.name) &&
	      p.totalGlobalMem > 0 && p.major >= 1 && p.warpSize == 32 &&
	      p.maxThreadsPerBlock >= 256, "cudaGetDeviceProperties");
	check(OK(cudaDeviceGetAttribute(&warp, cudaDevAttrWarpSize, 0)) &&
	      warp == p.warpSize, "cudaDeviceGetAttribute(warp size)");
	check(OK(cudaDriverGetVersion(&drv)) && OK(cudaRuntimeGetVersion(&rt)) &&
	      drv >= 13000 && rt == CUDART_VERSION, "driver and runtime versions");
	// A Driver API function through the runtime, used beside it.
	enum cudaDriverEntryPointQueryResult st = cudaDriverEntryPointSymbolNotFound;
	void *fn = NULL;
	unsigned long long dptr = 0;
	check(OK(cudaGetDriverEntryPointByVersion("cuMemAlloc", &fn, 12000,
						  cudaEnableDefault, &st)) &&
	      st == cudaDriverEntryPointSuccess && fn &&
	      ((mem_alloc_fn)fn)(&dptr, 4096) == 0 && dptr &&
	      OK(cudaMemset((void *)dptr, 1, 4096)) && OK(cudaFree((void *)dptr)),
	      "cudaGetDriverEntryPointByVersion(cuMemAlloc)");
	// What holds natively on a one-GPU machine and over vgpu alike.
	{
		char bus[32] = "";
		unsigned int a, b, c, d;
		int can = -1, chosen = -1;

		check(cudaDeviceCanAccessPeer(&can, 0, 1) == cudaErrorInvalidDevice &&
		      cudaGetLastError() == cudaErrorInvalidDevice,
		      "cudaDeviceCanAccessPeer(0, 1): one device");
		check(OK(cudaDeviceGetPCIBusId(bus, sizeof(bus), 0)) &&
		      sscanf(bus, "%x:%x:%x.%x", &a, &b, &c, &d) == 4,
		      "cudaDeviceGetPCIBusId: dddd:bb:dd.f");
		check(OK(cudaChooseDevice(&chosen, &p)) && chosen == 0,
		      "cudaChooseDevice: device 0");
		check(OK(cudaDeviceSetLimit(cudaLimitMallocHeapSize, 1 << 20)),
		      "cudaDeviceSetLimit(heap, 1 MiB): within the default");
	}
	check(cudaSetDevice(7) == cudaErrorInvalidDevice &&
	      cudaGetLastError() == cudaErrorInvalidDevice &&
	      cudaGetLastError() == cudaSuccess, "cudaSetDevice(7): invalid device");
}

// Copies of every kind between host, pinned host and device memory.
static void t_memory(void)
{
	const size_t n = 1 << 16, bytes = n * 4;
	unsigned int *h = (unsigned int *)malloc(bytes);
	unsigned int *h2 = (unsigned int *)malloc(bytes), *pin = NULL;
	unsigned int *d = NULL, *d2 = NULL;
	size_t fr = 0, tot = 0;
	int ok;

	if (!h || !h2 || !OK(cudaMalloc(&d, bytes)) || !OK(cudaMalloc(&d2, bytes)) ||
	    !OK(cudaMallocHost(&pin, bytes))) {
		check(0, "allocations");
		exit(1);
	}
	check(OK(cudaMemGetInfo(&fr, &tot)) && tot > 0 && fr <= tot,
	      "cudaMemGetInfo");
	ok = OK(cudaMemset(d, 0xab, bytes)) &&
	     OK(cudaMemcpy(h, d, bytes, cudaMemcpyDeviceToHost));
	check(ok && all_eq(h, n, 0xababababu), "cudaMemset, DeviceToHost");
	for (size_t i = 0; i < n; i++)
		h[i] = (unsigned int)(i * 2654435761u);
	memset(h2, 0, bytes);
	ok = OK(cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice)) &&
	     OK(cudaMemcpy(d2, d, bytes, cudaMemcpyDeviceToDevice)) &&
	     OK(cudaMemcpy(h2, d2, bytes, cudaMemcpyDeviceToHost));
	check(ok && !memcmp(h, h2, bytes), "HostToDevice, DeviceToDevice");
	memset(h2, 0, bytes);
	ok = OK(cudaMemset(d2, 0, bytes)) &&
	     OK(cudaMemcpy(d2 + 100, h + 100, 4000, cudaMemcpyDefault)) &&
	     OK(cudaMemcpy(pin, d2, bytes, cudaMemcpyDefault));
	check(ok && all_eq(pin, 100, 0) && !memcmp(pin + 100, h + 100, 4000) &&
	      all_eq(pin + 1100, n - 1100, 0), "cudaMemcpyDefault host<->device");
	ok = OK(cudaMemcpy(d2, d, bytes, cudaMemcpyDefault)) &&
	     OK(cudaMemcpy(pin, pin + n / 2, bytes / 2, cudaMemcpyDefault)) &&
	     OK(cudaMemcpy(h2, d2, bytes, cudaMemcpyDeviceToHost));
	check(ok && !memcmp(h2, h, bytes) && !memcmp(pin, pin + n / 2, bytes / 2),
	      "cudaMemcpyDefault device/device, host/host");
	memset(h2, 0, bytes);
	check(OK(cudaMemcpy(h2, h, bytes, cudaMemcpyHostToHost)) &&
	      !memcmp(h, h2, bytes), "HostToHost");
	check(cudaMemcpy(h2, d, 4, (cudaMemcpyKind)9) ==
	      cudaErrorInvalidMemcpyDirection &&
	      cudaGetLastError() == cudaErrorInvalidMemcpyDirection,
	      "a bad cudaMemcpyKind refused");
	struct cudaPointerAttributes pa, ha;
	check(OK(cudaPointerGetAttributes(&pa, d + 5)) &&
	      OK(cudaPointerGetAttributes(&ha, h)) &&
	      pa.type == cudaMemoryTypeDevice && pa.devicePointer == d + 5 &&
	      ha.type == cudaMemoryTypeUnregistered,
	      "cudaPointerGetAttributes: device, host");
	check(OK(cudaFree(d)) && OK(cudaFree(d2)) && OK(cudaFreeHost(pin)) &&
	      OK(cudaFree(NULL)), "cudaFree, cudaFreeHost");
	free(h);
	free(h2);
}

// <<<>>> launches and cudaLaunchKernel of fill32; a bad configuration.
static void t_launch(void)
{
	const unsigned int n = 8192;
	unsigned int *d = NULL, *h = (unsigned int *)malloc(n * 4);
	unsigned int v = 0x5eed1234u, half = n / 2;
	void *args[] = { &d, &v, &half };
	int ok;

	if (!h || !OK(cudaMalloc(&d, n * 4)) || !OK(cudaMemset(d, 0, n * 4))) {
		check(0, "allocations");
		exit(1);
	}
	fill32<<<4, 128>>>(d, 0x12345678u, n);
	ok = OK(cudaGetLastError()) && OK(cudaDeviceSynchronize()) &&
	     OK(cudaMemcpy(h, d, n * 4, cudaMemcpyDeviceToHost));
	check(ok && all_eq(h, n, 0x12345678u), "fill32<<<4, 128>>>");
	ok = OK(cudaLaunchKernel((const void *)fill32, dim3(2), dim3(64), args,
				 0, 0)) &&
	     OK(cudaMemcpy(h, d, n * 4, cudaMemcpyDeviceToHost));
	check(ok && all_eq(h, half, v) && all_eq(h + half, n - half, 0x12345678u),
	      "cudaLaunchKernel(fill32, half)");
	fill32<<<1, 0>>>(d, 1, n);
	{
		cudaError_t e1 = cudaGetLastError(), e2 = cudaGetLastError();

		// What NVIDIA's runtime 13 answers (measured on the H100).
		if (e1 != cudaErrorInvalidValue || e2 != cudaSuccess)
			printf("rt_shared: <<<1, 0>>> then cudaGetLastError twice: %s, %s\n",
			       cudaGetErrorName(e1), cudaGetErrorName(e2));
		check(e1 == cudaErrorInvalidValue && e2 == cudaSuccess,
		      "<<<1, 0>>>: invalid value, once");
	}
	check(OK(cudaMemcpy(h, d, n * 4, cudaMemcpyDeviceToHost)) &&
	      all_eq(h, half, v), "the bad launch wrote nothing");
	// 64 KiB of dynamic shared memory: over the default, once raised.
	fill32<<<1, 64, 65536>>>(d, 2, 64);
	ok = cudaGetLastError() == cudaErrorInvalidValue;
	ok = OK(cudaFuncSetAttribute(fill32,
				     cudaFuncAttributeMaxDynamicSharedMemorySize,
				     65536)) && ok;
	fill32<<<1, 64, 65536>>>(d, 3, 64);
	ok = OK(cudaGetLastError()) && ok;
	ok = OK(cudaMemcpy(h, d, n * 4, cudaMemcpyDeviceToHost)) && ok;
	check(ok && all_eq(h, 64, 3) && all_eq(h + 64, half - 64, v),
	      "64 KiB dynamic shared: refused, then raised and run");
	// The kernel's resources, then occupancy from them: the values differ
	// between the fake device and a GPU, what holds on both is printed.
	{
		struct cudaFuncAttributes fa;
		int blocks = 0;

		check(OK(cudaFuncGetAttributes(&fa, fill32)) && fa.numRegs > 0 &&
		      fa.maxThreadsPerBlock > 0,
		      "cudaFuncGetAttributes(fill32): registers > 0");
		check(OK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks,
				fill32, 128, 0)) && blocks > 0,
		      "occupancy of fill32 at 128 threads > 0");
		const char *fname = NULL;

		check(OK(cudaFuncGetName(&fname, (const void *)fill32)) && fname &&
		      !strcmp(fname, "fill32"), "cudaFuncGetName(fill32)");
	}
	check(!strcmp(cudaGetErrorName(cudaErrorInvalidConfiguration),
		      "cudaErrorInvalidConfiguration") &&
	      !strcmp(cudaGetErrorString(cudaSuccess), "no error"),
	      "cudaGetErrorName, cudaGetErrorString");
	cudaFree(d);
	free(h);
}

// cudaLaunchKernelEx (the template, over cudaLaunchKernelExC): none, the
// priority attribute, and a cooperative launch, which NVIDIA's driver runs
// and vgpu's refuses (cudaErrorNotSupported, writing nothing): either is
// right, so the output is the same both ways (run-libcuda.sh compares).
static void t_launch_ex(void)
{
	const unsigned int n = 256;
	unsigned int *d = NULL, h[256], v = 0xe0e0e0e1u, half = n / 2;
	cudaLaunchAttribute at[1];
	cudaLaunchConfig_t cfg = {};
	cudaStream_t s = NULL;
	cudaError_t e;
	int ok;

	if (!OK(cudaStreamCreate(&s)) || !OK(cudaMalloc(&d, n * 4)) ||
	    !OK(cudaMemset(d, 0, n * 4))) {
		check(0, "launch-ex set-up");
		return;
	}
	cfg.gridDim = dim3(2);
	cfg.blockDim = dim3(64);
	cfg.stream = s;
	ok = OK(cudaLaunchKernelEx(&cfg, fill32, d, v, half));
	at[0].id = cudaLaunchAttributePriority;
	at[0].val.priority = 0;
	cfg.attrs = at;
	cfg.numAttrs = 1;
	ok = ok && OK(cudaLaunchKernelEx(&cfg, fill32, d + half, v + 1, half)) &&
	     OK(cudaStreamSynchronize(s)) &&
	     OK(cudaMemcpy(h, d, n * 4, cudaMemcpyDeviceToHost));
	check(ok && all_eq(h, half, v) && all_eq(h + half, half, v + 1),
	      "cudaLaunchKernelEx: plain, with a priority");
	at[0].id = cudaLaunchAttributeCooperative;
	at[0].val.cooperative = 1;
	e = cudaLaunchKernelEx(&cfg, fill32, d, 7u, n);
	cudaGetLastError();
	ok = OK(cudaStreamSynchronize(s)) &&
	     OK(cudaMemcpy(h, d, n * 4, cudaMemcpyDeviceToHost));
	check(ok && (e == cudaSuccess ? all_eq(h, n, 7u) :
		     e == cudaErrorNotSupported && all_eq(h, half, v)),
	      "cudaLaunchKernelEx cooperative: runs, or refused (vgpu)");
	cudaFree(d);
	cudaStreamDestroy(s);
}

// Pitched memory: a host rectangle up and back, a 2D memset inside it,
// device to device and cudaMemcpyDefault; checked byte for byte.
static void t_pitched(void)
{
	enum { W = 100, H = 7, HP = 120 };
	static unsigned char src[HP * H], back[HP * H], want[HP * H];
	unsigned char *d = NULL, *d2 = NULL;
	size_t pitch = 0, pitch2 = 0;
	cudaStream_t s = NULL;
	int ok;

	for (int i = 0; i < HP * H; i++)
		src[i] = (unsigned char)(i * 13 + 5);
	ok = OK(cudaStreamCreate(&s)) &&
	     OK(cudaMallocPitch((void **)&d, &pitch, W, H)) &&
	     OK(cudaMallocPitch((void **)&d2, &pitch2, W - 10, H));
	check(ok && pitch >= W && pitch2 >= W - 10, "cudaMallocPitch");
	if (!ok)
		return;
	memset(back, 0xcd, sizeof(back));
	memcpy(want, back, sizeof(want));
	for (int y = 0; y < H; y++)
		memcpy(want + y * HP, src + y * HP, W);
	for (int y = 0; y < 3; y++)
		memset(want + y * HP + 10, 0x11, 20);
	ok = OK(cudaMemset2D(d, pitch, 0xab, pitch, H)) &&
	     OK(cudaMemcpy2D(d, pitch, src, HP, W, H, cudaMemcpyHostToDevice)) &&
	     OK(cudaMemset2D(d + 10, pitch, 0x11, 20, 3)) &&
	     OK(cudaMemcpy2D(back, HP, d, pitch, W, H, cudaMemcpyDeviceToHost));
	check(ok && !memcmp(back, want, sizeof(back)),
	      "cudaMemcpy2D up and back, cudaMemset2D inside");
	/* Rows 1.. of columns 5..94, to d2, then back by cudaMemcpyDefault. */
	memset(back, 0xcd, sizeof(back));
	ok = OK(cudaMemcpy2DAsync(d2, pitch2, d + pitch + 5, pitch, W - 10,
				  H - 1, cudaMemcpyDeviceToDevice, s)) &&
	     OK(cudaMemset2DAsync(d2 + pitch2, pitch2, 0x22, 4, 2, s)) &&
	     OK(cudaMemcpy2DAsync(back, HP, d2, pitch2, W - 10, H - 1,
				  cudaMemcpyDefault, s)) &&
	     OK(cudaStreamSynchronize(s));
	for (int y = 0; y < H - 1 && ok; y++)
		for (int x = 0; x < HP; x++) {
			unsigned char e = x >= W - 10 ? 0xcd :
				(y == 1 || y == 2) && x < 4 ? 0x22 :
				want[(y + 1) * HP + 5 + x];

			if (back[y * HP + x] != e)
				ok = 0;
		}
	check(ok, "cudaMemcpy2DAsync device to device, Default, Memset2DAsync");
	check(cudaMemcpy2D(back, W - 1, d, pitch, W, 2,
			   cudaMemcpyDeviceToHost) == cudaErrorInvalidPitchValue &&
	      cudaGetLastError() == cudaErrorInvalidPitchValue,
	      "cudaMemcpy2D wider than a pitch: cudaErrorInvalidPitchValue");
	cudaFree(d);
	cudaFree(d2);
	cudaStreamDestroy(s);
}

// cudaMallocAsync / cudaFreeAsync: the free after a use on the stream.
// 3D linear memory: a box written into a pitched volume set to 0x11,
// the whole volume read back packed, byte for byte against a model.
static void t_3d(void)
{
	enum { W = 100, H = 6, D = 4, SP = 64, SH = 5 };
	static unsigned char src[SP * SH * 3], back[W * H * D], want[W * H * D];
	struct cudaExtent vol = make_cudaExtent(W, H, D);
	struct cudaPitchedPtr pp;
	struct cudaMemcpy3DParms up = {}, down = {};
	int ok;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 11 + 5);
	memset(want, 0x11, sizeof(want));
	for (int z = 0; z < 2; z++)
		for (int y = 0; y < 3; y++)
			memcpy(want + ((1 + z) * H + 1 + y) * W + 8,
			       src + ((1 + z) * SH + 2 + y) * SP + 4, 40);
	ok = OK(cudaMalloc3D(&pp, vol)) && pp.pitch >= W &&
	     OK(cudaMemset3D(pp, 0x11, vol));
	up.srcPtr = make_cudaPitchedPtr(src, SP, SP, SH);
	up.srcPos = make_cudaPos(4, 2, 1);
	up.dstPtr = pp;
	up.dstPos = make_cudaPos(8, 1, 1);
	up.extent = make_cudaExtent(40, 3, 2);
	up.kind = cudaMemcpyHostToDevice;
	down.srcPtr = pp;
	down.dstPtr = make_cudaPitchedPtr(back, W, W, H);
	down.extent = vol;
	down.kind = cudaMemcpyDefault;
	ok = ok && OK(cudaMemcpy3D(&up)) && OK(cudaMemcpy3DAsync(&down, 0)) &&
	     OK(cudaStreamSynchronize(0));
	check(ok && !memcmp(back, want, sizeof(want)),
	      "cudaMalloc3D, cudaMemset3D, cudaMemcpy3D a box and back");
	cudaFree(pp.ptr);
}

// A graph captured from a stream: a copy up, fill32 over half, a copy
// down; launched twice, the host data changed in between (a graph's copy
// reads host memory at each launch).
static void t_graph(void)
{
	const unsigned int n = 1024;
	unsigned int *pin = NULL, *back = NULL, *d = NULL;
	enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
	cudaGraphExec_t exec = NULL;
	cudaGraph_t g = NULL;
	cudaStream_t s = NULL;
	int ok, good = 1;

	ok = OK(cudaMallocHost(&pin, n * 4)) && OK(cudaMallocHost(&back, n * 4)) &&
	     OK(cudaMalloc(&d, n * 4)) && OK(cudaStreamCreate(&s)) &&
	     OK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal)) &&
	     OK(cudaStreamIsCapturing(s, &cs)) &&
	     cs == cudaStreamCaptureStatusActive &&
	     OK(cudaMemcpyAsync(d, pin, n * 4, cudaMemcpyHostToDevice, s));
	if (ok)
		fill32<<<1, 256, 0, s>>>(d, 0xcafeu, n / 2);
	ok = ok && OK(cudaGetLastError()) &&
	     OK(cudaMemcpyAsync(back, d, n * 4, cudaMemcpyDeviceToHost, s)) &&
	     OK(cudaStreamEndCapture(s, &g)) &&
	     OK(cudaGraphInstantiate(&exec, g, 0));
	for (unsigned int round = 0; ok && round < 2; round++) {
		for (unsigned int i = 0; i < n; i++)
			pin[i] = 100 * round + i;
		ok = OK(cudaGraphLaunch(exec, s)) && OK(cudaStreamSynchronize(s));
		for (unsigned int i = 0; ok && i < n; i++)
			good &= back[i] == (i < n / 2 ? 0xcafeu : 100 * round + i);
	}
	check(ok && good, "a captured graph of copies and fill32, launched twice");
	if (exec)
		cudaGraphExecDestroy(exec);
	if (g)
		cudaGraphDestroy(g);
	cudaStreamDestroy(s);
	cudaFree(d);
	cudaFreeHost(pin);
	cudaFreeHost(back);
}

static void t_stream_alloc(void)
{
	unsigned int *a = NULL, *b = NULL, h[1024];
	cudaStream_t s = NULL;
	int ok;

	ok = OK(cudaStreamCreate(&s)) &&
	     OK(cudaMallocAsync((void **)&a, sizeof(h), s)) &&
	     OK(cudaMallocAsync((void **)&b, sizeof(h), s)) &&
	     OK(cudaMemsetAsync(a, 0x7f, sizeof(h), s)) &&
	     OK(cudaMemcpyAsync(b, a, sizeof(h), cudaMemcpyDeviceToDevice, s)) &&
	     OK(cudaFreeAsync(a, s)) &&
	     OK(cudaMemcpyAsync(h, b, sizeof(h), cudaMemcpyDeviceToHost, s)) &&
	     OK(cudaStreamSynchronize(s));
	check(ok && all_eq(h, 1024, 0x7f7f7f7fu),
	      "cudaMallocAsync, a use, cudaFreeAsync, in stream order");
	check(OK(cudaFreeAsync(b, s)) && OK(cudaStreamSynchronize(s)),
	      "cudaFreeAsync, synchronized");
	cudaStreamDestroy(s);
}

// Two streams, pinned memory, events with an elapsed time.
// Host functions: what they saw, run in stream order.
static unsigned int host_saw;
static int cb_calls;
static cudaError_t cb_status = cudaErrorUnknown;

static void CUDART_CB read_pinned(void *data)
{
	host_saw = ((const unsigned int *)data)[5];
}

static void CUDART_CB count_callback(cudaStream_t s, cudaError_t status,
				     void *data)
{
	(void)s;
	(void)data;
	cb_calls++;
	cb_status = status;
}

static void t_streams(void)
{
	const unsigned int n = 1 << 15;
	cudaStream_t s1, s2;
	cudaEvent_t e0, e1;
	unsigned int *pin = NULL, *d1 = NULL, *d2 = NULL, *h;
	float ms = -1;
	int lo = 0, hi = 0, ok;

	h = (unsigned int *)malloc(n * 4);
	if (!h || !OK(cudaMallocHost(&pin, n * 4)) || !OK(cudaMalloc(&d1, n * 4)) ||
	    !OK(cudaMalloc(&d2, n * 4))) {
		check(0, "allocations");
		exit(1);
	}
	for (unsigned int i = 0; i < n; i++)
		pin[i] = i ^ 0xa5a5a5a5u;
	ok = OK(cudaDeviceGetStreamPriorityRange(&lo, &hi)) &&
	     OK(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking)) &&
	     OK(cudaStreamCreateWithPriority(&s2, cudaStreamDefault, hi)) &&
	     OK(cudaEventCreate(&e0)) &&
	     OK(cudaEventCreateWithFlags(&e1, cudaEventDefault));
	check(ok, "streams and events created");
	ok = OK(cudaEventRecord(e0, s1)) &&
	     OK(cudaMemcpyAsync(d1, pin, n * 4, cudaMemcpyHostToDevice, s1));
	fill32<<<8, 256, 0, s1>>>(d1 + 1000, 77u, 1000);
	ok = ok && OK(cudaGetLastError()) &&
	     OK(cudaMemsetAsync(d2, 0x11, n * 4, s2)) &&
	     OK(cudaMemcpyAsync(h, d1, n * 4, cudaMemcpyDeviceToHost, s1)) &&
	     OK(cudaEventRecord(e1, s1)) && OK(cudaStreamWaitEvent(s2, e1, 0)) &&
	     OK(cudaEventSynchronize(e1)) && OK(cudaEventQuery(e1)) &&
	     OK(cudaEventElapsedTime(&ms, e0, e1));
	int good = 1;
	for (unsigned int i = 0; i < n; i++)
		good &= h[i] == (i >= 1000 && i < 2000 ? 77u : (i ^ 0xa5a5a5a5u));
	check(ok && good, "copy, fill32, copy on a stream");
	check(ok && ms >= 0, "cudaEventElapsedTime >= 0");
	ok = OK(cudaStreamSynchronize(s2)) && OK(cudaStreamQuery(s2)) &&
	     OK(cudaMemcpy(h, d2, n * 4, cudaMemcpyDeviceToHost));
	check(ok && all_eq(h, n, 0x11111111u), "cudaMemsetAsync on a second stream");
	// The host function reads what the copy before it on the stream wrote.
	fill32<<<1, 64, 0, s1>>>(d1, 0x600du, 64);
	ok = OK(cudaGetLastError()) &&
	     OK(cudaMemcpyAsync(pin, d1, 256, cudaMemcpyDeviceToHost, s1)) &&
	     OK(cudaLaunchHostFunc(s1, read_pinned, pin)) &&
	     OK(cudaStreamAddCallback(s1, count_callback, NULL, 0)) &&
	     OK(cudaStreamSynchronize(s1));
	check(ok && host_saw == 0x600du && cb_calls == 1 && cb_status == cudaSuccess,
	      "cudaLaunchHostFunc, cudaStreamAddCallback in order");
	{
		enum cudaStreamCaptureStatus cs = cudaStreamCaptureStatusActive;
		unsigned long long id1 = 0, id2 = 0;
		int dev = -1;

		check(OK(cudaStreamIsCapturing(s1, &cs)) &&
		      cs == cudaStreamCaptureStatusNone &&
		      OK(cudaStreamGetId(s1, &id1)) && OK(cudaStreamGetId(s2, &id2)) &&
		      id1 != id2 && OK(cudaStreamGetDevice(s2, &dev)) && dev == 0,
		      "cudaStreamIsCapturing, cudaStreamGetId, cudaStreamGetDevice");
	}
	check(OK(cudaStreamDestroy(s1)) && OK(cudaStreamDestroy(s2)) &&
	      OK(cudaEventDestroy(e0)) && OK(cudaEventDestroy(e1)),
	      "streams and events destroyed");
	cudaFree(d1);
	cudaFree(d2);
	cudaFreeHost(pin);
	free(h);
}

// A __device__ variable by its host shadow.
static void t_symbols(void)
{
	unsigned int src[16], back[16], *d = NULL, quad[4] = { 9, 8, 7, 6 };
	void *addr = NULL;
	size_t size = 0;
	int ok;

	for (int i = 0; i < 16; i++)
		src[i] = 0xc0de0000u + (unsigned int)i * 3;
	if (!OK(cudaMalloc(&d, sizeof(back)))) {
		check(0, "allocations");
		exit(1);
	}
	ok = OK(cudaMemcpyToSymbol(vgpu_global, src, sizeof(src)));
	read_global<<<1, 16>>>(d, 16);
	ok = ok && OK(cudaGetLastError()) &&
	     OK(cudaMemcpy(back, d, sizeof(back), cudaMemcpyDeviceToHost));
	check(ok && !memcmp(src, back, sizeof(src)),
	      "cudaMemcpyToSymbol, read by a kernel");
	memcpy(src + 2, quad, sizeof(quad));
	memset(back, 0, sizeof(back));
	ok = OK(cudaMemcpyToSymbol(vgpu_global, quad, sizeof(quad), 8)) &&
	     OK(cudaMemcpyFromSymbol(back, vgpu_global, sizeof(back)));
	check(ok && !memcmp(src, back, sizeof(src)),
	      "cudaMemcpyToSymbol at an offset, FromSymbol");
	ok = OK(cudaGetSymbolAddress(&addr, vgpu_global)) &&
	     OK(cudaGetSymbolSize(&size, vgpu_global)) &&
	     OK(cudaMemcpy(back, addr, 8, cudaMemcpyDeviceToHost));
	check(ok && size == sizeof(src) && back[0] == src[0] && back[1] == src[1],
	      "cudaGetSymbolAddress, cudaGetSymbolSize");
	check(cudaMemcpyToSymbol(vgpu_global, src, sizeof(src), 4) ==
	      cudaErrorInvalidValue && cudaGetLastError() == cudaErrorInvalidValue,
	      "a copy past the symbol's end refused");
	check(cudaMemcpyToSymbol(src, src, 4) == cudaErrorInvalidSymbol &&
	      cudaGetLastError() == cudaErrorInvalidSymbol,
	      "a host variable is no symbol");
	cudaFree(d);
}

// Managed memory: one pointer for host code and kernels. vgpu's is the
// device's from a launch (or a prefetch to it) to the next synchronize
// (concurrentManagedAccess 0); a GPU with page faults migrates it on
// demand. The program keeps the rules of both: no host access between
// device work and the synchronize after it.
static void t_managed(void)
{
	const unsigned int n = 4096;
	struct cudaMemLocation dev = { cudaMemLocationTypeDevice, 0 };
	struct cudaPointerAttributes pa;
	unsigned int *m = NULL, h[16];
	int attr = -1, ok;

	check(OK(cudaDeviceGetAttribute(&attr, cudaDevAttrManagedMemory, 0)) &&
	      attr == 1, "cudaDevAttrManagedMemory");
	if (!OK(cudaMallocManaged(&m, n * 4))) {
		check(0, "cudaMallocManaged");
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		m[i] = i;
	fill32<<<1, 128>>>(m, 0xa11ceu, n / 2);
	// A synchronize whatever the launch said: the host's again after it.
	ok = OK(cudaGetLastError());
	ok = OK(cudaDeviceSynchronize()) && ok;
	check(ok && all_eq(m, n / 2, 0xa11ceu) && m[n / 2] == n / 2 &&
	      m[n - 1] == n - 1, "managed: host writes, fill32, host reads");
	m[n - 1] = 7;
	ok = OK(cudaMemPrefetchAsync(m, n * 4, dev, 0, 0));
	fill32<<<1, 16>>>(m + n / 2, 0xb0bu, 16);
	ok = OK(cudaGetLastError()) && ok;
	ok = OK(cudaStreamSynchronize(0)) && ok;
	check(ok && m[n / 2] == 0xb0bu && m[n / 2 + 16] == n / 2 + 16 &&
	      m[n - 1] == 7 && m[0] == 0xa11ceu,
	      "managed: prefetch, a second round keeps host writes");
	ok = OK(cudaMemcpy(h, m, sizeof(h), cudaMemcpyDefault)) &&
	     all_eq(h, 16, 0xa11ceu) && OK(cudaMemset(m, 0, 64));
	ok = OK(cudaDeviceSynchronize()) && ok;
	check(ok && all_eq(m, 16, 0) && m[16] == 0xa11ceu,
	      "managed: cudaMemcpy from it, cudaMemset on it");
	check(OK(cudaPointerGetAttributes(&pa, m + 1)) &&
	      pa.type == cudaMemoryTypeManaged && pa.devicePointer == m + 1 &&
	      pa.hostPointer == m + 1, "managed: cudaPointerGetAttributes");
	check(OK(cudaMemAdvise(m, n * 4, cudaMemAdviseSetReadMostly, dev)) &&
	      OK(cudaFree(m)), "managed: cudaMemAdvise, cudaFree");
}

// A kernel's fault surfaces at the next synchronize. Last: CUDA's
// context is then unusable, and its documentation says the process must
// end (vgpu's executor starts afresh, but that is not compared here).
static void t_fault(void)
{
	cudaError_t e;

	fault<<<1, 1>>>();
	check(cudaGetLastError() == cudaSuccess, "fault<<<1, 1>>> launched");
	e = cudaDeviceSynchronize();
	check(e == cudaErrorIllegalAddress,
	      "the fault at cudaDeviceSynchronize: cudaErrorIllegalAddress");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	t_device();
	t_memory();
	t_launch();
	t_launch_ex();
	t_pitched();
	t_3d();
	t_graph();
	t_stream_alloc();
	t_streams();
	t_symbols();
	t_managed();
	t_fault();
	return rt_finish();
}
