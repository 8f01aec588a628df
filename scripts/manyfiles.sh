#!/usr/bin/env bash
# Measure ferry with many small files: N files of 64 B in 100 directories go
# from one directory to another through the built binaries and a real
# ferry-rendezvous on 127.0.0.1 (a random port), the sender and the receiver
# each under GNU time. It prints the peak RSS of each side and the elapsed
# time.
#
# Usage: scripts/manyfiles.sh [N ...]      # default: 100000
#   scripts/manyfiles.sh 50000 100000 200000
#   FERRY_MANY_DIR=/dev/shm scripts/manyfiles.sh 1000000   # files on tmpfs
#   FERRY_MANY_PROFILE=/tmp/prof scripts/manyfiles.sh      # heap profiles at the
#       peaks: /tmp/prof/send-N.pprof and recv-N.pprof (go tool pprof -sample_index=inuse_space)
# Each run needs about N x 5 KiB of disk (or tmpfs) for the two trees.
set -euo pipefail
cd "$(dirname "$0")/.."

time_report=$(/usr/bin/time -v true 2>&1 || true)
if [[ "$time_report" != *"Maximum resident set size"* ]]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing GNU time (apt-get install time)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
	else
		echo "manyfiles.sh: GNU time is missing at /usr/bin/time: install it (Debian/Ubuntu: sudo apt-get install time)" >&2
		exit 1
	fi
fi

work=$(mktemp -d "${FERRY_MANY_DIR:-${TMPDIR:-/tmp}}/ferry-many.XXXXXX")
rv_pid=""
cleanup() {
	if [ -n "$rv_pid" ]; then kill "$rv_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

# Built as the release archives are (.goreleaser.yaml), like scripts/bench.sh.
echo "building ferry and ferry-rendezvous into $work/bin" >&2
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$work/bin/" ./cmd/ferry ./cmd/ferry-rendezvous

"$work/bin/ferry-rendezvous" --listen 127.0.0.1:0 2>"$work/rendezvous.log" &
rv_pid=$!
addr=""
for _ in $(seq 100); do
	addr=$(sed -n 's/.*listening.*addr=\([^ ]*\).*/\1/p' "$work/rendezvous.log" | tr -d '"' | head -1)
	[ -n "$addr" ] && break
	sleep 0.1
done
if [ -z "$addr" ]; then
	echo "manyfiles.sh: ferry-rendezvous did not log its address:" >&2
	cat "$work/rendezvous.log" >&2
	exit 1
fi
server="ws://$addr"

peak() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
elapsed() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1"; }

printf '%-10s %14s %14s %10s\n' files "send peak RSS" "recv peak RSS" elapsed
for n in "${@:-100000}"; do
	src="$work/src-$n/tree"
	out="$work/out-$n"
	mkdir -p "$src" "$out"
	# N files of 64 bytes in 100 directories.
	perl -e '
		my ($root, $n) = @ARGV;
		my $data = "x" x 63 . "\n";
		mkdir sprintf("%s/d%02d", $root, $_) for 0 .. 99;
		for my $i (0 .. $n - 1) {
			my $p = sprintf("%s/d%02d/file-%07d.txt", $root, $i % 100, $i);
			open(my $f, ">", $p) or die "$p: $!";
			print $f $data;
			close($f);
		}' "$src" "$n"
	code="$((RANDOM % 90 + 10))-many-files"
	send_env=() recv_env=()
	if [ -n "${FERRY_MANY_PROFILE:-}" ]; then
		mkdir -p "$FERRY_MANY_PROFILE"
		send_env=("FERRY_HEAPPROFILE=$FERRY_MANY_PROFILE/send-$n.pprof")
		recv_env=("FERRY_HEAPPROFILE=$FERRY_MANY_PROFILE/recv-$n.pprof")
	fi
	env "${send_env[@]}" /usr/bin/time -v -o "$work/send.time" "$work/bin/ferry" send --server "$server" --code "$code" --json "$src" \
		>"$work/send.out" 2>"$work/send.err" &
	send_pid=$!
	start=$(date +%s.%N)
	# The sender announces its code once its files are listed and it waits.
	until grep -q '"event":"code"' "$work/send.out" 2>/dev/null; do
		if ! kill -0 "$send_pid" 2>/dev/null; then
			echo "manyfiles.sh: the sender stopped:" >&2
			cat "$work/send.err" >&2
			exit 1
		fi
		sleep 0.2
	done
	rc=0
	env "${recv_env[@]}" /usr/bin/time -v -o "$work/recv.time" "$work/bin/ferry" receive --server "$server" --yes --out "$out" --json "$code" \
		>"$work/recv.out" 2>"$work/recv.err" || rc=$?
	wait "$send_pid" || rc=$((rc ? rc : $?))
	end=$(date +%s.%N)
	if [ "$rc" != 0 ]; then
		echo "manyfiles.sh: the transfer of $n files failed (exit $rc)" >&2
		tail -5 "$work/send.err" "$work/recv.err" >&2
		exit 1
	fi
	got=$(find "$out" -type f | wc -l)
	if [ "$got" != "$n" ]; then
		echo "manyfiles.sh: $got files arrived, not $n" >&2
		exit 1
	fi
	printf '%-10s %10s MiB %10s MiB %9.1fs\n' "$n" \
		"$(($(peak "$work/send.time") / 1024))" "$(($(peak "$work/recv.time") / 1024))" \
		"$(echo "$end - $start" | bc -l 2>/dev/null || perl -e "print $end - $start")"
	rm -rf "$work/src-$n" "$out"
done
