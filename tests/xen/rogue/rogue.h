/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vgpu-rogue: a hostile frontend for the vgpu protocol (include/vgpu/
 * vgpuif.h), for the Xen lab only. It binds the guest's vgpu xenbus device
 * in place of vgpu-front and, one case at a time, breaks every rule of the
 * protocol on a ring of its own.
 *
 *   rogue_main.c   the xenbus driver, debugfs, the connection (ring, event
 *                  channel, xenstore keys) and the request runner
 *   rogue_cases.c  the ring cases, and the list of all cases: what each one
 *                  sends and what it allows back
 *   rogue_conn_cases.c  the connection (xenbus) cases
 */
#ifndef VGPU_ROGUE_H
#define VGPU_ROGUE_H

#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <xen/xenbus.h>
#include <xen/interface/grant_table.h>
#include <xen/interface/event_channel.h>

#include <vgpu/vgpuif.h>

/* Data pages granted (read-write) to the backend for the module's life. */
#define ROGUE_NR_DATA		8
/* Statuses VGPUIF_RSP_OKAY (0) .. VGPUIF_RSP_NOT_FOUND (-13). */
#define ROGUE_NR_STATUS		15
/* A bit per status, for the statuses a request may get back. */
#define ST(x)			BIT(-(VGPUIF_RSP_##x))
#define ST_ANY			GENMASK(ROGUE_NR_STATUS - 1, 0)
/* Refused: anything but OKAY. */
#define ST_REFUSED		(ST_ANY & ~ST(OKAY))
/* A well-behaved flood may be refused by the VM's limits, never wrongly. */
#define ST_FLOOD		(ST(OKAY) | ST(BUSY) | ST(RATE_LIMITED))
#define MIB			(1u << 20)

struct rogue {
	struct xenbus_device *xbdev;
	struct mutex lock;		/* one case at a time */
	wait_queue_head_t wq;		/* responses, backend state */

	/* The connection, while offered to the backend. */
	void *sring;
	grant_ref_t ring_ref;
	evtchn_port_t port;
	int irq;
	struct vgpuif_front_ring ring;
	unsigned long notifies;		/* events sent in the last case */

	/* Pages granted to the backend for the module's life. */
	void *data[ROGUE_NR_DATA];
	grant_ref_t data_ref[ROGUE_NR_DATA];
	void *ind[VGPUIF_MAX_INDIRECT_PAGES];	/* each names data pages */
	grant_ref_t ind_ref[VGPUIF_MAX_INDIRECT_PAGES];
	void *bad_ind;			/* names refs nobody granted */
	grant_ref_t bad_ind_ref;
	void *ro_page;			/* granted read-only */
	grant_ref_t ro_ref;
	void *foreign_page;		/* granted to another domain */
	grant_ref_t foreign_ref;
	grant_ref_t revoked_ref;	/* granted once, then ended */

	enum xenbus_state be_state;	/* the backend's, as last seen */
	u64 stale_dptr;			/* from an earlier connection */
	char result[768];		/* the last case's report */
};

/* What a case saw; rogue_main.c prints it as one line. */
struct rogue_result {
	unsigned int sent;		/* requests produced */
	unsigned int answered;		/* responses consumed */
	unsigned int hist[ROGUE_NR_STATUS + 1];	/* by -status; last: other */
	unsigned int unexpected;	/* a status the request may not get */
	unsigned int bad_id;		/* a response with another id */
	bool closed;			/* the backend left Connected */
	bool expect_closed;		/* ... which the case wants */
	bool expect_down;		/* the backend must let the device go */
	unsigned int refused;		/* bad offers refused, as wanted */
	char note[160];			/* the first unexpected thing */
};

/* One request and the statuses it may get back. */
struct rogue_req {
	struct vgpuif_request req;
	u32 allowed;			/* ST() bits */
	s32 status;			/* what came back */
	u64 ret;			/* its ret[0] */
};

struct rogue_batch {
	struct rogue_req *v;
	unsigned int n, max;
};

struct rogue_case {
	const char *name;
	int (*run)(struct rogue *r, struct rogue_result *res);
};

extern const struct rogue_case rogue_cases[];
extern const unsigned int rogue_nr_cases;

/* rogue_main.c */
enum xenbus_state rogue_backend_state(struct rogue *r);
int rogue_set_state(struct rogue *r, int state);
int rogue_write_key(struct rogue *r, const char *key, const char *val);
int rogue_connect(struct rogue *r);
int rogue_offer(struct rogue *r, const char *key, const char *val);
int rogue_reset(struct rogue *r);
bool rogue_wait_backend(struct rogue *r, enum xenbus_state want,
			unsigned int ms);
void rogue_drop_ring(struct rogue *r);
struct vgpuif_request *rogue_add(struct rogue_batch *b, u32 allowed);
void rogue_direct(struct rogue *r, struct vgpuif_request *q, u32 len);
void rogue_indirect(struct rogue *r, struct vgpuif_request *q, u32 len);
int rogue_run(struct rogue *r, struct rogue_batch *b,
	      struct rogue_result *res, unsigned int ms);
int rogue_alloc(struct rogue *r, u64 size, u64 *dptr);
bool rogue_has_rsp(struct rogue *r);
void rogue_push(struct rogue *r);
unsigned int rogue_reap(struct rogue *r, struct rogue_result *res,
			u32 allowed);
void rogue_unexpected(struct rogue_result *res, const char *fmt, ...);

/* rogue_conn_cases.c */
int case_reconnect_new_ring(struct rogue *r, struct rogue_result *res);
int case_ring_page_order(struct rogue *r, struct rogue_result *res);
int case_bad_keys(struct rogue *r, struct rogue_result *res);
int case_state_games(struct rogue *r, struct rogue_result *res);
int case_state_unknown(struct rogue *r, struct rogue_result *res);
int case_connect_loop(struct rogue *r, struct rogue_result *res);
int case_close_inflight(struct rogue *r, struct rogue_result *res);

#endif /* VGPU_ROGUE_H */
