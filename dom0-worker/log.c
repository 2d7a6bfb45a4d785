// SPDX-License-Identifier: MIT
/* Timestamped, levelled log lines on stderr. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum vlog_level cur_level = VLOG_INFO;
static FILE *log_stream;

static const char *const level_names[] = {
	[VLOG_ERROR] = "error",
	[VLOG_WARN] = "warn",
	[VLOG_INFO] = "info",
	[VLOG_DEBUG] = "debug",
};

void vlog_set_level(enum vlog_level level)
{
	cur_level = level;
}

enum vlog_level vlog_get_level(void)
{
	return cur_level;
}

void vlog_set_stream(FILE *f)
{
	log_stream = f;
}

int vlog_parse_level(const char *s, enum vlog_level *out)
{
	for (unsigned int i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum vlog_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*out = VLOG_WARN;
		return 0;
	}
	return -1;
}

const char *vlog_level_name(enum vlog_level level)
{
	if ((unsigned int)level < sizeof(level_names) / sizeof(level_names[0]))
		return level_names[level];
	return "?";
}

static void vlog_emit(const char *tag, const char *fmt, va_list ap)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03ldZ vgpu-worker[%ld] %s: ",
		     ts.tv_nsec / 1000000L, (long)getpid(), tag);
	if (r > 0)
		n += (size_t)r;
	if (n < sizeof(line)) {
		r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		if (r > 0)
			n += (size_t)r;
	}
	if (n >= sizeof(line) - 1) {
		/* Truncated: keep the line a line. */
		n = sizeof(line) - 2;
		memcpy(line + n - 3, "...", 3);
	}
	line[n++] = '\n';
	/* One write per line so lines from other processes never interleave. */
	fwrite(line, 1, n, log_stream ? log_stream : stderr);
	fflush(log_stream ? log_stream : stderr);
}

void vlog(enum vlog_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > cur_level)
		return;
	va_start(ap, fmt);
	vlog_emit(vlog_level_name(level), fmt, ap);
	va_end(ap);
}

void vlog_tagged(const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_emit(tag, fmt, ap);
	va_end(ap);
}

int vlog_ratelimit_ok(struct vlog_ratelimit *rl, uint32_t *suppressed)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	*suppressed = 0;
	if (rl->window_start == 0 ||
	    ts.tv_sec - rl->window_start >= VLOG_RL_INTERVAL_S) {
		*suppressed = rl->suppressed;
		rl->window_start = ts.tv_sec ? ts.tv_sec : 1;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < VLOG_RL_BURST) {
		rl->printed++;
		return 1;
	}
	rl->suppressed++;
	return 0;
}
