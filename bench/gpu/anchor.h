/* SPDX-License-Identifier: MIT */
/*
 * What the native anchor programs (native.c: vgpu-gpu-native, prio.c:
 * vgpu-gpu-prio) share: the executor's vector-add kernel, their clocks,
 * and bringing up device 0's primary context with their module.
 */
#ifndef VGPU_BENCH_GPU_ANCHOR_H
#define VGPU_BENCH_GPU_ANCHOR_H

#include <cuda.h>
#include <stdint.h>

/*
 * The PTX module's header and its entry vadd(a, b, c, n), the same
 * kernel as the executor's built-in vector add (c[i] = a[i] + b[i] for
 * i < n). A string literal, so that each program appends its own
 * entries and loads one module.
 */
#define ANCHOR_VADD_PTX \
	".version 7.0\n.target sm_75\n.address_size 64\n" \
	".visible .entry vadd(.param .u64 pa, .param .u64 pb, .param .u64 pc, .param .u32 pn)\n" \
	"{\n.reg .pred %p<2>;\n.reg .f32 %f<4>;\n.reg .b32 %r<6>;\n.reg .b64 %rd<11>;\n" \
	"ld.param.u64 %rd1, [pa];\nld.param.u64 %rd2, [pb];\nld.param.u64 %rd3, [pc];\n" \
	"ld.param.u32 %r2, [pn];\nmov.u32 %r3, %ctaid.x;\nmov.u32 %r4, %ntid.x;\n" \
	"mov.u32 %r5, %tid.x;\nmad.lo.s32 %r1, %r3, %r4, %r5;\nsetp.ge.u32 %p1, %r1, %r2;\n" \
	"@%p1 bra DONE;\ncvta.to.global.u64 %rd4, %rd1;\nmul.wide.u32 %rd5, %r1, 4;\n" \
	"add.s64 %rd6, %rd4, %rd5;\ncvta.to.global.u64 %rd7, %rd2;\nadd.s64 %rd8, %rd7, %rd5;\n" \
	"ld.global.nc.f32 %f1, [%rd8];\nld.global.nc.f32 %f2, [%rd6];\nadd.f32 %f3, %f2, %f1;\n" \
	"cvta.to.global.u64 %rd9, %rd3;\nadd.s64 %rd10, %rd9, %rd5;\nst.global.f32 [%rd10], %f3;\n" \
	"DONE:\nret;\n}\n"

/* CLOCK_MONOTONIC in ns: what the latencies and windows are measured on. */
uint64_t mono_ns(void);
/* CLOCK_REALTIME in ns: START_AT, which lines up several processes. */
uint64_t real_ns(void);

/*
 * cuInit, device 0, its primary context made current, @ptx loaded into
 * *@mod; exits on an error (cuda_check.h). Returns the device.
 */
CUdevice anchor_setup(CUcontext *ctx, const char *ptx, CUmodule *mod);

#endif
