/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt/kmt.h - the .kmt binary trace format (docs/trace-format.md).
 *
 *	header	"\x89KMT\r\n\x1a\n", u32 version, u32 flags,
 *		metadata and counters as "key=value\n" text (u32 length),
 *		string table (u32 count, then u32 length + bytes each)
 *	blocks	each: u32 raw size, u32 stored size, u32 events, u8 codec,
 *		then the (zstd-compressed) delta+varint event stream
 *	index	u64 offset, u64 first ts, u32 events per block
 *	trailer	u64 index offset, u32 block count, u32 crc, "KMTEND\0\0"
 *
 * Readers check every length against the file size: a truncated or
 * corrupted file is an error (exit 65), never a crash.
 */
#ifndef KMT_KMT_H
#define KMT_KMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmt/trace.h"

#define KMT_MAGIC	"\x89KMT\r\n\x1a\n"
#define KMT_MAGIC_LEN	8
#define KMT_VERSION	2
#define KMT_BLOCK_EVENTS 65536

/* Does @buf (@len bytes available) start with the .kmt magic? */
bool kmt_is_kmt(const void *buf, size_t len);

/* Decode a whole .kmt image into @t.  0, or exit code with @err. */
int kmt_decode(const void *buf, size_t len, const char *name,
	       struct kmt_trace *t, struct kmt_error *err);

/*
 * Threads kmt_decode() uses for a trace of several blocks: 0 (the
 * default) = $KMBENCH_DECODE_THREADS if set, else one per CPU online (at
 * most 16); 1 = decode in the calling thread only.  The events are the
 * same whatever the number.
 */
void kmt_set_decode_threads(unsigned int n);

/* Encode @t into a malloc'd image (@out, @outlen).  0 or exit code. */
int kmt_encode(const struct kmt_trace *t, void **out, size_t *outlen,
	       struct kmt_error *err);

/* Encoded size of @t's events before compression (bytes), for reports. */
size_t kmt_raw_event_bytes(const struct kmt_trace *t);

/*
 * An array for @n events (huge pages when large, reusing the last large
 * array given to kmt_free_events() when it is big enough); free() or
 * kmt_free_events() frees it.
 */
struct kmt_event *kmt_alloc_events(size_t n);

/* Free @ev (at least @n events), keeping one large array for reuse. */
void kmt_free_events(struct kmt_event *ev, size_t n);

/* Count events per type, CPUs, defaults (after loading or building). */
void kmt_trace_finish(struct kmt_trace *t);

/* The same when by_type is filled already and the highest CPU + 1 is
 * @max_cpu (a decoder counts while it writes the events). */
void kmt_trace_finish_counted(struct kmt_trace *t, uint32_t max_cpu);

#endif /* KMT_KMT_H */
