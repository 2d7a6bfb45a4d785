// SPDX-License-Identifier: MIT
/* The clock the tests set by hand (see fake_clock.h). */
#include "fake_clock.h"

uint64_t fake_now;

uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}
