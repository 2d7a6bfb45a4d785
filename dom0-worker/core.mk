# The worker's sources other than main.c and the transports: the event
# loop (loop/), the scheduler and limits (sched/), the executors (exec/)
# and the helpers shared with the tools (lib/); and those of the CUDA
# executor's process (CX_CHILD_SRCS). The worker, the unit tests and the
# GPU tests and benchmarks link these, so a new file is listed here once.
# Paths are from the repository root: a makefile that includes this file
# puts its own way to the root in front of them.
#
# The executors alone (exec/), for what links them without the loop.
WORKER_EXEC_SRCS := $(addprefix dom0-worker/exec/, exec.c exec_attrs.c exec_budget.c exec_cpu.c alloc_table.c \
	cuda/exec_cuda.c cuda/exec_cuda_proc.c cuda/exec_cuda_req.c \
	cuda/exec_cuda_copy.c cuda/exec_cuda_gpu.c cuda/gpu_health.c)
WORKER_CORE_SRCS := $(addprefix dom0-worker/, \
	loop/worker.c loop/worker_events.c loop/worker_report.c \
	loop/ctlsock.c loop/vmtable.c \
	loop/orderlog.c sched/sched.c sched/dispatch.c sched/limits.c \
	sched/metrics.c config.c exec_config.c log.c) $(WORKER_EXEC_SRCS) lib/parse.c lib/percentile.c \
	lib/ctlsock_client.c
# The CUDA executor's per-VM process, vgpu-cuda-exec, less its device
# layer: its own Makefile (exec/cuda/) adds the CUDA one, cx_dev_cuda.c;
# the tests add the host-memory one, tests/sim/cx_dev_fake.c. A program
# that links both lists has alloc_table.c and lib/parse.c twice; make's $^
# names each once.
CX_CHILD_SRCS := $(addprefix dom0-worker/exec/cuda/, cx_child.c \
	cx_async.c cx_xfer.c cx_mem.c cx_confine.c) dom0-worker/exec/alloc_table.c lib/parse.c
# Where the worker's sources find their headers, from the repository
# root: dom0-worker/ ("sched/sched.h"), the root ("lib/parse.h") and
# include/ ("vgpu/vgpuif.h").
WORKER_INCLUDE_DIRS := dom0-worker . include
