// SPDX-License-Identifier: MIT
/*
 * cuInit and what every file shares: the transport (the device, or a
 * plugin named by VGPU_CUDA_TRANSPORT), the live set of handles, the
 * mapping of vgpu's errno values to CUresult, and the log (stderr, one
 * line per message, prefixed "libcuda-vgpu:"; VGPU_CUDA_LOG=0 silences
 * it, VGPU_CUDA_LOG=2 also logs every cuGetProcAddress request).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuvg.h"

#define CUVG_MAGIC 0x76677075u

struct cuvg_transport cuvg_tp;
struct vgpu_info cuvg_info;
struct vgpu_device_attrs cuvg_attrs;
int cuvg_have_attrs;
static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;
static CUresult init_rc = CUDA_ERROR_NOT_INITIALIZED;
static int inited;
static pthread_mutex_t obj_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cuvg_obj *live;
int cuvg_log_level = 1;
/*
 * Set only by a test that links the library's objects into itself (not
 * reachable from outside libcuda.so.1: hidden): the transport to use.
 */
cuvg_transport_open_fn cuvg_transport_opener;

uint64_t cuvg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void cuvg_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (cuvg_log_level <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "libcuda-vgpu: %s\n", line);
}

void cuvg_unsupported(const char *name)
{
	cuvg_log("%s: not supported (CUDA_ERROR_NOT_SUPPORTED)", name);
}

void cuvg_obj_add(struct cuvg_obj *o, enum cuvg_kind kind)
{
	o->magic = CUVG_MAGIC;
	o->kind = kind;
	pthread_mutex_lock(&obj_mu);
	o->next = live;
	live = o;
	pthread_mutex_unlock(&obj_mu);
}

