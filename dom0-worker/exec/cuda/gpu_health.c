// SPDX-License-Identifier: MIT
/* The GPU's health, a state machine (gpu_health.h). */
#include <stdio.h>
#include <string.h>

#include "gpu_health.h"

/* CUresult values (cuda.h), here so that the worker needs no cuda.h. */
#define CU_DEINITIALIZED	4
#define CU_DEVICE_UNAVAILABLE	46
#define CU_NO_DEVICE		100
#define CU_INVALID_DEVICE	101
#define CU_ECC_UNCORRECTABLE	214
#define CU_SYSTEM_NOT_READY	802
#define CU_UNKNOWN		999
#define CU_OUT_OF_MEMORY	2

void gpu_health_init(struct gpu_health *h, uint64_t now)
{
	memset(h, 0, sizeof(*h));
	h->state = GPU_OK;
	h->since_ns = now;
}

const char *gpu_state_name(enum gpu_state s)
{
	switch (s) {
	case GPU_OK:
		return "ok";
	case GPU_LOST:
		return "lost";
	case GPU_PROBING:
		return "probing";
	}
	return "?";
}

int gpu_health_device_error(int32_t cu_error)
{
	switch (cu_error) {
	case CU_DEINITIALIZED:
	case CU_DEVICE_UNAVAILABLE:
	case CU_NO_DEVICE:
	case CU_INVALID_DEVICE:
	case CU_ECC_UNCORRECTABLE:
	case CU_SYSTEM_NOT_READY:
	case CU_UNKNOWN:
		return 1;
	default:
		return 0;
	}
}

static void set_why(struct gpu_health *h, int32_t cu_error, const char *why)
{
	h->last_error = cu_error;
	snprintf(h->last_why, sizeof(h->last_why), "%s", why ? why : "");
}

static uint64_t probe_delay(uint32_t failures)
{
	uint64_t d;

	if (!failures)
		return 0;
	d = GPU_HEALTH_PROBE_MIN_NS << (failures - 1 < 10 ? failures - 1 : 10);
	return d < GPU_HEALTH_PROBE_MAX_NS ? d : GPU_HEALTH_PROBE_MAX_NS;
}

int gpu_health_lost(struct gpu_health *h, uint64_t now, int32_t cu_error,
		    const char *why)
{
	if (h->state != GPU_OK)
		return 0;
	h->state = GPU_LOST;
	h->since_ns = now;
	h->losses++;
	if (h->recovered_ns && now - h->recovered_ns < GPU_HEALTH_STABLE_NS)
		h->relapses++;
	else
		h->relapses = 0;
	/* Lost again soon after it came back: the back-off goes on. */
	h->probe_failures = h->relapses;
	h->next_probe_ns = now + probe_delay(h->probe_failures);
	h->nrecent = 0;
	set_why(h, cu_error, why);
	return 1;
}

/* Forgets failures older than the window. */
static void expire(struct gpu_health *h, uint64_t now)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < h->nrecent; i++)
		if (now - h->recent[i].t < GPU_HEALTH_WINDOW_NS)
			h->recent[n++] = h->recent[i];
	h->nrecent = n;
}

int gpu_health_exec_failed(struct gpu_health *h, uint64_t now, uint32_t key,
			   int32_t cu_error, unsigned int population)
{
	char why[96];
	unsigned int i;

	if (h->state != GPU_OK)
		return 0;
	if (gpu_health_device_error(cu_error))
		return gpu_health_lost(h, now, cu_error,
				       "an executor process saw a device error");
	/* A context too many for the GPU's memory is not a lost GPU. */
	if (cu_error == CU_OUT_OF_MEMORY)
		return 0;
	expire(h, now);
	for (i = 0; i < h->nrecent && h->recent[i].key != key; i++)
		;
	if (i == h->nrecent && h->nrecent < GPU_HEALTH_TRACK) {
		h->recent[i].key = key;
		h->nrecent++;
	}
	if (i < h->nrecent)
		h->recent[i].t = now;
	if (h->nrecent < GPU_HEALTH_SPREAD_MIN ||
	    (h->nrecent < GPU_HEALTH_TRACK && 2u * h->nrecent < population))
		return 0;
	snprintf(why, sizeof(why),
		 "executor processes of %u VMs (spares as one) failed within %llu ms",
		 h->nrecent,
		 (unsigned long long)(GPU_HEALTH_WINDOW_NS / 1000000ull));
	return gpu_health_lost(h, now, cu_error, why);
}

int gpu_health_probe_due(struct gpu_health *h, uint64_t now)
{
	if (h->state != GPU_LOST || now < h->next_probe_ns)
		return 0;
	h->state = GPU_PROBING;
	h->probes++;
	return 1;
}

void gpu_health_probe_done(struct gpu_health *h, uint64_t now, int ok,
			   int32_t cu_error, const char *why)
{
	if (h->state != GPU_PROBING)
		return;
	if (ok) {
		h->state = GPU_OK;
		h->since_ns = now;
		h->recovered_ns = now;
		h->nrecent = 0;
		/* Kept: a loss soon after goes on from here (relapses). */
		h->probe_failures = 0;
		return;
	}
	h->probes_failed++;
	if (h->probe_failures < UINT32_MAX)
		h->probe_failures++;
	h->state = GPU_LOST;
	h->next_probe_ns = now + probe_delay(h->probe_failures);
	set_why(h, cu_error, why);
}

uint64_t gpu_health_next_ns(const struct gpu_health *h)
{
	return h->state == GPU_LOST ? h->next_probe_ns : UINT64_MAX;
}
