#!/bin/sh
# tests/data/matrix/fake-replay.sh - stands in for `kmbench replay` in the
# matrix tests: `fake-replay.sh replay TRACE --alloc A --threads M --json`
# prints replay-format JSON (DESIGN.md's keys) whose numbers depend only on
# TRACE, A and M, so two runs of one cell agree.  The trace's file name
# picks a behaviour: crash* dies of SIGSEGV, fail* exits 65 with a message,
# garbage* prints no JSON, slow* sleeps $FAKE_SLOW seconds (default 30).
# $FAKE_SLEEP makes every cell sleep that long first; $FAKE_LOG appends one
# line per run; $FAKE_SLOWER=ALLOC makes that allocator 1.5 times slower.
[ "$1" = replay ] || { echo "fake-replay: expected 'replay'" >&2; exit 64; }
trace=$2 alloc=kmm mode=percpu
shift 2
while [ $# -gt 0 ]; do
	case $1 in
	--alloc) alloc=$2; shift ;;
	--threads) mode=$2; shift ;;
	esac
	shift
done
name=$(basename "$trace")
[ -n "${FAKE_LOG:-}" ] && echo "$name $alloc $mode" >> "$FAKE_LOG"
[ -n "${FAKE_SLEEP:-}" ] && sleep "$FAKE_SLEEP"
case $name in
crash*) echo "replaying $name" >&2; kill -SEGV $$ ;;
fail*) echo "$trace:3: bad event line" >&2; exit 65 ;;
garbage*) echo "this is not JSON"; exit 0 ;;
slow*) sleep "${FAKE_SLOW:-30}" ;;
esac
seed=$(printf '%s %s %s' "$name" "$alloc" "$mode" | cksum | cut -d' ' -f1)
awk -v seed="$seed" -v slower="${FAKE_SLOWER:-}" -v trace="$name" -v alloc="$alloc" -v mode="$mode" '
function r(lo, hi) { seed = (seed * 1103515245 + 12345) % 2147483648;
	return lo + (hi - lo) * seed / 2147483648 }
BEGIN {
	base = (alloc == "kmm") ? 20 : (alloc == "glibc") ? 45 : 35;
	if (alloc == slower)
		base *= 1.5;
	n = 100000; wall = n * base * 1e-9 * r(0.9, 1.1);
	printf "{ \"schema\": 1, \"trace\": \"%s\", \"allocator\": \"%s\", \"mode\": \"%s\",\n", trace, alloc, mode;
	printf "  \"events\": { \"total\": %d, \"replayed\": %d, \"skipped\": { \"unmatched_free\": 10 } },\n", n + 10, n;
	printf "  \"ops\": {";
	split("kmalloc kfree page_alloc page_free kmem_cache_alloc kmem_cache_free", ops, " ");
	for (i = 1; i <= 6; i++) {
		m = base * r(0.8, 1.2) * ((i > 4) ? 0.2 : (i > 2) ? 4 : 1);
		printf "%s\n    \"%s\": { \"count\": %d, \"ns\": { \"mean\": %.2f, \"p50\": %.2f, \"p90\": %.2f, \"p99\": %.2f, \"p999\": %.2f, \"max\": %.2f }", (i > 1 ? "," : ""), ops[i], (i > 4) ? n / 8 : n / 4, m, m * 0.8, m * 1.5, m * 3, m * 8, m * 40;
		if (ops[i] == "kmalloc")
			printf ", \"by_class\": { \"8\": { \"count\": %d }, \"64\": { \"count\": %d }, \"192\": { \"count\": %d }, \"1024\": { \"count\": %d }, \"large\": { \"count\": 7 } }", 900 + length(trace) * 50, 5000, 1200, 300;
		if (ops[i] == "page_alloc")
			printf ", \"by_class\": { \"order-0\": { \"count\": %d }, \"order-3\": { \"count\": 40 }, \"order-10\": { \"count\": 2 } }", 800 + length(trace) * 100;
		printf " }";
	}
	printf " },\n";
	printf "  \"throughput\": { \"events_per_sec\": %.1f, \"wall_s\": %.6f },\n", n / wall, wall;
	printf "  \"fidelity\": { \"kmalloc_class\": { \"agree\": %d, \"total\": 1000 }, \"cache_size\": { \"agree\": %d, \"total\": 800 } },\n", (alloc == "kmm" ? 990 : 0), (alloc == "kmm" ? 790 : 0);
	peak = 4000000 * r(1, 1.5);
	printf "  \"fragmentation\": { \"internal_pct\": %.2f, \"unusable_index\": { \"0\": 0.0, \"3\": %.3f, \"9\": %.3f }, \"peak_footprint_bytes\": %d, \"peak_live_bytes\": %d },\n", r(5, 25), r(0, 0.3), r(0.3, 0.9), peak, 3000000;
	printf "  \"tlb\": { \"model\": \"4-way 64-entry L1 + 1536-entry L2\", \"accesses\": 2000000, \"misses\": %d },\n", r(1000, 20000);
	printf "  \"counters\": { \"hardware\": \"unavailable: no PMU\", \"software\": { \"task-clock-ns\": %d, \"page-faults\": %d } },\n", wall * 1e9, r(100, 900);
	printf "  \"leaks\": { \"objects\": 0, \"bytes\": 0 },\n";
	printf "  \"timeline\": [";
	for (i = 0; i < 8; i++)
	{
		printf "%s\n    { \"event\": %d, \"s\": %.6f, \"live_bytes\": %d, \"footprint_bytes\": %d", (i ? "," : ""), i * n / 8, i * wall / 8, 3000000 * (0.4 + i / 14), peak * (0.5 + i / 16);
		if (alloc == "kmm")
			printf ", \"unusable_index_3\": %.3f, \"unusable_index_9\": %.3f", r(0, 0.3), r(0.3, 0.9);
		printf ", \"tlb_misses\": %d }", i * 100;
	}
	printf " ],\n";
	printf "  \"histograms\": { \"size_classes\": [[8, 120], [16, 300], [32, 510], [64, 420], [128, 200], [256, 90], [512, 40], [1024, 12], [4096, 3]],\n";
	printf "    \"page_orders\": [[0, 900], [1, 120], [2, 40], [3, 22], [4, 3]] }\n}\n";
}'
