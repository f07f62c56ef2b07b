/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/list.h - circular doubly linked lists, as <linux/list.h>.
 */
#ifndef KMM_LIST_H
#define KMM_LIST_H

#include <stdbool.h>
#include "compiler.h"

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

/*
 * Every store to ->next is a relaxed atomic store, as the kernel's
 * WRITE_ONCE(prev->next, ...): a list_head's first word can be read
 * without the list's lock.  struct page overlays lru.next and slab_list.next
 * with compound_head, which compound_head() reads locklessly on every slab
 * free while another CPU links the same head page into a partial list under
 * the node's lock.  Pointers have bit 0 clear, so whichever value the
 * reader sees says "not a tail page", which is right for a page on a list;
 * the atomic store makes that read well-defined (and quiet under TSan).
 */
static inline void list_set_next(struct list_head *entry,
				 struct list_head *next)
{
	__atomic_store_n(&entry->next, next, __ATOMIC_RELAXED);
}

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list_set_next(list, list);
	list->prev = list;
}

static inline void __list_add(struct list_head *entry, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = entry;
	list_set_next(entry, next);
	entry->prev = prev;
	list_set_next(prev, entry);
}

/* Insert @entry after @head (stack order). */
static inline void list_add(struct list_head *entry, struct list_head *head)
{
	__list_add(entry, head, head->next);
}

/* Insert @entry before @head (queue order). */
static inline void list_add_tail(struct list_head *entry,
				 struct list_head *head)
{
	__list_add(entry, head->prev, head);
}

static inline void __list_del(struct list_head *prev, struct list_head *next)
{
	next->prev = prev;
	list_set_next(prev, next);
}

static inline void list_del(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	list_set_next(entry, NULL);
	entry->prev = NULL;
}

static inline void list_del_init(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	INIT_LIST_HEAD(entry);
}

static inline void list_move(struct list_head *entry, struct list_head *head)
{
	__list_del(entry->prev, entry->next);
	list_add(entry, head);
}

static inline void list_move_tail(struct list_head *entry,
				  struct list_head *head)
{
	__list_del(entry->prev, entry->next);
	list_add_tail(entry, head);
}

static inline bool list_empty(const struct list_head *head)
{
	return READ_ONCE(head->next) == head;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) \
	list_entry((ptr)->next, type, member)
#define list_last_entry(ptr, type, member) \
	list_entry((ptr)->prev, type, member)

#define list_for_each(pos, head) \
	for (pos = (head)->next; pos != (head); pos = pos->next)

#define list_for_each_safe(pos, n, head) \
	for (pos = (head)->next, n = pos->next; pos != (head); \
	     pos = n, n = pos->next)

#define list_for_each_entry(pos, head, member)				\
	for (pos = list_first_entry(head, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_first_entry(head, __typeof__(*pos), member),	\
	     n = list_entry(pos->member.next, __typeof__(*pos), member); \
	     &pos->member != (head);					\
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

#endif /* KMM_LIST_H */
