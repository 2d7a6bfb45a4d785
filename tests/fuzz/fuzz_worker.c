// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the worker's request decoding - its event handling
 * (dom0-worker/loop/worker_events.c), admission, scheduling and
 * exec_submit()'s checks - with the CPU executor, fed by the simulated
 * backend (tests/sim/simbe.c) through a transport whose copies answer with
 * the fuzzer's bytes or fail when the fuzzer says so.
 *
 * Input: a script of steps, each one byte (the step) and its operands;
 * missing bytes are 0:
 *   CONNECT, CONFIG  device (1 byte: domid 1..3, devid 0..1), vm_id (4),
 *                    pool, priority, max_inflight (1 each), rate_limit
 *                    (1), mem_quota (2, in 4 KiB units)
 *   DISCONNECT       device
 *   REQUEST          device, operation (1), data_len (4), the argument
 *                    union (40), with a 1-byte hint before it: bit 0
 *                    points u.mem.dptr at the CPU executor's first
 *                    addresses, bit 1 makes data_len the length the
 *                    arguments call for plus its low byte as an offset
 *   TURN             one turn of the loop: read, run, reap, flush
 *   COPY_FAIL        a byte: bit i set fails the i-th copy (mod 8) with
 *                    -EFAULT, as a grant copy of a bad page would
 *   CLOCK            advances the clock by a byte's milliseconds
 *   RAW              an event of a type byte (unknown types too)
 *   CONTROL          a control socket command (vms, metrics, help, or
 *                    one not known), its answer thrown away: the report
 *                    prints whatever the VMs' settings hold
 * The guest buffer of every request is one shared area of
 * VGPUIF_MAX_DATA_LEN bytes whose head holds the input, so a copy past
 * the largest legal request is a heap overflow (ASan).
 *
 * At the end every device disconnects and the loop runs until idle. Then:
 * every request the backend queued completed exactly once (by the worker
 * or, for a disconnected device, by the backend), none is held, the worker
 * asked for no copy the backend refuses, no VM is left, nothing runs, the
 * executor holds no memory - and after teardown LeakSanitizer finds no
 * leak.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vgpu/vgpuif_ops.h>

#include "dom0-worker/log.h"
#include "dom0-worker/loop/worker.h"
#include "tests/sim/simbe.h"
#include "vgpuif_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FAIL(...) do { fprintf(stderr, __VA_ARGS__); abort(); } while (0)

#define MAX_REQUESTS	256	/* per input; far below SIMBE_SLOTS */
#define NR_DOMS		3
#define NR_DEVS		2
#define CPU_DPTR_BASE	(1ull << 32)	/* exec_cpu.c's first address */

enum step {
	STEP_CONNECT, STEP_CONFIG, STEP_DISCONNECT, STEP_REQUEST,
	STEP_REQUEST2, STEP_TURN, STEP_COPY_FAIL, STEP_CLOCK, STEP_RAW,
	STEP_CONTROL, NR_STEPS
};

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t b = 0;

		if (in->left) {
			b = *in->p++;
			in->left--;
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

/* The transport the worker sees: simbe, with copies that may fail. */
struct fuzz_tp {
	struct transport sim;
	uint8_t fail_mask;
	unsigned int copies;
};

static uint8_t *guest_buf;
static FILE *devnull;	/* VGPUIF_MAX_DATA_LEN bytes, all requests */
static uint64_t now_ns;

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return now_ns;
}

static int ft_pollfd(struct transport *t)
{
	struct fuzz_tp *f = t->priv;

	return f->sim.ops->pollfd(&f->sim);
}

static int ft_read(struct transport *t, struct vgpu_back_event *ev,
		   unsigned int max)
{
	struct fuzz_tp *f = t->priv;

	return f->sim.ops->read_events(&f->sim, ev, max);
}

static int ft_write(struct transport *t, const struct vgpu_back_completion *c,
		    unsigned int n)
{
	struct fuzz_tp *f = t->priv;

	return f->sim.ops->write_completions(&f->sim, c, n);
}

