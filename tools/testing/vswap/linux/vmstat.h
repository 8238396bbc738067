/* SPDX-License-Identifier: GPL-2.0 */
/* The /proc/vmstat events of mm/vswap.c, as plain atomic counters. */
#ifndef VSWAP_TEST_VMSTAT_H
#define VSWAP_TEST_VMSTAT_H
#include "kernel.h"

enum vm_event_item {
	VSWAP_ALLOC, VSWAP_ALLOC_FAIL, VSWAP_FREE, VSWAP_SPARE, NR_VM_EVENT_ITEMS
};
extern unsigned long vt_events[NR_VM_EVENT_ITEMS];
#define count_vm_events(item, n) \
	__atomic_add_fetch(&vt_events[item], (n), __ATOMIC_RELAXED)
#define count_vm_event(item)	count_vm_events(item, 1)
#endif
