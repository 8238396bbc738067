/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the kernel interfaces mm/vswap.c uses, so that it
 * can be compiled and hammered under ThreadSanitizer and AddressSanitizer.
 * Every stand-in keeps the concurrency contract of the real thing:
 * spinlocks are mutexes that know their owner, READ_ONCE/WRITE_ONCE are
 * relaxed atomics, RCU defers frees to the end of the run (no reader can
 * outlive it), per-CPU data is per thread (a thread is a CPU that is never
 * preempted), and warnings are counted so that the run can fail on them.
 */
#ifndef VSWAP_TEST_KERNEL_H
#define VSWAP_TEST_KERNEL_H

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned int gfp_t;

#define CONFIG_VIRTUAL_SWAP 1
#define min(a, b)	((a) < (b) ? (a) : (b))
#define __init
#define __read_mostly
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define ALIGN(x, a)		(((x) + (a) - 1) / (a) * (a))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

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

/* spinlocks: mutexes that know their owner, for lockdep_assert_held() */
typedef struct {
	pthread_mutex_t m;
	pthread_t owner;
	bool held;
} spinlock_t;
#define __SPIN_LOCK_UNLOCKED(x)	{ PTHREAD_MUTEX_INITIALIZER }
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
static inline void spin_lock_init(spinlock_t *l)
{
	pthread_mutex_init(&l->m, NULL);
	l->held = false;
}
static inline void spin_lock(spinlock_t *l)
{
	pthread_mutex_lock(&l->m);
	l->owner = pthread_self();
	l->held = true;
}
static inline void spin_unlock(spinlock_t *l)
{
	l->held = false;
	pthread_mutex_unlock(&l->m);
}
#define lockdep_assert_held(l)						\
	assert((l)->held && pthread_equal((l)->owner, pthread_self()))

/* per-CPU data: per thread; a thread is never preempted by itself */
typedef struct { } local_lock_t;
#define INIT_LOCAL_LOCK(l)	{ }
#define DEFINE_PER_CPU(type, name)	__thread type name
#define this_cpu_ptr(p)		(p)
#define local_lock(l)		do { } while (0)
#define local_unlock(l)		do { } while (0)
extern unsigned int vt_nr_cpus;
#define num_possible_cpus()	vt_nr_cpus
#define num_online_cpus()	vt_nr_cpus

/* RCU: readers are never waited for, because nothing is freed before exit */
struct rcu_head { struct rcu_head *next; void (*func)(struct rcu_head *); };
#define rcu_read_lock()		do { } while (0)
#define rcu_read_unlock()	do { } while (0)
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *));

/* memory */
#define GFP_ATOMIC	1u
#define GFP_KERNEL	2u
#define __GFP_NOWARN	0u
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
	return calloc(1, PAGE_SIZE << order);
}
#define page_address(p)		((void *)(p))
#define free_pages(addr, order)	free((void *)(addr))
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
	return calloc(1, kc->size);
}
#define kmem_cache_free(kc, p)	free(p)


#endif