static int ft_copy(struct transport *t, uint64_t handle, uint64_t offset,
		   void *buf, uint64_t len, uint32_t direction)
{
	struct fuzz_tp *f = t->priv;

	if (f->fail_mask & (1u << (f->copies++ % 8)))
		return -EFAULT;
	return f->sim.ops->copy(&f->sim, handle, offset, buf, len, direction);
}

static void ft_close(struct transport *t)
{
	(void)t;
}

static const struct transport_ops fuzz_tp_ops = {
	.pollfd = ft_pollfd,
	.read_events = ft_read,
	.write_completions = ft_write,
	.copy = ft_copy,
	.close = ft_close,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	guest_buf = malloc(VGPUIF_MAX_DATA_LEN);
	if (!guest_buf)
		abort();
	memset(guest_buf, 0x5a, VGPUIF_MAX_DATA_LEN);
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	vlog_set_stream(devnull);
	vlog_set_level(VLOG_ERROR);
	return 0;
}

static struct vgpu_back_vm device(struct input *in)
{
	uint8_t d = (uint8_t)take(in, 1);

	return (struct vgpu_back_vm){
		.domid = 1 + (d % (NR_DOMS * NR_DEVS)) / NR_DEVS,
		.devid = d % NR_DEVS,
		.vm_id = 100,
	};
}

static struct vgpu_back_vm settings(struct input *in)
{
	struct vgpu_back_vm vm = device(in);

	vm.vm_id = (uint32_t)take(in, 4);
	vm.pool = (uint8_t)take(in, 1);
	vm.priority = (uint8_t)take(in, 1);
	vm.max_inflight = (uint32_t)take(in, 1);
	vm.rate_limit = (uint32_t)take(in, 1);
	vm.mem_quota = take(in, 2) << 12;
	return vm;
}

static void request(struct fuzz_tp *f, struct input *in, uint64_t *handles,
		    unsigned int *nreq)
{
	struct vgpu_back_vm vm = device(in);
	struct vgpu_back_req req = { .id = *nreq };
	uint8_t hint;

	req.operation = (uint8_t)take(in, 1);
	req.data_len = (uint32_t)take(in, 4);
	hint = (uint8_t)take(in, 1);
	for (unsigned int i = 0; i < sizeof(req.u.raw); i++)
		req.u.raw[i] = (uint8_t)take(in, 1);
	if (hint & 1)
		req.u.mem.dptr = CPU_DPTR_BASE + (req.u.mem.dptr & 0xffff);
	if (hint & 2)
		req.data_len = spec_natural_len(req.operation, &req.u) +
			       (uint32_t)(int8_t)(req.data_len & 0xff);
	if (*nreq == MAX_REQUESTS)
		return;
	/*
	 * A length past the shared area is also past VGPUIF_MAX_DATA_LEN:
	 * the worker must refuse it without a copy; if it copies, ASan sees
	 * the overflow.
	 */
	handles[(*nreq)++] = simbe_request(&f->sim, &vm, &req, guest_buf);
}

static void turn(struct worker *w)
{
	int n;

	n = worker_read(w);
	if (n < 0)
		FAIL("worker_read: %d\n", n);
	while (worker_run_one(w) > 0)
		;
	worker_reap(w);
	if (worker_flush(w) || w->error)
		FAIL("worker_flush failed (%d)\n", w->error);
}

