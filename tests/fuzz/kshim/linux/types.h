/* SPDX-License-Identifier: MIT */
/*
 * Userspace stand-in for the kernel's linux/types.h (see kshim.h): the
 * system's UAPI one (__u8.. for uapi/linux/vgpu_back.h) and the kernel's
 * own names (u8..).
 */
#include_next <linux/types.h>
#include "../kshim.h"
