#!/bin/sh
# The shipped corpus (traces/corpus/): every trace is read in strict mode
# with all its events, carries its capture metadata, lost no events, and is
# listed in the corpus README; a tiny version exists for every workload and
# the whole corpus stays under 20 MB.
. "$(dirname "$0")/tap.sh"
dir="$KMB_SOURCE_ROOT/traces/corpus"
files=$(cd "$dir" && ls *.trace.zst)
n=$(printf '%s\n' $files | wc -l)
plan $((n * 3 + 2))

for f in $files; do
	p="$dir/$f"
	lines=$(zstd -dc "$p" | sed -n 's/^# kmbench-meta: event_lines=//p')
	run "$KMBENCH" trace stat --json "$p"
	check "$f: read in strict mode, all $lines lines, nothing lost" \
		'[ $rc = 0 ] && o=$(printf "%s\n" "$out" | tr -d " \n") && for k in "\"lost\":0," "\"lost_by_cpu\":{}," "\"unknown\":0,"; do printf "%s\n" "$o" | grep -qF "$k" || exit 1; done && [ "$(printf "%s\n" "$o" | sed -n "s/.*\"events\":{\"total\":\([0-9]*\),.*/\1/p")" -ge "$lines" ]'
	check "$f: capture metadata" \
		'for k in kernel cpus page_size events start_time hashed_ptrs lost_events command; do zstd -dc "$p" | head -40 | grep -q "^# kmbench-meta: $k=" || exit 1; done'
	check "$f: described in the README" 'grep -q "^### $f" "$dir/README.md"'
done
check "a tiny version of every workload" \
	'for f in $files; do case $f in *-tiny.*) ;; *) [ -f "$dir/${f%.trace.zst}-tiny.trace.zst" ] || exit 1;; esac; done'
check "the corpus stays under 20 MB" \
	'[ "$(cat "$dir"/*.trace.zst | wc -c)" -lt 20000000 ]'
finish