static void check_idle(struct fuzz_tp *f, struct worker *w,
		       struct executor *ex, const uint64_t *handles,
		       unsigned int nreq)
{
	struct simbe_stats st;
	struct exec_info info;

	if (simbe_held(&f->sim) || simbe_pending_events(&f->sim))
		FAIL("worker: %u requests held, %u events unread at the end\n",
		     simbe_held(&f->sim), simbe_pending_events(&f->sim));
	for (unsigned int i = 0; i < nreq; i++)
		if (!simbe_completion_of(&f->sim, handles[i]))
			FAIL("worker: request %u never completed\n", i);
	simbe_get_stats(&f->sim, &st);
	if (st.completions != nreq || st.bad_completions)
		FAIL("worker: %llu completions of %u requests, %llu refused\n",
		     (unsigned long long)st.completions, nreq,
		     (unsigned long long)st.bad_completions);
	if (st.bad_copies)
		FAIL("worker: asked for %llu copies the backend refuses\n",
		     (unsigned long long)st.bad_copies);
	if (w->vms.count || w->running || w->sched.queued || w->ncomp)
		FAIL("worker: %u VMs, %u running, %u queued, %u unsent\n",
		     w->vms.count, w->running, w->sched.queued, w->ncomp);
	ex->ops->info(ex, NULL, &info);
	if (info.mem_free != info.mem_total)
		FAIL("executor: %llu bytes still allocated\n",
		     (unsigned long long)(info.mem_total - info.mem_free));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct exec_params ep = { .mem_budget = 64 << 20, .max_allocs = 100 };
	struct worker_config cfg;
	static uint64_t handles[MAX_REQUESTS];
	unsigned int nreq = 0;
	struct executor ex;
	struct fuzz_tp f = { 0 };
	struct transport tp = { .ops = &fuzz_tp_ops, .priv = &f, .fd = -1 };
	struct worker w;

	memcpy(guest_buf, data, size < 4096 ? size : 4096);
	now_ns = 1000000000ull;
	config_defaults(&cfg);
	cfg.order_log[0] = '\0';
	cfg.control_socket[0] = '\0';
	cfg.batch = 4;		/* several reads and writes per turn */
	if (simbe_open(&f.sim) || exec_create(&ex, "cpu", &ep))
		abort();
	if (worker_init(&w, &cfg, &tp, &ex))
		abort();
	worker_set_clock(&w, fake_clock, NULL);

	while (in.left) {
		struct vgpu_back_event ev = { 0 };
		struct vgpu_back_vm vm;

		switch (take(&in, 1) % NR_STEPS) {
		case STEP_CONNECT:
			vm = settings(&in);
			simbe_connect(&f.sim, &vm);
			break;
		case STEP_CONFIG:
			vm = settings(&in);
			simbe_config(&f.sim, &vm);
			break;
		case STEP_DISCONNECT:
			vm = device(&in);
			simbe_disconnect(&f.sim, vm.domid, vm.devid);
			break;
		case STEP_REQUEST:
		case STEP_REQUEST2:
			request(&f, &in, handles, &nreq);
			break;
		case STEP_TURN:
			turn(&w);
			break;
		case STEP_COPY_FAIL:
			f.fail_mask = (uint8_t)take(&in, 1);
			break;
		case STEP_CLOCK:
			now_ns += take(&in, 1) * 1000000ull;
			break;
		case STEP_RAW:
			/* Not REQUEST or DISCONNECT: those need the backend's records. */
			ev.type = (uint32_t)take(&in, 1);
			if (ev.type == VGPU_BACK_EV_REQUEST ||
			    ev.type == VGPU_BACK_EV_DISCONNECT)
				ev.type += 16;
			ev.vm = settings(&in);
			simbe_push_event(&f.sim, &ev);
			break;
		case STEP_CONTROL: {
			static const char *const cmds[] = {
				"vms", "metrics", "help", "vms metrics", "",
				"forget all", "forget 1", "forget 2/0", "forget x",
			};
			char forget[32];

			/* Half the time a forget of a domid the input chose. */
			if (take(&in, 1) & 1) {
				snprintf(forget, sizeof(forget), "forget %u",
					 (unsigned int)take(&in, 1));
				worker_command(&w, forget, devnull);
			} else {
				worker_command(&w, cmds[take(&in, 1) % 9], devnull);
			}
			break;
		}
		}
	}

	/* Every device goes; the backend completes what the worker holds. */
	turn(&w);
	for (unsigned int d = 0; d < NR_DOMS * NR_DEVS; d++)
		simbe_disconnect(&f.sim, 1 + d / NR_DEVS, d % NR_DEVS);
	/* A full queue leaves events in the backend: turn until it drains. */
	for (int i = 0; i < 1000 && (simbe_pending_events(&f.sim) ||
				     simbe_held(&f.sim)); i++)
		turn(&w);
	check_idle(&f, &w, &ex, handles, nreq);

	worker_fini(&w);
	exec_destroy(&ex);
	transport_close(&f.sim);
	return 0;
}
