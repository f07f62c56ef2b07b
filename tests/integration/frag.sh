#!/bin/sh
# `kmbench frag`: indices of hand-made buddyinfo, formats, bad input.
. "$(dirname "$0")/tap.sh"
data="$KMB_SOURCE_ROOT/tests/data/buddyinfo"
plan 17
expect_exit 0 "hand-made buddyinfo" "$KMBENCH" frag "$data/handmade.txt"
# Normal: 10 order-0 blocks.  unusable(1) = 10*1000/10; extfrag(1) =
# 1000 - (1000 + 10*1000/2)/10 = 400, extfrag(2) = 1000 - 3500/10 = 650.
# DMA: 4 order-1 + 1 order-2 = 12 pages; unusable(2) = 8*1000/12 = 666.
check "unusable_index lines, then extfrag_index lines" \
	'[ "$out" = "Node 0, zone   Normal 0.000 1.000 1.000 
Node 1, zone      DMA 0.000 0.000 0.666 
Node 0, zone   Normal -1.000  0.400  0.650 
Node 1, zone      DMA -1.000 -1.000 -1.000 " ]'
run_stdin "$data/handmade.txt" "$KMBENCH" frag -
check "standard input with -" '[ "$rc" = 0 ] && [ "$(echo "$out" | wc -l)" = 4 ]'
expect_exit 0 "a real machine's buddyinfo" "$KMBENCH" frag \
	"$data/host-example.txt"
check "one line per zone and index, 11 orders each" \
	'[ "$(echo "$out" | wc -l)" = 6 ] &&
	 [ "$(echo "$out" | head -1 | wc -w)" = 15 ]'
check "DMA: 1 order-8, 1 order-9, 3 order-10 blocks" \
	'echo "$out" | head -1 | grep -q "0.000 0.066 0.200 \$"'
expect_exit 65 "a bad count is bad data" "$KMBENCH" frag "$data/bad-count.txt"
check "FILE:LINE: names the place" \
	'printf "%s" "$err" | grep -q "bad-count.txt:1: bad free block count"'
expect_exit 65 "lines with different order counts" "$KMBENCH" frag \
	"$data/bad-orders.txt"
check "the second line is named" \
	'printf "%s" "$err" | grep -q "bad-orders.txt:2: 3 orders"'
printf '' > "$tap_tmp/empty"
expect_exit 65 "empty input" "$KMBENCH" frag "$tap_tmp/empty"
printf 'Node 0, zone Normal 1 2\n\nNode 0, zone DMA 1 2\n' > "$tap_tmp/blank"
expect_exit 65 "a blank line" "$KMBENCH" frag "$tap_tmp/blank"
printf 'Node 0, zone Normal 1 99999999999999999999\n' > "$tap_tmp/big"
expect_exit 65 "a count that overflows" "$KMBENCH" frag "$tap_tmp/big"
expect_exit 65 "a missing file" "$KMBENCH" frag "$tap_tmp/nonexistent"
expect_exit 64 "an unknown option" "$KMBENCH" frag --bogus
expect_exit 64 "two inputs" "$KMBENCH" frag a b
expect_exit 0 "--help" "$KMBENCH" frag --help
finish
