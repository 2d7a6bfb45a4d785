// SPDX-License-Identifier: MIT
/*
 * vgpu-gpu-test: the CUDA executor on a real GPU, through the real worker
 * fed by the simulated backend (harness.h). Tests:
 *   ops        every protocol operation, results checked
 *   eight_vms  8 VMs at once, mixed work, every result checked
 *   faults     8 VMs; one launches a kernel that writes an illegal address
 *              (FAULT), one an endless kernel (TIMEOUT); the others stay
 *              correct and keep being served; both come back fresh
 *   guard      the executor runs with no_new_privs, a seccomp filter and
 *              (when this runs as root) not as root; a module's globals
 *              and its kernels' local memory are charged to mem-quota; an
 *              address from before a restart is refused in the next process
 *   gpu_lost   8 VMs under load; the whole GPU is lost (fake: the device's
 *              injection; real GPU: every executor process killed at once)
 *              and comes back: requests get DEVICE_LOST, none hangs, no
 *              wrong result, the VMs are served again, nothing reconnected
 *   ops2       MEM_SET, MEM_COPY, MODULE_GET_GLOBAL (a kernel reads the
 *              global written through it), DEVICE_ATTRS, FUNC_ATTRS,
 *              EVENT_RECORD's GPU time of a kernel (gpu_test_ops2.c)
 * Prints "gpu-test: NAME: ok|FAIL ..." per test and, last,
 * "gpu-test: N passed, N failed". Exit status 0 only if all passed.
 *
 *   vgpu-gpu-test [--fake] [--lost-by-kill] [--kernels DIR] [--cuda-exec PATH]
 *                 [--turn-quota N] [--exec-user NAME]
 *                 [--exec-seccomp kill|log|off] [TEST...]
 *
 * --turn-quota: the worker's turn-quota (one VM on the GPU at a time).
 * --lost-by-kill: gpu_lost kills the executor processes, as it does on a
 * real GPU, also with --fake (where it injects a device loss otherwise).
 * --exec-user, --exec-seccomp: the worker's keys of those names (default,
 * as the worker's: run as root, the executors switch to vgpu-exec or
 * nobody under a seccomp filter that kills).
 *
 * --fake runs the executor processes on the host-memory device (this
 * program started again with --fake-child): no GPU needed; kernels by the
 * same names. --kernels: where kernels.{ptx,cubin,fatbin} are (default:
 * beside this program).
 *
 * Over 700 lines on purpose: the tests share the harness set-up, the
 * kernels' loading and the checked-result helpers in this file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "tests/gpu/gpu_test.h"
#include "tests/sim/harness.h"

extern const struct cx_dev_ops cx_fake_ops;

#define NVM		8
#define MiB		(1u << 20)

struct gpu_test T;

static uint64_t now_ns(void)
{
	return simbe_now_ns();
}

/* Records the first failure of a test. */
void fail(const char *fmt, ...)
{
	va_list ap;

	if (!T.failed_checks++) {
		va_start(ap, fmt);
		vsnprintf(T.why, sizeof(T.why), fmt, ap);
		va_end(ap);
	}
}

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s >> 16);
}

static void fill_bytes(struct rng *r, void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd(r);
}

/* The worker with @spare spare executor processes (exec-spare; <0: its default). */
static void start_spare(struct harness *h, uint32_t timeout_ms, int spare)
{
	h_defaults(h, T.fake, T.cuda_exec, T.self_dir);
	if (spare >= 0)
		h->cfg.exec_spare = (uint32_t)spare;
	h->cfg.request_timeout_ms = timeout_ms;
	h->cfg.log_level = VLOG_INFO;
	h->cfg.turn_quota = T.turn_quota;
	if (T.exec_user)
		snprintf(h->cfg.exec_user, sizeof(h->cfg.exec_user), "%s",
			 T.exec_user);
	if (T.exec_seccomp)
		snprintf(h->cfg.exec_seccomp, sizeof(h->cfg.exec_seccomp), "%s",
			 T.exec_seccomp);
	if (h_start(h)) {
		fprintf(stderr, "gpu-test: cannot start the worker with the CUDA executor\n");
		exit(2);
	}
}

void start(struct harness *h, uint32_t timeout_ms)
{
	start_spare(h, timeout_ms, -1);
}

/* One vector add of n random elements, checked. 1 if right. */
static int vadd_checked(struct gvm *v, struct rng *r, float *buf, uint32_t n)
{
	int32_t st;

	for (uint32_t i = 0; i < 2 * n; i++)
		buf[i] = (float)(rnd(r) % 100000) * 0.25f;
	for (uint32_t i = 0; i < n; i++)
		buf[2 * n + i] = -7.0f;	/* poison: every element must be written */
	st = g_vadd(v, buf, n);
	if (st != VGPUIF_RSP_OKAY) {
		fail("vm %u: vector_add n=%u -> %s", v->cfg.domid, n, h_status(st));
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (buf[2 * n + i] != buf[i] + buf[n + i]) {
			fail("vm %u: vector_add n=%u: c[%u] = %g, expected %g",
			     v->cfg.domid, n, i, (double)buf[2 * n + i],
			     (double)(buf[i] + buf[n + i]));
			return 0;
		}
	}
	return 1;
}

/* fill32 through module @mod on a fresh buffer, read back. 1 if right. */
static int fill_checked(struct gvm *v, uint64_t mod, struct rng *r, uint32_t n)
{
	uint32_t *out = malloc(4ull * n), val = rnd(r);
	uint8_t p[16];
	uint64_t d = 0;
	int ok = 0;

	if (!out)
		return 0;
	if (g_alloc(v, 4ull * n + 64, &d) != VGPUIF_RSP_OKAY) {
		fail("vm %u: alloc for fill32 failed", v->cfg.domid);
		goto out;
	}
	memcpy(p, &d, 8);
	memcpy(p + 8, &val, 4);
	memcpy(p + 12, &n, 4);
	if (g_launch(v, mod, "fill32", (n + 255) / 256, 256, p, 16) != VGPUIF_RSP_OKAY ||
	    g_read(v, d, out, 4 * n) != VGPUIF_RSP_OKAY) {
		fail("vm %u: fill32 launch or read failed", v->cfg.domid);
		goto out;
	}
	ok = 1;
	for (uint32_t i = 0; i < n; i++) {
		if (out[i] != val) {
			fail("vm %u: fill32: [%u] = %#x, expected %#x", v->cfg.domid,
			     i, out[i], val);
			ok = 0;
			break;
		}
	}
	if (g_free(v, d) != VGPUIF_RSP_OKAY) {
		fail("vm %u: free after fill32 failed", v->cfg.domid);
		ok = 0;
	}
out:
	free(out);
	return ok;
}

uint64_t load_main_module(struct gvm *v)
{
	uint64_t mod = 0;
	static const char fake[] = "FAKEMOD";

	if (T.fake)
		EXPECT_ST(g_load(v, fake, sizeof(fake) - 1, &mod), VGPUIF_RSP_OKAY);
	else
		EXPECT_ST(g_load(v, T.img[0], T.img_len[0], &mod), VGPUIF_RSP_OKAY);
	return mod;
}

