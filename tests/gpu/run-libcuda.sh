#!/bin/sh
# libcuda.so.1 on a machine with an NVIDIA GPU, no Xen
# (`sh tests/gpu/run-libcuda.sh`; Documentation/libcuda.md):
#   1. builds the worker's vgpu-cuda-exec, libcuda.so.1 (tools/libcuda),
#      libcudart.so.13 (tools/libcudart), the loopback plugin and the test
#      programs (tests/gpu/libcuda);
#   2. checks with ldd that each program loads NVIDIA's libraries natively
#      and this project's over LD_LIBRARY_PATH (else "same output" would
#      compare NVIDIA with itself);
#   3. runs each program twice, unmodified: natively (NVIDIA's
#      libcuda.so.1, and NVIDIA's libcudart.so.13 from $CUDA_HOME/lib64
#      for the programs built with -cudart shared) and over this
#      project's (LD_LIBRARY_PATH=build/libcudart:build/libcuda), whose
#      transport is the loopback plugin (VGPU_CUDA_TRANSPORT): the worker
#      and its CUDA executor in the program's process, over the simulated
#      backend, on this GPU; then compares the two standard outputs byte
#      for byte. A program passes only when both runs exited 0, the
#      native one printed something, and both printed the same. One
#      that differs runs once more over vgpu with the worker's debug log
#      (NAME.vgpu-debug.err);
#   4. runs the benchmark both ways and prints the ratios.
# Programs: drv_test (Driver API), rt_test_shared, rt_shared_test,
# rt_shared_test_ptds, rt_managed_test, thrust_test and managed_test
# (runtime API, __managed__ variables, Thrust
# and managed memory, -cudart shared: over this project's
# libcudart.so.13), and
# rt_test (runtime API, static cudart). rt_test is EXPECTED TO DIFFER:
# NVIDIA's static runtime asks the driver for its private export tables
# and integrity check, which vgpu does not serve (Documentation/libcuda.md,
# "The runtime"); its run shows that refusal and does not fail the script
# (its native run must still succeed).
#
# Every log goes to build/gpu/libcuda-out, with summary.txt (what this
# script prints) and bench-ratios.txt. Where OUT names another folder, it
# gets three files: summary.txt (written as the script goes),
# bench-ratios.txt and libcuda-logs.tar.gz (that folder's files).
# Each run is stopped after RUN_TIMEOUT seconds (60; the benchmark's after
# BENCH_TIMEOUT, 120), and once TIME_BUDGET seconds (420) have passed
# since the start the runs left are skipped, as failures, so that the
# whole script ends within a 10-minute limit with its summary written.
# JOBS: make's parallel jobs (nproc). A build that fails only on
# -Werror is made again without it, to run the programs all the same, and
# fails the status. Exit status 0 only when every program but rt_test
# printed the same both ways and both benchmark runs ended well.
#
# DRY_RUN=1 (no GPU needed): builds the same, then runs only the vgpu side
# of each program and of the benchmark, over the loopback on the fake
# device (VGPU_LOOPBACK=fake, libcudart-fake-exec, host memory, whose
# kernels are the fake device's own: the programs' kernels are not found),
# to check this script's plumbing; it compares nothing and its output says
# that it is no GPU result. Exit status 0 when the build, the ldd checks
# and the logs went through.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
work=$top/build/gpu/libcuda-out
out=${OUT:-$work}
L=$top/build/gpu/libcuda
jobs=${JOBS:-$(nproc)}
run_timeout=${RUN_TIMEOUT:-60}
bench_timeout=${BENCH_TIMEOUT:-120}
budget=${TIME_BUDGET:-420}
dry=${DRY_RUN:-}
[ "$dry" = 0 ] && dry=
cuda_home=${CUDA_HOME:-/usr/local/cuda}
t0=$(date +%s)
rm -rf "$work" && mkdir -p "$work" "$out" || exit 1

