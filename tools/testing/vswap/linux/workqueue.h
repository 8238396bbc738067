/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One work item, run when the test says so (vt_run_work()): by the lookup
 * thread while the others run, so that it races with them as a kworker
 * would, and by the main thread between the phases.
 */
#ifndef VSWAP_TEST_WORKQUEUE_H
#define VSWAP_TEST_WORKQUEUE_H
#include "kernel.h"

struct work_struct {
	void (*func)(struct work_struct *work);
	int pending;
};

#define DECLARE_WORK(n, f)	struct work_struct n = { .func = (f) }

static struct work_struct *vt_work;

struct workqueue_struct;
#define system_unbound_wq	((struct workqueue_struct *)0)

static inline bool queue_work(struct workqueue_struct *wq,
			      struct work_struct *work)
{
	(void)wq;
	__atomic_store_n(&vt_work, work, __ATOMIC_RELEASE);
	return !__atomic_exchange_n(&work->pending, 1, __ATOMIC_ACQ_REL);
}

/* Run the work item if it is pending; not twice at once (one caller). */
static inline bool vt_run_work(void)
{
	struct work_struct *work = __atomic_load_n(&vt_work, __ATOMIC_ACQUIRE);

	if (!work || !__atomic_exchange_n(&work->pending, 0, __ATOMIC_ACQ_REL))
		return false;
	work->func(work);
	return true;
}
#endif
