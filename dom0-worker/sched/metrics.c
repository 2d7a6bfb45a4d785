// SPDX-License-Identifier: MIT
/* Per-VM counters and a window of latency samples (see metrics.h). */
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "metrics.h"
#include "lib/percentile.h"

#include <uapi/linux/vgpu_back.h>

static const char *const status_names[METRICS_NR_STATUS] = {
	"okay", "error", "invalid", "not_supported", "no_memory", "quota",
	"bad_handle", "range", "no_worker", "timeout", "rate_limited", "busy",
	"fault", "not_found", "device_lost", "other",
};

unsigned int metrics_status_index(int32_t status)
{
	if (status > 0 || status <= -(int32_t)(METRICS_NR_STATUS - 1))
		return METRICS_NR_STATUS - 1;
	return (unsigned int)-status;
}

const char *metrics_status_name(unsigned int index)
{
	return index < METRICS_NR_STATUS ? status_names[index] : "other";
}

int metrics_init(struct vm_metrics *m, uint32_t window)
{
	*m = (struct vm_metrics){ .window = window ? window : 1 };
	m->lat_ns = calloc(m->window, sizeof(*m->lat_ns));
	m->wait_ns = calloc(m->window, sizeof(*m->wait_ns));
	m->service_ns = calloc(m->window, sizeof(*m->service_ns));
	if (m->lat_ns && m->wait_ns && m->service_ns)
		return 0;
	metrics_fini(m);
	return -ENOMEM;
}

void metrics_fini(struct vm_metrics *m)
{
	free(m->lat_ns);
	free(m->wait_ns);
	free(m->service_ns);
	m->lat_ns = NULL;
	m->wait_ns = NULL;
	m->service_ns = NULL;
}

static void count(struct vm_metrics *m, int32_t status)
{
	m->done++;
	m->by_status[metrics_status_index(status)]++;
	if (status != VGPUIF_RSP_OKAY)
		m->errors++;
}

void metrics_record(struct vm_metrics *m, int32_t status, uint64_t wait_ns,
		    uint64_t service_ns)
{
	uint64_t lat = wait_ns + service_ns;

	count(m, status);
	m->samples++;
	m->wait_sum_ns += wait_ns;
	m->service_sum_ns += service_ns;
	if (lat > m->max_ns)
		m->max_ns = lat;
	if (m->lat_ns) {
		m->lat_ns[m->pos] = lat;
		m->wait_ns[m->pos] = wait_ns;
		m->service_ns[m->pos] = service_ns;
		m->pos = (m->pos + 1) % m->window;
	}
}

void metrics_reject(struct vm_metrics *m, int32_t status)
{
	count(m, status);
	m->rejected++;
}

static uint64_t ns_to_us(uint64_t ns)
{
	return (ns + 500) / 1000;
}

void metrics_summarize(const struct vm_metrics *m, struct metrics_summary *s)
{
	struct percentile_summary ps = { 0 };
	size_t n = m->samples < m->window ? (size_t)m->samples : m->window;

	*s = (struct metrics_summary){
		.done = m->done,
		.errors = m->errors,
		.rejected = m->rejected,
		.samples = m->samples,
		.max_us = ns_to_us(m->max_ns),
	};
	if (!m->samples)
		return;
	s->wait_mean_us = ns_to_us(m->wait_sum_ns / m->samples);
	s->service_mean_us = ns_to_us(m->service_sum_ns / m->samples);
	/* The ring holds the last n samples; their order does not matter. */
	if (!m->lat_ns || percentile_summarize(m->lat_ns, n, &ps))
		goto nomem;
	s->p50_us = ns_to_us(ps.p50);
	s->p95_us = ns_to_us(ps.p95);
	s->p99_us = ns_to_us(ps.p99);
	if (percentile_summarize(m->wait_ns, n, &ps))
		goto nomem;
	s->wait_p_ns[0] = ps.p50;
	s->wait_p_ns[1] = ps.p95;
	s->wait_p_ns[2] = ps.p99;
	if (percentile_summarize(m->service_ns, n, &ps))
		goto nomem;
	s->service_p_ns[0] = ps.p50;
	s->service_p_ns[1] = ps.p95;
	s->service_p_ns[2] = ps.p99;
	return;
nomem:
	log_warn("metrics: out of memory for percentiles");
}
