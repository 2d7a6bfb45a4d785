// SPDX-License-Identifier: MIT
/* Hash table of the worker's VMs by (domid, devid). */
#include <stdlib.h>

#include "vmtable.h"

static unsigned int hash(uint16_t domid, uint16_t devid)
{
	return ((unsigned int)domid * 31u + devid) % VMTABLE_BUCKETS;
}

void vmtable_init(struct vmtable *t)
{
	*t = (struct vmtable){ 0 };
}

struct vm *vmtable_find(const struct vmtable *t, uint16_t domid,
			uint16_t devid)
{
	struct vm *vm;

	for (vm = t->bucket[hash(domid, devid)]; vm; vm = vm->hnext)
		if (vm->ex.cfg.domid == domid && vm->ex.cfg.devid == devid)
			return vm;
	return NULL;
}

void vmtable_insert(struct vmtable *t, struct vm *vm)
{
	unsigned int h = hash(vm->ex.cfg.domid, vm->ex.cfg.devid);

	vm->hnext = t->bucket[h];
	t->bucket[h] = vm;
	t->count++;
}

void vmtable_remove(struct vmtable *t, struct vm *vm)
{
	struct vm **pp = &t->bucket[hash(vm->ex.cfg.domid, vm->ex.cfg.devid)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == vm) {
			*pp = vm->hnext;
			vm->hnext = NULL;
			t->count--;
			return;
		}
	}
}

static int cmp_vm(const void *a, const void *b)
{
	const struct vm *x = *(struct vm *const *)a, *y = *(struct vm *const *)b;
	uint32_t kx = (uint32_t)x->ex.cfg.domid << 16 | x->ex.cfg.devid;
	uint32_t ky = (uint32_t)y->ex.cfg.domid << 16 | y->ex.cfg.devid;

	return (kx > ky) - (kx < ky);
}

uint32_t vmtable_list(const struct vmtable *t, struct vm **out)
{
	uint32_t n = 0;

	for (unsigned int b = 0; b < VMTABLE_BUCKETS; b++)
		for (struct vm *vm = t->bucket[b]; vm; vm = vm->hnext)
			out[n++] = vm;
	qsort(out, n, sizeof(*out), cmp_vm);
	return n;
}

const char *pool_name(uint8_t pool, char buf[2])
{
	if (pool >= VGPUIF_MAX_POOLS)
		return "?";
	buf[0] = (char)('A' + pool);
	buf[1] = '\0';
	return buf;
}

const char *prio_name(uint8_t prio)
{
	static const char *const names[VGPUIF_NR_PRIOS] = {
		[VGPUIF_PRIO_HIGH] = "high",
		[VGPUIF_PRIO_MEDIUM] = "medium",
		[VGPUIF_PRIO_LOW] = "low",
	};

	return prio < VGPUIF_NR_PRIOS ? names[prio] : "?";
}
