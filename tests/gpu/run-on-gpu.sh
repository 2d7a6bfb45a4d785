#!/bin/sh
# The whole GPU run of the CUDA executor, on a machine with an NVIDIA GPU
# and CUDA (`sh tests/gpu/run-on-gpu.sh`):
#   1. what the machine is (GPU, driver, compute mode, cores);
#   2. builds the worker, vgpu-cuda-exec, the GPU tests and the benchmarks
#      with that machine's compiler and CUDA;
#   3. runs the GPU tests (tests/gpu/gpu_test.c), once with exec-seccomp
#      log to find calls the executors' allow-list lacks, then as the
#      worker runs by default (seccomp kill, executors not root);
#   4. runs the benchmarks (bench/gpu/gpu_bench.c) with their native
#      anchors, in the same run, on the same GPU;
#   5. prints a summary last.
# Every log goes to $OUT (default build/gpu/out): machine.log build.log
# test-seccomp-log.log seccomp-logged.log test.log test-turns.log
# test-mps.log bench.log
# ctxcost.log summary.txt. Exit status: the tests' (benchmarks
# report, they do not fail on timing; a wrong result fails them).
#
# Environment: TESTS (default: all), BENCH ("a b c" by default; "none" to
# skip), BENCH_SECONDS (2), JOBS (nproc).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
out=${OUT:-$top/build/gpu/out}
mkdir -p "$out" || exit 1
jobs=${JOBS:-$(nproc)}
bench=${BENCH:-a b c}
t0=$(date +%s)

{
	echo "== machine"
	date -u
	uname -r
	echo "cores: $(nproc)"
	nvidia-smi --query-gpu=name,driver_version,memory.total,compute_mode,persistence_mode,clocks.sm,clocks.max.sm --format=csv 2>&1
	nvidia-smi -q 2>/dev/null | grep -iE "compute mode|mig mode|current" | head -8
	command -v nvcc || ls /usr/local/cuda/bin/nvcc
	/usr/local/cuda/bin/nvcc --version 2>&1 | tail -1
	grep -m1 "model name" /proc/cpuinfo
	free -g | head -2
	echo "user: $(id)"
	for t in nvidia-cuda-mps-control strace perf; do
		echo "$t: $(command -v $t || echo absent)"
	done
	echo "seccomp actions logged: $(cat /proc/sys/kernel/seccomp/actions_logged 2>&1)"
	dmesg >/dev/null 2>&1 && echo "kernel log: readable" || echo "kernel log: not readable"
} >"$out/machine.log" 2>&1
cat "$out/machine.log"

echo "== build"
if ! {
	make -j"$jobs" -C dom0-worker &&
	make -j"$jobs" -C tests/gpu &&
	make -j"$jobs" -C bench/gpu
} >"$out/build.log" 2>&1; then
	tail -40 "$out/build.log"
	echo "run-on-gpu: build FAILED"
	exit 1
fi
ls -la build/dom0-worker/vgpu-worker build/dom0-worker/vgpu-cuda-exec build/gpu/
echo "probe: $(build/dom0-worker/vgpu-cuda-exec --probe 2>&1)"

# The seccomp allow-list against this driver: the tests once with
# exec-seccomp = log (a call outside the list is allowed and the kernel
# logs it, audit type 1326), and the kernel's lines kept.
echo "== tests with exec-seccomp log"
kmsg_before=$(mktemp)
dmesg >"$kmsg_before" 2>/dev/null
# shellcheck disable=SC2086 # TESTS is a list of names
timeout -k 10 240 build/gpu/vgpu-gpu-test --exec-seccomp log ${TESTS:-} \
	>"$out/test-seccomp-log.log" 2>&1
lrc=$?
dmesg 2>/dev/null | diff "$kmsg_before" - | grep -E "type=1326|seccomp" \
	>"$out/seccomp-logged.log"
rm -f "$kmsg_before"
sed 's/^gpu-test:/gpu-test (seccomp log):/' "$out/test-seccomp-log.log" | grep -E "^gpu-test.*(ok|FAIL|passed)"
echo "system calls outside the allow-list: $(grep -c . "$out/seccomp-logged.log") log lines"
grep -oE "syscall=[0-9]+" "$out/seccomp-logged.log" | sort | uniq -c

