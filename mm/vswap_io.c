// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual swap space: the swap layer over the slot table of mm/vswap.c.
 *
 * With CONFIG_VIRTUAL_SWAP every swap entry that leaves the swap layer (page
 * tables, shmem, folio->swap, the swap cache index) has type VSWAP_TYPE and
 * names a virtual slot. Swap devices get the types above it; a slot on one
 * is a "device slot" and appears only in a slot's backend word, in
 * swapfile.c and in page_io.c.
 *
 * Swap-out: folio_alloc_swap() takes a virtual slot a page, uncharged (a
 * large folio only while a device could take all of it). When the folio is
 * written, swap_writepage() records where each page went: ZERO for a
 * zero-filled folio, ZSWAP when zswap took all of it, otherwise device
 * slots are allocated and charged to the memcg now
 * (vswap_folio_to_device()), PHYS, and the IO starts. With no device slot
 * to be had the folio stays resident.
 *
 * Swap-in: swap_read_folio() reads from what the backend words name; a
 * zswap load into the swap cache leaves FOLIO (the folio is the only copy,
 * and is dirty). A fault reads a large folio whole, outside the swap cache,
 * when its slots are all zero, all in zswap or a run on zram
 * (vswap_read_whole()).
 *
 * zswap writeback takes a device slot the same way, under the slot's swap
 * cache claim, so a racing swap-in waits on the folio (mm/zswap.c).
 *
 * Swapoff of a device reads each virtual slot it backs into the swap cache
 * and leaves FOLIO: no page table is walked, only the clusters of virtual
 * slots in use (vswap_unuse()); then it frees the orphans in the swap
 * cache: unmapped folios of slots only the cache holds.
 *
 * Locking: a slot's backend is read for IO and changed only by the holder of
 * its swap cache claim (VSWAP_CACHE): with the swap-cache folio locked, or a
 * fault reading the slot into a folio of its own, outside the swap cache
 * (then zswap writeback skips the slot, and swapoff waits for the claim).
 * Device slots are allocated and freed with the swap device's own locks;
 * none is taken under a vswap lock. vswap_forget() is the one function
 * here called under a vswap cluster lock (see the lock order in
 * mm/vswap.c).
 */
#include <linux/blkdev.h>
#include <linux/memcontrol.h>
#include <linux/mempolicy.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/sysfs.h>
#include <linux/swap.h>
#include <linux/swap_slots.h>
#include <linux/vswap.h>
#include <linux/zswap.h>
#include "swap.h"

/*
 * Has any of the @nr slots from @vslot, which are being freed, a shadow in
 * the swap cache? Lock-free: a slot's shadow is stored as its folio leaves
 * the swap cache, by the holder of its VSWAP_CACHE, before the claim is
 * given up under the cluster lock that vswap_forget()'s caller holds; and
 * no folio can enter the swap cache for a slot being freed.
 */
