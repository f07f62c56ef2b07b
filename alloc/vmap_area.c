// SPDX-License-Identifier: GPL-2.0
/*
 * vmap_area.c - the vmalloc space allocator: free areas in an augmented
 * red-black tree (see kmm/vmalloc.h).
 *
 * Lock order: none here; the caller serialises every call on one
 * vmap_space (vmalloc.c holds vmap_area_lock).
 *
 * Object states of a struct vmap_area:
 *   FREE  in free_root (by address) and free_list; subtree_max_size valid
 *   BUSY  in busy_root and busy_list; va->vm set by vmalloc.c
 *   LAZY  on purge_list only: freed, its VA not reusable until purged
 *
 * Invariants (vmap_space_check):
 *   free areas sorted, disjoint, never touching (always merged);
 *   subtree_max_size(n) == max(size(n), smax(n->left), smax(n->right));
 *   sum(free) + sum(busy) + sum(lazy) == end - start, all disjoint;
 *   red-black: the root is black, no red node has a red child, every path
 *   from a node to its leaves has the same number of black nodes.
 *
 * Fit cases when an allocation [nva_start, nva_start + size) is carved out
 * of free area va:
 *
 *   FL (full)        |<------- va ------->|
 *                    |<----- allocated -->|      va removed
 *   LE (left edge)   |<------- va ------->|
 *                    |<-alloc->|<-- va -->|      va_start moves right
 *   RE (right edge)  |<------- va ------->|
 *                    |<-- va -->|<-alloc->|      va_end moves left
 *   NE (split)       |<------- va ------->|
 *                    |<lva>|<-alloc->|<va>|      new left area lva
 */
#include <errno.h>
#include <stdlib.h>

#include "kmm/vmalloc.h"

#define RB_RED		0
#define RB_BLACK	1

struct rb_root_aug {
	struct vmap_rb_node **root;
	bool aug;		/* maintain subtree_max_size */
};

static inline struct vmap_area *rb_va(const struct vmap_rb_node *n)
{
	return container_of(n, struct vmap_area, rb);
}

static inline struct vmap_rb_node *rb_parent(const struct vmap_rb_node *n)
{
	return (struct vmap_rb_node *)(n->parent_color & ~1UL);
}

static inline int rb_color(const struct vmap_rb_node *n)
{
	return n ? (int)(n->parent_color & 1) : RB_BLACK;
}

static inline void rb_set_parent(struct vmap_rb_node *n,
				 struct vmap_rb_node *p)
{
	n->parent_color = (uintptr_t)p | (n->parent_color & 1);
}

static inline void rb_set_color(struct vmap_rb_node *n, int c)
{
	n->parent_color = (n->parent_color & ~1UL) | (uintptr_t)c;
}

static inline uint64_t va_size(const struct vmap_area *va)
{
	return va->va_end - va->va_start;
}

static inline uint64_t smax(const struct vmap_rb_node *n)
{
	return n ? rb_va(n)->subtree_max_size : 0;
}

static inline uint64_t compute_smax(const struct vmap_rb_node *n)
{
	uint64_t m = va_size(rb_va(n));

	if (smax(n->left) > m)
		m = smax(n->left);
	if (smax(n->right) > m)
		m = smax(n->right);
	return m;
}

/* Recompute subtree_max_size from @n up to the root. */
static void augment_propagate(struct rb_root_aug *t, struct vmap_rb_node *n)
{
	if (!t->aug)
		return;
	for (; n; n = rb_parent(n))
		rb_va(n)->subtree_max_size = compute_smax(n);
}

