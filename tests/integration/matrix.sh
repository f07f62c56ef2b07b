#!/bin/sh
# The matrix runner and results store: failed cells recorded, timeouts,
# resume after SIGKILL between and during cells, shard + merge == one run,
# bad command lines.  Cells run tests/data/matrix/fake-replay.sh in place of
# `kmbench replay`, so the runner is tested on its own.
. "$(dirname "$0")/tap.sh"
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 command-line tool not installed"
	exit 0
fi
plan 24
export KMBENCH_REPLAY="$KMB_SOURCE_ROOT/tests/data/matrix/fake-replay.sh"
t=$tap_tmp
mkdir -p "$t/tr"
for f in a.kmt b.kmt crash.kmt fail.kmt garbage.kmt slow.kmt; do
	: > "$t/tr/$f"
done
q() { sqlite3 "$1/matrix.db" "$2"; }
# Canonical content of a results database: cells and metrics, sorted.
dump() {
	sqlite3 "$1" "SELECT c.key, c.status, c.exit_code, m.name, m.value
		FROM cells c LEFT JOIN metrics m ON m.cell_id = c.id
		ORDER BY c.key, m.name;
		SELECT c.key, t.name, t.idx, t.x, t.y FROM cells c
		JOIN timelines t ON t.cell_id = c.id ORDER BY 1, 2, 3;
		SELECT c.key, h.name, h.idx, h.x, h.y FROM cells c
		JOIN histograms h ON h.cell_id = c.id ORDER BY 1, 2, 3;"
}
A="--allocators kmm,glibc,jemalloc"

# 1. failures of every kind are recorded and the matrix goes on
FAKE_SLOW=20 expect_exit 0 "a matrix with failing cells completes" \
	"$KMBENCH" matrix --traces "$t/tr/*.kmt" $A --reps 2 --timeout 1 \
	--out "$t/r1"
check "every cell is stored once" '[ "$(q "$t/r1" "SELECT count(*), count(DISTINCT key) FROM cells")" = "36|36" ]'
check "a crashing cell is 'crashed' with its signal and stderr" \
	'[ "$(q "$t/r1" "SELECT DISTINCT status || exit_code || stderr_tail FROM cells WHERE trace = '"'crash.kmt'"'")" = "crashed11replaying crash.kmt" ]'
check "a failing cell keeps its exit code and FILE:LINE message" \
	'q "$t/r1" "SELECT status, exit_code, stderr_tail FROM cells WHERE trace = '"'fail.kmt'"'" | grep -q "^failed|65|.*fail.kmt:3: bad event line"'
check "a cell without JSON is 'bad-json'" \
	'[ "$(q "$t/r1" "SELECT count(*) FROM cells WHERE trace = '"'garbage.kmt'"' AND status = '"'bad-json'"'")" = 6 ]'
check "a slow cell is killed at the timeout" \
	'[ "$(q "$t/r1" "SELECT count(*) FROM cells WHERE trace = '"'slow.kmt'"' AND status = '"'timeout'"' AND wall_s < 10")" = 6 ]'
check "good cells are 'ok' with their metrics" \
	'[ "$(q "$t/r1" "SELECT count(*) FROM cells c JOIN metrics m ON m.cell_id = c.id WHERE m.name = '"'ops.kmalloc.ns.mean'"' AND c.status = '"'ok'"'")" = 12 ]'
check "timelines and histograms are stored" \
	'[ "$(q "$t/r1" "SELECT count(DISTINCT name) FROM timelines")" = 6 ] && [ "$(q "$t/r1" "SELECT count(DISTINCT name) FROM histograms")" = 2 ]'
check "each cell has its JSON file" \
	'[ "$(ls "$t/r1/cells" | grep -c "\.json$")" = 36 ] && ! ls "$t/r1/cells" | grep -q tmp'
check "the environment is recorded" \
	'q "$t/r1" "SELECT env_json FROM runs" | grep -q "\"hardware_counters\"" && grep -q "\"kernel\"" "$t/r1/env.json"'

# 2. SIGKILL between two cells, then --resume
KMBENCH_MATRIX_KILL_AFTER=4 FAKE_LOG="$t/log2" run "$KMBENCH" matrix \
	--traces "$t/tr/a.kmt" "$t/tr/b.kmt" $A --reps 2 --out "$t/r2"
