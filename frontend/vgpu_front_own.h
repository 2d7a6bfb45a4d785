/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What one open file of /dev/vgpuN owns on the host: the device addresses
 * its MEM_ALLOCs returned (with their sizes), the module handles its
 * MODULE_LOADs returned, or the globals (address and size) its
 * MODULE_GET_GLOBALs returned, each tagged with its module (the owner). The frontend refuses a request that names
 * something the file does not own, and frees what is left when the file
 * is closed, so one guest process can neither use nor leak another's GPU
 * memory.
 *
 * A table holds entries sorted by base, each tagged with the connection
 * (conn_gen) that made it: what an earlier connection made died with that
 * connection's executor, so it is never matched (nor freed) again.
 *
 * The table is bounded (max entries; -ENOSPC past it) and grows on demand.
 * A slot is reserved before the request that fills it is sent, so a
 * successful MEM_ALLOC always finds room for its result.
 *
 * Xen-free and lock-free: the caller serialises (the open file's mutex).
 * KUnit builds this file in User Mode Linux (tests/kunit).
 */
#ifndef VGPU_FRONT_OWN_H
#define VGPU_FRONT_OWN_H

#include <linux/types.h>

/* Per open file; the host's own limits are per VM (65536 and 1024). */
#define VGPU_FRONT_OWN_MAX_ALLOCS	16384
#define VGPU_FRONT_OWN_MAX_MODULES	1024
#define VGPU_FRONT_OWN_MAX_GLOBALS	16384

struct vgpu_front_own_ent {
	u64 base;	/* device address or module handle */
	u64 size;	/* bytes; 1 for a module */
	u32 gen;	/* connection that made it */
	u32 users;	/* transfers using it now: it cannot be freed */
	bool freeing;	/* its MEM_FREE/MODULE_UNLOAD is in flight */
	bool dropped;	/* its owner went while in use: gone at last _put() */
	u64 owner;	/* a global's module handle; 0 otherwise */
};

struct vgpu_front_own {
	struct vgpu_front_own_ent *ent;	/* sorted by base, no two equal */
	u32 nr;				/* entries in use */
	u32 cap;			/* entries allocated */
	u32 max;			/* entries allowed */
	u32 reserved;			/* slots promised to requests */
};

void vgpu_front_own_init(struct vgpu_front_own *own, u32 max);
void vgpu_front_own_destroy(struct vgpu_front_own *own);

/*
 * Reserve room for one entry before sending the request that makes it:
 * 0, -ENOSPC (max reached, after dropping entries of connections other
 * than @gen) or -ENOMEM. Each reservation ends with _add() or _unreserve().
 */
int vgpu_front_own_reserve(struct vgpu_front_own *own, u32 gen);
void vgpu_front_own_unreserve(struct vgpu_front_own *own);

/*
 * Record [@base, @base + @size) made on connection @gen, using a
 * reservation. An entry with the same base is replaced: the host only
 * hands out a base again once the old one is freed.
 */
void vgpu_front_own_add(struct vgpu_front_own *own, u64 base, u64 size,
			u32 gen);

/* _add() of an entry that belongs to @owner (a global of a module). */
void vgpu_front_own_add_owned(struct vgpu_front_own *own, u64 base, u64 size,
			      u32 gen, u64 owner);
/*
 * Forget every entry of @owner (its module was unloaded): at once, or,
 * for one in use, unusable now and gone at its last _put().
 */
void vgpu_front_own_drop_owner(struct vgpu_front_own *own, u64 owner);

/*
 * Whether [@addr, @addr + @len) lies in one entry of connection @gen that
 * is not being freed: 0, -ENOENT (no such entry holds @addr) or -ERANGE
 * (the range leaves the entry that holds @addr). @len 0 counts as 1.
 * _get() also counts a user of the entry (its base in *@base) until
 * _put(): an entry in use cannot be freed.
 */
int vgpu_front_own_check(const struct vgpu_front_own *own, u64 addr, u64 len,
			 u32 gen);
int vgpu_front_own_get(struct vgpu_front_own *own, u64 addr, u64 len, u32 gen,
		       u64 *base);
void vgpu_front_own_put(struct vgpu_front_own *own, u64 base);

/*
 * Free of the entry that starts at @base: _free_begin() gives 0 (the entry
 * is now being freed: no longer usable), -ENOENT (no such entry of @gen,
 * or being freed already) or -EBUSY (a transfer uses it). _free_end()
 * removes it if @gone (the host freed it, or may have), else makes it
 * usable again.
 */
int vgpu_front_own_free_begin(struct vgpu_front_own *own, u64 base, u32 gen);
void vgpu_front_own_free_end(struct vgpu_front_own *own, u64 base, bool gone);

/*
 * Take any entry out of the table (at close): true and its base and
 * connection in *@base and *@gen, or false when the table is empty.
 */
bool vgpu_front_own_pop(struct vgpu_front_own *own, u64 *base, u32 *gen);

static inline u32 vgpu_front_own_count(const struct vgpu_front_own *own)
{
	return own->nr;
}

#endif /* VGPU_FRONT_OWN_H */