/* ---- ops ---- */

static void test_ops(void)
{
	struct harness h;
	struct gvm v;
	struct vgpuif_info info;
	struct rng r = { 0x1234567 };
	uint8_t small_in[3000], small_out[3000];
	uint8_t *big_in, *big_out;
	uint32_t big = VGPUIF_MAX_DATA_LEN;
	uint64_t d = 0, d2 = 0, mod = 0;
	float *vb;
	static const char garbage[] = "this is not a module";

	start(&h, 10000);
	h_vm(&h, &v, 1, VGPUIF_PRIO_MEDIUM, 0);

	memset(&info, 0, sizeof(info));
	EXPECT_ST(g_info(&v, &info), VGPUIF_RSP_OKAY);
	EXPECT(info.flags & VGPUIF_INFO_F_GPU, "GET_INFO: no GPU flag");
	EXPECT(info.mem_total > 0 && info.mem_free > 0 &&
	       info.mem_free <= info.mem_total, "GET_INFO: memory %llu/%llu",
	       (unsigned long long)info.mem_free,
	       (unsigned long long)info.mem_total);
	EXPECT(info.device_name[0], "GET_INFO: no device name");
	EXPECT(info.vm_id == 1001 && info.protocol_version == VGPUIF_PROTOCOL_VERSION,
	       "GET_INFO: vm_id %u", info.vm_id);
	printf("gpu-test: ops: device '%s', %llu MiB total, %llu MiB free\n",
	       info.device_name, (unsigned long long)(info.mem_total >> 20),
	       (unsigned long long)(info.mem_free >> 20));

	/* Memory: zeroed, small and largest copies, ranges, handles. */
	EXPECT_ST(g_alloc(&v, big + 4096, &d), VGPUIF_RSP_OKAY);
	memset(small_out, 0xa5, sizeof(small_out));
	EXPECT_ST(g_read(&v, d + 50, small_out, sizeof(small_out)), VGPUIF_RSP_OKAY);
	for (size_t i = 0; i < sizeof(small_out); i++)
		if (small_out[i]) {
			fail("fresh allocation not zero at %zu", i);
			break;
		}
	fill_bytes(&r, small_in, sizeof(small_in));
	EXPECT_ST(g_write(&v, d + 100, small_in, sizeof(small_in)), VGPUIF_RSP_OKAY);
	EXPECT_ST(g_read(&v, d + 100, small_out, sizeof(small_out)), VGPUIF_RSP_OKAY);
	EXPECT(!memcmp(small_in, small_out, sizeof(small_in)), "small copy differs");
	big_in = malloc(big);
	big_out = malloc(big);
	if (!big_in || !big_out)
		exit(2);
	fill_bytes(&r, big_in, big);
	EXPECT_ST(g_write(&v, d + 4096, big_in, big), VGPUIF_RSP_OKAY);
	memset(big_out, 0, big);
	EXPECT_ST(g_read(&v, d + 4096, big_out, big), VGPUIF_RSP_OKAY);
	EXPECT(!memcmp(big_in, big_out, big), "16 MiB copy differs");
	EXPECT_ST(g_write(&v, d + 4097, big_in, big), VGPUIF_RSP_RANGE);
	EXPECT_ST(g_read(&v, 0x1234, small_out, 4), VGPUIF_RSP_BAD_HANDLE);
	EXPECT_ST(g_free(&v, d + 8), VGPUIF_RSP_BAD_HANDLE);

	/* Quota (a CONFIG event), then the device's own limit. */
	v.cfg.mem_quota = big + 4096 + MiB;
	h_vm_config(&v);
	EXPECT_ST(g_alloc(&v, 2 * MiB, &d2), VGPUIF_RSP_QUOTA);
	EXPECT_ST(g_alloc(&v, MiB, &d2), VGPUIF_RSP_OKAY);
	EXPECT_ST(g_alloc(&v, 4096, NULL), VGPUIF_RSP_QUOTA);
	EXPECT_ST(g_free(&v, d2), VGPUIF_RSP_OKAY);
	EXPECT_ST(g_free(&v, d2), VGPUIF_RSP_BAD_HANDLE);
	memset(&info, 0, sizeof(info));
	EXPECT_ST(g_info(&v, &info), VGPUIF_RSP_OKAY);
	EXPECT(info.mem_used == big + 4096 && info.mem_quota == v.cfg.mem_quota,
	       "GET_INFO: used %llu quota %llu", (unsigned long long)info.mem_used,
	       (unsigned long long)info.mem_quota);
	v.cfg.mem_quota = 0;
	h_vm_config(&v);
	EXPECT_ST(g_alloc(&v, 1ull << 40, NULL), VGPUIF_RSP_NO_MEMORY);

	/* Modules in every format, launches. */
	for (int i = 0; i < (T.fake ? 1 : T.nimg); i++) {
		uint64_t m = 0;

		if (T.fake)
			m = load_main_module(&v);
		else
			EXPECT_ST(g_load(&v, T.img[i], T.img_len[i], &m), VGPUIF_RSP_OKAY);
		if (!fill_checked(&v, m, &r, 100000))
			fail("fill32 through the %s module", T.fake ? "fake" : T.img_name[i]);
		EXPECT_ST(g_unload(&v, m), VGPUIF_RSP_OKAY);
		EXPECT_ST(g_unload(&v, m), VGPUIF_RSP_BAD_HANDLE);
	}
	mod = load_main_module(&v);
	EXPECT_ST(g_launch(&v, mod, "no_such_kernel", 1, 1, NULL, 0),
		  VGPUIF_RSP_NOT_FOUND);
	EXPECT_ST(g_launch(&v, mod + 1000, "fill32", 1, 1, NULL, 0),
		  VGPUIF_RSP_BAD_HANDLE);
	EXPECT_ST(g_load(&v, garbage, sizeof(garbage) - 1, NULL), VGPUIF_RSP_INVALID);
	if (!T.fake) {
		/* Parameter layout, and a vector add on device buffers. */
		uint8_t p[32] = { 0 };
		uint64_t out[3] = { 0 }, dout = 0;
		double dv = 3.25;
		int32_t iv = -77;
		uint32_t n = 1u << 20;

		EXPECT_ST(g_alloc(&v, 24, &dout), VGPUIF_RSP_OKAY);
		p[0] = 0xab;
		memcpy(p + 8, &dv, 8);
		memcpy(p + 16, &iv, 4);
		memcpy(p + 24, &dout, 8);
		EXPECT_ST(g_launch(&v, mod, "params_probe", 1, 1, p, 32), VGPUIF_RSP_OKAY);
		EXPECT_ST(g_read(&v, dout, out, 24), VGPUIF_RSP_OKAY);
		EXPECT(out[0] == 0xab && !memcmp(&out[1], &dv, 8) &&
		       out[2] == (uint32_t)iv, "params_probe: %llx %llx %llx",
		       (unsigned long long)out[0], (unsigned long long)out[1],
		       (unsigned long long)out[2]);
		{
			float *x = malloc(4ull * n), *y = malloc(4ull * n);
			uint8_t q[28];

			if (!x || !y)
				exit(2);
			for (uint32_t i = 0; i < n; i++)
				x[i] = (float)(rnd(&r) % 1000);
			EXPECT_ST(g_write(&v, d, x, 4 * n), VGPUIF_RSP_OKAY);
			memcpy(q, &d, 8);
			memcpy(q + 8, &d, 8);
			memcpy(q + 16, &d, 8);
			memcpy(q + 24, &n, 4);
			EXPECT_ST(g_launch(&v, mod, "vadd", n / 256, 256, q, 28),
				  VGPUIF_RSP_OKAY);
			EXPECT_ST(g_sync(&v), VGPUIF_RSP_OKAY);
			EXPECT_ST(g_read(&v, d, y, 4 * n), VGPUIF_RSP_OKAY);
			for (uint32_t i = 0; i < n; i++)
				if (y[i] != 2 * x[i]) {
					fail("launched vadd: [%u] = %g", i, (double)y[i]);
					break;
				}
			free(x);
			free(y);
		}
	}
	EXPECT_ST(g_sync(&v), VGPUIF_RSP_OKAY);

	/* The built-in vector add, smallest to largest. */
	vb = malloc(12ull * VGPUIF_VECTOR_ADD_MAX);
	if (!vb)
		exit(2);
	{
		static const uint32_t ns[] = { 1, 1000, 4096, 65537, VGPUIF_VECTOR_ADD_MAX };

		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
			vadd_checked(&v, &r, vb, ns[i]);
	}
	free(vb);
	EXPECT_ST(g_call(&v, VGPUIF_OP_NOP, NULL, NULL, 0, NULL), VGPUIF_RSP_OKAY);
	EXPECT_ST(g_unload(&v, mod), VGPUIF_RSP_OKAY);
	EXPECT_ST(g_free(&v, d), VGPUIF_RSP_OKAY);
	free(big_in);
	free(big_out);
	h_stop(&h);
}

