package tune

import "testing"

func TestLimitFollowsTheLiveHeap(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, MemoryLimit},
		{8 << 20, MemoryLimit},  // pion's queues: the fixed limit holds
		{13 << 20, MemoryLimit}, // 13+13+4 = 30 MiB
		{13<<20 + 1, 31 << 20},  // above: 13 MiB of room, in whole MiB
		{40 << 20, 57 << 20},    // 40+13+4
		{150 << 20, 192 << 20},  // a manifest of a million files: a quarter of room (150+37.5+4)
		{1 << 30, 1<<30 + 256<<20 + 4<<20},
	} {
		if got := limitFor(tc.live, MemoryLimit); got != tc.want {
			t.Errorf("limitFor(%d MiB) = %d MiB, want %d MiB", tc.live>>20, got>>20, tc.want>>20)
		}
	}
}

func TestMoreConnectionsMoreRoom(t *testing.T) {
	if got, want := baseFor(1), int64(MemoryLimit); got != want {
		t.Errorf("baseFor(1) = %d MiB, want MemoryLimit (%d MiB)", got>>20, want>>20)
	}
	if got, want := baseFor(3), int64(MemoryLimit+2*PerConnection); got != want {
		t.Errorf("baseFor(3) = %d MiB, want %d MiB", got>>20, want>>20)
	}
	// A live heap of 20 MiB needs 37 MiB: more than one connection's base,
	// less than three connections'.
	if got := limitFor(20<<20, baseFor(3)); got != baseFor(3) {
		t.Errorf("limitFor(20 MiB, 3 connections) = %d MiB, want the base %d MiB", got>>20, baseFor(3)>>20)
	}
}

func TestLimitRisesOnlyForALastingHeap(t *testing.T) {
	const base = MemoryLimit
	for _, tc := range []struct {
		current, last, want, next int64
	}{
		{base, base, 40 << 20, base},         // a peak: wait for the next check
		{base, 40 << 20, 40 << 20, 40 << 20}, // it lasted: raise
		{base, 36 << 20, 40 << 20, 36 << 20}, // as far as both checks agree
		{40 << 20, 40 << 20, base, base},     // down at once
		{40 << 20, 50 << 20, 36 << 20, 36 << 20},
	} {
		if got := nextLimit(tc.current, tc.last, tc.want); got != tc.next {
			t.Errorf("nextLimit(%d, %d, %d MiB) = %d MiB, want %d MiB", tc.current>>20, tc.last>>20, tc.want>>20, got>>20, tc.next>>20)
		}
	}
}

// TestProcsNeeded: never more processors than the machine has (GOMAXPROCS=16
// on 2 cores is 2), four for one connection on a large machine, two more for
// each further one.
func TestProcsNeeded(t *testing.T) {
	for _, c := range []struct{ n, most, want int }{
		{1, 2, 2}, {4, 2, 2}, {1, 16, 4}, {2, 16, 6}, {4, 16, 10}, {8, 16, 16}, {1, 1, 1},
	} {
		if got := procsNeeded(c.n, c.most); got != c.want {
			t.Errorf("procsNeeded(%d connections, at most %d) = %d, want %d", c.n, c.most, got, c.want)
		}
	}
}
