#!/usr/bin/env bash
# Checks .ci/fuzz.sh's retry logic with a stand-in for go test, so that a path
# CI rarely takes (the coordinator's race) is known to work before it is
# needed: once, CI ended with exit 2 in it because a fresh clone had no
# testdata/fuzz directory to list.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=1s
. .ci/fuzz.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg=$work/pkg
mkdir -p "$pkg"

# go test stand-in: each call takes the next outcome from $work/plan.
go() {
	local outcome
	outcome=$(head -n1 "$work/plan")
	sed -i 1d "$work/plan"
	case $outcome in
	pass) echo PASS; return 0 ;;
	race) printf -- '--- FAIL: FuzzX (1.00s)\n    context deadline exceeded\nFAIL\n'; return 1 ;;
	input)
		mkdir -p "$pkg/testdata/fuzz/FuzzX"
		echo 'go test fuzz v1' >"$pkg/testdata/fuzz/FuzzX/abc"
		printf -- '--- FAIL: FuzzX (1.00s)\n    context deadline exceeded\nFAIL\n'
		return 1 ;;
	esac
}

# expect NAME WANT_STATUS PLAN...: runs fuzz_target in a subshell under set -e.
expect() {
	local name=$1 want=$2 got=0
	shift 2
	rm -rf "$pkg/testdata"
	printf '%s\n' "$@" >"$work/plan"
	# Not "|| got=$?": bash would turn set -e off inside the subshell, and
	# .ci/run calls fuzz_target with set -e on.
	set +e
	(set -e; fuzz_target "$pkg" FuzzX) >"$work/out" 2>&1
	got=$?
	set -e
	if [ "$got" != "$want" ]; then
		echo "fuzz self-test '$name': status $got, want $want; it printed:" >&2
		cat "$work/out" >&2
		exit 1
	fi
	if [ -s "$work/plan" ]; then
		echo "fuzz self-test '$name': go test ran fewer times than planned" >&2
		exit 1
	fi
}

expect "passes at once" 0 pass
expect "the race, then a pass" 0 race pass
expect "the race twice, then a pass" 0 race race pass
expect "the race three times" 1 race race race
expect "a failing input written" 1 input
echo "fuzz self-test: ok"