/* ---- eight VMs ---- */

struct vm_job {
	struct gvm v;
	pthread_t thr;
	int iters;
	_Atomic int *stop;	/* run until set, when not NULL */
	uint64_t ops, errors;
	uint64_t mod;
};

static void *vm_work(void *arg)
{
	struct vm_job *j = arg;
	struct rng r = { 0x9e3779b97f4a7c15ull ^ j->v.cfg.domid };
	float *buf = malloc(12ull * 65536);

	if (!buf)
		return NULL;
	j->mod = load_main_module(&j->v);
	for (int i = 0; j->stop ? !atomic_load(j->stop) : i < j->iters; i++) {
		uint32_t n = 1 + rnd(&r) % 65536;

		if (!vadd_checked(&j->v, &r, buf, n))
			j->errors++;
		j->ops++;
		if (i % 8 == 7) {
			if (!fill_checked(&j->v, j->mod, &r, 1 + rnd(&r) % 200000))
				j->errors++;
			j->ops += 4;
		}
	}
	free(buf);
	return NULL;
}

static void test_eight_vms(void)
{
	struct harness h;
	struct vm_job j[NVM];
	uint64_t ops = 0, errors = 0, t0;

	start(&h, 10000);
	memset(j, 0, sizeof(j));
	for (int i = 0; i < NVM; i++) {
		h_vm(&h, &j[i].v, (uint16_t)(10 + i), (uint8_t)(i % 3), 0);
		j[i].iters = 300;
	}
	t0 = now_ns();
	for (int i = 0; i < NVM; i++)
		pthread_create(&j[i].thr, NULL, vm_work, &j[i]);
	for (int i = 0; i < NVM; i++) {
		pthread_join(j[i].thr, NULL);
		ops += j[i].ops;
		errors += j[i].errors;
	}
	EXPECT(!errors, "%llu wrong results", (unsigned long long)errors);
	printf("gpu-test: eight_vms: %llu requests from 8 VMs in %.2f s, %llu wrong\n",
	       (unsigned long long)ops, (double)(now_ns() - t0) / 1e9,
	       (unsigned long long)errors);
	h_stop(&h);
}

/* ---- pipeline: many requests of a VM in flight ---- */

#define BURST	16

struct burst_job {
	struct gvm v;
	pthread_t thr;
	int rounds;
	uint64_t ops, errors;
};

/*
 * Bursts of BURST requests submitted at once, completed in order: small
 * vector adds (inline, zero-copy on the GPU), writes, a fill32 launch,
 * SYNC, reads of what was written; one large write and read (slotted) in
 * some bursts. Checks every status and every byte.
 */
