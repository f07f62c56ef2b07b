// SPDX-License-Identifier: GPL-2.0
/*
 * percpu.c - the per-CPU area allocator (see kmm/percpu.h).
 *
 * Lock order: pcpu_lock -> buddy locks (zone lock, pcp lists).  One mutex,
 * pcpu_lock, guards every chunk, map, hint, slot list and counter, and is
 * held while pages are populated and chunks made or destroyed (the kernel
 * splits this into pcpu_alloc_mutex and the pcpu_lock spinlock).
 *
 * Layout: a chunk has one unit per possible CPU, unit u at base_addr +
 * u * pcpu_unit_size; an area at offset off takes [off, off + size) of
 * every unit.  The allocation map has one bit per 4 bytes of a unit; the
 * boundary map marks where areas start (and where the last one ends).
 * Each page of a unit is a block with hints (pcpu_block_md); chunk_md
 * holds the same hints for the whole chunk.  Chunks sit on slot lists by
 * the size of their largest free run (contig_hint); a chunk with nothing
 * allocated is in pcpu_free_slot.
 *
 * Object states of a chunk page: UNPOPULATED (no frames, host range
 * PROT_NONE), POPULATED-EMPTY (frames mapped in every unit, no area
 * touches it: counted in nr_empty_pop_pages), POPULATED-USED.
 * Of a chunk: FIRST (the dynamic part of the first chunk, or the reserved
 * part: immutable, fully populated at init, never destroyed), DYNAMIC
 * (made on demand, populated page by page; a free that leaves it with a
 * quarter of its pages empty while other chunks keep enough empty pages
 * depopulates them), FREE (dynamic with no area: at most one is kept,
 * more are destroyed on the free that empties them).
 *
 * Invariants (pcpu_check; with KMM_DEBUG >= 3 also on the changed chunk
 * after every allocation and free): every chunk's free_bytes, chunk and
 * block hints (contig_hint exact, left/right_free exact, first_free and
 * scan_hint honest) agree with its allocation map; every area starts on
 * a boundary bit and lies inside one chunk's visible range, on populated
 * pages; populated pages have a frame in every unit; nr_empty_pop_pages
 * counts the populated pages with no allocated bit; a chunk is on the slot
 * list its contig_hint says; the global counters are the sums.
 *
 * Backing: the frames come from the buddy allocator (alloc_pages) and are
 * mapped into a host range per chunk from the physical-memory memfd
 * (kmm_phys_fd), as vmalloc maps its areas, so every CPU's copy is real
 * memory.  The host range is reserved PROT_NONE for all units at chunk
 * creation, like the kernel's vmalloc-space chunks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kmm/kmm.h"
#include "kmm/percpu.h"

#define PCPU_SLOT_BASE_SHIFT		5
#define PCPU_SLOT_FAIL_THRESHOLD	3
#define BITS_PER_LONG			64
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)

size_t pcpu_unit_size;
struct pcpu_chunk *pcpu_first_chunk;
struct pcpu_chunk *pcpu_reserved_chunk;

static pthread_mutex_t pcpu_lock = PTHREAD_MUTEX_INITIALIZER;
static bool pcpu_is_ready;
static int pcpu_nr_units;
static int pcpu_unit_pages;
static int pcpu_nr_slots;
static int pcpu_free_slot;
static struct list_head *pcpu_chunk_lists;
static LIST_HEAD(pcpu_all_chunks);
static struct pcpu_config pcpu_cfg;
/* the first chunk's frames and host range (shared by its two parts) */
static struct page **pcpu_first_pages;
static int pcpu_first_nr_pages;
static char *pcpu_first_reserve;
static size_t pcpu_first_len;
static char *pcpu_base_addr;

static int pcpu_nr_empty_pop_pages;
static unsigned long pcpu_nr_populated;
static bool pcpu_atomic_alloc_failed;
static bool pcpu_balance_pending;
static int pcpu_warn_limit;

/* the percpu_stats counters (kept under pcpu_lock) */
static struct {
	uint64_t nr_alloc, nr_dealloc, nr_cur_alloc, nr_max_alloc;
	uint32_t nr_chunks, nr_max_chunks;
	size_t min_alloc_size, max_alloc_size;
} pstats;

static uint64_t pcpu_stat_v[NR_PCPU_STAT_ITEMS];
static unsigned long pcpu_misuse_v[NR_PCPU_MISUSE];

#define pcpu_stat(item) do {						\
		if (KMM_STATS)						\
			__atomic_fetch_add(&pcpu_stat_v[item], 1,	\
					   __ATOMIC_RELAXED);		\
	} while (0)

/* ------------------------------------------------------------------ */
/* Bitmaps                                                              */

