#!/bin/sh
# `kmbench bench vmalloc`: the JSON contract and the claim's verdict.
# (No timing is asserted: the verdict is printed, the keys are checked.)
. "$(dirname "$0")/tap.sh"
plan 7
expect_exit 0 "bench vmalloc --json exits 0" "$KMBENCH" bench vmalloc --json
check "names the benchmark" \
	'printf "%s" "$out" | grep -q "\"bench\":\"vmalloc\""'
check "has kmalloc, vmalloc and mmap pairs with ns_per_pair" \
	'for a in kmalloc vmalloc vmalloc-sim mmap; do printf "%s" "$out" | grep -q "\"allocator\":\"$a\",\"size\":4096,\"ns_per_pair\"" || exit 1; done; true'
check "covers 4 KiB to 4 MiB" \
	'printf "%s" "$out" | grep -q "\"size\":4194304"'
check "reports TLB misses per 1000 accesses and the claim" \
	'printf "%s" "$out" | grep -q "tlb_misses_per_1000" && printf "%s" "$out" | grep -q "\"claim\":{\"latency_supported\""'
expect_exit 0 "bench vmalloc prints a table" "$KMBENCH" bench vmalloc
check "the table ends with a verdict" \
	'printf "%s" "$out" | grep -q "^  verdict: "'
finish
