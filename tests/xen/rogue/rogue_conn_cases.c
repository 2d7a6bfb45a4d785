// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-rogue: the connection cases. Each one plays with the xenbus side of
 * the protocol (rings offered twice, keys missing or not decimal, states
 * out of order or not numbers, connect loops, disconnects with requests in
 * flight) and says whether the backend must refuse or disconnect; the ring
 * cases are in rogue_cases.c, which lists them all.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "rogue.h"

/*
 * A new ring offered while connected (state Initialised again): the
 * backend keeps the ring it has and ignores the offer; the frontend then
 * starts over properly (Closing, Initialising), three times.
 */
int case_reconnect_new_ring(struct rogue *r, struct rogue_result *res)
{
	unsigned int i;
	int err;

	err = rogue_offer(r, NULL, NULL);
	if (err)
		return err;
	msleep(1000);
	if (rogue_backend_state(r) != XenbusStateConnected)
		rogue_unexpected(res, "backend %s after a second offer",
				 xenbus_strstate(rogue_backend_state(r)));
	for (i = 0; i < 3; i++) {
		err = rogue_reset(r);
		if (!err)
			err = rogue_connect(r);
		if (err)
			return err;
	}
	return 0;
}

/* Keys the protocol does not have, with silly values: ignored. */
int case_ring_page_order(struct rogue *r, struct rogue_result *res)
{
	static const char *const vals[] = { "4294967295", "abc", "-1", "40" };
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(vals) && !err; i++) {
		rogue_write_key(r, "ring-page-order", vals[i]);
		rogue_write_key(r, "num-ring-pages", vals[i]);
		err = rogue_reset(r);
		if (!err)
			err = rogue_connect(r);
	}
	rogue_write_key(r, "ring-page-order", NULL);
	rogue_write_key(r, "num-ring-pages", NULL);
	return err;
}

/*
 * Offers with a key missing or not a plain decimal, a ring that cannot be
 * mapped, a port that is not ours, a protocol the backend does not speak:
 * each is refused (backend Closing) and the device starts over.
 */
int case_bad_keys(struct rogue *r, struct rogue_result *res)
{
	struct { const char *key, *val; } offers[] = {
		{ "ring-ref", NULL }, { "ring-ref", "abc" }, { "ring-ref", "-1" },
		{ "ring-ref", "0x10" }, { "ring-ref", " 8" }, { "ring-ref", "" },
		{ "ring-ref", "99999999999" }, { "ring-ref", "4294967295" },
		{ "event-channel", NULL },
		{ "event-channel", "abc" }, { "event-channel", "65535" },
		{ "event-channel", "0" }, { "protocol-version", NULL },
		{ "protocol-version", "2" }, { "protocol-version", "1 " },
		{ "protocol-version", "4294967297" },
	};
	char revoked[16], foreign[16];
	unsigned int i, n = ARRAY_SIZE(offers);
	int err;

	res->expect_closed = true;
	for (i = 0; i <= n + 1; i++) {
		const char *key = "ring-ref", *val;

		snprintf(revoked, sizeof(revoked), "%u", r->revoked_ref);
		snprintf(foreign, sizeof(foreign), "%u", r->foreign_ref);
		if (i < n) {
			key = offers[i].key;
			val = offers[i].val;
		} else {
			val = i == n ? revoked : foreign;
		}
		err = rogue_reset(r);
		if (!err)
			err = rogue_offer(r, key, val);
		if (err)
			return err;
		wait_event_timeout(r->wq,
				   rogue_backend_state(r) != XenbusStateInitWait,
				   msecs_to_jiffies(5000));
		if (rogue_backend_state(r) == XenbusStateConnected)
			rogue_unexpected(res, "backend connected with %s=\"%s\"",
					 key, val ? val : "(none)");
		else if (rogue_backend_state(r) == XenbusStateClosing)
			res->refused++;
		else
			rogue_unexpected(res, "backend %s after %s=\"%s\"",
					 xenbus_strstate(rogue_backend_state(r)),
					 key, val ? val : "(none)");
	}
	res->closed = true;
	return rogue_reset(r);
}

