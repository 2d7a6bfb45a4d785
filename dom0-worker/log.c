// SPDX-License-Identifier: MIT
/*
 * Timestamped, levelled log lines on stderr. When stderr is the systemd
 * journal (JOURNAL_STREAM names its device and inode), each line starts
 * with its syslog priority, "<3>" for an error, which journald strips and
 * records (sd-daemon(3)): journalctl -p warning then shows errors and
 * warnings only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum vlog_level cur_level = VLOG_INFO;
static FILE *log_stream;
/* Whether the stream is the journal: -1 not yet looked at, 0 no, 1 yes. */
static int log_to_journal = -1;

/* syslog priorities (sd-daemon.h's SD_ERR ...), by level; tagged lines: info. */
static const int level_prio[] = {
	[VLOG_ERROR] = 3,
	[VLOG_WARN] = 4,
	[VLOG_INFO] = 6,
	[VLOG_DEBUG] = 7,
};
#define VLOG_PRIO_TAGGED 6

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
	log_to_journal = -1;
}

/* Whether f is the stream systemd connected to the journal. */
static int stream_is_journal(FILE *f)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return 0;
	if (fstat(fileno(f), &st))
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
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

static void vlog_emit(int prio, const char *tag, const char *fmt, va_list ap)
{
	FILE *out = log_stream ? log_stream : stderr;
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n = 0;
	int r;

	if (log_to_journal < 0)
		log_to_journal = stream_is_journal(out);
	if (log_to_journal)
		n = (size_t)snprintf(line, sizeof(line), "<%d>", prio);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n += strftime(line + n, sizeof(line) - n, "%Y-%m-%dT%H:%M:%S", &tm);
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
	fwrite(line, 1, n, out);
	fflush(out);
}

void vlog(enum vlog_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > cur_level)
		return;
	va_start(ap, fmt);
	vlog_emit(level_prio[level], vlog_level_name(level), fmt, ap);
	va_end(ap);
}

void vlog_tagged(const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_emit(VLOG_PRIO_TAGGED, tag, fmt, ap);
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
