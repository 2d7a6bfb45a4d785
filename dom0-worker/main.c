// SPDX-License-Identifier: MIT
/*
 * vgpu-worker: schedules the requests of every connected VM and runs them.
 * This file: options, config file, signals, start-up and exit. The loop is
 * in worker.c; Documentation/worker.md describes all of it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "lib/ctlsock_client.h"
#include "loop/ctlsock.h"
#include "exec/exec.h"
#include "exec/cuda/exec_cuda.h"
#include "exec/cuda/exec_cuda_ipc.h"
#include "exec_config.h"
#include "log.h"
#include "transport/transport.h"
#include "loop/worker.h"

#define EXIT_USAGE	2

static struct worker_ctl ctl;
static const char *query;	/* --query: client mode */

/* Long options whose names are config keys. */
static const struct option options[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "config", required_argument, NULL, 'c' },
	{ "executor", required_argument, NULL, 'e' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "order-log", required_argument, NULL, 'o' },
	{ "op-delay-ms", required_argument, NULL, 0 },
	{ "mem-budget", required_argument, NULL, 0 },
	{ "stats-interval", required_argument, NULL, 0 },
	{ "max-queued", required_argument, NULL, 0 },
	{ "queue-max", required_argument, NULL, 0 },
	{ "batch", required_argument, NULL, 0 },
	{ "metrics-window", required_argument, NULL, 0 },
	{ "max-allocs", required_argument, NULL, 0 },
	{ "sched", required_argument, NULL, 0 },
	{ "sched-weights", required_argument, NULL, 0 },
	{ "sched-aging-ms", required_argument, NULL, 0 },
	{ "vm-max-inflight", required_argument, NULL, 0 },
	{ "rate-burst", required_argument, NULL, 0 },
	{ "control-socket", required_argument, NULL, 0 },
	{ "control-group", required_argument, NULL, 0 },
	{ "query", required_argument, NULL, 'q' },
	{ "max-running", required_argument, NULL, 0 },
	{ "vm-inflight", required_argument, NULL, 0 },
	{ "connect-burst", required_argument, NULL, 0 },
	{ "connect-interval-ms", required_argument, NULL, 0 },
	{ "turn-quota", required_argument, NULL, 0 },
	{ "prio-hold-us", required_argument, NULL, 0 },
	{ "prio-share", required_argument, NULL, 0 },
	{ "cuda-exec", required_argument, NULL, 0 },
	{ "cuda-device", required_argument, NULL, 0 },
	{ "cuda-sched", required_argument, NULL, 0 },
	{ "request-timeout-ms", required_argument, NULL, 0 },
	{ "cuda-slot-size", required_argument, NULL, 0 },
	{ "cuda-slots", required_argument, NULL, 0 },
	{ "copy-threads", required_argument, NULL, 0 },
	{ "cuda-spin-us", required_argument, NULL, 0 },
	{ "cuda-stack-bytes", required_argument, NULL, 0 },
	{ "exec-mps-pipe", required_argument, NULL, 0 },
	{ "exec-mps-lower-percent", required_argument, NULL, 0 },
	{ "exec-user", required_argument, NULL, 0 },
	{ "exec-seccomp", required_argument, NULL, 0 },
	{ "exec-spare", required_argument, NULL, 0 },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: vgpu-worker [options]\n"
