// SPDX-License-Identifier: MIT
/*
 * Unit tests of libvgpu (tools/libvgpu.c) and vgpu-client (tools/
 * vgpu-client.c, included here with its main() renamed; its commands,
 * tools/vgpu-client-cmds.c and -threads.c, are linked) against a
 * simulated guest device: this file defines ioctl(), which the library
 * calls, and plays frontend, backend and worker in one: it turns each
 * VGPU_IOC_* into the vgpuif request the frontend would send, runs it on
 * the worker's CPU executor, and maps the status to errno as the frontend
 * does. Device nodes are plain files in a temporary VGPU_DEV_DIR.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/exec/exec.h"
#include "tests/sim/frontend_model.h"
#include "tools/libvgpu.h"

#define main vgpu_client_main
#include "tools/vgpu-client.c"
#undef main

#define NDEV 2

static struct executor ex;
static struct exec_vm devs[NDEV];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char devdir[] = "/tmp/vgpu-devXXXXXX";
static int corrupt_next_add;	/* flip one result element */
static unsigned int ioctl_calls;
static unsigned int submit_calls;

/* Copies between the request's buffer (the guest's pages) and the executor. */
struct gbuf {
	uint8_t *p;
	uint64_t len;
};

static int gcopy(void *ctx, uint32_t dir, uint64_t off, void *buf, uint64_t len)
{
	struct gbuf *g = ctx;

	if (off > g->len || len > g->len - off)
		return -EINVAL;
	if (dir == VGPU_BACK_COPY_FROM_GUEST)
		memcpy(buf, g->p + off, len);
	else
		memcpy(g->p + off, buf, len);
	return 0;
}

/* One request on the ring: returns errno (0 ok). */
static int submit(struct exec_vm *vm, struct vgpu_back_req *req, void *buf,
		  struct exec_result *res)
{
	struct gbuf g = { .p = buf, .len = req->data_len };
	struct exec_data data = { .copy = gcopy, .ctx = &g };

	exec_execute(&ex, vm, req, &data, res);
	return sim_frontend_errno(res->status);
}

static int dev_of_fd(int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	if (strncmp(target, devdir, strlen(devdir)) ||
	    strncmp(target + strlen(devdir), "/vgpu", 5))
		return -1;
	return atoi(target + strlen(devdir) + 5);
}

