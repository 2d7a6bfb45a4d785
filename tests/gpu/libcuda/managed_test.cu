// SPDX-License-Identifier: MIT
// managed_test: unified memory as ordinary CUDA programs use it, built
// once by nvcc with `-cudart shared` and run natively and over vgpu's
// libcudart.so.13 and libcuda.so.1 (tests/gpu/run-libcuda.sh compares the
// two outputs line by line). It keeps the rules of a GPU without
// concurrent managed access, as vgpu's is (Documentation/libcuda.md,
// "Managed memory"): the host touches managed memory only before device
// work and after the synchronize that follows it.
//   1. the vector add of NVIDIA's "An Even Easier Introduction to CUDA":
//      x and y managed, filled on the host, y = x + y on the device, the
//      largest error read on the host;
//   2. a list linked through managed memory: the kernel follows pointers
//      the host stored, so host and device must see one address;
//   3. host writes between two launches reach the second one.
// Each check prints one line (rt_check.h).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cuda_runtime.h>

struct node {
	struct node *next;
	unsigned long long value;
};

__global__ void add(int n, const float *x, float *y)
{
	for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
	     i += blockDim.x * gridDim.x)
		y[i] = x[i] + y[i];
}

__global__ void walk(const struct node *head, unsigned long long *sum,
		     unsigned int *count)
{
	unsigned long long s = 0;
	unsigned int c = 0;

	for (const struct node *p = head; p; p = p->next) {
		s += p->value;
		c++;
	}
	*sum = s;
	*count = c;
}

__global__ void scale(int n, float a, float *y)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		y[i] *= a;
}

#define RT_CHECK_PREFIX "managed_test"
#include "rt_check.h"

int main(void)
{
	const int n = 1 << 20, nodes = 1000;
	float *x = NULL, *y = NULL, err = 0.0f;
	struct node *list = NULL;
	unsigned long long *sum = NULL, want = 0;
	unsigned int *count = NULL;
	int ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!OK(cudaMallocManaged(&x, n * sizeof(float))) ||
	    !OK(cudaMallocManaged(&y, n * sizeof(float))) ||
	    !OK(cudaMallocManaged(&list, nodes * sizeof(*list))) ||
	    !OK(cudaMallocManaged(&sum, sizeof(*sum))) ||
	    !OK(cudaMallocManaged(&count, sizeof(*count)))) {
		check(0, "cudaMallocManaged");
		return 1;
	}

	for (int i = 0; i < n; i++) {
		x[i] = 1.0f;
		y[i] = 2.0f;
	}
	add<<<(n + 255) / 256, 256>>>(n, x, y);
	ok = sync_after_launch();
	for (int i = 0; ok && i < n; i++)
		err = fmaxf(err, fabsf(y[i] - 3.0f));
	check(ok && err == 0.0f, "add: 1M floats, y = x + y, max error 0");

	// Every other node, so the walk jumps back and forth in memory.
	for (int i = 0; i < nodes; i++) {
		int next = (i + 2) % nodes;

		list[i].value = (unsigned long long)i * i + 7;
		list[i].next = i == nodes - 2 ? &list[1] :
			       i == nodes - 1 ? NULL : &list[next];
		want += list[i].value;
	}
	walk<<<1, 1>>>(&list[0], sum, count);
	ok = sync_after_launch();
	check(ok && *sum == want && *count == (unsigned int)nodes,
	      "walk: 1000 nodes linked through managed memory");

	y[0] = 10.0f;
	y[n - 1] = -4.0f;
	scale<<<(n + 255) / 256, 256>>>(n, 0.5f, y);
	ok = sync_after_launch();
	check(ok && y[0] == 5.0f && y[n - 1] == -2.0f && y[n / 2] == 1.5f,
	      "scale: host writes between launches reach the device");

	check(OK(cudaFree(x)) && OK(cudaFree(y)) && OK(cudaFree(list)) &&
	      OK(cudaFree(sum)) && OK(cudaFree(count)), "cudaFree");
	return rt_finish();
}
