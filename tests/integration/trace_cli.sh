#!/bin/sh
# `kmbench trace`: help, cat round trip, stdin, compressed input, stat
# --json, and bad input (FILE:LINE, exit codes).
. "$(dirname "$0")/tap.sh"
plan 35
d="$KMB_SOURCE_ROOT/tests/data/wild-traces"
slub="$d/ezequielgarcia__kmem-probe-framework__Logs_slab_compare_kmem_SLUB.log.txt"
t="$tap_tmp"

expect_exit 0 "trace --help" "$KMBENCH" trace --help
check "trace --help lists the subcommands" \
	'for s in capture convert cat info stat synth bench; do printf "%s\n" "$out" | grep -q "^  $s " || exit 1; done'
expect_exit 0 "trace stat --help" "$KMBENCH" trace stat --help
expect_exit 64 "unknown subcommand" "$KMBENCH" trace frobnicate
expect_exit 64 "unknown option" "$KMBENCH" trace cat --frob "$slub"

expect_exit 0 "cat reads a 2012 i386 CRLF trace" "$KMBENCH" trace cat "$slub"
printf '%s\n' "$out" > "$t/a.txt"
expect_exit 0 "cat reads its own output" "$KMBENCH" trace cat "$t/a.txt"
printf '%s\n' "$out" > "$t/b.txt"
check "cat output is a fixed point" 'cmp -s "$t/a.txt" "$t/b.txt"'
printf '%s\n' "a-1 [001] .... 2.5: percpu_alloc_percpu: call_site=f reserved=1 is_atomic=0 size=200 align=64 base_addr=0 off=0 ptr=1 bytes_alloc=800 gfp_flags=GFP_KERNEL" > "$t/pc.txt"
expect_exit 0 "cat reads a percpu allocation" "$KMBENCH" trace cat "$t/pc.txt"
check "cat keeps its size, align and reserved flag" \
	'printf "%s\n" "$out" | grep -q "reserved=1 is_atomic=0 size=200 align=64 .* bytes_alloc=800"'

run_stdin "$slub" "$KMBENCH" trace info -
check "stdin: - reads standard input" \
	'[ $rc = 0 ] && printf "%s\n" "$out" | grep -q "^events: *222"'
gzip -c "$slub" > "$t/s.gz"
expect_exit 0 "gzip input" "$KMBENCH" trace info "$t/s.gz"
check "gzip input has the same events" \
	'printf "%s\n" "$out" | grep -q "^events: *222"'

expect_exit 0 "stat --json" "$KMBENCH" trace stat --json --by cache "$slub"
check "stat --json has the contract's keys" \
	'printf "%s" "$out" | grep -q "\"events\":{\"total\":214" &&
	 printf "%s" "$out" | grep -q "\"by_event\":{\"kmalloc\"" &&
	 printf "%s" "$out" | grep -q "\"internal_fragmentation_pct\"" &&
	 printf "%s" "$out" | grep -q "\"alloc_requests\":0"'

printf 'a-1 [000] .... 1.0: kfree: call_site=f ptr=1\na-1 [000] .... 1.1: kmalloc: call_site=f ptr=1 bytes_req=8\n' > "$t/bad.txt"
expect_exit 65 "strict: a malformed line is exit 65" "$KMBENCH" trace info "$t/bad.txt"
check "strict: FILE:LINE: what is wrong" \
	'printf "%s" "$err" | grep -q "bad.txt:2: missing field bytes_alloc="'
expect_exit 0 "--lenient skips it" "$KMBENCH" trace info --lenient "$t/bad.txt"
check "--lenient counts it by reason" \
	'printf "%s" "$err" | grep -q "missing_field=1"'
expect_exit 64 "a missing file" "$KMBENCH" trace info "$t/nonexistent"
expect_exit 64 "a directory" "$KMBENCH" trace info "$t"
head -c 3000 /dev/urandom > "$t/garbage"
run "$KMBENCH" trace info "$t/garbage"
check "binary garbage: exit 65, not a crash" '[ $rc = 65 ]'
expect_exit 0 "convert to .kmt" "$KMBENCH" trace convert "$slub" "$t/s.kmt"
expect_exit 0 "cat reads the .kmt" "$KMBENCH" trace cat "$t/s.kmt"
printf '%s\n' "$out" > "$t/c.txt"
check ".kmt keeps every event (cat of .kmt = cat of the text)" \
	'cmp -s "$t/a.txt" "$t/c.txt"'
head -c 200 "$t/s.kmt" > "$t/cut.kmt"
run "$KMBENCH" trace info "$t/cut.kmt"
check "a truncated .kmt: exit 65 with a message" \
	'[ $rc = 65 ] && printf "%s" "$err" | grep -q "cut.kmt: corrupt .kmt"'
run_stdin "$t/s.kmt" "$KMBENCH" trace info -
check ".kmt on standard input" \
	'[ $rc = 0 ] && printf "%s\n" "$out" | grep -q "^format: *kmt"'
expect_exit 0 "synth" "$KMBENCH" trace synth --like "$slub" --events 5000 -o "$t/syn.kmt"
run "$KMBENCH" trace info "$t/syn.kmt"
check "synth writes the requested number of events" \
	'[ $rc = 0 ] && printf "%s\n" "$out" | grep -q "^events: *5000$"'
expect_exit 64 "synth without --events" "$KMBENCH" trace synth --like "$slub" -o "$t/x.kmt"
expect_exit 0 "trace bench" "$KMBENCH" trace bench "$slub"
check "bench prints the ratio to wc -l and the .kmt figures" \
	'printf "%s" "$out" | grep -q "parse speed / wc -l speed" &&
	 printf "%s" "$out" | grep -q "bytes/event before compression"'
dat="$KMB_SOURCE_ROOT/tests/data/dat/kmem.dat"
run "$KMBENCH" trace info "$dat"
if [ $rc = 69 ]; then
	echo "ok $((tap_n + 1)) # SKIP built without libtracecmd"
	echo "ok $((tap_n + 2)) # SKIP built without libtracecmd"
	tap_n=$((tap_n + 2))
else
	check "a trace-cmd .dat file is read" \
		'[ $rc = 0 ] && printf "%s\n" "$out" | grep -q "^format: *trace-cmd-dat"'
	run_stdin "$dat" "$KMBENCH" trace info -
	check "a .dat file on standard input" \
		'[ $rc = 0 ] && printf "%s\n" "$out" | grep -q "^format: *trace-cmd-dat"'
fi
: > "$t/empty"
expect_exit 0 "an empty file is an empty trace" "$KMBENCH" trace info "$t/empty"
finish