echo "== tests"
# shellcheck disable=SC2086 # TESTS is a list of names
timeout -k 10 240 build/gpu/vgpu-gpu-test ${TESTS:-} >"$out/test.log" 2>&1
trc=$?
[ "$lrc" -ne 0 ] && [ "$trc" -eq 0 ] && trc=$lrc
grep -E "^gpu-test:" "$out/test.log"
[ "$trc" -eq 124 ] && echo "run-on-gpu: the tests TIMED OUT"
# The same, one VM on the GPU at a time (turn-quota), where it matters.
timeout -k 10 150 build/gpu/vgpu-gpu-test --turn-quota 8 eight_vms pipeline \
	faults >"$out/test-turns.log" 2>&1
t2rc=$?
sed 's/^gpu-test:/gpu-test (turns):/' "$out/test-turns.log" | grep -E "^gpu-test"
[ "$t2rc" -ne 0 ] && trc=$t2rc

# The MPS tier (exec-mps-pipe) against a private MPS control daemon, where
# the driver has one (the GPU machine keeps it in /usr/local/nvidia/bin).
mps=$(PATH=$PATH:/usr/local/nvidia/bin command -v nvidia-cuda-mps-control)
if [ -n "$mps" ] && mpsdir=$(mktemp -d /tmp/vgpu-test-mps-XXXXXX); then
	mkdir -p "$mpsdir/pipe" "$mpsdir/log"
	if CUDA_MPS_PIPE_DIRECTORY=$mpsdir/pipe CUDA_MPS_LOG_DIRECTORY=$mpsdir/log "$mps" -d; then
		VGPU_TEST_MPS_PIPE=$mpsdir/pipe timeout -k 10 120 build/gpu/vgpu-gpu-test \
			mps_tier >"$out/test-mps.log" 2>&1
		t3rc=$?
		echo quit | CUDA_MPS_PIPE_DIRECTORY=$mpsdir/pipe "$mps"
		sleep 2
		sed 's/^gpu-test:/gpu-test (MPS):/' "$out/test-mps.log" | grep -E "^gpu-test"
		tail -5 "$mpsdir/log/control.log" >>"$out/test-mps.log" 2>/dev/null
		[ "$t3rc" -ne 0 ] && trc=$t3rc
	fi
	rm -rf "$mpsdir"
fi

brc=0
if [ "$bench" != none ]; then
	echo "== benchmarks"
	# MPS for the fair anchors and the MPS tier's figures ($mps, above).
	# shellcheck disable=SC2086 # BENCH is a list of names
	timeout -k 10 400 build/gpu/vgpu-gpu-bench --seconds "${BENCH_SECONDS:-2}" \
		${mps:+--mps-control "$mps"} $bench >"$out/bench.log" 2>&1
	brc=$?
	# What one executor's context costs, and what its limits change.
	timeout -k 10 180 build/gpu/vgpu-gpu-ctxcost 4 ${mps:+"$mps"} >"$out/ctxcost.log" 2>&1 ||
		brc=1
	cat "$out/ctxcost.log"
	grep -E "^(bench: [a-c]:|small|big|empty|device=|inflight_(mode|adds))" "$out/bench.log"
fi

{
	echo "== summary ($(($(date +%s) - t0)) s)"
	grep -m1 -E "NVIDIA|GPU" "$out/machine.log"
	echo "seccomp log mode: $(grep -E "^gpu-test: [0-9]+ passed" "$out/test-seccomp-log.log"), $(grep -c . "$out/seccomp-logged.log") calls logged"
	grep -E "^gpu-test: .*(ok|FAIL|skipped)|^gpu-test: [0-9]+ passed" "$out/test.log"
	grep -E "^gpu-test: .*(ok|FAIL)|^gpu-test: [0-9]+ passed" "$out/test-turns.log" |
		sed 's/^gpu-test:/gpu-test (turns):/'
	grep -E "^gpu-test: .*(ok|FAIL|skipped|joined)|^gpu-test: [0-9]+ passed" "$out/test-mps.log" 2>/dev/null |
		sed 's/^gpu-test:/gpu-test (MPS):/'
	[ "$bench" != none ] && sed -n '/---- summary/,$p' "$out/bench.log" &&
		tr '\n' ' ' <"$out/ctxcost.log" && echo
	echo "tests exit $trc, benchmarks exit $brc"
} | tee "$out/summary.txt"
[ "$trc" -eq 0 ] && [ "$brc" -eq 0 ]
