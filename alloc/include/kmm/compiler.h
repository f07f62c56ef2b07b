/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/compiler.h - compiler helpers shared by the whole kmm library.
 *
 * Kernel names where the kernel has one (likely, READ_ONCE, ALIGN), so code
 * read side by side with mm/ looks the same.
 */
#ifndef KMM_COMPILER_H
#define KMM_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif
#define __noinline	__attribute__((__noinline__))
#define __cold		__attribute__((__cold__))
#define __maybe_unused	__attribute__((__unused__))
#define __aligned(x)	__attribute__((__aligned__(x)))
#define __printf(a, b)	__attribute__((__format__(printf, a, b)))
#define __noreturn	__attribute__((__noreturn__))

#define barrier()	__asm__ __volatile__("" ::: "memory")

#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define ALIGN(x, a)		(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define SMP_CACHE_BYTES	64
#define ____cacheline_aligned __aligned(SMP_CACHE_BYTES)

/* fls: 1-based index of the most significant set bit, 0 for 0. */
static inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static inline int fls64(uint64_t x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline int ilog2_u64(uint64_t x)
{
	return fls64(x) - 1;
}

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static inline unsigned long rounddown_pow_of_two(unsigned long n)
{
	return n ? 1UL << (63 - __builtin_clzl(n)) : 0;
}

static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1 : 1UL << (64 - __builtin_clzl(n - 1));
}

#endif /* KMM_COMPILER_H */
