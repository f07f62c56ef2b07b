#!/bin/sh
# `kmbench bench buddy`: the JSON contract and the verdict line.
# (No timing is asserted; KMB_BENCH_BUDDY_SCALE keeps the run short.)
. "$(dirname "$0")/tap.sh"
KMB_BENCH_BUDDY_SCALE=200
export KMB_BENCH_BUDDY_SCALE
plan 6
expect_exit 0 "bench buddy --json exits 0" "$KMBENCH" bench buddy --json
check "names the benchmark" \
	'printf "%s" "$out" | grep -q "^{\"bench\":\"buddy\",\"pairs\":\["'
check "kmm pairs for orders 0, 3 and 9 with ns_per_pair" \
	'for s in 4096 32768 2097152; do printf "%s" "$out" | grep -q "\"allocator\":\"kmm\",\"size\":$s,\"order\":[0-9]*,\"ns_per_pair\":[0-9]" || exit 1; done; true'
check "jemalloc pairs with their ratio, and the goal" \
	'printf "%s" "$out" | grep -q "\"allocator\":\"jemalloc\",\"size\":4096,\"order\":0,\"ns_per_pair\":[0-9.e+-]*,\"ratio_to_kmm\":" &&
	 printf "%s" "$out" | grep -q "\"goal\":{\"order0_faster_than_jemalloc\":"'
expect_exit 0 "bench buddy prints a table" "$KMBENCH" bench buddy
check "the table ends with a verdict" \
	'printf "%s" "$out" | tail -1 | grep -q "^  verdict: order-0 pair"'
finish
