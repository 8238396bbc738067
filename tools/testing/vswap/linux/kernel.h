/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the kernel interfaces mm/vswap.c uses, so that it
 * can be compiled and hammered under ThreadSanitizer and AddressSanitizer.
 * Every stand-in keeps the concurrency contract of the real thing:
 * spinlocks are mutexes that know their owner, READ_ONCE/WRITE_ONCE are
 * relaxed atomics, RCU has real grace periods (rcupdate.h: what call_rcu()
 * frees goes while the other threads run, once its readers have left),
 * per-CPU data is per thread (a thread is a CPU that is never preempted by
 * another user of its per-CPU data), and warnings are counted so that the
 * run can fail on them. Allocations can be made to fail, and what is
 * allocated is counted, so that error paths can be run and leaks found.
 */
#ifndef VSWAP_TEST_KERNEL_H
#define VSWAP_TEST_KERNEL_H

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned int gfp_t;

#define CONFIG_VIRTUAL_SWAP 1
#define min(a, b)	((a) < (b) ? (a) : (b))
#define __init
#define __read_mostly
#define __uninitialized
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define ALIGN(x, a)		(((x) + (a) - 1) / (a) * (a))
#define BIT(nr)			(1UL << (nr))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define clamp(v, lo, hi)	max(min(v, hi), lo)
#define min_t(type, a, b)	min((type)(a), (type)(b))
#define max_t(type, a, b)	max((type)(a), (type)(b))
#define __initdata
/* command line parameters: none is given; the handler is kept referenced */
#define early_param(str, fn)						\
	static int (*const vt_param_##fn)(char *) __attribute__((unused)) = fn
#define memparse(s, end)	strtoull(s, end, 0)
#define pr_err(...)		fprintf(stderr, __VA_ARGS__)
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define xchg(p, v)		__atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define try_cmpxchg(p, old, new)					\
	__atomic_compare_exchange_n((p), (old), (new), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)

extern unsigned long vt_warnings;
#define WARN_ONCE(cond, ...)						\
({									\
	bool __c = !!(cond);						\
	if (__c) {							\
		fprintf(stderr, "WARNING %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		__atomic_add_fetch(&vt_warnings, 1, __ATOMIC_RELAXED);	\
	}								\
	__c;								\
})
#define WARN_ON_ONCE(cond)	WARN_ONCE(cond, "%s\n", #cond)
#define VM_WARN_ON_ONCE(cond)	((void)WARN_ON_ONCE(cond))
#define WARN_ON(cond)		WARN_ON_ONCE(cond)

#define MAX_ERRNO	4095
#define IS_ERR(p)	((unsigned long)(p) >= (unsigned long)-MAX_ERRNO)
#define ERR_PTR(e)	((void *)(long)(e))
#define PTR_ERR(p)	((long)(p))

static inline void cond_resched(void) { }

/* atomics */
typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
#define ATOMIC_INIT(v)		{ (v) }
#define ATOMIC_LONG_INIT(v)	{ (v) }
#define atomic_read(a)		__atomic_load_n(&(a)->counter, __ATOMIC_RELAXED)
#define atomic_inc(a)		__atomic_add_fetch(&(a)->counter, 1, __ATOMIC_RELAXED)
#define atomic_dec(a)		__atomic_sub_fetch(&(a)->counter, 1, __ATOMIC_RELAXED)
#define atomic_long_read(a)	__atomic_load_n(&(a)->counter, __ATOMIC_RELAXED)
#define atomic_long_add(n, a)	__atomic_add_fetch(&(a)->counter, (n), __ATOMIC_RELAXED)
#define atomic_long_sub(n, a)	__atomic_sub_fetch(&(a)->counter, (n), __ATOMIC_RELAXED)

/*
 * A point where a kernel with PREEMPT_RCU could preempt the thread, even
 * inside a read-side section, unless it holds a spinlock: every
 * vt_preempt_every-th time the thread yields, which widens the window
 * between a lookup and the use of what it found, for other threads to free
 * it if it is not protected. A reader preempted in its section is also
 * held up as it leaves it (linux/rcupdate.h).
 */
static __thread unsigned int vt_preempt_every = 64;
static __thread unsigned int vt_spin_held;	/* spinlocks held */
static __thread bool vt_preempted;
static inline void vt_preempt_point(void)
{
	static __thread unsigned int n;

	if (!vt_spin_held && !(++n % vt_preempt_every)) {
		sched_yield();
		vt_preempted = true;
	}
}

/*
 * spinlocks: mutexes that know their owner, for lockdep_assert_held(), and
 * carry a magic word, as with CONFIG_DEBUG_SPINLOCK: checked before the
 * mutex is touched, so that a lock in freed memory is a use-after-free the
 * sanitizers report, not a hang in the (uninstrumented) C library. Under
 * AddressSanitizer, which writes into freed memory, a waiter spins instead
 * of sleeping in the C library, checking the magic word as it goes: a lock
 * freed under its waiter is reported too. Under ThreadSanitizer it sleeps,
 * so that lock-order inversions are seen.
 */
#define VT_SPINLOCK_MAGIC	0xdead4ead
typedef struct {
	pthread_mutex_t m;
	unsigned int magic;
	pthread_t owner;
	bool held;
} spinlock_t;
#define __SPIN_LOCK_UNLOCKED(x)	{ PTHREAD_MUTEX_INITIALIZER, VT_SPINLOCK_MAGIC }
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
static inline void spin_lock_init(spinlock_t *l)
{
	pthread_mutex_init(&l->m, NULL);
	l->magic = VT_SPINLOCK_MAGIC;
	l->held = false;
}
static inline void spin_check_magic(spinlock_t *l)
{
	if (l->magic != VT_SPINLOCK_MAGIC) {
		fprintf(stderr, "BUG: spinlock bad magic on %p\n", (void *)l);
		abort();
	}
}
static inline void spin_lock(spinlock_t *l)
{
	spin_check_magic(l);
#ifdef __SANITIZE_ADDRESS__
	while (pthread_mutex_trylock(&l->m)) {
		sched_yield();
		spin_check_magic(l);
	}
#else
	pthread_mutex_lock(&l->m);
#endif
	l->owner = pthread_self();
	l->held = true;
	vt_spin_held++;
}
static inline void spin_unlock(spinlock_t *l)
{
	spin_check_magic(l);
	l->held = false;
	pthread_mutex_unlock(&l->m);
	vt_spin_held--;
}
#define lockdep_assert_held(l)						\
	assert((l)->held && pthread_equal((l)->owner, pthread_self()))
#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
/* sparse's lock annotations: nothing at run time */
#define __cond_lock(x, c)	(c)
#define __release(x)		((void)0)

/* per-CPU data: per thread; a thread is never preempted by itself */
typedef struct { } local_lock_t;
#define INIT_LOCAL_LOCK(l)	{ }
#define DEFINE_PER_CPU(type, name)	__thread type name
#define this_cpu_ptr(p)		(p)
#define this_cpu_add(pcp, n)	((pcp) += (n))
/*
 * Per-CPU data of other CPUs, only ever vswap_pcp's: CPU 0 is the calling
 * thread's; CPU 1 stands for the threads that have ended, whose counts the
 * test folds into vt_cpus_gone (an offline CPU's data stays, and is
 * summed with the others'). Threads still running are not seen: sums are
 * taken only while no other thread counts. So for_each_possible_cpu()
 * walks these two, while num_possible_cpus() is the number of threads
 * playing CPUs.
 */
struct vswap_pcp;
extern struct vswap_pcp vt_cpus_gone;
#define per_cpu_ptr(p, cpu)	((cpu) ? &vt_cpus_gone : (p))
#define for_each_possible_cpu(cpu)	for ((cpu) = 0; (cpu) < 2; (cpu)++)
#define local_lock(l)		do { } while (0)
#define local_unlock(l)		do { } while (0)
extern unsigned int vt_nr_cpus;
#define num_possible_cpus()	vt_nr_cpus
#define num_online_cpus()	vt_nr_cpus

/*
 * memory: each allocation fails with probability vt_fail_pct percent (a
 * per-thread pseudo-random draw), and always at the sites set in
 * vt_fail_sites; vt_nr_live[] counts what is allocated and not yet freed,
 * for leak checks that do not depend on LeakSanitizer being on.
 */
enum vt_alloc_site { VT_ALLOC_SLAB, VT_ALLOC_PAGES, VT_ALLOC_IDA, VT_NR_ALLOC_SITES };
extern unsigned int vt_fail_pct, vt_fail_sites;
extern unsigned long vt_nr_failed[VT_NR_ALLOC_SITES];
extern long vt_nr_live[VT_NR_ALLOC_SITES];
static inline bool vt_alloc_fails(enum vt_alloc_site site)
{
	static __thread uint32_t rnd;
	unsigned int pct = __atomic_load_n(&vt_fail_pct, __ATOMIC_RELAXED);
	bool fail = __atomic_load_n(&vt_fail_sites, __ATOMIC_RELAXED) & 1u << site;

	if (!fail && pct) {
		if (!rnd)
			rnd = (uint32_t)(uintptr_t)&rnd * 2654435761u | 1;
		rnd ^= rnd << 13;
		rnd ^= rnd >> 17;
		rnd ^= rnd << 5;
		fail = rnd % 100 < pct;
	}
	if (fail)
		__atomic_add_fetch(&vt_nr_failed[site], 1, __ATOMIC_RELAXED);
	return fail;
}
static inline void *vt_alloc(enum vt_alloc_site site, size_t size)
{
	void *p = vt_alloc_fails(site) ? NULL : calloc(1, size);

	if (p)
		__atomic_add_fetch(&vt_nr_live[site], 1, __ATOMIC_RELAXED);
	return p;
}
static inline void vt_free(enum vt_alloc_site site, void *p)
{
	if (p)
		__atomic_sub_fetch(&vt_nr_live[site], 1, __ATOMIC_RELAXED);
	free(p);
}

#define GFP_ATOMIC	1u
#define GFP_NOWAIT	1u
#define GFP_KERNEL	2u
#define __GFP_NOWARN	0u
#define __GFP_NORETRY	0u
#define __GFP_NOMEMALLOC	0u
#define __GFP_ZERO	0u
#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
struct page;
static inline int get_order(unsigned long size)
{
	int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}
static inline struct page *alloc_pages(gfp_t gfp, int order)
{
	(void)gfp;
	return vt_alloc(VT_ALLOC_PAGES, PAGE_SIZE << order);
}
#define page_address(p)		((void *)(p))
#define free_pages(addr, order)	vt_free(VT_ALLOC_PAGES, (void *)(addr))
/* vt_alloc() returns zeroed memory, as __GFP_ZERO would */
#define get_zeroed_page(gfp)	((unsigned long)alloc_pages(gfp, 0))
#define free_page(addr)		free_pages(addr, 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
extern unsigned long vt_totalram_pages;
#define totalram_pages()	vt_totalram_pages

struct kmem_cache { size_t size; };
#define SLAB_PANIC	0
#define KMEM_CACHE(s, flags)						\
({									\
	static struct kmem_cache __kc = { sizeof(struct s) };		\
	&__kc;								\
})
static inline void *kmem_cache_zalloc(struct kmem_cache *kc, gfp_t gfp)
{
	(void)gfp;
	return vt_alloc(VT_ALLOC_SLAB, kc->size);
}
#define kmem_cache_free(kc, p)	vt_free(VT_ALLOC_SLAB, (p))
/* made once, at init: not counted, never failed */
#define kvcalloc(n, size, gfp)	calloc((n), (size))
#define kvfree(p)		free(p)

#endif
