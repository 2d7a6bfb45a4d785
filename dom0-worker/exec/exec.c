// SPDX-License-Identifier: MIT
/* Executor plumbing shared by every kind: choice, the check, op delay. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vgpu/vgpuif_ops.h>

#include "exec.h"
#include "log.h"

/* Tried in this order by "auto": the GPU when there is one. */
static const struct exec_ops *const exec_kinds[] = {
	&exec_cuda_ops,
	&exec_cpu_ops,
};

static int try_create(struct executor *ex, const struct exec_ops *ops,
		      const struct exec_params *p)
{
	*ex = (struct executor){ .ops = ops, .params = *p };
	/* mem-budget auto (0): from the host (exec_budget.h). */
	if (!ex->params.mem_budget) {
		long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

		ex->params.mem_budget = exec_budget_default_cpu(
			pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0);
	}
	return ops->init(ex);
}

int exec_create(struct executor *ex, const char *kind,
		const struct exec_params *p)
{
	size_t n = sizeof(exec_kinds) / sizeof(exec_kinds[0]);
	int err = -ENODEV;

	if (strcmp(kind, "auto") == 0) {
		for (size_t i = 0; i < n; i++) {
			err = try_create(ex, exec_kinds[i], p);
			if (!err)
				return 0;
			log_info("executor %s not available (%s), trying the next",
				 exec_kinds[i]->name, strerror(-err));
		}
		ex->ops = NULL;
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(kind, exec_kinds[i]->name) == 0) {
			err = try_create(ex, exec_kinds[i], p);
			if (err)
				ex->ops = NULL;
			return err;
		}
	}
	return -ENOENT;
}

int exec_vm_attach(struct executor *ex, struct exec_vm *vm)
{
	struct exec_budget *b = &ex->budget;
	int st = exec_budget_admit(b, vm->cfg.mem_quota);
	int err;

	if (st == EXEC_BUDGET_REFUSE) {
		log_error("connect domid=%u devid=%u refused: %u VMs with %llu MiB of host memory each already fill the worker's share (%llu MiB)",
			  vm->cfg.domid, vm->cfg.devid, b->nvms,
			  (unsigned long long)(b->per_vm_host >> 20),
			  (unsigned long long)(b->host_share >> 20));
		return -ENOMEM;
	}
	if (st == EXEC_BUDGET_WARN)
		log_warn("connect domid=%u devid=%u: the VMs' mem-quotas (%llu MiB in all) overcommit the %llu MiB of the device: a VM may get NO_MEMORY below its quota",
			 vm->cfg.domid, vm->cfg.devid,
			 (unsigned long long)(b->quotas >> 20),
			 (unsigned long long)(b->device_mem >> 20));
	vm->budget_quota = vm->cfg.mem_quota;
	err = ex->ops->vm_attach(ex, vm);
	if (err)
		exec_budget_leave(b, vm->budget_quota);
	return err;
}

void exec_vm_detach(struct executor *ex, struct exec_vm *vm)
{
	ex->ops->vm_detach(ex, vm);
	exec_budget_leave(&ex->budget, vm->budget_quota);
}

void exec_destroy(struct executor *ex)
{
	if (ex->ops)
		ex->ops->fini(ex);
	ex->ops = NULL;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000ull),
		.tv_nsec = (long)(deadline_ns % 1000000000ull),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int exec_submit(struct executor *ex, struct exec_vm *vm,
		const struct vgpu_back_req *req, const struct exec_data *data,
		void *tag, struct exec_result *res)
{
	/* Only where every request ends here: timing then shows nothing. */
	int delay = ex->params.op_delay_ms && !ex->ops->reap;
	uint64_t start = delay ? mono_ns() : 0;
	const char *reason;
	int at_once = 1;

	*res = (struct exec_result){
		.status = vgpuif_check_op(req->operation, req->data_len,
					  &req->u, &reason),
	};
	if (res->status == VGPUIF_RSP_OKAY)
		at_once = ex->ops->submit(ex, vm, req, data, tag, res);
	else
		log_debug("%s request refused: %s",
			  vgpuif_op_name(req->operation), reason);
	if (delay)
		sleep_until(start + ex->params.op_delay_ms * 1000000ull);
	return at_once;
}

struct exec_wait {
	int done;
	struct exec_result *res;
};

/* The signature is exec_done_fn's. */
/* cppcheck-suppress constParameter */
static void wait_done(void *arg, void *tag, const struct exec_result *res)
{
	struct exec_wait *w = arg;

	if (tag == w) {
		*w->res = *res;
		w->done = 1;
	}
}

void exec_execute(struct executor *ex, struct exec_vm *vm,
		  const struct vgpu_back_req *req, const struct exec_data *data,
		  struct exec_result *res)
{
	struct exec_wait w = { .res = res };

	if (exec_submit(ex, vm, req, data, &w, res))
		return;
	while (!w.done) {
		struct pollfd pfd = { .fd = ex->ops->pollfd(ex), .events = POLLIN };

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			log_error("%s executor: poll: %s", ex->ops->name,
				  strerror(errno));
			break;
		}
		ex->ops->reap(ex, wait_done, &w);
	}
}

int exec_copy(const struct exec_data *data, uint32_t direction,
	      uint64_t offset, void *buf, uint64_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t n = len < EXEC_COPY_CHUNK ? len : EXEC_COPY_CHUNK;
		int err = data->copy(data->ctx, direction, offset, p, n);

		if (err)
			return err;
		offset += n;
		p += n;
		len -= n;
	}
	return 0;
}

void exec_health(struct executor *ex, struct exec_health *out)
{
	memset(out, 0, sizeof(*out));
	out->state = "ok";
	if (ex->ops->health)
		ex->ops->health(ex, out);
	if (out->since_ns) {
		struct timespec ts;
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		out->age_ns = now > out->since_ns ? now - out->since_ns : 0;
	}
}

void exec_reply_info(struct executor *ex, const struct exec_vm *vm,
		     const struct exec_data *data, struct exec_result *res)
{
	struct vgpuif_info info;
	struct exec_info ei;

	ex->ops->info(ex, vm, &ei);
	memset(&info, 0, sizeof(info));
	info.protocol_version = VGPUIF_PROTOCOL_VERSION;
	info.vm_id = vm->cfg.vm_id;
	info.pool = vm->cfg.pool;
	info.priority = vm->cfg.priority;
	info.flags = ei.flags;
	info.mem_total = ei.mem_total;
	info.mem_free = exec_visible_free(vm->cfg.mem_quota, ei.mem_used,
					  ei.mem_free);
	info.mem_quota = vm->cfg.mem_quota;
	info.mem_used = ei.mem_used;
	memcpy(info.device_name, ei.device_name, sizeof(info.device_name));
	info.device_name[sizeof(info.device_name) - 1] = '\0';
	if (exec_copy(data, VGPU_BACK_COPY_TO_GUEST, 0, &info, sizeof(info)))
		res->status = VGPUIF_RSP_ERROR;
	else
		res->status = VGPUIF_RSP_OKAY;
}
