// SPDX-License-Identifier: MIT
/*
 * drv_test: Driver API programs of the project's own, built once and run
 * natively and over this project's libcuda.so.1 (tests/gpu/run-libcuda.sh
 * compares the two outputs line by line). Every result printed is exact
 * (integer-valued floats, integer sums), so the runs must agree bit for
 * bit; a line that cannot (an error where the native driver succeeds) is
 * a difference the script reports.
 *   drv_test KERNEL_DIR [vadd|matmul|reduce|params|streams|mem]...
 * A failed call prints its error and ends the program (exit status 1).
 * KERNEL_DIR holds drv_kernels.{ptx,cubin,fatbin}.
 */
#include <cuda.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kdir;

/* A failed call ends the program: run-libcuda.sh runs each test alone. */
#define CK(x) do { CUresult r_ = (x); if (r_ != CUDA_SUCCESS) { \
	const char *n_ = "?"; cuGetErrorName(r_, &n_); \
	printf("drv_test: %s: %s: %s\n", cur, #x, n_); exit(1); } } while (0)

static const char *cur = "init";

static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static void *read_file(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", kdir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* vadd from each image kind: PTX by path, cubin and fatbin from memory. */
static int t_vadd(void)
{
	const char *kinds[] = { "ptx", "cubin", "fatbin" };
	const int n = 1 << 20;
	float *a = malloc(n * 4), *b = malloc(n * 4), *c = malloc(n * 4);
	CUdeviceptr da, db, dc;

	cur = "vadd";
	for (int i = 0; i < n; i++) {
		a[i] = (float)(i % 1000);
		b[i] = (float)(i % 333) * 2.0f;
	}
	CK(cuMemAlloc(&da, n * 4));
	CK(cuMemAlloc(&db, n * 4));
	CK(cuMemAlloc(&dc, n * 4));
	CK(cuMemcpyHtoD(da, a, n * 4));
	CK(cuMemcpyHtoD(db, b, n * 4));
	for (int k = 0; k < 3; k++) {
		char name[64];
		CUmodule m;
		CUfunction f;
		int nn = n;
		void *args[] = { &da, &db, &dc, &nn };
		int bad = 0;

		snprintf(name, sizeof(name), "%s/drv_kernels.%s", kdir, kinds[k]);
		if (k == 0) {
			CK(cuModuleLoad(&m, name));
		} else {
			void *img = read_file(name + strlen(kdir) + 1, NULL);

			if (!img) {
				printf("drv_test: vadd: no %s\n", name);
				exit(1);
			}
			CK(cuModuleLoadData(&m, img));
			free(img);
		}
		CK(cuModuleGetFunction(&f, m, "drv_vadd"));
		CK(cuMemsetD32(dc, 0, n));
		CK(cuLaunchKernel(f, (n + 255) / 256, 1, 1, 256, 1, 1, 0, NULL,
				  args, NULL));
		CK(cuMemcpyDtoH(c, dc, n * 4));
		for (int i = 0; i < n; i++)
			bad += c[i] != a[i] + b[i];
		printf("drv_test: vadd (%s) n=%d wrong=%d hash=%016llx\n",
		       kinds[k], n, bad, (unsigned long long)fnv(c, n * 4));
		CK(cuModuleUnload(m));
	}
	CK(cuMemFree(da));
	CK(cuMemFree(db));
	CK(cuMemFree(dc));
	free(a);
	free(b);
	free(c);
	return 0;
}

static int t_matmul(void)
{
	const int n = 512;
	size_t sz = (size_t)n * n * 4;
	float *a = malloc(sz), *b = malloc(sz), *c = malloc(sz);
	void *img = read_file("drv_kernels.cubin", NULL);
	CUdeviceptr da, db, dc;
	CUmodule m;
	CUfunction f;
	int nn = n, bad = 0;
	void *args[] = { &da, &db, &dc, &nn };

	cur = "matmul";
	if (!img) {
		printf("drv_test: matmul: no drv_kernels.cubin\n");
		exit(1);
	}
	/* Small integers: every product and sum is exact in float. */
	for (int i = 0; i < n * n; i++) {
		a[i] = (float)(i % 7) - 3.0f;
		b[i] = (float)(i % 5) - 2.0f;
	}
	CK(cuModuleLoadData(&m, img));
	CK(cuModuleGetFunction(&f, m, "drv_matmul"));
	CK(cuMemAlloc(&da, sz));
	CK(cuMemAlloc(&db, sz));
	CK(cuMemAlloc(&dc, sz));
	CK(cuMemcpyHtoD(da, a, sz));
	CK(cuMemcpyHtoD(db, b, sz));
	CK(cuLaunchKernel(f, n / 16, n / 16, 1, 16, 16, 1, 0, NULL, args, NULL));
	CK(cuCtxSynchronize());
	CK(cuMemcpyDtoH(c, dc, sz));
	for (int r = 0; r < n; r += 37)
		for (int col = 0; col < n; col += 41) {
			float want = 0;

			for (int k = 0; k < n; k++)
				want += a[r * n + k] * b[k * n + col];
			bad += c[r * n + col] != want;
		}
	printf("drv_test: matmul n=%d wrong-sampled=%d hash=%016llx\n", n, bad,
	       (unsigned long long)fnv(c, sz));
	CK(cuMemFree(da));
	CK(cuMemFree(db));
	CK(cuMemFree(dc));
	CK(cuModuleUnload(m));
	free(img);
	free(a);
	free(b);
	free(c);
	return 0;
}

static int t_reduce(void)
{
	const int n = 1 << 20;
	unsigned int *x = malloc(n * 4);
	void *img = read_file("drv_kernels.cubin", NULL);
	unsigned long long want = 0, got = 0, glob = 0, zero = 0;
	CUdeviceptr dx, dout, dg;
	size_t gsz = 0;
	CUmodule m;
	CUfunction f;
	int nn = n;
	void *args[] = { &dx, &nn, &dout };
	CUresult rc;

	cur = "reduce";
	if (!img) {
		printf("drv_test: reduce: no drv_kernels.cubin\n");
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		x[i] = (unsigned int)(i * 2654435761u) >> 12;
		want += x[i];
	}
	CK(cuModuleLoadData(&m, img));
	CK(cuModuleGetFunction(&f, m, "drv_reduce"));
	CK(cuMemAlloc(&dx, n * 4));
	CK(cuMemAlloc(&dout, 8));
	CK(cuMemcpyHtoD(dx, x, n * 4));
	CK(cuMemcpyHtoD(dout, &zero, 8));
	CK(cuLaunchKernel(f, n / 256, 1, 1, 256, 1, 1, 0, NULL, args, NULL));
	CK(cuMemcpyDtoH(&got, dout, 8));
	printf("drv_test: reduce (buffer) sum=%llu right=%d\n", got, got == want);
	rc = cuModuleGetGlobal(&dg, &gsz, m, "drv_total");
	if (rc == CUDA_SUCCESS) {
		CK(cuMemcpyDtoH(&glob, dg, 8));
		printf("drv_test: reduce (__device__ global) size=%zu sum=%llu right=%d\n",
		       gsz, glob, glob == want);
	} else {
		const char *e = "?";

		cuGetErrorName(rc, &e);
		printf("drv_test: reduce (__device__ global) cuModuleGetGlobal: %s\n", e);
	}
	CK(cuMemFree(dx));
	CK(cuMemFree(dout));
	CK(cuModuleUnload(m));
	free(img);
	free(x);
	return 0;
}

static int t_params(void)
{
	struct { double d; char c; } p = { -12345.0, -7 };
	unsigned long long out[6] = { 0 };
	char c = -5;
	short s = -300;
	int i = -70000;
	double d = 1e9;
	CUdeviceptr dout;
	CUmodule m;
	CUfunction f;
	void *args[] = { &dout, &c, &s, &p, &i, &d };

	cur = "params";
	{
		char path[4096];

		snprintf(path, sizeof(path), "%s/drv_kernels.cubin", kdir);
		CK(cuModuleLoad(&m, path));
	}
	CK(cuModuleGetFunction(&f, m, "drv_params"));
	CK(cuMemAlloc(&dout, sizeof(out)));
	CK(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, NULL, args, NULL));
	CK(cuMemcpyDtoH(out, dout, sizeof(out)));
	printf("drv_test: params %lld %lld %lld %lld %lld %lld\n",
	       (long long)out[0], (long long)out[1], (long long)out[2],
	       (long long)out[3], (long long)out[4], (long long)out[5]);
	CK(cuMemFree(dout));
	CK(cuModuleUnload(m));
	return 0;
}

static int t_streams(void)
{
	const int n = 1 << 18, ns = 4;
	CUstream s[4];
	CUevent e0, e1;
	float *h, ms = -1;
	CUdeviceptr d;
	CUmodule m;
	CUfunction f;
	char path[4096];
	int bad = 0;

	cur = "streams";
	snprintf(path, sizeof(path), "%s/drv_kernels.cubin", kdir);
	CK(cuModuleLoad(&m, path));
	CK(cuModuleGetFunction(&f, m, "drv_vadd"));
	CK(cuMemAllocHost((void **)&h, (size_t)n * ns * 4));
	CK(cuMemAlloc(&d, (size_t)n * ns * 4));
	for (int i = 0; i < n * ns; i++)
		h[i] = (float)(i % 4096);
	CK(cuEventCreate(&e0, 0));
	CK(cuEventCreate(&e1, 0));
	CK(cuEventRecord(e0, NULL));
	for (int k = 0; k < ns; k++) {
		CUdeviceptr p = d + (size_t)k * n * 4;
		int nn = n;
		void *args[] = { &p, &p, &p, &nn };

		CK(cuStreamCreate(&s[k], CU_STREAM_NON_BLOCKING));
		CK(cuMemcpyHtoDAsync(p, h + (size_t)k * n, n * 4, s[k]));
		CK(cuLaunchKernel(f, n / 256, 1, 1, 256, 1, 1, 0, s[k], args, NULL));
		CK(cuMemcpyDtoHAsync(h + (size_t)k * n, p, n * 4, s[k]));
		CK(cuEventRecord(e1, s[k]));
	}
	for (int k = 0; k < ns; k++)
		CK(cuStreamSynchronize(s[k]));
	CK(cuEventSynchronize(e1));
	CK(cuEventElapsedTime(&ms, e0, e1));
	for (int i = 0; i < n * ns; i++)
		bad += h[i] != 2.0f * (float)(i % 4096);
	printf("drv_test: streams %d x %d wrong=%d hash=%016llx elapsed=%s query=%d\n",
	       ns, n, bad, (unsigned long long)fnv(h, (size_t)n * ns * 4),
	       ms >= 0 ? "ok" : "negative", cuStreamQuery(s[0]));
	for (int k = 0; k < ns; k++)
		CK(cuStreamDestroy(s[k]));
	CK(cuEventDestroy(e0));
	CK(cuEventDestroy(e1));
	CK(cuMemFree(d));
	CK(cuMemFreeHost(h));
	CK(cuModuleUnload(m));
	return 0;
}

static int t_mem(void)
{
	const size_t n = 3 << 20;
	unsigned char *a = malloc(n), *b = malloc(n);
	CUdeviceptr d1, d2, base;
	size_t fr, tot, sz;

	cur = "mem";
	for (size_t i = 0; i < n; i++)
		a[i] = (unsigned char)(i * 31 + 7);
	CK(cuMemGetInfo(&fr, &tot));
	CK(cuMemAlloc(&d1, n));
	CK(cuMemAlloc(&d2, n));
	CK(cuMemcpyHtoD(d1, a, n));
	CK(cuMemcpyDtoD(d2, d1, n));
	CK(cuMemsetD8(d2 + 5, 0xee, 1000));
	CK(cuMemsetD16(d2 + 2000, 0xbeef, 1000));
	CK(cuMemsetD32Async(d2 + 8000, 0x01020304, 1000, NULL));
	CK(cuMemcpyDtoH(b, d2, n));
	CK(cuMemGetAddressRange(&base, &sz, d2 + 77));
	printf("drv_test: mem hash=%016llx range=%d free<=total=%d\n",
	       (unsigned long long)fnv(b, n), base == d2 && sz == n, fr <= tot);
	CK(cuMemFree(d1));
	CK(cuMemFree(d2));
	free(a);
	free(b);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(void); } tests[] = {
		{ "vadd", t_vadd }, { "matmul", t_matmul }, { "reduce", t_reduce },
		{ "params", t_params }, { "streams", t_streams }, { "mem", t_mem },
	};
	int failed = 0, count = 0;
	CUcontext ctx;
	CUdevice dev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: drv_test KERNEL_DIR [TEST...]\n");
		return 2;
	}
	kdir = argv[1];
	CK(cuInit(0));
	CK(cuDeviceGetCount(&count));
	CK(cuDeviceGet(&dev, 0));
	CK(cuDevicePrimaryCtxRetain(&ctx, dev));
	CK(cuCtxSetCurrent(ctx));
	printf("drv_test: devices>0=%d\n", count > 0);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int want = argc == 2;

		for (int k = 2; k < argc; k++)
			want |= !strcmp(argv[k], tests[i].name);
		if (want)
			failed += tests[i].fn();
	}
	CK(cuDevicePrimaryCtxRelease(dev));
	printf("drv_test: done, %d failed\n", failed);
	return failed ? 1 : 0;
}
