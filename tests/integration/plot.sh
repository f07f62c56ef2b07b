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
plan 19
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
check "the latency plot has a panel per operation kind in the results" \
	'kinds=$(sqlite3 "$t/a/matrix.db" "SELECT DISTINCT substr(name, 5, length(name) - 11) FROM metrics WHERE name LIKE '"'ops.%.ns.p50'"' AND name NOT LIKE '"'ops.%.%.%.ns.p50'"'") && [ "$(printf "%s\n" $kinds | wc -l)" -ge 6 ] && for k in $kinds; do [ -s "$t/a/plots/lat_$k.dat" ] && grep -q "^ops = .*\b$k\b" "$t/a/plots/latency.gp" || exit 1; done'
check "the latency y range holds every value (some under 10 ns)" \
	'lo=$(sed -n "s/^ymin = //p" "$t/a/plots/latency.gp") && hi=$(sed -n "s/^ymax = //p" "$t/a/plots/latency.gp") && grep -hv "^pct" "$t"/a/plots/lat_*.dat | awk -v lo="$lo" -v hi="$hi" "{ for (i = 2; i <= NF; i++) if (\$i != \"nan\") { n++; if (\$i < min || n == 1) min = \$i; if (\$i < lo + 0 || \$i > hi + 0) bad = 1 } } END { exit !(n && !bad && min < 10) }"'
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
