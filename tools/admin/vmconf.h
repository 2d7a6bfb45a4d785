/* SPDX-License-Identifier: MIT */
/*
 * A VM's configuration as vgpu-admin keeps it, and the checks of every
 * value an operator types: done once here, before anything reaches the
 * database or xenstore. The ranges are the backend's (include/vgpu/
 * vgpuif.h, "Xenstore") and the worker's (rate-burst).
 */
#ifndef VGPU_ADMIN_VMCONF_H
#define VGPU_ADMIN_VMCONF_H

#include <stddef.h>
#include <stdint.h>

#define VM_NAME_MAX	63	/* characters */
#define VM_UUID_LEN	36	/* 8-4-4-4-12 hex digits, lower case */
#define VM_BACKEND_MAX	63
#define VM_RATE_BURST_MAX	(1u << 24)	/* the worker's rate-burst */
#define VM_DEVID_MAX	255

enum vm_prio { VM_PRIO_HIGH, VM_PRIO_MEDIUM, VM_PRIO_LOW };

struct vm_conf {
	char name[VM_NAME_MAX + 1];
	char uuid[VM_UUID_LEN + 1];
	char pool;			/* 'A'..'Z' */
	enum vm_prio priority;
	uint32_t vm_id;			/* 1..4294967295 */
	uint32_t max_inflight;		/* 0 = the worker's default */
	uint32_t max_queued;		/* 0 = the backend's default */
	uint32_t rate_limit;		/* requests/s, 0 = none */
	uint32_t rate_burst;		/* requests, 0 = rate_limit */
	uint64_t mem_quota;		/* bytes, 0 = none; <= INT64_MAX */
	char backend[VM_BACKEND_MAX + 1];	/* domain name or domid */
	uint32_t devid;
};

/* Names of enum vm_prio, and back: 0, or -1 for anything else. */
const char *vm_prio_name(enum vm_prio p);
int vm_prio_parse(const char *s, enum vm_prio *out);

/* "A".."Z" (one upper-case letter). 0 or -1. */
int vm_pool_parse(const char *s, char *out);

/*
 * A UUID: 36 characters 8-4-4-4-12 of hex digits, stored lower case in
 * @out (VM_UUID_LEN + 1 bytes). 0 or -1.
 */
int vm_uuid_parse(const char *s, char *out);

/*
 * A VM name: 1..63 of [A-Za-z0-9_.-], starting with a letter, so that it
 * is never mistaken for a domid or a UUID where a DOMAIN is asked. 0 or -1.
 */
int vm_name_check(const char *s);

/* A backend domain: a domid (decimal, < 32752) or a name as above. */
int vm_backend_check(const char *s);

/* Defaults: backend "0" (Dom0), devid 0, limits 0. */
void vm_conf_init(struct vm_conf *c);

/*
 * Sets one key ("pool", "priority", "vm-id", "max-inflight", "max-queued",
 * "rate-limit", "rate-burst", "mem-quota", "backend", "name", "devid") from
 * text. 0, or -1 with @why (@why_len bytes) saying what is wrong and what
 * is allowed; -2 if @key is not a key.
 */
int vm_conf_set(struct vm_conf *c, const char *key, const char *val,
		char *why, size_t why_len);

/* The keys vm_conf_set() knows, NULL-terminated (for --help). */
extern const char *const vm_conf_keys[];

#endif
