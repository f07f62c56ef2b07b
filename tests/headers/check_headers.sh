#!/bin/sh
# Compiles every public header alone (a .c file that includes only it), so
# each header carries its own includes.  TAP output.
#
# usage: check_headers.sh CC SOURCE_ROOT BUILD_ROOT
set -u
cc=$1 src=$2 build=$3
incs="-I$src/alloc/include -I$src/traces/include -I$src/common -I$src/bench -I$build"
headers=$(cd "$src" && find alloc/include traces/include common bench \
	-name '*.h' 2>/dev/null | LC_ALL=C sort)
n=$(printf '%s\n' "$headers" | grep -c .)
echo "1..$n"
i=0 fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for h in $headers; do
	i=$((i + 1))
	base=$(basename "$h")
	printf '#include "%s"\n#include "%s"\n' "$src/$h" "$src/$h" > "$tmp/t.c"
	if $cc -std=gnu17 -D_GNU_SOURCE -fsyntax-only -Wall -Wextra -Werror \
		-Wno-unused-parameter -Wno-unused-function $incs "$tmp/t.c" \
		> "$tmp/err" 2>&1; then
		echo "ok $i - $h"
	else
		echo "not ok $i - $h"
		sed 's/^/# /' "$tmp/err"
		fail=1
	fi
done
exit $fail
