/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RCU with real grace periods: call_rcu() callbacks run, and free what they
 * free, while the other threads go on, but only once every thread that was
 * inside a read-side critical section when the callback was queued has left
 * it. A reader that uses an object after its section, or an object freed
 * without a grace period, then touches freed memory: AddressSanitizer
 * reports a use-after-free, ThreadSanitizer a race with the free.
 *
 * How: vt_rcu_seq is bumped for each callback queued. A thread registers a
 * reader record in vt_rcu_readers[] the first time it enters a section. Its
 * outermost rcu_read_lock() stores there the value of vt_rcu_seq it sees,
 * followed by a full barrier (the ordering the kernel's grace-period
 * machinery provides), and its outermost rcu_read_unlock() stores zero, with
 * release semantics. call_rcu() stamps the callback with ++vt_rcu_seq, under
 * the queue lock so that the queue stays in stamp order: every reader inside
 * already holds a smaller value, and a reader that enters later holds at
 * least this one and cannot find the object, unlinked before the call.
 * vt_rcu_poll() reads vt_rcu_seq, then every record, and runs the callbacks
 * stamped no higher than that value and than any nonzero record: their
 * readers have all left. It never waits, so it may run anywhere: inside a
 * section (whose own record then holds back what was queued after it
 * began) or with spinlocks held, as softirqs run callbacks in the kernel.
 *
 * Grace periods end about as early as they can: a thread polls every
 * VT_RCU_POLL_EVERY-th time it leaves its outermost section; call_rcu()
 * polls once VT_RCU_BACKLOG callbacks wait, the test's threads poll between
 * operations, and vt_rcu_barrier() runs what is left when they are done.
 * A thread that was preempted in its section (vt_preempt_point()) is held
 * up as it leaves it, if callbacks were queued meanwhile: it polls and
 * yields until they have run (VT_RCU_HOLDUP times at most), as if it were
 * preempted again right there. Its caller's next instruction then finds
 * freed memory if it still uses what the section looked up.
 */
#ifndef VSWAP_TEST_RCUPDATE_H
#define VSWAP_TEST_RCUPDATE_H
#include "kernel.h"

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *);
	unsigned long seq;		/* stamp: vt_rcu_seq when queued */
};

#define VT_RCU_MAX_READERS	256	/* threads, over the whole run */
#define VT_RCU_POLL_EVERY	16
#define VT_RCU_BACKLOG		8
#define VT_RCU_HOLDUP		1000

struct vt_rcu_reader {
	unsigned long seq;		/* vt_rcu_seq on entry; 0: outside */
} __attribute__((aligned(64)));

static struct vt_rcu_reader vt_rcu_readers[VT_RCU_MAX_READERS];
static unsigned int vt_rcu_nr_readers;
static unsigned long vt_rcu_seq = 1;
static pthread_mutex_t vt_rcu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_head *vt_rcu_head, **vt_rcu_tail = &vt_rcu_head;
static unsigned long vt_rcu_nr_waiting;		/* on the queue */
static unsigned long vt_rcu_completed;		/* highest stamp run */
static unsigned long vt_rcu_max_waiting, vt_rcu_nr_queued, vt_rcu_nr_done;
static __thread struct vt_rcu_reader *vt_rcu_me;
static __thread unsigned int vt_rcu_nesting, vt_rcu_exits;

static inline void vt_rcu_poll(void);

static inline void rcu_read_lock(void)
{
	unsigned int i;

	if (vt_rcu_nesting++)
		return;
	if (!vt_rcu_me) {
		i = __atomic_fetch_add(&vt_rcu_nr_readers, 1, __ATOMIC_SEQ_CST);
		assert(i < VT_RCU_MAX_READERS);
		vt_rcu_me = &vt_rcu_readers[i];
	}
	__atomic_store_n(&vt_rcu_me->seq,
			 __atomic_load_n(&vt_rcu_seq, __ATOMIC_ACQUIRE),
			 __ATOMIC_SEQ_CST);
	__sync_synchronize();	/* the section's lookups come after the store */
	vt_preempted = false;
}