static void change_child(struct rb_root_aug *t, struct vmap_rb_node *old,
			 struct vmap_rb_node *new, struct vmap_rb_node *parent)
{
	if (!parent)
		*t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/*
 *     x              y
 *    / \            / \
 *   a   y    =>    x   c
 *      / \        / \
 *     b   c      a   b
 */
static void rotate_left(struct rb_root_aug *t, struct vmap_rb_node *x)
{
	struct vmap_rb_node *y = x->right, *p = rb_parent(x);

	x->right = y->left;
	if (y->left)
		rb_set_parent(y->left, x);
	rb_set_parent(y, p);
	change_child(t, x, y, p);
	y->left = x;
	rb_set_parent(x, y);
	if (t->aug) {
		rb_va(x)->subtree_max_size = compute_smax(x);
		rb_va(y)->subtree_max_size = compute_smax(y);
	}
}

static void rotate_right(struct rb_root_aug *t, struct vmap_rb_node *x)
{
	struct vmap_rb_node *y = x->left, *p = rb_parent(x);

	x->left = y->right;
	if (y->right)
		rb_set_parent(y->right, x);
	rb_set_parent(y, p);
	change_child(t, x, y, p);
	y->right = x;
	rb_set_parent(x, y);
	if (t->aug) {
		rb_va(x)->subtree_max_size = compute_smax(x);
		rb_va(y)->subtree_max_size = compute_smax(y);
	}
}

static void insert_fixup(struct rb_root_aug *t, struct vmap_rb_node *z)
{
	struct vmap_rb_node *p, *g, *u;

	while ((p = rb_parent(z)) && rb_color(p) == RB_RED) {
		g = rb_parent(p);
		if (p == g->left) {
			u = g->right;
			if (rb_color(u) == RB_RED) {
				rb_set_color(p, RB_BLACK);
				rb_set_color(u, RB_BLACK);
				rb_set_color(g, RB_RED);
				z = g;
				continue;
			}
			if (z == p->right) {
				z = p;
				rotate_left(t, z);
				p = rb_parent(z);
			}
			rb_set_color(p, RB_BLACK);
			rb_set_color(g, RB_RED);
			rotate_right(t, g);
		} else {
			u = g->left;
			if (rb_color(u) == RB_RED) {
				rb_set_color(p, RB_BLACK);
				rb_set_color(u, RB_BLACK);
				rb_set_color(g, RB_RED);
				z = g;
				continue;
			}
			if (z == p->left) {
				z = p;
				rotate_right(t, z);
				p = rb_parent(z);
			}
			rb_set_color(p, RB_BLACK);
			rb_set_color(g, RB_RED);
			rotate_left(t, g);
		}
	}
	rb_set_color(*t->root, RB_BLACK);
}

/* Insert @va by va_start; returns its in-order predecessor (or NULL). */
static struct vmap_area *rb_insert_va(struct rb_root_aug *t,
				      struct vmap_area *va)
{
	struct vmap_rb_node **link = t->root, *parent = NULL;
	struct vmap_area *prev = NULL;

	while (*link) {
		parent = *link;
		if (va->va_start < rb_va(parent)->va_start) {
			link = &parent->left;
		} else {
			prev = rb_va(parent);
			link = &parent->right;
		}
	}
	va->rb.left = va->rb.right = NULL;
	va->rb.parent_color = (uintptr_t)parent | RB_RED;
	*link = &va->rb;
	va->subtree_max_size = va_size(va);
	augment_propagate(t, parent);
	insert_fixup(t, &va->rb);
	return prev;
}

static void erase_fixup(struct rb_root_aug *t, struct vmap_rb_node *x,
			struct vmap_rb_node *xp)
{
	struct vmap_rb_node *w;

	while (x != *t->root && rb_color(x) == RB_BLACK) {
		if (x == xp->left) {
			w = xp->right;
			if (rb_color(w) == RB_RED) {
				rb_set_color(w, RB_BLACK);
				rb_set_color(xp, RB_RED);
				rotate_left(t, xp);
				w = xp->right;
			}
			if (rb_color(w->left) == RB_BLACK &&
			    rb_color(w->right) == RB_BLACK) {
				rb_set_color(w, RB_RED);
				x = xp;
				xp = rb_parent(x);
				continue;
			}
			if (rb_color(w->right) == RB_BLACK) {
				rb_set_color(w->left, RB_BLACK);
				rb_set_color(w, RB_RED);
				rotate_right(t, w);
				w = xp->right;
			}
			rb_set_color(w, rb_color(xp));
			rb_set_color(xp, RB_BLACK);
			rb_set_color(w->right, RB_BLACK);
			rotate_left(t, xp);
		} else {
			w = xp->left;
			if (rb_color(w) == RB_RED) {
				rb_set_color(w, RB_BLACK);
				rb_set_color(xp, RB_RED);
				rotate_right(t, xp);
				w = xp->left;
			}
			if (rb_color(w->left) == RB_BLACK &&
			    rb_color(w->right) == RB_BLACK) {
				rb_set_color(w, RB_RED);
				x = xp;
				xp = rb_parent(x);
				continue;
			}
			if (rb_color(w->left) == RB_BLACK) {
				rb_set_color(w->right, RB_BLACK);
				rb_set_color(w, RB_RED);
				rotate_left(t, w);
				w = xp->left;
			}
			rb_set_color(w, rb_color(xp));
			rb_set_color(xp, RB_BLACK);
			rb_set_color(w->left, RB_BLACK);
			rotate_right(t, xp);
		}
		x = *t->root;
		break;
	}
	if (x)
		rb_set_color(x, RB_BLACK);
}

static void transplant(struct rb_root_aug *t, struct vmap_rb_node *u,
		       struct vmap_rb_node *v)
{
	struct vmap_rb_node *p = rb_parent(u);

