package rendezvous

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestSlotNumbersShortestFree checks slotNumbers against the definition,
// the smallest positive integer not in use, through random allocations,
// claims (canonical and not) and frees.
func TestSlotNumbersShortestFree(t *testing.T) {
	var sn slotNumbers
	inUse := map[string]bool{}
	used := func(name string) bool { return inUse[name] }
	shortest := func() string {
		for n := 1; ; n++ {
			if !inUse[strconv.Itoa(n)] {
				return strconv.Itoa(n)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		switch op := r.IntN(10); {
		case op < 5: // allocate
			want := shortest()
			if got := sn.take(used); got != want {
				t.Fatalf("step %d: take = %s, want %s", i, got, want)
			}
			inUse[want] = true
		case op < 6: // claim a chosen code
			name := strconv.Itoa(1 + r.IntN(300))
			if r.IntN(4) == 0 {
				name = "0" + name // not canonical: never handed out
			}
			inUse[name] = true
		default: // free one
			for name := range inUse {
				delete(inUse, name)
				sn.release(name)
				break
			}
		}
	}
}