static bool vswap_has_shadow(unsigned long vslot, unsigned int nr)
{
	swp_entry_t entry = swp_entry(VSWAP_TYPE, vslot);
	pgoff_t index = swap_cache_index(entry);
	XA_STATE(xas, &swap_address_space(entry)->i_pages, index);
	bool found = false;
	void *old;

	rcu_read_lock();
	xas_for_each(&xas, old, index + nr - 1) {
		if (xas_retry(&xas, old))
			continue;
		if (xa_is_value(old)) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/**
 * vswap_forget - drop what is keyed by freed virtual slots' numbers
 * @vslot: the first slot being freed
 * @nr: the number of contiguous slots, in one cluster
 *
 * Their swap-cache shadows and their arch tags. Called by the slot table
 * under the cluster lock, before the slots can be allocated again. Must
 * not sleep.
 */
void vswap_forget(unsigned long vslot, unsigned int nr)
{
	unsigned int i;

	lockdep_assert_irqs_enabled();
	/*
	 * A page read back through the swap cache left no shadow; one a
	 * fault read past it (zero, zswap, zram) did, and one never read.
	 */
	if (vswap_has_shadow(vslot, nr))
		clear_shadow_from_swap_cache(VSWAP_TYPE, vslot, vslot + nr - 1);
	for (i = 0; i < nr; i++)
		arch_swap_invalidate_page(VSWAP_TYPE, vslot + i);
}

/* Is @b the device slot @n slots after @a, on the same device? */
static bool vswap_slot_nth(swp_entry_t a, swp_entry_t b, unsigned int n)
{
	return swp_type(b) == swp_type(a) && swp_offset(b) == swp_offset(a) + n;
}

/*
 * The length of the run of records from @held[0] (a device slot's), at
 * most @nr, whose device slots are contiguous.
 */
static unsigned int vswap_phys_run(const struct vswap_held *held,
				   unsigned int nr)
{
	swp_entry_t first = vswap_word_slot(held[0].backend);
	unsigned int n;

	for (n = 1; n < nr; n++)
		if (!vswap_slot_nth(first, vswap_word_slot(held[n].backend), n))
			break;
	return n;
}

/*
 * Free what the old backend words of @nr records name: device slots and
 * zswap entries. Device slots have no swap cache under virtual swap, and
 * each is held by its virtual slot alone: free_swap_and_cache_nr() frees
 * a run of contiguous ones as 6.12 frees a zapped range, under one device
 * lock within a device cluster.
 */
static void vswap_free_backends(const struct vswap_held *held,
				unsigned int nr)
{
	unsigned int i, n;

	for (i = 0; i < nr; i += n) {
		n = 1;
		switch (held[i].backend & VSWAP_TAG_MASK) {
		case VSWAP_PHYS:
			n = vswap_phys_run(&held[i], nr - i);
			free_swap_and_cache_nr(vswap_word_slot(held[i].backend),
					       n);
			break;
		case VSWAP_ZSWAP:
			zswap_entry_release(vswap_word_zswap(held[i].backend));
			break;
		}
	}
}

/*
 * Release what @nr records' old backend words name, and give their memcgs
 * back the charges of the device slots among them, first, as 6.12
 * uncharges a swap entry before it frees it, and, if @unpin, the id
 * references of the virtual slots: one memcg call for each run of records
 * naming one memcg.
 */
static void vswap_release_held(const struct vswap_held *held, unsigned int nr,
			       bool unpin)
{
	unsigned int i, j, nr_phys;
	unsigned short id;

	for (i = 0; i < nr; i = j) {
		id = held[i].memcg_id;
		nr_phys = 0;
		for (j = i; j < nr && held[j].memcg_id == id; j++)
			if ((held[j].backend & VSWAP_TAG_MASK) == VSWAP_PHYS)
				nr_phys++;
		mem_cgroup_swap_release(id, nr_phys, unpin ? j - i : 0);
	}
	vswap_free_backends(held, nr);
}

/**
 * vswap_release_backends - release what old backend words named
 * @held: the slots' records (number, old word, memcg id), in ascending order
 * @nr: how many
 *
 * Device slots, uncharged from the memcg the record names, and zswap
 * entries. Contiguous device slots are freed together, as the base kernel
 * frees a zapped range of entries.
 *
 * Called by the slot table, a batch at a time, with no vswap lock held.
 */
void vswap_release_backends(const struct vswap_held *held, unsigned int nr)
{
	vswap_release_held(held, nr, false);
}

/**
 * vswap_release - release what freed virtual slots held
 * @held: the slots, already free in the table, in ascending order
 * @nr: how many
 *
 * Their backends, as vswap_release_backends(), and the memcg id
 * references they pinned (from vswap_folio_alloc(), or moved there by
 * vswap_set_memcg_id() when the charge of a device slot found the records
 * naming no memcg, or several).
 *
 * Called by the slot table for the slots it frees, a batch at a time, with
 * no vswap lock held (under RCU).
 */
void vswap_release(const struct vswap_held *held, unsigned int nr)
{
	vswap_release_held(held, nr, true);
}

/* Free what a backend word names, charged (if a device slot) to @memcg_id. */
static void vswap_release_backend(unsigned long word, unsigned short memcg_id)
{
	struct vswap_held held = { .backend = word, .memcg_id = memcg_id };

	vswap_release_held(&held, 1, false);
}

/*
 * Could any backend take @folio now? Free device slots for it, which zswap
 * may fall back on (memory.zswap.writeback), or room in zswap. A folio no
 * backend can take gets no slot: unmapped, it would only be refused and
 * stay, now in the swap cache, while reclaim keeps trying.
 *
 * A large folio needs device slots for all of it: zswap takes it whole or
 * not at all, one page it cannot compress refuses the folio, and once
 * unmapped it can no longer be split. Without them (no device, or
 * writeback off) it gets no slots, and reclaim splits it while it is
 * still mapped; so too while a device does its own swap I/O (NFS), which
 * takes no large folio (vswap_folio_slots_alloc()).
 */
static bool vswap_room_for(struct folio *folio)
{
	long nr = folio_nr_pages(folio);
	struct mem_cgroup *memcg = folio_memcg(folio);

	if (get_nr_swap_pages() >= nr &&
	    mem_cgroup_zswap_writeback_enabled(memcg) &&
	    (nr == 1 || (mem_cgroup_nr_device_slots(memcg) >= nr &&
			 !(vswap_devices_flags() & SWP_FS_OPS))))
		return true;
	return nr == 1 && zswap_may_store(folio);
}

/**
 * vswap_folio_alloc - give a folio virtual swap slots
 * @folio: the locked folio about to enter the swap cache
 *
 * A large folio gets a naturally aligned run of slots, one a page, and is
 * swapped out whole. The slots come with their swap cache claims and pin
 * the memcg id of @folio; nothing is charged: the memcg's swap is charged
 * for device slots only.
 *
 * Return: the first entry, or a zero entry if @folio is large and
 * CONFIG_THP_SWAP is off or no device has room for all of it (reclaim then
 * splits it), the memcg may not swap (memory.swap.max is 0), no backend has
 * room for @folio (counted as vswap_no_room), or no slots can be allocated
 * (vswap_alloc_fail).
 */
swp_entry_t vswap_folio_alloc(struct folio *folio)
{
	unsigned int nr = folio_nr_pages(folio);
	unsigned short id;
	unsigned long vslot;

	if (nr > 1 && !IS_ENABLED(CONFIG_THP_SWAP))
		return (swp_entry_t){ 0 };
	if (mem_cgroup_swap_ref(folio, &id))
		return (swp_entry_t){ 0 };
	if (!vswap_room_for(folio)) {
		/* a large folio is split and its pages tried one by one */
		if (nr == 1)
			count_vm_event(VSWAP_NO_ROOM);
		mem_cgroup_swap_release(id, 0, nr);
		return (swp_entry_t){ 0 };
	}
	if (vswap_alloc(folio_order(folio), id, &vslot)) {
		mem_cgroup_swap_release(id, 0, nr);
		return (swp_entry_t){ 0 };
	}
	return swp_entry(VSWAP_TYPE, vslot);
}

/**
 * vswap_folio_set_page_backend - record where a page's data is now
 * @folio: locked, in the swap cache under a virtual entry
 * @i: the page's index in @folio
 * @word: the new backend word of its slot
 *
 * Releases what the old backend held unless the new word still names it.
 */
void vswap_folio_set_page_backend(struct folio *folio, unsigned int i,
				  unsigned long word)
{
	unsigned long vslot = swp_offset(folio->swap) + i, old;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	old = vswap_set_backend(vslot, word);
	if (old == word)
		return;
	/* Only a device slot is charged, to the memcg the record names. */
	vswap_release_backend(old, (old & VSWAP_TAG_MASK) == VSWAP_PHYS ?
				   vswap_memcg_id(vslot) : 0);
}

/**
 * vswap_folio_set_backend - record where a swap-cache folio's data is now
 * @folio: locked, in the swap cache under a virtual entry
 * @word: the new backend word of each of its slots: VSWAP_ZERO or
 *	  VSWAP_FOLIO, or any for a folio of one page
 *
 * Releases what the old backends held unless the new word still names it.
 */
void vswap_folio_set_backend(struct folio *folio, unsigned long word)
{
	unsigned int nr = folio_nr_pages(folio);

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	VM_WARN_ON_ONCE_FOLIO(nr > 1 && word != VSWAP_ZERO &&
			      word != VSWAP_FOLIO, folio);
	vswap_set_backends(swp_offset(folio->swap), nr, word, 0);
}

/**
 * vswap_folio_reject - no backend took a swap-cache folio: it stays
 * @folio: locked, in the swap cache under a virtual entry, dirty
 *
 * The folio is its data's only copy. Device slots it had are kept for the
 * next attempt; stale zero or zswap records go. Counted as vswap_reject.
 */
void vswap_folio_reject(struct folio *folio)
{
	unsigned int i, nr = folio_nr_pages(folio);
	unsigned long tag;

	count_vm_events(VSWAP_REJECT, nr);
	for (i = 0; i < nr; i++) {
		tag = vswap_backend(swp_offset(folio->swap) + i) &
		      VSWAP_TAG_MASK;
		if (tag == VSWAP_ZERO || tag == VSWAP_ZSWAP)
			vswap_folio_set_page_backend(folio, i, VSWAP_FOLIO);
	}
}

/**
 * vswap_folio_page_slot - the device slot a page's data is on
 * @folio: in the swap cache under a virtual entry, locked or under writeback
 * @i: the page's index in @folio
 *
 * Return: the device slot, or a zero entry if the backend is not a device.
 */
swp_entry_t vswap_folio_page_slot(struct folio *folio, unsigned int i)
{
	return vswap_word_slot(vswap_backend(swp_offset(folio->swap) + i));
}

/**
 * vswap_folio_slot - the device slot a folio's data is on
 * @folio: under a virtual entry, locked in the swap cache or read outside
 *	   it by the fault that claimed its slots, or under writeback
 *
 * For a large folio, that of its first page; its other pages' follow it
 * unless vswap_folio_scattered().
 *
 * Return: the device slot, or a zero entry if the backend is not a device.
 */
swp_entry_t vswap_folio_slot(struct folio *folio)
{
	return vswap_folio_page_slot(folio, 0);
}

/**
 * vswap_folio_scattered - may a large folio's data not be one run on disk?
 * @folio: locked, in the swap cache under a virtual entry, each of its
 *	   pages with a device slot
 *
 * Return: true if its slots are on a swap file, whose slots are
 * contiguous on disk only within an extent, or unless page i's device
 * slot is the i-th after page 0's.
 */
bool vswap_folio_scattered(struct folio *folio)
{
	unsigned int nr = folio_nr_pages(folio);
	swp_entry_t first = vswap_folio_page_slot(folio, 0);

	if (!(swp_swap_info(first)->flags & SWP_BLKDEV))
		return true;
	return vswap_backend_run(swp_offset(folio->swap), nr,
				 VSWAP_PHYS_STEP) < nr;
}

/*
 * Give each page of a large folio a device slot, charged to the memcg of
 * its virtual slots: a run of contiguous slots, written with one bio, if a
 * device has one; else one slot at a time (counted as vswap_scattered),
 * each run of them written with a bio of its own (__swap_writepage()), on
 * a block device only: a filesystem's swap_rw takes a folio at one
 * position.
 */
static bool vswap_folio_slots_alloc(struct folio *folio)
{
	unsigned int i, nr = folio_nr_pages(folio);
	struct swap_info_struct *si;
	swp_entry_t slot;

	/* The entry only says there are slots: the charge is by folio->swap. */
	if (mem_cgroup_try_charge_swap(folio, folio->swap))
		return false;
	slot = swap_slot_get(folio_order(folio));
	if (slot.val) {
		swap_slot_hold(slot, nr);
		vswap_set_backends(swp_offset(folio->swap), nr,
				   vswap_phys_word(slot), VSWAP_PHYS_STEP);
		return true;
	}
	for (i = 0; i < nr; i++) {
		slot = swap_slot_get(0);
		if (!slot.val)
			break;
		si = swp_swap_info(slot);
		if (si->flags & SWP_FS_OPS) {
			swapcache_clear(si, slot, 1);
			break;
		}
		swap_slot_hold(slot, 1);
		vswap_folio_set_page_backend(folio, i, vswap_phys_word(slot));
	}
	if (i == nr) {
		count_vm_event(VSWAP_SCATTERED);
		return true;
	}
	/* Give back the slots taken, each uncharged, and the rest's charge. */
	mem_cgroup_swap_release(vswap_memcg_id(swp_offset(folio->swap)),
				nr - i, 0);
	while (i--)
		vswap_folio_set_page_backend(folio, i, VSWAP_FOLIO);
	return false;
}

/**
 * vswap_folio_to_device - find or take the device slots a folio goes to
 * @folio: locked, in the swap cache under a virtual entry, whose data no
 *	   other backend took
 *
 * A folio read from device slots, or written before and not dirtied
 * since, keeps its slots. Else new slots are allocated, charged to the
 * memcg the virtual slots belong to, and recorded (PHYS).
 *
 * Return: true if each page has a device slot; false if none can be had
 * (no device, devices full, memory.swap.max reached).
 */
bool vswap_folio_to_device(struct folio *folio)
{
	unsigned int i, nr = folio_nr_pages(folio);
	swp_entry_t slot;

	if (nr == 1) {
		slot = vswap_slot_reserve(folio);
		if (!slot.val)
			return false;
		vswap_slot_commit(folio, slot);
		return true;
	}
	/* Most often one run of device slots, or none. */
	if (vswap_folio_slot(folio).val &&
	    vswap_backend_run(swp_offset(folio->swap), nr, VSWAP_PHYS_STEP) == nr)
		return true;
	for (i = 0; i < nr && vswap_folio_page_slot(folio, i).val; i++)
		;
	if (i == nr)
		return true;
	/*
	 * Not every page has a slot (none yet, or zswap stored some pages
	 * of it, releasing theirs, then refused one): new ones for all.
	 */
	vswap_folio_set_backend(folio, VSWAP_FOLIO);
	return vswap_folio_slots_alloc(folio);
}

/**
 * vswap_slot_reserve - find or take the device slot a folio is written to
 * @folio: locked, in the swap cache under a virtual entry
 *
 * A folio that was read from a device slot is written back to it. Else a
 * new slot is allocated and charged to the slot's memcg; it becomes the
 * backend with vswap_slot_commit(), or goes with vswap_slot_cancel().
 *
 * Return: the device slot, or a zero entry if none can be had (no device,
 * devices full, or the memcg's memory.swap.max reached).
 */
swp_entry_t vswap_slot_reserve(struct folio *folio)
{
	swp_entry_t slot = vswap_folio_slot(folio);

	if (slot.val)
		return slot;
	slot = swap_slot_alloc(folio);
	if (!slot.val)
		return slot;
	swap_slot_hold(slot, 1);
	return slot;
}

/**
 * vswap_slot_cancel - give back a slot vswap_slot_reserve() allocated
 * @folio: as given to vswap_slot_reserve()
 * @slot: the slot it returned
 */
void vswap_slot_cancel(struct folio *folio, swp_entry_t slot)
{
	if (vswap_folio_slot(folio).val != slot.val)
		vswap_release_backend(vswap_phys_word(slot),
				      vswap_memcg_id(swp_offset(folio->swap)));
}

/**
 * vswap_slot_commit - make a reserved device slot the folio's backend
 * @folio: as given to vswap_slot_reserve()
 * @slot: the slot it returned
 */
void vswap_slot_commit(struct folio *folio, swp_entry_t slot)
{
	vswap_folio_set_backend(folio, vswap_phys_word(slot));
}

/* Is the data a backend word names read synchronously? See below. */
static bool vswap_word_synchronous(unsigned long word)
{
	struct swap_info_struct *si;

	switch (word & VSWAP_TAG_MASK) {
	case VSWAP_ZERO:
	case VSWAP_ZSWAP:
		return true;
	case VSWAP_PHYS:
		si = swp_swap_info(vswap_word_slot(word));
		/* The word may be stale; swap_info_structs are never freed. */
		return si && data_race(si->flags & SWP_SYNCHRONOUS_IO);
	default:
		return false;
	}
}

/**
 * vswap_read_synchronous - can a slot's data be read without the swap cache?
 * @vslot: the slot
 *
 * A zero-filled page or a zswap entry is read by the CPU, as is a slot on a
 * device that reads synchronously (zram): such a fault reads into its own
 * folio, as 6.12 does for SWP_SYNCHRONOUS_IO devices, and the slot goes
 * with the fault.
 *
 * Context: any context; lock-free, so a hint: the caller claims the slot
 * (swapcache_prepare()) before it reads, and swap_read_folio() reads
 * whatever the backend is by then.
 * Return: true if the slot's backend is ZERO, ZSWAP or a synchronous
 * device.
 */
bool vswap_read_synchronous(unsigned long vslot)
{
	return vswap_word_synchronous(vswap_backend(vslot));
}

/**
 * vswap_read_whole - can slots be read into one large folio, bypassing the
 * swap cache?
 * @entry: the first of them, a virtual entry
 * @nr: how many
 *
 * Their data must all come from one place that a fault reads straight into
 * its folio: all zero-filled, all in zswap, or all on a run of contiguous
 * slots of one synchronous device (zram). They must be in one cluster,
 * which is how their claim is taken (vswap_cache_get()): with pages larger
 * than 4 KiB, a folio below PMD size may hold more slots than a cluster.
 *
 * Context: lock-free, so a hint unless the caller holds the slots' claims.
 * Return: true if @nr slots from @entry can be read as one folio.
 */
bool vswap_read_whole(swp_entry_t entry, int nr)
{
	unsigned long vslot = swp_offset(entry);
	unsigned long first, word;
	int i;

	if ((vslot & (VSWAP_CLUSTER_SLOTS - 1)) + nr > VSWAP_CLUSTER_SLOTS)
		return false;
	first = vswap_backend(vslot);
	if (!vswap_word_synchronous(first))
		return false;
	for (i = 1; i < nr; i++) {
		word = vswap_backend(vslot + i);
		if ((word & VSWAP_TAG_MASK) != (first & VSWAP_TAG_MASK))
			return false;
		if ((first & VSWAP_TAG_MASK) == VSWAP_PHYS &&
		    !vswap_slot_nth(vswap_word_slot(first),
				    vswap_word_slot(word), i))
			return false;
	}
	return true;
}

/**
 * vswap_zero_batch - how many slots from @entry agree on being zero-filled
 * @entry: a virtual entry
 * @max_nr: at most this many
 * @is_zero: if not NULL, set to whether the first one is zero-filled
 *
 * Context: lock-free; a snapshot unless the caller holds the claims.
 * Return: the number of leading slots whose ZERO state is the first's.
 */
int vswap_zero_batch(swp_entry_t entry, int max_nr, bool *is_zero)
{
	unsigned long vslot = swp_offset(entry);
	bool first = (vswap_backend(vslot) & VSWAP_TAG_MASK) == VSWAP_ZERO;
	int i;

	if (is_zero)
		*is_zero = first;
	for (i = 1; i < max_nr; i++)
		if (((vswap_backend(vslot + i) & VSWAP_TAG_MASK) == VSWAP_ZERO)
		    != first)
			break;
	return i;
}

/**
 * vswap_nr_swappable - how many more pages reclaim could swap out
 *
 * Every page swapped out needs a virtual slot; with zswap off or full it
 * also needs a device slot.
 *
 * Context: any context but NMI; near a full virtual space it takes locks
 * (vswap_slots_free()).
 * Return: a number of pages, which may be negative when over the limit.
 */
long vswap_nr_swappable(void)
{
	long room = vswap_slots_free();

	if (!zswap_is_enabled() || zswap_pool_full())
		room = min(room, get_nr_swap_pages());
	return room;
}

/**
 * vswap_can_store - is there anywhere to swap to?
 *
 * Return: true if zswap is enabled or a swap device is on.
 */
bool vswap_can_store(void)
{
	return zswap_is_enabled() || total_swap_pages > 0;
}

/* Slots of a device being swapped off read at a time, under one plug. */
#define VSWAP_UNUSE_BATCH	64

struct vswap_unuse_batch {
	unsigned int nr;
	struct vswap_unuse_slot {
		unsigned long word;
		unsigned long vslot;
		struct folio *folio;	/* NULL: nothing to wait for */
	} slot[VSWAP_UNUSE_BATCH];
	/* device slots given up, freed after the batch */
	unsigned int nr_free;
	swp_entry_t free[VSWAP_UNUSE_BATCH];
};

/* By device offset: one device, so by backend word. */
static int vswap_unuse_cmp(const void *a, const void *b)
{
	const struct vswap_unuse_slot *x = a, *y = b;

	return x->word < y->word ? -1 : x->word > y->word;
}

/*
 * Start reading a virtual slot's data into the swap cache.
 * Return: 0, or -ENOMEM if no folio could be had for a slot whose data is
 * still there (as unuse_pte_range() does).
 */
static int vswap_unuse_start(struct vswap_unuse_slot *u,
			     struct swap_iocb **splug)
{
	bool allocated;

	u->folio = __read_swap_cache_async(swp_entry(VSWAP_TYPE, u->vslot),
					   GFP_HIGHUSER_MOVABLE,
					   get_task_policy(current),
					   NO_INTERLEAVE_INDEX, &allocated,
					   false);
	/*
	 * NULL: the slot was freed (its backend word is gone), or no folio
	 * could be allocated or charged. (The swap slot cache, whose slots
	 * __read_swap_cache_async() would also skip, is off during swapoff.)
	 */
	if (!u->folio)
		return vswap_backend(u->vslot) == u->word ? -ENOMEM : 0;
	if (allocated)
		swap_read_folio(u->folio, splug);
	return 0;
}

/*
 * Wait for a read vswap_unuse_start() began; the folio is the copy now.
 * Its device slot is uncharged here, while the locked folio keeps the
 * virtual slot and its memcg id, and freed with the batch @b. A folio
 * whose read failed leaves the swap cache, so that the next swapoff, or
 * fault, reads the slot again (a slot only the cache held is freed); as
 * in zswap writeback and shmem, it leaves no shadow, so that read is not
 * seen as a refault.
 */
static int vswap_unuse_finish(struct vswap_unuse_batch *b,
			      struct vswap_unuse_slot *u)
{
	struct folio *folio = u->folio;
	unsigned long vslot = u->vslot, word = u->word;
	int err = 0;

	folio_lock(folio);
	folio_wait_writeback(folio);
	/* The slot may be any page of a large folio. */
	if (folio_test_swapcache(folio) &&
	    vslot - swp_offset(folio->swap) < folio_nr_pages(folio) &&
	    vswap_backend(vslot) == word) {
		if (folio_test_uptodate(folio)) {
			/* The folio is the only copy from now on. */
			folio_mark_dirty(folio);
			WARN_ON_ONCE(vswap_set_backend(vslot, VSWAP_FOLIO) !=
				     word);
			mem_cgroup_swap_release(vswap_memcg_id(vslot), 1, 0);
			b->free[b->nr_free++] = vswap_word_slot(word);
		} else {
			/* Not uptodate, so mapped by no one. */
			delete_from_swap_cache(folio);
			err = -EIO;
		}
	}
	folio_unlock(folio);
	folio_put(folio);
	return err;
}

/* Free the device slots @b gave up, a run of contiguous ones at a time. */
static void vswap_unuse_free(struct vswap_unuse_batch *b)
{
	unsigned int i, n;

	for (i = 0; i < b->nr_free; i += n) {
		for (n = 1; i + n < b->nr_free &&
		     vswap_slot_nth(b->free[i], b->free[i + n], n); n++)
			;
		free_swap_and_cache_nr(b->free[i], n);
	}
}

/*
 * Read the next batch of @si's slots from @vslot on, in device order, so
 * that reads of neighbouring device slots merge under the plug; then
 * settle them.
 * Return: the number of slots found on @si (0: none left), or an error.
 */
static int vswap_unuse_batch(struct swap_info_struct *si,
			     struct vswap_unuse_batch *b, unsigned long *vslot)
{
	struct swap_iocb *splug = NULL;
	struct vswap_unuse_slot *u;
	struct blk_plug plug;
	unsigned long word;
	unsigned int i;
	int err = 0, ret;

	b->nr = 0;
	b->nr_free = 0;
	while (b->nr < VSWAP_UNUSE_BATCH &&
	       vswap_next_on_device(si->type, vslot, &word)) {
		u = &b->slot[b->nr++];
		u->vslot = (*vslot)++;
		u->word = word;
		u->folio = NULL;
	}
	sort(b->slot, b->nr, sizeof(b->slot[0]), vswap_unuse_cmp, NULL);
	blk_start_plug(&plug);
	for (i = 0; i < b->nr && !err; i++)
		err = vswap_unuse_start(&b->slot[i], &splug);
	swap_read_unplug(splug);
	blk_finish_plug(&plug);
	for (i = 0; i < b->nr; i++) {
		if (!b->slot[i].folio)
			continue;
		ret = vswap_unuse_finish(b, &b->slot[i]);
		err = err ?: ret;
	}
	vswap_unuse_free(b);
	return err ?: b->nr;
}

/*
 * Free the orphans in the swap cache: unmapped folios of slots nothing but
 * the swap cache holds, left there when the last reference went while the
 * folio was locked or under writeback. Charged, they would pin their memcg,
 * and once no swap is left reclaim no longer scans anon memory. (6.12's
 * try_to_unuse() frees its device's folios of slots the swap cache alone
 * holds.) Mapped folios keep their slot and its clean copy; so does a folio
 * being swapped out, which is mapped until reclaim unmaps it. Best effort:
 * it runs at every swapoff, so it waits for no folio (one locked or under
 * writeback is left to reclaim, which frees it while swap is left), and
 * stops at a signal, leaving the rest.
 */
static void vswap_unuse_orphans(void)
{
	unsigned long vslot = 0, first, nr;
	struct folio *folio;
	swp_entry_t entry;

	while (!signal_pending(current) && vswap_next_cache_only(&vslot)) {
		entry = swp_entry(VSWAP_TYPE, vslot++);
		folio = filemap_get_folio(swap_address_space(entry),
					  swap_cache_index(entry));
		if (IS_ERR(folio))
			continue;
		/* the rest of a large folio's slots hold it too: skip them */
		first = swp_offset(folio->swap);
		nr = folio_nr_pages(folio);
		if (folio_test_swapcache(folio) && first < vslot &&
		    vslot < first + nr)
			vslot = first + nr;
		if (!folio_mapped(folio) && folio_trylock(folio)) {
			/* and only if nothing refers to its slot */
			if (!folio_mapped(folio) && !folio_test_writeback(folio))
				folio_free_swap(folio);
			folio_unlock(folio);
		}
		folio_put(folio);
		cond_resched();
	}
}

/**
 * vswap_unuse - empty a swap device that is being swapped off
 * @si: the device, no longer on the allocation lists
 *
 * Every virtual slot whose data is on @si is read into the swap cache and
 * left there, dirty, as its only copy; reclaim may later store it in zswap
 * or on another device. Page tables keep their virtual entries. Reads go
 * out a batch at a time, under a plug, and the device slots read are freed
 * a run at a time. Then the orphans in the swap cache, unmapped folios of
 * slots only the cache holds, whatever their backend, are freed, as far as
 * they are neither locked nor under writeback: at every swapoff, even of a
 * device with no slot in use.
 *
 * Context: process context, may sleep.
 * Return: 0 when @si has no slot in use (a signal while the orphans are
 * freed leaves the rest, and 0 is still returned); -EINTR on a signal
 * before; -ENOMEM when no folio can be had for a slot (or no memory for
 * the batch); -EIO when a slot cannot be read. On an error the data not yet read stays on @si, and
 * swapoff fails rather than lose it.
 */
int vswap_unuse(struct swap_info_struct *si)
{
	struct vswap_unuse_batch *b;
	unsigned long vslot;
	int ret = 0;

	if (!READ_ONCE(si->inuse_pages))
		goto orphans;
	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	while (READ_ONCE(si->inuse_pages)) {
		vslot = 0;
		do {
			ret = vswap_unuse_batch(si, b, &vslot);
			if (ret < 0)
				goto out;
			if (signal_pending(current)) {
				ret = -EINTR;
				goto out;
			}
			cond_resched();
		} while (ret);
		/* Slots being attached or freed right now: let them settle. */
		if (READ_ONCE(si->inuse_pages))
			schedule_timeout_interruptible(1);
	}
	kfree(b);
orphans:
	vswap_unuse_orphans();
	return 0;
out:
	kfree(b);
	return ret;
}

#ifdef CONFIG_SYSFS
/* /sys/kernel/mm/vswap/: see Documentation/ABI/testing/sysfs-kernel-mm-vswap */
static ssize_t slots_in_use_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", vswap_slots_in_use());
}

static struct kobj_attribute slots_in_use_attr = __ATTR_RO(slots_in_use);

static ssize_t max_slots_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	/* Cluster 0 is never used. */
	return sysfs_emit(buf, "%lu\n", vswap_max_slots() - VSWAP_CLUSTER_SLOTS);
}

