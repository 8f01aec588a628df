# Sourced by .ci/run and .ci/fuzz_selftest.sh; needs $fuzztime.
#
# fuzz_target PKG TARGET fuzzes one target and ends the script when it fails,
# except for one case: Go 1.26's fuzz coordinator can report "context deadline
# exceeded" when -fuzztime runs out while a worker is mid-call
# (golang/go#75804, fixed in Go 1.27), with no failing input. That case is run
# again, up to three times in all; an input that made the target fail is
# written under testdata/fuzz and always ends CI.

# corpus_listing DIR prints DIR's entries, sorted; nothing when DIR does not
# exist (a fresh clone has no testdata/fuzz for most targets).
corpus_listing() {
	if [ -d "$1" ]; then
		ls "$1" | sort
	fi
}

# fuzz_once PKG TARGET: 0 passed, 1 the coordinator's race; exits otherwise.
fuzz_once() {
	local pkg=$1 target=$2 log corpus before
	log=$(mktemp)
	corpus=$pkg/testdata/fuzz/$target
	before=$(corpus_listing "$corpus")
	# Minimizing each new input could take the whole time (FuzzDecompress's
	# 4 MiB seeds: 20 s without a single new exec); fuzz instead.
	if go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -fuzzminimizetime=1s "$pkg" 2>&1 | tee "$log"; test "${PIPESTATUS[0]}" -eq 0; then
		rm -f "$log"
		return 0
	fi
	if [ "$(corpus_listing "$corpus")" = "$before" ] &&
		grep -A1 -- "--- FAIL: $target " "$log" | tail -n1 | grep -qx '[[:space:]]*context deadline exceeded'; then
		rm -f "$log"
		echo "-- $target: the fuzz coordinator's deadline race (golang/go#75804), no failing input"
		return 1
	fi
	rm -f "$log"
	echo "-- $target failed" >&2
	exit 1
}

fuzz_target() {
	local try
	for try in 1 2 3; do
		# Called as an if condition, so that set -e stays off inside it the
		# same way on every try; fuzz_once exits by itself on a real failure.
		if fuzz_once "$1" "$2"; then
			return 0
		fi
		echo "-- $2: try $try of 3 hit the race"
	done
	echo "-- $2: the deadline race three times in a row" >&2
	exit 1
}
