/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual swap space: swap slots that name a swapped-out page independently
 * of where its data is kept. See mm/vswap.c.
 */
#ifndef _LINUX_VSWAP_H
#define _LINUX_VSWAP_H

#include <linux/mm_types.h>
#include <linux/swap.h>
#include <linux/swapops.h>

/* Slots are allocated, looked up and freed by cluster of this many. */
#define VSWAP_CLUSTER_SHIFT	9
#define VSWAP_CLUSTER_SLOTS	(1U << VSWAP_CLUSTER_SHIFT)

/* In the count word: a folio is in the swap cache, or a swap-in is running. */
#define VSWAP_CACHE		(1U << 31)
#define VSWAP_COUNT_MAX		(VSWAP_CACHE - 1)

/*
 * Where the data of a virtual slot is: the low bits of its backend word.
 * A PHYS word carries the device slot above the tag (vswap_phys_word()), a
 * ZSWAP word the address of the zswap entry (vswap_zswap_word()).
 */
enum vswap_backend {
	VSWAP_FOLIO = 0,	/* only in the swap-cache folio, if anywhere */
	VSWAP_ZERO = 1,		/* a zero-filled page: nothing is stored */
	VSWAP_ZSWAP = 2,	/* compressed in zswap: the word holds the entry */
	VSWAP_PHYS = 3,		/* on a swap device slot */
	VSWAP_NR_BACKENDS,
	VSWAP_TAG_MASK = 7,
};

struct folio;
struct swap_info_struct;

/*
 * Declared whatever the configuration: without CONFIG_VIRTUAL_SWAP the
 * callers are behind is_vswap_entry() or IS_ENABLED(), and compile away.
 */

/* The slot table (mm/vswap.c) */
int vswap_table_init(void);
int vswap_alloc(unsigned int order, unsigned short memcg_id,
		unsigned long *vslot);
/*
 * The swap counts of virtual entries, in place of a swap_map: for
 * swapfile.c's count functions and swap_cache_claimed() (mm/swap.h).
 */
int vswap_dup(unsigned long vslot);
bool vswap_put(unsigned long vslot, unsigned int nr);
int vswap_cache_get(unsigned long vslot, unsigned int nr);
void vswap_cache_put(unsigned long vslot, unsigned int nr);
bool vswap_cache_only(unsigned long vslot, unsigned int nr);
bool vswap_cache_claimed(unsigned long vslot);
bool vswap_cache_only_snapshot(unsigned long vslot);
unsigned int vswap_count(unsigned long vslot);
bool vswap_swapped(unsigned long vslot, unsigned int nr);
/* The record of a slot */
unsigned long vswap_backend(unsigned long vslot);
unsigned long vswap_set_backend(unsigned long vslot, unsigned long word);
void vswap_set_backends(unsigned long vslot, unsigned int nr,
			unsigned long word, unsigned long step);
unsigned int vswap_backend_run(unsigned long vslot, unsigned int nr,
			       unsigned long step);
unsigned short vswap_memcg_id(unsigned long vslot);
unsigned short vswap_set_memcg_id(unsigned long vslot, unsigned short id);
unsigned int vswap_memcg_id_run(unsigned long vslot, unsigned int nr,
				unsigned short id);
bool vswap_next_on_device(unsigned int type, unsigned long *vslot,
			  unsigned long *word);
bool vswap_next_cache_only(unsigned long *vslot);
unsigned long vswap_slots_in_use(void);
long vswap_slots_free(void);
unsigned long vswap_max_slots(void);
unsigned long vswap_backend_slots(unsigned int tag);
unsigned long vswap_metadata_bytes(void);

/*
 * What a freed virtual slot held, handed to vswap_release(); or what a
 * slot's replaced backend word named, handed to vswap_release_backends().
 */
struct vswap_held {
	unsigned long vslot;
	unsigned long backend;		/* its old backend word */
	unsigned short memcg_id;
};

/* The swap layer over it (mm/vswap_io.c) */
void vswap_forget(unsigned long vslot, unsigned int nr);
void vswap_release(const struct vswap_held *held, unsigned int nr);
void vswap_release_backends(const struct vswap_held *held, unsigned int nr);
swp_entry_t vswap_folio_alloc(struct folio *folio);
void vswap_folio_set_page_backend(struct folio *folio, unsigned int i,
				  unsigned long word);
void vswap_folio_set_backend(struct folio *folio, unsigned long word);
void vswap_folio_reject(struct folio *folio);
bool vswap_folio_to_device(struct folio *folio);
swp_entry_t vswap_folio_page_slot(struct folio *folio, unsigned int i);
swp_entry_t vswap_folio_slot(struct folio *folio);
bool vswap_folio_scattered(struct folio *folio);
unsigned int vswap_folio_swap_flags(struct folio *folio);
unsigned int vswap_devices_flags(void);
void swap_slot_hold(swp_entry_t slot, unsigned int nr);
int vswap_zero_batch(swp_entry_t entry, int max_nr, bool *is_zero);
bool vswap_read_synchronous(unsigned long vslot);
bool vswap_read_whole(swp_entry_t entry, int nr);
int vswap_unuse(struct swap_info_struct *si);
swp_entry_t vswap_slot_reserve(struct folio *folio);
void vswap_slot_cancel(struct folio *folio, swp_entry_t slot);
void vswap_slot_commit(struct folio *folio, swp_entry_t slot);

#ifdef CONFIG_VIRTUAL_SWAP
/* The swap type of every virtual entry; devices get the types above it. */
#define VSWAP_TYPE		0

#define VSWAP_PHYS_TYPE_SHIFT	3
#define VSWAP_PHYS_OFF_SHIFT	(VSWAP_PHYS_TYPE_SHIFT + MAX_SWAPFILES_SHIFT)
/* The PHYS word of the next device slot is this much more. */
#define VSWAP_PHYS_STEP		BIT(VSWAP_PHYS_OFF_SHIFT)

static inline unsigned long vswap_phys_word(swp_entry_t slot)
{
	return swp_offset(slot) << VSWAP_PHYS_OFF_SHIFT |
	       (unsigned long)swp_type(slot) << VSWAP_PHYS_TYPE_SHIFT |
	       VSWAP_PHYS;
}

static inline swp_entry_t vswap_word_slot(unsigned long word)
{
	if ((word & VSWAP_TAG_MASK) != VSWAP_PHYS)
		return (swp_entry_t){ 0 };
	return swp_entry((word >> VSWAP_PHYS_TYPE_SHIFT) &
			 ((1UL << MAX_SWAPFILES_SHIFT) - 1),
			 word >> VSWAP_PHYS_OFF_SHIFT);
}

struct zswap_entry;

/* zswap entries are aligned beyond the tag bits (mm/zswap.c checks). */
static inline unsigned long vswap_zswap_word(struct zswap_entry *entry)
{
	return (unsigned long)entry | VSWAP_ZSWAP;
}

static inline struct zswap_entry *vswap_word_zswap(unsigned long word)
{
	if ((word & VSWAP_TAG_MASK) != VSWAP_ZSWAP)
		return NULL;
	return (struct zswap_entry *)(word & ~(unsigned long)VSWAP_TAG_MASK);
}

static inline bool is_vswap_entry(swp_entry_t entry)
{
	return swp_type(entry) == VSWAP_TYPE;
}
#else
static inline bool is_vswap_entry(swp_entry_t entry)
{
	return false;
}
#endif /* CONFIG_VIRTUAL_SWAP */

#endif /* _LINUX_VSWAP_H */