"  -d, --device PATH        backend device (default " CONFIG_DEFAULT_DEVICE ")\n"
"  -c, --config FILE        read 'key = value' settings; options override them\n"
"  -e, --executor KIND      cpu, cuda or auto (default auto)\n"
"  -l, --log-level LEVEL    error, warn, info or debug (default info)\n"
"  -o, --order-log FILE     append one line per completion: seq domid devid\n"
"                           vm_id pool prio op status\n"
"      --op-delay-ms N      every op takes at least N ms on the CPU executor\n"
"                           (tests)\n"
"      --mem-budget SIZE    memory the CPU executor may allocate (default auto:\n"
"                           a quarter of the host's RAM)\n"
"      --stats-interval S   print metrics every S seconds (default 0: off)\n"
"      --max-queued N       obsolete, accepted and ignored: the backend bounds\n"
"                           a VM's queue (its max-queued key)\n"
"      --queue-max N        requests waiting in all (default 4096)\n"
"      --batch N            events per read, completions per write (default 64)\n"
"      --metrics-window N   latency samples kept per VM (default 4096)\n"
"      --max-allocs N       allocations per VM (default 65536)\n"
"Scheduling and limits (Documentation/scheduler.md):\n"
"      --sched MODE         strict, weighted or aging (default strict)\n"
"      --sched-weights H:M:L  weighted shares of the levels (default 4:2:1)\n"
"      --sched-aging-ms N   aging: waiting N ms is worth one level (default 100)\n"
"      --vm-max-inflight N  requests in flight per VM when the VM has no\n"
"                           max-inflight; over it: BUSY (default 0: none)\n"
"      --rate-burst N       token bucket size per VM (default 0: the VM's\n"
"                           rate-limit, one second's worth)\n"
"      --control-socket PATH  metrics and VM list for vgpu-admin (default\n"
"                           " CONFIG_DEFAULT_CONTROL "; empty: none)\n"
"      --control-group NAME  group that may connect to it too, e.g.\n"
"                           vgpu-exporter (default: none, root only)\n"
"  -q, --query CMD          send CMD (device, forget, gpu, help, metrics,\n"
"                           vms) to a running worker's control socket,\n"
"                           print the answer, exit\n"
"      --max-running N      requests running at once on the CUDA executor,\n"
"                           all VMs together (default 0: no limit)\n"
"      --vm-inflight N      requests of one VM on the CUDA executor at once,\n"
"                           when the VM has no max-inflight (default 16)\n"
"      --connect-burst N    connects of one device at once, each an executor\n"
"                           process (default 5)\n"
"      --connect-interval-ms N  then one connect per N ms; more are refused\n"
"                           (default 10000; 0: no limit)\n"
"      --turn-quota N       one VM's requests on the GPU at a time, up to N\n"
"                           per turn (default 0: all VMs at once)\n"
"      --prio-hold-us N     a priority level counts as busy N us after its\n"
"                           last request (default 500)\n"
"      --prio-share N       while a higher level is busy, a lower one starts\n"
"                           a request only when fewer than N run (default 0:\n"
"                           not at all, strict priority)\n"
"CUDA executor (Documentation/cuda-executor.md):\n"
"      --cuda-exec PATH     per-VM executor program (default: vgpu-cuda-exec\n"
"                           beside vgpu-worker)\n"
"      --cuda-device N      CUDA device ordinal (default 0)\n"
"      --cuda-sched MODE    auto, spin, yield or block (default auto)\n"
"      --request-timeout-ms N  watchdog: a request running longer gets its\n"
"                           VM's executor restarted (default 10000, 0: off)\n"
"      --cuda-slot-size SIZE  staging chunk (default 1M)\n"
"      --cuda-slots N       staging chunks per VM (default 32)\n"
"      --copy-threads N     helper threads for large copies (default 8)\n"
"      --cuda-spin-us N     executor spins N us before sleeping (default 50)\n"
"      --cuda-stack-bytes N per-thread stack of each VM's context; kernels\n"
"                           that need more still get it (default 0: the\n"
"                           driver's, 1 KiB)\n"
"      --exec-mps-pipe DIR  the executor processes join the MPS server of the\n"
"                           control daemon whose pipe directory is DIR (default\n"
"                           none: a context per VM, time-sliced)\n"
"      --exec-mps-lower-percent N  with MPS: medium and low VMs' processes\n"
"                           may use N%% of the SMs (default 100)\n"
"      --exec-user NAME     user of the per-VM executor processes (default\n"
"                           vgpu-exec, else nobody; root: no switch)\n"
"      --exec-seccomp MODE  their seccomp filter: kill, log or off (default kill)\n"
"      --exec-spare N       executor processes kept started for the next VMs\n"
"                           that connect (default 1, 0..16)\n"
"  -h, --help               this text\n"
"Signals: TERM/INT finish queued requests and exit; HUP reopens the order\n"
"log; USR1 prints metrics.\n");
}

static void on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		ctl.stop++;
		break;
	case SIGHUP:
		ctl.reopen = 1;
		break;
	case SIGUSR1:
		ctl.dump = 1;
		break;
	}
}

/*
 * The signals stay blocked except while the loop waits in ppoll(), so one
 * that arrives just before the wait is not lost.
 */
static int setup_signals(sigset_t *wait_mask)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
		sigaddset(&block, sigs[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &block, wait_mask))
		return -errno;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigdelset(wait_mask, sigs[i]);
	return 0;
}

