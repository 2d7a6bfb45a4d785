/* SPDX-License-Identifier: MIT */
/*
 * The few kernel APIs that the backend's Xen-free files use, for a
 * userspace build of the very same files (the fuzz targets): fixed-size
 * types, BIT(), min_t/clamp_t/DIV_ROUND_UP, U32_MAX/U64_MAX,
 * is_power_of_2(), static_assert() and errno values. The files of kshim/linux/ and
 * kshim/xen/ (named as the kernel's headers) include this one; the fuzz
 * Makefile puts kshim/ first on the include path.
 */
#ifndef VGPU_TESTS_FUZZ_KSHIM_H
#define VGPU_TESTS_FUZZ_KSHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;

#define U32_MAX		((u32)~0u)
#define U64_MAX		((u64)~0ull)

#define BIT(nr)		(1ul << (nr))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#define min_t(type, x, y) ({ type __x = (x); type __y = (y); \
			     __x < __y ? __x : __y; })
#define max_t(type, x, y) ({ type __x = (x); type __y = (y); \
			     __x > __y ? __x : __y; })
#define clamp_t(type, v, lo, hi) min_t(type, max_t(type, v, lo), hi)

/* The kernel's one-argument form. */
#define static_assert(expr, ...) __static_assert(expr, ##__VA_ARGS__, #expr)
#define __static_assert(expr, msg, ...) _Static_assert(expr, msg)

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

#endif
