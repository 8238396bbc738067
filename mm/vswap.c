// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual swap space: the slot table.
 *
 * A virtual swap slot names a swapped-out page for as long as something
 * refers to it (page tables, shmem, the swap cache), independently of where
 * the data is kept. Each slot in use has a 16-byte descriptor: a tagged
 * backend word saying where the data is, the slot's count (references, plus
 * VSWAP_CACHE while a folio is in the swap cache or being read in) and the
 * id of the memcg that owns it. A slot is free exactly when its count word
 * is zero.
 *
 * Slots live in clusters of VSWAP_CLUSTER_SLOTS, allocated when a first
 * slot is needed (or ahead, as the spare) and freed when the last one
 * goes, found by cluster number in vswap_table. Each CPU
 * allocates from a cluster it owns, so the swap-out path takes no global
 * lock; a CPU that cannot fit a request in its cluster hands it back and
 * takes a partly used one, or a new one.
 *
 * Cluster states: OWNED (a CPU's current cluster, or the spare made ahead
 * for when reclaim cannot allocate one; an offline CPU gives its cluster
 * up), and for a cluster nobody owns, by how many of its slots are in use:
 * PARTIAL (at most VSWAP_PARTIAL_USED, on the partial list), BUSY (more,
 * but not all, on the busy list), FULL (all, on no list), DEAD (none:
 * unlinked, freed after an RCU grace period). A CPU takes a partial
 * cluster, else a new one, and a busy one only when no new one can be
 * made: one nearly full would be taken for a few slots, scanned for them
 * and given up again, the allocating CPU contending for the locks of
 * clusters that other CPUs free into. The bound is high, so that slots in
 * use stay dense: with half as the bound, a benchmark's anon refaults that
 * found their swap-cache shadow fell to 0.54x the base kernel's, for
 * reasons not established.
 *
 * Locking:
 *	vswap_pcp.lock -> vswap_lock -> vswap_cluster.lock -> swap cache i_pages
 *	(vswap_ids' own lock: at most under vswap_pcp.lock)
 *
 *   vswap_cluster.lock guards the descriptors of that cluster and its
 *	nr_used. A cluster whose lock is held and that is not DEAD cannot be
 *	freed.
 *   vswap_lock guards the partial and busy lists; a cluster's state
 *	changes with both vswap_lock and its own lock held, so either lock is
 *	enough to read it.
 *	A path that holds a cluster lock and must move the cluster between
 *	lists drops it, then takes vswap_lock and the cluster lock again and
 *	rechecks, under rcu_read_lock() so that the cluster stays allocated.
 *   Lock-free readers (vswap_count(), vswap_swapped(), vswap_cache_claimed(),
 *	vswap_cache_only_snapshot(), vswap_backend(), vswap_backend_run(),
 *	vswap_memcg_id(), vswap_memcg_id_run()) run under RCU and see either
 *	a live descriptor or none (a free slot); a DEAD cluster's descriptors
 *	are all zero.
 *
 * Lifetime rule for backends: the backend word of a slot is changed only by
 * the holder of the slot's VSWAP_CACHE bit (vswap_set_backend() and
 * vswap_set_backends() check; the latter drops the cluster lock between
 * batches and looks the cluster up again: the claims, which keep it from
 * emptying, keep it alive), so
 * swap-in, writeback and swapoff serialise on that claim (held with a
 * swap-cache folio, or by a fault reading outside the swap cache). The
 * record is the slot's only index: a ZSWAP word holds the zswap entry
 * itself. When a slot is freed, what others still key by its number (its
 * swap-cache shadow) is removed under the cluster lock, before its count
 * word reads zero: a slot allocated again never meets its predecessor's
 * state. Its backend and memcg reference are released after the lock is
 * dropped.
 *
 * Locks taken under vswap_cluster.lock, by vswap_forget(): the swap cache's
 * i_pages lock, which is never held while a vswap lock is taken. It
 * is taken with xa_lock_irq() (when a freed slot has a shadow), which
 * enables interrupts again on release: the paths that free slots
 * (vswap_put(), vswap_cache_put()) must be called with interrupts enabled
 * (vswap_forget() asserts it). No vswap lock is taken from interrupts.
 */
#define pr_fmt(fmt) "vswap: " fmt

#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/local_lock.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <linux/rcupdate.h>
#include <linux/rcupdate_wait.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/swapfile.h>
#include <linux/vmstat.h>
#include <linux/vswap.h>
#include <linux/workqueue.h>

struct vswap_desc {
	unsigned long backend;		/* enum vswap_backend tag | payload */
	unsigned int count;		/* references | VSWAP_CACHE */
	unsigned short memcg_id;
	unsigned short spare;
};

#define VSWAP_DESC_PER_PAGE	(PAGE_SIZE / sizeof(struct vswap_desc))
/* A cluster nobody owns with at least an eighth of it free is PARTIAL. */
#define VSWAP_PARTIAL_USED	(VSWAP_CLUSTER_SLOTS - VSWAP_CLUSTER_SLOTS / 8)
#define VSWAP_DESC_PAGES	DIV_ROUND_UP(VSWAP_CLUSTER_SLOTS, VSWAP_DESC_PER_PAGE)

enum vswap_cluster_state {
	VC_OWNED,
	VC_PARTIAL,
	VC_BUSY,
	VC_FULL,
	VC_DEAD,
};

struct vswap_cluster {
	/*
	 * Guards writes to desc[] (readers may go lock-free under RCU: see
	 * Locking above) and nr_used; state changes under it and vswap_lock.
	 */
	spinlock_t lock;
	unsigned short nr_used;
	unsigned char state;		/* enum vswap_cluster_state */
	unsigned int id;		/* index in vswap_table */
	struct list_head list;		/* on vswap_partial or vswap_busy */
	struct rcu_head rcu;
	/* VSWAP_CLUSTER_SLOTS descriptors, in order-0 pages */
	struct vswap_desc *desc[VSWAP_DESC_PAGES];
};

/* The descriptor of @vslot in @c. */
static inline struct vswap_desc *vswap_desc(struct vswap_cluster *c,
					    unsigned long vslot)
{
	unsigned int off = vslot & (VSWAP_CLUSTER_SLOTS - 1);

	return &c->desc[off / VSWAP_DESC_PER_PAGE][off % VSWAP_DESC_PER_PAGE];
}

struct vswap_pcp {
	local_lock_t lock;
	struct vswap_cluster *cluster;	/* OWNED by this CPU, or NULL */
	unsigned int next;		/* where to look for free slots first */
	/*
	 * Slots counted into each backend here, less those counted out:
	 * wraps as a CPU counts out what others counted in; the sum is right.
	 */
	unsigned long nr_backend[VSWAP_NR_BACKENDS];
};

static DEFINE_PER_CPU(struct vswap_pcp, vswap_pcp) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

