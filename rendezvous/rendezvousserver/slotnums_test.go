package rendezvousserver

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestSlotSpace(t *testing.T) {
	for _, c := range []struct {
		used int
		want uint64
	}{{0, 99}, {6, 99}, {7, 999}, {62, 999}, {63, 9999}, {625, 9999}, {626, 99999}, {10000, 999999}} {
		if got := slotSpace(c.used, 0); got != c.want {
			t.Errorf("slotSpace(%d) = %d, want %d", c.used, got, c.want)
		}
	}
	// MinSlotSpace 1000 (ferry send's own server): 1–999 from the first.
	for _, c := range []struct {
		used int
		want uint64
	}{{0, 999}, {62, 999}, {63, 9999}} {
		if got := slotSpace(c.used, 1000); got != c.want {
			t.Errorf("slotSpace(%d, 1000) = %d, want %d", c.used, got, c.want)
		}
	}
}

// TestSlotNumbersRandomFree: take hands out numbers in the space, never one
// in use (claimed, non-canonical claims included), and spreads them over
// the space rather than packing them from 1.
func TestSlotNumbersRandomFree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sn := slotNumbers{intN: func(n uint64) uint64 { return r.Uint64N(n) }}
	inUse := map[string]bool{}
	used := func(name string) bool { return inUse[name] }
	above := 0
	for i := range 20000 {
		switch op := r.IntN(10); {
		case op < 5: // allocate
			got := sn.take(used, len(inUse))
			n, err := strconv.ParseUint(got, 10, 64)
			if err != nil || n < 1 || n > slotSpace(len(inUse), 0) || strconv.FormatUint(n, 10) != got {
				t.Fatalf("step %d: take = %q, outside 1..%d", i, got, slotSpace(len(inUse), 0))
			}
			if inUse[got] {
				t.Fatalf("step %d: take = %s, which is in use", i, got)
			}
			if n > uint64(len(inUse)+1) {
				above++
			}
			inUse[got] = true
		case op < 6: // claim a chosen code
			name := strconv.Itoa(1 + r.IntN(300))
			if r.IntN(4) == 0 {
				name = "0" + name
			}
			inUse[name] = true
		default:
			for name := range inUse {
				delete(inUse, name)
				break
			}
		}
	}
	if above < 5000 {
		t.Errorf("only %d of ~10000 slots above the dense range: not spread", above)
	}
}

func TestCryptoIntN(t *testing.T) {
	seen := map[uint64]bool{}
	for range 1000 {
		v := cryptoIntN(10)
		if v >= 10 {
			t.Fatalf("cryptoIntN(10) = %d", v)
		}
		seen[v] = true
	}
	if len(seen) != 10 {
		t.Errorf("1000 draws in [0,10) gave only %d values", len(seen))
	}
}
