// SPDX-License-Identifier: MIT
/*
 * The CUDA executor's GPU as a whole (exec_cuda_priv.h; the state machine
 * is gpu_health.h; Documentation/cuda-executor.md, "GPU lost"): what the
 * processes and their answers say about the device, what a loss does to
 * every VM, the probes, and the recovery.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exec_cuda_priv.h"
#include "log.h"

void cx_wake(struct cuda_exec *cx)
{
	uint64_t one = 1;

	if (write(cx->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_error("cuda executor: eventfd: %s", strerror(errno));
}

void cx_gpu_suspect(struct cuda_exec *cx, int32_t cu_error, const char *why)
{
	if (cx->gpu_pending || !gpu_health_ok(&cx->health))
		return;
	cx->gpu_pending = 1;
	cx->gpu_pending_err = cu_error;
	snprintf(cx->gpu_pending_why, sizeof(cx->gpu_pending_why), "%s", why);
}

/* The devices that would have a process: the VMs, and the spares as one. */
static unsigned int population(const struct cuda_exec *cx)
{
	unsigned int n = cx->p.spare || cx->spares ? 1 : 0;

	for (const struct cx_chan *ch = cx->chans; ch; ch = ch->next)
		n++;
	return n;
}

void cx_gpu_evidence(struct cuda_exec *cx, const struct cx_chan *ch,
		     int32_t cu_error, uint64_t now)
{
	uint32_t key = ch ? (uint32_t)ch->vm->cfg.domid << 16 | ch->vm->cfg.devid :
		       GPU_HEALTH_KEY_SPARE;

	gpu_health_exec_failed(&cx->health, now, key, cu_error, population(cx));
}

/*
 * Whether @in ended or failed to start, and with which device error. A
 * process that lost its context (a sticky error: its last answer says
 * so) ends by itself: that is its VM's fault, not evidence, unless the
 * error was the device's.
 */
static int failed(const struct cx_inst *in, int32_t *cu_error)
{
	uint32_t ready = atomic_load(&in->ctrl->ready);
	uint32_t last = atomic_load(&in->ctrl->rsp_seq);
	const struct cx_rsp *a = &in->ctrl->rsp[last % CX_RING];

	*cu_error = 0;
	if (ready == CX_READY_FAILED) {
		*cu_error = in->ctrl->init_cu_error;
		return 1;
	}
	if (!in->exited)
		return 0;
	if (last && (a->flags & CX_RSP_F_LOST)) {
		*cu_error = a->cu_error;
		return gpu_health_device_error(*cu_error);
	}
	return 1;
}

void cx_gpu_count_failures(struct cuda_exec *cx, uint64_t now)
{
	int32_t err;

	if (!gpu_health_ok(&cx->health))
		return;
	for (struct cx_chan *ch = cx->chans; ch; ch = ch->next) {
		struct cx_inst *in = ch->inst;

		if (in && !in->counted && failed(in, &err)) {
			in->counted = 1;
			cx_gpu_evidence(cx, ch, err, now);
		}
	}
	for (struct cx_inst *in = cx->spares; in; in = in->next) {
		if (!in->counted && failed(in, &err)) {
			in->counted = 1;
			cx_gpu_evidence(cx, NULL, err, now);
		}
	}
}

/* A loss: every request of every VM ends, every process goes. */
static void end_all(struct cuda_exec *cx)
{
	unsigned int nreq = 0, nvm = 0;

	for (struct cx_chan *ch = cx->chans; ch; ch = ch->next) {
		nreq += ch->nreq;
		nvm++;
		/* No back-off counted: the GPU failed, not the VM. */
		cx_end_process(cx, ch, VGPUIF_RSP_DEVICE_LOST, 0);
		cx_fail_waiting(ch, VGPUIF_RSP_DEVICE_LOST);
	}
	cx_drop_spares(cx);
	cx_wake(cx);
	log_error("cuda executor: the GPU is lost (%s; device error %d): %u request(s) of %u VM(s) end with DEVICE_LOST, and every request until it answers again; their memory and modules are gone; probing it",
		  cx->health.last_why, cx->health.last_error, nreq, nvm);
}

