#!/bin/sh
# `kmbench vm`: scripts of address-space operations, their output, errors.
. "$(dirname "$0")/tap.sh"
data="$KMB_SOURCE_ROOT/tests/data/vm"
plan 14
expect_exit 0 "--help" "$KMBENCH" vm --help
check "help lists the commands" 'echo "$out" | grep -q "mremap ADDR OLDLEN"'
expect_exit 0 "fork and copy-on-write script" "$KMBENCH" vm "$data/fork-cow.vm"
check "the child sees its write" \
	'echo "$out" | sed -n 1p | grep -qx "hello childthe parent"'
check "the parent keeps its bytes" \
	'echo "$out" | sed -n 2p | grep -qx "hello from the parent"'
check "maps: heap, file and stack in the kernel format" \
	'echo "$out" | grep -qx "555555560000-555555565000 rw-p 00000000 00:00 0                          \[heap\]" &&
	 echo "$out" | grep -q "^7ffff7fef000-7ffff7fff000 r-xp 00000000 fe:01 [0-9]* *\/usr\/lib\/libdemo.so$" &&
	 echo "$out" | grep -q " \[stack\]$"'
check "the child's write was a COW fault" \
	'echo "$out" | grep -q "^pid 2: minor 1 major 0 cow 1 "'
expect_exit 0 "swap script" "$KMBENCH" vm "$data/swap.vm"
check "swapped out, then read back" \
	'echo "$out" | grep -qx "5: reclaimed 2" &&
	 echo "$out" | grep -qx "VmSwap:	       8 kB" &&
	 echo "$out" | grep -qx "first page" && echo "$out" | grep -qx "last page"'
check "failed calls print their errno" \
	'echo "$out" | grep -qx "10: munmap: error EINVAL (Invalid argument)" &&
	 echo "$out" | grep -qx "11: mmap: error EEXIST (File exists)" &&
	 echo "$out" | grep -qx "12: fault 0x10 r: SIGSEGV" &&
	 echo "$out" | grep -q "^14: write: error EFAULT"'
check "counted: 2 major, 1 maperr, 1 accerr" \
	'echo "$out" | grep -q "major 2 .* segv_maperr 1 segv_accerr 1 "'
expect_exit 65 "an unknown command is bad data" "$KMBENCH" vm \
	"$data/bad-command.vm"
check "FILE:LINE: names it" \
	'printf "%s" "$err" | grep -q "bad-command.vm:2: unknown command"'
run_stdin "$data/fork-cow.vm" "$KMBENCH" vm -
check "standard input with -" '[ "$rc" = 0 ] && echo "$out" | grep -q "\[heap\]"'
finish
