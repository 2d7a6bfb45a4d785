// SPDX-License-Identifier: MIT
/*
 * Unit tests of the worker's end of /dev/vgpu-back's shared rings
 * (dom0-worker/transport/transport_ring.c). The test plays the backend on
 * memory laid out as vgpu-back lays it out, and also gives the worker
 * impossible layouts and indices, which it must refuse with -EPROTO.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "transport/transport_ring.h"

#define EV_N	16u
#define CP_N	8u
#define AREA	8192u

struct env {
	struct vgpu_back_rings_setup s;
	union {
		unsigned char b[AREA];
		struct vgpu_back_rings_hdr hdr;
	} *area;
	struct tring r;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->area = calloc(1, sizeof(*e->area));
	assert_non_null(e->area);
	/* As vgpu_wring_layout() does, smaller. */
	e->s = (struct vgpu_back_rings_setup){
		.ev_entries = EV_N,
		.cp_entries = CP_N,
		.ev_offset = 128,
		.cp_offset = 128 + EV_N * sizeof(struct vgpu_back_event),
		.mmap_len = AREA,
	};
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	free(e->area);
	free(e);
	return 0;
}

static struct vgpu_back_rings_hdr *hdr(struct env *e)
{
	return &e->area->hdr;
}

static struct vgpu_back_event *ev_slot(struct env *e, uint32_t i)
{
	return (struct vgpu_back_event *)(e->area->b + e->s.ev_offset) +
	       (i & (EV_N - 1));
}

static struct vgpu_back_completion *cp_slot(struct env *e, uint32_t i)
{
	return (struct vgpu_back_completion *)(e->area->b + e->s.cp_offset) +
	       (i & (CP_N - 1));
}

/* Both rings empty at @idx, as a backend that has run for a while. */
static void start_at(struct env *e, uint32_t idx)
{
	hdr(e)->ev_prod = idx;
	hdr(e)->cp_cons = idx;
	assert_int_equal(tring_init(&e->r, e->area, AREA, &e->s), 0);
	assert_int_equal(hdr(e)->ev_cons, idx);
	assert_int_equal(hdr(e)->cp_prod, idx);
}

/* The backend produces one event. */
static void produce(struct env *e, uint64_t handle)
{
	struct vgpu_back_event *ev = ev_slot(e, hdr(e)->ev_prod);

	memset(ev, 0, sizeof(*ev));
	ev->type = VGPU_BACK_EV_REQUEST;
	ev->handle = handle;
	hdr(e)->ev_prod++;
}

static void test_layout_checked(void **state)
{
	struct env *e = *state;
	struct vgpu_back_rings_setup bad;

	assert_int_equal(tring_init(&e->r, e->area, AREA, &e->s), 0);

	bad = e->s;
	bad.ev_entries = 12;	/* not a power of two */
	assert_int_equal(tring_init(&e->r, e->area, AREA, &bad), -EPROTO);
	bad = e->s;
	bad.cp_entries = 0;
	assert_int_equal(tring_init(&e->r, e->area, AREA, &bad), -EPROTO);
	bad = e->s;
	bad.ev_offset = 64;	/* over the header */
	assert_int_equal(tring_init(&e->r, e->area, AREA, &bad), -EPROTO);
	bad = e->s;
	bad.cp_offset = AREA - 7 * sizeof(struct vgpu_back_completion);
	assert_int_equal(tring_init(&e->r, e->area, AREA, &bad), -EPROTO);
	bad = e->s;
	bad.cp_offset = e->s.ev_offset + 8;	/* the rings overlap */
	assert_int_equal(tring_init(&e->r, e->area, AREA, &bad), -EPROTO);
	bad = e->s;
	bad.cp_offset = UINT64_MAX - 8;	/* wraps */
	assert_int_equal(tring_init(&e->r, e->area, AREA, &bad), -EPROTO);
	bad = e->s;
	bad.ev_entries = 1u << 31;	/* far past the mapping */
	assert_int_equal(tring_init(&e->r, e->area, AREA, &bad), -EPROTO);
	bad = e->s;
	bad.ev_offset = 132;	/* misaligned */
	assert_int_equal(tring_init(&e->r, e->area, AREA, &bad), -EPROTO);
}