static void *burst_work(void *arg)
{
	struct burst_job *j = arg;
	struct rng r = { 0xabcdef12345ull ^ j->v.cfg.domid };
	uint64_t mod = load_main_module(&j->v), d = 0;
	struct simreq q[BURST];
	float *vb[BURST];
	uint8_t *wbuf = malloc(MiB), *rbuf = malloc(MiB), blob[64], p[16];
	uint32_t fillv, big = 300 * 1024;

	for (int i = 0; i < BURST; i++)
		vb[i] = malloc(12 * 5000);
	if (!wbuf || !rbuf || g_alloc(&j->v, MiB, &d) != VGPUIF_RSP_OKAY) {
		fail("vm %u: burst setup", j->v.cfg.domid);
		return NULL;
	}
	for (int round = 0; round < j->rounds; round++) {
		int with_big = round % 4 == 3;
		uint32_t wlen = with_big ? big : 1 + rnd(&r) % 4000;
		uint32_t nfill = 1000;

		fill_bytes(&r, wbuf, wlen);
		fillv = rnd(&r);
		memcpy(p, &d, 8);
		memcpy(p + 8, &fillv, 4);
		memcpy(p + 12, &nfill, 4);
		for (int i = 0; i < BURST; i++) {
			q[i] = (struct simreq){ .vm = j->v.cfg };
			if (i == 3) {		/* write at offset 64K */
				q[i].buf = wbuf;
				q[i].req.operation = VGPUIF_OP_MEM_WRITE;
				q[i].req.data_len = wlen;
				q[i].req.u.mem.dptr = d + 65536;
			} else if (i == 6) {	/* fill [0, 4000) */
				g_launch_req(&q[i], blob, mod, "fill32",
					     (nfill + 255) / 256, 256, p, 16);
			} else if (i == 9) {
				q[i].req.operation = VGPUIF_OP_SYNC;
			} else if (i == 12) {	/* read both back */
				q[i].buf = rbuf;
				q[i].req.operation = VGPUIF_OP_MEM_READ;
				q[i].req.data_len = 65536 + wlen;
				q[i].req.u.mem.dptr = d;
			} else {
				uint32_t n = 1 + rnd(&r) % 5000;

				for (uint32_t k = 0; k < 2 * n; k++)
					vb[i][k] = (float)(rnd(&r) % 4096);
				for (uint32_t k = 0; k < n; k++)
					vb[i][2 * n + k] = -3.0f;
				q[i].buf = vb[i];
				q[i].req.operation = VGPUIF_OP_VECTOR_ADD;
				q[i].req.data_len = 12 * n;
				q[i].req.u.vector_add.n = n;
			}
			simbe_submit(&j->v.h->tp, &q[i]);
		}
		for (int i = 0; i < BURST; i++) {
			int32_t st = simbe_wait(&q[i], j->v.spin_ns);

			j->ops++;
			if (st != VGPUIF_RSP_OKAY) {
				fail("vm %u burst %d req %d: %s", j->v.cfg.domid,
				     round, i, h_status(st));
				j->errors++;
				continue;
			}
			/* In order: every earlier one is done too. */
			for (int k = 0; k < i; k++)
				if (!simbe_done(&q[k]) ||
				    q[k].t_complete > q[i].t_complete) {
					fail("vm %u: request %d completed before %d",
					     j->v.cfg.domid, i, k);
					j->errors++;
				}
			if (q[i].req.operation == VGPUIF_OP_VECTOR_ADD) {
				uint32_t n = q[i].req.u.vector_add.n;

				for (uint32_t k = 0; k < n; k++)
					if (vb[i][2 * n + k] != vb[i][k] + vb[i][n + k]) {
						fail("vm %u: burst add wrong at %u",
						     j->v.cfg.domid, k);
						j->errors++;
						break;
					}
			}
		}
		for (uint32_t k = 0; k < nfill; k++) {
			uint32_t x;

			memcpy(&x, rbuf + 4 * k, 4);
			if (x != fillv) {
				fail("vm %u: fill32 in a burst: [%u] = %#x", j->v.cfg.domid,
				     k, x);
				j->errors++;
				break;
			}
		}
		if (memcmp(rbuf + 65536, wbuf, wlen)) {
			fail("vm %u: write/read in a burst differ (%u bytes)",
			     j->v.cfg.domid, wlen);
			j->errors++;
		}
	}
	for (int i = 0; i < BURST; i++)
		free(vb[i]);
	free(wbuf);
	free(rbuf);
	return NULL;
}

static void test_pipeline(void)
{
	struct harness h;
	struct burst_job j[NVM];
	uint64_t ops = 0, errors = 0, t0;

	start(&h, 10000);
	memset(j, 0, sizeof(j));
	for (int i = 0; i < NVM; i++) {
		h_vm(&h, &j[i].v, (uint16_t)(40 + i), (uint8_t)(i % 3), 0);
		j[i].rounds = 40;
		j[i].v.spin_ns = 20000;
	}
	t0 = now_ns();
	for (int i = 0; i < NVM; i++)
		pthread_create(&j[i].thr, NULL, burst_work, &j[i]);
	for (int i = 0; i < NVM; i++) {
		pthread_join(j[i].thr, NULL);
		ops += j[i].ops;
		errors += j[i].errors;
	}
	printf("gpu-test: pipeline: %llu requests from 8 VMs in bursts of %d in %.2f s, %llu wrong\n",
	       (unsigned long long)ops, BURST, (double)(now_ns() - t0) / 1e9,
	       (unsigned long long)errors);

	/* A fault inside a burst: what follows it fails with it, then fresh. */
	{
		struct gvm *v = &j[0].v;
		uint64_t mod = load_main_module(v);
		struct simreq q[5];
		float buf[5][3 * 64];
		uint8_t blob[64];
		static const int32_t want[5] = {
			VGPUIF_RSP_OKAY, VGPUIF_RSP_OKAY, VGPUIF_RSP_FAULT,
			VGPUIF_RSP_FAULT, VGPUIF_RSP_FAULT,
		};
		struct rng r = { 99 };

		for (int i = 0; i < 5; i++) {
			q[i] = (struct simreq){ .vm = v->cfg };
			if (i == 1) {
				g_launch_req(&q[i], blob, mod, "fault", 1, 1, NULL, 0);
			} else if (i == 3) {
				q[i].req.operation = VGPUIF_OP_SYNC;
			} else {
				memset(buf[i], 0, sizeof(buf[i]));
				q[i].buf = buf[i];
				q[i].req.operation = VGPUIF_OP_VECTOR_ADD;
				q[i].req.data_len = sizeof(buf[i]);
				q[i].req.u.vector_add.n = 64;
			}
			simbe_submit(&h.tp, &q[i]);
		}
		/*
		 * Request 2, the first after the launch, always reports the
		 * fault. 3 and 4 report it too when they were in the process
		 * with it; when the worker's own SYNC after the launch found
		 * the fault first (nothing else of the VM's was in the process
		 * then), they run on the fresh context (cuda-executor.md).
		 */
		for (int i = 0; i < 5; i++) {
			int32_t st = simbe_wait(&q[i], v->spin_ns);
			int ok = st == want[i] ||
				 (i > 2 && st == VGPUIF_RSP_OKAY);

			EXPECT(ok, "fault in a burst: request %d: %s, expected %s",
			       i, h_status(st), h_status(want[i]));
		}
		if (!vadd_checked(v, &r, buf[0], 64))
			fail("no fresh context after a fault in a burst");
		printf("gpu-test: pipeline: a fault inside a burst: %s %s %s %s %s\n",
		       h_status(q[0].status), h_status(q[1].status),
		       h_status(q[2].status), h_status(q[3].status),
		       h_status(q[4].status));
	}
	EXPECT(!errors, "%llu wrong", (unsigned long long)errors);
	h_stop(&h);
}

/* ---- faults ---- */

struct bad_job {
	struct gvm v;
	pthread_t thr;
	const char *kernel;
	int32_t want;
	int32_t got_launch, got_sync;
	uint64_t t_err_ms, t_back_ms;
	int fresh_ok;
};

static void *bad_work(void *arg)
{
	struct bad_job *b = arg;
	struct rng r = { 77 };
	uint64_t mod = load_main_module(&b->v), d = 0, t0;
	uint8_t x[64] = { 1 }, y[64] = { 0 };
	float buf[3 * 100];

	g_alloc(&b->v, 4096, &d);
	/* Some good work first, so the process is warm and has state. */
	vadd_checked(&b->v, &r, buf, 100);
	t0 = now_ns();
	b->got_launch = g_launch(&b->v, mod, b->kernel, 1, 1, NULL, 0);
	b->got_sync = b->got_launch == VGPUIF_RSP_OKAY ? g_sync(&b->v) : b->got_launch;
	b->t_err_ms = (now_ns() - t0) / 1000000;
	t0 = now_ns();
	/* A fresh context: nothing of the old one, everything works. */
	b->fresh_ok = g_read(&b->v, d, y, 4) == VGPUIF_RSP_BAD_HANDLE &&
		      g_launch(&b->v, mod, "fill32", 1, 1, NULL, 0) == VGPUIF_RSP_BAD_HANDLE &&
		      g_alloc(&b->v, 64, &d) == VGPUIF_RSP_OKAY;
	b->t_back_ms = (now_ns() - t0) / 1000000;
	b->fresh_ok = b->fresh_ok && g_write(&b->v, d, x, 64) == VGPUIF_RSP_OKAY &&
		      g_read(&b->v, d, y, 64) == VGPUIF_RSP_OKAY &&
		      !memcmp(x, y, 64) && vadd_checked(&b->v, &r, buf, 100);
	return NULL;
}

