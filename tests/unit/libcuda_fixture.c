// SPDX-License-Identifier: MIT
/* The libcuda.so.1 unit tests' shared fixture (libcuda_fixture.h). */
#include <errno.h>
#include <pthread.h>

#include "tests/sim/libcuda_loopback.h"
#include "tests/unit/libcuda_fixture.h"

struct cuvg_transport lcf_orig;

int lcf_open(struct cuvg_transport *t, const char *mode)
{
	int err = libcuda_loopback_open(t, mode, "/proc/self/exe", 0);

	if (!err)
		lcf_orig = *t;
	return err;
}

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_closed;

void lcf_gate(int closed)
{
	pthread_mutex_lock(&gate_mu);
	gate_closed = closed;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

int lcf_gated_write(void *p, uint64_t d, const void *buf, uint64_t len)
{
	pthread_mutex_lock(&gate_mu);
	while (gate_closed)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	return lcf_orig.mem_write(p, d, buf, len);
}

int lcf_enotty_set(void *p, uint64_t d, uint32_t v, uint32_t e, uint64_t n)
{
	(void)p; (void)d; (void)v; (void)e; (void)n;
	return -ENOTTY;
}

int lcf_enotty_copy(void *p, uint64_t d, uint64_t s, uint64_t n)
{
	(void)p; (void)d; (void)s; (void)n;
	return -ENOTTY;
}

int lcf_enotty_attrs(void *p, struct vgpu_device_attrs *a)
{
	(void)p; (void)a;
	return -ENOTTY;
}

int lcf_enotty_event(void *p, uint64_t *t, uint32_t *f)
{
	(void)p; (void)t; (void)f;
	return -ENOTTY;
}

const char lcf_fake_module[] =
	"FAKEMOD\n"
	".visible .entry fill32(\n"
	"\t.param .u64 .ptr .global .align 4 fill32_param_0,\n"
	"\t.param .u32 fill32_param_1,\n"
	"\t.param .u32 fill32_param_2\n)\n"
	".visible .entry fault()\n";

int lcf_down(void **state)
{
	int rc = 0;

	if (*state)
		rc = cuCtxDestroy((CUcontext)*state) == CUDA_SUCCESS ? 0 : -1;
	vgpu_cuda_shutdown();
	return rc;
}
