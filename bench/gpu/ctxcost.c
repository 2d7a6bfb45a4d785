// SPDX-License-Identifier: MIT
/*
 * vgpu-gpu-ctxcost: what one executor's CUDA context costs in GPU memory
 * and start-up time, and what the context's limits change (issue: the
 * per-VM cost). Runs K holder processes (this program again, "hold")
 * that each bring up a context as vgpu-cuda-exec does (primary context,
 * three prioritised streams, the vector-add module) with the given
 * limits, and measures the device's free memory before and after they
 * are all up. Prints "key=value" lines per configuration.
 *
 *   vgpu-gpu-ctxcost [K [MPS_CONTROL]]   every configuration, K holders;
 *                                        with MPS_CONTROL also K MPS clients
 *                                        of a private MPS daemon
 *   vgpu-gpu-ctxcost hold STACK PRINTF HEAP   (internal) one holder; 0 keeps
 *                                        the driver's default
 *
 * Under MPS the server's own context comes up with the first client and
 * the parent cannot see the device without joining; there the holders
 * report the device's free memory once up, and the figure is the cost of
 * each client after the first (the server's context is paid once).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cuda.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cuda_check.h"
#include "mps.h"

static const char empty_ptx[] =
	".version 7.0\n.target sm_75\n.address_size 64\n"
	".visible .entry empty()\n{\nret;\n}\n";

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int hold(size_t stack, size_t fifo, size_t heap)
{
	double t0 = now_ms();
	CUdevice dev;
	CUcontext ctx;
	CUmodule mod;
	CUfunction f;
	CUstream s[3];
	size_t free_b = 0, total = 0;
	char c;

	CK(cuInit(0));
	CK(cuDeviceGet(&dev, 0));
	CK(cuDevicePrimaryCtxRetain(&ctx, dev));
	CK(cuCtxSetCurrent(ctx));
	if (stack)
		CK(cuCtxSetLimit(CU_LIMIT_STACK_SIZE, stack));
	if (fifo)
		CK(cuCtxSetLimit(CU_LIMIT_PRINTF_FIFO_SIZE, fifo));
	if (heap)
		CK(cuCtxSetLimit(CU_LIMIT_MALLOC_HEAP_SIZE, heap));
	for (int i = 0; i < 3; i++)
		CK(cuStreamCreateWithPriority(&s[i], CU_STREAM_NON_BLOCKING, -i));
	CK(cuModuleLoadData(&mod, empty_ptx));
	CK(cuModuleGetFunction(&f, mod, "empty"));
	CK(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, s[0], NULL, NULL));
	CK(cuCtxSynchronize());
	CK(cuMemGetInfo(&free_b, &total));
	printf("ready %.1f %zu\n", now_ms() - t0, free_b);
	fflush(stdout);
	/* Holds the context until the parent closes the pipe. */
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

static size_t free_now(void)
{
	size_t f = 0, t = 0;

	CK(cuMemGetInfo(&f, &t));
	return f;
}

struct conf {
	const char *name;
	size_t stack, fifo, heap;
	const char *loading;	/* CUDA_MODULE_LOADING */
	const char *env, *value;	/* one more variable for the holders, or NULL */
};

struct holder {
	pid_t pid;
	int in;		/* its stdin: closing it ends the holder */
	FILE *out;
};

