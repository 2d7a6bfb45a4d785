// SPDX-License-Identifier: MIT
// Kernels of drv_test.c (Driver API programs), built by nvcc into
// drv_kernels.ptx, .cubin and .fatbin.
#define TILE 16

__device__ unsigned long long drv_total;

extern "C" __global__ void drv_vadd(const float *a, const float *b, float *c,
				    int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		c[i] = a[i] + b[i];
}

// C = A * B, n x n, n a multiple of TILE.
extern "C" __global__ void drv_matmul(const float *a, const float *b,
				      float *c, int n)
{
	__shared__ float ta[TILE][TILE], tb[TILE][TILE];
	int row = blockIdx.y * TILE + threadIdx.y;
	int col = blockIdx.x * TILE + threadIdx.x;
	float acc = 0.0f;

	for (int t = 0; t < n / TILE; t++) {
		ta[threadIdx.y][threadIdx.x] = a[row * n + t * TILE + threadIdx.x];
		tb[threadIdx.y][threadIdx.x] = b[(t * TILE + threadIdx.y) * n + col];
		__syncthreads();
		for (int k = 0; k < TILE; k++)
			acc += ta[threadIdx.y][k] * tb[k][threadIdx.x];
		__syncthreads();
	}
	c[row * n + col] = acc;
}

// Sum of x[i] into the __device__ global drv_total, and into *out.
extern "C" __global__ void drv_reduce(const unsigned int *x, int n,
				      unsigned long long *out)
{
	__shared__ unsigned long long part[256];
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	part[threadIdx.x] = i < n ? x[i] : 0;
	__syncthreads();
	for (int s = blockDim.x / 2; s > 0; s >>= 1) {
		if (threadIdx.x < s)
			part[threadIdx.x] += part[threadIdx.x + s];
		__syncthreads();
	}
	if (!threadIdx.x) {
		atomicAdd(&drv_total, part[0]);
		atomicAdd(out, part[0]);
	}
}

// A mix of parameter sizes: the layout cuLaunchKernel must pack.
struct drv_pair {
	double d;
	char c;
};

extern "C" __global__ void drv_params(unsigned long long *out, char c,
				      short s, struct drv_pair p, int i,
				      double d)
{
	out[0] = (unsigned long long)(long long)c;
	out[1] = (unsigned long long)(long long)s;
	out[2] = (unsigned long long)(long long)p.d;
	out[3] = (unsigned long long)(long long)p.c;
	out[4] = (unsigned long long)(long long)i;
	out[5] = (unsigned long long)(long long)d;
}

extern "C" __global__ void drv_empty(void)
{
}