check "killed between cells: 4 cells kept" \
	'[ "$rc" = 137 ] && [ "$(q "$t/r2" "SELECT count(*) FROM cells")" = 4 ]'
FAKE_LOG="$t/log2" expect_exit 0 "--resume finishes the matrix" \
	"$KMBENCH" matrix --resume --out "$t/r2"
check "after resume: all 12 cells, none twice, none repeated" \
	'[ "$(q "$t/r2" "SELECT count(*), count(DISTINCT key) FROM cells WHERE status = '"'ok'"'")" = "12|12" ] && [ "$(wc -l < "$t/log2")" = 12 ]'

# 3. SIGKILL in the middle of a cell, then --resume
FAKE_SLEEP=0.4 "$KMBENCH" matrix --traces "$t/tr/a.kmt" "$t/tr/b.kmt" $A \
	--reps 2 --out "$t/r3" 2> "$t/err3" &
pid=$!
i=0
while [ "$i" -lt 100 ]; do
	n=$(q "$t/r3" "SELECT count(*) FROM cells" 2>/dev/null)
	[ "${n:-0}" -ge 3 ] && break
	sleep 0.1
	i=$((i + 1))
done
sleep 0.2
kill -9 "$pid"
wait "$pid" 2>/dev/null
n3=$(q "$t/r3" "SELECT count(*) FROM cells")
check "killed mid-cell: finished cells kept, the running one not stored" \
	'[ "$n3" -ge 3 ] && [ "$n3" -lt 12 ] && [ "$(q "$t/r3" "PRAGMA integrity_check")" = ok ]'
expect_exit 0 "--resume after a mid-cell kill" \
	"$KMBENCH" matrix --resume --out "$t/r3"
check "the resumed run equals an uninterrupted one" \
	'"$KMBENCH" matrix --traces "$t/tr/a.kmt" "$t/tr/b.kmt" $A --reps 2 --out "$t/r3full" 2>/dev/null && [ "$(dump "$t/r3/matrix.db")" = "$(dump "$t/r3full/matrix.db")" ]'

# 4. shards + merge == one run
for s in 1 2 3; do
	"$KMBENCH" matrix --traces "$t/tr/a.kmt" "$t/tr/b.kmt" \
		"$t/tr/crash.kmt" $A --reps 2 --shard $s/3 --out "$t/s$s" \
		2>/dev/null
done
"$KMBENCH" matrix --traces "$t/tr/a.kmt" "$t/tr/b.kmt" "$t/tr/crash.kmt" \
	$A --reps 2 --out "$t/one" 2>/dev/null
check "shards split the cells" \
	'[ "$(q "$t/s1" "SELECT count(*) FROM cells")" = 6 ] && [ "$(q "$t/s3" "SELECT count(*) FROM cells")" = 6 ]'
expect_exit 0 "results merge joins the shards" "$KMBENCH" results merge \
	"$t/s1/matrix.db" "$t/s2/matrix.db" "$t/s3/matrix.db" -o "$t/merged.db"
check "the merged database equals one run" \
	'[ -n "$(dump "$t/merged.db")" ] && [ "$(dump "$t/merged.db")" = "$(dump "$t/one/matrix.db")" ]'
expect_exit 65 "merge never overwrites its output" "$KMBENCH" results \
	merge "$t/s1/matrix.db" -o "$t/merged.db"

# 5. hyperfine times each cell's whole command
if command -v hyperfine >/dev/null 2>&1; then
	"$KMBENCH" matrix --traces "$t/tr/a.kmt" --allocators kmm,glibc \
		--reps 1 --hyperfine --out "$t/hf" 2>/dev/null
	check "--hyperfine stores hyperfine's JSON for each ok cell" \
		'[ "$(q "$t/hf" "SELECT count(*) FROM cells WHERE hyperfine_json LIKE '"'%\"mean\"%'"'")" = 2 ]'
else
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP hyperfine not installed"
fi

# 6. bad command lines
expect_exit 64 "--shard 3/2 is a usage error" "$KMBENCH" matrix \
	--traces "$t/tr/a.kmt" --shard 3/2 --out "$t/x"
expect_exit 65 "a missing trace is bad input" "$KMBENCH" matrix \
	--traces "$t/tr/nothing.kmt" --out "$t/x"
expect_exit 64 "an existing run needs --resume" "$KMBENCH" matrix \
	--traces "$t/tr/a.kmt" --out "$t/r2"
finish
