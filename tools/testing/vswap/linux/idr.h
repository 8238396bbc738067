/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fixed-size stand-in for the IDA: numbers handed out under a lock,
 * lowest free first, as ida_alloc_range() does. ida_alloc_range() fails
 * with -ENOMEM when the allocation of a bitmap would (see vt_alloc_fails()).
 */
#ifndef VSWAP_TEST_IDR_H
#define VSWAP_TEST_IDR_H
#include "kernel.h"

#define VT_IDA_SIZE	4096
struct ida {
	pthread_mutex_t lock;
	bool used[VT_IDA_SIZE];
};
#define DEFINE_IDA(name)	struct ida name = { PTHREAD_MUTEX_INITIALIZER }

static inline int ida_alloc_range(struct ida *ida, unsigned int min,
				  unsigned int max, gfp_t gfp)
{
	unsigned int i;

	(void)gfp;
	assert(max < VT_IDA_SIZE);
	if (vt_alloc_fails(VT_ALLOC_IDA))
		return -ENOMEM;
	pthread_mutex_lock(&ida->lock);
	for (i = min; i <= max && i < VT_IDA_SIZE; i++) {
		if (!ida->used[i]) {
			ida->used[i] = true;
			pthread_mutex_unlock(&ida->lock);
			return i;
		}
	}
	pthread_mutex_unlock(&ida->lock);
	return -ENOSPC;
}
static inline void ida_free(struct ida *ida, unsigned int id)
{
	pthread_mutex_lock(&ida->lock);
	assert(id < VT_IDA_SIZE && ida->used[id]);
	ida->used[id] = false;
	pthread_mutex_unlock(&ida->lock);
}
#endif
