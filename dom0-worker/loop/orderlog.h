/* SPDX-License-Identifier: MIT */
/*
 * The order log (--order-log FILE): one line per completion the worker
 * writes, in the order it wrote them, so tests can prove the scheduling
 * order:
 *
 *   SEQ DOMID DEVID VM_ID POOL PRIO OP STATUS
 *   1 5 0 101 A high vector_add 0
 *
 * SEQ counts completions from 1 in this worker's life; POOL is the letter;
 * PRIO is high, medium or low; OP is the operation's name (vgpuif_op_name());
 * STATUS is the VGPUIF_RSP_* number. The file is opened for appending and
 * flushed after every batch of completions; SIGHUP reopens it (log
 * rotation).
 */
#ifndef VGPU_WORKER_ORDERLOG_H
#define VGPU_WORKER_ORDERLOG_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"

struct orderlog {
	FILE *f;
	char path[CONFIG_PATH_MAX];
	uint64_t seq;
};

/* @path "" or NULL: no log. 0 or -errno. */
int orderlog_open(struct orderlog *ol, const char *path);
int orderlog_reopen(struct orderlog *ol);
void orderlog_write(struct orderlog *ol, uint16_t domid, uint16_t devid,
		    uint32_t vm_id, uint8_t pool, uint8_t prio, uint8_t op,
		    int32_t status);
void orderlog_flush(struct orderlog *ol);
void orderlog_close(struct orderlog *ol);

#endif