static void test_faults(void)
{
	struct harness h;
	struct vm_job good[NVM - 2];
	struct bad_job bad[2] = {
		{ .kernel = "fault", .want = VGPUIF_RSP_FAULT },
		{ .kernel = "hang", .want = VGPUIF_RSP_TIMEOUT },
	};
	uint32_t timeout_ms = 2000;
	_Atomic int stop = 0;
	uint64_t ops_before = 0, ops = 0, errors = 0;
	struct exec_cuda_stats st;

	start(&h, timeout_ms);
	memset(good, 0, sizeof(good));
	/*
	 * One priority for all: under strict priority a continuously busy
	 * higher VM would (rightly) starve the others, which is not what
	 * this test is about.
	 */
	for (int i = 0; i < NVM - 2; i++) {
		h_vm(&h, &good[i].v, (uint16_t)(20 + i), VGPUIF_PRIO_MEDIUM, 0);
		good[i].stop = &stop;
		pthread_create(&good[i].thr, NULL, vm_work, &good[i]);
	}
	for (int i = 0; i < 2; i++)
		h_vm(&h, &bad[i].v, (uint16_t)(30 + i), VGPUIF_PRIO_MEDIUM, 0);
	usleep(300000);	/* the good ones are going */
	for (int i = 0; i < NVM - 2; i++)
		ops_before += good[i].ops;
	for (int i = 0; i < 2; i++)
		pthread_create(&bad[i].thr, NULL, bad_work, &bad[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(bad[i].thr, NULL);
	for (int i = 0; i < NVM - 2; i++)
		ops += good[i].ops;
	usleep(200000);
	atomic_store(&stop, 1);
	for (int i = 0; i < NVM - 2; i++) {
		pthread_join(good[i].thr, NULL);
		errors += good[i].errors;
	}
	for (int i = 0; i < 2; i++) {
		printf("gpu-test: faults: vm %u kernel %s: launch %s, sync %s after %llu ms; fresh context usable after %llu ms: %s\n",
		       bad[i].v.cfg.domid, bad[i].kernel, h_status(bad[i].got_launch),
		       h_status(bad[i].got_sync), (unsigned long long)bad[i].t_err_ms,
		       (unsigned long long)bad[i].t_back_ms,
		       bad[i].fresh_ok ? "yes" : "NO");
		EXPECT(bad[i].got_sync == bad[i].want, "%s: got %s, expected %s",
		       bad[i].kernel, h_status(bad[i].got_sync), h_status(bad[i].want));
		EXPECT(bad[i].fresh_ok, "%s: the VM did not come back fresh",
		       bad[i].kernel);
	}
	EXPECT(bad[1].t_err_ms >= timeout_ms - 10 && bad[1].t_err_ms < 3 * timeout_ms,
	       "hang: TIMEOUT after %llu ms, limit %u",
	       (unsigned long long)bad[1].t_err_ms, timeout_ms);
	EXPECT(!errors, "good VMs: %llu wrong results", (unsigned long long)errors);
	EXPECT(ops > ops_before, "good VMs made no progress while the others failed");
	printf("gpu-test: faults: 6 good VMs: %llu requests before, %llu by the end of the bad ones, %llu wrong\n",
	       (unsigned long long)ops_before, (unsigned long long)ops,
	       (unsigned long long)errors);
	/* The worker keeps serving every VM. */
	{
		struct rng r = { 5 };
		float buf[3 * 1000];

		for (int i = 0; i < NVM - 2; i++)
			if (!vadd_checked(&good[i].v, &r, buf, 1000))
				fail("good vm %d not served after", i);
		for (int i = 0; i < 2; i++)
			if (!vadd_checked(&bad[i].v, &r, buf, 1000))
				fail("bad vm %d not served after", i);
	}
	exec_cuda_get_stats(&h.ex, &st);
	printf("gpu-test: faults: executor processes started %llu (ready %llu, mean start %.1f ms, max %.1f ms), timeouts %llu, faults %llu, lost %llu\n",
	       (unsigned long long)st.spawns, (unsigned long long)st.ready,
	       st.ready ? (double)st.start_ns_sum / (double)st.ready / 1e6 : 0.0,
	       (double)st.start_ns_max / 1e6, (unsigned long long)st.timeouts,
	       (unsigned long long)st.faults, (unsigned long long)st.lost);
	EXPECT(st.timeouts == 1 && st.faults >= 1, "stats: %llu timeouts, %llu faults",
	       (unsigned long long)st.timeouts, (unsigned long long)st.faults);
	h_stop(&h);
}

/* ---- guard: the executor's confinement and modules' memory ---- */

/*
 * The executor process of this test (the only child of this process: no
 * spares): its pid, and its status lines Uid, NoNewPrivs, Seccomp in @buf.
 */
static int executor_status(char *buf, size_t size)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	while (d && !found && (e = readdir(d))) {
		char path[288], line[512];
		FILE *f;
		int ppid = -1;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		buf[0] = '\0';
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "PPid:", 5))
				ppid = atoi(line + 5);
			if (!strncmp(line, "Uid:", 4) || !strncmp(line, "NoNewPrivs:", 11) ||
			    !strncmp(line, "Seccomp:", 8))
				strncat(buf, line, size - strlen(buf) - 1);
		}
		fclose(f);
		if (ppid == getpid())
			found = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return found ? found : -1;
}

static uint64_t mem_used(struct gvm *v)
{
	struct vgpuif_info info = { 0 };

	EXPECT_ST(g_info(v, &info), VGPUIF_RSP_OKAY);
	return info.mem_used;
}

/*
 * A module of @globals bytes of __device__ memory (the GPU's: bigmod.cu),
 * loaded with no quota, then under a quota it does not fit.
 */
static void module_charge(struct gvm *v, const void *img, uint32_t len,
			  uint64_t at_least, const char *what)
{
	uint64_t base = mem_used(v), mod = 0, charged;

	EXPECT_ST(g_load(v, img, len, &mod), VGPUIF_RSP_OKAY);
	charged = mem_used(v) - base;
	printf("gpu-test: guard: %s: %llu MiB charged to mem-quota\n", what,
	       (unsigned long long)(charged >> 20));
	EXPECT(charged >= at_least, "%s: %llu bytes charged, expected >= %llu",
	       what, (unsigned long long)charged, (unsigned long long)at_least);
	EXPECT_ST(g_unload(v, mod), VGPUIF_RSP_OKAY);
	EXPECT(mem_used(v) == base, "%s: unload left %llu bytes charged", what,
	       (unsigned long long)(mem_used(v) - base));
	v->cfg.mem_quota = base + at_least / 2;
	h_vm_config(v);
	EXPECT_ST(g_load(v, img, len, &mod), VGPUIF_RSP_QUOTA);
	v->cfg.mem_quota = 0;
	h_vm_config(v);
}

