#!/bin/sh
# `kmbench bench percpu`: the JSON contract and the table.
# (No timing is asserted; KMB_BENCH_PERCPU_SCALE keeps the run short.)
. "$(dirname "$0")/tap.sh"
KMB_BENCH_PERCPU_SCALE=500
export KMB_BENCH_PERCPU_SCALE
plan 6
expect_exit 0 "bench percpu --json exits 0" "$KMBENCH" bench percpu --json
check "names the benchmark and its units" \
	'printf "%s" "$out" | grep -q "^{\"bench\":\"percpu\",\"units\":4,\"pairs\":\["'
check "kmm pairs for sizes 4 to 4096 with ns_per_pair" \
	'for s in 4 16 64 256 1024 4096; do printf "%s" "$out" | grep -q "\"allocator\":\"kmm\",\"size\":$s,\"ns_per_pair\":[0-9]" || exit 1; done; true'
check "glibc pairs of size x units bytes with their ratio" \
	'printf "%s" "$out" | grep -q "\"allocator\":\"glibc\",\"size\":64,\"bytes\":256,\"ns_per_pair\":[0-9.e+-]*,\"ratio_to_kmm\":"'
expect_exit 0 "bench percpu prints a table" "$KMBENCH" bench percpu
check "the table has a kmm row per size" \
	'[ "$(printf "%s\n" "$out" | grep -c "^ *[0-9]*  kmm ")" = 6 ]'
finish
