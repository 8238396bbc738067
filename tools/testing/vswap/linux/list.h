/* SPDX-License-Identifier: GPL-2.0 */
/* The part of the kernel's list API that mm/vswap.c uses. */
#ifndef VSWAP_TEST_LIST_H
#define VSWAP_TEST_LIST_H
#include "kernel.h"

struct list_head { struct list_head *next, *prev; };
#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)

/* As the kernel's: ->next written once, so list_empty() may peek unlocked. */
static inline void INIT_LIST_HEAD(struct list_head *l)
{
	WRITE_ONCE(l->next, l);
	l->prev = l;
}
static inline bool list_empty(const struct list_head *l)
{
	return READ_ONCE(l->next) == l;
}
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	struct list_head *prev = h->prev;

	h->prev = n;
	n->next = h;
	n->prev = prev;
	WRITE_ONCE(prev->next, n);
}
static inline void list_del_init(struct list_head *n)
{
	n->next->prev = n->prev;
	WRITE_ONCE(n->prev->next, n->next);
	INIT_LIST_HEAD(n);
}
#define list_first_entry_or_null(h, type, member)			\
	(list_empty(h) ? NULL : container_of(READ_ONCE((h)->next), type, member))
#endif
