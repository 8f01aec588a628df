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
# Usage: scripts/bench.sh [ferry-bench run flags], e.g.
#   scripts/bench.sh                       # 1 GiB, 3 runs (about 10 minutes on 2 cores)
#   scripts/bench.sh -size 256MiB -runs 5
#   scripts/bench.sh -kinds ceiling,ferry  # only these measurements
# See `go run ./cmd/ferry-bench run -h` for every flag.
set -euo pipefail
cd "$(dirname "$0")/.."

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

bin=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-bin.XXXXXX")
trap 'rm -rf "$bin"' EXIT
# Built as the release archives are (.goreleaser.yaml): peak RSS counts the
# program's own pages, so measure the binaries users get.
echo "building ferry, ferry-rendezvous and ferry-bench into $bin" >&2
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin/" ./cmd/ferry ./cmd/ferry-rendezvous ./cmd/ferry-bench
corpus="$(go env GOROOT)/src"
"$bin/ferry-bench" run -bin "$bin" -corpus "$corpus" "$@"
