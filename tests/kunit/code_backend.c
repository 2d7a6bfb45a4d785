// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Xen-free code of vgpu-back.ko under KUnit, compiled once into the UML
 * kernel: one #include per backend/ file that the suites test. Suites include
 * only the headers, so several suites can test one file without defining its
 * symbols twice.
 */
#include "../../backend/vgpu_ring_check.c"
#include "../../backend/vgpu_back_validate.c"
#include "../../backend/vgpu_back_wring.c"
