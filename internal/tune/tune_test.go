package tune

import "testing"

func TestLimitFollowsTheLiveHeap(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, MemoryLimit},
		{6 << 20, MemoryLimit}, // pion's queues: the fixed limit holds
		{9 << 20, MemoryLimit}, // 2*9+12 = 30 MiB
		{10 << 20, 32 << 20},   // above: room to double, in 8 MiB steps
		{150 << 20, 312 << 20}, // a manifest of a million files
		{1 << 30, (2<<30 + 12<<20 + 8<<20 - 1) / (8 << 20) * (8 << 20)},
	} {
		if got := limitFor(tc.live); got != tc.want {
			t.Errorf("limitFor(%d MiB) = %d MiB, want %d MiB", tc.live>>20, got>>20, tc.want>>20)
		}
	}
}
