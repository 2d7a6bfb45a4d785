/* SPDX-License-Identifier: MIT */
/*
 * What the libcuda.so.1 unit tests (test_libcuda*.c) share: the loopback
 * opened with the transport's own operations kept aside for hooks that
 * wrap them, a gate that holds the submission thread in MEM_WRITE,
 * answers of a host without the second set of operations, the fake
 * device's module, and the teardown.
 */
#ifndef VGPU_TESTS_LIBCUDA_FIXTURE_H
#define VGPU_TESTS_LIBCUDA_FIXTURE_H

#include <stdint.h>

#include "tools/libcuda/cuvg.h"

void vgpu_cuda_shutdown(void);

/* The loopback's operations as opened, before a test's hooks. */
extern struct cuvg_transport lcf_orig;

/* Opens the loopback in @mode ("fake", "cpu") and keeps lcf_orig. */
int lcf_open(struct cuvg_transport *t, const char *mode);

/* Closed, lcf_gated_write (a transport's mem_write) waits until opened. */
void lcf_gate(int closed);
int lcf_gated_write(void *p, uint64_t d, const void *buf, uint64_t len);

/* A driver or host of before MEM_SET, MEM_COPY, DEVICE_ATTRS, EVENT_RECORD. */
int lcf_enotty_set(void *p, uint64_t d, uint32_t v, uint32_t e, uint64_t n);
int lcf_enotty_copy(void *p, uint64_t d, uint64_t s, uint64_t n);
int lcf_enotty_attrs(void *p, struct vgpu_device_attrs *a);
int lcf_enotty_event(void *p, uint64_t *t, uint32_t *f);

/* The fake device runs modules that start with FAKEMOD: fill32, fault. */
extern const char lcf_fake_module[];

/* cmocka teardown: destroys the context in *state (if any), ends cuInit. */
int lcf_down(void **state);

#endif
