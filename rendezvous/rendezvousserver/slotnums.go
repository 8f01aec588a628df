package rendezvousserver

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
)

// slotNumbers draws the slot of a new code at random, so that the slots in
// use cannot be found by counting: numbered densely from 1, every waiting
// sender sat at a number an attacker could simply join, ending the sender's
// wait without guessing anything (issue 11, item 4). The space grows with the
// slots in use so that at most about one number in minSlotSpaceFactor is
// taken, and it is rounded up to a power of ten so that codes stay short:
// 1–99 while a handful wait, 1–999 up to 62, 1–9999 up to 624, six digits at
// a full server of 10,000. A draw that hits a slot in use (a waiting sender
// or one claimed with --code, which may sit anywhere) is drawn again.
//
// Random numbers alone do not stop an attacker who joins many numbers: the
// joins-per-ip and failed-joins-per-ip limits bound that (slots.go).
type slotNumbers struct {
	intN func(n uint64) uint64 // a uniform number in [0, n); nil: crypto/rand (tests set it)
	min  uint64                // the fewest numbers to draw from; 0: minSlotSpace
}

const (
	minSlotSpace       = 100 // numbers 1–99 at least
	minSlotSpaceFactor = 16  // at least this many numbers per slot in use
)

// take returns a free slot, given how many slots are in use now.
func (sn *slotNumbers) take(inUse func(string) bool, used int) string {
	top := slotSpace(used, sn.min)
	intN := sn.intN
	if intN == nil {
		intN = cryptoIntN
	}
	for {
		// At most one number in 16 is in use: a few draws at worst.
		name := strconv.FormatUint(1+intN(top), 10)
		if !inUse(name) {
			return name
		}
	}
}

// slotSpace is how many numbers (1 to the result) a new slot is drawn from
// when used slots are in use: max(least, 16×used) rounded up to a power of
// ten, minus one (0 itself is not a slot); least 0 is minSlotSpace.
func slotSpace(used int, least uint64) uint64 {
	if least == 0 {
		least = minSlotSpace
	}
	want := max(least, minSlotSpaceFactor*uint64(max(used, 0)))
	p := uint64(10)
	for p < want {
		p *= 10
	}
	return p - 1
}

// cryptoIntN is a uniform number in [0, n) from crypto/rand.
func cryptoIntN(n uint64) uint64 {
	var b [8]byte
	limit := ^uint64(0) - ^uint64(0)%n // the largest multiple of n: no modulo bias
	for {
		_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
		if v := binary.LittleEndian.Uint64(b[:]); v < limit {
			return v % n
		}
	}
}
