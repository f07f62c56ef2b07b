#!/bin/sh
# kmbench run --quick end to end on a small corpus, cells replayed by
# tests/data/matrix/fake-replay.sh: a run directory with the database,
# plots and report, results/latest, the summary and the report's path.
. "$(dirname "$0")/tap.sh"
if ! command -v sqlite3 >/dev/null 2>&1 || ! command -v gnuplot >/dev/null 2>&1
then
	echo "1..0 # SKIP needs sqlite3 and gnuplot"
	exit 0
fi
plan 12
export KMBENCH_REPLAY="$KMB_SOURCE_ROOT/tests/data/matrix/fake-replay.sh"
export KMBENCH_CORPUS="$tap_tmp/corpus" KMBENCH_RESULTS="$tap_tmp/results"
mkdir -p "$KMBENCH_CORPUS/workloads"
for f in one.kmt two.kmt three.kmt four.kmt; do
	: > "$KMBENCH_CORPUS/$f"
done
echo "how the traces were made" > "$KMBENCH_CORPUS/README.md"
echo "x" > "$KMBENCH_CORPUS/four.kmt"	# the biggest: left out by --quick

expect_exit 0 "run --quick" "$KMBENCH" run --quick
r=$(readlink "$KMBENCH_RESULTS/latest")
check "results/latest names the new run" \
	'[ -n "$r" ] && [ -f "$KMBENCH_RESULTS/$r/matrix.db" ] && [ -s "$KMBENCH_RESULTS/$r/report.html" ]'
check "the report's path is printed" \
	'printf "%s\n" "$out" | grep -qx "report: $KMBENCH_RESULTS/$r/report.html"'
check "the summary table is printed" \
	'printf "%s\n" "$out" | grep -q "^trace  *mode  *allocator" && printf "%s\n" "$out" | grep -q "^one.kmt  *percpu  *kmm  *1/1"'
check "--quick: one repetition of the 3 smallest traces, every allocator" \
	'[ "$(sqlite3 "$KMBENCH_RESULTS/$r/matrix.db" "SELECT count(DISTINCT trace), max(rep), count(DISTINCT allocator) >= 2, sum(trace = '"'four.kmt'"') FROM cells")" = "3|0|1|0" ]'
check "notes and directories in the corpus are no traces" \
	'! sqlite3 "$KMBENCH_RESULTS/$r/matrix.db" "SELECT trace FROM cells" | grep -qi -e readme -e workloads'
expect_exit 0 "a second run" "$KMBENCH" run --quick
check "the second run gets its own directory and results/latest" \
	'r2=$(readlink "$KMBENCH_RESULTS/latest") && [ "$r2" != "$r" ] && [ -s "$KMBENCH_RESULTS/$r2/report.md" ] && [ -s "$KMBENCH_RESULTS/$r/report.md" ]'
mkdir -p "$tap_tmp/c2"
for f in big.kmt big-tiny.kmt other.kmt other-tiny.kmt; do : > "$tap_tmp/c2/$f"; done
KMBENCH_CORPUS="$tap_tmp/c2" expect_exit 0 "run --quick on a corpus with tiny variants" \
	"$KMBENCH" run --quick --out "$tap_tmp/tiny"
check "--quick replays the NAME-tiny traces only" \
	'[ "$(sqlite3 "$tap_tmp/tiny/matrix.db" "SELECT group_concat(DISTINCT trace) FROM (SELECT trace FROM cells ORDER BY trace)")" = "big-tiny.kmt,other-tiny.kmt" ]'
expect_exit 0 "pgo --dry-run prints the plan" "$KMBENCH" pgo --dry-run --quick
check "the plan: generate, training replays, use, a plain -O2 build, both matrices" \
	'printf "%s\n" "$err" | grep -q "b_pgo=generate" && printf "%s\n" "$err" | grep -q "training replay: .*replay .*one.kmt --alloc kmm" && printf "%s\n" "$err" | grep -q "meson configure .*-Db_pgo=use" && printf "%s\n" "$err" | grep -q "build-o2 .*-Dc_args=-O2" && [ "$(printf "%s\n" "$err" | grep -c "pgo: matrix with")" = 2 ]'
finish
