// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-rogue: the xenbus driver, debugfs, the connection and the request
 * runner of the lab's hostile frontend (see rogue.h).
 *
 * It binds the first vgpu xenbus device of the guest (vgpu-front must not
 * be loaded: the scenario creates the device only after this module) and
 * does nothing by itself. A case runs when its name is written to
 * /sys/kernel/debug/vgpu-rogue/case; the write returns when it is over, and
 * /sys/kernel/debug/vgpu-rogue/result then holds one line:
 *
 *   case=NAME verdict=pass|FAIL sent=N answered=N status=OKAY:N,... \
 *   unexpected=N bad_id=N closed=0|1 want_closed=0|1 after=ok|... note=...
 *
 * "after" says what the device was like once the case ended: "ok" (a NOP
 * on the same ring worked), "reconnected" (a new ring was needed and
 * worked) or "down" (the backend does not come back by itself; the lab's
 * toolstack must bring it back, then the pseudo-case "connect" does).
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

#include <vgpu/xen_compat.h>

#include "rogue.h"

/* A domain that is not the backend, to grant a page to ("foreign"). */
#define ROGUE_OTHER_DOMID	0x7fef

static DEFINE_MUTEX(rogue_mutex);	/* rogue_dev and every case */
static struct rogue *rogue_dev;
static struct dentry *rogue_dbg;

static const char *const rogue_status_names[ROGUE_NR_STATUS + 1] = {
	"OKAY", "ERROR", "INVALID", "NOT_SUPPORTED", "NO_MEMORY", "QUOTA",
	"BAD_HANDLE", "RANGE", "NO_WORKER", "TIMEOUT", "RATE_LIMITED",
	"BUSY", "FAULT", "NOT_FOUND", "DEVICE_LOST", "other",
};

static irqreturn_t rogue_interrupt(int irq, void *data)
{
	struct rogue *r = data;

	wake_up_all(&r->wq);
	return IRQ_HANDLED;
}

enum xenbus_state rogue_backend_state(struct rogue *r)
{
	return READ_ONCE(r->be_state);
}

/* Write our state as it is, with no check: some cases write nonsense. */
int rogue_set_state(struct rogue *r, int state)
{
	int err;

	err = xenbus_printf(XBT_NIL, r->xbdev->nodename, "state", "%d", state);
	if (!err && state >= XenbusStateUnknown &&
	    state <= XenbusStateReconfigured)
		r->xbdev->state = state;
	return err;
}

/* Write one key of our directory; @val NULL removes it. */
int rogue_write_key(struct rogue *r, const char *key, const char *val)
{
	if (!val)
		return xenbus_rm(XBT_NIL, r->xbdev->nodename, key);
	return xenbus_write(XBT_NIL, r->xbdev->nodename, key, val);
}

bool rogue_wait_backend(struct rogue *r, enum xenbus_state want,
			unsigned int ms)
{
	return wait_event_timeout(r->wq, rogue_backend_state(r) == want,
				  msecs_to_jiffies(ms)) > 0;
}

/* Unbind the event channel and end the ring's grant (page freed later). */
void rogue_drop_ring(struct rogue *r)
{
	if (r->irq > 0)
		unbind_from_irqhandler(r->irq, r);	/* closes the port */
	r->irq = 0;
	r->port = 0;
	if (r->sring)
		vgpu_teardown_ring(&r->sring, &r->ring_ref);
	memset(&r->ring, 0, sizeof(r->ring));
}

static int rogue_make_ring(struct rogue *r)
{
	int err, irq;

	rogue_drop_ring(r);
	err = vgpu_setup_ring(r->xbdev, &r->sring, &r->ring_ref);
	if (err)
		return err;
	SHARED_RING_INIT((struct vgpuif_sring *)r->sring);
	FRONT_RING_INIT(&r->ring, (struct vgpuif_sring *)r->sring,
			VGPUIF_PAGE_SIZE);
	err = xenbus_alloc_evtchn(r->xbdev, &r->port);
	if (err)
		goto fail;
	irq = bind_evtchn_to_irqhandler(r->port, rogue_interrupt, 0,
					"vgpu-rogue", r);
	if (irq < 0) {
		xenbus_free_evtchn(r->xbdev, r->port);
		err = irq;
		goto fail;
	}
	r->irq = irq;
	return 0;
fail:
	r->port = 0;
	vgpu_teardown_ring(&r->sring, &r->ring_ref);
	return err;
}