static void test_guard(void)
{
	struct harness h;
	struct gvm v;
	char st[512];
	float buf[3 * 256];
	struct rng r = { 77 };
	uint64_t old = 0, fresh = 0;
	int pid;
	static const char fake_big[] = "FAKEMOD globals=268435456";

	start_spare(&h, 10000, 0);
	h_vm(&h, &v, 3, VGPUIF_PRIO_MEDIUM, 0);
	EXPECT(vadd_checked(&v, &r, buf, 256), "first add");
	pid = executor_status(st, sizeof(st));
	if (pid < 0) {
		fail("no executor process found");
	} else {
		printf("gpu-test: guard: executor %s", st);
		EXPECT(strstr(st, "NoNewPrivs:\t1"), "executor without no_new_privs");
		EXPECT(strstr(st, "Seccomp:\t2"), "executor without a seccomp filter");
		if (geteuid() == 0)
			EXPECT(!strstr(st, "Uid:\t0\t"), "executor runs as root");
	}
	if (T.fake) {
		module_charge(&v, fake_big, sizeof(fake_big) - 1, 256u * MiB,
			      "256 MiB of globals");
	} else {
		module_charge(&v, T.big_img, T.big_len, 256u * MiB,
			      "256 MiB of globals");
		/* 16 KiB of local memory per thread, for every resident one. */
		module_charge(&v, T.frame_img, T.frame_len, 64u * MiB,
			      "a 16 KiB local frame");
	}
	EXPECT(vadd_checked(&v, &r, buf, 256), "add after the modules");

	/* An address from before a restart names nothing in the next process. */
	EXPECT_ST(g_alloc(&v, MiB, &old), VGPUIF_RSP_OKAY);
	if (pid > 0) {
		kill(pid, SIGKILL);
		for (int i = 0; i < 100 && executor_status(st, sizeof(st)) == pid; i++)
			usleep(10000);
		g_sync(&v);	/* ERROR: the process went; a fresh one starts */
		EXPECT_ST(g_alloc(&v, MiB, &fresh), VGPUIF_RSP_OKAY);
		EXPECT(fresh != old, "the fresh process handed out the old address %#llx",
		       (unsigned long long)old);
		EXPECT_ST(g_read(&v, old, buf, 64), VGPUIF_RSP_BAD_HANDLE);
		printf("gpu-test: guard: after a restart: old address %#llx refused, new %#llx\n",
		       (unsigned long long)old, (unsigned long long)fresh);
	}
	h_stop(&h);
}

/*
 * A context with a 256-byte stack (cuda-stack-bytes) still runs a kernel
 * whose frame is 16 KiB: the driver grows the stack for it.
 */
static void test_small_stack(void)
{
	struct harness h;
	struct gvm v;
	struct rng r = { 78 };
	float buf[3 * 256];
	uint64_t mod = 0, out = 0;
	int32_t res[128], i8192 = 8192;
	uint8_t p[12];	/* (int *out, int i): pointer at 0, int at 8 */

	h_defaults(&h, T.fake, T.cuda_exec, T.self_dir);
	h.cfg.exec_spare = 0;
	h.cfg.cuda_stack_bytes = 256;
	h.cfg.turn_quota = T.turn_quota;
	if (h_start(&h)) {
		fail("the worker does not start with cuda-stack-bytes 256");
		return;
	}
	h_vm(&h, &v, 4, VGPUIF_PRIO_MEDIUM, 0);
	EXPECT(vadd_checked(&v, &r, buf, 256), "add with a 256-byte stack");
	if (!T.fake) {
		EXPECT_ST(g_load(&v, T.frame_img, T.frame_len, &mod), VGPUIF_RSP_OKAY);
		EXPECT_ST(g_alloc(&v, sizeof(res), &out), VGPUIF_RSP_OKAY);
		memset(res, 0x7f, sizeof(res));
		EXPECT_ST(g_write(&v, out, res, sizeof(res)), VGPUIF_RSP_OKAY);
		memcpy(p, &out, 8);
		/* 6 * 8192 = 0 mod 16384: the kernel reads back what it wrote, 0. */
		memcpy(p + 8, &i8192, 4);
		EXPECT_ST(g_launch(&v, mod, "big_frame", 1, 128, p, sizeof(p)),
			  VGPUIF_RSP_OKAY);
		EXPECT_ST(g_sync(&v), VGPUIF_RSP_OKAY);
		EXPECT_ST(g_read(&v, out, res, sizeof(res)), VGPUIF_RSP_OKAY);
		for (int i = 0; i < 128; i++)
			EXPECT(res[i] == 0, "big_frame thread %d wrote %#x", i, (unsigned)res[i]);
		printf("gpu-test: small_stack: a 16 KiB frame ran in a context of 256-byte stacks\n");
	}
	h_stop(&h);
}

/*
 * The executor processes (children of this process): how many carry
 * CUDA_MPS_PIPE_DIRECTORY=@pipe in their environment, and how many of
 * those also carry CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=@pct.
 */
static void mps_clients(const char *pipe, unsigned int pct, int *joined, int *limited)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char want_pipe[4200], want_pct[64];

	snprintf(want_pipe, sizeof(want_pipe), "CUDA_MPS_PIPE_DIRECTORY=%s", pipe);
	snprintf(want_pct, sizeof(want_pct), "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=%u", pct);
	*joined = *limited = 0;
	while (d && (e = readdir(d))) {
		char path[288], line[512], env[8192];
		int ppid = -1, has_pipe = 0, has_pct = 0;
		size_t n;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "PPid:", 5))
				ppid = atoi(line + 5);
		fclose(f);
		if (ppid != getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/environ", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(env, 1, sizeof(env) - 1, f);
		fclose(f);
		env[n] = '\0';
		for (size_t i = 0; i < n; i += strlen(env + i) + 1) {
			has_pipe |= !strcmp(env + i, want_pipe);
			has_pct |= !strcmp(env + i, want_pct);
		}
		*joined += has_pipe;
		*limited += has_pipe && has_pct;
	}
	if (d)
		closedir(d);
}

/*
 * The MPS tier (exec-mps-pipe): every process joins the server, those of
 * medium and low VMs with their share of the SMs; a high VM does not take
 * a (limited) spare. On the GPU it needs an MPS control daemon, whose pipe
 * directory run-on-gpu.sh gives in VGPU_TEST_MPS_PIPE; on the fake device
 * the environment is checked and the rest runs as without MPS.
 */
