// SPDX-License-Identifier: MIT
/* The body of GET /metrics (see render.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend_stats.h"
#include "lib/ctlsock_client.h"
#include "render.h"

void prom_label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void prom_help(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			fputc(*help, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void render_state_fini(struct render_state *st)
{
	free(st->worker_text);
	st->worker_text = NULL;
}

/* Asks the worker unless its last answer is recent enough. */
static void ask_worker(const struct render_cfg *cfg, struct render_state *st,
		       uint64_t now_ms)
{
	char *text = NULL;
	int err;

	if (st->asked_ms && now_ms - st->asked_ms < cfg->cache_ms)
		return;
	st->asked_ms = now_ms ? now_ms : 1;
	err = cfg->control_socket[0] ?
	      ctlsock_query(cfg->control_socket, "metrics", &text) : -ENOENT;
	/* An answer that is not an exposition is a failure too. */
	if (!err && (!text[0] || text[strlen(text) - 1] != '\n' ||
		     strncmp(text, "# ", 2)))
		err = -EPROTO;
	free(st->worker_text);
	st->worker_text = err ? NULL : text;
	if (err) {
		free(text);
		st->worker_errors++;
	}
	st->worker_up = !err;
	st->worker_err = err;
}

static void worker_part(FILE *f, const struct render_cfg *cfg,
			const struct render_state *st)
{
	prom_help(f, "vgpu_exporter_info", "gauge",
		  "Where vgpu-exporter reads (value always 1).");
	fputs("vgpu_exporter_info{control_socket=", f);
	prom_label_value(f, cfg->control_socket);
	fputs(",sysfs=", f);
	prom_label_value(f, cfg->sysfs);
	fputs("} 1\n", f);
	prom_help(f, "vgpu_worker_up", "gauge",
		  "1 if the worker answered on its control socket at the last query, else 0 (then none of its families follow).");
	fprintf(f, "vgpu_worker_up %d\n", st->worker_up);
	if (st->worker_text)
		fputs(st->worker_text, f);
}

static void backend_part(FILE *f, const char *sysfs)
{
	struct bstat_values mod;
	struct bstat_device *devs;
	size_t n, skipped;
	int have_mod = bstat_read_module(sysfs, &mod) == 0;
	int err = bstat_read_devices(sysfs, &devs, &n, &skipped);
	char name[96];

	prom_help(f, "vgpu_backend_up", "gauge",
		  "1 if vgpu-back's statistics are in sysfs (the module is loaded), else 0.");
	fprintf(f, "vgpu_backend_up %d\n", have_mod);
	if (err)
		n = 0;
	for (unsigned int i = 0; i < bstat_count; i++) {
		const struct bstat_name *b = &bstat_names[i];
		const char *type = b->counter ? "counter" : "gauge";
		int any = 0;

		if (have_mod && (mod.have >> i & 1)) {
			snprintf(name, sizeof(name), "vgpu_backend_%s", b->metric);
			prom_help(f, name, type, b->help);
			fprintf(f, "%s %lld\n", name, mod.v[i]);
		}
		snprintf(name, sizeof(name), "vgpu_backend_device_%s", b->metric);
		for (size_t d = 0; d < n; d++) {
			if (!(devs[d].s.have >> i & 1))
				continue;
			if (!any++)
				prom_help(f, name, type, b->help);
			fprintf(f, "%s{domid=\"%u\",devid=\"%u\"} %lld\n", name,
				devs[d].domid, devs[d].devid, devs[d].s.v[i]);
		}
	}
	prom_help(f, "vgpu_backend_devices_skipped", "gauge",
		  "vgpu devices left out of the vgpu_backend_device_ families (more than 4096).");
	fprintf(f, "vgpu_backend_devices_skipped %zu\n", skipped);
	free(devs);
}

int render_metrics(const struct render_cfg *cfg, struct render_state *st,
		   uint64_t now_ms, char **body, size_t *len)
{
	FILE *f;

	*body = NULL;
	*len = 0;
	ask_worker(cfg, st, now_ms);
	f = open_memstream(body, len);
	if (!f)
		return -ENOMEM;
	worker_part(f, cfg, st);
	backend_part(f, cfg->sysfs);
	st->scrapes++;
	prom_help(f, "vgpu_exporter_scrapes_total", "counter",
		  "Times vgpu-exporter rendered /metrics.");
	fprintf(f, "vgpu_exporter_scrapes_total %llu\n",
		(unsigned long long)st->scrapes);
	prom_help(f, "vgpu_exporter_worker_errors_total", "counter",
		  "Queries of the worker's control socket that failed (no worker, a timeout, an answer that was no exposition).");
	fprintf(f, "vgpu_exporter_worker_errors_total %llu\n",
		(unsigned long long)st->worker_errors);
	if (fclose(f)) {
		free(*body);
		*body = NULL;
		return -ENOMEM;
	}
	return 0;
}
