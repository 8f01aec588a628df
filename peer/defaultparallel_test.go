package peer

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDefaultParallelFromCoresAndMemory(t *testing.T) {
	const gib = 1 << 30
	for _, c := range []struct {
		cpus  int
		avail int64
		want  int
	}{
		{1, 0, 1},
		{2, 16 * gib, 1},      // two connections measured no faster on two cores
		{4, 16 * gib, 2},      // one per two cores
		{16, 64 * gib, 4},     // at most 4: 55 MiB of the 64 each side may take
		{64, 0, 4},            // memory unknown: the RSS budget still holds
		{16, 300 << 20, 1},    // a small machine: an eighth of 300 MiB fits one
		{16, 8 * 46 << 20, 2}, // 46 MiB: room for a second connection
		{16, 8 * 52 << 20, 3}, // 52 MiB: a third
	} {
		if got := defaultParallel(c.cpus, c.avail); got != c.want {
			t.Errorf("defaultParallel(%d CPUs, %d MiB available) = %d, want %d", c.cpus, c.avail>>20, got, c.want)
		}
	}
	if n := DefaultParallel(); n < 1 || n > MaxParallel {
		t.Errorf("DefaultParallel() = %d on this machine", n)
	}
}

func TestMeminfoAvailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meminfo")
	meminfo := "MemTotal:       24576000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\nBuffers:          100 kB\n"
	if err := os.WriteFile(path, []byte(meminfo), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := meminfoAvailable(path); got != 20000000<<10 {
		t.Errorf("got %d, want %d", got, int64(20000000)<<10)
	}
	if got := meminfoAvailable(filepath.Join(t.TempDir(), "none")); got != 0 {
		t.Errorf("a missing file gave %d, want 0 (unknown)", got)
	}
}

// TestSharedBuffers: n connections share one connection's buffers, each at
// least 1 MiB, and a Config's own values are divided the same way.
func TestSharedBuffers(t *testing.T) {
	one := Config{}
	if got := one.shared(1); got.HighWater != 0 || got.ReceiveWindow != 0 {
		t.Errorf("one connection changed: %+v", got)
	}
	four := one.shared(4)
	if four.HighWater != DefaultHighWater/4 || four.ReceiveWindow != DefaultReceiveWindow/4 {
		t.Errorf("4 connections: high water %d, window %d; want a quarter of %d and %d",
			four.HighWater, four.ReceiveWindow, DefaultHighWater, DefaultReceiveWindow)
	}
	eight := one.shared(8)
	if eight.HighWater != 1<<20 || eight.ReceiveWindow != 1<<20 {
		t.Errorf("8 connections: high water %d, window %d; want the 1 MiB floor", eight.HighWater, eight.ReceiveWindow)
	}
	small := Config{HighWater: 512 << 10, LowWater: 256 << 10, ReceiveWindow: 256 << 10}.shared(2)
	if small.HighWater != 512<<10 || small.ReceiveWindow != 256<<10 || small.LowWater != 256<<10 {
		t.Errorf("values below the floor: %+v; want them kept", small)
	}
	low := Config{HighWater: 8 << 20, LowWater: 3 << 20}.shared(4)
	if low.HighWater != 2<<20 || low.LowWater != 512<<10 {
		t.Errorf("a low water above the shared high water: %+v; want a quarter of it", low)
	}
	if _, err := eight.withDefaults(); err != nil {
		t.Errorf("the shared config is invalid: %v", err)
	}
}