# Over this project's library: the worker in-process on the real GPU, or,
# for a dry run, on the fake device (paths without spaces: this is split
# into words for env).
vgpu_env="LD_LIBRARY_PATH=$top/build/libcudart:$top/build/libcuda
VGPU_CUDA_TRANSPORT=$L/libcuda-loopback.so"
if [ -n "$dry" ]; then
	vgpu_env="$vgpu_env VGPU_LOOPBACK=fake VGPU_LOOPBACK_FAKE_EXEC=$L/libcudart-fake-exec"
else
	vgpu_env="$vgpu_env VGPU_LOOPBACK=gpu VGPU_LOOPBACK_CUDA_EXEC=$top/build/dom0-worker/vgpu-cuda-exec"
fi
# Natively: the driver's libcuda.so.1, the toolkit's libcudart.so.13.
native_env="LD_LIBRARY_PATH=$cuda_home/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

elapsed() { echo $(($(date +%s) - t0)); }

# build_errors LOG: the compiler's complaints, else the log's end.
build_errors() {
	grep -E ": (fatal )?(error|warning):" "$1" | head -20 | grep . || tail -30 "$1"
}

# build [MAKE-ARGUMENTS...]: every part the runs need.
build() {
	make -j"$jobs" -C dom0-worker "$@" &&
		make -j"$jobs" -C tools/libcuda "$@" &&
		make -j"$jobs" -C tools/libcudart "$@" &&
		make -j"$jobs" -C tests/gpu/libcuda "$@" all thrust
}

# run SIDE NAME LIMIT PROGRAM ARGS...: one run, its standard output to
# $work/NAME.SIDE, its standard error to NAME.SIDE.err, nothing from the
# terminal; prints the exit status (124: stopped at LIMIT seconds). SIDE:
# native, vgpu, or vgpu-debug (vgpu with the worker's debug log and every
# cuGetProcAddress request logged).
run() {
	side=$1 name=$2 limit=$3
	shift 3
	# shellcheck disable=SC2086 # $vgpu_env is one word per variable
	case $side in
	native) set -- env "$native_env" "$@" ;;
	vgpu) set -- env $vgpu_env "$@" ;;
	*) set -- env $vgpu_env VGPU_LOOPBACK_DEBUG=1 VGPU_CUDA_LOG=2 "$@" ;;
	esac
	timeout -k 5 "$limit" "$@" </dev/null >"$work/$name.$side" 2>"$work/$name.$side.err"
	rc=$?
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "$side: stopped after $limit s (exit $rc)"
	else
		echo "$side: exit $rc"
	fi
	return $rc
}

# libs ENV PROGRAM: where the loader finds libcuda.so.1 and libcudart.so.13.
libs() {
	# shellcheck disable=SC2086 # $1 is one word per variable
	env $1 ldd "$2" 2>&1 |
		awk '$1 ~ /^libcuda(rt)?\.so/ { print $1, ($3 == "not" ? "NOT-FOUND" : $3) }'
}

