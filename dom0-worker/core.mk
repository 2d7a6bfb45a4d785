# The worker's sources other than main.c and the transports: the event
# loop, scheduler, limits, metrics and executors. The worker, the unit
# tests and the GPU tests and benchmarks link these, so a new file is
# listed here once.
WORKER_CORE_SRCS := worker.c worker_report.c ctlsock.c limits.c config.c \
	parse.c log.c sched.c vmtable.c metrics.c percentile.c orderlog.c \
	exec.c exec_cpu.c exec_cuda.c