	change_child(t, u, v, p);
	if (v)
		rb_set_parent(v, p);
}

static void rb_erase_va(struct rb_root_aug *t, struct vmap_area *va)
{
	struct vmap_rb_node *z = &va->rb, *y = z, *x, *xp;
	int y_color = rb_color(y);

	if (!z->left) {
		x = z->right;
		xp = rb_parent(z);
		transplant(t, z, z->right);
	} else if (!z->right) {
		x = z->left;
		xp = rb_parent(z);
		transplant(t, z, z->left);
	} else {
		y = z->right;
		while (y->left)
			y = y->left;
		y_color = rb_color(y);
		x = y->right;
		if (rb_parent(y) == z) {
			xp = y;
		} else {
			xp = rb_parent(y);
			transplant(t, y, y->right);
			y->right = z->right;
			rb_set_parent(y->right, y);
		}
		transplant(t, z, y);
		y->left = z->left;
		rb_set_parent(y->left, y);
		rb_set_color(y, rb_color(z));
	}
	augment_propagate(t, xp);
	if (y_color == RB_BLACK)
		erase_fixup(t, x, xp);
}

static struct rb_root_aug free_tree(struct vmap_space *vs)
{
	return (struct rb_root_aug){ &vs->free_root, true };
}

static struct rb_root_aug busy_tree(struct vmap_space *vs)
{
	return (struct rb_root_aug){ &vs->busy_root, false };
}

static void insert_list(struct list_head *head, struct vmap_area *prev,
			struct vmap_area *va)
{
	list_add(&va->list, prev ? &prev->list : head);
}

static struct vmap_area *va_new(uint64_t start, uint64_t end)
{
	struct vmap_area *va = calloc(1, sizeof(*va));

