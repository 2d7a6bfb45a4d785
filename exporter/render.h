/* SPDX-License-Identifier: MIT */
/*
 * The body of GET /metrics: the worker's own exposition (its control
 * socket's "metrics" answer, passed on as it is), vgpu_worker_up, and
 * vgpu-back's counters from sysfs, in the Prometheus text exposition
 * format 0.0.4 (Documentation/metrics.md lists every family).
 *
 * The worker is asked at most once per cache_ms whatever the number of
 * scrapes, so HTTP clients cannot take the worker's loop time; its answer
 * in between is the cached one.
 */
#ifndef VGPU_EXPORTER_RENDER_H
#define VGPU_EXPORTER_RENDER_H

#include <stdint.h>
#include <stdio.h>

struct render_cfg {
	const char *control_socket;	/* the worker's; "" = do not ask */
	const char *sysfs;		/* "/sys"; tests point elsewhere */
	unsigned int cache_ms;		/* reuse the worker's answer this long */
};

struct render_state {
	char *worker_text;		/* last answer, NULL if none */
	int worker_up;
	int worker_err;			/* -errno of the last failed query */
	uint64_t asked_ms;		/* when (monotonic ms); 0 never */
	uint64_t scrapes;		/* bodies rendered */
	uint64_t worker_errors;		/* queries that failed */
};

/*
 * Renders the body into a malloc'ed *@body of *@len bytes at @now_ms.
 * 0 or -ENOMEM.
 */
int render_metrics(const struct render_cfg *cfg, struct render_state *st,
		   uint64_t now_ms, char **body, size_t *len);

void render_state_fini(struct render_state *st);

/*
 * A label value between double quotes as the format wants it: backslash,
 * double quote and newline escaped (\\, \", \n); other bytes as they are.
 */
void prom_label_value(FILE *f, const char *s);

/* A # HELP text: backslash and newline escaped. */
void prom_help(FILE *f, const char *name, const char *type, const char *help);

#endif
