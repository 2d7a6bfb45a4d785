// SPDX-License-Identifier: MIT
/*
 * The executor process's confinement (dom0-worker/exec/cuda/cx_confine.c):
 * each case runs in a forked child, which applies it and then tries
 * something; the parent reads how the child ended.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_confine.h"

/* Runs @fn in a child under @c; its wait status. */
static int in_child(const struct cx_confine *c, int (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (cx_confine_early() || cx_confine_apply(c))
			_exit(100);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static const struct cx_confine kill_mode = {
	.seccomp = CX_SECCOMP_KILL, .oom_score_adj = CX_OOM_SCORE_ADJ,
};

/* What the command loop does: memory, futex, the socket, the log, time. */
static int allowed_work(void)
{
	void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	memset(p, 1, 1 << 20);
	munmap(p, 1 << 20);
	free(malloc(100000));
	if (write(2, "", 0) < 0)
		return 2;
	if (getpid() <= 0)
		return 3;
	usleep(1000);
	return 0;
}

static int try_socket(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
	return 0;
}

static int try_exec(void)
{
	char *argv[] = { "/bin/true", NULL };

	execv(argv[0], argv);
	return 0;
}

static int try_kill_parent(void)
{
	kill(getppid(), 0);
	return 0;
}

static int try_fork(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	return 0;
}

static int try_setuid(void)
{
	/* Back to root after the switch: refused by the filter first. */
	setuid(0);
	return 0;
}

static int check_limits(void)
{
	struct rlimit r;
	char buf[16] = "";
	int fd;

	if (getrlimit(RLIMIT_CORE, &r) || r.rlim_cur || r.rlim_max)
		return 1;
	if (getrlimit(RLIMIT_NOFILE, &r) || r.rlim_max > 1024)
		return 2;
	if (!prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0))
		return 3;
	fd = open("/proc/self/oom_score_adj", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0 || atoi(buf) != 500)
		return 4;
	close(fd);
	return 0;
}

static void test_allowed(void **state)
{
	int st = in_child(&kill_mode, allowed_work);

	(void)state;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	st = in_child(&kill_mode, check_limits);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void expect_killed(int (*fn)(void))
{
	int st = in_child(&kill_mode, fn);

	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

/* A forbidden system call kills the process. */
static void test_forbidden(void **state)
{
	(void)state;
	expect_killed(try_socket);
	expect_killed(try_exec);
	expect_killed(try_kill_parent);
	expect_killed(try_fork);
	expect_killed(try_setuid);
}

/* In log mode the same calls go on (the audit log records them). */
static void test_log_mode(void **state)
{
	struct cx_confine c = kill_mode;
	int st;

	(void)state;
	c.seccomp = CX_SECCOMP_LOG;
	st = in_child(&c, try_socket);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(cx_seccomp_mode("kill"), CX_SECCOMP_KILL);
	assert_int_equal(cx_seccomp_mode("log"), CX_SECCOMP_LOG);
	assert_int_equal(cx_seccomp_mode("off"), CX_SECCOMP_OFF);
	assert_int_equal(cx_seccomp_mode("on"), -1);
}

static const char *secret = "/tmp/vgpu-confine-secret";

static int read_secret(void)
{
	int fd = open(secret, O_RDONLY);

	if (fd >= 0)
		return 1;
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0)
		return 2;
	return errno == EACCES ? 0 : 3;
}

/* The user switch: a root-only file is out of reach afterwards. */
static void test_user_switch(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct cx_confine c = kill_mode;
	int fd, st;

	(void)state;
	if (geteuid() != 0 || !pw) {
		skip();
		return;
	}
	fd = open(secret, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	c.uid = pw->pw_uid;
	c.gid = pw->pw_gid;
	st = in_child(&c, read_secret);
	unlink(secret);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * The user switch keeps the parent-death signal: an executor whose worker
 * dies goes too. Here the child C plays the worker: its child G sets the
 * signal as cx_child.c does, switches user, says so and blocks; C exits.
 * This process is the subreaper that then gets G, and G must be killed.
 */
static void test_user_switch_keeps_parent_death(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct cx_confine c = kill_mode;
	int ready[2], hold[2], st = 0;
	pid_t worker, exec_pid = 0;
	char b;

	(void)state;
	if (geteuid() != 0 || !pw) {
		skip();
		return;
	}
	c.uid = pw->pw_uid;
	c.gid = pw->pw_gid;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	worker = fork();
	assert_true(worker >= 0);
	if (worker == 0) {
		pid_t g = fork();

		if (g == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (cx_confine_early() || cx_confine_apply(&c))
				_exit(100);
			if (write(ready[1], "r", 1) != 1)
				_exit(101);
			/* Blocks for good: nobody writes to hold. */
			if (read(hold[0], &b, 1) < 0)
				_exit(102);
			_exit(103);
		}
		/* Once G is confined, the worker dies. */
		if (g < 0 || read(ready[0], &b, 1) != 1 ||
		    write(ready[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(worker, &st, 0), worker);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(read(ready[0], &exec_pid, sizeof(exec_pid)),
			 sizeof(exec_pid));
	/* G is this process's now; it must be gone within 5 s. */
	for (int i = 0; i < 500; i++) {
		if (waitpid(exec_pid, &st, WNOHANG) == exec_pid)
			break;
		usleep(10000);
		if (i == 499) {
			kill(exec_pid, SIGKILL);
			waitpid(exec_pid, &st, 0);
			fail_msg("the executor outlived its worker by 5 s");
		}
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	close(ready[0]);
	close(ready[1]);
	close(hold[0]);
	close(hold[1]);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_forbidden),
		cmocka_unit_test(test_log_mode),
		cmocka_unit_test(test_user_switch),
		cmocka_unit_test(test_user_switch_keeps_parent_death),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
