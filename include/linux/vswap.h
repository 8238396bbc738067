/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual swap space: swap slots that name a swapped-out page independently
 * of where its data is kept. See mm/vswap.c.
 */
#ifndef _LINUX_VSWAP_H
#define _LINUX_VSWAP_H

#include <linux/types.h>

/* Slots are allocated, looked up and freed by cluster of this many. */
#define VSWAP_CLUSTER_SHIFT	9
#define VSWAP_CLUSTER_SLOTS	(1U << VSWAP_CLUSTER_SHIFT)

/* In the count word: a folio is in the swap cache, or a swap-in is running. */
#define VSWAP_CACHE		(1U << 31)
#define VSWAP_COUNT_MAX		(VSWAP_CACHE - 1)

/*
 * Where the data of a virtual slot is: the low bits of its backend word.
 * Backends whose word carries a payload (a zswap entry, a device slot) are
 * added with the code that stores to them.
 */
enum vswap_backend {
	VSWAP_NONE = 0,		/* only in the swap-cache folio, if anywhere */
	VSWAP_ZERO = 1,		/* a zero-filled page: nothing is stored */
	VSWAP_TAG_MASK = 7,
};

#ifdef CONFIG_VIRTUAL_SWAP
int vswap_alloc(unsigned int order, unsigned short memcg_id,
		unsigned long *vslot);
int vswap_dup(unsigned long vslot);
void vswap_put(unsigned long vslot, unsigned int nr);
int vswap_cache_get(unsigned long vslot, unsigned int nr);
void vswap_cache_put(unsigned long vslot, unsigned int nr);
unsigned int vswap_count(unsigned long vslot);
unsigned long vswap_backend(unsigned long vslot);
unsigned long vswap_set_backend(unsigned long vslot, unsigned long word);
unsigned short vswap_memcg_id(unsigned long vslot);
unsigned long vswap_slots_in_use(void);
#endif /* CONFIG_VIRTUAL_SWAP */

#endif /* _LINUX_VSWAP_H */
