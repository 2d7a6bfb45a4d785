// SPDX-License-Identifier: MIT
/* Settings of vgpu-worker: defaults, key = value parsing, range checks. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "lib/parse.h"

void config_defaults(struct worker_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->device, sizeof(cfg->device), "%s", CONFIG_DEFAULT_DEVICE);
	snprintf(cfg->executor, sizeof(cfg->executor), "auto");
	cfg->log_level = VLOG_INFO;
	cfg->op_delay_ms = 0;
	cfg->mem_budget = 0;		/* auto: from the host's RAM */
	cfg->stats_interval = 0;
	cfg->obsolete_max_queued = 64;
	cfg->max_queued_all = 4096;
	cfg->batch = 64;
	cfg->metrics_window = 4096;
	cfg->max_allocs = 65536;
	cfg->sched_mode = SCHED_STRICT;
	cfg->sched_weights[0] = 4;
	cfg->sched_weights[1] = 2;
	cfg->sched_weights[2] = 1;
	cfg->sched_aging_ms = 100;
	cfg->vm_max_inflight = 0;
	cfg->rate_burst = 0;
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
		 CONFIG_DEFAULT_CONTROL);
	cfg->max_running = 0;
	cfg->vm_max_running = 16;
	cfg->connect_burst = 5;
	cfg->connect_interval_ms = 10000;
	cfg->turn_quota = 0;
	cfg->prio_hold_us = 500;
	cfg->prio_share = 0;
	snprintf(cfg->cuda_sched, sizeof(cfg->cuda_sched), "auto");
	cfg->cuda_device = 0;
	cfg->request_timeout_ms = 10000;
	cfg->cuda_slot_size = 1u << 20;
	cfg->cuda_slots = 32;
	cfg->copy_threads = 8;
	cfg->cuda_spin_us = 50;
	cfg->exec_mps_lower_percent = 100;
	cfg->exec_spare = 1;
	snprintf(cfg->exec_user, sizeof(cfg->exec_user), "%s",
		 CONFIG_DEFAULT_EXEC_USER);
	snprintf(cfg->exec_seccomp, sizeof(cfg->exec_seccomp), "kill");
}

static int set_path(char *dst, size_t size, const char *value,
		    const char *key, char *err, size_t errlen)
{
	if (strlen(value) >= size) {
		snprintf(err, errlen, "%s: path longer than %zu bytes", key,
			 size - 1);
		return -1;
	}
	snprintf(dst, size, "%s", value);
	return 0;
}

struct u32_key {
	const char *key;
	size_t offset;
	uint32_t min, max;
};

/* Keys still read (an old file keeps working) but ignored: why. */
static const struct {
	const char *key, *why;
} obsolete_keys[] = {
	{ "max-queued", "the backend's max-queued key bounds a VM's queue" },
};

static const struct u32_key u32_keys[] = {
	{ "op-delay-ms", offsetof(struct worker_config, op_delay_ms), 0, 60000 },
	{ "stats-interval", offsetof(struct worker_config, stats_interval), 0, 86400 },
	{ "max-queued", offsetof(struct worker_config, obsolete_max_queued), 1, 65536 },
	{ "queue-max", offsetof(struct worker_config, max_queued_all), 1, 1u << 20 },
	{ "batch", offsetof(struct worker_config, batch), 1, 1024 },
	{ "metrics-window", offsetof(struct worker_config, metrics_window), 1, 1u << 20 },
	{ "max-allocs", offsetof(struct worker_config, max_allocs), 1, 1u << 24 },
	{ "sched-aging-ms", offsetof(struct worker_config, sched_aging_ms), 1, 3600000 },
	{ "vm-max-inflight", offsetof(struct worker_config, vm_max_inflight), 0, 1u << 16 },
	{ "rate-burst", offsetof(struct worker_config, rate_burst), 0, 1u << 24 },
	{ "max-running", offsetof(struct worker_config, max_running), 0, 1u << 16 },
	{ "vm-inflight", offsetof(struct worker_config, vm_max_running), 1, 256 },
	{ "connect-burst", offsetof(struct worker_config, connect_burst), 1, 1000000 },
	{ "connect-interval-ms", offsetof(struct worker_config, connect_interval_ms), 0, 3600000 },
	{ "turn-quota", offsetof(struct worker_config, turn_quota), 0, 1u << 16 },
	{ "prio-hold-us", offsetof(struct worker_config, prio_hold_us), 0, 10000000 },
	{ "prio-share", offsetof(struct worker_config, prio_share), 0, 1u << 16 },
	{ "cuda-device", offsetof(struct worker_config, cuda_device), 0, 255 },
	{ "request-timeout-ms", offsetof(struct worker_config, request_timeout_ms), 0, 3600000 },
	{ "cuda-slots", offsetof(struct worker_config, cuda_slots), 1, 64 },
	{ "copy-threads", offsetof(struct worker_config, copy_threads), 0, 64 },
	{ "cuda-spin-us", offsetof(struct worker_config, cuda_spin_us), 0, 1000000 },
	{ "cuda-stack-bytes", offsetof(struct worker_config, cuda_stack_bytes), 0, 1u << 20 },
	{ "exec-mps-lower-percent", offsetof(struct worker_config, exec_mps_lower_percent), 1, 100 },
	{ "exec-spare", offsetof(struct worker_config, exec_spare), 0, 16 },
};