main() {
	fail=0
	echo "== run-libcuda $(date -u +%FT%TZ)${dry:+ DRY RUN: the fake device, no GPU, nothing compared}"
	command -v nvidia-smi >/dev/null &&
		nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1 | head -2
	echo "== build"
	if ! build >"$work/build.log" 2>&1 </dev/null; then
		build_errors "$work/build.log"
		# A compiler newer than the one the code was written with may
		# warn where it did not: the GPU run is still worth having, so
		# build again without -Werror, and say so (the status fails).
		# (gcc: "[-Werror=...]", clang: "[-Werror,...]"; make's command
		# lines hold a bare -Werror whatever failed.)
		if ! grep -q -e "warnings being treated as errors" -e "\[-Werror" \
			"$work/build.log"; then
			echo "run-libcuda: build FAILED ($(elapsed) s)"
			return 1
		fi
		if ! build WARN="-std=c11 -Wall -Wextra" >"$work/build-no-werror.log" \
			2>&1 </dev/null; then
			build_errors "$work/build-no-werror.log"
			echo "run-libcuda: build FAILED, also without -Werror ($(elapsed) s)"
			return 1
		fi
		echo "run-libcuda: BUILT ONLY WITHOUT -Werror: fix the warnings above (build.log)"
		fail=1
	fi
	for f in "$top/build/libcuda/libcuda.so.1" "$top/build/libcudart/libcudart.so.13" \
		"$L/libcuda-loopback.so" "$L/drv_test" "$L/drv_kernels.cubin" \
		"$L/thrust_test" "$L/managed_test" "$L/libcuda_bench" \
		"$L/libcudart-fake-exec"; do
		[ -e "$f" ] || { echo "run-libcuda: the build made no $f"; return 1; }
	done
	if [ -z "$dry" ] && [ ! -x "$top/build/dom0-worker/vgpu-cuda-exec" ]; then
		echo "run-libcuda: no build/dom0-worker/vgpu-cuda-exec (no cuda.h under $cuda_home?)"
		return 1
	fi
	echo "build: ok ($(elapsed) s)"

	# The libraries each program loads, both ways: ours over vgpu_env,
	# anything else natively (rt_test links the runtime statically and
	# opens libcuda.so.1 itself: not listed by ldd).
	echo "== libraries"
	for p in drv_test rt_test_shared rt_shared_test rt_shared_test_ptds rt_managed_test thrust_test \
		managed_test libcuda_bench; do
		v=$(libs "$vgpu_env" "$L/$p")
		n=$(libs "$native_env" "$L/$p")
		echo "$v" | sed "s|^|$p vgpu: |"
		[ -z "$dry" ] && echo "$n" | sed "s|^|$p native: |"
		if echo "$v" | grep -v " $top/build/" | grep -q . ||
			! echo "$v" | grep -q "^libcuda.so.1 $top/build/libcuda/"; then
			echo "run-libcuda: $p does not load this project's libraries over LD_LIBRARY_PATH"
			return 1
		fi
		if [ -z "$dry" ] && echo "$n" | grep -q -e " $top/build/" -e "NOT-FOUND$"; then
			echo "run-libcuda: $p natively: a library not found or not NVIDIA's"
			fail=1
		fi
	done

	# Each program (and each drv_test test: a failed call ends drv_test) runs
	# natively, then over the library; outputs are compared byte for byte.
	# shellcheck disable=SC2086 # $prog is the program and its arguments
	for prog in "drv_test $L vadd" "drv_test $L matmul" "drv_test $L reduce" \
		"drv_test $L params" "drv_test $L streams" "drv_test $L mem" \
		"rt_test_shared" "rt_shared_test" "rt_shared_test_ptds" "rt_managed_test" "thrust_test" \
		"managed_test" "rt_test"; do
		name=$(echo "$prog" | awk '{ print $1 ($3 ? "-" $3 : "") }')
		echo "== $name"
		if [ "$(elapsed)" -ge "$budget" ]; then
			echo "$name: SKIPPED: $(elapsed) s passed, over TIME_BUDGET=$budget"
			fail=1
			continue
		fi
		if [ -n "$dry" ]; then
			run vgpu "$name" "$run_timeout" $L/$prog
			vrc=$?
			echo "$name: dry run, vgpu exit $vrc, not compared; first lines:"
			(cd "$work" && head -2 "$name.vgpu" "$name.vgpu.err") | sed 's/^/  /'
			continue
		fi
		run native "$name" "$run_timeout" $L/$prog
		nrc=$?
		run vgpu "$name" "$run_timeout" $L/$prog
		vrc=$?
		# Two failed runs can print the same (nothing, say): a program
		# passes only when both exited 0 and the native run printed.
		if [ $nrc != 0 ] || [ ! -s "$work/$name.native" ]; then
			echo "$name: NATIVE RUN FAILED (exit $nrc): nothing to compare with; first lines:"
			(cd "$work" && head -3 "$name.native" "$name.native.err")
			fail=1
		elif [ $vrc = 0 ] && cmp -s "$work/$name.native" "$work/$name.vgpu"; then
			echo "$name: same output ($(wc -l <"$work/$name.native") lines)"
		elif [ "$name" = rt_test ]; then
			echo "$name: different (vgpu exit $vrc), as expected (static cudart: the integrity check)"
			(cd "$work" && head -3 "$name.vgpu" "$name.vgpu.err")
		else
			echo "$name: DIFFERENT (vgpu exit $vrc)"
			diff "$work/$name.native" "$work/$name.vgpu" | head -20
			echo "-- library log (first lines):"
			head -5 "$work/$name.vgpu.err"
			fail=1
			# The same again with the worker's debug log, for whoever
			# reads the logs after this machine is gone.
			if [ $vrc != 124 ] && [ $vrc != 137 ] && [ "$(elapsed)" -lt "$budget" ]; then
				run vgpu-debug "$name" "$run_timeout" $L/$prog
				echo "-- again with VGPU_LOOPBACK_DEBUG=1 VGPU_CUDA_LOG=2 ($name.vgpu-debug.err), last lines:"
				tail -8 "$work/$name.vgpu-debug.err" | cut -c1-300
			fi
		fi
	done

	echo "== bench"
	brc=0
	: >"$work/bench.native"
	: >"$work/bench.vgpu"
	if [ "$(elapsed)" -ge "$budget" ]; then
		echo "bench: SKIPPED: $(elapsed) s passed, over TIME_BUDGET=$budget"
		brc=1
	else
		[ -n "$dry" ] || run native bench "$bench_timeout" "$L/libcuda_bench" "$L" || brc=1
		run vgpu bench "$bench_timeout" "$L/libcuda_bench" "$L" || brc=1
	fi
	# By file name, not FNR == NR: an empty native file (a run stopped
	# before it printed) must not make the vgpu figures the native ones.
	awk '
		FILENAME == ARGV[1] && $1 == "bench:" && $2 != "error" {
			nat[$2] = $3; unit[$2] = $4; order[++n] = $2; next }
		FILENAME == ARGV[2] && $1 == "bench:" && $2 != "error" {
			vg[$2] = $3; if (!($2 in nat)) { unit[$2] = $4; order[++n] = $2 } }
		END {
			printf "%-14s %14s %14s %-12s %s\n", "bench", "native", "vgpu", "unit", "vgpu/native"
			for (i = 1; i <= n; i++) {
				k = order[i]
				hn = k in nat
				hv = k in vg
				r = hn && hv && nat[k] > 0 ? sprintf("%.3f", vg[k] / nat[k]) : "-"
				printf "%-14s %14s %14s %-12s %s\n", k, hn ? nat[k] : "-",
				       hv ? vg[k] : "-", unit[k], r
			}
		}' "$work/bench.native" "$work/bench.vgpu" >"$work/bench-ratios.txt"
	cat "$work/bench-ratios.txt"
	grep -h -i "error" "$work/bench.native" "$work/bench.native.err" \
		"$work/bench.vgpu" "$work/bench.vgpu.err" 2>/dev/null | head -10

	echo "== end ($(elapsed) s)"
	if [ -n "$dry" ]; then
		echo "run-libcuda: DRY RUN on the fake device: plumbing only, nothing compared, no GPU result"
		return $fail
	fi
	[ $brc = 0 ] || echo "run-libcuda: the benchmark FAILED (bench.native, bench.vgpu)"
	echo "run-libcuda: $( [ $fail = 0 ] && echo all programs same || echo some programs DIFFER or FAILED)"
	[ $fail = 0 ] && [ $brc = 0 ]
}

# What main prints goes to the terminal and, as it goes, to $out's
# summary.txt (so that a run stopped from outside still leaves it); every
# run's output goes to files, so that no process it leaves behind holds
# this pipe open.
{
	main
	echo $? >"$work/status"
} 2>&1 | tee "$out/summary.txt"
if [ "$out" != "$work" ]; then
	cp "$out/summary.txt" "$work/summary.txt"
	cp "$work/bench-ratios.txt" "$out/bench-ratios.txt" 2>/dev/null
	tar -czf "$out/libcuda-logs.tar.gz" -C "$work" . ||
		echo "run-libcuda: cannot write $out/libcuda-logs.tar.gz"
fi
rc=$(cat "$work/status" 2>/dev/null)
exit "${rc:-1}"
