/* SPDX-License-Identifier: MIT */
/*
 * Userspace stand-in for the kernel's linux/errno.h (see kshim.h): the C
 * library's errno.h reaches the system's UAPI one through this name.
 */
#include_next <linux/errno.h>
#include "../kshim.h"