/*
 * A new ring offered to the backend: its keys, then @key overridden with
 * @val (NULL: removed) when @key is set, then Initialised. Does not wait.
 */
int rogue_offer(struct rogue *r, const char *key, const char *val)
{
	char num[16];
	int err;

	err = rogue_make_ring(r);
	if (err)
		return err;
	snprintf(num, sizeof(num), "%u", r->ring_ref);
	err = rogue_write_key(r, "ring-ref", num);
	snprintf(num, sizeof(num), "%u", r->port);
	if (!err)
		err = rogue_write_key(r, "event-channel", num);
	if (!err)
		err = rogue_write_key(r, "protocol-version", "1");
	if (!err && key)
		err = rogue_write_key(r, key, val);
	if (!err)
		err = rogue_set_state(r, XenbusStateInitialised);
	return err;
}

/*
 * Back to the start: Closing, wait for the backend to let go of the ring,
 * drop it, Initialising, wait for InitWait. -ENODEV if the backend does not
 * come back (it unregistered the device: only the toolstack revives it).
 */
int rogue_reset(struct rogue *r)
{
	rogue_set_state(r, XenbusStateClosing);
	wait_event_timeout(r->wq,
			   rogue_backend_state(r) == XenbusStateClosing ||
			   rogue_backend_state(r) == XenbusStateClosed,
			   msecs_to_jiffies(5000));
	rogue_drop_ring(r);
	rogue_set_state(r, XenbusStateInitialising);
	return rogue_wait_backend(r, XenbusStateInitWait, 10000) ? 0 : -ENODEV;
}

/* A well-formed connection; 0 once the backend says Connected. */
int rogue_connect(struct rogue *r)
{
	int err;

	if (rogue_backend_state(r) != XenbusStateInitWait) {
		err = rogue_reset(r);
		if (err)
			return err;
	}
	err = rogue_offer(r, NULL, NULL);
	if (err)
		return err;
	if (!rogue_wait_backend(r, XenbusStateConnected, 10000))
		return -ECONNREFUSED;
	return rogue_set_state(r, XenbusStateConnected);
}

/* A zeroed request appended to @b (the last one again when @b is full). */
struct vgpuif_request *rogue_add(struct rogue_batch *b, u32 allowed)
{
	struct rogue_req *q = &b->v[b->n < b->max ? b->n++ : b->max - 1];

	memset(q, 0, sizeof(*q));
	q->req.id = b->n;
	q->allowed = allowed;
	return &q->req;
}

/* @len bytes in direct data pages (at most ROGUE_NR_DATA of them). */
void rogue_direct(struct rogue *r, struct vgpuif_request *q, u32 len)
{
	unsigned int i, n = DIV_ROUND_UP(len, VGPUIF_PAGE_SIZE);

	q->data_len = len;
	q->nr_segments = n;
	for (i = 0; i < n && i < VGPUIF_MAX_DIRECT_SEGS; i++)
		q->gref[i] = r->data_ref[i % ROGUE_NR_DATA];
}

/* @len bytes through indirect pages, whose entries name our data pages. */
void rogue_indirect(struct rogue *r, struct vgpuif_request *q, u32 len)
{
	unsigned int i, n;

	n = DIV_ROUND_UP(DIV_ROUND_UP(len, VGPUIF_PAGE_SIZE),
			 VGPUIF_GREFS_PER_INDIRECT_PAGE);
	q->data_len = len;
	q->flags = VGPUIF_REQ_F_INDIRECT;
	q->nr_segments = n;
	for (i = 0; i < n && i < VGPUIF_MAX_INDIRECT_PAGES; i++)
		q->gref[i] = r->ind_ref[i];
}