int cx_gpu_apply(struct cuda_exec *cx)
{
	if (cx->gpu_pending) {
		cx->gpu_pending = 0;
		gpu_health_lost(&cx->health, cx_now_ns(), cx->gpu_pending_err,
				cx->gpu_pending_why);
	}
	if (gpu_health_ok(&cx->health))
		return 0;
	if (!cx->gpu_down) {
		cx->gpu_down = 1;
		end_all(cx);
	}
	return 1;
}

/* The GPU answered a probe: the VMs start again, at once. */
static void recovered(struct cuda_exec *cx, uint64_t now)
{
	struct cx_inst *in = cx->probe;
	uint64_t lost_ms = (now - cx->health.since_ns) / 1000000ull;

	gpu_health_probe_done(&cx->health, now, 1, 0, NULL);
	log_info("cuda executor: the GPU is back (probe process %d has a context) after %llu ms lost, %llu probe(s) in all; the VMs get fresh executor processes",
		 (int)in->pid, (unsigned long long)lost_ms,
		 (unsigned long long)cx->health.probes);
	cx->probe = NULL;
	cx->gpu_down = 0;
	/*
	 * It is a process with a context and no VM: a spare, which the
	 * first VM takes now; with no VM and no spares wanted, it goes.
	 */
	if (!cx->chans && !cx->p.spare) {
		cx_retire_inst(cx, in);
	} else {
		in->next = cx->spares;
		cx->spares = in;
		cx->nspare++;
	}
	cx->spare_retry_at = 0;
	for (struct cx_chan *ch = cx->chans; ch; ch = ch->next) {
		ch->restart_at = 0;
		ch->failures = 0;
		/* What the loss did was told with DEVICE_LOST already. */
		ch->owed = 0;
	}
	cx_wake(cx);
}

static void probe_failed(struct cuda_exec *cx, uint64_t now, int32_t cu_error,
			 const char *why)
{
	struct cx_inst *in = cx->probe;
	char buf[96];

	snprintf(buf, sizeof(buf), "probe: %s", why);
	log_warn("cuda executor: the GPU is still lost: probe process %d %s (device error %d)",
		 (int)in->pid, why, cu_error);
	cx->probe = NULL;
	cx_retire_inst(cx, in);
	gpu_health_probe_done(&cx->health, now, 0, cu_error, buf);
}

void cx_gpu_step(struct cuda_exec *cx, uint64_t now)
{
	struct cx_inst *in = cx->probe;

	if (in) {
		uint32_t ready = atomic_load(&in->ctrl->ready);

		if (ready == CX_READY_OK && !in->exited)
			recovered(cx, now);
		else if (ready == CX_READY_FAILED)
			probe_failed(cx, now, in->ctrl->init_cu_error,
				     "found no GPU or no context");
		else if (in->exited)
			probe_failed(cx, now, 0, "exited");
		else if (now - in->t_spawn >= cx->p.start_timeout_ms * 1000000ull)
			probe_failed(cx, now, 0, "timed out");
		return;
	}
	if (!gpu_health_probe_due(&cx->health, now))
		return;
	cx->probe = cx_spawn(cx, NULL);
	if (!cx->probe)
		gpu_health_probe_done(&cx->health, now, 0, 0,
				      "probe: cannot start a process");
	else
		log_info("cuda executor: probing the GPU (probe %llu): process %d",
			 (unsigned long long)cx->health.probes,
			 (int)cx->probe->pid);
}

void cx_gpu_health(const struct cuda_exec *cx, struct exec_health *out)
{
	const struct gpu_health *h = &cx->health;

	out->state = gpu_state_name(h->state);
	out->since_ns = h->since_ns;
	out->losses = h->losses;
	out->probes = h->probes;
	out->probes_failed = h->probes_failed;
	out->last_error = h->last_error;
	snprintf(out->last_why, sizeof(out->last_why), "%s", h->last_why);
	out->spawns = cx->st.spawns;
	out->restarts = cx->st.restarts;
	out->start_failures = cx->st.start_failures;
	out->faults = cx->st.faults;
	out->timeouts = cx->st.timeouts;
	out->lost = cx->st.lost;
	out->restarts_delayed = cx->st.restarts_delayed;
	out->spares_taken = cx->st.spares_taken;
	out->device_lost = cx->st.device_lost;
}