void cuvg_obj_del(struct cuvg_obj *o)
{
	pthread_mutex_lock(&obj_mu);
	for (struct cuvg_obj **pp = &live; *pp; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	o->magic = 0;
	pthread_mutex_unlock(&obj_mu);
}

/* By address only: a handle is never dereferenced before it is found. */
int cuvg_obj_live(const void *p, enum cuvg_kind kind)
{
	int found = 0;

	if (!p)
		return 0;
	pthread_mutex_lock(&obj_mu);
	for (struct cuvg_obj *o = live; o; o = o->next)
		if (o == p) {
			found = o->kind == (uint32_t)kind;
			break;
		}
	pthread_mutex_unlock(&obj_mu);
	return found;
}

CUresult cuvg_err(int err)
{
	switch (-err) {
	case 0:
		return CUDA_SUCCESS;
	case EINVAL:
	case ERANGE:
	case E2BIG:
		return CUDA_ERROR_INVALID_VALUE;
	case ENOMEM:
	case EDQUOT:
		return CUDA_ERROR_OUT_OF_MEMORY;
	case ENOENT:
		return CUDA_ERROR_INVALID_HANDLE;
	case ESRCH:
		return CUDA_ERROR_NOT_FOUND;
	case EOPNOTSUPP:
		return CUDA_ERROR_NOT_SUPPORTED;
	case EFAULT:
		return CUDA_ERROR_ILLEGAL_ADDRESS;
	case ETIMEDOUT:
		return CUDA_ERROR_LAUNCH_TIMEOUT;
	case EAGAIN:
	case EBUSY:
		return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES;
	case ENOMEDIUM:
	case EHOSTDOWN:
	case ESHUTDOWN:
	case ENOTCONN:
		return CUDA_ERROR_DEVICE_UNAVAILABLE;
	case ENODEV:
	case ENOTTY:
		return CUDA_ERROR_NO_DEVICE;
	default:
		return CUDA_ERROR_UNKNOWN;
	}
}

static int open_plugin(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cuvg_transport_open_fn fn;
	int err;

	if (!h) {
		cuvg_log("VGPU_CUDA_TRANSPORT: %s", dlerror());
		return -ENOENT;
	}
	*(void **)&fn = dlsym(h, VGPU_CUDA_TRANSPORT_SYM);
	if (!fn) {
		cuvg_log("VGPU_CUDA_TRANSPORT: %s has no %s", path,
			 VGPU_CUDA_TRANSPORT_SYM);
		dlclose(h);
		return -ENOENT;
	}
	err = fn(&cuvg_tp);
	if (!err && cuvg_tp.abi != VGPU_CUDA_TRANSPORT_ABI) {
		if (cuvg_tp.close)
			cuvg_tp.close(cuvg_tp.priv);
		cuvg_log("VGPU_CUDA_TRANSPORT: %s speaks ABI %u, not %u", path,
			 cuvg_tp.abi, VGPU_CUDA_TRANSPORT_ABI);
		err = -EPROTO;
	}
	return err;
}

static CUresult do_init(void)
{
	const char *lv = getenv("VGPU_CUDA_LOG");
	const char *plugin = secure_getenv("VGPU_CUDA_TRANSPORT");
	struct cuvg_req r = { .op = Q_INFO };
	int err;

	if (lv && *lv)
		cuvg_log_level = atoi(lv);
	if (cuvg_transport_opener)
		err = cuvg_transport_opener(&cuvg_tp);
	else if (plugin && *plugin)
		err = open_plugin(plugin);
	else
		err = cuvg_transport_open_dev(&cuvg_tp);
	if (err) {
		if (!plugin)
			cuvg_log("no vgpu device (/dev/vgpu0): %s",
				 strerror(-err));
		return err == -ENOENT || err == -ENODEV || err == -ENXIO ?
			CUDA_ERROR_NO_DEVICE : cuvg_err(err);
	}
	r.dst = &cuvg_info;
	err = cuvg_submit(&r, 1, NULL);
	if (err) {
		cuvg_log("GET_INFO: %s", strerror(-err));
		return cuvg_err(err);
	}
	/* The GPU's attributes, where the host has DEVICE_ATTRS. */
	r = (struct cuvg_req){ .op = Q_ATTRS, .dst = &cuvg_attrs };
	err = cuvg_submit(&r, 1, NULL);
	cuvg_have_attrs = !err;
	if (err)
		cuvg_log("DEVICE_ATTRS: %s: attributes from a built-in table",
			 strerror(-err));
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuInit(unsigned int flags)
{
	CUresult rc;

	if (flags)
		return CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_lock(&init_mu);
	if (!inited) {
		init_rc = do_init();
		inited = 1;
	}
	rc = init_rc;
	pthread_mutex_unlock(&init_mu);
	return rc;
}

CUresult cuvg_ready(void)
{
	CUresult rc;

	pthread_mutex_lock(&init_mu);
	rc = inited ? init_rc : CUDA_ERROR_NOT_INITIALIZED;
	pthread_mutex_unlock(&init_mu);
	return rc;
}

/* The CUDA version this library's entry points follow (cuda.h's). */
CUVG_EXPORT CUresult cuDriverGetVersion(int *version)
{
	if (!version)
		return CUDA_ERROR_INVALID_VALUE;
	*version = CUDA_VERSION;
	return CUDA_SUCCESS;
}

/* For tests that run the library in-process: ends the transport. */
CUVG_EXPORT void vgpu_cuda_shutdown(void)
{
	pthread_mutex_lock(&init_mu);
	if (inited && init_rc == CUDA_SUCCESS) {
		cuvg_queue_stop();
		if (cuvg_tp.close)
			cuvg_tp.close(cuvg_tp.priv);
	}
	memset(&cuvg_tp, 0, sizeof(cuvg_tp));
	cuvg_have_attrs = 0;
	cuvg_func_attrs_reset();
	inited = 0;
	init_rc = CUDA_ERROR_NOT_INITIALIZED;
	pthread_mutex_unlock(&init_mu);
}