void rogue_unexpected(struct rogue_result *res, const char *fmt, ...)
{
	va_list ap;

	res->unexpected++;
	if (res->note[0])
		return;
	va_start(ap, fmt);
	vsnprintf(res->note, sizeof(res->note), fmt, ap);
	va_end(ap);
}

static void rogue_tally(struct rogue_result *res,
			const struct vgpuif_response *rsp, u32 allowed)
{
	s32 s = rsp->status;
	unsigned int i = (s <= 0 && s > -ROGUE_NR_STATUS) ? -s :
			 ROGUE_NR_STATUS;

	res->answered++;
	res->hist[i]++;
	/* ST_ANY: the case scribbles on its own slots; anything goes. */
	if (allowed != ST_ANY && (i == ROGUE_NR_STATUS || !(allowed & BIT(i))))
		rogue_unexpected(res, "id %llu op %u got %s (%d)", rsp->id,
				 rsp->operation, rogue_status_names[i], s);
}

/*
 * Unconsumed responses? If none, ask for an event at the next one first
 * (rsp_event): without that the backend notifies only once.
 */
bool rogue_has_rsp(struct rogue *r)
{
	int more;

	RING_FINAL_CHECK_FOR_RESPONSES(&r->ring, more);
	return more;
}

void rogue_push(struct rogue *r)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r->ring, notify);
	if (notify) {
		notify_remote_via_irq(r->irq);
		r->notifies++;
	}
}

/*
 * Consume every response there is, each allowed @allowed; a backend that
 * claims more responses than requests is counted, not followed.
 */
unsigned int rogue_reap(struct rogue *r, struct rogue_result *res,
			u32 allowed)
{
	struct vgpuif_front_ring *ring = &r->ring;
	RING_IDX rp = READ_ONCE(ring->sring->rsp_prod);
	unsigned int n = 0;

	rmb(); /* responses up to rp */
	if (rp - ring->rsp_cons > ring->req_prod_pvt - ring->rsp_cons) {
		rogue_unexpected(res, "rsp_prod %u past our requests", rp);
		return 0;
	}
	while (ring->rsp_cons != rp) {
		struct vgpuif_response rsp = *RING_GET_RESPONSE(ring,
							       ring->rsp_cons);

		ring->rsp_cons++;
		rogue_tally(res, &rsp, allowed);
		n++;
	}
	return n;
}

/*
 * Send every request of @b (as many at a time as the ring holds) and take
 * their responses, in order, each checked against its allowed statuses.
 * Gives up after @ms without progress, or once the backend left Connected.
 */
int rogue_run(struct rogue *r, struct rogue_batch *b,
	      struct rogue_result *res, unsigned int ms)
{
	struct vgpuif_front_ring *ring = &r->ring;
	unsigned int sent = 0, got = 0;

	if (!r->sring)
		return -ENOTCONN;
	while (got < b->n) {
		RING_IDX rp;
		long left;

		while (sent < b->n && !RING_FULL(ring)) {
			*RING_GET_REQUEST(ring, ring->req_prod_pvt) =
				b->v[sent].req;
			ring->req_prod_pvt++;
			sent++;
			res->sent++;
		}
		rogue_push(r);
		left = wait_event_timeout(r->wq,
					  rogue_has_rsp(r) ||
					  rogue_backend_state(r) !=
					  XenbusStateConnected,
					  msecs_to_jiffies(ms));
		rp = READ_ONCE(ring->sring->rsp_prod);
		rmb(); /* responses up to rp */
		if (rp - ring->rsp_cons > sent - got) {
			rogue_unexpected(res, "rsp_prod %u past our requests",
					 rp);
			return -EPROTO;
		}
		while (ring->rsp_cons != rp) {
			struct vgpuif_response rsp =
				*RING_GET_RESPONSE(ring, ring->rsp_cons);
			struct rogue_req *q = &b->v[got++];

			ring->rsp_cons++;
			q->status = rsp.status;
			q->ret = rsp.ret[0];
			if (rsp.id != q->req.id)
				res->bad_id++;
			rogue_tally(res, &rsp, q->allowed);
		}
		if (rogue_backend_state(r) != XenbusStateConnected) {
			res->closed = true;
			break;
		}
		if (!left)
			break;
	}
	if (got < b->n && !res->closed)
		rogue_unexpected(res, "%u of %u requests unanswered after %u ms",
				 b->n - got, b->n, ms);
	return 0;
}