static DEFINE_SPINLOCK(vswap_lock);
static LIST_HEAD(vswap_partial);
static LIST_HEAD(vswap_busy);
static struct kmem_cache *vswap_cluster_cache;

/* At most this many clusters: the bound of the virtual space. */
static unsigned int vswap_max_clusters __read_mostly;
/*
 * The clusters in use by number, NULL where none, for lookups under RCU: an
 * array of vswap_table_size pointers made at boot for the whole virtual
 * space (a pointer per 512 slots), so that finding a slot's cluster is one
 * load. Numbers are handed out by vswap_ids, lowest first; a cluster is
 * published when made and its entry cleared before its number is given back.
 */
static struct vswap_cluster __rcu **vswap_table __read_mostly;
static unsigned int vswap_table_size __read_mostly;
/* One more than the highest number handed out: where walks stop. */
static unsigned int vswap_table_end;
static DEFINE_IDA(vswap_ids);
static atomic_t vswap_nr_clusters = ATOMIC_INIT(0);
/*
 * Slots in use: all of them in vswap_nr_used, which reclaim reads
 * (vswap_slots_free()) without summing over the CPUs unless the virtual
 * space is near full; and by backend tag in each CPU's
 * vswap_pcp.nr_backend[], summed over the possible CPUs only when
 * /sys/kernel/mm/vswap is read. A slot allocated or freed changes both, a
 * batch of slots at a time for vswap_nr_used; a slot given a new backend
 * is counted out of its old one, and a run of them into their new one at
 * once: per-CPU adds, with no fold and no lock. A sum taken while slots
 * are allocated, freed or given a new backend may be briefly negative:
 * readers clamp what they return.
 */
static struct percpu_counter vswap_nr_used;

/* The cluster numbered @id, or NULL. Under rcu_read_lock(). */
static inline struct vswap_cluster *vswap_cluster_get(unsigned long id)
{
	if (unlikely(id >= vswap_table_size))
		return NULL;
	return rcu_dereference(vswap_table[id]);
}

/*
 * The first cluster in use numbered *@id or above, its number left in
 * *@id; NULL if there is none. Under rcu_read_lock().
 */
static struct vswap_cluster *vswap_cluster_from(unsigned long *id)
{
	unsigned long end = READ_ONCE(vswap_table_end);
	struct vswap_cluster *c;

	for (; *id < end; (*id)++) {
		c = rcu_dereference(vswap_table[*id]);
		if (c)
			return c;
	}
	return NULL;
}

/* Each cluster in use from number @start on, in @id and @c. Under RCU. */
#define vswap_for_each_cluster(id, c, start)				\
	for ((id) = (start), (c) = vswap_cluster_from(&(id)); (c);	\
	     (id)++, (c) = vswap_cluster_from(&(id)))

/* Count @nr slots in (or, if negative, out of) the backend of @word. */
static inline void vswap_backend_count(unsigned long word, long nr)
{
	VM_WARN_ON_ONCE((word & VSWAP_TAG_MASK) >= VSWAP_NR_BACKENDS);
	this_cpu_add(vswap_pcp.nr_backend[word & VSWAP_TAG_MASK], nr);
}

static_assert(sizeof(struct vswap_desc) == 16);
static_assert(VSWAP_CLUSTER_SLOTS <= USHRT_MAX);

/*
 * Slot allocation runs in reclaim, under the per-CPU lock: it must neither
 * sleep nor recurse. It takes no reserves below the min watermark
 * (__GFP_HIGH) but may, like zswap's own allocations, use those of a
 * reclaiming task (PF_MEMALLOC): the 8 KiB of a new cluster let 512 pages
 * be swapped out, where refusing them stalls reclaim exactly when memory is
 * shortest. MADV_PAGEOUT reclaims with PF_MEMALLOC set too
 * (reclaim_pages()), so the same holds there.
 * The reserves go to a new cluster before a busy one is taken (see the
 * cluster states above): they come back with the pages it lets go.
 * When that allocation fails, a busy cluster is taken, else the spare
 * cluster; with neither, the page stays resident. (The cluster's number
 * comes from an IDA, whose first try at a 128-byte bitmap, needed once per
 * 1024 numbers, is a plain GFP_NOWAIT: a failure there may warn, then
 * retries with these flags.)
 */
#define VSWAP_GFP	(GFP_NOWAIT | __GFP_NOWARN)

/*
 * The spare: a cluster made ahead, outside reclaim, by a work item
 * (GFP_KERNEL, giving up rather than retrying or OOM-killing), for when
 * reclaim cannot allocate one. It is in vswap_table with its id, empty, in
 * state OWNED with no owner: nothing else touches an OWNED cluster. The
 * work is queued whenever a CPU takes a cluster that is not partial and
 * there is no spare, while the space has room; so the first spare is made
 * with the first cluster, and none is made at the limit or when its own
 * allocation fails, until the next try.
 */
static struct vswap_cluster *vswap_spare;
static void vswap_spare_refill(struct work_struct *work);
static DECLARE_WORK(vswap_spare_work, vswap_spare_refill);

static void vswap_cluster_free(struct vswap_cluster *c)
{
	unsigned int i;

	for (i = 0; i < VSWAP_DESC_PAGES; i++)
		if (c->desc[i])
			free_page((unsigned long)c->desc[i]);
	kmem_cache_free(vswap_cluster_cache, c);
}

/*
 * Are there as many clusters as the space may have? Racy: one being freed
 * may still be counted, as if it had been freed a moment later.
 */
static bool vswap_at_limit(void)
{
	return (unsigned int)atomic_read(&vswap_nr_clusters) >=
	       READ_ONCE(vswap_max_clusters);
}

static struct vswap_cluster *vswap_cluster_new(gfp_t gfp)
{
	unsigned int i, end;
	struct vswap_cluster *c;
	int id;

	/* The IDA would refuse too; busy clusters are taken then. */
	if (vswap_at_limit())
		return ERR_PTR(-ENOSPC);
	/* Cluster 0 is never used: no virtual entry has the value 0. */
	id = ida_alloc_range(&vswap_ids, 1, READ_ONCE(vswap_max_clusters), gfp);
	if (id < 0)	/* -ENOSPC: the virtual space is at its limit */
		return ERR_PTR(id);
	c = kmem_cache_zalloc(vswap_cluster_cache, gfp);
	if (!c)
		goto fail;
	for (i = 0; i < VSWAP_DESC_PAGES; i++) {
		c->desc[i] = (void *)get_zeroed_page(gfp);
		if (!c->desc[i]) {
			vswap_cluster_free(c);
			goto fail;
		}
	}
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->list);
	c->state = VC_OWNED;
	c->id = id;
	end = READ_ONCE(vswap_table_end);
	while ((unsigned int)id >= end &&
	       !try_cmpxchg(&vswap_table_end, &end, id + 1))
		;
	/* its id and zeroed descriptors before a lookup can find it */
	rcu_assign_pointer(vswap_table[id], c);
	atomic_inc(&vswap_nr_clusters);
	return c;
