// SPDX-License-Identifier: MIT
/*
 * Per-VM FIFOs, FIFO by arrival in a level, and the choice of the level:
 * strict, weighted or aging (see sched.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "sched.h"

static uint8_t clamp_prio(uint8_t prio)
{
	return prio < SCHED_NR_LEVELS ? prio : SCHED_NR_LEVELS - 1;
}

/* What a ready VM is ordered by within its level: smaller runs first. */
static uint64_t sched_vm_key(const struct sched_vm *vm)
{
	return vm->head->seq;
}

/* The level a ready VM competes in. */
static unsigned int sched_vm_level(const struct sched_vm *vm)
{
	return vm->prio;
}

static void heap_set(struct sched_heap *h, uint32_t i, struct sched_vm *vm)
{
	h->v[i] = vm;
	vm->heap_idx = (int32_t)i;
}

static void heap_up(struct sched_heap *h, uint32_t i)
{
	struct sched_vm *vm = h->v[i];
	uint64_t key = sched_vm_key(vm);

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (sched_vm_key(h->v[parent]) <= key)
			break;
		heap_set(h, i, h->v[parent]);
		i = parent;
	}
	heap_set(h, i, vm);
}

static void heap_down(struct sched_heap *h, uint32_t i)
{
	struct sched_vm *vm = h->v[i];
	uint64_t key = sched_vm_key(vm);

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n &&
		    sched_vm_key(h->v[c + 1]) < sched_vm_key(h->v[c]))
			c++;
		if (key <= sched_vm_key(h->v[c]))
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, vm);
}

/* Capacity was reserved by sched_vm_add(): never fails. */
static void heap_push(struct sched_heap *h, struct sched_vm *vm)
{
	h->v[h->n] = vm;
	vm->heap_idx = (int32_t)h->n;
	h->n++;
	heap_up(h, h->n - 1);
}

static void heap_remove(struct sched_heap *h, struct sched_vm *vm)
{
	uint32_t i = (uint32_t)vm->heap_idx;

	vm->heap_idx = -1;
	h->n--;
	if (i == h->n)
		return;
	heap_set(h, i, h->v[h->n]);
	/* The moved VM may belong above or below its new place. */
	heap_up(h, i);
	heap_down(h, (uint32_t)h->v[i]->heap_idx);
}

static uint32_t max_running(const struct sched_vm *vm)
{
	return vm->max_running ? vm->max_running : 1;
}

static void make_ready(struct sched *s, struct sched_vm *vm)
{
	unsigned int l = sched_vm_level(vm);

	if (vm->heap_idx >= 0 || !vm->head || vm->running >= max_running(vm))
		return;
	/* An idle level must not bank credit while others ran. */
	if (!s->level[l].n && s->pass[l] < s->vpass)
		s->pass[l] = s->vpass;
	heap_push(&s->level[l], vm);
}

static void make_unready(struct sched *s, struct sched_vm *vm)
{
	if (vm->heap_idx >= 0)
		heap_remove(&s->level[sched_vm_level(vm)], vm);
}

int sched_init(struct sched *s, const struct sched_params *p)
{
	*s = (struct sched){ .p = *p, .next_seq = 1 };
	if (s->p.mode > SCHED_AGING)
		return -EINVAL;
	if (!s->p.max_queued_all)
		s->p.max_queued_all = 1;
	if (!s->p.vm_max_queued)
		s->p.vm_max_queued = 1;
	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++) {
		uint32_t w = s->p.weights[l];

		if (!w)
			w = 1;
		if (w > SCHED_WEIGHT_MAX)
			w = SCHED_WEIGHT_MAX;
		s->stride[l] = SCHED_STRIDE / w;
	}
	return 0;
}

void sched_fini(struct sched *s)
{
	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++)
		free(s->level[l].v);
	*s = (struct sched){ 0 };
}

int sched_vm_add(struct sched *s, struct sched_vm *vm, uint8_t prio,
		 uint32_t max_queued)
{
	/* A VM is in at most one heap: each needs room for every VM. */
	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++) {
		struct sched_heap *h = &s->level[l];

		if (h->cap < s->nr_vms + 1) {
			uint32_t cap = h->cap ? 2 * h->cap : 8;
			struct sched_vm **v = realloc(h->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			h->v = v;
			h->cap = cap;
		}
	}
	*vm = (struct sched_vm){
		.max_queued = max_queued,
		.prio = clamp_prio(prio),
		.attached = 1,
		.heap_idx = -1,
	};
	s->nr_vms++;
	return 0;
}