/* MEM_ALLOC of @size bytes that must work; its dptr in @dptr. */
int rogue_alloc(struct rogue *r, u64 size, u64 *dptr)
{
	struct rogue_result res = {};
	struct rogue_req one;
	struct rogue_batch b = { .v = &one, .max = 1 };
	struct vgpuif_request *q = rogue_add(&b, ST(OKAY));

	q->operation = VGPUIF_OP_MEM_ALLOC;
	q->u.mem.size = size;
	rogue_run(r, &b, &res, 10000);
	if (res.answered != 1 || one.status != VGPUIF_RSP_OKAY)
		return -EIO;
	*dptr = one.ret;
	return 0;
}

/* A NOP on the ring we have must come back OKAY. */
static bool rogue_nop_ok(struct rogue *r)
{
	struct rogue_result res = {};
	struct rogue_req one;
	struct rogue_batch b = { .v = &one, .max = 1 };
	struct vgpuif_request *q = rogue_add(&b, ST(OKAY));

	q->operation = VGPUIF_OP_NOP;
	if (!r->sring || rogue_backend_state(r) != XenbusStateConnected)
		return false;
	rogue_run(r, &b, &res, 5000);
	return res.answered == 1 && one.status == VGPUIF_RSP_OKAY;
}

/* After a case: is the device usable, on this ring or a new one? */
static const char *rogue_ensure(struct rogue *r)
{
	if (rogue_nop_ok(r))
		return "ok";
	if (rogue_reset(r) || rogue_connect(r) || !rogue_nop_ok(r))
		return "down";
	return "reconnected";
}

static void rogue_report(struct rogue *r, const char *name,
			 struct rogue_result *res, int rc, const char *after)
{
	char *p = r->result, *end = r->result + sizeof(r->result);
	bool pass = !rc && !res->unexpected && !res->bad_id &&
		    res->closed == res->expect_closed &&
		    !strcmp(after, "down") == res->expect_down;
	unsigned int i;
	const char *sep = "";

	p += scnprintf(p, end - p, "case=%s verdict=%s rc=%d sent=%u answered=%u status=",
		       name, pass ? "pass" : "FAIL", rc, res->sent,
		       res->answered);
	for (i = 0; i <= ROGUE_NR_STATUS; i++) {
		if (!res->hist[i])
			continue;
		p += scnprintf(p, end - p, "%s%s:%u", sep,
			       rogue_status_names[i], res->hist[i]);
		sep = ",";
	}
	scnprintf(p, end - p,
		  "%s unexpected=%u bad_id=%u closed=%d want_closed=%d refused=%u notifies=%lu after=%s note=%s\n",
		  *sep ? "" : "none", res->unexpected, res->bad_id,
		  res->closed, res->expect_closed, res->refused, r->notifies,
		  after, res->note[0] ? res->note : "-");
	pr_info("vgpu-rogue: %s", r->result);
}

static int rogue_run_case(struct rogue *r, const char *name)
{
	struct rogue_result res = {};
	unsigned int i;
	int rc;

	r->notifies = 0;
	if (!strcmp(name, "connect")) {
		const char *after = rogue_ensure(r);

		rogue_report(r, name, &res, 0, after);
		return 0;
	}
	for (i = 0; i < rogue_nr_cases; i++)
		if (!strcmp(name, rogue_cases[i].name))
			break;
	if (i == rogue_nr_cases)
		return -EINVAL;
	if (!rogue_nop_ok(r)) {
		rc = rogue_connect(r);
		if (rc) {
			scnprintf(r->result, sizeof(r->result),
				  "case=%s verdict=FAIL rc=%d note=cannot connect before the case\n",
				  name, rc);
			return 0;
		}
	}
	rc = rogue_cases[i].run(r, &res);
	rogue_report(r, name, &res, rc, rogue_ensure(r));
	return 0;
}

