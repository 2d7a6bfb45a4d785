// SPDX-License-Identifier: MIT
/* What the worker can really hold (exec_budget.h). */
#include "exec_budget.h"

uint64_t exec_budget_host_share(uint64_t host_ram)
{
	return host_ram > UINT64_MAX / 100 ?
	       host_ram / 100 * EXEC_BUDGET_HOST_PCT :
	       host_ram * EXEC_BUDGET_HOST_PCT / 100;
}

uint64_t exec_budget_default_cpu(uint64_t host_ram)
{
	uint64_t b = exec_budget_host_share(host_ram) / 2;

	b &= ~((1ull << 20) - 1);	/* whole MiB */
	return b > EXEC_BUDGET_MIN_CPU ? b : EXEC_BUDGET_MIN_CPU;
}

int exec_budget_check_cpu(uint64_t mem_budget, uint64_t host_ram)
{
	if (!host_ram)
		return EXEC_BUDGET_OK;	/* unknown: nothing to say */
	if (mem_budget > host_ram)
		return EXEC_BUDGET_REFUSE;
	if (mem_budget > exec_budget_host_share(host_ram))
		return EXEC_BUDGET_WARN;
	return EXEC_BUDGET_OK;
}

int exec_budget_admit(struct exec_budget *b, uint64_t quota)
{
	uint64_t quotas;

	if (b->host_share && b->per_vm_host &&
	    (uint64_t)(b->nvms + 1) > b->host_share / b->per_vm_host)
		return EXEC_BUDGET_REFUSE;
	b->nvms++;
	quotas = b->quotas + quota;
	b->quotas = quotas < b->quotas ? UINT64_MAX : quotas;
	if (b->device_mem && b->quotas > b->device_mem)
		return EXEC_BUDGET_WARN;
	return EXEC_BUDGET_OK;
}

void exec_budget_leave(struct exec_budget *b, uint64_t quota)
{
	if (b->nvms)
		b->nvms--;
	b->quotas = b->quotas > quota ? b->quotas - quota : 0;
}
