/* SPDX-License-Identifier: MIT */
/*
 * Per-VM counters and latency samples of vgpu-worker. A request's latency
 * is its wait in the queue plus its service (execution, copies included),
 * measured from the moment the worker read it. The last `window` samples
 * are kept (a ring); percentiles are nearest-rank over them.
 */
#ifndef VGPU_WORKER_METRICS_H
#define VGPU_WORKER_METRICS_H

#include <stdint.h>

struct vm_metrics {
	uint64_t done;		/* completions written for the VM */
	uint64_t errors;	/* of them, with a status other than OKAY */
	uint64_t rejected;	/* of the errors, refused unrun (queue full) */
	uint64_t samples;	/* latencies recorded in all */
	uint64_t wait_sum_ns;
	uint64_t service_sum_ns;
	uint64_t max_ns;
	uint64_t *lat_ns;	/* ring of the last @window latencies */
	uint32_t window;
	uint32_t pos;		/* next slot to write */
};

struct metrics_summary {
	uint64_t done, errors, rejected, samples;
	uint64_t p50_us, p95_us, p99_us, max_us;
	uint64_t wait_mean_us, service_mean_us;
};

/* 0 or -ENOMEM. */
int metrics_init(struct vm_metrics *m, uint32_t window);
void metrics_fini(struct vm_metrics *m);
/* A request ran and completed with @status. */
void metrics_record(struct vm_metrics *m, int32_t status, uint64_t wait_ns,
		    uint64_t service_ns);
/* A request completed without running (@status: why). */
void metrics_reject(struct vm_metrics *m, int32_t status);
/* Percentiles of the window; 0 when there is no sample. */
void metrics_summarize(const struct vm_metrics *m, struct metrics_summary *s);

#endif
