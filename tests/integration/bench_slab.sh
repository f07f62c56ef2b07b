#!/bin/sh
# `kmbench bench slab`: the JSON contract and the goal lines.
# (No timing is asserted; the scale and no callgrind keep the run short.)
. "$(dirname "$0")/tap.sh"
KMB_BENCH_SLAB_SCALE=500
KMB_BENCH_SLAB_CALLGRIND=0
export KMB_BENCH_SLAB_SCALE KMB_BENCH_SLAB_CALLGRIND
plan 6
expect_exit 0 "bench slab --json exits 0" "$KMBENCH" bench slab --json
check "names the benchmark" \
	'printf "%s" "$out" | grep -q "^{\"bench\":\"slab\",\"pairs\":\["'
check "kmm pairs for every size from 8 to 4096 with ns_per_pair" \
	'for s in 8 16 32 64 128 256 512 1024 2048 4096; do printf "%s" "$out" | grep -q "{\"allocator\":\"kmm\",\"size\":$s,\"ns_per_pair\":[0-9]" || exit 1; done; true'
check "remote frees, variants, goals" \
	'printf "%s" "$out" | grep -q "\"remote\":\[{\"allocator\":\"kmm\",\"size\":64," &&
	 printf "%s" "$out" | grep -q "\"kmm_variants\":\[{\"allocator\":\"kmem_cache\"" &&
	 printf "%s" "$out" | grep -q "\"goals\":{\"faster_than_every_baseline\":"'
expect_exit 0 "bench slab prints a table" "$KMBENCH" bench slab
check "the table ends with the goal" \
	'printf "%s" "$out" | tail -1 | grep -q "^goal: kmm (kmalloc+kfree) faster than every baseline"'
finish
