#!/bin/sh
# `make check`: every test layer, one after the other, each always run:
#   build  make all (modules and userspace); 1 passed or 1 failed
#   unit   make unit   -> "unit: N passed, N failed"
#   kunit  make kunit  -> "kunit: N passed, N failed"
#   install  tests/install/run.sh (make install-check) -> "install: N passed,
#          N failed": make install, DKMS builds, units, packages, lintian
#   gpu-fake  tests/gpu/run-fake.sh -> "gpu-fake: N passed, N failed": the
#          GPU tests and benchmarks on the fake CUDA device
#   stub   make stub-check -> "stub: N passed, N failed": the vgpu-stub QEMU
#          device; builds Debian's QEMU with it first when the cache
#          (/var/cache/vgpu-stub) lacks the current sources (cold: about
#          5 minutes on two cores; then a directory test)
#   lab    tests/xen/run-all.sh -> "lab: N passed, N failed"
# Each layer's output streams through and is kept in build/check/LAYER.log.
# A layer's counts come from its own last "LAYER: N passed, N failed" line;
# a layer without that line (missing script, crash, timeout) counts as
# 1 failed, and so does one that exits non-zero while reporting no failure.
# Prints one line per layer with its time, then, alone and last, the total:
#   N passed, N failed
# Exits non-zero if anything failed or nothing ran.
#
# Environment: CHECK_LAYERS (default "build unit kunit install gpu-fake stub lab") to run a subset;
# CHECK_TIMEOUT_<layer> (seconds) to change a layer's time limit.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logdir=$top/build/check
mkdir -p "$logdir" || exit 1
layers=${CHECK_LAYERS:-build unit kunit install gpu-fake stub lab}
jobs=$(nproc)

# Runs the layer's command with a time limit, its output to the terminal and
# to the log; returns its exit status.
run_logged() {
	name=$1 limit=$2
	shift 2
	rm -f "$logdir/$name.rc"
	{
		timeout -k 30 "$limit" "$@" </dev/null 2>&1
		echo $? >"$logdir/$name.rc"
	} | tee "$logdir/$name.log"
	return "$(cat "$logdir/$name.rc" 2>/dev/null || echo 1)"
}

layer_build() {
	run_logged build "${CHECK_TIMEOUT_build:-1800}" \
		make -C "$top" -j"$jobs" all
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "build: 1 passed, 0 failed" | tee -a "$logdir/build.log"
	else
		echo "build: 0 passed, 1 failed" | tee -a "$logdir/build.log"
	fi
	return "$rc"
}

layer_unit() {
	run_logged unit "${CHECK_TIMEOUT_unit:-900}" make -C "$top" unit
}

layer_kunit() {
	run_logged kunit "${CHECK_TIMEOUT_kunit:-1800}" make -C "$top" kunit
}

layer_install() {
	run_logged install "${CHECK_TIMEOUT_install:-900}" "$top/tests/install/run.sh"
}

layer_gpu_fake() {
	run_logged gpu-fake "${CHECK_TIMEOUT_gpu_fake:-900}" "$top/tests/gpu/run-fake.sh"
}

layer_stub() {
	run_logged stub "${CHECK_TIMEOUT_stub:-1800}" make -C "$top" stub-check
}

layer_lab() {
	if [ ! -x "$top/tests/xen/run-all.sh" ]; then
		echo "lab: tests/xen/run-all.sh is missing or not executable" |
			tee "$logdir/lab.log"
		return 1
	fi
	run_logged lab "${CHECK_TIMEOUT_lab:-3000}" "$top/tests/xen/run-all.sh"
}

total_p=0
total_f=0
report=""
t_all=$(date +%s)
for layer in $layers; do
	echo "check: === $layer ==="
	t0=$(date +%s)
	case $layer in
	build | unit | kunit | install | stub | lab) "layer_$layer"; rc=$? ;;
	gpu-fake) layer_gpu_fake; rc=$? ;;
	*) echo "check: unknown layer $layer" >"$logdir/$layer.log"; rc=1 ;;
	esac
	secs=$(($(date +%s) - t0))

	line=$(grep -E "^$layer: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?\$" \
		"$logdir/$layer.log" 2>/dev/null | tail -n 1)
	note=""
	skipped=$(grep -E "^$layer: skipped: " "$logdir/$layer.log" 2>/dev/null | tail -n 1)
	if [ -n "$skipped" ] && [ "$rc" -eq 0 ]; then
		p=0 f=0
		note=" (${skipped#"$layer: "})"
	elif [ -z "$line" ]; then
		p=0 f=1
		note=" (no summary line; exit status $rc)"
	else
		p=$(echo "$line" | sed -E 's/^[^:]*: ([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
			note=" (exit status $rc)"
		fi
	fi
	[ "$rc" -eq 124 ] && note="$note (timed out)"
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	report="${report}check: $layer: $p passed, $f failed in ${secs} s$note
"
done

echo "check: === summary ==="
printf '%s' "$report"
echo "check: took $(($(date +%s) - t_all)) s; logs in $logdir"
if [ $((total_p + total_f)) -eq 0 ]; then
	echo "check: nothing ran"
	total_f=1
fi
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