static int parse_args(int argc, char **argv, struct worker_config *cfg)
{
	char err[CONFIG_PATH_MAX + 128];
	const char *config_file = NULL;
	int c, idx;

	/* First pass: only --config, so options can override the file. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:c:e:l:o:q:h", options, NULL)) != -1) {
		if (c == 'c')
			config_file = optarg;
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
	}
	if (config_file && config_load_file(cfg, config_file, err, sizeof(err))) {
		fprintf(stderr, "vgpu-worker: %s\n", err);
		return -1;
	}

	opterr = 1;
	optind = 0;	/* glibc: start over */
	for (;;) {
		const char *key;

		idx = -1;
		c = getopt_long(argc, argv, "d:c:e:l:o:q:h", options, &idx);
		if (c == -1)
			break;
		if (c == '?' || c == ':') {
			usage(stderr);
			return -1;
		}
		if (c == 'c')
			continue;
		if (c == 'q') {
			query = optarg;
			continue;
		}
		if (idx < 0) {
			/* A short option: find its long twin. */
			for (idx = 0; options[idx].name; idx++)
				if (options[idx].val == c)
					break;
		}
		key = options[idx].name;
		if (config_set(cfg, key, optarg, err, sizeof(err))) {
			fprintf(stderr, "vgpu-worker: --%s\n", err);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vgpu-worker: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/*
 * The worker serves every VM: the OOM killer should take a VM's executor
 * process (CX_OOM_SCORE_ADJ, +500) or anything else first.
 */
#define WORKER_OOM_SCORE_ADJ	-500

static void set_oom_score_adj(int v)
{
	char buf[16];
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	int len = snprintf(buf, sizeof(buf), "%d", v);

	if (fd < 0 || write(fd, buf, (size_t)len) != len)
		log_warn("oom_score_adj %d: %s; the OOM killer may pick the worker",
			 v, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static uint64_t host_ram(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

/* mem-budget auto, or the operator's checked against the host. 0 or -1. */
static int resolve_mem_budget(struct worker_config *cfg, uint64_t ram)
{
	if (!cfg->mem_budget) {
		cfg->mem_budget = ram ? exec_budget_default_cpu(ram) : 1ull << 30;
		log_info("mem-budget auto: %llu MiB (host RAM %llu MiB)",
			 (unsigned long long)(cfg->mem_budget >> 20),
			 (unsigned long long)(ram >> 20));
		return 0;
	}
	switch (exec_budget_check_cpu(cfg->mem_budget, ram)) {
	case EXEC_BUDGET_REFUSE:
		log_error("mem-budget %llu MiB is more than the host's RAM (%llu MiB): one guest could take the worker, and every VM, down",
			  (unsigned long long)(cfg->mem_budget >> 20),
			  (unsigned long long)(ram >> 20));
		return -1;
	case EXEC_BUDGET_WARN:
		log_warn("mem-budget %llu MiB is more than the worker's share of the host's RAM (%llu of %llu MiB)",
			 (unsigned long long)(cfg->mem_budget >> 20),
			 (unsigned long long)(exec_budget_host_share(ram) >> 20),
			 (unsigned long long)(ram >> 20));
		return 0;
	default:
		return 0;
	}
}

/* --query: the worker's control socket as a client. */
static int run_query(const struct worker_config *cfg, const char *cmd)
{
	char *answer;
	int err;

	if (!cfg->control_socket[0]) {
		fprintf(stderr, "vgpu-worker: --query: control-socket is off\n");
		return EXIT_USAGE;
	}
	err = ctlsock_query(cfg->control_socket, cmd, &answer);
	if (err) {
		fprintf(stderr, "vgpu-worker: %s: %s\n", cfg->control_socket,
			strerror(-err));
		return EXIT_FAILURE;
	}
	fputs(answer, stdout);
	free(answer);
	return fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct worker_config cfg;
	struct exec_params ep;
	struct exec_cuda_params cp;
	struct executor ex;
	struct exec_info ei;
	struct transport tp = { .fd = -1 };
	struct worker w;
	struct ctlsock cs = { .fd = -1 };
	sigset_t wait_mask;
	int err, user_missing;

	config_defaults(&cfg);
	query = NULL;
	if (parse_args(argc, argv, &cfg))
		return EXIT_USAGE;
	vlog_set_level(cfg.log_level);
	if (query)
		return run_query(&cfg, query);

	err = setup_signals(&wait_mask);
	if (err) {
		log_error("signals: %s", strerror(-err));
		return EXIT_FAILURE;
	}
	ctl.wait_mask = &wait_mask;

	set_oom_score_adj(WORKER_OOM_SCORE_ADJ);
	if (resolve_mem_budget(&cfg, host_ram()))
		return EXIT_FAILURE;
	exec_cuda_default_params(&cp);
	user_missing = exec_config_cuda_params(&cfg, &cp);
	cp.program = cfg.cuda_exec;
	ep = (struct exec_params){
		.mem_budget = cfg.mem_budget,
		.op_delay_ms = cfg.op_delay_ms,
		.max_allocs = cfg.max_allocs,
		.cuda = &cp,
	};
	err = exec_create(&ex, cfg.executor, &ep);
	if (err) {
		log_error("executor %s: %s", cfg.executor,
			  err == -ENODEV ? "not available in this build or on this host" :
			  strerror(-err));
		return EXIT_FAILURE;
	}
	if (!strcmp(ex.ops->name, "cuda")) {
		/* No executor process runs a guest's work as root by accident. */
		if (user_missing) {
			log_error("exec-user %s: no such user%s", cfg.exec_user,
				  strcmp(cfg.exec_user, CONFIG_DEFAULT_EXEC_USER) ?
				  "" : " (nor nobody)");
			exec_destroy(&ex);
			return EXIT_FAILURE;
		}
		if (!cp.exec_uid)
			log_warn("exec-user: the executor processes run as %s",
				 geteuid() ? "the worker's user" : "root");
		else
			log_info("exec-user: executor processes run as uid %u gid %u, seccomp %s",
				 cp.exec_uid, cp.exec_gid, cfg.exec_seccomp);
	}
	ex.ops->info(&ex, NULL, &ei);
	/*
	 * What the worker can hold (exec_budget.h): connects past the host
	 * share are refused, quotas past the device's memory warned about.
	 */
	ex.budget = (struct exec_budget){
		.host_share = exec_budget_host_share(host_ram()),
		.per_vm_host = strcmp(ex.ops->name, "cuda") ? 0 :
			cx_shm_size(cp.nslots, cp.slot_size,
				    (cp.inline_max + 4095u) & ~4095u),
		.device_mem = ei.mem_total,
	};

	err = transport_dev_open(&tp, cfg.device);
	if (err) {
		log_error("%s: %s", cfg.device,
			  err == -EBUSY ? "another worker has it open" :
			  err == -EPROTO ? "backend speaks another ABI version" :
			  strerror(-err));
		exec_destroy(&ex);
		return EXIT_FAILURE;
	}
	err = worker_init(&w, &cfg, &tp, &ex);
	if (err) {
		log_error("start-up: %s", strerror(-err));
		transport_close(&tp);
		exec_destroy(&ex);
		return EXIT_FAILURE;
	}
	/* Metrics are not worth refusing to run the guests' requests. */
	if (cfg.control_socket[0]) {
		err = ctlsock_open(&cs, cfg.control_socket);
		if (err)
			log_warn("control socket %s: %s; running without it",
				 cfg.control_socket, strerror(-err));
		else
			w.ctl = &cs;
		if (w.ctl && cfg.control_group[0]) {
			err = ctlsock_share(&cs, cfg.control_group);
			if (err)
				log_warn("control socket %s: group %s: %s; root only",
					 cfg.control_socket, cfg.control_group,
					 strerror(-err));
		}
	}
	log_info("started: device=%s abi=%d executor=%s device_name=%s mem_total=%llu op_delay_ms=%u order_log=%s sched=%s weights=%u:%u:%u control_socket=%s",
		 cfg.device, VGPU_BACK_ABI_VERSION, ex.ops->name, ei.device_name,
		 (unsigned long long)ei.mem_total, cfg.op_delay_ms,
		 cfg.order_log[0] ? cfg.order_log : "-",
		 sched_mode_name(cfg.sched_mode), cfg.sched_weights[0],
		 cfg.sched_weights[1], cfg.sched_weights[2],
		 w.ctl ? cfg.control_socket : "-");

	err = worker_run(&w, &ctl);
	worker_print_metrics(&w, "exit");
	log_info("exiting%s%s", err ? ": " : "", err ? strerror(-err) : "");
	worker_fini(&w);
	ctlsock_close(&cs);
	/* Requests still held (none after a clean drain) fail with NO_WORKER. */
	transport_close(&tp);
	exec_destroy(&ex);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
