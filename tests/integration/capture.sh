#!/bin/sh
# `kmbench trace capture`: usage errors, exit 69 without tracefs or root,
# and (as root, with tracefs) real captures: metadata, kmalloc/kfree lines,
# lost-event accounting, .zst and stdout output, Ctrl-C, the parser reading
# the result, no tracefs instance left behind (an instance of a concurrent
# capture that ends between the listing and the check does not count).
# `.dat` reading through `trace stat`.
. "$(dirname "$0")/tap.sh"
plan 43
t="$tap_tmp"
data="$KMB_SOURCE_ROOT/tests/data/dat"

# skip DESCRIPTION REASON
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# meta FILE KEY: the value of "# kmbench-meta: KEY=..."
meta() {
	sed -n "s/^# kmbench-meta: $2=//p" "$1" | head -1
}

expect_exit 0 "capture --help" "$KMBENCH" trace capture --help
check "help names the event groups and -o" \
	'printf "%s\n" "$out" | grep -q "percpu" && printf "%s\n" "$out" | grep -q -- "-o, --output"'
expect_exit 64 "unknown event group" "$KMBENCH" trace capture -e kmem,bogus
expect_exit 64 "bad SYSTEM:EVENT" "$KMBENCH" trace capture -e kmem:
expect_exit 64 "negative duration" "$KMBENCH" trace capture -d -1
expect_exit 64 "tiny buffer" "$KMBENCH" trace capture --buffer-kb 1
expect_exit 64 "--follow without a command" "$KMBENCH" trace capture --follow
expect_exit 64 "command not found" "$KMBENCH" trace capture -o "$t/x" -- /nonexistent/cmd
expect_exit 64 "unknown option" "$KMBENCH" trace capture --frob
expect_exit 64 "--pid of no process" "$KMBENCH" trace capture --pid 2147483646
expect_exit 64 "--pid not a number" "$KMBENCH" trace capture --pid 12x

mkdir -p "$t/notracefs"
run env KMBENCH_TRACEFS="$t/notracefs" "$KMBENCH" trace capture -o "$t/x" -d 0.1
check "no tracefs: exit 69" '[ $rc = 69 ]'
check "no tracefs: says how to fix it" \
	'printf "%s\n" "$err" | grep -q -e "mount -t tracefs" -e "run as root"'
check "no tracefs: no output file" '[ ! -e "$t/x" ]'

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$KMBENCH" trace capture -o /dev/null -d 0.1
	check "not root: exit 69" '[ $rc = 69 ]'
	check "not root: says to run as root" \
		'printf "%s\n" "$err" | grep -q "root"'
elif [ "$(id -u)" != 0 ]; then
	expect_exit 69 "not root: exit 69" "$KMBENCH" trace capture -o /dev/null -d 0.1
	check "not root: says to run as root" \
		'printf "%s\n" "$err" | grep -q "root"'
else
	skip "not root: exit 69" "no setpriv"
	skip "not root: says to run as root" "no setpriv"
fi

# .dat files (made with trace-cmd extract) through the parser
run "$KMBENCH" trace stat --json "$data/kmem.dat"
n=$(grep -c '^ *[^ ]*-[0-9]* *\[[0-9]*\] ' "$data/kmem.report")
check ".dat: trace stat reads it" '[ $rc = 0 ]'
check ".dat: every event of trace-cmd report is read ($n)" \
	'printf "%s\n" "$out" | tr -d " \n" | grep -q "\"events\":{\"total\":$n,"'

# ---- live captures ---------------------------------------------------------
live=yes
if [ "$(id -u)" != 0 ]; then
	live="not root"
else
	"$KMBENCH" trace capture -q -o "$t/probe" -d 0.05 2> "$t/probe.err"
	[ $? = 0 ] || live="no usable tracefs: $(head -1 "$t/probe.err")"
fi
if [ "$live" != yes ]; then
	for i in $(seq $((43 - tap_n))); do
		skip "live capture" "$live"
	done
	finish
fi

expect_exit 74 "output in a missing directory: exit 74 before capturing" \
	"$KMBENCH" trace capture -o "$t/no/such/dir/x.trace" -- /bin/true

before=$(ls /sys/kernel/tracing/instances 2>/dev/null | grep '^kmbench-' | sort)
f="$t/run.trace"
expect_exit 0 "capture a command (--follow)" "$KMBENCH" trace capture \
	--follow -e kmem -o "$f" -- sh -c 'cat /proc/self/status > /dev/null; ls / > /dev/null'
check "metadata keys present" \
	'for k in kernel cpus page_size hostname events start_time hashed_ptrs lost_events lost_events_cpu0 command; do grep -q "^# kmbench-meta: $k=" "$f" || { echo "# missing $k"; exit 1; }; done'
check "kernel release and CPU count are this machine's" \
	'[ "$(meta "$f" kernel)" = "$(uname -r)" ] && [ "$(meta "$f" cpus)" = "$(getconf _NPROCESSORS_CONF)" ] && [ "$(meta "$f" page_size)" = "$(getconf PAGESIZE)" ]'
check "command recorded with its exit status" \
	'meta "$f" command | grep -q "^sh -c cat /proc/self/status" && [ "$(meta "$f" command_exit)" = 0 ]'
check "kmalloc lines with their fields" \
	'grep -Eq "^ *[^ ].*-[0-9]+ +\[[0-9]{3}\] [^ ]+ +[0-9]+\.[0-9]{6}: kmalloc: call_site=[^ ]+ ptr=[0-9a-f]+ bytes_req=[0-9]+ bytes_alloc=[0-9]+ gfp_flags=" "$f"'
