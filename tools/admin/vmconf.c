// SPDX-License-Identifier: MIT
/* Checks of the values an operator types (see vmconf.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/parse.h"
#include "vmconf.h"

static const char *const prio_names[] = { "high", "medium", "low" };

const char *const vm_conf_keys[] = {
	"pool", "priority", "vm-id", "max-inflight", "max-queued",
	"rate-limit", "rate-burst", "mem-quota", "backend", "name", "devid",
	NULL,
};

const char *vm_prio_name(enum vm_prio p)
{
	return (unsigned int)p < 3 ? prio_names[p] : "?";
}

int vm_prio_parse(const char *s, enum vm_prio *out)
{
	for (unsigned int i = 0; i < 3; i++)
		if (strcmp(s, prio_names[i]) == 0) {
			*out = (enum vm_prio)i;
			return 0;
		}
	return -1;
}

int vm_pool_parse(const char *s, char *out)
{
	if (s[0] < 'A' || s[0] > 'Z' || s[1])
		return -1;
	*out = s[0];
	return 0;
}

int vm_uuid_parse(const char *s, char *out)
{
	if (strlen(s) != VM_UUID_LEN)
		return -1;
	for (unsigned int i = 0; i < VM_UUID_LEN; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[VM_UUID_LEN] = '\0';
	return 0;
}

int vm_name_check(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > VM_NAME_MAX || !isalpha((unsigned char)s[0]))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return -1;
	return 0;
}

int vm_backend_check(const char *s)
{
	uint64_t v;

	if (parse_u64(s, &v) == 0)
		return v < 32752 ? 0 : -1;	/* DOMID_FIRST_RESERVED */
	return vm_name_check(s);
}

void vm_conf_init(struct vm_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->priority = VM_PRIO_MEDIUM;
	strcpy(c->backend, "0");
}

static int set_u32(uint32_t *dst, const char *val, uint64_t lo, uint64_t hi,
		   const char *key, char *why, size_t why_len)
{
	uint64_t v;

	if (parse_u64(val, &v) || v < lo || v > hi) {
		snprintf(why, why_len, "%s '%s' is not a decimal %llu..%llu",
			 key, val, (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*dst = (uint32_t)v;
	return 0;
}

int vm_conf_set(struct vm_conf *c, const char *key, const char *val,
		char *why, size_t why_len)
{
	uint64_t v;

	if (strcmp(key, "pool") == 0) {
		if (vm_pool_parse(val, &c->pool) == 0)
			return 0;
		snprintf(why, why_len, "pool '%s' is not one letter A..Z", val);
		return -1;
	}
	if (strcmp(key, "priority") == 0) {
		if (vm_prio_parse(val, &c->priority) == 0)
			return 0;
		snprintf(why, why_len, "priority '%s' is not high, medium or low", val);
		return -1;
	}
	if (strcmp(key, "vm-id") == 0)
		return set_u32(&c->vm_id, val, 1, UINT32_MAX, key, why, why_len);
	if (strcmp(key, "max-inflight") == 0)
		return set_u32(&c->max_inflight, val, 0, UINT32_MAX, key, why, why_len);
	if (strcmp(key, "max-queued") == 0)
		return set_u32(&c->max_queued, val, 0, UINT32_MAX, key, why, why_len);
	if (strcmp(key, "rate-limit") == 0)
		return set_u32(&c->rate_limit, val, 0, UINT32_MAX, key, why, why_len);
	if (strcmp(key, "rate-burst") == 0)
		return set_u32(&c->rate_burst, val, 0, VM_RATE_BURST_MAX, key, why, why_len);
	if (strcmp(key, "devid") == 0)
		return set_u32(&c->devid, val, 0, VM_DEVID_MAX, key, why, why_len);
	if (strcmp(key, "mem-quota") == 0) {
		/* SQLite keeps signed 64-bit integers. */
		if (parse_size(val, &v) == 0 && v <= INT64_MAX) {
			c->mem_quota = v;
			return 0;
		}
		snprintf(why, why_len,
			 "mem-quota '%s' is not a size 0..8E (bytes, or with K, M, G, T)", val);
		return -1;
	}
	if (strcmp(key, "backend") == 0) {
		if (vm_backend_check(val) == 0) {
			snprintf(c->backend, sizeof(c->backend), "%s", val);
			return 0;
		}
		snprintf(why, why_len,
			 "backend '%s' is neither a domid 0..32751 nor a domain name", val);
		return -1;
	}
	if (strcmp(key, "name") == 0) {
		if (vm_name_check(val) == 0) {
			snprintf(c->name, sizeof(c->name), "%s", val);
			return 0;
		}
		snprintf(why, why_len,
			 "name '%s' must be 1..63 of A-Z a-z 0-9 _ . - starting with a letter", val);
		return -1;
	}
	snprintf(why, why_len, "'%s' is not a key (keys: pool priority vm-id max-inflight max-queued rate-limit rate-burst mem-quota backend name devid)", key);
	return -2;
}
