// SPDX-License-Identifier: MIT
/* Nearest-rank percentiles of latency samples (see percentile.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "percentile.h"

size_t percentile_rank(size_t n, unsigned int bp)
{
	size_t q = n / PERCENTILE_BP_MAX, r = n % PERCENTILE_BP_MAX;
	size_t rank;

	if (n == 0 || bp > PERCENTILE_BP_MAX)
		return 0;
	/*
	 * ceil(n * bp / 10000) without overflowing n * bp:
	 * n = 10000 q + r, so it is q * bp + ceil(r * bp / 10000), where
	 * q * bp <= n and r * bp < 10^8.
	 */
	rank = q * bp + (r * bp + PERCENTILE_BP_MAX - 1) / PERCENTILE_BP_MAX;
	return rank ? rank : 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void percentile_sort(uint64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_u64);
}

int percentile_of_sorted(const uint64_t *sorted, size_t n, unsigned int bp,
			 uint64_t *out)
{
	size_t rank = percentile_rank(n, bp);

	if (!sorted || !out || rank == 0)
		return -EINVAL;
	*out = sorted[rank - 1];
	return 0;
}

int percentile_summarize(const uint64_t *samples, size_t n,
			 struct percentile_summary *s)
{
	uint64_t *v;

	if (!s || (!samples && n))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof(*v))
		return -ENOMEM;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, samples, n * sizeof(*v));
	percentile_sort(v, n);

	s->count = n;
	s->min = v[0];
	s->max = v[n - 1];
	s->p50 = v[percentile_rank(n, PERCENTILE_P50) - 1];
	s->p95 = v[percentile_rank(n, PERCENTILE_P95) - 1];
	s->p99 = v[percentile_rank(n, PERCENTILE_P99) - 1];
	free(v);
	return 0;
}