static inline bool test_bit(const unsigned long *map, int nr)
{
	return (map[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}

static inline void set_bit(unsigned long *map, int nr)
{
	map[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

/* Bits [start, start + n) of the word holding @start, as a mask; the
 * range is cut at the word's end (*len gets how many bits it covers) */
static inline unsigned long word_mask(int start, int n, int *len)
{
	int sh = start % BITS_PER_LONG;

	*len = min_t(int, n, BITS_PER_LONG - sh);
	return (*len == BITS_PER_LONG ? ~0UL : ((1UL << *len) - 1)) << sh;
}

static void bitmap_set(unsigned long *map, int start, int n)
{
	int len;

	for (; n > 0; start += len, n -= len)
		map[start / BITS_PER_LONG] |= word_mask(start, n, &len);
}

static void bitmap_clear(unsigned long *map, int start, int n)
{
	int len;

	for (; n > 0; start += len, n -= len)
		map[start / BITS_PER_LONG] &= ~word_mask(start, n, &len);
}

/* First bit in [start, size) equal to @val, or size */
static int find_next_val(const unsigned long *map, int size, int start,
			 bool val)
{
	while (start < size) {
		unsigned long w = map[start / BITS_PER_LONG];
		int sh = start % BITS_PER_LONG;

		if (!val)
			w = ~w;
		w >>= sh;
		if (w) {
			start += __builtin_ctzl(w);
			return start < size ? start : size;
		}
		start += BITS_PER_LONG - sh;
	}
	return size;
}

static inline int find_next_bit(const unsigned long *map, int size, int s)
{
	return find_next_val(map, size, s, true);
}

static inline int find_next_zero_bit(const unsigned long *map, int size,
				     int s)
{
	return find_next_val(map, size, s, false);
}

/* Last set bit in [0, size), or size when none */
static int find_last_bit(const unsigned long *map, int size)
{
	for (int w = (size - 1) / BITS_PER_LONG; size > 0 && w >= 0; w--) {
		unsigned long x = map[w];
		/* bits of word w in range */
		int top = size - w * BITS_PER_LONG;

		if (top < BITS_PER_LONG)
			x &= (1UL << top) - 1;
		if (x)
			return w * BITS_PER_LONG + 63 - __builtin_clzl(x);
	}
	return size;
}

static inline int lowest_bit(int x)
{
	return __builtin_ctz((unsigned int)x);
}

/* ------------------------------------------------------------------ */
/* Geometry and slots                                                   */

static inline int pcpu_chunk_map_bits(const struct pcpu_chunk *chunk)
{
	return chunk->nr_pages * PCPU_BITMAP_BLOCK_BITS;
}

static inline int pcpu_chunk_nr_blocks(const struct pcpu_chunk *chunk)
{
	return chunk->nr_pages;
}

static inline char *pcpu_unit_addr(const struct pcpu_chunk *chunk, int unit,
				   int page)
{
	return chunk->base_addr + (size_t)unit * pcpu_unit_size +
	       ((size_t)page << PAGE_SHIFT);
}

static int __pcpu_size_to_slot(int size)
{
	int highbit = fls((unsigned int)size);

	return max_t(int, highbit - PCPU_SLOT_BASE_SHIFT + 2, 1);
}

static int pcpu_size_to_slot(int size)
{
	if ((size_t)size == pcpu_unit_size)
		return pcpu_free_slot;
	return __pcpu_size_to_slot(size);
}

static int pcpu_chunk_slot(const struct pcpu_chunk *chunk)
{
	const struct pcpu_block_md *md = &chunk->chunk_md;

	if (chunk->free_bytes < PCPU_MIN_ALLOC_SIZE || !md->contig_hint)
		return 0;
	return pcpu_size_to_slot(md->contig_hint * PCPU_MIN_ALLOC_SIZE);
}

static void pcpu_chunk_move(struct pcpu_chunk *chunk, int slot)
{
	list_del(&chunk->list);
	list_add(&chunk->list, &pcpu_chunk_lists[slot]);
}

/* Put @chunk on the list its hint says (it was on @oslot, -1: none) */
static void pcpu_chunk_relocate(struct pcpu_chunk *chunk, int oslot)
{
	int nslot = pcpu_chunk_slot(chunk);

	if (chunk == pcpu_reserved_chunk)
		return;
	if (oslot < 0) {
		list_add(&chunk->list, &pcpu_chunk_lists[nslot]);
	} else if (oslot != nslot) {
		list_del(&chunk->list);
		/* fuller chunks first: a chunk that grew goes to the head */
		if (oslot < nslot)
			list_add(&chunk->list, &pcpu_chunk_lists[nslot]);
		else
			list_add_tail(&chunk->list, &pcpu_chunk_lists[nslot]);
	}
}

static void pcpu_update_empty_pages(struct pcpu_chunk *chunk, int nr)
{
	chunk->nr_empty_pop_pages += nr;
	if (chunk != pcpu_reserved_chunk)
		pcpu_nr_empty_pop_pages += nr;
}

static inline bool pcpu_region_overlap(int a, int b, int x, int y)
{
	return a < y && x < b;
}

/* ------------------------------------------------------------------ */
/* Hints                                                                */

/* Fold the free run [start, end) into @block's hints */
static void pcpu_block_update(struct pcpu_block_md *block, int start,
			      int end)
{
	int contig = end - start;

	block->first_free = min_t(int, block->first_free, start);
	if (start == 0)
		block->left_free = contig;
	if (end == block->nr_bits)
		block->right_free = contig;

	if (contig > block->contig_hint) {
		/* the old contig_hint becomes the scan hint when before */
		if (start > block->contig_hint_start) {
			if (block->contig_hint > block->scan_hint) {
				block->scan_hint_start =
					block->contig_hint_start;
				block->scan_hint = block->contig_hint;
			} else if (start < block->scan_hint_start) {
				block->scan_hint = 0;
			}
		} else {
			block->scan_hint = 0;
		}
		block->contig_hint_start = start;
		block->contig_hint = contig;
	} else if (contig == block->contig_hint) {
		if (block->contig_hint_start &&
		    (!start || lowest_bit(start) >
			       lowest_bit(block->contig_hint_start))) {
			/* an equal run, better aligned: take it */
			block->contig_hint_start = start;
			if (start < block->scan_hint_start &&
			    block->contig_hint > block->scan_hint)
				block->scan_hint = 0;
		} else if (start > block->scan_hint_start ||
			   block->contig_hint > block->scan_hint) {
			/* farther or larger than the scan hint */
			block->scan_hint_start = start;
			block->scan_hint = contig;
		}
	} else if (start < block->contig_hint_start &&
		   (contig > block->scan_hint ||
		    (contig == block->scan_hint &&
		     start > block->scan_hint_start))) {
		block->scan_hint_start = start;
		block->scan_hint = contig;
	}
}

static inline unsigned long *block_map(const struct pcpu_chunk *chunk,
				       int index)
{
	return chunk->alloc_map +
	       index * (PCPU_BITMAP_BLOCK_BITS / BITS_PER_LONG);
}

/*
 * Rescan block @index from its first free bit (the kernel resumes from its
 * scan hint; a whole rescan of the page's 1024 bits keeps every hint
 * exact)
 */
static void pcpu_block_refresh_hint(struct pcpu_chunk *chunk, int index)
{
	struct pcpu_block_md *block = chunk->md_blocks + index;
	unsigned long *map = block_map(chunk, index);
	int start = block->first_free, end;

	block->contig_hint = 0;
	block->contig_hint_start = 0;
	block->scan_hint = 0;
	block->left_free = 0;
	block->right_free = 0;
	block->first_free = PCPU_BITMAP_BLOCK_BITS;
	for (;;) {
		start = find_next_zero_bit(map, PCPU_BITMAP_BLOCK_BITS, start);
		if (start >= PCPU_BITMAP_BLOCK_BITS)
			break;
		end = find_next_bit(map, PCPU_BITMAP_BLOCK_BITS, start);
		pcpu_block_update(block, start, end);
		start = end;
	}
}

/*
 * Next free run of the chunk at or after *bit_off as the block hints see
 * it: runs that cross block boundaries (right_free + left_free ...) and
 * each block's contig_hint inside it.  *bits = 0 past the end.
 */
static void pcpu_next_md_free_region(struct pcpu_chunk *chunk, int *bit_off,
				     int *bits)
{
	int i = *bit_off / PCPU_BITMAP_BLOCK_BITS;
	int block_off = *bit_off % PCPU_BITMAP_BLOCK_BITS;
	int nr = pcpu_chunk_nr_blocks(chunk);
	struct pcpu_block_md *block;

	*bits = 0;
	for (block = chunk->md_blocks + i; i < nr; block++, i++) {
		if (*bits) {
			/* a run carried over from the previous block */
			*bits += block->left_free;
			if (block->left_free == PCPU_BITMAP_BLOCK_BITS)
				continue;
			return;
		}
		*bits = block->contig_hint;
		if (*bits && block->contig_hint_start >= block_off &&
		    *bits + block->contig_hint_start <
			    PCPU_BITMAP_BLOCK_BITS) {
			*bit_off = i * PCPU_BITMAP_BLOCK_BITS +
				   block->contig_hint_start;
			return;
		}
		block_off = 0;
		*bits = block->right_free;
		*bit_off = (i + 1) * PCPU_BITMAP_BLOCK_BITS -
			   block->right_free;
	}
	if (!*bits)
		*bit_off = pcpu_chunk_map_bits(chunk);
}

/*
 * Recompute the chunk's hints from its block hints, from the first free
 * bit (the kernel may start at the scan hint's end; a full walk keeps
 * contig_hint exact, and costs one pass over the blocks)
 */
static void pcpu_chunk_refresh_hint(struct pcpu_chunk *chunk)
{
	struct pcpu_block_md *md = &chunk->chunk_md;
	int bit_off = md->first_free, bits;

	md->contig_hint = 0;
	md->scan_hint = 0;
	for (pcpu_next_md_free_region(chunk, &bit_off, &bits);
	     bit_off < pcpu_chunk_map_bits(chunk);
	     bit_off += bits + 1,
	     pcpu_next_md_free_region(chunk, &bit_off, &bits))
		pcpu_block_update(md, bit_off, bit_off + bits);
}

/* Hints after [bit_off, bit_off + bits) was allocated */
static void pcpu_block_update_hint_alloc(struct pcpu_chunk *chunk,
					 int bit_off, int bits)
{
	struct pcpu_block_md *md = &chunk->chunk_md;
	struct pcpu_block_md *s_block, *e_block, *block;
	int s_index = bit_off / PCPU_BITMAP_BLOCK_BITS;
	int e_index = (bit_off + bits - 1) / PCPU_BITMAP_BLOCK_BITS;
	int s_off = bit_off % PCPU_BITMAP_BLOCK_BITS;
	int e_off = (bit_off + bits - 1) % PCPU_BITMAP_BLOCK_BITS + 1;
	int nr_empty_pages = 0;

	s_block = chunk->md_blocks + s_index;
	e_block = chunk->md_blocks + e_index;

	if (s_block->contig_hint == PCPU_BITMAP_BLOCK_BITS)
		nr_empty_pages++;
	if (s_off == s_block->first_free)
		s_block->first_free = find_next_zero_bit(
			block_map(chunk, s_index), PCPU_BITMAP_BLOCK_BITS,
			s_off + bits);
	if (pcpu_region_overlap(s_block->scan_hint_start,
				s_block->scan_hint_start + s_block->scan_hint,
				s_off, s_off + bits))
		s_block->scan_hint = 0;
	if (pcpu_region_overlap(s_block->contig_hint_start,
				s_block->contig_hint_start +
					s_block->contig_hint,
				s_off, s_off + bits)) {
		/* the largest run was taken: rescan the block */
		if (!s_off)
			s_block->left_free = 0;
		pcpu_block_refresh_hint(chunk, s_index);
	} else {
		s_block->left_free = min_t(int, s_block->left_free, s_off);
		if (s_index == e_index)
			s_block->right_free = min_t(int, s_block->right_free,
					PCPU_BITMAP_BLOCK_BITS - e_off);
		else
			s_block->right_free = 0;
	}

	if (s_index != e_index) {
		if (e_block->contig_hint == PCPU_BITMAP_BLOCK_BITS)
			nr_empty_pages++;
		e_block->first_free = find_next_zero_bit(
			block_map(chunk, e_index), PCPU_BITMAP_BLOCK_BITS,
			e_off);
		if (e_off == PCPU_BITMAP_BLOCK_BITS) {
			/* the area fills the end block */
			e_block++;
		} else {
			if (e_off > e_block->scan_hint_start)
				e_block->scan_hint = 0;
			e_block->left_free = 0;
			if (e_off > e_block->contig_hint_start)
				pcpu_block_refresh_hint(chunk, e_index);
			else
				e_block->right_free = min_t(int,
					e_block->right_free,
					PCPU_BITMAP_BLOCK_BITS - e_off);
		}
		/* blocks in between are full now */
		nr_empty_pages += e_index - s_index - 1;
		for (block = s_block + 1; block < e_block; block++) {
			block->scan_hint = 0;
			block->contig_hint = 0;
			block->left_free = 0;
			block->right_free = 0;
			block->first_free = PCPU_BITMAP_BLOCK_BITS;
		}
	}
	if (nr_empty_pages)
		pcpu_update_empty_pages(chunk, -nr_empty_pages);

	if (pcpu_region_overlap(md->scan_hint_start,
				md->scan_hint_start + md->scan_hint,
				bit_off, bit_off + bits))
		md->scan_hint = 0;
	if (pcpu_region_overlap(md->contig_hint_start,
				md->contig_hint_start + md->contig_hint,
				bit_off, bit_off + bits))
		pcpu_chunk_refresh_hint(chunk);
}

/* Hints after [bit_off, bit_off + bits) was freed */
static void pcpu_block_update_hint_free(struct pcpu_chunk *chunk,
					int bit_off, int bits)
{
	struct pcpu_block_md *s_block, *e_block, *block;
	int s_index = bit_off / PCPU_BITMAP_BLOCK_BITS;
	int e_index = (bit_off + bits - 1) / PCPU_BITMAP_BLOCK_BITS;
	int s_off = bit_off % PCPU_BITMAP_BLOCK_BITS;
	int e_off = (bit_off + bits - 1) % PCPU_BITMAP_BLOCK_BITS + 1;
	int nr_empty_pages = 0;
	int start, end, l_bit;

	s_block = chunk->md_blocks + s_index;
	e_block = chunk->md_blocks + e_index;

	/* the free run grows left to the previous allocated bit ... */
	start = s_off;
	if (s_off == s_block->contig_hint + s_block->contig_hint_start) {
		start = s_block->contig_hint_start;
	} else {
		l_bit = find_last_bit(block_map(chunk, s_index), start);
		start = l_bit == start ? 0 : l_bit + 1;
	}
	/* ... and right to the next one */
	if (e_off == e_block->contig_hint_start)
		end = e_block->contig_hint_start + e_block->contig_hint;
	else
		end = find_next_bit(block_map(chunk, e_index),
				    PCPU_BITMAP_BLOCK_BITS, e_off);

	e_off = s_index == e_index ? end : PCPU_BITMAP_BLOCK_BITS;
	if (!start && e_off == PCPU_BITMAP_BLOCK_BITS)
		nr_empty_pages++;
	pcpu_block_update(s_block, start, e_off);

	if (s_index != e_index) {
		if (end == PCPU_BITMAP_BLOCK_BITS)
			nr_empty_pages++;
		pcpu_block_update(e_block, 0, end);
		nr_empty_pages += e_index - s_index - 1;
		for (block = s_block + 1; block < e_block; block++) {
			block->first_free = 0;
			block->scan_hint = 0;
			block->contig_hint_start = 0;
			block->contig_hint = PCPU_BITMAP_BLOCK_BITS;
			block->left_free = PCPU_BITMAP_BLOCK_BITS;
			block->right_free = PCPU_BITMAP_BLOCK_BITS;
		}
	}
	if (nr_empty_pages)
		pcpu_update_empty_pages(chunk, nr_empty_pages);

	/*
	 * A run that reaches into another block: rescan the chunk from the
	 * block hints (the kernel only does when the run spans blocks, and
	 * lets the chunk's contig_hint be short by up to a page otherwise).
	 */
	if (end - start >= PCPU_BITMAP_BLOCK_BITS || s_index != e_index ||
	    (!start && s_index && chunk->md_blocks[s_index - 1].right_free) ||
	    (end == PCPU_BITMAP_BLOCK_BITS &&
	     e_index + 1 < pcpu_chunk_nr_blocks(chunk) &&
	     chunk->md_blocks[e_index + 1].left_free))
		pcpu_chunk_refresh_hint(chunk);
	else
		pcpu_block_update(&chunk->chunk_md,
				  s_index * PCPU_BITMAP_BLOCK_BITS + start,
				  s_index * PCPU_BITMAP_BLOCK_BITS + end);
}

/* ------------------------------------------------------------------ */
/* Finding and taking space                                             */

/* Could an area of @bits at @align fit in @block's contig_hint? */
static bool pcpu_check_block_hint(const struct pcpu_block_md *block,
				  int bits, int align)
{
	int off = ALIGN(block->contig_hint_start, align) -
		  block->contig_hint_start;

	return off + bits <= block->contig_hint;
}

static int pcpu_next_hint(const struct pcpu_block_md *block, int bits)
{
	if (block->scan_hint &&
	    block->contig_hint_start > block->scan_hint_start &&
	    bits > block->scan_hint)
		return block->scan_hint_start + block->scan_hint;
	return block->first_free;
}

/* Is [bit_off, bit_off + bits) on populated pages?  Else *next_off is
 * the first bit after the unpopulated pages */
static bool pcpu_is_populated(struct pcpu_chunk *chunk, int bit_off,
			      int bits, int *next_off)
{
	int start = (bit_off * PCPU_MIN_ALLOC_SIZE) >> PAGE_SHIFT;
	int end = (int)(PAGE_ALIGN((unsigned long)(bit_off + bits) *
				   PCPU_MIN_ALLOC_SIZE) >> PAGE_SHIFT);

	start = find_next_zero_bit(chunk->populated, end, start);
	if (start >= end)
		return true;
	end = find_next_bit(chunk->populated, chunk->nr_pages, start + 1);
	*next_off = end * PCPU_BITMAP_BLOCK_BITS;
	return false;
}

/*
 * First fit of @bits at @align (in bits) in @chunk, only on populated
 * pages when @pop_only: the bit offset, or -1.
 */
static int pcpu_find_block_fit(struct pcpu_chunk *chunk, int bits, int align,
			       bool pop_only)
{
	const int nbits = pcpu_chunk_map_bits(chunk);
	int s, e, a, next;

	if (!pcpu_check_block_hint(&chunk->chunk_md, bits, align))
		return -1;
	s = pcpu_next_hint(&chunk->chunk_md, bits);
	while (s < nbits) {
		s = find_next_zero_bit(chunk->alloc_map, nbits, s);
		if (s >= nbits)
			break;
		a = ALIGN(s, align);
		if (a + bits > nbits)
			break;
		/* only as far as the area would reach */
		e = find_next_bit(chunk->alloc_map, a + bits, s);
		if (e < a + bits) {
			s = e;
			continue;
		}
		if (pop_only && !pcpu_is_populated(chunk, a, bits, &next)) {
			s = next;
			continue;
		}
		return a;
	}
	return -1;
}

/* Take @bits at @align at or after @start: the byte offset, or -1 */
static int pcpu_alloc_area(struct pcpu_chunk *chunk, int bits, int align,
			   int start)
{
	struct pcpu_block_md *md = &chunk->chunk_md;
	const int nbits = pcpu_chunk_map_bits(chunk);
	int oslot = pcpu_chunk_slot(chunk);
	int bit_off, e;

	for (bit_off = start;; bit_off = e) {
		bit_off = find_next_zero_bit(chunk->alloc_map, nbits,
					     bit_off);
		bit_off = ALIGN(bit_off, align);
		if (bit_off + bits > nbits)
			return -1;
		e = find_next_bit(chunk->alloc_map, bit_off + bits, bit_off);
		if (e >= bit_off + bits)
			break;
	}
	bitmap_set(chunk->alloc_map, bit_off, bits);
	set_bit(chunk->bound_map, bit_off);
	bitmap_clear(chunk->bound_map, bit_off + 1, bits - 1);
	set_bit(chunk->bound_map, bit_off + bits);
	chunk->free_bytes -= bits * PCPU_MIN_ALLOC_SIZE;
	if (bit_off == md->first_free)
		md->first_free = find_next_zero_bit(chunk->alloc_map, nbits,
						    bit_off + bits);
	pcpu_block_update_hint_alloc(chunk, bit_off, bits);
	pcpu_chunk_relocate(chunk, oslot);
	return bit_off * PCPU_MIN_ALLOC_SIZE;
}

/* Free the area at byte offset @off: its size in bytes */
static int pcpu_free_area(struct pcpu_chunk *chunk, int off)
{
	struct pcpu_block_md *md = &chunk->chunk_md;
	int oslot = pcpu_chunk_slot(chunk);
	int bit_off = off / PCPU_MIN_ALLOC_SIZE;
	int end, bits;

	end = find_next_bit(chunk->bound_map, pcpu_chunk_map_bits(chunk),
			    bit_off + 1);
	bits = end - bit_off;
	bitmap_clear(chunk->alloc_map, bit_off, bits);
	chunk->free_bytes += bits * PCPU_MIN_ALLOC_SIZE;
	md->first_free = min_t(int, md->first_free, bit_off);
	pcpu_block_update_hint_free(chunk, bit_off, bits);
	pcpu_chunk_relocate(chunk, oslot);
	return bits * PCPU_MIN_ALLOC_SIZE;
}

/* ------------------------------------------------------------------ */
/* Chunks: creation, population, destruction                           */

static void pcpu_init_md_block(struct pcpu_block_md *block, int nr_bits)
{
	memset(block, 0, sizeof(*block));
	block->contig_hint = nr_bits;
	block->left_free = nr_bits;
	block->right_free = nr_bits;
	block->nr_bits = nr_bits;
}

static struct pcpu_chunk *pcpu_alloc_chunk(int nr_pages)
{
	struct pcpu_chunk *chunk = calloc(1, sizeof(*chunk));
	int bits = nr_pages * PCPU_BITMAP_BLOCK_BITS;

	if (!chunk)
		return NULL;
	INIT_LIST_HEAD(&chunk->list);
	INIT_LIST_HEAD(&chunk->all);
	chunk->nr_pages = nr_pages;
	chunk->alloc_map = calloc(BITS_TO_LONGS(bits), sizeof(long));
	chunk->bound_map = calloc(BITS_TO_LONGS(bits + 1), sizeof(long));
	chunk->populated = calloc(BITS_TO_LONGS(nr_pages), sizeof(long));
	chunk->md_blocks = calloc((size_t)nr_pages, sizeof(*chunk->md_blocks));
	if (!chunk->alloc_map || !chunk->bound_map || !chunk->populated ||
	    !chunk->md_blocks) {
		free(chunk->alloc_map);
		free(chunk->bound_map);
		free(chunk->populated);
		free(chunk->md_blocks);
		free(chunk);
		return NULL;
	}
	pcpu_init_md_block(&chunk->chunk_md, bits);
	for (int i = 0; i < nr_pages; i++)
		pcpu_init_md_block(&chunk->md_blocks[i],
				   PCPU_BITMAP_BLOCK_BITS);
	chunk->free_bytes = nr_pages * PAGE_SIZE;
	return chunk;
}

static void pcpu_free_chunk(struct pcpu_chunk *chunk)
{
	free(chunk->alloc_map);
	free(chunk->bound_map);
	free(chunk->populated);
	free(chunk->md_blocks);
	free(chunk->pages);
	free(chunk);
}

static char *host_reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Map frame @page at host address @addr (its bytes are the frame's) */
static int map_frame(char *addr, struct page *page)
{
	void *p = mmap(addr, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, kmm_phys_fd,
		       (off_t)page_to_pfn(page) << PAGE_SHIFT);

	return p == MAP_FAILED ? -ENOMEM : 0;
}

static void unmap_range(char *addr, size_t len)
{
	mmap(addr, len, PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

/* Frames for pages [rs, re) of every unit; 0 or -ENOMEM (nothing kept) */
static int pcpu_populate_chunk(struct pcpu_chunk *chunk, int rs, int re,
			       gfp_t gfp)
{
	for (int u = 0; u < pcpu_nr_units; u++) {
		for (int p = rs; p < re; p++) {
			struct page *page = alloc_pages(gfp, 0);

			if (page && !map_frame(pcpu_unit_addr(chunk, u, p),
					       page)) {
				chunk->pages[u * chunk->nr_pages + p] = page;
				continue;
			}
			if (page)
				__free_pages(page, 0);
			/* undo this unit's pages so far, then earlier units */
			for (int v = 0; v <= u; v++) {
				int last = v < u ? re : p;

				for (int q = rs; q < last; q++) {
					struct page **pp = &chunk->pages[
						v * chunk->nr_pages + q];

					__free_pages(*pp, 0);
					*pp = NULL;
				}
				unmap_range(pcpu_unit_addr(chunk, v, rs),
					    (size_t)(re - rs) << PAGE_SHIFT);
			}
			return -ENOMEM;
		}
	}
	return 0;
}

static void pcpu_chunk_populated(struct pcpu_chunk *chunk, int rs, int re)
{
	bitmap_set(chunk->populated, rs, re - rs);
	chunk->nr_populated += re - rs;
	pcpu_nr_populated += (unsigned long)(re - rs);
	pcpu_update_empty_pages(chunk, re - rs);
	for (int i = rs; i < re; i++)
		pcpu_stat(PCPU_PAGE_POPULATE);
}

static void pcpu_depopulate_chunk(struct pcpu_chunk *chunk, int rs, int re)
{
	for (int u = 0; u < pcpu_nr_units; u++) {
		unmap_range(pcpu_unit_addr(chunk, u, rs),
			    (size_t)(re - rs) << PAGE_SHIFT);
		for (int p = rs; p < re; p++) {
			struct page **pp = &chunk->pages[u * chunk->nr_pages +
							 p];

			__free_pages(*pp, 0);
			*pp = NULL;
		}
	}
	bitmap_clear(chunk->populated, rs, re - rs);
	chunk->nr_populated -= re - rs;
	pcpu_nr_populated -= (unsigned long)(re - rs);
	pcpu_update_empty_pages(chunk, -(re - rs));
	for (int i = rs; i < re; i++)
		pcpu_stat(PCPU_PAGE_DEPOPULATE);
}

static struct pcpu_chunk *pcpu_create_chunk(void)
{
	struct pcpu_chunk *chunk = pcpu_alloc_chunk(pcpu_unit_pages);

	if (!chunk)
		return NULL;
	chunk->host_len = (size_t)pcpu_nr_units * pcpu_unit_size;
	chunk->host_reserve = host_reserve(chunk->host_len);
	chunk->pages = calloc((size_t)pcpu_nr_units * pcpu_unit_pages,
			      sizeof(*chunk->pages));
	if (!chunk->host_reserve || !chunk->pages) {
		if (chunk->host_reserve)
			munmap(chunk->host_reserve, chunk->host_len);
		pcpu_free_chunk(chunk);
		return NULL;
	}
	chunk->base_addr = chunk->host_reserve;
	list_add_tail(&chunk->all, &pcpu_all_chunks);
	pstats.nr_chunks++;
	pstats.nr_max_chunks = max_t(uint32_t, pstats.nr_max_chunks,
				     pstats.nr_chunks);
	pcpu_stat(PCPU_CHUNK_CREATE);
	return chunk;
}

static void pcpu_destroy_chunk(struct pcpu_chunk *chunk)
{
	int rs = 0, re;

	while ((rs = find_next_bit(chunk->populated, chunk->nr_pages, rs)) <
	       chunk->nr_pages) {
		re = find_next_zero_bit(chunk->populated, chunk->nr_pages,
					rs);
		pcpu_depopulate_chunk(chunk, rs, re);
		rs = re;
	}
	list_del(&chunk->list);
	list_del(&chunk->all);
	munmap(chunk->host_reserve, chunk->host_len);
	pstats.nr_chunks--;
	pcpu_stat(PCPU_CHUNK_DESTROY);
	pcpu_free_chunk(chunk);
}

/* Destroy every free chunk but the first on the free slot */
static void pcpu_balance_free(void)
{
	struct list_head *head = &pcpu_chunk_lists[pcpu_free_slot];
	struct pcpu_chunk *chunk, *next;

	list_for_each_entry_safe(chunk, next, head, list) {
		if (chunk == list_first_entry(head, struct pcpu_chunk, list))
			continue;
		pcpu_destroy_chunk(chunk);
	}
}

/*
 * Should the free that left @chunk with nr_empty_pop_pages give some back?
 * When the other chunks hold more than PCPU_EMPTY_POP_PAGES_HIGH empty
 * populated pages and this one at least a quarter of its pages.
 */
static bool pcpu_should_reclaim_chunk(const struct pcpu_chunk *chunk)
{
	if (chunk->immutable || (size_t)chunk->free_bytes == pcpu_unit_size)
		return false;
	if (chunk->isolated && chunk->nr_empty_pop_pages)
		return true;
	return pcpu_nr_empty_pop_pages >
		       PCPU_EMPTY_POP_PAGES_HIGH + chunk->nr_empty_pop_pages &&
	       chunk->nr_empty_pop_pages >= chunk->nr_pages / 4;
}

/*
 * Depopulate @chunk's empty pages from its end while the machine keeps
 * PCPU_EMPTY_POP_PAGES_HIGH of them, and mark it isolated: its later frees
 * give their empty pages back too, until an allocation lands in it (the
 * kernel's balance work does this later, on a chunk taken off the slot
 * lists; here it happens in the free and the chunk stays on its list)
 */
static void pcpu_reclaim_populated(struct pcpu_chunk *chunk)
{
	chunk->isolated = true;
	for (int i = chunk->nr_pages - 1;
	     i >= 0 && chunk->nr_empty_pop_pages; i--) {
		if (pcpu_nr_empty_pop_pages < PCPU_EMPTY_POP_PAGES_HIGH) {
			/* the machine needs its empty pages: stop */
			chunk->isolated = false;
			break;
		}
		if (chunk->md_blocks[i].contig_hint == PCPU_BITMAP_BLOCK_BITS &&
		    test_bit(chunk->populated, i))
			pcpu_depopulate_chunk(chunk, i, i + 1);
	}
}

/* Keep PCPU_EMPTY_POP_PAGES_HIGH empty populated pages for atomic
 * allocations (the kernel's balance work, run here in the next
 * allocation that may sleep) */
static void pcpu_balance_populated(void)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	struct pcpu_chunk *chunk;
	int nr_to_pop;

	pcpu_stat(PCPU_BALANCE);
	if (pcpu_atomic_alloc_failed) {
		nr_to_pop = PCPU_EMPTY_POP_PAGES_HIGH;
		pcpu_atomic_alloc_failed = false;
	} else {
		nr_to_pop = PCPU_EMPTY_POP_PAGES_HIGH -
			    pcpu_nr_empty_pop_pages;
	}
	for (int slot = pcpu_size_to_slot(PAGE_SIZE);
	     slot <= pcpu_free_slot && nr_to_pop > 0; slot++) {
		list_for_each_entry(chunk, &pcpu_chunk_lists[slot], list) {
			int rs = 0, re, nr;

			while (nr_to_pop > 0 &&
			       (rs = find_next_zero_bit(chunk->populated,
							chunk->nr_pages, rs)) <
				       chunk->nr_pages) {
				re = find_next_bit(chunk->populated,
						   chunk->nr_pages, rs);
				nr = min_t(int, re - rs, nr_to_pop);
				if (pcpu_populate_chunk(chunk, rs, rs + nr,
							gfp))
					return;
				pcpu_chunk_populated(chunk, rs, rs + nr);
				nr_to_pop -= nr;
				rs += nr;
			}
			if (nr_to_pop <= 0)
				return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Allocation and free                                                  */

static int pcpu_check_chunk(struct pcpu_chunk *chunk, FILE *fp,
			    unsigned long *nr_areas);

/* KMM_DEBUG >= 3: check the chunk an operation changed (pcpu_lock held) */
static inline void pcpu_debug_check(struct pcpu_chunk *chunk)
{
#if KMM_DEBUG >= 3
	unsigned long areas = 0;

	if (pcpu_check_chunk(chunk, stderr, &areas)) {
		fprintf(stderr, "kmm: BUG: percpu: chunk %p fails its "
			"invariants\n", (void *)chunk);
		abort();
	}
#else
	(void)chunk;
#endif
}

static void pcpu_warn(size_t size, size_t align, bool atomic,
		      const char *err)
{
	if (!pcpu_warn_limit)
		return;
	fprintf(stderr, "kmm: percpu: allocation failed, size=%zu align=%zu "
		"atomic=%d, %s\n", size, align, atomic, err);
	if (!--pcpu_warn_limit)
		fprintf(stderr, "kmm: percpu: limit reached, disable "
			"warning\n");
}

static void pcpu_account_alloc(struct pcpu_chunk *chunk, size_t size)
{
	pstats.nr_alloc++;
	pstats.nr_cur_alloc++;
	if (pstats.nr_cur_alloc > pstats.nr_max_alloc)
		pstats.nr_max_alloc = pstats.nr_cur_alloc;
	if (!pstats.min_alloc_size || size < pstats.min_alloc_size)
		pstats.min_alloc_size = size;
	if (size > pstats.max_alloc_size)
		pstats.max_alloc_size = size;
	chunk->nr_alloc++;
	chunk->max_alloc_size = max_t(int, chunk->max_alloc_size, (int)size);
}

static void __percpu *pcpu_alloc(size_t size, size_t align, bool reserved,
				 gfp_t gfp)
{
	const gfp_t pcpu_gfp = gfp & (GFP_KERNEL | __GFP_NORETRY |
				      __GFP_NOWARN);
	const bool is_atomic = (gfp & GFP_KERNEL) != GFP_KERNEL;
	const bool do_warn = !(gfp & __GFP_NOWARN);
	struct pcpu_chunk *chunk, *next;
	const char *err;
	int slot, off = -1, bits, bit_align;

	if (align < PCPU_MIN_ALLOC_SIZE)
		align = PCPU_MIN_ALLOC_SIZE;
	size = ALIGN(size, (size_t)PCPU_MIN_ALLOC_SIZE);
	if (unlikely(!pcpu_is_ready || !size || size > PCPU_MIN_UNIT_SIZE ||
		     align > PAGE_SIZE || !is_power_of_2(align))) {
		if (do_warn)
			fprintf(stderr, "kmm: percpu: illegal size (%zu) or "
				"align (%zu) for percpu allocation\n",
				size, align);
		pcpu_stat(PCPU_ALLOC_FAIL);
		return NULL;
	}
	bits = (int)(size >> PCPU_MIN_ALLOC_SHIFT);
	bit_align = (int)(align >> PCPU_MIN_ALLOC_SHIFT);

	pthread_mutex_lock(&pcpu_lock);
	if (reserved && pcpu_reserved_chunk) {
		chunk = pcpu_reserved_chunk;
		off = pcpu_find_block_fit(chunk, bits, bit_align, is_atomic);
		if (off >= 0)
			off = pcpu_alloc_area(chunk, bits, bit_align, off);
		if (off >= 0)
			goto area_found;
		err = "alloc from reserved chunk failed";
		goto fail_unlock;
	}
restart:
	for (slot = pcpu_size_to_slot((int)size); slot <= pcpu_free_slot;
	     slot++) {
		list_for_each_entry_safe(chunk, next,
					 &pcpu_chunk_lists[slot], list) {
			off = pcpu_find_block_fit(chunk, bits, bit_align,
						  is_atomic);
			if (off < 0) {
				if (slot < PCPU_SLOT_FAIL_THRESHOLD)
					pcpu_chunk_move(chunk, 0);
				continue;
			}
			off = pcpu_alloc_area(chunk, bits, bit_align, off);
			if (off >= 0)
				goto area_found;
		}
	}
	if (is_atomic) {
		err = "atomic alloc failed, no space left";
		goto fail_unlock;
	}
	if (list_empty(&pcpu_chunk_lists[pcpu_free_slot])) {
		chunk = pcpu_create_chunk();
		if (!chunk) {
			err = "failed to allocate new chunk";
			goto fail_unlock;
		}
		pcpu_chunk_relocate(chunk, -1);
	}
	goto restart;

area_found:
	if (!is_atomic) {
		int page_end = (int)(PAGE_ALIGN((size_t)off + size) >>
				     PAGE_SHIFT);
		int rs = off >> PAGE_SHIFT, re;

		while ((rs = find_next_zero_bit(chunk->populated, page_end,
						rs)) < page_end) {
			re = find_next_bit(chunk->populated, page_end, rs);
			if (pcpu_populate_chunk(chunk, rs, re, pcpu_gfp)) {
				pcpu_free_area(chunk, off);
				err = "failed to populate";
				goto fail_unlock;
			}
			pcpu_chunk_populated(chunk, rs, re);
			rs = re;
		}
		if (pcpu_balance_pending ||
		    pcpu_nr_empty_pop_pages < PCPU_EMPTY_POP_PAGES_LOW) {
			pcpu_balance_pending = false;
			pcpu_balance_populated();
		}
	} else if (pcpu_nr_empty_pop_pages < PCPU_EMPTY_POP_PAGES_LOW) {
		pcpu_balance_pending = true;
	}
	pcpu_account_alloc(chunk, size);
	chunk->isolated = false;
	pcpu_debug_check(chunk);
	pthread_mutex_unlock(&pcpu_lock);

	pcpu_stat(PCPU_ALLOC);
	if (reserved && pcpu_reserved_chunk)
		pcpu_stat(PCPU_ALLOC_RESERVED);
	if (is_atomic)
		pcpu_stat(PCPU_ALLOC_ATOMIC);
	for (int u = 0; u < pcpu_nr_units; u++)
		memset(chunk->base_addr + (size_t)u * pcpu_unit_size + off, 0,
		       size);
	return chunk->base_addr + off;

fail_unlock:
	if (is_atomic) {
		pcpu_atomic_alloc_failed = true;
		pcpu_balance_pending = true;
	}
	if (do_warn)
		pcpu_warn(size, align, is_atomic, err);
	pthread_mutex_unlock(&pcpu_lock);
	pcpu_stat(PCPU_ALLOC_FAIL);
	return NULL;
}

void __percpu *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp)
{
	return pcpu_alloc(size, align, false, gfp);
}

void __percpu *__alloc_percpu(size_t size, size_t align)
{
	return pcpu_alloc(size, align, false, GFP_KERNEL);
}

void __percpu *__alloc_reserved_percpu(size_t size, size_t align)
{
	return pcpu_alloc(size, align, true, GFP_KERNEL);
}

static bool pcpu_addr_in_chunk(const struct pcpu_chunk *chunk,
			       const char *addr)
{
	const char *start, *end;

	if (!chunk)
		return false;
	start = chunk->base_addr + chunk->start_offset;
	end = chunk->base_addr + ((size_t)chunk->nr_pages << PAGE_SHIFT) -
	      chunk->end_offset;
	return addr >= start && addr < end;
}

static struct pcpu_chunk *pcpu_chunk_addr_search(const char *addr)
{
	struct pcpu_chunk *chunk;

	if (pcpu_addr_in_chunk(pcpu_first_chunk, addr))
		return pcpu_first_chunk;
	if (pcpu_addr_in_chunk(pcpu_reserved_chunk, addr))
		return pcpu_reserved_chunk;
	list_for_each_entry(chunk, &pcpu_all_chunks, all)
		if (!chunk->immutable && pcpu_addr_in_chunk(chunk, addr))
			return chunk;
	return NULL;
}

struct pcpu_chunk *pcpu_chunk_of(const void __percpu *ptr)
{
	struct pcpu_chunk *chunk;

	pthread_mutex_lock(&pcpu_lock);
	chunk = pcpu_is_ready ? pcpu_chunk_addr_search(ptr) : NULL;
	pthread_mutex_unlock(&pcpu_lock);
	return chunk;
}

/* Report misuse of free_percpu() (called with pcpu_lock held) */
static __cold void pcpu_misuse(enum pcpu_misuse m, const void *ptr)
{
	static const char *const what[NR_PCPU_MISUSE] = {
		[PCPU_MISUSE_DOUBLE_FREE] = "double free",
		[PCPU_MISUSE_NOT_START] = "not the start of an area",
		[PCPU_MISUSE_BAD_ADDRESS] = "not a percpu address",
	};
	static bool warned;

	__atomic_fetch_add(&pcpu_misuse_v[m], 1, __ATOMIC_RELAXED);
	if (kmm_misuse_abort) {
		fprintf(stderr, "kmm: BUG: free_percpu: %s: %p\n", what[m],
			ptr);
		abort();
	}
	if (!warned) {
		warned = true;
		fprintf(stderr, "kmm: free_percpu: %s: %p (counted, "
			"ignored; warning once)\n", what[m], ptr);
	}
}

void free_percpu(void __percpu *ptr)
{
	struct pcpu_chunk *chunk;
	int off, bit_off;

	if (!ptr)
		return;
	pthread_mutex_lock(&pcpu_lock);
	chunk = pcpu_is_ready ? pcpu_chunk_addr_search(ptr) : NULL;
	if (!chunk) {
		pcpu_misuse(PCPU_MISUSE_BAD_ADDRESS, ptr);
		goto out;
	}
	off = (int)((char *)ptr - chunk->base_addr);
	bit_off = off / PCPU_MIN_ALLOC_SIZE;
	if (!test_bit(chunk->alloc_map, bit_off)) {
		pcpu_misuse(PCPU_MISUSE_DOUBLE_FREE, ptr);
		goto out;
	}
	if (off % PCPU_MIN_ALLOC_SIZE || !test_bit(chunk->bound_map, bit_off)) {
		pcpu_misuse(PCPU_MISUSE_NOT_START, ptr);
		goto out;
	}
	pcpu_free_area(chunk, off);
	pstats.nr_dealloc++;
	pstats.nr_cur_alloc--;
	chunk->nr_alloc--;
	pcpu_stat(PCPU_FREE);
	if (pcpu_should_reclaim_chunk(chunk))
		pcpu_reclaim_populated(chunk);
	pcpu_debug_check(chunk);
	if (!chunk->immutable && (size_t)chunk->free_bytes == pcpu_unit_size)
		pcpu_balance_free();
out:
	pthread_mutex_unlock(&pcpu_lock);
}

/* ------------------------------------------------------------------ */
/* Set-up                                                               */

/*
 * A first chunk covering [tmp_off, tmp_off + map_size) of each unit of
 * the first region: page-aligned base, the bytes before and after hidden
 * as allocated.
 */
static struct pcpu_chunk *pcpu_alloc_first_chunk(size_t tmp_off,
						 size_t map_size)
{
	size_t aligned = tmp_off & ~(size_t)(PAGE_SIZE - 1);
	int start_offset = (int)(tmp_off - aligned);
	size_t region = PAGE_ALIGN(start_offset + map_size);
	struct pcpu_chunk *chunk;
	int bits, off_bits;

	chunk = pcpu_alloc_chunk((int)(region >> PAGE_SHIFT));
	if (!chunk)
		return NULL;
	bits = pcpu_chunk_map_bits(chunk);
	chunk->base_addr = pcpu_base_addr + aligned;
	chunk->start_offset = start_offset;
	chunk->end_offset = (int)(region - start_offset - map_size);
	chunk->immutable = true;
	bitmap_set(chunk->populated, 0, chunk->nr_pages);
	chunk->nr_populated = chunk->nr_pages;
	chunk->nr_empty_pop_pages = chunk->nr_pages;
	chunk->free_bytes = (int)map_size;
	if (chunk->start_offset) {
		off_bits = chunk->start_offset / PCPU_MIN_ALLOC_SIZE;
		bitmap_set(chunk->alloc_map, 0, off_bits);
		set_bit(chunk->bound_map, 0);
		set_bit(chunk->bound_map, off_bits);
		chunk->chunk_md.first_free = off_bits;
		pcpu_block_update_hint_alloc(chunk, 0, off_bits);
	}
	if (chunk->end_offset) {
		off_bits = chunk->end_offset / PCPU_MIN_ALLOC_SIZE;
		bitmap_set(chunk->alloc_map, bits - off_bits, off_bits);
		set_bit(chunk->bound_map, (int)((start_offset + map_size) /
						PCPU_MIN_ALLOC_SIZE));
		set_bit(chunk->bound_map, bits);
		pcpu_block_update_hint_alloc(chunk, bits - off_bits,
					     off_bits);
	}
	list_add_tail(&chunk->all, &pcpu_all_chunks);
	return chunk;
}

static void pcpu_release_first(void)
{
	for (int i = 0; pcpu_first_pages &&
			i < pcpu_nr_units * pcpu_first_nr_pages; i++)
		if (pcpu_first_pages[i])
			__free_pages(pcpu_first_pages[i], 0);
	free(pcpu_first_pages);
	pcpu_first_pages = NULL;
	if (pcpu_first_reserve)
		munmap(pcpu_first_reserve, pcpu_first_len);
	pcpu_first_reserve = NULL;
}

/* The first region: every unit's first size_sum bytes, populated */
static int pcpu_setup_first_region(size_t size_sum)
{
	pcpu_first_nr_pages = (int)(size_sum >> PAGE_SHIFT);
	pcpu_first_len = (size_t)pcpu_nr_units * pcpu_unit_size;
	pcpu_first_reserve = host_reserve(pcpu_first_len);
	pcpu_first_pages = calloc((size_t)pcpu_nr_units * pcpu_first_nr_pages,
				  sizeof(*pcpu_first_pages));
	if (!pcpu_first_reserve || !pcpu_first_pages)
		return -ENOMEM;
	pcpu_base_addr = pcpu_first_reserve;
	for (int u = 0; u < pcpu_nr_units; u++) {
		for (int p = 0; p < pcpu_first_nr_pages; p++) {
			struct page *page = alloc_pages(GFP_KERNEL, 0);
			char *a = pcpu_base_addr + (size_t)u * pcpu_unit_size +
				  ((size_t)p << PAGE_SHIFT);

			if (!page)
				return -ENOMEM;
			pcpu_first_pages[u * pcpu_first_nr_pages + p] = page;
			if (map_frame(a, page))
				return -ENOMEM;
			memset(a, 0, PAGE_SIZE);
		}
	}
	return 0;
}

int pcpu_init(const struct pcpu_config *cfg)
{
	size_t static_size, reserved, dyn, size_sum;
	int ret;

	if (pcpu_is_ready)
		return -EBUSY;
	if (!kmm_mem_ready() || kmm_phys_fd < 0)
		return -ENODEV;
	memset(&pcpu_cfg, 0, sizeof(pcpu_cfg));
	if (cfg)
		pcpu_cfg = *cfg;
	static_size = pcpu_cfg.static_size;
	reserved = pcpu_cfg.reserved_size ? pcpu_cfg.reserved_size :
					    PERCPU_MODULE_RESERVE;
	dyn = pcpu_cfg.dyn_size ? pcpu_cfg.dyn_size : PERCPU_DYNAMIC_RESERVE;
	if (static_size % PCPU_MIN_ALLOC_SIZE ||
	    reserved % PCPU_MIN_ALLOC_SIZE || dyn % PCPU_MIN_ALLOC_SIZE ||
	    static_size + reserved + dyn > (64UL << 20))
		return -EINVAL;
	/* as pcpu_build_alloc_info with a 2 MiB atom: a power of two */
	size_sum = PAGE_ALIGN(static_size + reserved + dyn);
	dyn = size_sum - static_size - reserved;
	pcpu_unit_size = roundup_pow_of_two(max_t(size_t, size_sum,
						  PCPU_MIN_UNIT_SIZE));
	pcpu_unit_pages = (int)(pcpu_unit_size >> PAGE_SHIFT);
	pcpu_nr_units = pcpu_cfg.nr_units ? pcpu_cfg.nr_units : kmm_nr_cpus();
	if (pcpu_nr_units < kmm_nr_cpus() || pcpu_nr_units > KMM_MAX_CPUS)
		return -EINVAL;
	pcpu_cfg.static_size = static_size;
	pcpu_cfg.reserved_size = reserved;
	pcpu_cfg.dyn_size = dyn;

	pcpu_free_slot = __pcpu_size_to_slot((int)pcpu_unit_size) + 1;
	pcpu_nr_slots = pcpu_free_slot + 1;
	pcpu_chunk_lists = calloc((size_t)pcpu_nr_slots,
				  sizeof(*pcpu_chunk_lists));
	if (!pcpu_chunk_lists)
		return -ENOMEM;
	for (int i = 0; i < pcpu_nr_slots; i++)
		INIT_LIST_HEAD(&pcpu_chunk_lists[i]);
	INIT_LIST_HEAD(&pcpu_all_chunks);
	memset(&pstats, 0, sizeof(pstats));
	memset(pcpu_stat_v, 0, sizeof(pcpu_stat_v));
	memset(pcpu_misuse_v, 0, sizeof(pcpu_misuse_v));
	pcpu_nr_empty_pop_pages = 0;
	pcpu_nr_populated = 0;
	pcpu_atomic_alloc_failed = false;
	pcpu_balance_pending = false;
	pcpu_warn_limit = 10;

	ret = pcpu_setup_first_region(size_sum);
	if (ret)
		goto fail;
	ret = -ENOMEM;
	if (reserved) {
		pcpu_reserved_chunk = pcpu_alloc_first_chunk(static_size,
							     reserved);
		if (!pcpu_reserved_chunk)
			goto fail;
		pcpu_nr_populated += (unsigned long)
			pcpu_reserved_chunk->nr_pages;
	}
	pcpu_first_chunk = pcpu_alloc_first_chunk(static_size + reserved,
						  dyn);
	if (!pcpu_first_chunk)
		goto fail;
	pcpu_nr_populated += (unsigned long)pcpu_first_chunk->nr_pages;
	pcpu_nr_empty_pop_pages = pcpu_first_chunk->nr_empty_pop_pages;
	pcpu_chunk_relocate(pcpu_first_chunk, -1);
	pstats.nr_chunks = pstats.nr_max_chunks = 1;
	pcpu_is_ready = true;
	return 0;
fail:
	pcpu_is_ready = true;
	pcpu_exit();
	return ret;
}

void pcpu_exit(void)
{
	struct pcpu_chunk *chunk, *next;

	if (!pcpu_is_ready)
		return;
	list_for_each_entry_safe(chunk, next, &pcpu_all_chunks, all) {
		if (chunk->immutable) {
			list_del(&chunk->all);
			pcpu_free_chunk(chunk);
		} else {
			INIT_LIST_HEAD(&chunk->list);
			pcpu_destroy_chunk(chunk);
		}
	}
	pcpu_release_first();
	free(pcpu_chunk_lists);
	pcpu_chunk_lists = NULL;
	pcpu_first_chunk = NULL;
	pcpu_reserved_chunk = NULL;
	pcpu_is_ready = false;
}

bool pcpu_ready(void)
{
	return pcpu_is_ready;
}

size_t pcpu_obj_full_size(size_t size)
{
	return ALIGN(size, (size_t)PCPU_MIN_ALLOC_SIZE) *
	       (size_t)(pcpu_nr_units ? pcpu_nr_units : kmm_nr_cpus());
}

unsigned long pcpu_nr_pages(void)
{
	return pcpu_nr_populated * (unsigned long)pcpu_nr_units;
}

unsigned long pcpu_nr_chunks(void)
{
	return pstats.nr_chunks;
}

void pcpu_live(uint64_t *areas, uint64_t *bytes)
{
	struct pcpu_chunk *chunk;
	uint64_t b = 0;

	pthread_mutex_lock(&pcpu_lock);
	*areas = pcpu_is_ready ? pstats.nr_cur_alloc : 0;
	if (pcpu_is_ready)
		list_for_each_entry(chunk, &pcpu_all_chunks, all)
			b += ((uint64_t)chunk->nr_pages << PAGE_SHIFT) -
			     (uint64_t)chunk->start_offset -
			     (uint64_t)chunk->end_offset -
			     (uint64_t)chunk->free_bytes;
	pthread_mutex_unlock(&pcpu_lock);
	*bytes = b * (uint64_t)pcpu_nr_units;
}

void pcpu_get_stats(uint64_t out[NR_PCPU_STAT_ITEMS])
{
	for (int i = 0; i < NR_PCPU_STAT_ITEMS; i++)
		out[i] = __atomic_load_n(&pcpu_stat_v[i], __ATOMIC_RELAXED);
}

const char *pcpu_stat_name(int item)
{
	static const char *const names[NR_PCPU_STAT_ITEMS] = {
		"alloc", "alloc_reserved", "alloc_atomic", "alloc_fail",
		"free", "chunk_create", "chunk_destroy", "page_populate",
		"page_depopulate", "balance",
	};

	return item >= 0 && item < NR_PCPU_STAT_ITEMS ? names[item] : "?";
}

unsigned long pcpu_misuse_count(enum pcpu_misuse m)
{
	return __atomic_load_n(&pcpu_misuse_v[m], __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* Invariant checker                                                    */

#define CHK(cond, ...) do {						\
		if (!(cond)) {						\
			errors++;					\
			if (fp) {					\
				fprintf(fp, "pcpu_check: chunk %p: ",	\
					(void *)chunk);			\
				fprintf(fp, __VA_ARGS__);		\
				fputc('\n', fp);			\
			}						\
		}							\
	} while (0)

/* The true hints of bits [base, base + n) of @map */
static void pcpu_scan_range(const unsigned long *map, int base, int n,
			    struct pcpu_block_md *t)
{
	int s = base, e, end = base + n;

	memset(t, 0, sizeof(*t));
	t->first_free = n;
	while ((s = find_next_zero_bit(map, end, s)) < end) {
		e = find_next_bit(map, end, s);
		if (s == base)
			t->left_free = e - s;
		if (e == end)
			t->right_free = e - s;
		if (t->first_free == n)
			t->first_free = s - base;
		if (e - s > t->contig_hint) {
			t->contig_hint = e - s;
			t->contig_hint_start = s - base;
		}
		s = e;
	}
}

static bool range_free(const unsigned long *map, int start, int n)
{
	return find_next_bit(map, start + n, start) >= start + n;
}

/* The hints of @b (relative to @base) against the map */
static int pcpu_check_md(struct pcpu_chunk *chunk, FILE *fp,
			 const struct pcpu_block_md *b, int base,
			 const char *what, int index, bool exact_edges)
{
	const unsigned long *map = chunk->alloc_map;
	struct pcpu_block_md t;
	int errors = 0;

	pcpu_scan_range(map, base, b->nr_bits, &t);
	CHK(b->contig_hint == t.contig_hint,
	    "%s %d: contig_hint %d, largest free run %d", what, index,
	    b->contig_hint, t.contig_hint);
	if (b->contig_hint && b->contig_hint == t.contig_hint)
		CHK(b->contig_hint_start >= 0 &&
		    b->contig_hint_start + b->contig_hint <= b->nr_bits &&
		    range_free(map, base + b->contig_hint_start,
			       b->contig_hint),
		    "%s %d: contig_hint_start %d is not a free run of %d",
		    what, index, b->contig_hint_start, b->contig_hint);
	CHK(t.contig_hint == 0 || b->first_free <= t.first_free,
	    "%s %d: first_free %d after the first free bit %d", what, index,
	    b->first_free, t.first_free);
	if (exact_edges) {
		CHK(b->left_free == t.left_free,
		    "%s %d: left_free %d, true %d", what, index, b->left_free,
		    t.left_free);
		CHK(b->right_free == t.right_free,
		    "%s %d: right_free %d, true %d", what, index,
		    b->right_free, t.right_free);
	}
	if (!b->scan_hint)
		return errors;
	CHK(b->scan_hint <= b->contig_hint &&
	    b->scan_hint_start + b->scan_hint <= b->nr_bits &&
	    range_free(map, base + b->scan_hint_start, b->scan_hint),
	    "%s %d: scan_hint %d at %d is not a free run", what, index,
	    b->scan_hint, b->scan_hint_start);
	return errors;
}

static int pcpu_check_chunk(struct pcpu_chunk *chunk, FILE *fp,
			    unsigned long *nr_areas)
{
	const int nbits = pcpu_chunk_map_bits(chunk);
	const int vis_start = chunk->start_offset / PCPU_MIN_ALLOC_SIZE;
	const int vis_end = nbits - chunk->end_offset / PCPU_MIN_ALLOC_SIZE;
	int errors = 0, nfree = 0, empty = 0, npop = 0, s, e, b;
	struct pcpu_chunk *pos;
	bool listed = false;

	for (s = 0; (s = find_next_zero_bit(chunk->alloc_map, nbits, s)) <
		    nbits; s = e) {
		e = find_next_bit(chunk->alloc_map, nbits, s);
		nfree += e - s;
	}
	CHK(chunk->free_bytes == nfree * PCPU_MIN_ALLOC_SIZE,
	    "free_bytes %d, map has %d free bytes", chunk->free_bytes,
	    nfree * PCPU_MIN_ALLOC_SIZE);
	errors += pcpu_check_md(chunk, fp, &chunk->chunk_md, 0, "chunk", 0,
				false);
	for (int i = 0; i < pcpu_chunk_nr_blocks(chunk); i++)
		errors += pcpu_check_md(chunk, fp, &chunk->md_blocks[i],
					i * PCPU_BITMAP_BLOCK_BITS, "block",
					i, true);

	/* areas: each starts on a boundary bit, the next boundary ends it */
	for (b = 0; (b = find_next_bit(chunk->alloc_map, nbits, b)) < nbits;) {
		CHK(test_bit(chunk->bound_map, b),
		    "allocated run at bit %d has no boundary bit", b);
		e = find_next_bit(chunk->bound_map, nbits + 1, b + 1);
		CHK(e <= nbits &&
		    find_next_zero_bit(chunk->alloc_map, e, b) >= e,
		    "area at bit %d: free bits before its end %d", b, e);
		if (b >= vis_start && e <= vis_end) {
			(*nr_areas)++;
			CHK(pcpu_is_populated(chunk, b, e - b, &s),
			    "area at bit %d on an unpopulated page", b);
		} else {
			CHK((b == 0 && e == vis_start) ||
			    (b == vis_end && e == nbits),
			    "area [%d, %d) outside the visible [%d, %d)",
			    b, e, vis_start, vis_end);
		}
		b = e;
	}

	for (int p = 0; p < chunk->nr_pages; p++) {
		bool pop = test_bit(chunk->populated, p);

		npop += pop;
		if (pop && range_free(chunk->alloc_map,
				      p * PCPU_BITMAP_BLOCK_BITS,
				      PCPU_BITMAP_BLOCK_BITS))
			empty++;
		if (!chunk->pages)
			continue;
		for (int u = 0; u < pcpu_nr_units; u++) {
			struct page *pg = chunk->pages[u * chunk->nr_pages + p];

			CHK(pop == (pg != NULL),
			    "page %d unit %d: populated %d, frame %p", p, u,
			    pop, (void *)pg);
			CHK(!pg || (!PageBuddy(pg) && page_count(pg) > 0),
			    "page %d unit %d: its frame is free", p, u);
		}
	}
	CHK(npop == chunk->nr_populated, "nr_populated %d, bitmap has %d",
	    chunk->nr_populated, npop);
	CHK(empty == chunk->nr_empty_pop_pages,
	    "nr_empty_pop_pages %d, %d empty populated pages",
	    chunk->nr_empty_pop_pages, empty);
	if (chunk->immutable)
		CHK(npop == chunk->nr_pages, "first chunk not fully populated");

	if (chunk != pcpu_reserved_chunk) {
		list_for_each_entry(pos, &pcpu_chunk_lists[pcpu_chunk_slot(
					     chunk)], list)
			listed |= pos == chunk;
		/* a chunk a failed fit demoted sits on slot 0 */
		list_for_each_entry(pos, &pcpu_chunk_lists[0], list)
			listed |= pos == chunk;
		CHK(listed, "not on slot %d (contig_hint %d)",
		    pcpu_chunk_slot(chunk), chunk->chunk_md.contig_hint);
	}
	return errors;
}

int pcpu_check(FILE *fp)
{
	struct pcpu_chunk *chunk, *other;
	unsigned long nr_areas = 0, populated = 0;
	int errors = 0, empty = 0, nr_dyn = 0;

	if (!pcpu_is_ready)
		return 0;
	pthread_mutex_lock(&pcpu_lock);
	list_for_each_entry(chunk, &pcpu_all_chunks, all) {
		errors += pcpu_check_chunk(chunk, fp, &nr_areas);
		populated += (unsigned long)chunk->nr_populated;
		if (chunk != pcpu_reserved_chunk)
			empty += chunk->nr_empty_pop_pages;
		if (chunk->immutable)
			continue;
		nr_dyn++;
		list_for_each_entry(other, &pcpu_all_chunks, all)
			CHK(other == chunk ||
			    other->base_addr + pcpu_unit_size <=
				    chunk->base_addr ||
			    chunk->base_addr + pcpu_unit_size <=
				    other->base_addr,
			    "overlaps chunk %p", (void *)other);
	}
	chunk = NULL;
	CHK(nr_areas == pstats.nr_cur_alloc, "%lu areas, nr_cur_alloc %llu",
	    nr_areas, (unsigned long long)pstats.nr_cur_alloc);
	CHK(populated == pcpu_nr_populated, "%lu populated pages, counted %lu",
	    populated, pcpu_nr_populated);
	CHK(empty == pcpu_nr_empty_pop_pages,
	    "%d empty populated pages, counted %d", empty,
	    pcpu_nr_empty_pop_pages);
	CHK((unsigned long)nr_dyn + 1 == pstats.nr_chunks,
	    "%d chunks, nr_chunks %u", nr_dyn + 1, pstats.nr_chunks);
	pthread_mutex_unlock(&pcpu_lock);
	return errors;
}

/* ------------------------------------------------------------------ */
/* percpu_stats                                                         */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

#define P(X, Y) fprintf(fp, "  %-20s: %12lld\n", X, (long long)(Y))

static void chunk_map_stats(FILE *fp, struct pcpu_chunk *chunk, int *buf)
{
	const int nbits = pcpu_chunk_map_bits(chunk);
	const int vis_start = chunk->start_offset / PCPU_MIN_ALLOC_SIZE;
	const int vis_end = nbits - chunk->end_offset / PCPU_MIN_ALLOC_SIZE;
	int n = 0, nalloc, s, e, sum_frag = 0, max_frag = 0;

	/* free runs as negative sizes, areas as positive (bytes) */
	for (s = vis_start; s < vis_end; s = e) {
		if (test_bit(chunk->alloc_map, s)) {
			e = find_next_bit(chunk->bound_map, nbits + 1, s + 1);
			buf[n++] = (e - s) * PCPU_MIN_ALLOC_SIZE;
		} else {
			e = find_next_bit(chunk->alloc_map, vis_end, s);
			buf[n++] = -(e - s) * PCPU_MIN_ALLOC_SIZE;
		}
	}
	qsort(buf, (size_t)n, sizeof(*buf), cmp_int);
	for (int i = 0; i < n && buf[i] < 0; i++) {
		/* fragments: free runs but the largest */
		if (i)
			sum_frag -= buf[i];
		max_frag = max_t(int, max_frag, i ? -buf[i] : 0);
	}
	nalloc = 0;
	while (nalloc < n && buf[n - 1 - nalloc] > 0)
		nalloc++;
	P("nr_alloc", chunk->nr_alloc);
	P("max_alloc_size", chunk->max_alloc_size);
	P("empty_pop_pages", chunk->nr_empty_pop_pages);
	P("first_bit", chunk->chunk_md.first_free);
	P("free_bytes", chunk->free_bytes);
	P("contig_bytes", chunk->chunk_md.contig_hint * PCPU_MIN_ALLOC_SIZE);
	P("sum_frag", sum_frag);
	P("max_frag", max_frag);
	P("cur_min_alloc", nalloc ? buf[n - nalloc] : 0);
	P("cur_med_alloc", nalloc ? buf[n - nalloc + nalloc / 2] : 0);
	P("cur_max_alloc", nalloc ? buf[n - 1] : 0);
	P("memcg_aware", 0);
	fputc('\n', fp);
}

void pcpu_stats_show(FILE *fp)
{
	static const char sep[] = "----------------------------------------";
	struct pcpu_chunk *chunk;
	int *buf;

	if (!pcpu_is_ready)
		return;
	buf = malloc((pcpu_unit_size / PCPU_MIN_ALLOC_SIZE + 1) *
		     sizeof(*buf));
	if (!buf)
		return;
	pthread_mutex_lock(&pcpu_lock);
	fprintf(fp, "Percpu Memory Statistics\nAllocation Info:\n%s\n", sep);
	P("unit_size", pcpu_unit_size);
	P("static_size", pcpu_cfg.static_size);
	P("reserved_size", pcpu_cfg.reserved_size);
	P("dyn_size", pcpu_cfg.dyn_size);
	P("atom_size", 2 << 20);
	P("alloc_size", pcpu_unit_size);
	fprintf(fp, "\nGlobal Stats:\n%s\n", sep);
	P("nr_alloc", pstats.nr_alloc);
	P("nr_dealloc", pstats.nr_dealloc);
	P("nr_cur_alloc", pstats.nr_cur_alloc);
	P("nr_max_alloc", pstats.nr_max_alloc);
	P("nr_chunks", pstats.nr_chunks);
	P("nr_max_chunks", pstats.nr_max_chunks);
	P("min_alloc_size", pstats.min_alloc_size);
	P("max_alloc_size", pstats.max_alloc_size);
	P("empty_pop_pages", pcpu_nr_empty_pop_pages);
	fprintf(fp, "\nPer Chunk Stats:\n%s\n", sep);
	if (pcpu_reserved_chunk) {
		fprintf(fp, "Chunk: <- Reserved Chunk\n");
		chunk_map_stats(fp, pcpu_reserved_chunk, buf);
	}
	fprintf(fp, "Chunk: <- First Chunk\n");
	chunk_map_stats(fp, pcpu_first_chunk, buf);
	list_for_each_entry(chunk, &pcpu_all_chunks, all) {
		if (chunk->immutable)
			continue;
		fprintf(fp, "Chunk:\n");
		chunk_map_stats(fp, chunk, buf);
	}
	pthread_mutex_unlock(&pcpu_lock);
	free(buf);
}