	if (va) {
		va->va_start = start;
		va->va_end = end;
		INIT_LIST_HEAD(&va->purge);
	}
	return va;
}

int vmap_space_init(struct vmap_space *vs, uint64_t start, uint64_t end)
{
	struct rb_root_aug t;
	struct vmap_area *va;

	if (end <= start || !IS_ALIGNED(start | end, PAGE_SIZE))
		return -EINVAL;
	*vs = (struct vmap_space){ .start = start, .end = end };
	INIT_LIST_HEAD(&vs->free_list);
	INIT_LIST_HEAD(&vs->busy_list);
	INIT_LIST_HEAD(&vs->purge_list);
	vs->lazy_max_pages = (unsigned long)-1;
	va = va_new(start, end);
	if (!va)
		return -ENOMEM;
	t = free_tree(vs);
	insert_list(&vs->free_list, rb_insert_va(&t, va), va);
	vs->nr_free = 1;
	return 0;
}

void vmap_space_destroy(struct vmap_space *vs)
{
	struct vmap_area *va, *n;

	list_for_each_entry_safe(va, n, &vs->free_list, list)
		free(va);
	list_for_each_entry_safe(va, n, &vs->busy_list, list)
		free(va);
	list_for_each_entry_safe(va, n, &vs->purge_list, purge)
		free(va);
	vs->free_root = vs->busy_root = NULL;
	INIT_LIST_HEAD(&vs->free_list);
	INIT_LIST_HEAD(&vs->busy_list);
	INIT_LIST_HEAD(&vs->purge_list);
	vs->nr_free = vs->nr_busy = vs->lazy_pages = 0;
}

/* Start of an aligned block of @size inside @va and [vstart, vend), or 0 */
static bool va_fits(const struct vmap_area *va, uint64_t size, uint64_t align,
		    uint64_t vstart, uint64_t vend, uint64_t *nva_start)
{
	uint64_t s = va->va_start > vstart ? va->va_start : vstart;
	uint64_t e = va->va_end < vend ? va->va_end : vend;

	s = ALIGN(s, align);
	if (s < va->va_start || s >= e || e - s < size)
		return false;
	*nva_start = s;
	return true;
}

/*
 * Lowest-address free area that holds an aligned block: in-order descent
 * that skips subtrees whose largest area is smaller than @size.
 */
static struct vmap_area *find_lowest_match(struct vmap_rb_node *n,
					   uint64_t size, uint64_t align,
					   uint64_t vstart, uint64_t vend,
					   uint64_t *nva_start)
{
	struct vmap_area *va;

	if (!n || smax(n) < size)
		return NULL;
	va = rb_va(n);
	if (va->va_start >= vend)
		return find_lowest_match(n->left, size, align, vstart, vend,
					 nva_start);
	if (va->va_end > vstart) {
		struct vmap_area *l = find_lowest_match(n->left, size, align,
							vstart, vend,
							nva_start);
		if (l)
			return l;
		if (va_fits(va, size, align, vstart, vend, nva_start))
			return va;
	}
	return find_lowest_match(n->right, size, align, vstart, vend,
				 nva_start);
}

static void free_erase(struct vmap_space *vs, struct vmap_area *va)
{
	struct rb_root_aug t = free_tree(vs);

	rb_erase_va(&t, va);
	list_del(&va->list);
	vs->nr_free--;
}

/* Carve [nva_start, nva_start + size) out of free area @va (four cases). */
static int adjust_va_to_fit(struct vmap_space *vs, struct vmap_area *va,
			    uint64_t nva_start, uint64_t size)
{
	uint64_t nva_end = nva_start + size;
	struct rb_root_aug t = free_tree(vs);

	if (va->va_start == nva_start && va->va_end == nva_end) {
		/* FL: the whole area */
		free_erase(vs, va);
		free(va);
	} else if (va->va_start == nva_start) {
		/* LE: keep the right part; order unchanged */
		va->va_start = nva_end;
		augment_propagate(&t, &va->rb);
	} else if (va->va_end == nva_end) {
		/* RE: keep the left part */
		va->va_end = nva_start;
		augment_propagate(&t, &va->rb);
	} else {
		/* NE: split; the left part becomes a new area */
		struct vmap_area *lva = va_new(va->va_start, nva_start);

		if (!lva)
			return -ENOMEM;
		va->va_start = nva_end;
		augment_propagate(&t, &va->rb);
		insert_list(&vs->free_list, rb_insert_va(&t, lva), lva);
		vs->nr_free++;
	}
	return 0;
}

static void busy_insert(struct vmap_space *vs, struct vmap_area *va)
{
	struct rb_root_aug t = busy_tree(vs);

	insert_list(&vs->busy_list, rb_insert_va(&t, va), va);
	vs->nr_busy++;
}

static void busy_erase(struct vmap_space *vs, struct vmap_area *va)
{
	struct rb_root_aug t = busy_tree(vs);

	rb_erase_va(&t, va);
	list_del(&va->list);
	vs->nr_busy--;
}

struct vmap_area *vmap_alloc_area(struct vmap_space *vs, uint64_t size,
				  uint64_t align, uint64_t vstart,
				  uint64_t vend)
{
	struct vmap_area *va, *nva;
	uint64_t nva_start;
	bool purged = false;

	if (!size || !IS_ALIGNED(size, PAGE_SIZE) || align < PAGE_SIZE ||
	    !is_power_of_2(align) || vend <= vstart)
		return NULL;
retry:
	va = find_lowest_match(vs->free_root, size, align, vstart, vend,
			       &nva_start);
	if (!va) {
		if (!purged && !list_empty(&vs->purge_list)) {
			vmap_purge_lazy(vs);
			purged = true;
			goto retry;
		}
		return NULL;
	}
	nva = va_new(nva_start, nva_start + size);
	if (!nva)
		return NULL;
	if (adjust_va_to_fit(vs, va, nva_start, size)) {
		free(nva);
		return NULL;
	}
	busy_insert(vs, nva);
	return nva;
}

struct vmap_area *vmap_find_area(struct vmap_space *vs, uint64_t addr)
{
	struct vmap_rb_node *n = vs->busy_root;

