// SPDX-License-Identifier: GPL-2.0
/*
 * alloc/mm/vma_tree.c - the VMAs of an mm in an augmented AVL tree.
 *
 * Key: vm_start (VMAs never overlap, so the in-order walk is address
 * order).  Each node also keeps, for its subtree:
 *
 *	vt_first = vma_start_gap(leftmost VMA)
 *	vt_last  = vm_end of the rightmost VMA
 *	vt_gap   = the largest hole between two consecutive VMAs of the
 *		   subtree (holes end at vma_start_gap(), so the stack guard
 *		   gap below a VM_GROWSDOWN VMA is never handed out)
 *
 * These depend only on the subtree's own VMAs, so an insert, erase or
 * in-place resize recomputes them on the one root-to-node path it walks:
 * O(log n).  A gap search descends only into subtrees whose largest hole
 * (inner, or at either edge of its address window) is big enough.
 *
 *		[lo ........ window of subtree n ........ hi)
 *		  hole  [first  ...  inner holes ... last]  hole
 *
 * Invariants (vt_check): in-order walk strictly increasing and
 * non-overlapping; |height(left) - height(right)| <= 1; every node's
 * augmented fields equal a recomputation; the list mm->vma_list is the
 * in-order walk.
 */
#include <stdio.h>

#include "internal.h"

static inline int vt_height(const struct vm_area_struct *n)
{
	return n ? n->vt_height : 0;
}

static inline unsigned long vt_max(unsigned long a, unsigned long b)
{
	return a > b ? a : b;
}

static inline unsigned long hole(unsigned long lo, unsigned long hi)
{
	return hi > lo ? hi - lo : 0;
}

/* Recompute @n's height and augmented fields from its children. */
static void vt_recalc(struct vm_area_struct *n)
{
	struct vm_area_struct *l = n->vt_left, *r = n->vt_right;
	unsigned long gap = 0;
	int hl = vt_height(l), hr = vt_height(r);

	n->vt_height = (hl > hr ? hl : hr) + 1;
	n->vt_first = l ? l->vt_first : vma_start_gap(n);
	n->vt_last = r ? r->vt_last : n->vm_end;
	if (l)
		gap = vt_max(l->vt_gap, hole(l->vt_last, vma_start_gap(n)));
	if (r)
		gap = vt_max(gap, vt_max(r->vt_gap,
					 hole(n->vm_end, r->vt_first)));
	n->vt_gap = gap;
}

static struct vm_area_struct *rotate_right(struct vm_area_struct *n)
{
	struct vm_area_struct *l = n->vt_left;

	n->vt_left = l->vt_right;
	l->vt_right = n;
	vt_recalc(n);
	vt_recalc(l);
	return l;
}

static struct vm_area_struct *rotate_left(struct vm_area_struct *n)
{
	struct vm_area_struct *r = n->vt_right;

	n->vt_right = r->vt_left;
	r->vt_left = n;
	vt_recalc(n);
	vt_recalc(r);
	return r;
}

/* Recompute @n and restore the AVL balance at it; returns the new root. */
static struct vm_area_struct *vt_balance(struct vm_area_struct *n)
{
	int bf;

	vt_recalc(n);
	bf = vt_height(n->vt_left) - vt_height(n->vt_right);
	if (bf > 1) {
		if (vt_height(n->vt_left->vt_left) <
		    vt_height(n->vt_left->vt_right))
			n->vt_left = rotate_left(n->vt_left);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (vt_height(n->vt_right->vt_right) <
		    vt_height(n->vt_right->vt_left))
			n->vt_right = rotate_right(n->vt_right);
		return rotate_left(n);
	}
	return n;
}

static struct vm_area_struct *__vt_insert(struct vm_area_struct *n,
					  struct vm_area_struct *vma)
{
	if (!n) {
		vma->vt_left = vma->vt_right = NULL;
		vt_recalc(vma);
		return vma;
	}
	if (vma->vm_start < n->vm_start)
		n->vt_left = __vt_insert(n->vt_left, vma);
	else
		n->vt_right = __vt_insert(n->vt_right, vma);
	return vt_balance(n);
}

void vt_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	mm->vma_root = __vt_insert(mm->vma_root, vma);
}