/*
 * State games: out-of-order and unknown states, flapping between them,
 * Connected without an offer. The backend may refuse or disconnect; it
 * must come back to InitWait when the frontend starts over.
 */
int case_state_games(struct rogue *r, struct rogue_result *res)
{
	static const int seq[] = { 5, 3, 1, 4, 6, 3, 7, 8, 99, 2, 4, 1, 6 };
	unsigned int i, k;

	for (k = 0; k < 10; k++)
		for (i = 0; i < ARRAY_SIZE(seq); i++)
			rogue_set_state(r, seq[i]);
	msleep(500);
	/* Connected from InitWait with no ring offered (old keys removed). */
	if (rogue_reset(r))
		return -ENODEV;
	rogue_write_key(r, "ring-ref", NULL);
	rogue_set_state(r, XenbusStateConnected);
	msleep(1000);
	if (rogue_backend_state(r) == XenbusStateConnected)
		rogue_unexpected(res, "backend connected with no ring-ref");
	res->closed = true;
	res->expect_closed = true;
	return rogue_reset(r);
}

/*
 * A state that is no number: the backend reads it as Unknown and does what
 * every Linux backend does, it unregisters the device (Closed). Only the
 * toolstack brings it back; the lab does, then "connect" must work.
 */
int case_state_unknown(struct rogue *r, struct rogue_result *res)
{
	xenbus_write(XBT_NIL, r->xbdev->nodename, "state", "abc");
	wait_event_timeout(r->wq, rogue_backend_state(r) == XenbusStateClosed,
			   msecs_to_jiffies(5000));
	res->closed = rogue_backend_state(r) != XenbusStateConnected;
	res->expect_closed = true;
	res->expect_down = true;
	rogue_drop_ring(r);
	rogue_set_state(r, XenbusStateInitialising);
	return 0;
}

/* Connect, one NOP, disconnect: 20 times in a row. */
int case_connect_loop(struct rogue *r, struct rogue_result *res)
{
	struct rogue_req one;
	struct rogue_batch b = { .v = &one, .max = 1 };
	unsigned int i;
	int err;

	for (i = 0; i < 20; i++) {
		err = rogue_reset(r);
		if (!err)
			err = rogue_connect(r);
		if (err) {
			rogue_unexpected(res, "connect %u failed: %d", i, err);
			return 0;
		}
		b.n = 0;
		rogue_add(&b, ST_FLOOD)->operation = VGPUIF_OP_NOP;
		rogue_run(r, &b, res, 5000);
	}
	return 0;
}

/*
 * Gone with requests in flight: a full ring of 1 MiB writes, then (1) a
 * proper Closing, (2) the ring's grant ended and the port closed with no
 * word to the backend. The backend must end them all and keep no grant.
 */
int case_close_inflight(struct rogue *r, struct rogue_result *res)
{
	struct vgpuif_front_ring *ring;
	unsigned int pass, i;
	u64 dptr;

	res->expect_closed = true;
	for (pass = 0; pass < 2; pass++) {
		if (rogue_alloc(r, MIB, &dptr))
			return -EIO;
		ring = &r->ring;
		for (i = 0; !RING_FULL(ring); i++) {
			struct vgpuif_request *q =
				RING_GET_REQUEST(ring, ring->req_prod_pvt);

			memset(q, 0, sizeof(*q));
			q->operation = VGPUIF_OP_MEM_WRITE;
			q->u.mem.dptr = dptr;
			rogue_indirect(r, q, MIB);
			ring->req_prod_pvt++;
			res->sent++;
		}
		rogue_push(r);
		msleep(100);
		if (pass == 0) {
			rogue_set_state(r, XenbusStateClosing);
			rogue_wait_backend(r, XenbusStateClosing, 5000);
		}
		rogue_drop_ring(r);
		res->closed = true;
		if (rogue_reset(r) || rogue_connect(r))
			return -ENODEV;
	}
	return 0;
}