static struct kobj_attribute max_slots_attr = __ATTR_RO(max_slots);

static ssize_t metadata_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", vswap_metadata_bytes());
}

static struct kobj_attribute metadata_bytes_attr = __ATTR_RO(metadata_bytes);

#define VSWAP_BACKEND_ATTR(name, tag)					\
static ssize_t name##_slots_show(struct kobject *kobj,			\
				 struct kobj_attribute *attr, char *buf) \
{									\
	return sysfs_emit(buf, "%lu\n", vswap_backend_slots(tag));	\
}									\
static struct kobj_attribute name##_slots_attr = __ATTR_RO(name##_slots)

VSWAP_BACKEND_ATTR(zero, VSWAP_ZERO);
VSWAP_BACKEND_ATTR(zswap, VSWAP_ZSWAP);
VSWAP_BACKEND_ATTR(device, VSWAP_PHYS);
VSWAP_BACKEND_ATTR(folio, VSWAP_FOLIO);

static struct attribute *vswap_attrs[] = {
	&slots_in_use_attr.attr,
	&max_slots_attr.attr,
	&metadata_bytes_attr.attr,
	&zero_slots_attr.attr,
	&zswap_slots_attr.attr,
	&device_slots_attr.attr,
	&folio_slots_attr.attr,
	NULL,
};

static const struct attribute_group vswap_attr_group = {
	.attrs = vswap_attrs,
	.name = "vswap",
};

static int __init vswap_sysfs_init(void)
{
	return sysfs_create_group(mm_kobj, &vswap_attr_group);
}
subsys_initcall(vswap_sysfs_init);
#endif /* CONFIG_SYSFS */
