/* SPDX-License-Identifier: MIT */
/*
 * Nearest-rank percentiles of latency samples, for the worker's metrics and
 * the benchmarks. The p-th percentile of n samples is the sample of rank
 * ceil(p / 100 * n) (1-based) in ascending order: always one of the samples,
 * never an interpolation. Percentiles are given in basis points (hundredths
 * of a percent) so that the rank is exact integer arithmetic: p50 is 5000,
 * p99.9 is 9990.
 */
#ifndef VGPU_LIB_PERCENTILE_H
#define VGPU_LIB_PERCENTILE_H

#include <stddef.h>
#include <stdint.h>

#define PERCENTILE_BP_MAX 10000u	/* p100: the largest sample */
#define PERCENTILE_P50 5000u
#define PERCENTILE_P95 9500u
#define PERCENTILE_P99 9900u

struct percentile_summary {
	size_t count;
	uint64_t min, p50, p95, p99, max;
};

/*
 * The 1-based nearest rank of percentile @bp among @n samples; p0 is taken
 * as the smallest sample (rank 1). 0 when @n is 0 or @bp is above p100.
 * Exact for every size_t @n.
 */
size_t percentile_rank(size_t n, unsigned int bp);

/* Sorts @v ascending in place. */
void percentile_sort(uint64_t *v, size_t n);

/*
 * Percentile @bp of @n samples already sorted ascending, in *@out.
 * 0, or -EINVAL if @n is 0, @bp is above p100 or a pointer is NULL.
 */
int percentile_of_sorted(const uint64_t *sorted, size_t n, unsigned int bp,
			 uint64_t *out);

/*
 * Count, min, p50, p95, p99 and max of @n samples in any order; @samples is
 * not modified (it is copied, then sorted). With no sample, every field is 0.
 * 0, -EINVAL if a pointer is NULL (@samples may be NULL when @n is 0), or
 * -ENOMEM.
 */
int percentile_summarize(const uint64_t *samples, size_t n,
			 struct percentile_summary *s);

#endif
