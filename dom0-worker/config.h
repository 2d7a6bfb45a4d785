/* SPDX-License-Identifier: MIT */
/*
 * vgpu-worker settings: defaults, the command line and the config file
 * share one set of keys (Documentation/worker.md lists them).
 *
 * Config file: one "key = value" per line; blank lines and lines whose first
 * non-blank character is '#' are ignored; spaces around key and value are
 * trimmed. Keys are the long options without "--".
 */
#ifndef VGPU_WORKER_CONFIG_H
#define VGPU_WORKER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "sched/sched.h"

#define CONFIG_PATH_MAX		256
#define CONFIG_FILE_MAX		(64 * 1024)

#define CONFIG_DEFAULT_DEVICE	"/dev/vgpu-back"
#define CONFIG_DEFAULT_CONTROL	"/run/vgpu/worker.sock"
/* The executors' user; "nobody" where it does not exist (main.c). */
#define CONFIG_DEFAULT_EXEC_USER	"vgpu-exec"

struct worker_config {
	char device[CONFIG_PATH_MAX];	/* device */
	char executor[16];		/* executor: cpu, cuda, auto */
	char order_log[CONFIG_PATH_MAX];/* order-log, "" = none */
	enum vlog_level log_level;	/* log-level */
	uint32_t op_delay_ms;		/* op-delay-ms */
	uint64_t mem_budget;		/* mem-budget, bytes; 0 = auto (exec_budget.h) */
	uint32_t stats_interval;	/* stats-interval, seconds, 0 = off */
	/*
	 * max-queued: accepted (1..65536) and ignored; nothing reads it. The
	 * backend bounds a VM's queue: its max-queued key, else the module's
	 * max_queued_per_dev (Documentation/backend.md).
	 */
	uint32_t obsolete_max_queued;
	uint32_t max_queued_all;	/* queue-max: all VMs together */
	uint32_t batch;			/* batch: events per read, completions per write */
	uint32_t metrics_window;	/* metrics-window: latency samples per VM */
	uint32_t max_allocs;		/* max-allocs: allocations per VM */

	/* Scheduling and per-VM limits (Documentation/scheduler.md). */
	enum sched_mode sched_mode;	/* sched: strict, weighted, aging */
	uint32_t sched_weights[SCHED_NR_LEVELS];	/* sched-weights: "4:2:1" */
	uint32_t sched_aging_ms;	/* sched-aging-ms: wait worth one level */
	uint32_t vm_max_inflight;	/* vm-max-inflight: when the VM's is 0; 0 = none */
	uint32_t rate_burst;		/* rate-burst: bucket size, 0 = one second's */
	char control_socket[CONFIG_PATH_MAX];	/* control-socket, "" = none */
	char control_group[64];		/* control-group: may connect too; "" = root only */

	/*
	 * Requests that stay in the executor (CUDA) while they run: how many
	 * at once (sched/dispatch.h). Not the admission limit vm_max_inflight.
	 */
	uint32_t max_running;		/* max-running: all VMs, 0 = no limit */
	uint32_t vm_max_running;	/* vm-inflight: per VM, when its max-inflight is 0 */
	/*
	 * Connects of one device (each one an executor process and a GPU
	 * context): connect-burst at once, then one per connect-interval-ms;
	 * more are refused. Interval 0: no limit.
	 */
	uint32_t connect_burst;		/* connect-burst */
	uint32_t connect_interval_ms;	/* connect-interval-ms */
	uint32_t turn_quota;		/* turn-quota: one VM on the GPU at a time, 0 = off */
	uint32_t prio_hold_us;		/* prio-hold-us: a level stays busy this long */
	uint32_t prio_share;		/* prio-share: running while a higher level is busy */

	/* The CUDA executor (Documentation/cuda-executor.md). */
	char cuda_exec[CONFIG_PATH_MAX];/* cuda-exec: program, "" = beside the worker */
	char cuda_sched[8];		/* cuda-sched: auto, spin, yield, block */
	uint32_t cuda_device;		/* cuda-device: CUDA device ordinal */
	uint32_t request_timeout_ms;	/* request-timeout-ms: watchdog, 0 = off */
	uint32_t cuda_slot_size;	/* cuda-slot-size: staging chunk, bytes */
	uint32_t cuda_slots;		/* cuda-slots: staging chunks per VM */
	uint32_t copy_threads;		/* copy-threads: helper threads for big copies */
	uint32_t cuda_spin_us;		/* cuda-spin-us: executor spins before sleeping */
	uint32_t cuda_stack_bytes;	/* cuda-stack-bytes: per-thread stack; 0: driver's */
	char exec_mps_pipe[CONFIG_PATH_MAX];	/* exec-mps-pipe: MPS tier; "" = off */
	uint32_t exec_mps_lower_percent;	/* exec-mps-lower-percent (1..100) */
	uint32_t exec_spare;		/* exec-spare: executor processes kept ready */
	char exec_user[64];		/* exec-user: the executors' user, "root": stay */
	char exec_seccomp[8];		/* exec-seccomp: kill, log, off */
};

void config_defaults(struct worker_config *cfg);

/*
 * Sets one key. Returns 0, or -1 with a message in err (for a bad key or
 * value; cfg is unchanged then).
 */
int config_set(struct worker_config *cfg, const char *key, const char *value,
	       char *err, size_t errlen);

/*
 * Parses config text of len bytes; @name prefixes messages ("FILE:LINE: ").
 * Stops at the first bad line: returns -1 with the message in err. Lines
 * before it have been applied.
 */
int config_parse_buffer(struct worker_config *cfg, const char *text,
			size_t len, const char *name, char *err, size_t errlen);

/* Reads and parses a file (at most CONFIG_FILE_MAX bytes). */
int config_load_file(struct worker_config *cfg, const char *path,
		     char *err, size_t errlen);

#endif
