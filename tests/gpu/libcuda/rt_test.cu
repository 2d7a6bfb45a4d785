// SPDX-License-Identifier: MIT
// rt_test: runtime-API programs as users write them (cudaMalloc,
// cudaMemcpy, <<<>>> launches, streams, events), built once by nvcc with
// the static cudart, run natively and over libcuda.so.1 (run-libcuda.sh);
// prints deterministic results (checksums of exact integer or float
// computations) that the two runs must print alike.
//   rt_test [vadd|saxpy|streams|all]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <cuda_runtime.h>

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
	printf("rt_test: %s:%d: %s: %s\n", __FILE__, __LINE__, #x, \
	       cudaGetErrorName(e_)); exit(1); } } while (0)

__global__ void vadd(const float *a, const float *b, float *c, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		c[i] = a[i] + b[i];
}

__global__ void saxpy(float a, const float *x, float *y, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		y[i] = a * x[i] + y[i];
}

__global__ void scale_u32(uint32_t *p, uint32_t k, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		p[i] = p[i] * k + (uint32_t)i;
}

static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *b = (const unsigned char *)p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static void t_vadd(void)
{
	const int n = 1 << 20;
	float *a = (float *)malloc(n * 4), *b = (float *)malloc(n * 4),
	      *c = (float *)malloc(n * 4);
	float *da, *db, *dc;

	for (int i = 0; i < n; i++) {
		a[i] = (float)(i % 1000) * 0.5f;
		b[i] = (float)(i % 77) * 0.25f;
	}
	CK(cudaMalloc(&da, n * 4));
	CK(cudaMalloc(&db, n * 4));
	CK(cudaMalloc(&dc, n * 4));
	CK(cudaMemcpy(da, a, n * 4, cudaMemcpyHostToDevice));
	CK(cudaMemcpy(db, b, n * 4, cudaMemcpyHostToDevice));
	vadd<<<(n + 255) / 256, 256>>>(da, db, dc, n);
	CK(cudaGetLastError());
	CK(cudaMemcpy(c, dc, n * 4, cudaMemcpyDeviceToHost));
	int bad = 0;
	for (int i = 0; i < n; i++)
		bad += c[i] != a[i] + b[i];
	printf("rt_test: vadd n=%d wrong=%d hash=%016llx\n", n, bad,
	       (unsigned long long)fnv(c, n * 4));
	CK(cudaFree(da));
	CK(cudaFree(db));
	CK(cudaFree(dc));
	free(a); free(b); free(c);
}

static void t_saxpy(void)
{
	const int n = 100000;
	float *x = (float *)malloc(n * 4), *y = (float *)malloc(n * 4);
	float *dx, *dy;

	for (int i = 0; i < n; i++) {
		x[i] = (float)i / 3.0f;
		y[i] = 1.0f / (float)(i + 1);
	}
	CK(cudaMalloc(&dx, n * 4));
	CK(cudaMalloc(&dy, n * 4));
	CK(cudaMemcpy(dx, x, n * 4, cudaMemcpyHostToDevice));
	CK(cudaMemcpy(dy, y, n * 4, cudaMemcpyHostToDevice));
	CK(cudaMemset(dx + 10, 0, 40));
	for (int r = 0; r < 10; r++)
		saxpy<<<(n + 127) / 128, 128>>>(1.5f, dx, dy, n);
	CK(cudaDeviceSynchronize());
	CK(cudaMemcpy(y, dy, n * 4, cudaMemcpyDeviceToHost));
	printf("rt_test: saxpy n=%d y[0]=%a y[n-1]=%a hash=%016llx\n", n,
	       y[0], y[n - 1], (unsigned long long)fnv(y, n * 4));
	CK(cudaFree(dx));
	CK(cudaFree(dy));
	free(x); free(y);
}

static void t_streams(void)
{
	const int n = 1 << 16, ns = 4;
	cudaStream_t s[ns];
	cudaEvent_t e0, e1;
	uint32_t *h, *d;
	float ms;

	CK(cudaMallocHost(&h, (size_t)n * ns * 4));
	CK(cudaMalloc(&d, (size_t)n * ns * 4));
	for (int i = 0; i < n * ns; i++)
		h[i] = (uint32_t)i;
	CK(cudaEventCreate(&e0));
	CK(cudaEventCreate(&e1));
	CK(cudaEventRecord(e0, 0));
	for (int k = 0; k < ns; k++) {
		CK(cudaStreamCreate(&s[k]));
		CK(cudaMemcpyAsync(d + k * n, h + k * n, n * 4,
				   cudaMemcpyHostToDevice, s[k]));
		scale_u32<<<n / 256, 256, 0, s[k]>>>(d + k * n, k + 3, n);
		CK(cudaMemcpyAsync(h + k * n, d + k * n, n * 4,
				   cudaMemcpyDeviceToHost, s[k]));
	}
	for (int k = 0; k < ns; k++)
		CK(cudaStreamSynchronize(s[k]));
	CK(cudaEventRecord(e1, 0));
	CK(cudaEventSynchronize(e1));
	CK(cudaEventElapsedTime(&ms, e0, e1));
	int bad = 0;
	for (int k = 0; k < ns; k++)
		for (int i = 0; i < n; i++)
			bad += h[k * n + i] != (uint32_t)(k * n + i) * (k + 3) + i;
	printf("rt_test: streams n=%d x %d wrong=%d hash=%016llx elapsed=%s\n",
	       n, ns, bad, (unsigned long long)fnv(h, (size_t)n * ns * 4),
	       ms >= 0 ? "ok" : "negative");
	for (int k = 0; k < ns; k++)
		CK(cudaStreamDestroy(s[k]));
	CK(cudaEventDestroy(e0));
	CK(cudaEventDestroy(e1));
	CK(cudaFree(d));
	CK(cudaFreeHost(h));
}

int main(int argc, char **argv)
{
	const char *w = argc > 1 ? argv[1] : "all";
	int ndev = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	CK(cudaGetDeviceCount(&ndev));
	printf("rt_test: devices=%d\n", ndev > 0);
	if (!strcmp(w, "vadd") || !strcmp(w, "all"))
		t_vadd();
	if (!strcmp(w, "saxpy") || !strcmp(w, "all"))
		t_saxpy();
	if (!strcmp(w, "streams") || !strcmp(w, "all"))
		t_streams();
	printf("rt_test: done\n");
	return 0;
}
