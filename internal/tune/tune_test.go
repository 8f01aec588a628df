package tune

import "testing"

func TestLimitFollowsTheLiveHeap(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, MemoryLimit},
		{8 << 20, MemoryLimit},  // pion's queues: the fixed limit holds
		{13 << 20, MemoryLimit}, // 2*13+4 = 30 MiB
		{13<<20 + 1, 31 << 20},  // above: room to double, in whole MiB
		{150 << 20, 304 << 20},  // a manifest of a million files
		{1 << 30, 2<<30 + 4<<20},
	} {
		if got := limitFor(tc.live); got != tc.want {
			t.Errorf("limitFor(%d MiB) = %d MiB, want %d MiB", tc.live>>20, got>>20, tc.want>>20)
		}
	}
}
