/* SPDX-License-Identifier: MIT */
/* Userspace stand-in for the kernel header of this name (see kshim.h). */
#include "../kshim.h"
