/* SPDX-License-Identifier: MIT */
/*
 * Logging of vgpu-worker: one line per message on stderr,
 *   2025-01-31T12:00:00.123Z vgpu-worker[1234] info: message
 * with the time in UTC. Messages above the configured level are dropped.
 */
#ifndef VGPU_WORKER_LOG_H
#define VGPU_WORKER_LOG_H

#include <stdio.h>
#include <stdint.h>

enum vlog_level {
	VLOG_ERROR = 0,
	VLOG_WARN,
	VLOG_INFO,
	VLOG_DEBUG,
};

void vlog_set_level(enum vlog_level level);
enum vlog_level vlog_get_level(void);
/* Where lines go (stderr by default); tests point it at a memory stream. */
void vlog_set_stream(FILE *f);
int vlog_parse_level(const char *s, enum vlog_level *out);
const char *vlog_level_name(enum vlog_level level);

void vlog(enum vlog_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Printed whatever the level, with @tag in place of the level's name. */
void vlog_tagged(const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Rate limit for messages a guest can cause: at most VLOG_RL_BURST lines
 * per VLOG_RL_INTERVAL_S seconds per call site; the next line allowed says
 * how many were suppressed.
 */
#define VLOG_RL_BURST		10
#define VLOG_RL_INTERVAL_S	5

struct vlog_ratelimit {
	int64_t window_start;
	uint32_t printed;
	uint32_t suppressed;
};

/* Returns nonzero when the caller may print; *suppressed gets the count. */
int vlog_ratelimit_ok(struct vlog_ratelimit *rl, uint32_t *suppressed);

#define vlog_ratelimited(level, ...)					\
	do {								\
		static struct vlog_ratelimit rl_;			\
		uint32_t sup_;						\
		if (vlog_ratelimit_ok(&rl_, &sup_)) {			\
			if (sup_)					\
				vlog(level, "%u similar messages suppressed", \
				     (unsigned)sup_);			\
			vlog(level, __VA_ARGS__);			\
		}							\
	} while (0)

#define log_error(...)	vlog(VLOG_ERROR, __VA_ARGS__)
#define log_warn(...)	vlog(VLOG_WARN, __VA_ARGS__)
#define log_info(...)	vlog(VLOG_INFO, __VA_ARGS__)
#define log_debug(...)	vlog(VLOG_DEBUG, __VA_ARGS__)

#endif