	while (n) {
		struct vmap_area *va = rb_va(n);

		if (addr < va->va_start)
			n = n->left;
		else if (addr >= va->va_end)
			n = n->right;
		else
			return va;
	}
	return NULL;
}

static struct vmap_area *list_next_va(struct vmap_space *vs,
				      struct vmap_area *va)
{
	return va->list.next == &vs->free_list ? NULL :
	       list_entry(va->list.next, struct vmap_area, list);
}

static struct vmap_area *list_prev_va(struct vmap_space *vs,
				      struct vmap_area *va)
{
	return va->list.prev == &vs->free_list ? NULL :
	       list_entry(va->list.prev, struct vmap_area, list);
}

/* Put @va into the free tree, merging with the next and previous areas. */
static void merge_or_add(struct vmap_space *vs, struct vmap_area *va)
{
	struct rb_root_aug t = free_tree(vs);
	struct vmap_area *next, *prev;

	insert_list(&vs->free_list, rb_insert_va(&t, va), va);
	vs->nr_free++;
	next = list_next_va(vs, va);
	if (next && next->va_start == va->va_end) {
		/* |<- va ->|<- next ->|  =>  |<----- va ----->| */
		uint64_t end = next->va_end;

		free_erase(vs, next);
		free(next);
		va->va_end = end;
		augment_propagate(&t, &va->rb);
	}
	prev = list_prev_va(vs, va);
	if (prev && prev->va_end == va->va_start) {
		/* |<- prev ->|<- va ->|  =>  |<---- prev ---->| */
		uint64_t end = va->va_end;

		free_erase(vs, va);
		free(va);
		prev->va_end = end;
		augment_propagate(&t, &prev->rb);
	}
}

void vmap_free_area(struct vmap_space *vs, struct vmap_area *va)
{
	busy_erase(vs, va);
	va->vm = NULL;
	merge_or_add(vs, va);
}

void vmap_free_area_lazy(struct vmap_space *vs, struct vmap_area *va)
{
	busy_erase(vs, va);
	va->vm = NULL;
	list_add_tail(&va->purge, &vs->purge_list);
	vs->lazy_pages += va_size(va) >> PAGE_SHIFT;
	if (vs->lazy_pages > vs->lazy_max_pages)
		vmap_purge_lazy(vs);
}

unsigned long vmap_purge_lazy(struct vmap_space *vs)
{
	struct vmap_area *va, *n;
	uint64_t start = UINT64_MAX, end = 0;
	unsigned long nr = 0;

	if (list_empty(&vs->purge_list))
		return 0;
	list_for_each_entry(va, &vs->purge_list, purge) {
		if (va->va_start < start)
			start = va->va_start;
		if (va->va_end > end)
			end = va->va_end;
	}
	/* flush before the range can be handed out again */
	if (vs->purge_flush)
		vs->purge_flush(start, end, vs->purge_arg);
	list_for_each_entry_safe(va, n, &vs->purge_list, purge) {
		list_del_init(&va->purge);
		merge_or_add(vs, va);
		nr++;
	}
	vs->lazy_pages = 0;
	vs->nr_purges++;
	return nr;
}

uint64_t vmap_largest_free(const struct vmap_space *vs)
{
	return smax(vs->free_root);
}

/* Black height of @n's subtree, or -1 on a red-black or augment violation */
static int check_node(const struct vmap_rb_node *n,
		      const struct vmap_rb_node *parent, bool aug, FILE *fp)
{
	int lh, rh;

	if (!n)
		return 1;
	if (rb_parent(n) != parent) {
		fprintf(fp, "vmap: bad parent pointer at %#llx\n",
			(unsigned long long)rb_va(n)->va_start);
		return -1;
	}
	if (rb_color(n) == RB_RED &&
	    (rb_color(n->left) == RB_RED || rb_color(n->right) == RB_RED)) {
		fprintf(fp, "vmap: red node %#llx has a red child\n",
			(unsigned long long)rb_va(n)->va_start);
		return -1;
	}
	if (aug && rb_va(n)->subtree_max_size != compute_smax(n)) {
		fprintf(fp, "vmap: subtree_max_size of %#llx is %llu, not "
			"%llu\n", (unsigned long long)rb_va(n)->va_start,
			(unsigned long long)rb_va(n)->subtree_max_size,
			(unsigned long long)compute_smax(n));
		return -1;
	}
	lh = check_node(n->left, n, aug, fp);
	rh = check_node(n->right, n, aug, fp);
	if (lh < 0 || rh < 0)
		return -1;
	if (lh != rh) {
		fprintf(fp, "vmap: black heights differ below %#llx\n",
			(unsigned long long)rb_va(n)->va_start);
		return -1;
	}
	return lh + (rb_color(n) == RB_BLACK);
}

static unsigned long count_tree(const struct vmap_rb_node *n)
{
	return n ? 1 + count_tree(n->left) + count_tree(n->right) : 0;
}

struct span {
	uint64_t start, end;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int vmap_space_check(struct vmap_space *vs, FILE *fp)
{
	struct vmap_area *va, *prev = NULL;
	struct span *all;
	unsigned long n = 0, nlazy = 0, lazy_pages = 0;
	uint64_t total = 0;
	int ret = -1;

	if (rb_color(vs->free_root) != RB_BLACK ||
	    rb_color(vs->busy_root) != RB_BLACK) {
		fprintf(fp, "vmap: a root is red\n");
		return -1;
	}
	if (check_node(vs->free_root, NULL, true, fp) < 0 ||
	    check_node(vs->busy_root, NULL, false, fp) < 0)
		return -1;
	if (count_tree(vs->free_root) != vs->nr_free ||
	    count_tree(vs->busy_root) != vs->nr_busy) {
		fprintf(fp, "vmap: tree sizes differ from the counts\n");
		return -1;
	}
	list_for_each_entry(va, &vs->free_list, list) {
		if (prev && prev->va_end >= va->va_start) {
			fprintf(fp, "vmap: free areas %#llx and %#llx overlap "
				"or touch\n",
				(unsigned long long)prev->va_start,
				(unsigned long long)va->va_start);
			return -1;
		}
		prev = va;
	}
	list_for_each_entry(va, &vs->purge_list, purge) {
		nlazy++;
		lazy_pages += va_size(va) >> PAGE_SHIFT;
	}
	if (lazy_pages != vs->lazy_pages) {
		fprintf(fp, "vmap: lazy_pages %lu, lists hold %lu\n",
			vs->lazy_pages, lazy_pages);
		return -1;
	}
	all = malloc((vs->nr_free + vs->nr_busy + nlazy + 1) * sizeof(*all));
	if (!all)
		return -1;
	list_for_each_entry(va, &vs->free_list, list)
		all[n++] = (struct span){ va->va_start, va->va_end };
	list_for_each_entry(va, &vs->busy_list, list)
		all[n++] = (struct span){ va->va_start, va->va_end };
	list_for_each_entry(va, &vs->purge_list, purge)
		all[n++] = (struct span){ va->va_start, va->va_end };
	qsort(all, n, sizeof(*all), cmp_span);
	for (unsigned long i = 0; i < n; i++) {
		if (all[i].start >= all[i].end || all[i].start < vs->start ||
		    all[i].end > vs->end ||
		    (i && all[i - 1].end > all[i].start)) {
			fprintf(fp, "vmap: area [%#llx, %#llx) overlaps or is "
				"outside the space\n",
				(unsigned long long)all[i].start,
				(unsigned long long)all[i].end);
			goto out;
		}
		total += all[i].end - all[i].start;
	}
	if (total != vs->end - vs->start) {
		fprintf(fp, "vmap: areas cover %llu of %llu bytes\n",
			(unsigned long long)total,
			(unsigned long long)(vs->end - vs->start));
		goto out;
	}
	ret = 0;
out:
	free(all);
	return ret;
}