void sched_vm_remove(struct sched *s, struct sched_vm *vm,
		     void (*drop)(struct sched_req *r, void *arg), void *arg)
{
	struct sched_req *r, *next;

	if (!vm->attached)
		return;
	make_unready(s, vm);
	for (r = vm->head; r; r = next) {
		next = r->next;
		r->next = NULL;
		s->queued--;
		s->level_queued[vm->prio]--;
		if (drop)
			drop(r, arg);
	}
	s->running -= vm->running;
	vm->head = vm->tail = NULL;
	vm->queued = 0;
	vm->running = 0;
	vm->attached = 0;
	s->nr_vms--;
}

void sched_vm_set_prio(struct sched *s, struct sched_vm *vm, uint8_t prio)
{
	prio = clamp_prio(prio);
	if (vm->prio == prio)
		return;
	make_unready(s, vm);
	s->level_queued[vm->prio] -= vm->queued;
	vm->prio = prio;
	s->level_queued[prio] += vm->queued;
	make_ready(s, vm);
}

void sched_vm_set_max_queued(struct sched_vm *vm, uint32_t max_queued)
{
	vm->max_queued = max_queued;
}

void sched_vm_set_max_running(struct sched *s, struct sched_vm *vm,
			      uint32_t max_running)
{
	vm->max_running = max_running;
	if (vm->attached)
		make_ready(s, vm);	/* a raised limit may free its next */
}

int sched_enqueue(struct sched *s, struct sched_vm *vm, struct sched_req *r)
{
	uint32_t vm_max = vm->max_queued ? vm->max_queued : s->p.vm_max_queued;

	if (!vm->attached)
		return -EINVAL;
	if (vm->queued >= vm_max)
		return -EBUSY;
	if (s->queued >= s->p.max_queued_all)
		return -ENOSPC;
	r->next = NULL;
	r->seq = s->next_seq++;
	r->t_enqueue = s->p.clock(s->p.clock_ctx);
	r->t_start = 0;
	if (vm->tail)
		vm->tail->next = r;
	else
		vm->head = r;
	vm->tail = r;
	vm->queued++;
	s->queued++;
	s->level_queued[vm->prio]++;
	make_ready(s, vm);	/* no-op unless the VM was idle */
	return 0;
}

int sched_has_ready(const struct sched *s)
{
	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++)
		if (s->level[l].n)
			return 1;
	return 0;
}

unsigned int sched_next_level(const struct sched *s)
{
	unsigned int best = SCHED_NR_LEVELS;
	uint64_t best_key = 0;

	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++) {
		const struct sched_heap *h = &s->level[l];
		uint64_t key;

		if (!h->n)
			continue;
		if (s->p.mode == SCHED_STRICT)
			return l;
		if (s->p.mode == SCHED_WEIGHTED)
			key = s->pass[l];
		else
			key = h->v[0]->head->t_enqueue + l * s->p.aging_ns;
		/* Ties go to the higher level: the loop runs high to low. */
		if (best == SCHED_NR_LEVELS || key < best_key) {
			best = l;
			best_key = key;
		}
	}
	return best;
}

const char *sched_mode_name(enum sched_mode mode)
{
	switch (mode) {
	case SCHED_STRICT:
		return "strict";
	case SCHED_WEIGHTED:
		return "weighted";
	case SCHED_AGING:
		return "aging";
	}
	return "?";
}

/* Starts the head request of a ready VM (taken out of its heap). */
static struct sched_req *start_head(struct sched *s, struct sched_vm *vm)
{
	struct sched_req *r = vm->head;
	unsigned int l = sched_vm_level(vm);

	vm->head = r->next;
	if (!vm->head)
		vm->tail = NULL;
	r->next = NULL;
	vm->queued--;
	s->queued--;
	s->level_queued[l]--;
	s->picks[l]++;
	/* Charged here, so turns (sched_pick_vm) pay for their picks too. */
	s->vpass = s->pass[l];
	s->pass[l] += s->stride[l];
	vm->running++;
	s->running++;
	r->t_start = s->p.clock(s->p.clock_ctx);
	make_ready(s, vm);	/* its next, if it may run too */
	return r;
}

struct sched_req *sched_pick(struct sched *s, struct sched_vm **vm_out)
{
	unsigned int l = sched_next_level(s);
	struct sched_heap *h;
	struct sched_vm *vm;

	if (l == SCHED_NR_LEVELS)
		return NULL;
	h = &s->level[l];
	vm = h->v[0];
	heap_remove(h, vm);
	if (vm_out)
		*vm_out = vm;
	return start_head(s, vm);
}

struct sched_req *sched_pick_vm(struct sched *s, struct sched_vm *vm)
{
	if (!vm->attached || vm->heap_idx < 0)
		return NULL;
	heap_remove(&s->level[sched_vm_level(vm)], vm);
	return start_head(s, vm);
}

void sched_done(struct sched *s, struct sched_vm *vm)
{
	if (!vm->attached || !vm->running)
		return;
	vm->running--;
	s->running--;
	make_ready(s, vm);
}
