/* SPDX-License-Identifier: MIT */
/*
 * Number parsing shared by the worker's settings and the guest tools, so
 * "64M" means the same everywhere.
 */
#ifndef VGPU_LIB_PARSE_H
#define VGPU_LIB_PARSE_H

#include <stdint.h>

/* Plain decimal: digits only, no sign, no space, nothing after. 0 or -1. */
int parse_u64(const char *s, uint64_t *out);

/*
 * Decimal with an optional K, M, G or T suffix (powers of 1024, either
 * case), which may be followed by "B" or "iB": "4096", "64K", "512MiB",
 * "2GB". 0, or -1 for anything else or a value over 2^64 - 1.
 */
int parse_size(const char *s, uint64_t *out);

#endif