static struct vm_area_struct *__vt_build(struct vm_area_struct **v, long lo,
					 long hi)
{
	struct vm_area_struct *n;
	long mid;

	if (lo > hi)
		return NULL;
	mid = lo + (hi - lo) / 2;
	n = v[mid];
	n->vt_left = __vt_build(v, lo, mid - 1);
	n->vt_right = __vt_build(v, mid + 1, hi);
	vt_recalc(n);
	return n;
}

void vt_build(struct mm_struct *mm, struct vm_area_struct **v, long nr)
{
	mm->vma_root = __vt_build(v, 0, nr - 1);
}

/* Detach the leftmost node of @n into *@min; returns the new subtree. */
static struct vm_area_struct *vt_take_min(struct vm_area_struct *n,
					  struct vm_area_struct **min)
{
	if (!n->vt_left) {
		*min = n;
		return n->vt_right;
	}
	n->vt_left = vt_take_min(n->vt_left, min);
	return vt_balance(n);
}

static struct vm_area_struct *__vt_erase(struct vm_area_struct *n,
					 struct vm_area_struct *vma)
{
	struct vm_area_struct *min;

	if (!n)
		return NULL;	/* not in the tree; vt_check reports it */
	if (n != vma) {
		if (vma->vm_start < n->vm_start)
			n->vt_left = __vt_erase(n->vt_left, vma);
		else
			n->vt_right = __vt_erase(n->vt_right, vma);
		return vt_balance(n);
	}
	if (!n->vt_right)
		return n->vt_left;
	n->vt_right = vt_take_min(n->vt_right, &min);
	min->vt_left = n->vt_left;
	min->vt_right = n->vt_right;
	return vt_balance(min);
}

void vt_erase(struct mm_struct *mm, struct vm_area_struct *vma)
{
	mm->vma_root = __vt_erase(mm->vma_root, vma);
	vma->vt_left = vma->vt_right = NULL;
}

static void __vt_update(struct vm_area_struct *n, struct vm_area_struct *vma)
{
	if (!n)
		return;
	if (n != vma)
		__vt_update(vma->vm_start < n->vm_start ? n->vt_left :
			    n->vt_right, vma);
	vt_recalc(n);
}

void vt_update(struct mm_struct *mm, struct vm_area_struct *vma)
{
	__vt_update(mm->vma_root, vma);
}

struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *n = mm->vma_root, *best = NULL;

	while (n) {
		if (n->vm_end > addr) {
			best = n;
			if (n->vm_start <= addr)
				break;
			n = n->vt_left;
		} else {
			n = n->vt_right;
		}
	}
	return best;
}

unsigned int find_vma_steps(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *n = mm->vma_root;
	unsigned int steps = 0;

	mm_lock_all();
	while (n) {
		steps++;
		if (n->vm_end > addr) {
			if (n->vm_start <= addr)
				break;
			n = n->vt_left;
		} else {
			n = n->vt_right;
		}
	}
	mm_unlock_all();
	return steps;
}

struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
}

struct vm_area_struct *find_vma_intersection(struct mm_struct *mm,
					     unsigned long start,
					     unsigned long end)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	return vma && vma->vm_start < end ? vma : NULL;
}

struct vm_area_struct *vma_next(struct mm_struct *mm,
				struct vm_area_struct *vma)
{
	if (vma->vm_list.next == &mm->vma_list)
		return NULL;
	return list_entry(vma->vm_list.next, struct vm_area_struct, vm_list);
}

struct vm_area_struct *vma_prev(struct mm_struct *mm,
				struct vm_area_struct *vma)
{
	if (vma->vm_list.prev == &mm->vma_list)
		return NULL;
	return list_entry(vma->vm_list.prev, struct vm_area_struct, vm_list);
}

/* Search parameters, fixed for one call */
struct gap_req {
	unsigned long len, low, high;
};

/* Does the hole [lo, hi) give room inside [low, high)?  Sets *@addr. */
static bool hole_fits(const struct gap_req *q, unsigned long lo,
		      unsigned long hi, bool topdown, unsigned long *addr)
{
	lo = vt_max(lo, q->low);
	hi = hi < q->high ? hi : q->high;
	if (hi < lo || hi - lo < q->len)
		return false;
	*addr = topdown ? hi - q->len : lo;
	return true;
}