fail:
	ida_free(&vswap_ids, id);
	return ERR_PTR(-ENOMEM);
}

static void vswap_cluster_free_rcu(struct rcu_head *rcu)
{
	vswap_cluster_free(container_of(rcu, struct vswap_cluster, rcu));
}

/* Make the spare. Runs from the work queue, never twice at once. */
static void vswap_spare_refill(struct work_struct *work)
{
	struct vswap_cluster *c;

	if (READ_ONCE(vswap_spare))
		return;
	c = vswap_cluster_new(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	if (IS_ERR(c))
		return;
	/*
	 * Its id and zeroed descriptors before it is seen by a taker: pairs
	 * with the xchg() in vswap_cluster_take().
	 */
	smp_store_release(&vswap_spare, c);
}

/* Queue the work that makes the spare, if there is none and room for it. */
static void vswap_spare_want(void)
{
	if (!READ_ONCE(vswap_spare) && !vswap_at_limit())
		queue_work(system_unbound_wq, &vswap_spare_work);
}

/*
 * The state of @c, not owned, by its slots in use. Only an owner allocates,
 * so a cluster nobody owns only moves down: FULL, BUSY, PARTIAL, DEAD.
 */
static enum vswap_cluster_state
vswap_unowned_state(const struct vswap_cluster *c)
{
	if (!c->nr_used)
		return VC_DEAD;
	if (c->nr_used <= VSWAP_PARTIAL_USED)
		return VC_PARTIAL;
	return c->nr_used < VSWAP_CLUSTER_SLOTS ? VC_BUSY : VC_FULL;
}

/*
 * Put @c on the list its use calls for; unlink and free it when empty and
 * not owned. Called with vswap_lock and @c->lock held; returns true if @c
 * died, and the caller then finishes with vswap_cluster_bury().
 */
static bool vswap_cluster_place(struct vswap_cluster *c)
{
	enum vswap_cluster_state state;

	lockdep_assert_held(&vswap_lock);
	lockdep_assert_held(&c->lock);

	state = vswap_unowned_state(c);
	if (c->state == VC_OWNED || c->state == VC_DEAD || c->state == state)
		return false;
	list_del_init(&c->list);
	if (state == VC_PARTIAL)
		list_add_tail(&c->list, &vswap_partial);
	else if (state == VC_BUSY)
		list_add_tail(&c->list, &vswap_busy);
	c->state = state;
	return state == VC_DEAD;
}

static void vswap_cluster_bury(struct vswap_cluster *c)
{
	/* cleared before the number can be given to a new cluster */
	RCU_INIT_POINTER(vswap_table[c->id], NULL);
	ida_free(&vswap_ids, c->id);
	atomic_dec(&vswap_nr_clusters);
	call_rcu(&c->rcu, vswap_cluster_free_rcu);
}

/* A CPU gives up @c, which it owned. */
static void vswap_cluster_disown(struct vswap_cluster *c)
{
	bool dead;

	spin_lock(&vswap_lock);
	spin_lock(&c->lock);
	c->state = VC_FULL;	/* on no list, as when owned: place() moves it */
	dead = vswap_cluster_place(c);
	spin_unlock(&c->lock);
	spin_unlock(&vswap_lock);
	if (dead)
		vswap_cluster_bury(c);
}

/* After a free made @c less used: relink it. Caller holds rcu_read_lock(). */
static void vswap_cluster_relink(struct vswap_cluster *c)
{
	bool dead;

	spin_lock(&vswap_lock);
	spin_lock(&c->lock);
	dead = vswap_cluster_place(c);
	spin_unlock(&c->lock);
	spin_unlock(&vswap_lock);
	if (dead)
		vswap_cluster_bury(c);
}

/* The first cluster on @list, now owned by the caller, or NULL. */
static struct vswap_cluster *vswap_cluster_unlist(struct list_head *list)
{
	struct vswap_cluster *c;

	spin_lock(&vswap_lock);
	c = list_first_entry_or_null(list, struct vswap_cluster, list);
	if (c) {
		spin_lock(&c->lock);
		list_del_init(&c->list);
		c->state = VC_OWNED;
		spin_unlock(&c->lock);
	}
	spin_unlock(&vswap_lock);
	return c;
}

/*
 * A cluster to allocate from, now owned by the caller: a partial one, a
 * new one, or when none can be made a busy one; on a second try
 * (!@listed_ok: the one taken could not fit the request) only a new one.
 * The spare only for @spare_ok: it keeps single pages moving; a large
 * folio is split instead.
 */
static struct vswap_cluster *vswap_cluster_take(bool listed_ok,
						bool spare_ok)
{
	struct vswap_cluster *c;

	if (listed_ok && !list_empty(&vswap_partial)) {
		c = vswap_cluster_unlist(&vswap_partial);
		if (c)
			return c;
	}
	c = vswap_cluster_new(VSWAP_GFP);
	if (IS_ERR(c) && listed_ok && !list_empty(&vswap_busy)) {
		struct vswap_cluster *busy = vswap_cluster_unlist(&vswap_busy);

		if (busy)
			c = busy;
	}
	if (IS_ERR(c) && spare_ok) {
		struct vswap_cluster *spare = xchg(&vswap_spare, NULL);

		if (spare) {
			count_vm_event(VSWAP_SPARE);
			c = spare;
		}
	}
	vswap_spare_want();
	return c;
}

/* First free, @nr-aligned run of @nr slots in @c from @start on, wrapping. */
static int vswap_cluster_find(struct vswap_cluster *c, unsigned int start,
			      unsigned int nr)
{
	unsigned int i, off, n;

	lockdep_assert_held(&c->lock);
	if (c->nr_used + nr > VSWAP_CLUSTER_SLOTS)
		return -1;
	start = ALIGN(start, nr) % VSWAP_CLUSTER_SLOTS;
	for (n = 0; n < VSWAP_CLUSTER_SLOTS; n += nr) {
		off = (start + n) % VSWAP_CLUSTER_SLOTS;
		for (i = 0; i < nr && !vswap_desc(c, off + i)->count; i++)
			;
		if (i == nr)
			return off;
	}
	return -1;
}

/**
 * vswap_alloc - allocate virtual swap slots for a folio
 * @order: the folio's order: 1 << @order slots, aligned to their number
 * @memcg_id: id of the memcg the slots are charged to later, or 0
 * @vslot: the first slot, on success
 *
 * The slots start with no references and VSWAP_CACHE set, for the folio
 * that is about to enter the swap cache, and with no backend.
 *
 * Context: process context (reclaim), holding no vswap lock; does not
 * sleep: a new cluster is allocated with GFP_NOWAIT, or is a busy one, or
 * the spare (for single slots only: a large folio can be split instead).
 * Return: 0; -ENOSPC when the virtual space is at its limit, or -ENOMEM when
 * a new cluster cannot be allocated, and no listed cluster can fit the
 * request and there is no spare either; -EINVAL for an order above a
 * cluster.
 */
int vswap_alloc(unsigned int order, unsigned short memcg_id,
		unsigned long *vslot)
{
	unsigned int nr = 1U << order, i;
	bool listed_ok = true;
	struct vswap_pcp *pcp;
	struct vswap_cluster *c;
	int off = -1;

	if (order > VSWAP_CLUSTER_SHIFT)
		return -EINVAL;
	local_lock(&vswap_pcp.lock);
	pcp = this_cpu_ptr(&vswap_pcp);
	for (;;) {
		c = pcp->cluster;
		if (c) {
			spin_lock(&c->lock);
			off = vswap_cluster_find(c, pcp->next, nr);
			if (off >= 0)
				break;
			spin_unlock(&c->lock);
			pcp->cluster = NULL;
			vswap_cluster_disown(c);
		}
		/* A listed cluster may be too fragmented: then a new one. */
		c = vswap_cluster_take(listed_ok, !order);
		listed_ok = false;
		if (IS_ERR(c)) {
			local_unlock(&vswap_pcp.lock);
			count_vm_event(VSWAP_ALLOC_FAIL);
			return PTR_ERR(c);
		}
		pcp->cluster = c;
		pcp->next = 0;
	}
	for (i = 0; i < nr; i++) {
		struct vswap_desc *d = vswap_desc(c, off + i);

		WRITE_ONCE(d->memcg_id, memcg_id);
		WRITE_ONCE(d->count, VSWAP_CACHE);
	}
	c->nr_used += nr;
	pcp->next = off + nr;
	*vslot = (unsigned long)c->id << VSWAP_CLUSTER_SHIFT | off;
	spin_unlock(&c->lock);
	local_unlock(&vswap_pcp.lock);
	percpu_counter_add(&vswap_nr_used, nr);
	vswap_backend_count(VSWAP_FOLIO, nr);
	count_vm_events(VSWAP_ALLOC, nr);
	return 0;
}

/*
 * The live cluster holding @vslot, locked, or NULL if there is none (never
 * allocated, or dead); a slot in it may be free. Caller holds
 * rcu_read_lock() when it needs the cluster after unlocking. Called through
 * vswap_lock_cluster(), which tells sparse about the lock: sparse inlines
 * this body into each caller, so it must leave sparse's lock context as it
 * found it.
 */
static __always_inline struct vswap_cluster *
__vswap_lock_cluster(unsigned long vslot)
{
	struct vswap_cluster *c;

	rcu_read_lock();
	c = vswap_cluster_get(vslot >> VSWAP_CLUSTER_SHIFT);
	if (c) {
		spin_lock(&c->lock);
		if (c->state == VC_DEAD) {
			spin_unlock(&c->lock);
			c = NULL;
		} else {
			/* Held: vswap_lock_cluster() acquires it for sparse. */
			__release(&c->lock);
		}
	}
	rcu_read_unlock();
	return c;
}

#define vswap_lock_cluster(vslot)					\
({									\
	struct vswap_cluster *__c;					\
									\
	__cond_lock(&__c->lock, __c = __vswap_lock_cluster(vslot));	\
	__c;								\
})

#define VSWAP_RELEASE_BATCH	16

/*
 * Free the @nr slots of @c in @held, whose count words are still set:
 * forget what is keyed by their numbers, a run of contiguous slots at a
 * time, then clear their descriptors. Called with @c->lock held.
 */
static void vswap_clear(struct vswap_cluster *c, struct vswap_held *held,
			unsigned int nr)
{
	unsigned int i, n;

	lockdep_assert_held(&c->lock);
	for (i = 0; i < nr; i += n) {
		for (n = 1; i + n < nr &&
		     held[i + n].vslot == held[i].vslot + n; n++)
			;
		vswap_forget(held[i].vslot, n);
	}
	for (i = 0; i < nr; i++) {
		struct vswap_desc *d = vswap_desc(c, held[i].vslot);

		WRITE_ONCE(d->count, 0);
		WRITE_ONCE(d->backend, 0);
		WRITE_ONCE(d->memcg_id, 0);
	}
	c->nr_used -= nr;
}

/*
 * Apply @op (1: a reference, VSWAP_CACHE: the cache claim) to the @nr slots
 * from @vslot, which are all in use and in one cluster, freeing those whose
 * count word drops to zero. What is keyed by a freed slot's number goes
 * (vswap_forget()) under the cluster lock, before the slot can be allocated
 * again; what it held (its backend, its memcg reference) is released by
 * vswap_release() with no vswap lock held (under RCU), a batch at a time.
 * Return: true if a slot is left held by the swap cache alone.
 */
static bool vswap_drop(unsigned long vslot, unsigned int nr, unsigned int op)
{
	/* not zeroed under CONFIG_INIT_STACK_ALL_*: only held[0..nfreed) is read */
	struct vswap_held held[VSWAP_RELEASE_BATCH] __uninitialized;
	unsigned int i = 0, j, nfreed;
	struct vswap_cluster *c;
	struct vswap_desc *d;
	bool relink, only_cache = false;

	if (WARN_ON_ONCE((vslot & (VSWAP_CLUSTER_SLOTS - 1)) + nr >
			 VSWAP_CLUSTER_SLOTS))
		return false;
	rcu_read_lock();
	while (i < nr) {
		c = vswap_lock_cluster(vslot);
		if (WARN_ON_ONCE(!c))
			break;
		nfreed = 0;
		for (; i < nr && nfreed < VSWAP_RELEASE_BATCH; i++) {
			unsigned int count;

			d = vswap_desc(c, vslot + i);
			count = d->count;

			if (WARN_ON_ONCE(op == VSWAP_CACHE ?
					 !(count & VSWAP_CACHE) :
					 !(count & ~VSWAP_CACHE)))
				continue;
			count -= op;
			if (count) {
				WRITE_ONCE(d->count, count);
				if (count == VSWAP_CACHE)
					only_cache = true;
				continue;
			}
			/* Its count word is cleared by vswap_clear(). */
			held[nfreed].vslot = vslot + i;
			held[nfreed].backend = d->backend;
			held[nfreed].memcg_id = d->memcg_id;
			nfreed++;
		}
		vswap_clear(c, held, nfreed);
		relink = nfreed && c->state != VC_OWNED &&
			 c->state != vswap_unowned_state(c);
		spin_unlock(&c->lock);
		if (!nfreed)
			continue;
		if (relink)
			vswap_cluster_relink(c);
		count_vm_events(VSWAP_FREE, nfreed);
		percpu_counter_sub(&vswap_nr_used, nfreed);
		for (j = 0; j < nfreed; j++)
			vswap_backend_count(held[j].backend, -1);
		vswap_release(held, nfreed);
	}
	rcu_read_unlock();
	return only_cache;
}

/* vswap_drop() over a range that may span clusters. */
static bool vswap_drop_range(unsigned long vslot, unsigned int nr,
			     unsigned int op)
{
	bool only_cache = false;

	while (nr) {
		unsigned int n = min(nr, VSWAP_CLUSTER_SLOTS -
				     (unsigned int)(vslot & (VSWAP_CLUSTER_SLOTS - 1)));

		only_cache |= vswap_drop(vslot, n, op);
		vslot += n;
		nr -= n;
	}
	return only_cache;
}

/**
 * vswap_dup - add a reference to a virtual swap slot
 * @vslot: the slot
 *
 * Context: process context, may hold spinlocks (the page table lock); not
 * from interrupts: the cluster lock is not IRQ-safe.
 * Return: 0; -ENOENT if the slot is free; -EOVERFLOW, with a warning, at
 * VSWAP_COUNT_MAX references (2^31 - 1: more mappings than a system has).
 */
int vswap_dup(unsigned long vslot)
{
	struct vswap_cluster *c = vswap_lock_cluster(vslot);
	struct vswap_desc *d;
	int err = 0;

	if (!c)
		return -ENOENT;
	d = vswap_desc(c, vslot);
	if (!d->count)
		err = -ENOENT;
	else if (WARN_ON_ONCE((d->count & ~VSWAP_CACHE) == VSWAP_COUNT_MAX))
		err = -EOVERFLOW;
	else
		WRITE_ONCE(d->count, d->count + 1);
	spin_unlock(&c->lock);
	return err;
}

/**
 * vswap_put - drop one reference from each of @nr slots
 * @vslot: the first slot
 * @nr: number of slots
 *
 * A slot left with no reference and no swap-cache folio is freed, and its
 * backend released.
 *
 * Context: process context with interrupts enabled, may hold spinlocks
 * (the page table lock). A slot freed here takes, under the cluster lock,
 * the swap cache's i_pages lock with xa_lock_irq(); releasing its backend
 * takes the swap device's or zswap's locks.
 * Return: true if one of the slots is left held by the swap cache alone.
 */
bool vswap_put(unsigned long vslot, unsigned int nr)
{
	return vswap_drop_range(vslot, nr, 1);
}

/**
 * vswap_cache_get - claim the swap cache for @nr slots
 * @vslot: the first slot; all @nr are in one cluster
 * @nr: number of slots
 *
 * Sets VSWAP_CACHE on all of them or on none. The holder may read and
 * change their backends.
 *
 * Context: process context, may hold spinlocks (the page table lock); not
 * from interrupts: the cluster lock is not IRQ-safe.
 * Return: 0; -EEXIST if one of them is already claimed; -ENOENT if one of
 * them is free; -EINVAL, with a warning, if they cross a cluster.
 */
int vswap_cache_get(unsigned long vslot, unsigned int nr)
{
	struct vswap_cluster *c;
	struct vswap_desc *d;
	unsigned int i;
	int err = 0;

	if (WARN_ON_ONCE((vslot & (VSWAP_CLUSTER_SLOTS - 1)) + nr >
			 VSWAP_CLUSTER_SLOTS))
		return -EINVAL;
	c = vswap_lock_cluster(vslot);
	if (!c)
		return -ENOENT;
	for (i = 0; i < nr && !err; i++) {
		d = vswap_desc(c, vslot + i);
		if (!d->count)
			err = -ENOENT;
		else if (d->count & VSWAP_CACHE)
			err = -EEXIST;
	}
	for (i = 0; i < nr && !err; i++) {
		d = vswap_desc(c, vslot + i);
		WRITE_ONCE(d->count, d->count | VSWAP_CACHE);
	}
	spin_unlock(&c->lock);
	return err;
}

/**
 * vswap_cache_put - release the swap cache claim on @nr slots
 * @vslot: the first slot
 * @nr: number of slots
 *
 * A slot left with no reference is freed, and its backend released.
 *
 * Context: process context with interrupts enabled, may hold spinlocks
 * (the page table lock). A slot freed here takes, under the cluster lock,
 * the swap cache's i_pages lock with xa_lock_irq(); releasing its backend
 * takes the swap device's or zswap's locks.
 */
void vswap_cache_put(unsigned long vslot, unsigned int nr)
{
	vswap_drop_range(vslot, nr, VSWAP_CACHE);
}

/**
 * vswap_cache_only - do @nr slots have no reference but the swap cache?
 * @vslot: the first slot; all @nr are in one cluster
 * @nr: number of slots
 *
 * Context: process context, may hold spinlocks (the page table lock); not
 * from interrupts: the cluster lock is not IRQ-safe.
 * Return: true if each count word is exactly VSWAP_CACHE.
 */
bool vswap_cache_only(unsigned long vslot, unsigned int nr)
{
	struct vswap_cluster *c = vswap_lock_cluster(vslot);
	unsigned int i;
	bool ret = true;

	if (!c)
		return false;
	for (i = 0; i < nr && ret; i++)
		ret = vswap_desc(c, vslot + i)->count == VSWAP_CACHE;
	spin_unlock(&c->lock);
	return ret;
}

/*
 * The descriptor of @vslot in its locked cluster @c, for the holder of the
 * slot's VSWAP_CACHE: warns if the slot is not claimed.
 */
static struct vswap_desc *vswap_claimed_desc(struct vswap_cluster *c,
					     unsigned long vslot)
{
	struct vswap_desc *d = vswap_desc(c, vslot);

	lockdep_assert_held(&c->lock);
	WARN_ON_ONCE(!(d->count & VSWAP_CACHE));
	return d;
}

/**
 * vswap_set_backend - say where a slot's data is now
 * @vslot: the slot, whose VSWAP_CACHE the caller holds
 * @word: the new backend word
 *
 * Context: process context, may hold spinlocks (the page table lock); not
 * from interrupts: the cluster lock is not IRQ-safe.
 * Return: the previous backend word, which the caller now owns; @word
 * itself, with a warning and nothing changed, if its tag is no backend's.
 */
unsigned long vswap_set_backend(unsigned long vslot, unsigned long word)
{
	struct vswap_cluster *c;
	struct vswap_desc *d;
	unsigned long old;

	/* the counts are indexed by tag */
	if (WARN_ON_ONCE((word & VSWAP_TAG_MASK) >= VSWAP_NR_BACKENDS))
		return word;
	c = vswap_lock_cluster(vslot);
	if (WARN_ON_ONCE(!c))
		return 0;
	d = vswap_claimed_desc(c, vslot);
	old = d->backend;
	WRITE_ONCE(d->backend, word);
	spin_unlock(&c->lock);
	if ((old ^ word) & VSWAP_TAG_MASK) {
		vswap_backend_count(old, -1);
		vswap_backend_count(word, 1);
	}
	return old;
}

/* Old backend words vswap_set_backends() releases with the lock dropped. */
#define VSWAP_SET_BATCH		8

/**
 * vswap_set_backends - say where the data of a run of slots is now
 * @vslot: the first slot; all @nr are in one cluster, and the caller holds
 *	   their VSWAP_CACHE
 * @nr: number of slots
 * @word: the new backend word of the first slot
 * @step: added to the word for each next slot: 0, or VSWAP_PHYS_STEP for
 *	  a run of contiguous device slots
 *
 * One cluster lock for the run where vswap_set_backend() takes one a slot,
 * dropped only to release what the old words named (unless the new word
 * still names it) with vswap_release_backends(), every VSWAP_SET_BATCH of
 * them. A slot not claimed is left alone, with a warning.
 *
 * Context: process context, may hold spinlocks (the page table lock); not
 * from interrupts: the cluster lock is not IRQ-safe. Releasing a backend
 * takes the swap device's or zswap's locks.
 */
void vswap_set_backends(unsigned long vslot, unsigned int nr,
			unsigned long word, unsigned long step)
{
	/* not zeroed under CONFIG_INIT_STACK_ALL_*: only old[0..n) is read */
	struct vswap_held old[VSWAP_SET_BATCH] __uninitialized;
	unsigned int i = 0, n, tag, changed = 0;
	struct vswap_cluster *c;
	struct vswap_desc *d;

	/* the counts are indexed by tag: the words must all have a valid one */
	if (WARN_ON_ONCE((vslot & (VSWAP_CLUSTER_SLOTS - 1)) + nr >
			 VSWAP_CLUSTER_SLOTS ||
			 (word & VSWAP_TAG_MASK) >= VSWAP_NR_BACKENDS ||
			 (step & VSWAP_TAG_MASK)))
		return;
	while (i < nr) {
		/* The claims keep the cluster from being freed meanwhile. */
		c = vswap_lock_cluster(vslot);
		if (WARN_ON_ONCE(!c))
			break;
		for (n = 0; i < nr && n < VSWAP_SET_BATCH; i++, word += step) {
			d = vswap_desc(c, vslot + i);
			if (WARN_ON_ONCE(!(d->count & VSWAP_CACHE)) ||
			    d->backend == word)
				continue;
			tag = d->backend & VSWAP_TAG_MASK;
			vswap_backend_count(d->backend, -1);
			changed++;
			if (tag == VSWAP_PHYS || tag == VSWAP_ZSWAP) {
				old[n].vslot = vslot + i;
				old[n].backend = d->backend;
				old[n].memcg_id = d->memcg_id;
				n++;
			}
			WRITE_ONCE(d->backend, word);
		}
		spin_unlock(&c->lock);
		if (n)
			vswap_release_backends(old, n);
	}
	/* step has no tag bits: word still has the first word's tag */
	vswap_backend_count(word, changed);
}

/**
 * vswap_set_memcg_id - say which memcg a slot belongs to now
 * @vslot: the slot, whose VSWAP_CACHE the caller holds
 * @id: the new memcg id, whose reference the slot takes over
 *
 * Context: process context, may hold spinlocks; not from interrupts.
 * Return: the previous id, whose reference the caller now owns.
 */
unsigned short vswap_set_memcg_id(unsigned long vslot, unsigned short id)
{
	struct vswap_cluster *c = vswap_lock_cluster(vslot);
	struct vswap_desc *d;
	unsigned short old;

	if (WARN_ON_ONCE(!c))
		return 0;
	d = vswap_claimed_desc(c, vslot);
	old = d->memcg_id;
	WRITE_ONCE(d->memcg_id, id);
	spin_unlock(&c->lock);
	return old;
}

/* Lock-free read of one descriptor field; zero for a free slot. */
#define vswap_read(vslot, field)					\
({									\
	struct vswap_cluster *__c;					\
	typeof(((struct vswap_desc *)0)->field) __v = 0;		\
									\
	rcu_read_lock();						\
	__c = vswap_cluster_get((vslot) >> VSWAP_CLUSTER_SHIFT);	\
	if (__c)							\
		__v = READ_ONCE(vswap_desc(__c, vslot)->field);		\
	rcu_read_unlock();						\
	__v;								\
})

/**
 * vswap_count - references to a slot, not counting the swap cache
 * @vslot: the slot
 *
 * Context: any context; lock-free, so only a snapshot.
 * Return: the number of references; 0 for a free slot.
 */
unsigned int vswap_count(unsigned long vslot)
{
	return vswap_read(vslot, count) & ~VSWAP_CACHE;
}

/*
 * The cluster of the @nr slots from @vslot, which must all be in it;
 * NULL if it is not in use or they are not. Under rcu_read_lock().
 */
static struct vswap_cluster *vswap_run_cluster(unsigned long vslot,
					       unsigned int nr)
{
	if (WARN_ON_ONCE((vslot & (VSWAP_CLUSTER_SLOTS - 1)) + nr >
			 VSWAP_CLUSTER_SLOTS))
		return NULL;
	return vswap_cluster_get(vslot >> VSWAP_CLUSTER_SHIFT);
}

/**
 * vswap_swapped - has any of @nr slots a reference besides the swap cache?
 * @vslot: the first slot; all @nr are in one cluster
 * @nr: number of slots
 *
 * Context: any context; lock-free, so only a snapshot.
 * Return: true if some count word holds more than VSWAP_CACHE.
 */
bool vswap_swapped(unsigned long vslot, unsigned int nr)
{
	struct vswap_cluster *c;
	unsigned int i;
	bool ret = false;

	rcu_read_lock();
	c = vswap_run_cluster(vslot, nr);
	for (i = 0; c && i < nr && !ret; i++)
		ret = READ_ONCE(vswap_desc(c, vslot + i)->count) & ~VSWAP_CACHE;
	rcu_read_unlock();
	return ret;
}

/**
 * vswap_cache_claimed - is a slot's swap cache claimed?
 * @vslot: the slot
 *
 * Context: any context; lock-free, so only a snapshot.
 * Return: true if VSWAP_CACHE is set.
 */
bool vswap_cache_claimed(unsigned long vslot)
{
	return vswap_read(vslot, count) & VSWAP_CACHE;
}

/**
 * vswap_cache_only_snapshot - is a slot held by the swap cache alone?
 * @vslot: the slot
 *
 * Context: any context; lock-free, so only a snapshot.
 * Return: true if its count word is exactly VSWAP_CACHE.
 */
bool vswap_cache_only_snapshot(unsigned long vslot)
{
	return vswap_read(vslot, count) == VSWAP_CACHE;
}

/**
 * vswap_backend - where a slot's data is
 * @vslot: the slot
 *
 * Context: any context; lock-free, so only a snapshot unless the caller
 * holds the slot's VSWAP_CACHE.
 * Return: the backend word; VSWAP_FOLIO (0) for a free slot.
 */
unsigned long vswap_backend(unsigned long vslot)
{
	return vswap_read(vslot, backend);
}

/**
 * vswap_backend_run - how far the backend words of slots follow a step
 * @vslot: the first slot; all @nr are in one cluster
 * @nr: the most slots to look at
 * @step: what each next slot's word adds to the one before
 *
 * With VSWAP_PHYS_STEP and a PHYS word at @vslot (callers check): the
 * length of the run of slots from @vslot whose device slots follow
 * @vslot's on its device.
 *
 * Context: any context; lock-free, so only a snapshot unless the caller
 * holds the slots' VSWAP_CACHE.
 * Return: the number of slots from @vslot whose words are the first
 * word plus @step for each slot before them; 0 if @vslot is free.
 */
unsigned int vswap_backend_run(unsigned long vslot, unsigned int nr,
			       unsigned long step)
{
	struct vswap_cluster *c;
	unsigned long word;
	unsigned int n = 0;

	rcu_read_lock();
	c = vswap_run_cluster(vslot, nr);
	if (c && READ_ONCE(vswap_desc(c, vslot)->count)) {
		word = READ_ONCE(vswap_desc(c, vslot)->backend);
		for (n = 1; n < nr; n++)
			if (READ_ONCE(vswap_desc(c, vslot + n)->backend) !=
			    word + n * step)
				break;
	}
	rcu_read_unlock();
	return n;
}

/**
 * vswap_memcg_id - the memcg a slot belongs to
 * @vslot: the slot
 *
 * Context: any context; lock-free.
 * Return: the id given to vswap_alloc(), or set since by
 * vswap_set_memcg_id(); 0 for a free slot.
 */
unsigned short vswap_memcg_id(unsigned long vslot)
{
	return vswap_read(vslot, memcg_id);
}

/**
 * vswap_memcg_id_run - how many slots in a row belong to a memcg
 * @vslot: the first slot; all @nr are in one cluster
 * @nr: the most slots to look at
 * @id: the memcg id
 *
 * Context: any context; lock-free, so only a snapshot unless the caller
 * holds the slots' VSWAP_CACHE.
 * Return: the number of slots from @vslot whose memcg id is @id (a free
 * slot's reads as 0).
 */
unsigned int vswap_memcg_id_run(unsigned long vslot, unsigned int nr,
				unsigned short id)
{
	struct vswap_cluster *c;
	unsigned int n = 0;

	rcu_read_lock();
	c = vswap_run_cluster(vslot, nr);
	while (c && n < nr &&
	       READ_ONCE(vswap_desc(c, vslot + n)->memcg_id) == id)
		n++;
	rcu_read_unlock();
	return n;
}

/* What vswap_find_next() looks for. */
enum vswap_find {
	VSWAP_FIND_DEVICE,	/* a PHYS word on a given device */
	VSWAP_FIND_CACHE_ONLY,	/* a slot held by the swap cache alone */
};

/*
 * The next slot from *@vslot on, in the clusters in use, that is @what;
 * for VSWAP_FIND_DEVICE its backend word in *@word. Lock-free, so only a
 * snapshot.
 */
static bool vswap_find_next(enum vswap_find what, unsigned int type,
			    unsigned long *vslot, unsigned long *word)
{
	unsigned long start = *vslot >> VSWAP_CLUSTER_SHIFT, id;
	unsigned int off = *vslot & (VSWAP_CLUSTER_SLOTS - 1);
	struct vswap_cluster *c;
	struct vswap_desc *d;
	unsigned long w;
	bool found;

	rcu_read_lock();
	vswap_for_each_cluster(id, c, start) {
		/* the start cluster may be gone: the next one from its top */
		if (id != start)
			off = 0;
		for (; off < VSWAP_CLUSTER_SLOTS; off++) {
			d = vswap_desc(c, off);
			w = 0;
			if (what == VSWAP_FIND_DEVICE) {
				w = READ_ONCE(d->backend);
				found = (w & VSWAP_TAG_MASK) == VSWAP_PHYS &&
					swp_type(vswap_word_slot(w)) == type;
			} else {
				found = READ_ONCE(d->count) == VSWAP_CACHE;
			}
			if (found) {
				rcu_read_unlock();
				*vslot = id << VSWAP_CLUSTER_SHIFT | off;
				*word = w;
				return true;
			}
		}
		/* @c is not used again: the walk goes on by index */
		cond_resched_rcu();
	}
	rcu_read_unlock();
	return false;
}

/**
 * vswap_next_on_device - find the next slot whose data is on a swap device
 * @type: the device's swap type
 * @vslot: where to start; the slot found, on success
 * @word: the slot's backend word, on success
 *
 * Looks at the clusters in use only.
 *
 * Context: process context, may sleep; lock-free, so only a snapshot.
 * Return: true if a slot was found.
 */
bool vswap_next_on_device(unsigned int type, unsigned long *vslot,
			  unsigned long *word)
{
	return vswap_find_next(VSWAP_FIND_DEVICE, type, vslot, word);
}

/**
 * vswap_next_cache_only - find the next slot held by its swap cache alone
 * @vslot: where to start; the slot found, on success
 *
 * Looks at the clusters in use only.
 *
 * Context: process context, may sleep; lock-free, so only a snapshot.
 * Return: true if a slot was found.
 */
bool vswap_next_cache_only(unsigned long *vslot)
{
	unsigned long word;

	return vswap_find_next(VSWAP_FIND_CACHE_ONLY, 0, vslot, &word);
}

/**
 * vswap_slots_in_use - number of virtual swap slots allocated
 *
 * Context: any context but NMI, after vswap_table_init(); takes the
 * counter's lock and walks the online CPUs: for sysfs and tests. Reclaim
 * reads vswap_slots_free(), which sums only near full.
 * Return: the number of slots in use.
 */
unsigned long vswap_slots_in_use(void)
{
	return max(percpu_counter_sum(&vswap_nr_used), 0LL);
}

/*
 * How far vswap_nr_used read without its per-CPU parts may be off, either
 * way: what each CPU has counted and not yet folded in, under
 * percpu_counter_batch.
 */
static long vswap_count_slack(void)
{
#ifdef CONFIG_SMP
	return (long)num_possible_cpus() * percpu_counter_batch;
#else
	return 0;
#endif
}

/**
 * vswap_slots_free - how many more slots the virtual space has
 *
 * The slots of every cluster but 0, which is never used, less those in
 * use. The count of those is read without summing its per-CPU parts,
 * unless that could be off by as much as the room left: near full, where
 * the error could show room that is not there or hide room that is, it is
 * summed (vswap_slots_in_use()), at the cost of a walk over the CPUs on
 * every call there.
 *
 * Context: any context but NMI; takes the counter's lock near full.
 * Return: a number of slots, which may be negative when over the limit;
 * 0 before vswap_table_init() has set the space up.
 */
long vswap_slots_free(void)
{
	long room, nr;

	/* Pairs with vswap_table_init(): the count is set up. */
	if (!smp_load_acquire(&vswap_max_clusters))
		return 0;
	room = vswap_max_slots() - VSWAP_CLUSTER_SLOTS;
	nr = percpu_counter_read(&vswap_nr_used);
	if (room - nr > vswap_count_slack())
		return room - nr;
	return room - (long)vswap_slots_in_use();
}

/**
 * vswap_max_slots - size of the virtual slot number space
 *
 * Return: one more than the highest slot number vswap_alloc() can return.
 */
unsigned long vswap_max_slots(void)
{
	return ((unsigned long)READ_ONCE(vswap_max_clusters) + 1) <<
		VSWAP_CLUSTER_SHIFT;
}

/**
 * vswap_backend_slots - slots in use whose data is in a given backend
 * @tag: an enum vswap_backend tag
 *
 * Context: any context; a snapshot, summed over the possible CPUs, which
 * may be off by the slots whose backend changes meanwhile.
 * Return: the number of slots.
 */
unsigned long vswap_backend_slots(unsigned int tag)
{
	unsigned long nr = 0;
	int cpu;

	if (WARN_ON_ONCE(tag >= VSWAP_NR_BACKENDS))
		return 0;
	for_each_possible_cpu(cpu)
		nr += READ_ONCE(per_cpu_ptr(&vswap_pcp, cpu)->nr_backend[tag]);
	return max_t(long, nr, 0);
}

/**
 * vswap_metadata_bytes - memory the slot table uses now
 *
 * Return: bytes of descriptors and cluster headers.
 */
unsigned long vswap_metadata_bytes(void)
{
	return atomic_read(&vswap_nr_clusters) *
		(VSWAP_DESC_PAGES * PAGE_SIZE + sizeof(struct vswap_cluster));
}

/*
 * A CPU gone offline gives up the cluster it owned, which would otherwise
 * stay allocated, maybe empty, until the CPU came back. Runs on another CPU
 * once @cpu is dead: nothing allocates through its vswap_pcp any more (its
 * per-backend counts stay, and are summed with the other CPUs').
 */
static int vswap_cpu_dead(unsigned int cpu)
{
	struct vswap_pcp *pcp = per_cpu_ptr(&vswap_pcp, cpu);
	struct vswap_cluster *c = pcp->cluster;

	pcp->cluster = NULL;
	if (c)
		vswap_cluster_disown(c);
	return 0;
}

/* The virtual space: at least this many clusters, 128 MiB with 4K pages. */
#define VSWAP_MIN_CLUSTERS	64UL
/* At most this many times the RAM: the swap cache spaces cover all of it. */
#define VSWAP_MAX_RAM_FACTOR	16

/* vswap_space= on the kernel command line, in bytes; 0: twice the RAM */
static unsigned long long vswap_space __initdata;

static int __init vswap_space_setup(char *arg)
{
	char *end;

	if (!arg)
		return -EINVAL;
	vswap_space = memparse(arg, &end);
	if (*end || !vswap_space) {
		pr_err("vswap_space=%s is not a size: using the default\n", arg);
		vswap_space = 0;
		return -EINVAL;
	}
	return 0;
}
early_param("vswap_space", vswap_space_setup);

/*
 * The bound of the virtual space in clusters: twice the RAM, or what
 * vswap_space= asks if that lies between VSWAP_MIN_CLUSTERS and
 * VSWAP_MAX_RAM_FACTOR times the RAM; never more than a swap entry's
 * offset can address (swap_info_struct.max is 32 bits, and the
 * architecture may allow fewer), cluster 0 being unused.
 */
static unsigned long __init vswap_space_clusters(void)
{
	unsigned long ram = totalram_pages() / VSWAP_CLUSTER_SLOTS;
	unsigned long want = vswap_space >> PAGE_SHIFT >> VSWAP_CLUSTER_SHIFT;
	unsigned long lo = VSWAP_MIN_CLUSTERS, hi = VSWAP_MAX_RAM_FACTOR * ram;
	unsigned long most = min_t(unsigned long, UINT_MAX,
				   arch_max_swapfile_size());

	most = (most >> VSWAP_CLUSTER_SHIFT) - 1;
	hi = clamp(hi, lo, most);
	if (!vswap_space)
		return clamp(2 * ram, lo, hi);
	if (want >= lo && want <= hi)
		return want;
	pr_err("vswap_space=%llu bytes is outside %lu MiB..%lu MiB: using twice the RAM\n",
	       vswap_space, lo << VSWAP_CLUSTER_SHIFT >> (20 - PAGE_SHIFT),
	       hi << VSWAP_CLUSTER_SHIFT >> (20 - PAGE_SHIFT));
	return clamp(2 * ram, lo, hi);
}

/**
 * vswap_table_init - set up the slot table
 *
 * The virtual space is bounded by twice the RAM in pages, or by
 * vswap_space= (Documentation/admin-guide/mm/vswap.rst).
 *
 * Until it succeeds vswap_max_clusters is 0: vswap_alloc() fails, so no
 * slot exists and no count is changed, and vswap_slots_free() reads none.
 * The caller panics if it fails.
 *
 * Return: 0, or -ENOMEM if the cluster table or the count of slots in use
 * cannot be allocated.
 */
int __init vswap_table_init(void)
{
	unsigned int max = vswap_space_clusters();
	int ret;

	if (percpu_counter_init(&vswap_nr_used, 0, GFP_KERNEL))
		return -ENOMEM;
	vswap_cluster_cache = KMEM_CACHE(vswap_cluster, SLAB_PANIC);
	vswap_table = kvcalloc(max + 1, sizeof(*vswap_table), GFP_KERNEL);
	if (!vswap_table) {
		percpu_counter_destroy(&vswap_nr_used);
		return -ENOMEM;
	}
	vswap_table_size = max + 1;
	/* The count and the table before the space (vswap_slots_free()). */
	smp_store_release(&vswap_max_clusters, max);
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "mm/vswap:dead",
					NULL, vswap_cpu_dead);
	WARN_ON(ret < 0);
	return 0;
}

#ifdef CONFIG_VIRTUAL_SWAP_KUNIT_TEST
#include "vswap_kunit.h"
#endif