static int do_ioctl(struct exec_vm *vm, unsigned long request, void *arg)
{
	struct vgpu_back_req req = { .id = 1 };
	struct exec_result res;
	int err;

	switch (request) {
	case VGPU_IOC_NOP:
		req.operation = VGPUIF_OP_NOP;
		return submit(vm, &req, NULL, &res);
	case VGPU_IOC_SYNC:
		req.operation = VGPUIF_OP_SYNC;
		return submit(vm, &req, NULL, &res);
	case VGPU_IOC_GET_INFO: {
		struct vgpuif_info wi;
		struct vgpu_info *out = arg;

		req.operation = VGPUIF_OP_GET_INFO;
		req.data_len = sizeof(wi);
		err = submit(vm, &req, &wi, &res);
		if (err)
			return err;
		sim_frontend_info(out, &wi);
		return 0;
	}
	case VGPU_IOC_MEM_ALLOC: {
		struct vgpu_mem_alloc *a = arg;

		req.operation = VGPUIF_OP_MEM_ALLOC;
		req.u.mem.size = a->size;
		err = submit(vm, &req, NULL, &res);
		if (!err)
			a->dptr = res.ret[0];
		return err;
	}
	case VGPU_IOC_MEM_FREE:
		req.operation = VGPUIF_OP_MEM_FREE;
		req.u.mem.dptr = ((struct vgpu_mem_free *)arg)->dptr;
		return submit(vm, &req, NULL, &res);
	case VGPU_IOC_MEM_WRITE:
	case VGPU_IOC_MEM_READ: {
		const struct vgpu_mem_xfer *x = arg;
		uint8_t *p = (uint8_t *)(uintptr_t)x->buf;

		if (x->len < 1 || x->len > VGPU_XFER_MAX)
			return x->len ? E2BIG : EINVAL;
		/* In ring-sized pieces, as the frontend does. */
		for (uint64_t off = 0; off < x->len; off += VGPUIF_MAX_DATA_LEN) {
			uint64_t n = x->len - off < VGPUIF_MAX_DATA_LEN ?
				     x->len - off : VGPUIF_MAX_DATA_LEN;

			req.operation = request == VGPU_IOC_MEM_WRITE ?
					VGPUIF_OP_MEM_WRITE : VGPUIF_OP_MEM_READ;
			req.u.mem.dptr = x->dptr + off;
			req.data_len = (uint32_t)n;
			err = submit(vm, &req, p + off, &res);
			if (err)
				return err;
		}
		return 0;
	}
	case VGPU_IOC_MODULE_LOAD: {
		struct vgpu_module_load *m = arg;

		if (m->size < 1 || m->size > VGPU_IMAGE_MAX)
			return m->size ? E2BIG : EINVAL;
		req.operation = VGPUIF_OP_MODULE_LOAD;
		req.data_len = (uint32_t)m->size;
		err = submit(vm, &req, (void *)(uintptr_t)m->image, &res);
		if (!err)
			m->handle = res.ret[0];
		return err;
	}
	case VGPU_IOC_MODULE_UNLOAD:
		req.operation = VGPUIF_OP_MODULE_UNLOAD;
		req.u.module.handle = ((struct vgpu_module_unload *)arg)->handle;
		return submit(vm, &req, NULL, &res);
	case VGPU_IOC_LAUNCH: {
		const struct vgpu_launch *l = arg;
		uint8_t buf[VGPUIF_ALIGN8(VGPU_FUNC_NAME_MAX) + VGPU_PARAMS_MAX];

		if (l->reserved || l->name_len < 1 ||
		    l->name_len > VGPU_FUNC_NAME_MAX || l->params_len > VGPU_PARAMS_MAX)
			return EINVAL;
		req.operation = VGPUIF_OP_LAUNCH;
		req.u.launch.module = l->module;
		memcpy(req.u.launch.grid, l->grid, sizeof(l->grid));
		memcpy(req.u.launch.block, l->block, sizeof(l->block));
		req.u.launch.name_len = (uint16_t)l->name_len;
		req.u.launch.params_len = (uint16_t)l->params_len;
		req.data_len = VGPUIF_ALIGN8(l->name_len) + l->params_len;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, (void *)(uintptr_t)l->name, l->name_len);
		if (l->params_len)
			memcpy(buf + VGPUIF_ALIGN8(l->name_len),
			       (void *)(uintptr_t)l->params, l->params_len);
		return submit(vm, &req, buf, &res);
	}
	case VGPU_IOC_VECTOR_ADD: {
		const struct vgpu_vector_add *v = arg;
		float *buf;

		if (v->reserved || v->n < 1 || v->n > VGPU_VECTOR_ADD_MAX)
			return EINVAL;
		buf = malloc(12ull * v->n);
		if (!buf)
			return ENOMEM;
		memcpy(buf, (void *)(uintptr_t)v->a, 4ull * v->n);
		memcpy(buf + v->n, (void *)(uintptr_t)v->b, 4ull * v->n);
		req.operation = VGPUIF_OP_VECTOR_ADD;
		req.u.vector_add.n = v->n;
		req.data_len = 12 * v->n;
		err = submit(vm, &req, buf, &res);
		if (!err && corrupt_next_add) {
			corrupt_next_add = 0;
			buf[2 * v->n + v->n / 2] += 1.0f;
		}
		if (!err)
			memcpy((void *)(uintptr_t)v->c, buf + 2 * v->n, 4ull * v->n);
		free(buf);
		return err;
	}
	case VGPU_IOC_MEM_SET: {
		const struct vgpu_mem_set *m = arg;

		req.operation = VGPUIF_OP_MEM_SET;
		req.u.memset.dptr = m->dptr;
		req.u.memset.size = m->size;
		req.u.memset.value = m->value;
		req.u.memset.elem_size = (uint8_t)m->elem_size;
		return submit(vm, &req, NULL, &res);
	}
	case VGPU_IOC_MEM_COPY: {
		const struct vgpu_mem_copy *c = arg;

		req.operation = VGPUIF_OP_MEM_COPY;
		req.u.copy.dst = c->dst;
		req.u.copy.src = c->src;
		req.u.copy.size = c->size;
		return submit(vm, &req, NULL, &res);
	}
	case VGPU_IOC_SUBMIT: {
		/* One after another, as a frontend with a window of 1. */
		struct vgpu_submit *b = arg;
		const struct vgpu_submit_op *ops =
			(const void *)(uintptr_t)b->ops;

		if (b->flags || b->count < 1 || b->count > VGPU_SUBMIT_MAX)
			return b->count > VGPU_SUBMIT_MAX ? E2BIG : EINVAL;
		submit_calls++;
		for (b->done = b->issued = 0; b->done < b->count; b->done++) {
			const struct vgpu_submit_op *o = &ops[b->done];

			if (o->reserved || (o->cmd != VGPU_IOC_LAUNCH &&
					    o->cmd != VGPU_IOC_MEM_SET &&
					    o->cmd != VGPU_IOC_MEM_COPY))
				return EINVAL;
			b->issued++;
			err = do_ioctl(vm, o->cmd, (void *)(uintptr_t)o->arg);
			if (err)
				return err;
		}
		return 0;
	}
	default:
		return ENOTTY;
	}
}

