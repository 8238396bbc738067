/* SPDX-License-Identifier: GPL-2.0 */
/* What include/linux/vswap.h needs of include/linux/swap.h. */
#ifndef VSWAP_TEST_SWAP_H
#define VSWAP_TEST_SWAP_H
#define MAX_SWAPFILES_SHIFT	5
#endif