static void test_mps_tier(void)
{
	const char *pipe = getenv("VGPU_TEST_MPS_PIPE");
	struct harness h;
	struct gvm hi, lo;
	struct rng r = { 79 };
	float buf[3 * 4096];
	int joined = 0, limited = 0;

	if (!pipe && !T.fake) {
		T.skipped = "no MPS daemon (VGPU_TEST_MPS_PIPE unset; run-on-gpu.sh runs it with one)";
		return;
	}
	h_defaults(&h, T.fake, T.cuda_exec, T.self_dir);
	h.cfg.exec_spare = 1;
	h.cfg.turn_quota = T.turn_quota;
	snprintf(h.cfg.exec_mps_pipe, sizeof(h.cfg.exec_mps_pipe), "%s",
		 pipe ? pipe : "/nonexistent/vgpu-test-mps");
	h.cfg.exec_mps_lower_percent = 25;
	if (h_start(&h)) {
		fail("the worker does not start with exec-mps-pipe");
		return;
	}
	/* The spare is up before the high VM connects: it must not take it. */
	for (int i = 0; i < 300 && joined < 1; i++) {
		mps_clients(h.cfg.exec_mps_pipe, 25, &joined, &limited);
		usleep(10000);
	}
	usleep(T.fake ? 100000 : 2000000);
	h_vm(&h, &hi, 6, VGPUIF_PRIO_HIGH, 0);
	EXPECT(vadd_checked(&hi, &r, buf, 4096), "high VM's first add");
	h_vm(&h, &lo, 5, VGPUIF_PRIO_LOW, 0);
	joined = limited = 0;
	for (int i = 0; i < 20; i++) {
		EXPECT(vadd_checked(&lo, &r, buf, 4096), "low VM's add %d", i);
		EXPECT(vadd_checked(&hi, &r, buf, 4096), "high VM's add %d", i);
	}
	/* The spare the low VM took, the one started after it, the high VM's. */
	for (int i = 0; i < 200 && joined < 3; i++) {
		mps_clients(h.cfg.exec_mps_pipe, 25, &joined, &limited);
		usleep(10000);
	}
	printf("gpu-test: mps_tier: %d processes joined MPS, %d of them limited to 25%% of the SMs\n",
	       joined, limited);
	EXPECT(joined == 3, "%d executor processes joined MPS, expected 3", joined);
	EXPECT(limited == 2, "%d processes limited, expected 2 (the low VM's and the spare)",
	       limited);
	h_stop(&h);
}

/* ---- gpu_lost: the whole GPU lost mid-load, then back ---- */

void cx_fake_gpu_lost(int lost);

struct lost_job {
	struct gvm v;
	pthread_t thr;
	_Atomic int *stop;
	_Atomic int *phase;	/* 0 before the loss, 1 lost, 2 may be back */
	uint64_t ok[3], lost, other, wrong;
	int32_t other_status;
	uint64_t t_first_lost, t_first_back;
};

/* Small vector adds until stopped; every status and result counted. */
static void *lost_work(void *arg)
{
	struct lost_job *j = arg;
	struct rng r = { 0x51ed2700ull ^ j->v.cfg.domid };
	static _Thread_local float buf[3 * 1024];

	while (!atomic_load(j->stop)) {
		int ph = atomic_load(j->phase);
		uint32_t n = 1 + rnd(&r) % 1024;
		int32_t st;

		for (uint32_t i = 0; i < 2 * n; i++)
			buf[i] = (float)(rnd(&r) % 1000);
		for (uint32_t i = 0; i < n; i++)
			buf[2 * n + i] = -7.0f;
		st = g_vadd(&j->v, buf, n);
		if (st == VGPUIF_RSP_OKAY) {
			for (uint32_t i = 0; i < n; i++)
				if (buf[2 * n + i] != buf[i] + buf[n + i]) {
					j->wrong++;
					break;
				}
			j->ok[ph]++;
			if (ph == 2 && !j->t_first_back)
				j->t_first_back = now_ns();
		} else if (st == VGPUIF_RSP_DEVICE_LOST) {
			j->lost++;
			if (!j->t_first_lost)
				j->t_first_lost = now_ns();
		} else {
			j->other++;
			j->other_status = st;
		}
	}
	return NULL;
}

/* SIGKILLs every child of this process (the executor processes). */
static int kill_executors(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[288], buf[512], *p;
		FILE *f;
		int ppid = 0;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && sscanf(p, ") %*c %d", &ppid) == 1 && ppid == getpid() &&
		    kill(atoi(e->d_name), SIGKILL) == 0)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Waits up to @ms for @cond over the jobs; 1 if it held. */
static int wait_jobs(struct lost_job *j, int (*cond)(struct lost_job *j),
		     uint32_t ms)
{
	for (uint32_t t = 0; t < ms; t += 10) {
		if (cond(j))
			return 1;
		usleep(10000);
	}
	return cond(j);
}

static int any_lost(struct lost_job *j)
{
	for (int i = 0; i < NVM; i++)
		if (j[i].lost)
			return 1;
	return 0;
}

static int all_back(struct lost_job *j)
{
	for (int i = 0; i < NVM; i++)
		if (j[i].ok[2] < 20)
			return 0;
	return 1;
}

/*
 * The GPU lost under 8 VMs' load, as a device (not a VM) failing: on the
 * fake device by its injection (every operation fails with
 * CUDA_ERROR_UNKNOWN, a new process finds no device, for about a second:
 * the probes fail and back off); on a real GPU, which cannot be made to
 * fail, by killing every executor process at once, as a driver reset
 * would. Either way through the same worker code: the loss is found,
 * requests get DEVICE_LOST (never a wrong result, none hangs), probes
 * find the GPU back and the same VMs, nothing reconnected, are served.
 */