/* Replaces libc's ioctl for the whole test binary. */
int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	int dev, err;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	dev = dev_of_fd(fd);
	if (dev < 0 || dev >= NDEV) {
		errno = ENOTTY;
		return -1;
	}
	pthread_mutex_lock(&lock);
	ioctl_calls++;
	err = do_ioctl(&devs[dev], request, arg);
	pthread_mutex_unlock(&lock);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	struct exec_params p = { .mem_budget = 256 << 20, .max_allocs = 1000 };
	char path[64];

	(void)state;
	assert_non_null(mkdtemp(devdir));
	setenv("VGPU_DEV_DIR", devdir, 1);
	assert_int_equal(exec_create(&ex, "cpu", &p), 0);
	for (int i = 0; i < NDEV; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/vgpu%d", devdir, i);
		fd = open(path, O_CREAT | O_RDWR, 0600);
		assert_true(fd >= 0);
		close(fd);
		devs[i].cfg = (struct vgpu_back_vm){
			.domid = (uint16_t)(3 + i), .vm_id = 501 + (uint32_t)i,
			.pool = (uint8_t)i, .priority = (uint8_t)(i ? 2 : 0),
			.mem_quota = i ? 1 << 20 : 0,
		};
		assert_int_equal(ex.ops->vm_attach(&ex, &devs[i]), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	char path[64];

	(void)state;
	for (int i = 0; i < NDEV; i++) {
		ex.ops->vm_detach(&ex, &devs[i]);
		snprintf(path, sizeof(path), "%s/vgpu%d", devdir, i);
		unlink(path);
	}
	exec_destroy(&ex);
	rmdir(devdir);
	return 0;
}

struct output {
	int rc;
	char out[8192];
	char err[8192];
};

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* Runs vgpu-client with a command line, capturing stdout and stderr. */
static struct output *client(const char *cmdline)
{
	static struct output o;
	char *copy = strdup(cmdline), *save, *tok;
	char *argv[16] = { "vgpu-client" };
	int argc = 1, fo = fileno(tmpfile()), fe = fileno(tmpfile());
	int so = dup(1), se = dup(2);

	for (tok = strtok_r(copy, " ", &save); tok && argc < 15;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	fflush(stdout);
	fflush(stderr);
	dup2(fo, 1);
	dup2(fe, 2);
	optind = 0;
	o.rc = vgpu_client_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(fo, o.out, sizeof(o.out));
	slurp(fe, o.err, sizeof(o.err));
	free(copy);
	return &o;
}

static void expect(const char *cmdline, int rc, const char *out, const char *err)
{
	struct output *o = client(cmdline);

	if (o->rc != rc || (out && !strstr(o->out, out)) ||
	    (err && !strstr(o->err, err)))
		fail_msg("'%s': rc %d (want %d)\nstdout: %s\nstderr: %s",
			 cmdline, o->rc, rc, o->out, o->err);
}

static void test_info(void **state)
{
	(void)state;
	expect("info", 0, "pool=A\npriority=high\nvm_id=501\nprotocol_version=1\n"
	       "api_version=3\ndevice_name=cpu\ngpu=0\nmem_total=268435456\n",
	       NULL);
	expect("-d 1 info", 0, "pool=B\npriority=low\nvm_id=502\n", NULL);
	expect("--device 1 info", 0, "mem_quota=1048576\nmem_used=0\n", NULL);
}

static void test_add_and_vecadd(void **state)
{
	(void)state;
	expect("add 3 4", 0, "7\n", NULL);
	expect("add -1.5 0.25", 0, "-1.25\n", NULL);
	expect("vecadd 1000 --seed 7", 0, "vecadd n=1000 ok\n", NULL);
	expect("vecadd --seed 9 1048576", 0, "vecadd n=1048576 ok\n", NULL);
	corrupt_next_add = 1;
	expect("vecadd 100", EXIT_MISMATCH, "vecadd n=100 mismatch i=50 ", NULL);
}

static void test_memtest(void **state)
{
	struct output *o;
	char w[32], r[32];

	(void)state;
	o = client("memtest 20M");	/* more than one ring request */
	assert_int_equal(o->rc, 0);
	assert_int_equal(sscanf(o->out, "memtest bytes=20971520 dptr=%*s written=%31s read=%31s ok",
				w, r), 2);
	assert_string_equal(w, r);
	expect("memtest 1001", 0, " ok\n", NULL);
	/* Device 1 has a 1 MiB quota. */
	expect("-d 1 memtest 2M", EXIT_VGPU, NULL,
	       "mem_alloc: EDQUOT: the VM's GPU memory quota is used up");
	/* Everything allocated was freed again. */
	expect("info", 0, "mem_used=0\n", NULL);
}

static void test_bench_and_stress(void **state)
{
	(void)state;
	expect("bench nop --count 50 --threads 3", 0,
	       "bench op=nop count=50 threads=3 total=150 p50_us=", NULL);
	expect("bench vecadd 1000 --count 5", 0,
	       "bench op=vecadd n=1000 count=5 threads=1 total=5 ", NULL);
	expect("bench memwrite 64K --count 4 --threads 2", 0, " mb_per_s=", NULL);
	expect("stress 30 --threads 4", 0, "stress threads=4 n=30 ops=120 ok\n", NULL);
	expect("stress 5 --threads 2 --size 5000", 0, "ops=10 ok\n", NULL);
	/* --latency: every request but each thread's first (the gate's). */
	expect("stress 20 --threads 3 --latency", 0,
	       "stress threads=3 n=20 ops=60 ok\nlatency samples=57 p50_us=", NULL);
	/* --seconds: N is only the cap; the run ends after about 1 s. */
	expect("stress 100000000 --size 1 --seconds 1", 0,
	       " seconds=1 ops=", NULL);
	expect("-d 1 bench memwrite 2M --count 1", EXIT_VGPU, NULL,
	       "thread 0: mem_alloc: EDQUOT");
}

/* Sends SIGTERM to the process after 300 ms, from a thread that blocks it. */
static void *sigterm_later(void *p)
{
	sigset_t set;

	(void)p;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	usleep(300 * 1000);
	kill(getpid(), SIGTERM);
	return NULL;
}

/* stress --seconds: SIGTERM ends the run early, cleanly (exit 0, figures). */
static void test_stress_stop_signal(void **state)
{
	pthread_t t;
	time_t t0 = time(NULL);

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, sigterm_later, NULL), 0);
	expect("stress 1000000 --size 1 --threads 3 --seconds 60 --latency", 0,
	       " seconds=60 ops=", NULL);
	pthread_join(t, NULL);
	assert_true(time(NULL) - t0 < 30);
	/* The next run is not stopped by the earlier signal. */
	expect("stress 20 --threads 2 --seconds 60", 0,
	       "stress threads=2 n=20 seconds=60 ops=40 ok\n", NULL);
}