/* Events in order, up to max, across the wrap at 2^32. */
static void test_events_in_order(void **state)
{
	struct env *e = *state;
	struct vgpu_back_event got[EV_N];
	uint64_t next = 1, seen = 1;

	start_at(e, UINT32_MAX - 20);
	assert_int_equal(tring_read_events(&e->r, got, EV_N), 0);
	for (int round = 0; round < 6; round++) {
		int n;

		for (unsigned int i = 0; i < EV_N; i++)
			produce(e, next++);
		n = tring_read_events(&e->r, got, 5);
		assert_int_equal(n, 5);
		for (int i = 0; i < n; i++)
			assert_int_equal(got[i].handle, seen++);
		assert_int_equal(hdr(e)->ev_cons, e->r.ev_cons);
		n = tring_read_events(&e->r, got, EV_N);
		assert_int_equal(n, EV_N - 5);
		for (int i = 0; i < n; i++)
			assert_int_equal(got[i].handle, seen++);
	}
	assert_int_equal(seen, next);
	assert_int_equal(hdr(e)->ev_cons, hdr(e)->ev_prod);
}

/* An event index past what the ring holds, either way, is refused. */
static void test_events_impossible_index(void **state)
{
	struct env *e = *state;
	struct vgpu_back_event got[EV_N];

	start_at(e, 3);
	hdr(e)->ev_prod = 3 + EV_N + 1;
	assert_int_equal(tring_read_events(&e->r, got, EV_N), -EPROTO);
	hdr(e)->ev_prod = 2;	/* behind what we consumed */
	assert_int_equal(tring_read_events(&e->r, got, EV_N), -EPROTO);
	assert_int_equal(hdr(e)->ev_cons, 3);	/* nothing consumed */
	hdr(e)->ev_prod = 3 + EV_N;	/* a full ring is fine */
	assert_int_equal(tring_read_events(&e->r, got, EV_N), EV_N);
}

/* Completions fill the ring, then wait for the backend to take some. */
static void test_completions_fill_and_wrap(void **state)
{
	struct env *e = *state;
	struct vgpu_back_completion c[CP_N + 3];
	uint64_t next = 100, taken = 100;

	start_at(e, UINT32_MAX - 2);
	hdr(e)->cp_refused = 0;
	for (int round = 0; round < 5; round++) {
		for (unsigned int i = 0; i < CP_N + 3; i++)
			c[i] = (struct vgpu_back_completion){
				.handle = next + i, .status = -(int)i };
		assert_int_equal(tring_write_completions(&e->r, c, CP_N + 3),
				 CP_N);
		next += CP_N;
		assert_int_equal(hdr(e)->cp_prod, e->r.cp_prod);
		/* Full: nothing more fits. */
		assert_int_equal(tring_write_completions(&e->r, c, 1), 0);
		/* The backend takes them, in order. */
		while (hdr(e)->cp_cons != hdr(e)->cp_prod) {
			assert_int_equal(cp_slot(e, hdr(e)->cp_cons)->handle,
					 taken++);
			hdr(e)->cp_cons++;
		}
	}
	assert_int_equal(taken, next);
	hdr(e)->cp_refused = 4;
	assert_int_equal(tring_refused(&e->r), 4);
}

/* A completion index the backend cannot have reached is refused. */
static void test_completions_impossible_index(void **state)
{
	struct env *e = *state;
	struct vgpu_back_completion c = { .handle = 1 };

	start_at(e, 50);
	assert_int_equal(tring_write_completions(&e->r, &c, 1), 1);
	hdr(e)->cp_cons = 52;	/* past what we produced */
	assert_int_equal(tring_write_completions(&e->r, &c, 1), -EPROTO);
	hdr(e)->cp_cons = 51 - CP_N - 1;	/* more behind than the ring */
	assert_int_equal(tring_write_completions(&e->r, &c, 1), -EPROTO);
	assert_int_equal(hdr(e)->cp_prod, 51);	/* nothing produced */
	hdr(e)->cp_cons = 51;
	assert_int_equal(tring_write_completions(&e->r, &c, 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_impossible_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_completions_fill_and_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_completions_impossible_index, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
