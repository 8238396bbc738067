/* SPDX-License-Identifier: GPL-2.0 */
/* One shared atomic per counter: the kernel's per-CPU parts sum to it. */
#include "kernel.h"

struct percpu_counter {
	long count;
};

static inline int percpu_counter_init_many(struct percpu_counter *fbc,
					   long value, gfp_t gfp,
					   unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		fbc[i].count = value;
	return 0;
}

static inline void percpu_counter_destroy_many(struct percpu_counter *fbc,
					       unsigned int nr)
{
}

#define percpu_counter_init(fbc, v, gfp)	percpu_counter_init_many(fbc, v, gfp, 1)
#define percpu_counter_destroy(fbc)		percpu_counter_destroy_many(fbc, 1)

#define percpu_counter_add(fbc, n)	__atomic_add_fetch(&(fbc)->count, (n), __ATOMIC_RELAXED)
#define percpu_counter_sub(fbc, n)	percpu_counter_add(fbc, -(long)(n))
#define percpu_counter_read(fbc)	__atomic_load_n(&(fbc)->count, __ATOMIC_RELAXED)
#define percpu_counter_sum(fbc)		percpu_counter_read(fbc)