/* Can subtree @n, in the address window [lo, hi), hold the request? */
static bool window_may_fit(const struct gap_req *q,
			   const struct vm_area_struct *n, unsigned long lo,
			   unsigned long hi)
{
	unsigned long best;

	if (hi < q->low || hi - q->low < q->len || lo >= q->high ||
	    q->high - lo < q->len)
		return false;
	best = vt_max(n->vt_gap, vt_max(hole(lo, n->vt_first),
					hole(n->vt_last, hi)));
	return best >= q->len;
}

static bool gap_search(const struct gap_req *q, struct vm_area_struct *n,
		       unsigned long lo, unsigned long hi, bool topdown,
		       unsigned long *addr)
{
	if (!n)
		return hole_fits(q, lo, hi, topdown, addr);
	if (!window_may_fit(q, n, lo, hi))
		return false;
	if (topdown)
		return gap_search(q, n->vt_right, n->vm_end, hi, true, addr) ||
		       gap_search(q, n->vt_left, lo, vma_start_gap(n), true,
				  addr);
	return gap_search(q, n->vt_left, lo, vma_start_gap(n), false, addr) ||
	       gap_search(q, n->vt_right, n->vm_end, hi, false, addr);
}

unsigned long vt_find_gap(struct mm_struct *mm, unsigned long len,
			  unsigned long low, unsigned long high,
			  bool topdown)
{
	struct gap_req q = { .len = len, .low = low, .high = high };
	unsigned long addr;

	if (!len || high < low || high - low < len)
		return (unsigned long)-ENOMEM;
	if (gap_search(&q, mm->vma_root, 0, high, topdown, &addr))
		return addr;
	return (unsigned long)-ENOMEM;
}

static int vt_check_node(struct vm_area_struct *n,
			 struct vm_area_struct **prev, unsigned long *count)
{
	struct vm_area_struct copy;
	int hl, hr, bad = 0;

	if (!n)
		return 0;
	bad |= vt_check_node(n->vt_left, prev, count);
	if (n->vm_start >= n->vm_end ||
	    ((n->vm_start | n->vm_end) & ~PAGE_MASK)) {
		fprintf(stderr, "vma %#lx-%#lx: empty or unaligned\n",
			n->vm_start, n->vm_end);
		bad = 1;
	}
	if (*prev && (*prev)->vm_end > n->vm_start) {
		fprintf(stderr, "vma %#lx-%#lx overlaps or precedes "
			"%#lx-%#lx\n", n->vm_start, n->vm_end, (*prev)->vm_start,
			(*prev)->vm_end);
		bad = 1;
	}
	if (*prev && (*prev)->vm_list.next != &n->vm_list) {
		fprintf(stderr, "vma %#lx-%#lx: list order differs from tree\n",
			n->vm_start, n->vm_end);
		bad = 1;
	}
	*prev = n;
	(*count)++;
	bad |= vt_check_node(n->vt_right, prev, count);
	hl = vt_height(n->vt_left);
	hr = vt_height(n->vt_right);
	copy = *n;
	vt_recalc(&copy);
	if (hl - hr > 1 || hr - hl > 1 || copy.vt_height != n->vt_height ||
	    copy.vt_first != n->vt_first || copy.vt_last != n->vt_last ||
	    copy.vt_gap != n->vt_gap) {
		fprintf(stderr, "vma %#lx-%#lx: stale tree node (h %d/%d "
			"first %#lx/%#lx last %#lx/%#lx gap %#lx/%#lx)\n",
			n->vm_start, n->vm_end, n->vt_height, copy.vt_height,
			n->vt_first, copy.vt_first, n->vt_last, copy.vt_last,
			n->vt_gap, copy.vt_gap);
		bad = 1;
	}
	return bad;
}

int vt_check(struct mm_struct *mm)
{
	struct vm_area_struct *prev = NULL;
	unsigned long count = 0, listed = 0;
	struct list_head *pos;
	int bad = vt_check_node(mm->vma_root, &prev, &count);

	list_for_each(pos, &mm->vma_list)
		listed++;
	if (count != listed || count != (unsigned long)mm->map_count) {
		fprintf(stderr, "mm %d: %lu VMAs in the tree, %lu listed, "
			"map_count %d\n", mm->pid, count, listed,
			mm->map_count);
		bad = 1;
	}
	if (prev && mm->vma_list.prev != &prev->vm_list) {
		fprintf(stderr, "mm %d: list tail differs from tree\n",
			mm->pid);
		bad = 1;
	}
	return bad ? -1 : 0;
}
