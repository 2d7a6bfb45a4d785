/* SPDX-License-Identifier: MIT */
/*
 * Counters and latency samples of vgpu-worker, one set per VM and one per
 * priority level. A request's wait is from the moment the worker admitted
 * it until it started; its service from then until it finished (execution,
 * copies included); its latency is the sum. The last `window` samples of
 * each are kept (rings); percentiles are nearest-rank over them. The sum
 * of service times is the GPU busy time (on the CUDA executor, requests of
 * several VMs overlap: each VM's own time is counted).
 */
#ifndef VGPU_WORKER_METRICS_H
#define VGPU_WORKER_METRICS_H

#include <stdint.h>

/* Statuses 0 (OKAY) .. -14 (DEVICE_LOST) by -status; the last: any other. */
#define METRICS_NR_STATUS	16

struct vm_metrics {
	uint64_t done;		/* completions written for the VM */
	uint64_t errors;	/* of them, with a status other than OKAY */
	uint64_t rejected;	/* of the errors, refused unrun (limits) */
	uint64_t samples;	/* latencies recorded in all */
	uint64_t wait_sum_ns;
	uint64_t service_sum_ns;	/* = GPU busy time */
	uint64_t max_ns;
	uint64_t by_status[METRICS_NR_STATUS];	/* completions per status */
	uint64_t *lat_ns;	/* ring of the last @window latencies */
	uint64_t *wait_ns;	/* ... waits */
	uint64_t *service_ns;	/* ... service times */
	uint32_t window;
	uint32_t pos;		/* next slot to write */
};

struct metrics_summary {
	uint64_t done, errors, rejected, samples;
	uint64_t p50_us, p95_us, p99_us, max_us;
	uint64_t wait_mean_us, service_mean_us;
	/* Nanoseconds, for the Prometheus exposition. */
	uint64_t wait_p_ns[3], service_p_ns[3];	/* p50, p95, p99 */
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

/* Index of @status in by_status[]. */
unsigned int metrics_status_index(int32_t status);
/* "okay", "busy", "rate_limited"...; "other" for the last index. */
const char *metrics_status_name(unsigned int index);

#endif
