/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/gfp.h - Get Free Page flags.
 *
 * The bit layout follows include/linux/gfp_types.h of 6.x kernels, so a
 * flag word read from a recent trace's numeric gfp_flags means the same here.
 * Older kernels numbered the bits differently; the trace parser translates
 * their text form (GFP_KERNEL|__GFP_ZERO), which every kernel prints.
 */
#ifndef KMM_GFP_H
#define KMM_GFP_H

#include <stddef.h>
#include <stdbool.h>

typedef unsigned int gfp_t;

#define ___GFP_DMA		(1u << 0)
#define ___GFP_HIGHMEM		(1u << 1)
#define ___GFP_DMA32		(1u << 2)
#define ___GFP_MOVABLE		(1u << 3)
#define ___GFP_RECLAIMABLE	(1u << 4)
#define ___GFP_HIGH		(1u << 5)
#define ___GFP_IO		(1u << 6)
#define ___GFP_FS		(1u << 7)
#define ___GFP_ZERO		(1u << 8)
#define ___GFP_ATOMIC		(1u << 9)	/* before 6.4; kept for old traces */
#define ___GFP_DIRECT_RECLAIM	(1u << 10)
#define ___GFP_KSWAPD_RECLAIM	(1u << 11)
#define ___GFP_WRITE		(1u << 12)
#define ___GFP_NOWARN		(1u << 13)
#define ___GFP_RETRY_MAYFAIL	(1u << 14)
#define ___GFP_NOFAIL		(1u << 15)
#define ___GFP_NORETRY		(1u << 16)
#define ___GFP_MEMALLOC		(1u << 17)
#define ___GFP_COMP		(1u << 18)
#define ___GFP_NOMEMALLOC	(1u << 19)
#define ___GFP_HARDWALL		(1u << 20)
#define ___GFP_THISNODE		(1u << 21)
#define ___GFP_ACCOUNT		(1u << 22)
#define ___GFP_ZEROTAGS		(1u << 23)
#define ___GFP_SKIP_ZERO	(1u << 24)
#define ___GFP_SKIP_KASAN	(1u << 25)
#define ___GFP_NOLOCKDEP	(1u << 26)
#define ___GFP_NO_OBJ_EXT	(1u << 27)
#define ___GFP_LAST_BIT		28

/* Zone modifiers */
#define __GFP_DMA		___GFP_DMA
#define __GFP_HIGHMEM		___GFP_HIGHMEM
#define __GFP_DMA32		___GFP_DMA32
#define __GFP_MOVABLE		___GFP_MOVABLE
#define GFP_ZONEMASK	(__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)

/* Page mobility and placement hints */
#define __GFP_RECLAIMABLE	___GFP_RECLAIMABLE
#define __GFP_WRITE		___GFP_WRITE
#define __GFP_HARDWALL		___GFP_HARDWALL
#define __GFP_THISNODE		___GFP_THISNODE
#define __GFP_ACCOUNT		___GFP_ACCOUNT
#define GFP_MOVABLE_MASK	(__GFP_RECLAIMABLE | __GFP_MOVABLE)
#define GFP_MOVABLE_SHIFT	3

/* Watermark modifiers */
#define __GFP_HIGH		___GFP_HIGH
#define __GFP_ATOMIC		___GFP_ATOMIC
#define __GFP_MEMALLOC		___GFP_MEMALLOC
#define __GFP_NOMEMALLOC	___GFP_NOMEMALLOC

/* Reclaim modifiers */
#define __GFP_IO		___GFP_IO
#define __GFP_FS		___GFP_FS
#define __GFP_DIRECT_RECLAIM	___GFP_DIRECT_RECLAIM
#define __GFP_KSWAPD_RECLAIM	___GFP_KSWAPD_RECLAIM
#define __GFP_RECLAIM	(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define __GFP_RETRY_MAYFAIL	___GFP_RETRY_MAYFAIL
#define __GFP_NOFAIL		___GFP_NOFAIL
#define __GFP_NORETRY		___GFP_NORETRY

/* Action modifiers */
#define __GFP_NOWARN		___GFP_NOWARN
#define __GFP_COMP		___GFP_COMP
#define __GFP_ZERO		___GFP_ZERO
#define __GFP_ZEROTAGS		___GFP_ZEROTAGS
#define __GFP_SKIP_ZERO		___GFP_SKIP_ZERO
#define __GFP_SKIP_KASAN	___GFP_SKIP_KASAN
#define __GFP_NOLOCKDEP		___GFP_NOLOCKDEP
#define __GFP_NO_OBJ_EXT	___GFP_NO_OBJ_EXT

/* Useful combinations, as the kernel defines them */
#define GFP_ATOMIC	(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL	(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT	(__GFP_KSWAPD_RECLAIM | __GFP_NOWARN)
#define GFP_NOIO	(__GFP_RECLAIM)
#define GFP_NOFS	(__GFP_RECLAIM | __GFP_IO)
#define GFP_USER	(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA		__GFP_DMA
#define GFP_DMA32	__GFP_DMA32
#define GFP_HIGHUSER	(GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE	(GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN)
#define GFP_TRANSHUGE_LIGHT	((GFP_HIGHUSER_MOVABLE | __GFP_COMP | \
			 __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE	(GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

/* Migrate types (include/linux/mmzone.h) */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,	/* the number of types on the pcp lists */
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_TYPES
};

static inline int gfp_migratetype(gfp_t gfp)
{
	return (int)((gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT);
}

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return (gfp & __GFP_DIRECT_RECLAIM) != 0;
}

/*
 * Parse the text form a trace prints ("GFP_KERNEL|__GFP_ZERO", "0x400dc0",
 * "none") into @out.  Returns 0, or -1 with a message in @err (size @errlen)
 * naming the first flag it does not know.
 */
int gfp_parse(const char *text, size_t len, gfp_t *out, char *err,
	      size_t errlen);

/*
 * Print @gfp as the kernel's show_gfp_flags() does (composite names first,
 * then the remaining __GFP_ bits), into @buf.  Returns the length.
 */
size_t gfp_format(gfp_t gfp, char *buf, size_t len);

#endif /* KMM_GFP_H */
