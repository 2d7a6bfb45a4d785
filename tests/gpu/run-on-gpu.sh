#!/bin/sh
# The whole GPU run of the CUDA executor, on a machine with an NVIDIA GPU
# and CUDA (the device tool's H100: `sh tests/gpu/run-on-gpu.sh`):
#   1. what the machine is (GPU, driver, compute mode, cores);
#   2. builds the worker, vgpu-cuda-exec, the GPU tests and the benchmarks
#      with that machine's compiler and CUDA;
#   3. runs the GPU tests (tests/gpu/gpu_test.c);
#   4. runs the benchmarks (bench/gpu/gpu_bench.c) with their native
#      anchors, in the same run, on the same GPU;
#   5. prints a summary last.
# Every log goes to $OUT (default build/gpu/out): machine.log build.log
# test.log test-turns.log bench.log summary.txt. Exit status: the tests' (benchmarks
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

echo "== tests"
# shellcheck disable=SC2086 # TESTS is a list of names
timeout -k 10 240 build/gpu/vgpu-gpu-test ${TESTS:-} >"$out/test.log" 2>&1
trc=$?
grep -E "^gpu-test:" "$out/test.log"
[ "$trc" -eq 124 ] && echo "run-on-gpu: the tests TIMED OUT"
# The same, one VM on the GPU at a time (turn-quota), where it matters.
timeout -k 10 150 build/gpu/vgpu-gpu-test --turn-quota 8 eight_vms pipeline \
	faults >"$out/test-turns.log" 2>&1
t2rc=$?
sed 's/^gpu-test:/gpu-test (turns):/' "$out/test-turns.log" | grep -E "^gpu-test"
[ "$t2rc" -ne 0 ] && trc=$t2rc

brc=0
if [ "$bench" != none ]; then
	echo "== benchmarks"
	# shellcheck disable=SC2086 # BENCH is a list of names
	timeout -k 10 330 build/gpu/vgpu-gpu-bench --seconds "${BENCH_SECONDS:-2}" \
		$bench >"$out/bench.log" 2>&1
	brc=$?
	grep -E "^(bench: [a-c]:|small|big|empty|device=)" "$out/bench.log"
fi

{
	echo "== summary ($(($(date +%s) - t0)) s)"
	grep -m1 -E "NVIDIA|GPU" "$out/machine.log"
	grep -E "^gpu-test: .*(ok|FAIL)|^gpu-test: [0-9]+ passed" "$out/test.log"
	grep -E "^gpu-test: .*(ok|FAIL)|^gpu-test: [0-9]+ passed" "$out/test-turns.log" |
		sed 's/^gpu-test:/gpu-test (turns):/'
	[ "$bench" != none ] && sed -n '/---- summary/,$p' "$out/bench.log"
	echo "tests exit $trc, benchmarks exit $brc"
} | tee "$out/summary.txt"
[ "$trc" -eq 0 ] && [ "$brc" -eq 0 ]
