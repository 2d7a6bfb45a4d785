// SPDX-License-Identifier: MIT
/* The order log: one line per completion, for scheduling-order tests. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>

#include <vgpu/vgpuif_ops.h>

#include "log.h"
#include "orderlog.h"
#include "vmtable.h"

static int do_open(struct orderlog *ol)
{
	ol->f = fopen(ol->path, "ae");
	if (!ol->f)
		return -errno;
	return 0;
}

int orderlog_open(struct orderlog *ol, const char *path)
{
	memset(ol, 0, sizeof(*ol));
	if (!path || !*path)
		return 0;
	snprintf(ol->path, sizeof(ol->path), "%s", path);
	return do_open(ol);
}

int orderlog_reopen(struct orderlog *ol)
{
	int err;

	if (!ol->path[0])
		return 0;
	if (ol->f)
		fclose(ol->f);
	err = do_open(ol);
	if (err)
		log_error("order log %s: cannot reopen: %s; lines are lost until the next SIGHUP",
			  ol->path, strerror(-err));
	return err;
}

void orderlog_write(struct orderlog *ol, uint16_t domid, uint16_t devid,
		    uint32_t vm_id, uint8_t pool, uint8_t prio, uint8_t op,
		    int32_t status)
{
	char pb[2];

	ol->seq++;
	if (!ol->f)
		return;
	fprintf(ol->f, "%llu %u %u %u %s %s %s %d\n",
		(unsigned long long)ol->seq, domid, devid, vm_id,
		pool_name(pool, pb), prio_name(prio), vgpuif_op_name(op), status);
}

void orderlog_flush(struct orderlog *ol)
{
	if (ol->f && fflush(ol->f))
		vlog_ratelimited(VLOG_WARN, "order log %s: write failed: %s",
				 ol->path, strerror(errno));
}

void orderlog_close(struct orderlog *ol)
{
	if (ol->f)
		fclose(ol->f);
	ol->f = NULL;
}
