// SPDX-License-Identifier: MIT
// thrust_test: a program as people write them with NVIDIA's Thrust
// (device_vector, sequence, transform, sort, reduce, inclusive_scan),
// which reach the runtime through CUB's kernels and its calls (device
// attributes, function attributes, launches, streams). Built once by nvcc
// with -cudart shared and run natively and over vgpu's libcudart.so.13
// (run-libcuda.sh), which compares the outputs; every result is exact
// integer arithmetic, so the two runs must print alike.
#include <cstdio>
#include <cstdint>
#include <thrust/device_vector.h>
#include <thrust/functional.h>
#include <thrust/reduce.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

struct mix {
	__host__ __device__ uint32_t operator()(uint32_t x) const
	{
		return x * 2654435761u ^ (x >> 7);
	}
};

int main()
{
	const int n = 1 << 20;
	thrust::device_vector<uint32_t> v(n), w(n);

	thrust::sequence(v.begin(), v.end());
	thrust::transform(v.begin(), v.end(), w.begin(), mix());
	thrust::sort(w.begin(), w.end());
	uint64_t sum = thrust::reduce(w.begin(), w.end(), (uint64_t)0,
				      thrust::plus<uint64_t>());
	thrust::inclusive_scan(v.begin(), v.end(), v.begin());
	uint32_t first = w[0], last = w[n - 1], mid = w[n / 2];
	uint32_t scan_last = v[n - 1];

	printf("thrust_test: n %d sorted first %u mid %u last %u\n", n, first,
	       mid, last);
	printf("thrust_test: sum %llu scan last %u\n",
	       (unsigned long long)sum, scan_last);
	return 0;
}
