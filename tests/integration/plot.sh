#!/bin/sh
# kmbench plot and compare on a small matrix run (cells from
# tests/data/matrix/fake-replay.sh): every plot renders to a non-empty PNG
# and SVG, the reports link every plot, compare finds a planted regression.
. "$(dirname "$0")/tap.sh"
if ! command -v sqlite3 >/dev/null 2>&1 || ! command -v gnuplot >/dev/null 2>&1
then
	echo "1..0 # SKIP needs sqlite3 and gnuplot"
	exit 0
fi
plan 17
export KMBENCH_REPLAY="$KMB_SOURCE_ROOT/tests/data/matrix/fake-replay.sh"
t=$tap_tmp
mkdir -p "$t/tr"
for f in small.kmt other.kmt crash.kmt; do : > "$t/tr/$f"; done
A="--allocators kmm,glibc,jemalloc --reps 2"
"$KMBENCH" matrix --traces "$t/tr/*.kmt" $A --out "$t/a" 2>/dev/null
FAKE_SLOWER=jemalloc "$KMBENCH" matrix --traces "$t/tr/*.kmt" $A \
	--out "$t/b" 2>/dev/null

expect_exit 0 "plot renders a run" "$KMBENCH" plot "$t/a"
check "the summary table is printed, with ratios against glibc" \
	'printf "%s\n" "$out" | grep -q "^small.kmt  *percpu  *jemalloc  *2/2 .*0\.[0-9]* (" && printf "%s\n" "$out" | grep -q "glibc  *2/2 .*1 (baseline)"'
check "the report's path is printed" \
	'printf "%s\n" "$out" | grep -qx "report: $t/a/report.html"'
for p in ns_per_event latency fragmentation footprint tlb trace_hist fidelity
do
	check "plot $p: non-empty PNG and SVG" \
		'[ -s "$t/a/plots/$p.png" ] && [ -s "$t/a/plots/$p.svg" ] && head -c 8 "$t/a/plots/$p.png" | grep -q PNG && grep -q "<svg" "$t/a/plots/$p.svg"'
done
check "report.html and report.md link every plot" \
	'n=0; for f in "$t"/a/plots/*.png; do b=$(basename "$f" .png); grep -q "src=\"plots/$b.png\"" "$t/a/report.html" || exit 1; grep -q "(plots/$b.png)" "$t/a/report.md" || exit 1; n=$((n + 1)); done; [ $n = 7 ]'
check "the report has the environment, the build and the failed cells" \
	'grep -q "hardware_counters" "$t/a/report.html" && grep -q "Produced by the kmbench build" "$t/a/report.md" && grep -qF "crash.kmt\\|kmm\\|percpu\\|0" "$t/a/report.md"'
check "the scripts redraw the plots with gnuplot alone" \
	'cd "$t/a/plots" && rm latency.png && gnuplot latency.gp 2>/dev/null && [ -s latency.png ]'
expect_exit 0 "compare runs" "$KMBENCH" compare "$t/a" "$t/b"
check "compare finds the planted regressions and nothing else" \
	'printf "%s\n" "$out" | grep -q "^2 regression(s), 0 improvement(s), 4 unchanged" && [ "$(printf "%s\n" "$out" | grep REGRESSION | grep -c jemalloc)" = 2 ]'
mkdir -p "$t/ref" && zstd -q "$t/a/matrix.db" -o "$t/ref/matrix.db.zst"
check "compare reads a run kept as matrix.db.zst" \
	'"$KMBENCH" compare "$t/ref" "$t/b" 2>/dev/null | grep -q "^2 regression(s), 0 improvement(s), 4 unchanged"'
expect_exit 65 "plot of a directory without results" "$KMBENCH" plot "$t/tr"
finish
