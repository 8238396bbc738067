/* SPDX-License-Identifier: GPL-2.0 */
/* A swap entry, as include/linux/mm_types.h has it. */
#ifndef VSWAP_TEST_MM_TYPES_H
#define VSWAP_TEST_MM_TYPES_H
#include "kernel.h"

typedef struct {
	unsigned long val;
} swp_entry_t;
#endif
