#!/bin/sh
# `make check`'s gpu-fake layer: the GPU tests and the GPU benchmarks on
# the fake CUDA device (tests/sim/cx_dev_fake.c, host memory, no GPU), so
# their code paths and every result check run where no GPU is. The
# benchmarks' figures mean nothing here; a wrong result fails them.
# Then, where nvcc and cuda.h are, the runtime's program
# (tests/gpu/libcuda/rt_shared_test.cu, built with -cudart shared, also
# with --default-stream per-thread) over
# this project's libcudart.so.13 and libcuda.so.1, through the loopback on
# the fake device; elsewhere it is skipped with a line saying so.
# Then vgpu-cuda-check (tools/cudacheck) on two of them: rt_shared_test
# runs over build/libcudart and build/libcuda, rt_test (static cudart) not.
# Prints "gpu-fake: N passed, N failed": each GPU test, plus one for the
# benchmarks, plus one for each build of the runtime's program, plus two
# for vgpu-cuda-check.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
jobs=$(nproc)
p=0 f=0

if ! { make -s -j"$jobs" -C dom0-worker && make -s -j"$jobs" -C tests/gpu &&
	make -s -j"$jobs" -C bench/gpu; }; then
	echo "gpu-fake: 0 passed, 1 failed"
	exit 1
fi
timeout -k 10 300 build/gpu/vgpu-gpu-test --fake >build/gpu/fake-test.log 2>&1
rc=$?
grep -E "^gpu-test: " build/gpu/fake-test.log
line=$(grep -E "^gpu-test: [0-9]+ passed, [0-9]+ failed$" build/gpu/fake-test.log | tail -1)
if [ -n "$line" ]; then
	p=$(echo "$line" | sed -E 's/^gpu-test: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
fi
if [ -z "$line" ] || { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; }; then
	echo "gpu-fake: the GPU tests exited $rc (build/gpu/fake-test.log)"
	f=$((f + 1))
fi
if timeout -k 10 300 build/gpu/vgpu-gpu-bench --fake --seconds 0.2 \
	>build/gpu/fake-bench.log 2>&1; then
	echo "gpu-fake: benchmarks on the fake device: ok"
	p=$((p + 1))
else
	tail -5 build/gpu/fake-bench.log
	echo "gpu-fake: benchmarks on the fake device: FAIL (build/gpu/fake-bench.log)"
	f=$((f + 1))
fi

# The runtime (Documentation/libcudart.md): rt_shared_test, built as is
# and with --default-stream per-thread, and rt_managed_test (a __managed__
# variable); their checks print one line each and they exit non-zero if
# one failed. Output to a file, not a pipe: an
# executor process outliving a crashed program must not hold it open.
cuda_home=${CUDA_HOME:-/usr/local/cuda}
if [ -x "$cuda_home/bin/nvcc" ] && [ -f "$cuda_home/include/cuda.h" ]; then
	L=build/gpu/libcuda
	log=build/gpu/fake-libcudart-build.log
	if make -s -j"$jobs" -C tools/libcuda >"$log" 2>&1 &&
		make -s -j"$jobs" -C tools/libcudart >>"$log" 2>&1 &&
		make -s -j"$jobs" -C tests/gpu/libcuda >>"$log" 2>&1; then
		built=1
	else
		tail -5 "$log"
		built=0
	fi
	for prog in rt_shared_test rt_shared_test_ptds rt_managed_test; do
		log=build/gpu/fake-$prog.log
		if [ "$built" = 1 ] &&
			timeout -k 10 120 env LD_LIBRARY_PATH="$top/build/libcudart:$top/build/libcuda" \
				VGPU_CUDA_TRANSPORT="$top/$L/libcuda-loopback.so" VGPU_LOOPBACK=fake \
				VGPU_LOOPBACK_FAKE_EXEC="$top/$L/libcudart-fake-exec" \
				"$L/$prog" >"$log" 2>&1; then
			echo "gpu-fake: $prog over libcudart on the fake device: ok ($(sed -n 's/^rt_[a-z]*: \([0-9]* checks\).*/\1/p' "$log"))"
			p=$((p + 1))
		else
			grep -E 'FAIL|^rt_(shared|managed): .*: cuda' "$log" 2>/dev/null | head -10
			echo "gpu-fake: $prog over libcudart on the fake device: FAIL ($log)"
			f=$((f + 1))
		fi
	done
	# Exit 0 for the shared runtime's program; 1, saying why, for the static.
	log=build/gpu/fake-cuda-check.log
	[ "$built" = 1 ] && make -s -C tools/cudacheck >"$log" 2>&1 || built=0
	for prog in rt_shared_test:0 rt_test:1; do
		rc=-1
		[ "$built" = 1 ] && { build/tools/vgpu-cuda-check --lib-dir build/libcudart \
			--lib-dir build/libcuda "$L/${prog%:*}" >>"$log" 2>&1; rc=$?; }
		if [ "$rc" = "${prog#*:}" ] && { [ "$rc" = 0 ] ||
			grep -q "rt_test: cannot run over vgpu: it carries NVIDIA's static CUDA runtime" "$log"; }; then
			echo "gpu-fake: vgpu-cuda-check ${prog%:*}: exit $rc: ok"
			p=$((p + 1))
		else
			echo "gpu-fake: vgpu-cuda-check ${prog%:*}: exit $rc, want ${prog#*:}: FAIL ($log)"
			f=$((f + 1))
		fi
	done
else
	echo "gpu-fake: libcudart's rt_shared_test: skipped (no $cuda_home/bin/nvcc or cuda.h)"
fi
echo "gpu-fake: $p passed, $f failed"
[ "$f" -eq 0 ]