static ssize_t rogue_case_write(struct file *f, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	char name[48];
	size_t n = min(len, sizeof(name) - 1);
	int err;

	if (copy_from_user(name, ubuf, n))
		return -EFAULT;
	name[n] = '\0';
	strim(name);
	err = mutex_lock_interruptible(&rogue_mutex);
	if (err)
		return err;
	err = rogue_dev ? rogue_run_case(rogue_dev, name) : -ENODEV;
	mutex_unlock(&rogue_mutex);
	return err ? err : len;
}

static const struct file_operations rogue_case_fops = {
	.owner = THIS_MODULE,
	.write = rogue_case_write,
	.llseek = noop_llseek,
};

static int rogue_result_show(struct seq_file *m, void *unused)
{
	mutex_lock(&rogue_mutex);
	if (rogue_dev)
		seq_puts(m, rogue_dev->result);
	mutex_unlock(&rogue_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rogue_result);

static int rogue_list_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < rogue_nr_cases; i++)
		seq_printf(m, "%s\n", rogue_cases[i].name);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rogue_list);

/* Grant a zeroed page to @domid; the page and ref in *@page, *@ref. */
static int rogue_grant(domid_t domid, int readonly, void **page,
		       grant_ref_t *ref)
{
	int gref;

	*page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!*page)
		return -ENOMEM;
	gref = gnttab_grant_foreign_access(domid, virt_to_gfn(*page),
					   readonly);
	if (gref < 0) {
		free_page((unsigned long)*page);
		*page = NULL;
		return gref;
	}
	*ref = gref;
	return 0;
}

static void rogue_ungrant(void **page, grant_ref_t *ref)
{
	if (*page)
		gnttab_end_foreign_access(*ref, virt_to_page(*page));
	*page = NULL;
}

static void rogue_free_pages(struct rogue *r)
{
	unsigned int i;

	for (i = 0; i < ROGUE_NR_DATA; i++)
		rogue_ungrant(&r->data[i], &r->data_ref[i]);
	for (i = 0; i < VGPUIF_MAX_INDIRECT_PAGES; i++)
		rogue_ungrant(&r->ind[i], &r->ind_ref[i]);
	rogue_ungrant(&r->bad_ind, &r->bad_ind_ref);
	rogue_ungrant(&r->ro_page, &r->ro_ref);
	rogue_ungrant(&r->foreign_page, &r->foreign_ref);
	if (r->revoked_ref)
		gnttab_free_grant_reference(r->revoked_ref);
	r->revoked_ref = 0;
}

static int rogue_grant_pages(struct rogue *r)
{
	domid_t be = r->xbdev->otherend_id;
	void *page;
	unsigned int i, k;
	int err = 0;

	for (i = 0; i < ROGUE_NR_DATA && !err; i++)
		err = rogue_grant(be, 0, &r->data[i], &r->data_ref[i]);
	for (i = 0; i < VGPUIF_MAX_INDIRECT_PAGES && !err; i++) {
		err = rogue_grant(be, 0, &r->ind[i], &r->ind_ref[i]);
		for (k = 0; !err && k < VGPUIF_GREFS_PER_INDIRECT_PAGE; k++)
			((u32 *)r->ind[i])[k] = r->data_ref[k % ROGUE_NR_DATA];
	}
	if (!err)
		err = rogue_grant(be, 0, &r->bad_ind, &r->bad_ind_ref);
	for (k = 0; !err && k < VGPUIF_GREFS_PER_INDIRECT_PAGE; k++)
		((u32 *)r->bad_ind)[k] = 0xfffffff0u - k;
	if (!err)
		err = rogue_grant(be, 1, &r->ro_page, &r->ro_ref);
	/* As an indirect page it names refs nobody granted (not 0: console). */
	for (k = 0; !err && k < VGPUIF_GREFS_PER_INDIRECT_PAGE; k++)
		((u32 *)r->ro_page)[k] = 0xffffe000u - k;
	if (!err)
		err = rogue_grant(ROGUE_OTHER_DOMID, 0, &r->foreign_page,
				  &r->foreign_ref);
	if (!err) {
		/* Granted, then ended; the ref stays ours, so never reused. */
		err = rogue_grant(be, 0, &page, &r->revoked_ref);
		if (!err) {
			if (!gnttab_end_foreign_access_ref(r->revoked_ref))
				err = -EBUSY;
			free_page((unsigned long)page);
		}
	}
	if (err)
		rogue_free_pages(r);
	return err;
}

