// Package tune sets the Go runtime up for moving data with pion, within
// ferry's memory target (DESIGN.md "Targets": peak RSS at most 48 MiB on each
// side). ferry and the ceiling of the benchmark (internal/bench) both call
// Apply, so the benchmark's ceiling has whatever ferry tunes.
//
// pion allocates about 14 MB for every MiB it moves (a chunk and a copy per
// SCTP packet, buffers per DTLS record), so the collector runs often; the
// live heap stays small (the SCTP queues: a few MiB). A higher GOGC makes
// collections rarer (about 9% less CPU per GiB moved, measured with
// ferry-bench), and a soft memory limit keeps the heap, which GOGC alone lets
// grow to 4-5 times the live heap, within the memory target.
//
// The number of processors is bounded too (procs.go): more than the machine
// has, or more than the connections keep busy, only made the collector and
// the scheduler work against the memory limit.
package tune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

const (
	// GCPercent is GOGC while the limit is far away.
	GCPercent = 400
	// MemoryLimit is the soft limit of the Go runtime's memory (heap,
	// stacks, runtime data; the program's own code is not counted) while
	// the live heap is small.
	MemoryLimit = 30 << 20
	// PerConnection is what the limit grows by for each peer connection
	// beyond the first (Connections). The connections of a link share one
	// connection's buffers (peer's Config.shared), so each adds little
	// live heap: 6 MiB of room each held 2, 4 and 8 connections at 45, 55
	// and 75 MiB peak RSS on each side with 5-13% more CPU per GiB than one
	// connection (16 MiB, before the buffers were shared: 55, 85, 139 MiB).
	PerConnection = 6 << 20
	// room is what the limit leaves beside a large live heap: what pion
	// allocates between two collections (MemoryLimit less 4 MiB for the
	// runtime, when the live heap is 13 MiB, the most pion's queues hold).
	room = 13 << 20
	// checkEvery is how often the limit follows the live heap.
	checkEvery = 500 * time.Millisecond
)

// Apply tunes the runtime of this process; GOGC and GOMEMLIMIT in the
// environment win. Call it once, early in main.
func Apply() {
	// No heap profile is ever written, and sampling pion's allocations for
	// one held 1.4 MiB of buckets: room the heap can use instead.
	runtime.MemProfileRate = 0
	if path := os.Getenv(EnvHeapProfile); path != "" {
		runtime.MemProfileRate = 512 << 10 // the default
		go profilePeaks(path)
	}
	limitProcs()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		state.Lock()
		state.base, state.current, state.last = MemoryLimit, MemoryLimit, MemoryLimit
		state.Unlock()
		debug.SetMemoryLimit(MemoryLimit)
		go followLiveHeap()
	}
}

// state is what followLiveHeap and Connections share.
var state struct {
	sync.Mutex
	base    int64 // MemoryLimit, more with several connections
	current int64 // the limit set now
	last    int64 // what the previous check wanted
}

// Connections makes room for n peer connections (--parallel): each one
// beyond the first has queues of its own, and the collector would run
// without pause within MemoryLimit. Call it once the number is known; it
// does nothing unless Apply set the limit (so not when GOMEMLIMIT is set,
// nor in a program that never called Apply).
func Connections(n int) {
	procsFor(n)
	state.Lock()
	defer state.Unlock()
	if state.base == 0 || n < 1 {
		return
	}
	state.base = baseFor(n)
	if state.current < state.base {
		state.current = state.base
		debug.SetMemoryLimit(state.current)
	}
}

// baseFor is the memory limit while the live heap is small, for n
// connections.
func baseFor(n int) int64 { return MemoryLimit + int64(n-1)*PerConnection }

// followLiveHeap raises the memory limit when the live heap grows for good,
// e.g. with a manifest of a million files, so that the collector never runs
// without pause against a limit the program needs more than (the runtime
// would then spend up to half the CPU on it); it lowers it again down to the
// base. A short peak (pion sends its first burst of packets, a few MiB, in
// one go) does not raise it: only two checks in a row do.
func followLiveHeap() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	for range time.Tick(checkEvery) {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return // not measured by this runtime: keep the limit as it is
		}
		state.Lock()
		want := limitFor(sample[0].Value.Uint64(), state.base)
		next := nextLimit(state.current, state.last, want)
		if next != state.current {
			debug.SetMemoryLimit(next)
			state.current = next
		}
		state.last = want
		state.Unlock()
	}
}

// nextLimit is the limit after a check that wants want, the one before
// having wanted last: down at once, up only as far as both checks agree.
func nextLimit(current, last, want int64) int64 {
	if want <= current {
		return want
	}
	return max(current, min(want, last))
}

// limitFor is the memory limit for a live heap of live bytes: base,
// unless the live heap needs more, with room to allocate beside it (room,
// or a quarter of the live heap when that is more) and the runtime's own
// few MiB, rounded up to whole MiB. pion's queues keep the live heap under
// 12 MiB, well within MemoryLimit, so the limit moves only for a program
// that holds much more (a manifest of many files). The room does not grow
// with the live heap as GOGC would: doubling it held the memory of a
// manifest twice (issue 12 item 5; 200,000 files of 64 B: peak RSS 76/66
// MiB sending/receiving with double, 59/54 with this), while the garbage to
// make room for is pion's, whatever the manifest.
func limitFor(live uint64, base int64) int64 {
	const step = 1 << 20
	need := int64(live) + max(room, int64(live/4)) + 4<<20
	if need <= base {
		return base
	}
	return (need + step - 1) / step * step
}
