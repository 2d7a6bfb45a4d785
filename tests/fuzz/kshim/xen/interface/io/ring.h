/* SPDX-License-Identifier: MIT */
/*
 * Userspace stand-in for Xen's io/ring.h (see kshim.h): the ring check
 * needs only the index type.
 */
#ifndef VGPU_TESTS_FUZZ_KSHIM_RING_H
#define VGPU_TESTS_FUZZ_KSHIM_RING_H
#include "../../../kshim.h"
typedef unsigned int RING_IDX;
#endif