static void test_usage_and_errors(void **state)
{
	static const char *const bad[] = {
		"", "frobnicate", "add 3", "add 3 x", "vecadd 0", "vecadd 1048577",
		"vecadd 10 --seed", "memtest 0", "memtest 4x", "bench",
		"bench nop 5", "bench vecadd", "bench memwrite 0",
		"stress 10 --threads 0", "stress 10 --seconds 0", "stress 10 --latency 3",
		"nop --count 0", "-d x info",
		"info extra", "-q info",
	};
	unsigned int before;

	(void)state;
	before = ioctl_calls;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(bad[i], EXIT_USAGE, NULL, NULL);
	/* A usage error never reaches the device. */
	assert_int_equal(ioctl_calls, before);
	expect("-d 7 info", EXIT_VGPU, NULL, "vgpu7: No such file or directory");
	expect("nop", 0, "nop ok\n", NULL);
	expect("--help", 0, "usage: vgpu-client", NULL);
}

static void test_library(void **state)
{
	static const uint32_t one[3] = { 1, 1, 1 };
	char name[VGPU_FUNC_NAME_MAX + 2];	/* one byte over */
	uint64_t h = 0, d = 0;
	uint8_t buf[16] = { 0 };
	int fd = vgpu_open(0);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(vgpu_sync(fd), 0);
	assert_int_equal(vgpu_module_load(fd, "ptx", 4, &h), -EOPNOTSUPP);
	assert_int_equal(vgpu_module_unload(fd, 1), -EOPNOTSUPP);
	assert_int_equal(vgpu_launch(fd, 1, "k", NULL, 0, one, one, 0), -EOPNOTSUPP);
	memset(name, 'k', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(vgpu_launch(fd, 1, name, NULL, 0, one, one, 0), -E2BIG);
	assert_int_equal(vgpu_mem_alloc(fd, 16, &d), 0);
	assert_int_not_equal(d, 0);
	assert_int_equal(vgpu_mem_write(fd, d, buf, 17), -ERANGE);
	assert_int_equal(vgpu_mem_read(fd, d + 4096 * 16, buf, 1), -ENOENT);
	assert_int_equal(vgpu_mem_free(fd, d), 0);
	assert_int_equal(vgpu_mem_free(fd, d), -ENOENT);
	assert_int_equal(vgpu_vector_add(fd, NULL, NULL, NULL, 0), -EINVAL);
	assert_int_equal(vgpu_close(fd), 0);
	assert_int_equal(vgpu_open(9), -ENOENT);
	/* Not a vgpu device. */
	fd = vgpu_open_path("/dev/null");
	assert_true(fd >= 0);
	assert_int_equal(vgpu_nop(fd), -ENOTTY);
	vgpu_close(fd);

	assert_string_equal(vgpu_errname(-EHOSTDOWN), "EHOSTDOWN");
	assert_string_equal(vgpu_errname(EDQUOT), "EDQUOT");
	assert_string_equal(vgpu_errname(-ENOMEDIUM), "ENOMEDIUM");
	assert_string_equal(vgpu_strerror(-EHOSTDOWN),
			    "the host's worker is not running or exited; retry later");
	assert_string_equal(vgpu_strerror(EBUSY),
			    "over the VM's in-flight request limit; retry when one completes");
	assert_string_equal(vgpu_strerror(ENODEV),
			    "the device was removed (hot-unplugged); close the file");
	assert_string_equal(vgpu_errname(-EXDEV), "E?");
	assert_string_equal(vgpu_strerror(-EXDEV), strerror(EXDEV));
}

/* vgpu_submit: one ioctl carries the batch; done and issued come back. */
static void test_library_submit(void **state)
{
	struct vgpu_mem_set set[3];
	struct vgpu_mem_copy cp;
	struct vgpu_submit_op ops[4];
	uint8_t buf[64], want[64];
	uint32_t done = 99, issued = 99;
	unsigned int calls;
	uint64_t d = 0;
	int fd = vgpu_open(0);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(vgpu_mem_alloc(fd, sizeof(buf), &d), 0);
	for (int i = 0; i < 3; i++) {
		set[i] = (struct vgpu_mem_set){ .dptr = d + 16 * (uint64_t)i,
						.size = 16, .value = 0x11u * (uint32_t)(i + 1),
						.elem_size = 1 };
		ops[i] = (struct vgpu_submit_op){ .cmd = VGPU_IOC_MEM_SET,
						  .arg = (uintptr_t)&set[i] };
	}
	cp = (struct vgpu_mem_copy){ .dst = d + 48, .src = d, .size = 16 };
	ops[3] = (struct vgpu_submit_op){ .cmd = VGPU_IOC_MEM_COPY,
					  .arg = (uintptr_t)&cp };
	calls = ioctl_calls;
	assert_int_equal(vgpu_submit(fd, ops, 4, &done, &issued), 0);
	assert_int_equal(ioctl_calls - calls, 1);
	assert_int_equal(done, 4);
	assert_int_equal(issued, 4);
	assert_int_equal(vgpu_mem_read(fd, d, buf, sizeof(buf)), 0);
	memset(want, 0x11, 16);
	memset(want + 16, 0x22, 16);
	memset(want + 32, 0x33, 16);
	memset(want + 48, 0x11, 16);
	assert_memory_equal(buf, want, sizeof(buf));

	/* A bad address in the middle: its error, where it stopped. */
	set[1].dptr = d + 4096 * 16;
	/* cppcheck-suppress unreadVariable ; the driver reads it via ops[2] */
	set[2].value = 0x44;
	assert_int_equal(vgpu_submit(fd, ops, 3, &done, &issued), -ENOENT);
	assert_int_equal(done, 1);
	assert_int_equal(issued, 2);
	assert_int_equal(vgpu_mem_read(fd, d + 32, buf, 16), 0);
	assert_int_equal(buf[0], 0x33);	/* the element after it did not run */
	/* The counts are optional; the driver's limits come back. */
	assert_int_equal(vgpu_submit(fd, ops, 0, NULL, NULL), -EINVAL);
	assert_int_equal(vgpu_submit(fd, ops, VGPU_SUBMIT_MAX + 1, NULL, NULL),
			 -E2BIG);
	assert_int_equal(vgpu_mem_free(fd, d), 0);
	assert_int_equal(vgpu_close(fd), 0);
	/* A device without it: ENOTTY, nothing counted. */
	fd = vgpu_open_path("/dev/null");
	assert_true(fd >= 0);
	done = issued = 7;
	assert_int_equal(vgpu_submit(fd, ops, 1, &done, &issued), -ENOTTY);
	assert_int_equal(done, 0);
	assert_int_equal(issued, 0);
	vgpu_close(fd);
	assert_true(submit_calls >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_add_and_vecadd),
		cmocka_unit_test(test_memtest),
		cmocka_unit_test(test_bench_and_stress),
		cmocka_unit_test(test_stress_stop_signal),
		cmocka_unit_test(test_usage_and_errors),
		cmocka_unit_test(test_library),
		cmocka_unit_test(test_library_submit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