check "kfree lines" \
	'grep -Eq "\[[0-9]{3}\] [^ ]+ +[0-9]+\.[0-9]{6}: kfree: call_site=[^ ]+ ptr=" "$f"'
check "only the command's processes (--follow; kmbench is its name before exec)" \
	'! grep -v "^#" "$f" | grep -Eqv "^ *(<\.\.\.>|kmbench|sh|cat|ls)-[0-9]+ "'
check "event_lines counts the lines" \
	'[ "$(meta "$f" event_lines)" = "$(grep -vc "^#" "$f")" ]'
check "pointers unhashed where the kernel allows it" \
	'h=$(meta "$f" hashed_ptrs); if [ -e /sys/kernel/tracing/options/hash-ptr ]; then [ "$h" = no ]; else [ "$h" = yes ]; fi'
expect_exit 0 "the parser reads the capture" "$KMBENCH" trace stat --json "$f"
check "no tracefs instance left behind (other live captures aside)" \
	'for i in $(ls /sys/kernel/tracing/instances | grep "^kmbench-"); do printf "%s\n" "$before" | grep -qx "$i" || [ -d "/proc/${i#kmbench-}" ] || [ ! -d "/sys/kernel/tracing/instances/$i" ] || exit 1; done'

# --pid: a running process tree only
sh -c 'while :; do cat /proc/self/status > /dev/null; done' &
loop=$!
run "$KMBENCH" trace capture -e kmem --pid $loop -d 0.3 -o "$t/pid.trace"
kill $loop
check "--pid: only that process and its children" \
	'[ $rc = 0 ] && meta "$t/pid.trace" filter | grep -q "pids $loop " && grep -q ": kmalloc: " "$t/pid.trace" && ! grep -v "^#" "$t/pid.trace" | grep -Eqv "^ *(<\.\.\.>|sh|cat)-[0-9]+ "'

# --raw: binary pages, formatted by libtraceevent after the capture
f="$t/raw.trace"
expect_exit 0 "--raw capture" "$KMBENCH" trace capture --raw --follow -e kmem -o "$f" -- sh -c 'cat /proc/self/status > /dev/null'
check "--raw: kmalloc and kfree lines, the reader in the metadata" \
	'grep -Eq "\[[0-9]{3}\] [^ ]+ +[0-9]+\.[0-9]{6}: kmalloc: call_site=[^ ]+ ptr=0x[0-9a-f]+ bytes_req=[0-9]+" "$f" && grep -Eq ": kfree: call_site=[^ ]+ ptr=" "$f" && meta "$f" reader | grep -q "^trace_pipe_raw"'
check "--raw: CPUs merged in timestamp order" \
	'grep -v "^#" "$f" | sed -n "s/.*\] [^ ]* *\([0-9]*\.[0-9]*\): .*/\1/p" | sort -c -n'
check "--raw: the parser reads every line" \
	'"$KMBENCH" trace stat --json "$f" | tr -d " \n" | grep -q "\"events\":{\"total\":$(meta "$f" event_lines),"'

# system-wide, small buffer: lost events are counted per CPU and reported
f="$t/sys.trace"
run "$KMBENCH" trace capture --buffer-kb 8 -e kmem -d 0.5 -o "$f"
check "system-wide capture with --duration" '[ $rc = 0 ] && [ "$(meta "$f" filter)" = "none (system-wide)" ]'
check "lost events: total = sum over CPUs, reported when not 0" \
	'sum=0; for c in $(seq 0 $(($(meta "$f" cpus) - 1))); do sum=$((sum + $(meta "$f" lost_events_cpu$c))); done; [ "$sum" = "$(meta "$f" lost_events)" ] && { [ "$sum" = 0 ] || printf "%s\n" "$err" | grep -q "LOST"; }'

if command -v zstd >/dev/null 2>&1; then
	expect_exit 0 ".zst output" "$KMBENCH" trace capture -q -f -e kmem -o "$t/z.trace.zst" -- /bin/true
	check ".zst output is zstd with the metadata first" \
		'zstd -dc "$t/z.trace.zst" | head -1 | grep -q "^# kmbench-meta: "'
else
	skip ".zst output" "no zstd program"
	skip ".zst output is zstd with the metadata first" "no zstd program"
fi

expect_exit 0 "-o - writes to stdout" "$KMBENCH" trace capture -q -f -e kmem -o - -- echo hello
check "stdout has metadata and events, the command's output is on stderr" \
	'printf "%s\n" "$out" | grep -q "^# kmbench-meta: events=kmem:kmalloc" && printf "%s\n" "$out" | grep -q ": kmem_cache_alloc: " && ! printf "%s\n" "$out" | grep -q "^hello" && printf "%s\n" "$err" | grep -q "^hello"'

"$KMBENCH" trace capture -q -e kmem -o "$t/int.trace" 2> "$t/int.err" &
pid=$!
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
check "Ctrl-C stops a capture without a command cleanly" \
	'[ $rc = 0 ] && grep -q "^# kmbench-meta: duration_s=" "$t/int.trace"'
check "the command's own exit status does not fail the capture" \
	'"$KMBENCH" trace capture -q -f -e kmem -o "$t/f.trace" -- sh -c "exit 3" && [ "$(meta "$t/f.trace" command_exit)" = 3 ]'
finish
