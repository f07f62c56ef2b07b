#!/bin/sh
# `kmbench slab-geometry`: the kernel's worked examples, flags, bad input.
. "$(dirname "$0")/tap.sh"
plan 12
expect_exit 0 "2 CPUs: 256, 344, task_struct" \
	"$KMBENCH" slab-geometry --cpus 2 256 344 5840:64
check "2 CPUs: 16/order 0, 23/order 1, 5888 5/order 3" \
	'[ "$out" = "256 256 16 0
344 344 23 1
5840 5888 5 3" ]'
expect_exit 0 "8 CPUs: kmalloc-256, -1k, -8k" \
	"$KMBENCH" slab-geometry --cpus 8 256 1024 8192
check "8 CPUs: 32/order 1, 32/order 3, 4/order 3" \
	'[ "$out" = "256 256 32 1
1024 1024 32 3
8192 8192 4 3" ]'
expect_exit 0 "1 CPU, --cpus=N form" "$KMBENCH" slab-geometry --cpus=1 1024
check "1 CPU: kmalloc-1k is 8 per order-1 slab" '[ "$out" = "1024 1024 8 1" ]'
expect_exit 0 "debug flags" "$KMBENCH" slab-geometry --cpus 2 \
	64:0:red_zone,poison,store_user 100:0:ctor 33:0:hwcache_align
check "debug layout, ctor free pointer, hwcache alignment" \
	'[ "$out" = "64 160 25 0
100 112 36 0
33 64 64 0" ]'
expect_exit 64 "an unknown flag is a usage error" \
	"$KMBENCH" slab-geometry --cpus 2 64:8:sparkly
check "the flag is named" 'printf "%s" "$err" | grep -q sparkly'
expect_exit 64 "ALIGN must be a power of two" "$KMBENCH" slab-geometry 64:24
expect_exit 0 "--help" "$KMBENCH" slab-geometry --help
finish
