#!/bin/sh
# SPDX-License-Identifier: MIT
# How far NVIDIA's CUDA runtime gets over libcuda.so.1, and what it asks
# the driver for on the way (Documentation/libcuda.md, "The runtime"):
#   sh tests/gpu/libcuda/trace-cudart.sh [PROGRAM [ARGS]]
# Builds, into build/gpu/libcuda/trace/, a libcuda.so.1 whose
# cuGetExportTable is the test double cudart_trace.c (the product's is
# renamed and still answers what it knows), then runs PROGRAM (default:
# rt_test, built with the static cudart) over it, with the loopback
# transport on the fake device: no GPU and no Xen needed. Prints the
# library's log: the tables cudart asks for, each slot it calls, and the
# error it stops with.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
L=$top/build/gpu/libcuda
T=$L/trace
mkdir -p "$T" || exit 1
# The product's objects as they are, but proc.o's cuGetExportTable renamed
# (objcopy), so that the test double's is the one every caller reaches:
# dlsym, cuGetProcAddress and the library's own table alike.
if ! {
	make -C tests/gpu/libcuda &&
	make -C tools/libcuda O="$T" CUDA_HOME="$CUDA_HOME" &&
	objcopy --redefine-sym cuGetExportTable=cuvg_product_export_table \
		"$T/proc.o" "$T/proc-traced.o" &&
	cc -std=c11 -Wall -Wextra -Werror -O2 -g -fPIC -fvisibility=hidden \
		-I"$CUDA_HOME/include" -c -o "$T/cudart_trace.o" \
		tests/gpu/libcuda/cudart_trace.c &&
	cc -shared -Wl,-soname,libcuda.so.1 \
		-Wl,--version-script,tools/libcuda/libcuda.map @"$T/defsyms" \
		-o "$T/libcuda.so.1" $(ls "$T"/*.o | grep -v -e '/proc.o$') \
		-pthread -ldl
} >"$T/build.log" 2>&1; then
	tail -20 "$T/build.log"
	echo "trace-cudart: build FAILED"
	exit 1
fi
[ $# -gt 0 ] || set -- "$L/rt_test"
env LD_LIBRARY_PATH="$T" VGPU_CUDA_TRANSPORT="$L/libcuda-loopback.so" \
	VGPU_LOOPBACK=fake VGPU_CUDA_LOG=1 timeout 60 "$@" 2>&1
echo "trace-cudart: $1 exited $?"