/* "H:M:L", three weights of 1..SCHED_WEIGHT_MAX. */
static int parse_weights(const char *value, uint32_t w[SCHED_NR_LEVELS])
{
	char buf[64], *save = NULL, *tok, *s = buf;
	uint32_t out[SCHED_NR_LEVELS];
	unsigned int n = 0;
	uint64_t v;

	if (strlen(value) >= sizeof(buf) || strstr(value, "::") ||
	    value[0] == ':' || (value[0] && value[strlen(value) - 1] == ':'))
		return -1;
	snprintf(buf, sizeof(buf), "%s", value);
	while ((tok = strtok_r(s, ":", &save))) {
		s = NULL;
		if (n == SCHED_NR_LEVELS || parse_u64(tok, &v) || !v ||
		    v > SCHED_WEIGHT_MAX)
			return -1;
		out[n++] = (uint32_t)v;
	}
	if (n != SCHED_NR_LEVELS)
		return -1;
	memcpy(w, out, sizeof(out));
	return 0;
}

int config_set(struct worker_config *cfg, const char *key, const char *value,
	       char *err, size_t errlen)
{
	uint64_t v;

	if (strcmp(key, "sched") == 0) {
		if (strcmp(value, "strict") == 0)
			cfg->sched_mode = SCHED_STRICT;
		else if (strcmp(value, "weighted") == 0)
			cfg->sched_mode = SCHED_WEIGHTED;
		else if (strcmp(value, "aging") == 0)
			cfg->sched_mode = SCHED_AGING;
		else {
			snprintf(err, errlen,
				 "sched: '%s' is not strict, weighted or aging",
				 value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "sched-weights") == 0) {
		if (parse_weights(value, cfg->sched_weights)) {
			snprintf(err, errlen,
				 "sched-weights: '%s' is not HIGH:MEDIUM:LOW, each 1..%u",
				 value, SCHED_WEIGHT_MAX);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "control-socket") == 0)
		return set_path(cfg->control_socket,
				sizeof(cfg->control_socket), value, key, err,
				errlen);
	if (strcmp(key, "control-group") == 0) {
		if (strlen(value) >= sizeof(cfg->control_group)) {
			snprintf(err, errlen, "control-group: '%s' is not a group name",
				 value);
			return -1;
		}
		snprintf(cfg->control_group, sizeof(cfg->control_group), "%s",
			 value);
		return 0;
	}

	if (strcmp(key, "device") == 0) {
		if (!*value) {
			snprintf(err, errlen, "device: empty path");
			return -1;
		}
		return set_path(cfg->device, sizeof(cfg->device), value, key,
				err, errlen);
	}
	if (strcmp(key, "order-log") == 0)
		return set_path(cfg->order_log, sizeof(cfg->order_log), value,
				key, err, errlen);
	if (strcmp(key, "exec-mps-pipe") == 0)
		return set_path(cfg->exec_mps_pipe, sizeof(cfg->exec_mps_pipe), value,
				key, err, errlen);
	if (strcmp(key, "executor") == 0) {
		if (strcmp(value, "cpu") && strcmp(value, "cuda") &&
		    strcmp(value, "auto")) {
			snprintf(err, errlen,
				 "executor: '%s' is not cpu, cuda or auto", value);
			return -1;
		}
		snprintf(cfg->executor, sizeof(cfg->executor), "%s", value);
		return 0;
	}
	if (strcmp(key, "log-level") == 0) {
		if (vlog_parse_level(value, &cfg->log_level)) {
			snprintf(err, errlen,
				 "log-level: '%s' is not error, warn, info or debug",
				 value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "cuda-exec") == 0)
		return set_path(cfg->cuda_exec, sizeof(cfg->cuda_exec), value,
				key, err, errlen);
	if (strcmp(key, "cuda-sched") == 0) {
		if (strcmp(value, "auto") && strcmp(value, "spin") &&
		    strcmp(value, "yield") && strcmp(value, "block")) {
			snprintf(err, errlen,
				 "cuda-sched: '%s' is not auto, spin, yield or block",
				 value);
			return -1;
		}
		snprintf(cfg->cuda_sched, sizeof(cfg->cuda_sched), "%s", value);
		return 0;
	}
	if (strcmp(key, "cuda-slot-size") == 0) {
		if (parse_size(value, &v) || v < 4096 || v > (64u << 20) ||
		    v % 4096) {
			snprintf(err, errlen,
				 "cuda-slot-size: '%s' is not a multiple of 4K from 4K to 64M",
				 value);
			return -1;
		}
		cfg->cuda_slot_size = (uint32_t)v;
		return 0;
	}
	if (strcmp(key, "exec-user") == 0) {
		if (!value[0] || strlen(value) >= sizeof(cfg->exec_user)) {
			snprintf(err, errlen, "exec-user: '%s' is not a user name",
				 value);
			return -1;
		}
		snprintf(cfg->exec_user, sizeof(cfg->exec_user), "%s", value);
		return 0;
	}
	if (strcmp(key, "exec-seccomp") == 0) {
		if (strcmp(value, "kill") && strcmp(value, "log") &&
		    strcmp(value, "off")) {
			snprintf(err, errlen,
				 "exec-seccomp: '%s' is not kill, log or off", value);
			return -1;
		}
		snprintf(cfg->exec_seccomp, sizeof(cfg->exec_seccomp), "%s", value);
		return 0;
	}
	if (strcmp(key, "mem-budget") == 0) {
		if (strcmp(value, "auto") == 0) {
			cfg->mem_budget = 0;
			return 0;
		}
		if (parse_size(value, &v) || v < (1u << 20) ||
		    v > (1ull << 48)) {
			snprintf(err, errlen,
				 "mem-budget: '%s' is not auto or a size from 1M to 256T",
				 value);
			return -1;
		}
		cfg->mem_budget = v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(u32_keys) / sizeof(u32_keys[0]); i++) {
		const struct u32_key *k = &u32_keys[i];

		if (strcmp(key, k->key))
			continue;
		if (parse_u64(value, &v) || v < k->min || v > k->max) {
			snprintf(err, errlen, "%s: '%s' is not a number from %u to %u",
				 key, value, k->min, k->max);
			return -1;
		}
		*(uint32_t *)((char *)cfg + k->offset) = (uint32_t)v;
		for (size_t j = 0; j < sizeof(obsolete_keys) / sizeof(obsolete_keys[0]); j++)
			if (!strcmp(key, obsolete_keys[j].key))
				log_warn("%s is obsolete and ignored: %s", key,
					 obsolete_keys[j].why);
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -1;
}

static char *trim(char *s, char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

int config_parse_buffer(struct worker_config *cfg, const char *text,
			size_t len, const char *name, char *err, size_t errlen)
{
	char line[CONFIG_PATH_MAX + 64];
	char msg[CONFIG_PATH_MAX + 128];
	size_t pos = 0;
	unsigned int lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *key, *value, *eq;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%u: line too long", name, lineno);
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (memchr(line, '\0', n)) {
			snprintf(err, errlen, "%s:%u: NUL byte in line", name, lineno);
			return -1;
		}

		key = trim(line, line + n);
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: expected 'key = value'",
				 name, lineno);
			return -1;
		}
		value = trim(eq + 1, key + strlen(key));
		key = trim(key, eq);
		if (!*key) {
			snprintf(err, errlen, "%s:%u: missing key", name, lineno);
			return -1;
		}
		if (strcmp(key, "config") == 0) {
			snprintf(err, errlen, "%s:%u: 'config' cannot be set in a config file",
				 name, lineno);
			return -1;
		}
		if (config_set(cfg, key, value, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, msg);
			return -1;
		}
	}
	return 0;
}

int config_load_file(struct worker_config *cfg, const char *path,
		     char *err, size_t errlen)
{
	char *buf;
	size_t len = 0;
	ssize_t r;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (;;) {
		r = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len > CONFIG_FILE_MAX)
			break;
	}
	close(fd);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ret = -1;
	} else if (len > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
			 CONFIG_FILE_MAX);
		ret = -1;
	} else {
		ret = config_parse_buffer(cfg, buf, len, path, err, errlen);
	}
	free(buf);
	return ret;
}
