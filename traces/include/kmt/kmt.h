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
#define KMT_BLOCK_EVENTS 65536	/* the most events a block holds */
/*
 * Events per block the encoder writes: blocks decode in parallel, so
 * smaller blocks share a trace of a few blocks out more evenly between
 * the threads; each block starts its predictions afresh, so they cost
 * some bytes (docs/trace-format.md, "Speed").
 */
#ifndef KMT_ENC_BLOCK_EVENTS
#define KMT_ENC_BLOCK_EVENTS 16384
#endif

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

/*
 * Free what decodes keep for the next one (the pool of decoders and the
 * spare event arrays): for a process that decodes once and then needs
 * the memory, such as replay.
 */
void kmt_decode_release(void);

/*
 * The compact decoded form: 16 bytes an event instead of struct
 * kmt_event's 48, for consumers that need neither every event's pid nor
 * (unless asked) its timestamp, such as the replay image builder.
 *
 * The memory fields of a .kmt event are coded against a predicted record
 * (the last one of the same call site, kind and address space in the
 * block), and most events repeat it.  The compact decoder keeps those
 * records in a table and each event names its record there: a memory
 * event's flags, site and struct kmt_mem fields are its record's
 * (kmt_mem.alloc_cpu is 0 in a record: the event's own is in struct
 * kmt_cev); a vm event has a record of its own with its pid and u.vm
 * values.  Records are packed in one array (its blocks take slots in
 * chunks, so a few slots between them are unused).  What the compact form
 * leaves out: the pid of a memory event, and the timestamps unless
 * KMT_C_TS is given.
 */
struct kmt_cev {
	uint32_t obj;		/* as kmt_event.obj */
	uint32_t rec;		/* index in kmt_ctrace.rec */
	uint16_t cpu;
	uint8_t type;		/* enum kmt_event_type */
	uint8_t flags;		/* KMT_F_* */
	uint16_t alloc_cpu;	/* memory events: kmt_mem.alloc_cpu */
	uint16_t reserved;	/* 0 */
};

struct kmt_crec {
	union {
		struct {
			struct kmt_mem m;	/* m.alloc_cpu is 0 */
			uint32_t site;
			uint8_t flags;
			uint8_t pad[3];
		} mem;
		struct {
			uint64_t addr, len, arg;
			uint32_t pid;
		} vm;
	};
};

_Static_assert(sizeof(struct kmt_cev) == 16, "kmt_cev is 16 bytes");
_Static_assert(sizeof(struct kmt_crec) == 32, "kmt_crec is 32 bytes");

/*
 * A whole trace in the compact form.  @t holds everything but the events
 * (t.ev is NULL; t.nr_ev, counts, strings, metadata as kmt_decode() sets
 * them).
 */
struct kmt_ctrace {
	struct kmt_trace t;
	struct kmt_cev *ev;	/* [t.nr_ev] */
	struct kmt_crec *rec;	/* records: see above */
	uint32_t nr_rec;	/* slots of rec used or skipped */
	uint64_t *ts;		/* [t.nr_ev] with KMT_C_TS, else NULL */
	size_t cap, rec_cap;	/* events and records there is room for */
};

#define KMT_C_TS	0x01	/* kmt_decode_compact(): timestamps too */

/* Decode a .kmt image into @c (@flags: KMT_C_*).  0, or exit code with
 * @err (the same checks and errors as kmt_decode()). */
int kmt_decode_compact(const void *buf, size_t len, const char *name,
		       unsigned int flags, struct kmt_ctrace *c,
		       struct kmt_error *err);

/*
 * Load a trace of any format into the compact form: a .kmt file is
 * decoded straight into it, anything else is loaded (kmt_trace_load()),
 * encoded and decoded.  0, or exit code with @err.
 */
int kmt_ctrace_load(const char *path, const struct kmt_opts *opts,
		    unsigned int flags, struct kmt_ctrace *c,
		    struct kmt_error *err);

/* The same from a trace in memory (@t is left as it is). */
int kmt_ctrace_from(const struct kmt_trace *t, unsigned int flags,
		    struct kmt_ctrace *c, struct kmt_error *err);

void kmt_ctrace_free(struct kmt_ctrace *c);

/* The record of event @e of @c. */
static inline const struct kmt_crec *kmt_cev_rec(const struct kmt_ctrace *c,
						 const struct kmt_cev *e)
{
	return &c->rec[e->rec];
}

/*
 * Event @i of @c in the full form (the pid of a memory event is 0; ts is
 * 0 without KMT_C_TS).  For tests and slow paths.
 */
void kmt_cev_expand(const struct kmt_ctrace *c, size_t i,
		    struct kmt_event *out);

/*
 * The first event of @t that @c does not hold as the compact form holds
 * it (see kmt_cev_expand()), 0 when the event or object counts differ, or
 * t->nr_ev when all agree.  For tests and the fuzz entry points.
 */
size_t kmt_ctrace_diff(const struct kmt_trace *t, const struct kmt_ctrace *c);

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
