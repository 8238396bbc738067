/* SPDX-License-Identifier: GPL-2.0 */
/* Swap entry encoding, as include/linux/swapops.h has it on 64-bit. */
#ifndef VSWAP_TEST_SWAPOPS_H
#define VSWAP_TEST_SWAPOPS_H
#include "mm_types.h"
#include "swap.h"

#define SWP_TYPE_SHIFT	(63 - MAX_SWAPFILES_SHIFT)
#define SWP_OFFSET_MASK	((1UL << SWP_TYPE_SHIFT) - 1)

static inline swp_entry_t swp_entry(unsigned long type, unsigned long offset)
{
	return (swp_entry_t){ type << SWP_TYPE_SHIFT | (offset & SWP_OFFSET_MASK) };
}

static inline unsigned int swp_type(swp_entry_t entry)
{
	return entry.val >> SWP_TYPE_SHIFT;
}

static inline unsigned long swp_offset(swp_entry_t entry)
{
	return entry.val & SWP_OFFSET_MASK;
}
#endif
