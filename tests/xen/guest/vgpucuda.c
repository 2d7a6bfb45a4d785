// SPDX-License-Identifier: MIT
/*
 * vgpucuda: the project's libcuda.so.1 in a guest, over the real
 * /dev/vgpu0, against the lab's CPU executor: what needs no GPU works
 * with right results (device queries, the primary context, memory,
 * host-to-device, device-to-device, memset of 8, 16 and 32 bits,
 * device-to-host, managed memory written by the host, memset on the
 * device while the host is fenced off it, and read again after a
 * synchronize), and a module, which the CPU executor cannot run, is
 * refused cleanly with CUDA_ERROR_NOT_SUPPORTED. Every result is checked
 * here against what the program computes itself. Prints "vgpucuda: ok"
 * and exits 0, or names the first failure and exits 1.
 *
 * Linked against libcuda.so.1 by name (tools/libcuda); the guest runs it
 * with LD_LIBRARY_PATH at the vgpu-guest package's copy.
 */
#include <cuda.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N (64u << 10)

static int fail(const char *what, CUresult r)
{
	const char *name = "?";

	cuGetErrorName(r, &name);
	printf("vgpucuda: FAIL: %s: %s\n", what, name);
	return 1;
}

#define CK(call) do { CUresult r_ = (call); \
	if (r_ != CUDA_SUCCESS) return fail(#call, r_); } while (0)

/* Can the process read @p? A fenced page makes write(2) fail (EFAULT). */
static int readable(const void *p)
{
	int fd[2], ok;
	char c;

	if (pipe(fd))
		return -1;
	ok = write(fd[1], p, 1) == 1;
	if (ok && read(fd[0], &c, 1) != 1)
		ok = -1;
	close(fd[0]);
	close(fd[1]);
	return ok;
}

/*
 * Managed memory: the host's until device work takes it (fenced), the
 * host's again after the synchronize, the device's changes in it.
 */
static int managed(void)
{
	CUdeviceptr m;
	uint32_t *h;
	int attr = 0;

	CK(cuDeviceGetAttribute(&attr, CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY, 0));
	if (attr != 1)
		return fail("CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY is 1", CUDA_ERROR_INVALID_VALUE);
	CK(cuMemAllocManaged(&m, N, CU_MEM_ATTACH_GLOBAL));
	h = (uint32_t *)(uintptr_t)m;
	for (uint32_t i = 0; i < N / 4; i++)
		h[i] = i * 2654435761u;
	CK(cuMemsetD32Async(m + 4096, 0x0a0b0c0d, 256, NULL));
	if (readable(h) != 0)
		return fail("managed memory fenced while the device holds it", CUDA_ERROR_INVALID_VALUE);
	CK(cuCtxSynchronize());
	if (readable(h) != 1)
		return fail("managed memory the host's after the synchronize", CUDA_ERROR_INVALID_VALUE);
	for (uint32_t i = 0; i < N / 4; i++) {
		uint32_t want = i >= 1024 && i < 1280 ? 0x0a0b0c0du : i * 2654435761u;

		if (h[i] != want) {
			printf("vgpucuda: FAIL: managed word %u is 0x%08x, expected 0x%08x\n", i,
			       h[i], want);
			return 1;
		}
	}
	CK(cuMemFree(m));
	printf("vgpucuda: managed memory at 0x%llx: host writes, a device memset, read back right\n",
	       (unsigned long long)m);
	return 0;
}

static const char empty_ptx[] =
	".version 7.0\n.target sm_75\n.address_size 64\n"
	".visible .entry empty()\n{\nret;\n}\n";

int main(void)
{
	static uint8_t host[N], want[N], back[N];
	CUdevice dev;
	CUcontext ctx;
	CUdeviceptr a, b;
	CUmodule mod;
	size_t total = 0, fr = 0, tot = 0;
	int count = 0, warp = 0, sms = 0, major = 0;
	char name[128] = "";
	CUresult r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	CK(cuInit(0));
	CK(cuDeviceGetCount(&count));
	if (count != 1)
		return fail("one device", CUDA_ERROR_NO_DEVICE);
	CK(cuDeviceGet(&dev, 0));
	CK(cuDeviceGetName(name, sizeof(name), dev));
	CK(cuDeviceTotalMem(&total, dev));
	CK(cuDeviceGetAttribute(&warp, CU_DEVICE_ATTRIBUTE_WARP_SIZE, dev));
	CK(cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
	CK(cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev));
	printf("vgpucuda: device '%s' total %zu warp %d sms %d cc major %d\n", name, total,
	       warp, sms, major);
	if (!name[0] || !total || warp != 32 || sms < 1 || major < 1)
		return fail("device queries", CUDA_ERROR_INVALID_VALUE);
	CK(cuDevicePrimaryCtxRetain(&ctx, dev));
	CK(cuCtxSetCurrent(ctx));
	CK(cuMemGetInfo(&fr, &tot));
	if (fr > tot)
		return fail("free <= total", CUDA_ERROR_INVALID_VALUE);

	for (uint32_t i = 0; i < N; i++)
		host[i] = (uint8_t)(i * 31 + 7);
	memcpy(want, host, N);
	/* What the device must hold after the sets below, bytes little-endian. */
	memset(want + 5, 0xee, 1000);
	for (uint32_t i = 0; i < 1000; i++) {
		want[2000 + 2 * i] = 0xef;
		want[2001 + 2 * i] = 0xbe;
	}
	for (uint32_t i = 0; i < 1000; i++) {
		want[8000 + 4 * i] = 0x04;
		want[8001 + 4 * i] = 0x03;
		want[8002 + 4 * i] = 0x02;
		want[8003 + 4 * i] = 0x01;
	}
	CK(cuMemAlloc(&a, N));
	CK(cuMemAlloc(&b, N));
	CK(cuMemcpyHtoD(a, host, N));
	CK(cuMemcpyDtoD(b, a, N));
	CK(cuMemsetD8(b + 5, 0xee, 1000));
	CK(cuMemsetD16(b + 2000, 0xbeef, 1000));
	CK(cuMemsetD32Async(b + 8000, 0x01020304, 1000, NULL));
	CK(cuMemcpyDtoH(back, b, N));
	for (uint32_t i = 0; i < N; i++)
		if (back[i] != want[i]) {
			printf("vgpucuda: FAIL: byte %u is 0x%02x, expected 0x%02x\n", i,
			       back[i], want[i]);
			return 1;
		}
	CK(cuMemcpyDtoH(back, a, N));
	if (memcmp(back, host, N))
		return fail("the source of the copy changed", CUDA_ERROR_INVALID_VALUE);
	CK(cuMemFree(a));
	CK(cuMemFree(b));
	printf("vgpucuda: memory: %u bytes copied, set and read back right\n", N);
	if (managed())
		return 1;

	r = cuModuleLoadData(&mod, empty_ptx);
	if (r != CUDA_ERROR_NOT_SUPPORTED)
		return fail("a module on the CPU executor: want CUDA_ERROR_NOT_SUPPORTED", r);
	printf("vgpucuda: module refused with CUDA_ERROR_NOT_SUPPORTED\n");
	CK(cuCtxSynchronize());
	CK(cuDevicePrimaryCtxRelease(dev));
	printf("vgpucuda: ok\n");
	return 0;
}