static inline void rcu_read_unlock(void)
{
	unsigned long entered, queued;
	unsigned int i;

	if (WARN_ON_ONCE(!vt_rcu_nesting) || --vt_rcu_nesting)
		return;
	entered = vt_rcu_me->seq;
	__atomic_store_n(&vt_rcu_me->seq, 0, __ATOMIC_RELEASE);
	if (vt_preempted && !vt_spin_held) {
		queued = __atomic_load_n(&vt_rcu_seq, __ATOMIC_ACQUIRE);
		for (i = 0; queued > entered && i < VT_RCU_HOLDUP; i++) {
			vt_rcu_poll();
			if (__atomic_load_n(&vt_rcu_completed,
					    __ATOMIC_ACQUIRE) >= queued)
				break;
			sched_yield();
		}
	} else if (!(++vt_rcu_exits % VT_RCU_POLL_EVERY)) {
		vt_rcu_poll();
	}
}

/*
 * Published pointers: a lookup is a preemption point (vt_preempt_point()),
 * and only in a read-side section.
 */
#define __rcu
#define rcu_dereference(p)						\
({									\
	typeof(p) __p;							\
									\
	assert(vt_rcu_nesting);						\
	__p = __atomic_load_n(&(p), __ATOMIC_ACQUIRE);			\
									\
	vt_preempt_point();						\
	__p;								\
})
#define rcu_access_pointer(p)	__atomic_load_n(&(p), __ATOMIC_RELAXED)
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELAXED)

static inline void cond_resched_rcu(void)
{
	rcu_read_unlock();
	cond_resched();
	rcu_read_lock();
}

static inline void call_rcu(struct rcu_head *head,
			    void (*func)(struct rcu_head *))
{
	unsigned long waiting;

	head->func = func;
	head->next = NULL;
	pthread_mutex_lock(&vt_rcu_lock);
	head->seq = __atomic_add_fetch(&vt_rcu_seq, 1, __ATOMIC_SEQ_CST);
	*vt_rcu_tail = head;
	vt_rcu_tail = &head->next;
	waiting = __atomic_add_fetch(&vt_rcu_nr_waiting, 1, __ATOMIC_RELAXED);
	vt_rcu_nr_queued++;
	vt_rcu_max_waiting = max(vt_rcu_max_waiting, waiting);
	pthread_mutex_unlock(&vt_rcu_lock);
	if (waiting >= VT_RCU_BACKLOG)
		vt_rcu_poll();
}

/* Run the callbacks whose grace period is over; never waits. */
static inline void vt_rcu_poll(void)
{
	struct rcu_head *ready = NULL, **end = &ready, *h;
	unsigned long limit, seq, last = 0, n = 0;
	unsigned int i, nr;

	if (!__atomic_load_n(&vt_rcu_nr_waiting, __ATOMIC_RELAXED))
		return;
	/* Callbacks queued after this are not for this poll. */
	limit = __atomic_load_n(&vt_rcu_seq, __ATOMIC_SEQ_CST);
	__sync_synchronize();	/* pairs with the one in rcu_read_lock() */
	nr = __atomic_load_n(&vt_rcu_nr_readers, __ATOMIC_SEQ_CST);
	for (i = 0; i < nr; i++) {
		seq = __atomic_load_n(&vt_rcu_readers[i].seq, __ATOMIC_ACQUIRE);
		if (seq && seq < limit)
			limit = seq;
	}
	pthread_mutex_lock(&vt_rcu_lock);
	while (vt_rcu_head && vt_rcu_head->seq <= limit) {
		last = vt_rcu_head->seq;
		*end = vt_rcu_head;
		end = &vt_rcu_head->next;
		vt_rcu_head = vt_rcu_head->next;
		n++;
	}
	*end = NULL;
	if (!vt_rcu_head)
		vt_rcu_tail = &vt_rcu_head;
	__atomic_sub_fetch(&vt_rcu_nr_waiting, n, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&vt_rcu_lock);
	while (ready) {
		h = ready;
		ready = h->next;
		h->func(h);
	}
	__atomic_add_fetch(&vt_rcu_nr_done, n, __ATOMIC_RELAXED);
	seq = __atomic_load_n(&vt_rcu_completed, __ATOMIC_RELAXED);
	while (seq < last &&
	       !__atomic_compare_exchange_n(&vt_rcu_completed, &seq, last, false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

/*
 * Run every callback, waiting up to a second for the readers still inside.
 * Return: false if some reader never left (a missing rcu_read_unlock()).
 */
static inline bool vt_rcu_barrier(void)
{
	unsigned int tries;

	WARN_ON_ONCE(vt_rcu_nesting);
	for (tries = 0; tries < 1000; tries++) {
		vt_rcu_poll();
		if (!__atomic_load_n(&vt_rcu_nr_waiting, __ATOMIC_RELAXED))
			return true;
		usleep(1000);
	}
	return false;
}
#endif
