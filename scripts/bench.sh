#!/usr/bin/env bash
# Benchmark ferry's data path against the ceiling, in one run on this machine:
#   1. the ceiling: a bare pion data channel between two processes, set up by
#      the peer package exactly as ferry sets up its own; no files, no hashing;
#   2. ferry end to end: the built binaries, a real ferry-rendezvous, a file
#      from tmpfs to tmpfs with every checksum (random data, and a text corpus);
#   3. plain TCP over loopback, the physical reference.
# It prints MB/s, CPU seconds per GiB and peak RSS (GNU time -v) as medians
# over several runs, the ratios ferry/ceiling and ferry/TCP, ferry's peak RSS
# for other file sizes and the time from `ferry receive` start to the first
# data, and writes results.json, results.md and bench.svg (default bench-out/).
#
# Usage: scripts/bench.sh [-quick] [ferry-bench run flags], e.g.
#   scripts/bench.sh                       # 1 GiB, 3 runs (about 16 minutes on 2 cores: 9 for 512 MiB)
#   scripts/bench.sh -quick                # a smoke run: 64 MiB, 3 runs, no other sizes,
#                                          # into bench-out/quick (about 30 s on 2 cores, once built)
#   scripts/bench.sh -size 256MiB -runs 5
#   scripts/bench.sh -kinds ceiling,ferry  # only these measurements
# The measurements: ceiling, ferry (one connection), tcp, text, parallel,
# parallel4, parallel8 (2, 4 and 8 connections), default (the number of
# connections ferry picks here; skipped where that is one), procs16 (ferry with
# GOMAXPROCS=16) and croc (croc 10.7.0, installed with go install into the
# scratch directory, with its own relay, in a network namespace of its own:
# needs root and the Go module proxy, else it is skipped with a note).
# -quick only sets defaults: the other flags win (scripts/bench.sh -quick -runs 1).
# The scratch files go to a fresh directory under /dev/shm (unless -work says
# otherwise), removed when the script ends, whether it succeeded, failed or was
# interrupted. See `go run ./cmd/ferry-bench run -h` for every flag.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
work_given=0
for a in "$@"; do
	case $a in
	-quick | --quick)
		args=(-size 64MiB -runs 3 -rss-sizes "" -out bench-out/quick ${args[@]+"${args[@]}"})
		;;
	-h | -help | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
		echo >&2
		args+=("$a")
		;;
	*)
		case $a in -work | -work=* | --work | --work=*) work_given=1 ;; esac
		args+=("$a")
		;;
	esac
done

# GNU time reports CPU time and peak RSS of each process.
time_report=$(/usr/bin/time -v true 2>&1 || true)
if [[ "$time_report" != *"Maximum resident set size"* ]]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing GNU time (apt-get install time)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
	else
		echo "bench.sh: GNU time is missing at /usr/bin/time: install it (Debian/Ubuntu: sudo apt-get install time)" >&2
		exit 1
	fi
fi

# ferry asks for 4 MiB UDP socket buffers; Linux caps them at rmem_max/wmem_max.
if [ -r /proc/sys/net/core/rmem_max ]; then
	for k in rmem_max wmem_max; do
		v=$(cat /proc/sys/net/core/$k)
		if [ "$v" -lt 4194304 ]; then
			echo "bench.sh: note: net.core.$k is $v, below the 4 MiB ferry asks for; ferry and the ceiling" \
				"both run with smaller buffers (slower). To match README's figures: sudo sysctl -w net.core.$k=4194304" >&2
		fi
	done
fi

# Everything the script creates is removed on exit, however it exits
# (success, failure, Ctrl-C, kill): the traps end the script through EXIT.
bin='' work=''
cleanup() {
	[ -z "$bin" ] || rm -rf "$bin"
	[ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bin=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-bin.XXXXXX")
if [ $work_given = 0 ]; then
	# On tmpfs, so that the disk's speed is not measured; ferry-bench removes
	# its files itself, this removes the directory and anything a killed run left.
	shm=/dev/shm
	[ -d "$shm" ] || shm=${TMPDIR:-/tmp} # ferry-bench warns that it is not tmpfs
	work=$(mktemp -d "$shm/ferry-bench.XXXXXX")
	args=(-work "$work" ${args[@]+"${args[@]}"})
fi
# Built as the release archives are (.goreleaser.yaml): peak RSS counts the
# program's own pages, so measure the binaries users get.
echo "building ferry, ferry-rendezvous and ferry-bench into $bin" >&2
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin/" ./cmd/ferry ./cmd/ferry-rendezvous ./cmd/ferry-bench
corpus="$(go env GOROOT)/src"
# In the background and waited for, so that a signal to this script alone
# (kill, timeout) is passed on at once; ferry-bench stops its children itself.
"$bin/ferry-bench" run -bin "$bin" -corpus "$corpus" ${args[@]+"${args[@]}"} </dev/null &
child=$!
trap 'kill -INT "$child" 2>/dev/null; wait "$child" || true; exit 130' INT
trap 'kill -TERM "$child" 2>/dev/null; wait "$child" || true; exit 143' TERM
wait "$child"
