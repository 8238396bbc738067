/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VSWAP_TEST_SWAPFILE_H
#define VSWAP_TEST_SWAPFILE_H
#include "kernel.h"
/* what a swap entry offset can address: no limit below 32 bits here */
static inline unsigned long arch_max_swapfile_size(void)
{
	return ~0UL;
}
#endif
