// SPDX-License-Identifier: MIT
/*
 * Unit tests of the worker's event loop (dom0-worker/loop/worker.c) with the
 * in-memory backend and the CPU executor: CONNECT, DISCONNECT, CONFIG,
 * requests, scheduling order end to end, back-pressure, refused
 * completions, draining on stop, the order log and the metrics output.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "worker_env.h"

/* The worker with a debug log and an order log in a temporary file. */
static struct worker_env *env_new(void (*tune)(struct worker_config *))
{
	const struct worker_env_opts o = {
		.tune = tune, .log_level = VLOG_DEBUG, .order_log = 1,
	};

	return env_create(&o);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Reads every pending event, runs everything, flushes. */
static void pump(struct worker_env *e)
{
	while (simbe_pending_events(&e->tp) || sched_has_ready(&e->w.sched)) {
		assert_true(worker_read(&e->w) >= 0);
		while (worker_run_one(&e->w))
			;
	}
	assert_int_equal(worker_flush(&e->w), 0);
}

static void test_connect_request_complete(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm vm = env_vm(5, 101, 0, VGPUIF_PRIO_HIGH);
	float buf[3] = { 3, 4, 0 };
	struct vgpu_back_req add = {
		.id = 9, .operation = VGPUIF_OP_VECTOR_ADD, .data_len = 12,
		.u.vector_add.n = 1,
	};
	uint64_t h1, h2;

	(void)state;
	simbe_connect(&e->tp, &vm);
	h1 = env_nop(e, &vm, 1);
	h2 = simbe_request(&e->tp, &vm, &add, buf);
	pump(e);
	assert_int_equal(e->w.vms.count, 1);
	assert_int_equal(env_done(e, h1)->c.status, VGPUIF_RSP_OKAY);
	assert_int_equal(env_done(e, h2)->c.status, VGPUIF_RSP_OKAY);
	assert_true(buf[2] == 7.0f);
	assert_int_equal(simbe_held(&e->tp), 0);
	assert_non_null(strstr(env_log(e), "connect: domid=5 devid=0 vm_id=101 pool=A prio=high"));
	env_free(e);
}

static void test_unknown_vm_and_event(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm vm = env_vm(7, 1, 0, 0);
	struct vgpu_back_event odd = { .type = 99 };
	uint64_t h;

	(void)state;
	h = env_nop(e, &vm, 1);	/* no CONNECT */
	simbe_push_event(&e->tp, &odd);
	simbe_config(&e->tp, &vm);
	pump(e);
	assert_int_equal(env_done(e, h)->c.status, VGPUIF_RSP_ERROR);
	assert_int_equal(e->w.stats.unknown_vm, 1);
	assert_non_null(strstr(env_log(e), "unknown event type 99"));
	assert_non_null(strstr(env_log(e), "config domid=7 devid=0: not connected"));
	env_free(e);
}

/*
 * The prototype's demo: 7 VMs in pools A and B at three priorities, every
 * request queued before the worker looks. Completion order: high, then
 * medium, then low; within a level by arrival, pools mixed.
 */
static void test_priority_order_end_to_end(void **state)
{
	static const struct { uint16_t domid; uint8_t pool, prio; } vms[] = {
		{ 1, 0, VGPUIF_PRIO_LOW }, { 2, 1, VGPUIF_PRIO_HIGH },
		{ 3, 0, VGPUIF_PRIO_MEDIUM }, { 4, 1, VGPUIF_PRIO_LOW },
		{ 5, 0, VGPUIF_PRIO_HIGH }, { 6, 1, VGPUIF_PRIO_MEDIUM },
		{ 7, 0, VGPUIF_PRIO_HIGH },
	};
	/* Arrival order of requests (domids); two rounds. */
	static const uint16_t arrivals[] = { 1, 2, 3, 4, 5, 6, 7, 4, 7, 3, 2, 1, 6, 5 };
	static const uint16_t want[] = { 2, 5, 7, 7, 2, 5, 3, 6, 3, 6, 1, 4, 4, 1 };
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm cfg[8];
	char *olog, *line, *save;
	unsigned int i;

	(void)state;
	for (i = 0; i < 7; i++) {
		cfg[vms[i].domid] = env_vm(vms[i].domid, 100 + vms[i].domid,
					  vms[i].pool, vms[i].prio);
		simbe_connect(&e->tp, &cfg[vms[i].domid]);
	}
	for (i = 0; i < sizeof(arrivals) / sizeof(arrivals[0]); i++)
		env_nop(e, &cfg[arrivals[i]], i);
	pump(e);
	assert_int_equal(simbe_nr_completions(&e->tp), 14);
	for (i = 0; i < 14; i++)
		assert_int_equal(simbe_completion_at(&e->tp, i)->domid, want[i]);

	/* The order log says the same, one line per completion. */
	olog = read_file(e->olog);
	line = strtok_r(olog, "\n", &save);
	for (i = 0; i < 14; i++, line = strtok_r(NULL, "\n", &save)) {
		unsigned long long seq;
		unsigned int domid, devid, vm_id;
		char pool[4], prio[8], op[16];
		int status;

		assert_non_null(line);
		assert_int_equal(sscanf(line, "%llu %u %u %u %3s %7s %15s %d",
					&seq, &domid, &devid, &vm_id, pool, prio,
					op, &status), 8);
		assert_int_equal(seq, i + 1);
		assert_int_equal(domid, want[i]);
		assert_int_equal(devid, 0);
		assert_int_equal(vm_id, 100 + want[i]);
		assert_string_equal(pool, cfg[want[i]].pool ? "B" : "A");
		assert_string_equal(prio, cfg[want[i]].priority == 0 ? "high" :
				    cfg[want[i]].priority == 1 ? "medium" : "low");
		assert_string_equal(op, "nop");
		assert_int_equal(status, 0);
	}
	assert_null(line);
	free(olog);
	env_free(e);
}

/* CONFIG changes the priority of queued work before the next pick. */
static void test_config_live(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm a = env_vm(1, 11, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_vm b = env_vm(2, 22, 1, VGPUIF_PRIO_LOW);
	struct vm *vm;

	(void)state;
	simbe_connect(&e->tp, &a);
	simbe_connect(&e->tp, &b);
	env_nop(e, &a, 1);
	env_nop(e, &b, 1);
	env_nop(e, &a, 2);
	env_nop(e, &b, 2);
	b.priority = VGPUIF_PRIO_HIGH;
	b.vm_id = 23;
	b.mem_quota = 4096;
	b.max_queued = 3;
	simbe_config(&e->tp, &b);
	a.priority = VGPUIF_PRIO_MEDIUM;
	simbe_config(&e->tp, &a);
	/* All 6 events in one read, then run: b (now high) goes first. */
	assert_int_equal(worker_read(&e->w), 8);
	while (worker_run_one(&e->w))
		;
	assert_int_equal(worker_flush(&e->w), 0);
	assert_int_equal(simbe_completion_at(&e->tp, 0)->domid, 2);
	assert_int_equal(simbe_completion_at(&e->tp, 1)->domid, 2);
	assert_int_equal(simbe_completion_at(&e->tp, 2)->domid, 1);
	assert_int_equal(simbe_completion_at(&e->tp, 3)->domid, 1);
	vm = vmtable_find(&e->w.vms, 2, 0);
	assert_non_null(vm);
	assert_int_equal(vm->ex.cfg.vm_id, 23);
	assert_int_equal(vm->ex.cfg.mem_quota, 4096);
	assert_int_equal(vm->ex.cfg.max_queued, 3);
	assert_int_equal(vm->sched.prio, VGPUIF_PRIO_HIGH);
	assert_non_null(strstr(env_log(e), "config: domid=2 devid=0 vm_id=23 pool=B prio=high"));
	env_free(e);
}

/* DISCONNECT frees the VM's memory and forgets its queued requests. */
static void test_disconnect_frees(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm a = env_vm(1, 11, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_req alloc = {
		.operation = VGPUIF_OP_MEM_ALLOC, .u.mem.size = 8 << 20,
	};
	struct exec_info ei;
	uint64_t h, q1, q2;

	(void)state;
	simbe_connect(&e->tp, &a);
	h = simbe_request(&e->tp, &a, &alloc, NULL);
	pump(e);
	assert_int_equal(env_done(e, h)->c.status, VGPUIF_RSP_OKAY);
	assert_int_not_equal(env_done(e, h)->c.ret[0], 0);
	e->ex.ops->info(&e->ex, NULL, &ei);
	assert_int_equal(ei.mem_free, (64 << 20) - (8 << 20));

	/* Two more requests read but not run when the guest goes away. */
	q1 = env_nop(e, &a, 2);
	q2 = env_nop(e, &a, 3);
	assert_int_equal(worker_read(&e->w), 2);
	simbe_disconnect(&e->tp, 1, 0);
	assert_int_equal(worker_read(&e->w), 1);
	assert_int_equal(e->w.vms.count, 0);
	assert_int_equal(e->w.stats.dropped, 2);
	assert_int_equal(sched_queued(&e->w.sched), 0);
	e->ex.ops->info(&e->ex, NULL, &ei);
	assert_int_equal(ei.mem_free, 64 << 20);
	/* The backend ended them; the worker wrote nothing for them. */
	assert_true(env_done(e, q1)->by_backend);
	assert_true(env_done(e, q2)->by_backend);
	assert_int_equal(simbe_held(&e->tp), 0);
	assert_non_null(strstr(env_log(e), "metrics: vm domid=1 devid=0 vm_id=11 pool=A prio=high state=disconnected done=1"));

	/* Reconnect: a fresh VM, old addresses unknown. */
	simbe_connect(&e->tp, &a);
	alloc.operation = VGPUIF_OP_MEM_FREE;
	alloc.u.mem.size = 0;
	alloc.u.mem.dptr = env_done(e, h)->c.ret[0];
	h = simbe_request(&e->tp, &a, &alloc, NULL);
	pump(e);
	assert_int_equal(env_done(e, h)->c.status, VGPUIF_RSP_BAD_HANDLE);
	simbe_disconnect(&e->tp, 9, 0);	/* never connected */
	pump(e);
	assert_non_null(strstr(env_log(e), "disconnect domid=9 devid=0: not connected"));
	env_free(e);
}

/* A second CONNECT for a known device keeps its memory (config change). */
static void test_connect_twice(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm a = env_vm(1, 11, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_req alloc = {
		.operation = VGPUIF_OP_MEM_ALLOC, .u.mem.size = 4096,
	};
	struct exec_info ei;

	(void)state;
	simbe_connect(&e->tp, &a);
	simbe_request(&e->tp, &a, &alloc, NULL);
	a.priority = VGPUIF_PRIO_LOW;
	simbe_connect(&e->tp, &a);
	pump(e);
	assert_int_equal(e->w.vms.count, 1);
	assert_int_equal(vmtable_find(&e->w.vms, 1, 0)->sched.prio, VGPUIF_PRIO_LOW);
	e->ex.ops->info(&e->ex, NULL, &ei);
	assert_int_equal(ei.mem_free, (64 << 20) - 4096);
	assert_non_null(strstr(env_log(e), "already connected"));
	env_free(e);
}

static void small_queues(struct worker_config *cfg)
{
	cfg->obsolete_max_queued = 2;
	cfg->max_queued_all = 4;
	cfg->batch = 8;
}

/*
 * No refusal for queue length: a VM's max-queued is the backend's to
 * enforce (it stops reading the ring), so the worker queues past it. The
 * global bound leaves events in the backend.
 */
static void test_bounds(void **state)
{
	struct worker_env *e = env_new(small_queues);
	struct vgpu_back_vm a = env_vm(1, 11, 0, 0), b = env_vm(2, 22, 0, 0);
	struct vgpu_back_vm c = env_vm(3, 33, 0, 0);
	uint64_t h[7];
	struct vm *vm;

	(void)state;
	c.max_queued = 1;	/* its own limit */
	simbe_connect(&e->tp, &a);
	simbe_connect(&e->tp, &b);
	simbe_connect(&e->tp, &c);
	assert_int_equal(worker_read(&e->w), 3);
	h[0] = env_nop(e, &a, 1);
	h[1] = env_nop(e, &a, 2);
	h[2] = env_nop(e, &a, 3);	/* over the default 2: still queued */
	assert_int_equal(worker_read(&e->w), 3);
	vm = vmtable_find(&e->w.vms, 1, 0);
	assert_int_equal(vm->sched.queued, 3);
	assert_int_equal(vm->metrics.rejected, 0);
	assert_int_equal(sched_queued(&e->w.sched), 3);
	h[3] = env_nop(e, &c, 1);
	h[4] = env_nop(e, &c, 2);
	/* Room for 4 - 3 = 1 event only: the other waits in the backend. */
	assert_int_equal(worker_read(&e->w), 1);
	assert_int_equal(simbe_pending_events(&e->tp), 1);
	assert_int_equal(worker_read(&e->w), 0);
	h[5] = env_nop(e, &b, 1);
	h[6] = env_nop(e, &b, 2);
	pump(e);
	for (int i = 0; i < 7; i++)
		assert_int_equal(env_done(e, h[i])->c.status, VGPUIF_RSP_OKAY);
	env_free(e);
}

/*
 * A completion whose handle the backend no longer knows (its VM went away
 * after the worker read the request) is dropped; the rest of the batch
 * still goes through, wherever the stale one sits.
 */
static void test_refused_completion(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm a = env_vm(1, 11, 0, VGPUIF_PRIO_HIGH);
	struct vgpu_back_vm b = env_vm(2, 22, 0, VGPUIF_PRIO_MEDIUM);
	struct vgpu_back_vm c = env_vm(3, 33, 0, VGPUIF_PRIO_LOW);
	uint64_t ha, hb, hc;

	(void)state;
	simbe_connect(&e->tp, &a);
	simbe_connect(&e->tp, &b);
	simbe_connect(&e->tp, &c);
	ha = env_nop(e, &a, 1);
	hb = env_nop(e, &b, 1);
	hc = env_nop(e, &c, 1);
	assert_int_equal(worker_read(&e->w), 6);
	/* b goes away; the worker has not seen the DISCONNECT yet. */
	simbe_disconnect(&e->tp, 2, 0);
	while (worker_run_one(&e->w))
		;
	assert_int_equal(e->w.ncomp, 3);	/* a, b, c in one batch */
	assert_int_equal(worker_flush(&e->w), 0);
	assert_int_equal(e->w.stats.refused_completions, 1);
	assert_int_equal(env_done(e, ha)->c.status, VGPUIF_RSP_OKAY);
	assert_true(env_done(e, hb)->by_backend);
	assert_int_equal(env_done(e, hc)->c.status, VGPUIF_RSP_OKAY);
	assert_false(env_done(e, hc)->by_backend);

	/* Stale one first in the batch: -EINVAL path. */
	ha = env_nop(e, &a, 2);
	hc = env_nop(e, &c, 2);
	assert_int_equal(worker_read(&e->w), 3);	/* incl. DISCONNECT of b */
	simbe_disconnect(&e->tp, 1, 0);
	while (worker_run_one(&e->w))
		;
	assert_int_equal(worker_flush(&e->w), 0);
	assert_int_equal(e->w.stats.refused_completions, 2);
	assert_true(env_done(e, ha)->by_backend);
	assert_int_equal(env_done(e, hc)->c.status, VGPUIF_RSP_OKAY);
	env_free(e);
}

static void tiny_batch(struct worker_config *cfg)
{
	cfg->batch = 2;
}

/* A read takes every waiting event, not one batch: a late high goes next. */
static void test_read_all_before_pick(void **state)
{
	struct worker_env *e = env_new(tiny_batch);
	struct vgpu_back_vm lo = env_vm(1, 11, 0, VGPUIF_PRIO_LOW);
	struct vgpu_back_vm hi = env_vm(2, 22, 1, VGPUIF_PRIO_HIGH);
	struct simbe_stats st;
	uint64_t h;

	(void)state;
	simbe_connect(&e->tp, &lo);
	simbe_connect(&e->tp, &hi);
	for (int i = 0; i < 9; i++)
		env_nop(e, &lo, (uint64_t)i);
	h = env_nop(e, &hi, 1);
	assert_int_equal(worker_read(&e->w), 12);
	simbe_get_stats(&e->tp, &st);
	assert_int_equal(st.reads, 6);
	assert_int_equal(worker_run_one(&e->w), 1);
	assert_int_equal(worker_flush(&e->w), 0);
	assert_int_equal(simbe_completion_at(&e->tp, 0)->c.handle, h);
	pump(e);
	env_free(e);
}

/* worker_run with a transport that asks the loop to stop once drained. */
static struct worker_ctl *stop_ctl;
static const struct transport_ops *real_ops;
static struct transport_ops stopping_ops;

static int read_then_stop(struct transport *t, struct vgpu_back_event *ev,
			  unsigned int max)
{
	int n = real_ops->read_events(t, ev, max);

	if (!simbe_pending_events(t))
		stop_ctl->stop = 1;
	return n;
}

static void one_per_batch(struct worker_config *cfg)
{
	cfg->batch = 2;
	cfg->stats_interval = 1;
}

static void test_run_until_stop(void **state)
{
	struct worker_env *e = env_new(one_per_batch);
	struct worker_ctl ctl = { 0 };
	struct vgpu_back_vm a = env_vm(1, 11, 0, 0), b = env_vm(2, 22, 1, 2);
	unsigned int i;

	(void)state;
	real_ops = e->tp.ops;
	stopping_ops = *real_ops;
	stopping_ops.read_events = read_then_stop;
	e->tp.ops = &stopping_ops;
	stop_ctl = &ctl;
	simbe_connect(&e->tp, &a);
	simbe_connect(&e->tp, &b);
	for (i = 0; i < 10; i++)
		env_nop(e, i % 2 ? &a : &b, i);
	ctl.dump = 1;
	/* Reads 2 events per batch; stops reading after the last. */
	assert_int_equal(worker_run(&e->w, &ctl), 0);
	assert_int_equal(simbe_nr_completions(&e->tp), 10);
	assert_int_equal(simbe_held(&e->tp), 0);
	assert_int_equal(ctl.dump, 0);
	assert_non_null(strstr(env_log(e), "metrics: begin reason=sigusr1"));
	assert_non_null(strstr(env_log(e), "stopping: no new events"));
	e->tp.ops = real_ops;
	env_free(e);
}

/* Stop: what is queued completes; events not read stay unread. */
static void test_drain_on_stop(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct worker_ctl ctl = { 0 };
	struct vgpu_back_vm a = env_vm(1, 11, 0, 0);

	(void)state;
	simbe_connect(&e->tp, &a);
	for (int i = 0; i < 5; i++)
		env_nop(e, &a, (uint64_t)i);
	assert_int_equal(worker_read(&e->w), 6);
	env_nop(e, &a, 99);		/* arrives after the stop: not read */
	ctl.stop = 1;
	assert_int_equal(worker_run(&e->w, &ctl), 0);
	assert_int_equal(simbe_nr_completions(&e->tp), 5);
	assert_int_equal(simbe_pending_events(&e->tp), 1);

	/* A second stop leaves what is queued to the backend. */
	for (int i = 0; i < 3; i++)
		env_nop(e, &a, (uint64_t)i);
	assert_int_equal(worker_read(&e->w), 4);
	ctl.stop = 2;
	assert_int_equal(worker_run(&e->w, &ctl), 0);
	assert_int_equal(simbe_nr_completions(&e->tp), 5);
	assert_non_null(strstr(env_log(e), "second stop signal"));
	env_free(e);
}

static unsigned int completion_writes;
static int counting_write(struct transport *t,
			  const struct vgpu_back_completion *c, unsigned int n)
{
	completion_writes++;
	return real_ops->write_completions(t, c, n);
}

/*
 * Ops of 1 ms each: every completion is written as its op ends, not held
 * for the batch while the next 1 ms op runs.
 */
static void test_long_ops_complete_at_once(void **state)
{
	struct worker_env *e;
	struct worker_ctl ctl = { 0 };
	struct vgpu_back_vm a = env_vm(1, 11, 0, 0);
	struct transport_ops counting;

	e = env_create(&(struct worker_env_opts){
		.log_level = VLOG_DEBUG, .order_log = 1, .op_delay_ms = 1,
	});

	(void)state;
	real_ops = e->tp.ops;
	counting = *real_ops;
	counting.write_completions = counting_write;
	e->tp.ops = &counting;
	completion_writes = 0;
	simbe_connect(&e->tp, &a);
	for (int i = 0; i < 3; i++)
		env_nop(e, &a, (uint64_t)i);
	assert_int_equal(worker_read(&e->w), 4);
	ctl.stop = 1;
	assert_int_equal(worker_run(&e->w, &ctl), 0);
	assert_int_equal(simbe_nr_completions(&e->tp), 3);
	assert_int_equal(completion_writes, 3);
	e->tp.ops = real_ops;
	env_free(e);
}

/* SIGHUP reopens the order log: lines go to the new file. */
static void test_order_log_reopen(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct worker_ctl ctl = { 0 };
	struct vgpu_back_vm a = env_vm(4, 44, 1, 1);
	char rotated[80];
	char *text;

	(void)state;
	snprintf(rotated, sizeof(rotated), "%s.1", e->olog);
	simbe_connect(&e->tp, &a);
	env_nop(e, &a, 1);
	pump(e);
	assert_int_equal(rename(e->olog, rotated), 0);
	ctl.reopen = 1;
	ctl.stop = 1;
	env_nop(e, &a, 2);
	assert_int_equal(worker_read(&e->w), 1);
	assert_int_equal(worker_run(&e->w, &ctl), 0);
	text = read_file(rotated);
	assert_string_equal(text, "1 4 0 44 B medium nop 0\n");
	free(text);
	text = read_file(e->olog);
	assert_string_equal(text, "2 4 0 44 B medium nop 0\n");
	free(text);
	unlink(rotated);
	env_free(e);
}

static void test_metrics_output(void **state)
{
	struct worker_env *e = env_new(NULL);
	struct vgpu_back_vm a = env_vm(3, 303, 1, VGPUIF_PRIO_LOW);
	struct vgpu_back_req bad = { .operation = VGPUIF_OP_LAUNCH };
	const char *t;

	(void)state;
	simbe_connect(&e->tp, &a);
	for (int i = 0; i < 4; i++)
		env_nop(e, &a, (uint64_t)i);
	simbe_request(&e->tp, &a, &bad, NULL);
	pump(e);
	worker_print_metrics(&e->w, "test");
	t = env_log(e);
	assert_non_null(strstr(t, "metrics: begin reason=test"));
	assert_non_null(strstr(t, "metrics: vm domid=3 devid=0 vm_id=303 pool=B prio=low state=connected done=5 errors=1 rejected=0 queued=0 samples=5 p50_us="));
	assert_non_null(strstr(t, " p99_us="));
	assert_non_null(strstr(t, "metrics: end"));
	env_free(e);
}

static void test_dev_transport_errors(void **state)
{
	struct transport t = { .fd = -1 };

	(void)state;
	assert_int_equal(transport_dev_open(&t, "/nonexistent/vgpu-back"), -ENOENT);
	/* Not our device: the ABI ioctl fails. */
	assert_int_equal(transport_dev_open(&t, "/dev/null"), -ENOTTY);
	assert_null(t.ops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_request_complete),
		cmocka_unit_test(test_unknown_vm_and_event),
		cmocka_unit_test(test_priority_order_end_to_end),
		cmocka_unit_test(test_config_live),
		cmocka_unit_test(test_disconnect_frees),
		cmocka_unit_test(test_connect_twice),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_refused_completion),
		cmocka_unit_test(test_read_all_before_pick),
		cmocka_unit_test(test_run_until_stop),
		cmocka_unit_test(test_drain_on_stop),
		cmocka_unit_test(test_long_ops_complete_at_once),
		cmocka_unit_test(test_order_log_reopen),
		cmocka_unit_test(test_metrics_output),
		cmocka_unit_test(test_dev_transport_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
