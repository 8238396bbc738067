/* SPDX-License-Identifier: GPL-2.0 */
/* The part of the kernel's list API that mm/vswap.c uses. */
#ifndef VSWAP_TEST_LIST_H
#define VSWAP_TEST_LIST_H
#include "kernel.h"

struct list_head { struct list_head *next, *prev; };
#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l->prev = l;
}
static inline bool list_empty(const struct list_head *l)
{
	return l->next == l;
}
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}
static inline void list_del_init(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	INIT_LIST_HEAD(n);
}
#define list_first_entry_or_null(h, type, member)			\
	(list_empty(h) ? NULL : container_of((h)->next, type, member))
#endif
