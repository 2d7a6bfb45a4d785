/* SPDX-License-Identifier: MIT */
/*
 * Whether the GPU itself works, as the CUDA executor sees it
 * (Documentation/cuda-executor.md, "GPU lost"). A state machine and
 * nothing else: no CUDA, no processes, no clock of its own (every call
 * takes the time), so unit tests drive it (tests/unit/test_gpu_health.c).
 *
 *   OK -> LOST       evidence that the device, not one VM, failed:
 *                    - a device-level CUDA error (gpu_health_device_error())
 *                      in an answer of an executor process or in its start;
 *                    - executor processes of at least GPU_HEALTH_SPREAD_MIN
 *                      distinct VMs (all spares count as one) that failed to
 *                      start or died unasked within GPU_HEALTH_WINDOW_NS, and
 *                      at least half of those that had a process.
 *                    A VM's own faults and timeouts are never evidence: a
 *                    guest's illegal address or endless kernel ends its
 *                    own context only.
 *   LOST -> PROBING  once its back-off has passed (gpu_health_probe_due()):
 *                    the caller starts a probe, a fresh executor process
 *                    (cuInit, cuDeviceGet, its context);
 *   PROBING -> OK    the probe came up;
 *   PROBING -> LOST  it failed: the next probe waits twice as long, from
 *                    0 (the first probe is at once) and GPU_HEALTH_PROBE_MIN_NS
 *                    up to GPU_HEALTH_PROBE_MAX_NS.
 * A loss within GPU_HEALTH_STABLE_NS of the last recovery goes on with
 * the back-off where it stopped (its first probe is not at once): a GPU
 * that fails again as soon as the VMs use it does not restart them all
 * in a loop.
 * While not OK the executor answers every request with
 * VGPUIF_RSP_DEVICE_LOST and starts no process but the probe.
 */
#ifndef VGPU_WORKER_GPU_HEALTH_H
#define VGPU_WORKER_GPU_HEALTH_H

#include <stdint.h>

#define GPU_HEALTH_WINDOW_NS	(2 * 1000000000ull)
#define GPU_HEALTH_SPREAD_MIN	2
#define GPU_HEALTH_PROBE_MIN_NS	(250 * 1000000ull)
#define GPU_HEALTH_PROBE_MAX_NS	(30 * 1000000000ull)
#define GPU_HEALTH_STABLE_NS	(60 * 1000000000ull)
/* Distinct failed processes remembered within the window. */
#define GPU_HEALTH_TRACK	64
/* The key of every spare (and probe) process. */
#define GPU_HEALTH_KEY_SPARE	UINT32_MAX

enum gpu_state { GPU_OK, GPU_LOST, GPU_PROBING };

struct gpu_health {
	enum gpu_state state;
	uint64_t since_ns;		/* OK since, or not OK since (the loss) */
	uint64_t next_probe_ns;		/* LOST: the next probe is due then */
	uint32_t probe_failures;	/* the back-off's count */
	uint32_t relapses;		/* losses soon after a recovery, in a row */
	uint64_t recovered_ns;		/* the last recovery; 0: none */
	uint64_t probes;		/* probes started, all losses */
	uint64_t probes_failed;
	uint64_t losses;		/* OK -> LOST */
	int32_t last_error;		/* device error behind the last loss or
					   failed probe; 0: none known */
	char last_why[96];		/* what the last loss or failed probe was */
	/* Processes that failed recently, one entry per key. */
	struct {
		uint32_t key;
		uint64_t t;
	} recent[GPU_HEALTH_TRACK];
	unsigned int nrecent;
};

void gpu_health_init(struct gpu_health *h, uint64_t now);

/* "ok", "lost", "probing". */
const char *gpu_state_name(enum gpu_state s);

/*
 * Whether CUresult @cu_error says the device, not a context, failed:
 * CUDA_ERROR_DEINITIALIZED, DEVICE_UNAVAILABLE, NO_DEVICE, INVALID_DEVICE,
 * ECC_UNCORRECTABLE, SYSTEM_NOT_READY, UNKNOWN (which is what an Xid that
 * takes the whole GPU, such as "fallen off the bus", gives).
 */
int gpu_health_device_error(int32_t cu_error);

static inline int gpu_health_ok(const struct gpu_health *h)
{
	return h->state == GPU_OK;
}

/*
 * A device-level error (@cu_error, @why for the log and the metrics):
 * OK -> LOST. 1 if the state changed.
 */
int gpu_health_lost(struct gpu_health *h, uint64_t now, int32_t cu_error,
		    const char *why);

/*
 * The process of @key (a VM's number; GPU_HEALTH_KEY_SPARE) failed to
 * start or died unasked; @cu_error: its device error, 0 if none known;
 * @population: processes that were alive or starting just before,
 * this one included. A device-level error is a loss at once; otherwise
 * it is evidence (above). 1 if the state changed to LOST.
 */
int gpu_health_exec_failed(struct gpu_health *h, uint64_t now, uint32_t key,
			   int32_t cu_error, unsigned int population);

/* LOST and its back-off has passed: -> PROBING, 1 (start the probe now). */
int gpu_health_probe_due(struct gpu_health *h, uint64_t now);

/* The probe's end: @ok, or its error and why. PROBING -> OK or LOST. */
void gpu_health_probe_done(struct gpu_health *h, uint64_t now, int ok,
			   int32_t cu_error, const char *why);

/* When gpu_health_probe_due() will say 1; UINT64_MAX if not LOST. */
uint64_t gpu_health_next_ns(const struct gpu_health *h);

#endif
