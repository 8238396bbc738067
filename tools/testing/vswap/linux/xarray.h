/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fixed-size stand-in for the allocating xarray: lock-free loads, stores
 * and allocation under a lock, lowest free index first, as xa_alloc() does.
 * xa_alloc() fails with -ENOMEM when the allocation of a node would (see
 * vt_alloc_fails()); a lookup is a preemption point (vt_preempt_point()).
 */
#ifndef VSWAP_TEST_XARRAY_H
#define VSWAP_TEST_XARRAY_H
#include "kernel.h"

#define VT_XA_SIZE	4096
struct xarray {
	pthread_mutex_t lock;
	void *slot[VT_XA_SIZE];
};
struct xa_limit { u32 min, max; };
#define XA_LIMIT(lo, hi)	((struct xa_limit){ (lo), (hi) })
#define DEFINE_XARRAY_ALLOC(name)	struct xarray name = { PTHREAD_MUTEX_INITIALIZER }

static inline void *xa_load(struct xarray *xa, unsigned long index)
{
	void *entry = index < VT_XA_SIZE ?
		__atomic_load_n(&xa->slot[index], __ATOMIC_ACQUIRE) : NULL;

	vt_preempt_point();
	return entry;
}
static inline int xa_alloc(struct xarray *xa, u32 *id, void *entry,
			   struct xa_limit limit, gfp_t gfp)
{
	u32 i;

	(void)gfp;
	if (vt_alloc_fails(VT_ALLOC_XA))
		return -ENOMEM;
	pthread_mutex_lock(&xa->lock);
	for (i = limit.min; i <= limit.max && i < VT_XA_SIZE; i++) {
		if (!xa->slot[i]) {
			__atomic_store_n(&xa->slot[i], entry, __ATOMIC_RELEASE);
			pthread_mutex_unlock(&xa->lock);
			*id = i;
			return 0;
		}
	}
	pthread_mutex_unlock(&xa->lock);
	return -EBUSY;
}
static inline void *xa_erase(struct xarray *xa, unsigned long index)
{
	void *old;

	pthread_mutex_lock(&xa->lock);
	old = xa->slot[index];
	__atomic_store_n(&xa->slot[index], NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&xa->lock);
	return old;
}
#define xa_for_each_start(xa, index, entry, start)			\
	for ((index) = (start); (index) < VT_XA_SIZE; (index)++)	\
		if (((entry) = xa_load((xa), (index))) != NULL)
#define xa_for_each(xa, index, entry)	xa_for_each_start(xa, index, entry, 0)
#endif
