/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU hotplug: the callback is registered and never called by a hotplug;
 * the test calls it for its own thread, as the CPU that went away.
 */
#ifndef VSWAP_TEST_CPUHOTPLUG_H
#define VSWAP_TEST_CPUHOTPLUG_H
#include "kernel.h"

enum cpuhp_state { CPUHP_BP_PREPARE_DYN = 1 };
static int (*vt_cpu_dead)(unsigned int cpu);
static inline int cpuhp_setup_state_nocalls(enum cpuhp_state state,
					    const char *name,
					    int (*startup)(unsigned int cpu),
					    int (*teardown)(unsigned int cpu))
{
	(void)name;
	(void)startup;
	vt_cpu_dead = teardown;
	return state;
}
#endif
