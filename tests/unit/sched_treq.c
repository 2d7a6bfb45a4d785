// SPDX-License-Identifier: MIT
/* The scheduler tests' request (see sched_treq.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sched_treq.h"

struct treq *treq_new(int vm, int n)
{
	struct treq *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->vm = vm;
	r->n = n;
	return r;
}
