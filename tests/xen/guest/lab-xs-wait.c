// SPDX-License-Identifier: GPL-2.0
/*
 * lab-xs-wait: the Xen lab scripts' way to wait for xenstore. It blocks on
 * a watch instead of polling: under TCG every process a waiting script
 * starts (xenstore-read, date, timeout) costs 25-150 ms of CPU, taken from
 * the guests still booting on the same two host cores.
 *
 * usage: lab-xs-wait [-t SECS] [-d DOMID] [-n] PATH [VALUE]
 *   PATH VALUE     exit 0 once PATH reads VALUE
 *   -n PATH VALUE  exit 0 once PATH reads anything else (or is gone)
 *   PATH           exit 0 at the first change at or under PATH after the
 *                  watch is set (a change just before it is not seen:
 *                  callers check their condition again after a timeout)
 *   -d DOMID       exit 3 once /local/domain/DOMID is gone
 *   -t SECS        exit 2 after SECS seconds (default 60; a deadline
 *                  already spent, SECS <= 0, still checks VALUE once)
 *   exit 1: bad usage or xenstore error (message on stderr)
 * With VALUE, PATH is read after the watch is set and after every event,
 * so a change can never slip between the read and the wait.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

enum { EXIT_MET = 0, EXIT_ERR = 1, EXIT_TIMEOUT = 2, EXIT_GONE = 3 };

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int usage(void)
{
	fprintf(stderr, "usage: lab-xs-wait [-t SECS] [-d DOMID] [-n] PATH [VALUE]\n");
	return EXIT_ERR;
}

/* PATH's value is (or, negated, is not) VALUE; a missing node is "". */
static bool value_met(struct xs_handle *xs, const char *path,
		      const char *value, bool negate)
{
	unsigned int len;
	char *v = xs_read(xs, XBT_NULL, path, &len);
	bool eq = strcmp(v ? v : "", value) == 0;

	free(v);
	return negate ? !eq : eq;
}

static bool domain_gone(struct xs_handle *xs, const char *dompath)
{
	unsigned int len;
	char *v = xs_read(xs, XBT_NULL, dompath, &len);

	if (v) {
		free(v);
		return false;
	}
	return errno == ENOENT;
}

int main(int argc, char **argv)
{
	long secs = 60;
	const char *domid = NULL, *path, *value = NULL;
	bool negate = false;
	char dompath[64] = "";
	struct xs_handle *xs;
	long long deadline;
	int opt, own_events = 0, rc = EXIT_TIMEOUT;

	while ((opt = getopt(argc, argv, "t:d:n")) != -1) {
		switch (opt) {
		case 't':
			/* Callers share one deadline across several waits. */
			secs = strtol(optarg, NULL, 10);
			if (secs < 0)
				secs = 0;
			break;
		case 'd':
			domid = optarg;
			break;
		case 'n':
			negate = true;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc || argc - optind > 2 ||
	    (negate && argc - optind != 2))
		return usage();
	path = argv[optind];
	if (argc - optind == 2)
		value = argv[optind + 1];
	if (domid)
		snprintf(dompath, sizeof(dompath), "/local/domain/%s", domid);

	deadline = now_ms() + secs * 1000;
	xs = xs_open(0);
	if (!xs) {
		perror("lab-xs-wait: xs_open");
		return EXIT_ERR;
	}
	if (!xs_watch(xs, path, "p") ||
	    (domid && !xs_watch(xs, "@releaseDomain", "d"))) {
		fprintf(stderr, "lab-xs-wait: cannot watch %s: %s\n", path,
			strerror(errno));
		return EXIT_ERR;
	}

	for (;;) {
		struct pollfd pfd = { .fd = xs_fileno(xs), .events = POLLIN };
		long long left;
		char **ev;

		if (value && value_met(xs, path, value, negate)) {
			rc = EXIT_MET;
			break;
		}
		if (domid && domain_gone(xs, dompath)) {
			rc = EXIT_GONE;
			break;
		}
		left = deadline - now_ms();
		if (left <= 0)
			break;
		if (poll(&pfd, 1, left > 60000 ? 60000 : (int)left) < 0 &&
		    errno != EINTR) {
			perror("lab-xs-wait: poll");
			rc = EXIT_ERR;
			break;
		}
		/* Without VALUE, the second event of our watch is a change. */
		while ((ev = xs_check_watch(xs)) != NULL) {
			if (strcmp(ev[XS_WATCH_TOKEN], "p") == 0)
				own_events++;
			free(ev);
		}
		if (!value && own_events >= 2) {
			rc = EXIT_MET;
			break;
		}
	}
	/*
	 * No xs_close(): it cancels libxenstore's watch thread, and
	 * pthread_cancel needs libgcc_s, which the guest images lack (glibc
	 * aborts). Exiting ends the thread and the connection as well.
	 */
	return rc;
}
