/* SPDX-License-Identifier: MIT */
/*
 * vgpu-worker settings: defaults, the command line and the config file
 * share one set of keys (Documentation/worker.md lists them).
 *
 * Config file: one "key = value" per line; blank lines and lines whose first
 * non-blank character is '#' are ignored; spaces around key and value are
 * trimmed. Keys are the long options without "--".
 */
#ifndef VGPU_WORKER_CONFIG_H
#define VGPU_WORKER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define CONFIG_PATH_MAX		256
#define CONFIG_FILE_MAX		(64 * 1024)

#define CONFIG_DEFAULT_DEVICE	"/dev/vgpu-back"

struct worker_config {
	char device[CONFIG_PATH_MAX];	/* device */
	char executor[16];		/* executor: cpu, cuda, auto */
	char order_log[CONFIG_PATH_MAX];/* order-log, "" = none */
	enum vlog_level log_level;	/* log-level */
	uint32_t op_delay_ms;		/* op-delay-ms */
	uint64_t mem_budget;		/* mem-budget, bytes */
	uint32_t stats_interval;	/* stats-interval, seconds, 0 = off */
	uint32_t max_queued;		/* max-queued: per VM, when its own is 0 */
	uint32_t queue_max;		/* queue-max: all VMs together */
	uint32_t batch;			/* batch: events per read, completions per write */
	uint32_t metrics_window;	/* metrics-window: latency samples per VM */
	uint32_t max_allocs;		/* max-allocs: allocations per VM */
};

void config_defaults(struct worker_config *cfg);

/*
 * Sets one key. Returns 0, or -1 with a message in err (for a bad key or
 * value; cfg is unchanged then).
 */
int config_set(struct worker_config *cfg, const char *key, const char *value,
	       char *err, size_t errlen);

/*
 * Parses config text of len bytes; @name prefixes messages ("FILE:LINE: ").
 * Stops at the first bad line: returns -1 with the message in err. Lines
 * before it have been applied.
 */
int config_parse_buffer(struct worker_config *cfg, const char *text,
			size_t len, const char *name, char *err, size_t errlen);

/* Reads and parses a file (at most CONFIG_FILE_MAX bytes). */
int config_load_file(struct worker_config *cfg, const char *path,
		     char *err, size_t errlen);

#endif
