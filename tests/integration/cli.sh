#!/bin/sh
# The command-line contract: help, unknown commands, exit codes.
. "$(dirname "$0")/tap.sh"
plan 6
expect_exit 0 "--help exits 0" "$KMBENCH" --help
check "--help lists every command of the contract" \
	'for c in run test replay matrix plot trace bench slab-geometry frag; do printf "%s\n" "$out" | grep -q "^  $c " || exit 1; done; true'
expect_exit 64 "no command is a usage error" "$KMBENCH"
expect_exit 64 "an unknown command is a usage error" "$KMBENCH" no-such-command
check "the unknown command is named" 'printf "%s" "$err" | grep -q "no-such-command"'
expect_exit 0 "--version" "$KMBENCH" --version
finish