static void spawn(struct holder *h, const char *self, const struct conf *c)
{
	int in[2], out[2];
	char a[3][24];

	snprintf(a[0], sizeof(a[0]), "%zu", c->stack);
	snprintf(a[1], sizeof(a[1]), "%zu", c->fifo);
	snprintf(a[2], sizeof(a[2]), "%zu", c->heap);
	/* Close-on-exec: a later holder must not keep this one's stdin open. */
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		exit(1);
	h->pid = fork();
	if (h->pid < 0)
		exit(1);
	if (!h->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(self, self, "hold", a[0], a[1], a[2], (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	h->in = in[1];
	h->out = fdopen(out[0], "r");
}

/* Starts holder @i and reads its "ready MS FREE"; 0 or -1. */
static int bring_up(struct holder *h, const char *self, const struct conf *c,
		    double *ms, size_t *free_b)
{
	spawn(h, self, c);
	return h->out && fscanf(h->out, "ready %lf %zu", ms, free_b) == 2 ? 0 : -1;
}

/*
 * @k holders brought up one after the other. Without MPS the parent
 * reads the device's free memory before and after; under MPS (@mps) the
 * holders' own readings give the cost of the clients after the first.
 */
static void measure(const char *self, const struct conf *c, int k, int mps)
{
	struct holder h[16];
	size_t f0 = 0, f1 = 0, first = 0, fr = 0;
	double ms = 0, most = 0, t = 0, per;

	setenv("CUDA_MODULE_LOADING", c->loading, 1);
	if (c->env)
		setenv(c->env, c->value, 1);
	if (!mps)
		f0 = free_now();
	for (int i = 0; i < k; i++) {
		if (bring_up(&h[i], self, c, &t, &fr)) {
			fprintf(stderr, "ctxcost: holder %d of %s did not come up\n", i,
				c->name);
			exit(1);
		}
		if (i == 0)
			first = fr;
		ms += t;
		if (t > most)
			most = t;
	}
	if (!mps)
		f1 = free_now();
	for (int i = 0; i < k; i++) {
		close(h[i].in);
		fclose(h[i].out);
		waitpid(h[i].pid, NULL, 0);
	}
	if (c->env)
		unsetenv(c->env);
	if (mps)
		per = k > 1 ? ((double)first - (double)fr) / (k - 1) : 0;
	else
		per = ((double)f0 - (double)f1) / k;
	printf("ctx_%s_mib=%.0f\nctx_%s_start_ms=%.0f\nctx_%s_start_max_ms=%.0f\n",
	       c->name, per / (1 << 20), c->name, ms / k, c->name, most);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct conf confs[] = {
		{ "default", 0, 0, 0, "EAGER", NULL, NULL },
		{ "lazy", 0, 0, 0, "LAZY", NULL, NULL },
		{ "stack_256", 256, 0, 0, "EAGER", NULL, NULL },
		{ "stack_16", 16, 0, 0, "EAGER", NULL, NULL },
		{ "printf_64k", 0, 64 << 10, 0, "EAGER", NULL, NULL },
		{ "heap_64k", 0, 0, 64 << 10, "EAGER", NULL, NULL },
		{ "all_small", 256, 64 << 10, 64 << 10, "EAGER", NULL, NULL },
		{ "all_small_lazy", 256, 64 << 10, 64 << 10, "LAZY", NULL, NULL },
		{ "stack_256_connections_1", 256, 0, 0, "EAGER",
		  "CUDA_DEVICE_MAX_CONNECTIONS", "1" },
	};
	static const struct conf mps_confs[] = {
		{ "mps_default", 0, 0, 0, "EAGER", NULL, NULL },
		{ "mps_stack_256", 256, 0, 0, "EAGER", NULL, NULL },
	};
	struct mps mps;
	CUdevice dev;
	CUcontext ctx;
	int k = argc > 1 && strcmp(argv[1], "hold") ? atoi(argv[1]) : 4;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (argc == 5 && !strcmp(argv[1], "hold"))
		return hold(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10),
			    strtoull(argv[4], NULL, 10));
	if (k < 1 || k > 16) {
		fprintf(stderr, "usage: vgpu-gpu-ctxcost [K (1..16) [MPS_CONTROL]]\n");
		return 2;
	}
	self[n > 0 ? n : 0] = '\0';
	CK(cuInit(0));
	CK(cuDeviceGet(&dev, 0));
	CK(cuDevicePrimaryCtxRetain(&ctx, dev));
	CK(cuCtxSetCurrent(ctx));
	printf("ctx_holders=%d\n", k);
	for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]); i++)
		measure(self, &confs[i], k, 0);
	if (argc < 3)
		return 0;
	/* The parent's context would be no MPS client: let it go first. */
	CK(cuDevicePrimaryCtxRelease(dev));
	if (mps_start(&mps, argv[2]))
		return 1;
	for (size_t i = 0; i < sizeof(mps_confs) / sizeof(mps_confs[0]); i++)
		measure(self, &mps_confs[i], k, 1);
	mps_stop(&mps);
	return 0;
}
