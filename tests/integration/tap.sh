# tests/integration/tap.sh - TAP helpers for CLI test scripts (sourced).
#
#   plan 3
#   expect_exit 0 "help works" "$KMBENCH" --help
#   expect_output "lists frag" "frag" "$KMBENCH" --help
#   finish
#
# Output of the last command is in $out (stdout) and $err (stderr).
: "${KMBENCH:?KMBENCH must name the built kmbench program}"
: "${KMB_SOURCE_ROOT:=.}"
tap_n=0
tap_fail=0
tap_tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tap_tmp"' EXIT

plan() { echo "1..$1"; }

_tap_result() { # ok? description
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_fail=1
		printf '%s\n' "$out" | head -20 | sed 's/^/# out: /'
		printf '%s\n' "$err" | head -20 | sed 's/^/# err: /'
	fi
}

# run CMD...: sets $out, $err, $rc
run() {
	"$@" > "$tap_tmp/out" 2> "$tap_tmp/err" < /dev/null
	rc=$?
	out=$(cat "$tap_tmp/out")
	err=$(cat "$tap_tmp/err")
}

# run_stdin FILE CMD...
run_stdin() {
	_in=$1
	shift
	"$@" > "$tap_tmp/out" 2> "$tap_tmp/err" < "$_in"
	rc=$?
	out=$(cat "$tap_tmp/out")
	err=$(cat "$tap_tmp/err")
}

# expect_exit CODE DESCRIPTION CMD...
expect_exit() {
	_code=$1 _desc=$2
	shift 2
	run "$@"
	[ "$rc" = "$_code" ]
	_r=$?
	[ $_r = 0 ] || err="exit $rc, expected $_code
$err"
	_tap_result $_r "$_desc"
}

# check DESCRIPTION TEST-EXPRESSION... (evaluated with eval)
check() {
	_desc=$1
	shift
	( eval "$@" )
	_tap_result $? "$_desc"
}

finish() { exit $tap_fail; }