static void rogue_backend_changed(struct xenbus_device *xbdev,
				  enum xenbus_state state)
{
	struct rogue *r = dev_get_drvdata(&xbdev->dev);

	if (!r)
		return;
	WRITE_ONCE(r->be_state, state);
	wake_up_all(&r->wq);
}

static int rogue_probe(struct xenbus_device *xbdev,
		       const struct xenbus_device_id *id)
{
	struct rogue *r;
	int err;

	mutex_lock(&rogue_mutex);
	if (rogue_dev) {
		mutex_unlock(&rogue_mutex);
		return -EBUSY;	/* one rogue device is enough */
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		mutex_unlock(&rogue_mutex);
		return -ENOMEM;
	}
	r->xbdev = xbdev;
	init_waitqueue_head(&r->wq);
	r->ring_ref = INVALID_GRANT_REF;
	r->be_state = xenbus_read_driver_state(xbdev->otherend);
	err = rogue_grant_pages(r);
	if (err) {
		kfree(r);
		mutex_unlock(&rogue_mutex);
		return err;
	}
	dev_set_drvdata(&xbdev->dev, r);
	rogue_dev = r;
	mutex_unlock(&rogue_mutex);
	dev_info(&xbdev->dev, "vgpu-rogue bound; backend %s\n",
		 xenbus_strstate(r->be_state));
	return 0;
}

static void rogue_do_remove(struct xenbus_device *xbdev)
{
	struct rogue *r = dev_get_drvdata(&xbdev->dev);

	mutex_lock(&rogue_mutex);
	if (r) {
		rogue_set_state(r, XenbusStateClosing);
		wait_event_timeout(r->wq,
				   rogue_backend_state(r) != XenbusStateConnected,
				   msecs_to_jiffies(5000));
		rogue_drop_ring(r);
		rogue_free_pages(r);
		dev_set_drvdata(&xbdev->dev, NULL);
		kfree(r);
	}
	rogue_dev = NULL;
	mutex_unlock(&rogue_mutex);
}

VGPU_XENBUS_REMOVE(rogue_remove, rogue_do_remove)

static const struct xenbus_device_id rogue_ids[] = {
	{ "vgpu" },
	{ "" }
};

static struct xenbus_driver rogue_driver = {
	.name = "vgpu-rogue",
	.ids = rogue_ids,
	.probe = rogue_probe,
	.remove = rogue_remove,
	.otherend_changed = rogue_backend_changed,
	VGPU_XENBUS_NOT_ESSENTIAL
};

static int __init rogue_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	rogue_dbg = debugfs_create_dir("vgpu-rogue", NULL);
	debugfs_create_file("case", 0200, rogue_dbg, NULL, &rogue_case_fops);
	debugfs_create_file("result", 0444, rogue_dbg, NULL,
			    &rogue_result_fops);
	debugfs_create_file("cases", 0444, rogue_dbg, NULL, &rogue_list_fops);
	err = xenbus_register_frontend(&rogue_driver);
	if (err)
		debugfs_remove_recursive(rogue_dbg);
	return err;
}
module_init(rogue_init);

static void __exit rogue_exit(void)
{
	xenbus_unregister_driver(&rogue_driver);
	debugfs_remove_recursive(rogue_dbg);
}
module_exit(rogue_exit);

MODULE_DESCRIPTION("vgpu-rogue: a hostile vgpu frontend for the Xen lab");
MODULE_LICENSE("GPL");
/* No MODULE_ALIAS("xen:vgpu"): it must never be loaded in vgpu-front's place. */