static void test_gpu_lost(void)
{
	struct harness h;
	struct lost_job j[NVM];
	_Atomic int stop = 0, phase = 0;
	uint64_t t_loss, ok[3] = { 0 }, lost = 0, other = 0, wrong = 0;
	uint64_t t_lost = UINT64_MAX, t_back = UINT64_MAX;
	struct exec_health hl;
	int killed = 0;

	start_spare(&h, 10000, 1);
	memset(j, 0, sizeof(j));
	for (int i = 0; i < NVM; i++) {
		h_vm(&h, &j[i].v, (uint16_t)(40 + i), VGPUIF_PRIO_MEDIUM, 0);
		j[i].stop = &stop;
		j[i].phase = &phase;
		pthread_create(&j[i].thr, NULL, lost_work, &j[i]);
	}
	usleep(300000);	/* the load is going */
	atomic_store(&phase, 1);
	t_loss = now_ns();
	if (T.fake && !T.lost_by_kill)
		cx_fake_gpu_lost(1);
	else
		killed = kill_executors();
	if (!wait_jobs(j, any_lost, 10000))
		fail("no request got device_lost within 10 s of the loss");
	if (T.fake && !T.lost_by_kill) {
		usleep(1000000);	/* probes fail meanwhile */
		cx_fake_gpu_lost(0);
	}
	atomic_store(&phase, 2);
	if (!wait_jobs(j, all_back, 30000))
		fail("not every VM was served again within 30 s");
	atomic_store(&stop, 1);
	for (int i = 0; i < NVM; i++) {
		pthread_join(j[i].thr, NULL);
		for (int k = 0; k < 3; k++)
			ok[k] += j[i].ok[k];
		lost += j[i].lost;
		other += j[i].other;
		wrong += j[i].wrong;
		if (j[i].t_first_lost && j[i].t_first_lost < t_lost)
			t_lost = j[i].t_first_lost;
		if (j[i].t_first_back && j[i].t_first_back < t_back)
			t_back = j[i].t_first_back;
		if (j[i].other && !killed)
			fail("vm %u: %llu request(s) got %s, not device_lost",
			     j[i].v.cfg.domid, (unsigned long long)j[i].other,
			     h_status(j[i].other_status));
	}
	exec_health(&h.ex, &hl);
	printf("gpu-test: gpu_lost: %s; requests ok %llu before, %llu during, %llu after; device_lost %llu (the first %.1f ms after the loss), other statuses %llu, wrong results %llu; served again %.1f ms after the loss\n",
	       killed ? "every executor process killed" : "fake device lost for 1 s",
	       (unsigned long long)ok[0], (unsigned long long)ok[1],
	       (unsigned long long)ok[2], (unsigned long long)lost,
	       t_lost == UINT64_MAX ? -1.0 : (double)(t_lost - t_loss) / 1e6,
	       (unsigned long long)other, (unsigned long long)wrong,
	       t_back == UINT64_MAX ? -1.0 : (double)(t_back - t_loss) / 1e6);
	printf("gpu-test: gpu_lost: %d processes killed; gpu state %s, losses %llu, probes %llu (%llu failed), last error %d (%s); executor processes started %llu, lost %llu, device_lost answers %llu\n",
	       killed, hl.state, (unsigned long long)hl.losses,
	       (unsigned long long)hl.probes, (unsigned long long)hl.probes_failed,
	       hl.last_error, hl.last_why, (unsigned long long)hl.spawns,
	       (unsigned long long)hl.lost, (unsigned long long)hl.device_lost);
	EXPECT(!wrong, "%llu wrong results", (unsigned long long)wrong);
	EXPECT(lost > 0, "no device_lost seen");
	EXPECT(hl.losses == 1, "%llu losses, expected 1", (unsigned long long)hl.losses);
	EXPECT(!strcmp(hl.state, "ok"), "gpu state %s at the end", hl.state);
	EXPECT(killed || hl.probes_failed >= 1, "no probe failed while the fake was lost");
	EXPECT(!T.fake || killed || !other, "statuses other than device_lost");
	h_stop(&h);
}

/* ---- main ---- */

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "ops", test_ops },
	{ "eight_vms", test_eight_vms },
	{ "pipeline", test_pipeline },
	{ "faults", test_faults },
	{ "guard", test_guard },
	{ "small_stack", test_small_stack },
	{ "mps_tier", test_mps_tier },
	{ "gpu_lost", test_gpu_lost },
	{ "ops2", test_ops2 },
};

static void load_images(void)
{
	static const char *const names[] = { "kernels.ptx", "kernels.cubin",
					     "kernels.fatbin" };
	char path[8192];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", T.kdir, names[i]);
		T.img[i] = h_read_file(path, &T.img_len[i]);
		T.img_name[i] = names[i];
		if (!T.img[i]) {
			fprintf(stderr, "gpu-test: cannot read %s\n", path);
			exit(2);
		}
		T.nimg++;
	}
	snprintf(path, sizeof(path), "%s/bigmod.cubin", T.kdir);
	T.big_img = h_read_file(path, &T.big_len);
	snprintf(path, sizeof(path), "%s/bigframe.cubin", T.kdir);
	T.frame_img = h_read_file(path, &T.frame_len);
	if (!T.big_img || !T.frame_img) {
		fprintf(stderr, "gpu-test: cannot read bigmod.cubin or bigframe.cubin in %s\n",
			T.kdir);
		exit(2);
	}
	/* PTX is text: cuModuleLoadData wants it NUL-terminated. */
	T.img[0] = realloc(T.img[0], T.img_len[0] + 1);
	((char *)T.img[0])[T.img_len[0]] = '\0';
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n;
	int passed = 0, failed = 0, argi = 1;
	const char *only[8];
	int nonly = 0;

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	snprintf(T.self_dir, sizeof(T.self_dir), "%s", dirname(self));
	snprintf(T.kdir, sizeof(T.kdir), "%s", T.self_dir);
	for (; argi < argc; argi++) {
		if (!strcmp(argv[argi], "--fake"))
			T.fake = 1;
		else if (!strcmp(argv[argi], "--lost-by-kill"))
			T.lost_by_kill = 1;
		else if (!strcmp(argv[argi], "--kernels") && argi + 1 < argc)
			snprintf(T.kdir, sizeof(T.kdir), "%s", argv[++argi]);
		else if (!strcmp(argv[argi], "--cuda-exec") && argi + 1 < argc)
			T.cuda_exec = argv[++argi];
		else if (!strcmp(argv[argi], "--turn-quota") && argi + 1 < argc)
			T.turn_quota = (uint32_t)atoi(argv[++argi]);
		else if (!strcmp(argv[argi], "--exec-user") && argi + 1 < argc)
			T.exec_user = argv[++argi];
		else if (!strcmp(argv[argi], "--exec-seccomp") && argi + 1 < argc)
			T.exec_seccomp = argv[++argi];
		else if (argv[argi][0] != '-' && nonly < 8)
			only[nonly++] = argv[argi];
		else {
			fprintf(stderr, "usage: vgpu-gpu-test [--fake] [--lost-by-kill] [--kernels DIR] [--cuda-exec PATH] [--turn-quota N] [--exec-user NAME] [--exec-seccomp kill|log|off] [TEST...]\n");
			return 2;
		}
	}
	if (!T.fake)
		load_images();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		uint64_t t0 = now_ns();
		int want = !nonly;

		for (int k = 0; k < nonly; k++)
			want |= !strcmp(only[k], tests[i].name);
		if (!want)
			continue;
		T.failed_checks = 0;
		T.why[0] = '\0';
		T.skipped = NULL;
		tests[i].fn();
		if (T.skipped && !T.failed_checks) {
			printf("gpu-test: %s: skipped: %s\n", tests[i].name, T.skipped);
		} else if (T.failed_checks) {
			printf("gpu-test: %s: FAIL (%d checks; first: %s)\n",
			       tests[i].name, T.failed_checks, T.why);
			failed++;
		} else {
			printf("gpu-test: %s: ok (%.2f s)\n", tests[i].name,
			       (double)(now_ns() - t0) / 1e9);
			passed++;
		}
	}
	printf("gpu-test: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
