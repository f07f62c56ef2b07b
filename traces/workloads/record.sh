#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# traces/workloads/record.sh - record the shipped corpus (traces/corpus/)
# again, as root.
#
#   sudo traces/workloads/record.sh [OUTDIR] [tiny|full|all] [NAME...]
#
# Runs each workload under `kmbench trace capture --follow` and writes
# OUTDIR/NAME.trace.zst (full) and OUTDIR/NAME-tiny.trace.zst (about 50k
# events).  CAPTURE overrides the capture command (default: the kmbench
# launcher at the project root).  Needs gcc, tar and python3.
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
out=${1:-$root/traces/corpus}
which=${2:-all}
shift $(($# < 2 ? $# : 2))
only=$*
capture=${CAPTURE:-"$root/kmbench trace capture"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

cc -O2 -o "$work/mmapstorm" "$here/mmapstorm.c"
# the compile workload builds a fixed set of kmbench's own sources
ccfiles="common/util.c common/json.c alloc/cpu.c bench/main.c
bench/cmd_run.c bench/cmd_bench.c tests/harness.c traces/capture.c
traces/dat.c"
cp -r "$root/common" "$root/alloc" "$root/bench" "$root/tests" \
	"$root/traces" "$work/"
mkdir -p "$work/cfg"
cat > "$work/cfg/config.h" <<'CFG'
#define HAVE_ZSTD 1
#define HAVE_TRACEFS 1
#define HAVE_TRACECMD 1
#define KMBENCH_VERSION "corpus"
CFG

# rec NAME EVENTS CMD...
rec() {
	name=$1 events=$2
	shift 2
	case " ${only:-${name%-tiny}} " in
	*" ${name%-tiny} "*) ;;
	*) return 0 ;;
	esac
	echo "== $name: $*" >&2
	# shellcheck disable=SC2086
	(cd "$work" && $capture --follow --events "$events" --zstd-level 12 \
		-o "$out/$name.trace.zst" -- "$@")
	if ! zstd -dc "$out/$name.trace.zst" | head -40 |
		grep -q '^# kmbench-meta: command_exit=0$'; then
		echo "record.sh: $name: the workload failed" >&2
		exit 1
	fi
}

run() { # SIZE
	if [ "$1" = tiny ]; then
		sfx=-tiny fe=160 man=/usr/share/man/man3 cc=common/json.c
		mb=24 pings=800 rounds=480 loops=2
	else
		sfx= fe=1000 man=/usr/share/man/man1 cc=$ccfiles
		mb=128 pings=4000 rounds=3000 loops=12
	fi
	rec "forkexec$sfx" kmem,vmalloc,percpu \
		sh -c "for i in \$(seq $fe); do /bin/true; done"
	sync
	echo 3 > /proc/sys/vm/drop_caches || true
	rec "tar$sfx" kmem,vmalloc,percpu \
		sh -c "tar cf - $man 2>/dev/null | wc -c"
	# shellcheck disable=SC2086
	rec "compile$sfx" kmem,vmalloc,percpu \
		gcc -O2 -D_GNU_SOURCE -Icfg -Icommon -Ialloc/include -Itraces/include -Ibench \
		-Itests $(pkg-config --cflags libtracefs libtracecmd) -c $cc
	rec "network$sfx" kmem,vmalloc,percpu \
		python3 traces/workloads/tcploop.py "$mb" "$pings"
	rec "mmap$sfx" kmem,vm ./mmapstorm "$rounds"
	rec "lifecycle$sfx" kmem,vmalloc,percpu,vm \
		sh -c "for i in \$(seq $loops); do ls -l /usr/bin | sort -k5 -n | tail -1 >/dev/null; done"
}

case $which in
tiny | full) run "$which" ;;
all) run tiny; run full ;;
*) echo "usage: record.sh [OUTDIR] [tiny|full|all]" >&2; exit 64 ;;
esac
