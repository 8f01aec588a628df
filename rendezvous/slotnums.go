package rendezvous

import (
	"container/heap"
	"strconv"
)

// slotNumbers finds the shortest free slot, the smallest positive integer
// not in use, in O(log n): counting up from 1 past every slot in use cost
// a map lookup per waiting sender on every allocation (10,000 at a full
// server). Slots chosen with claim may sit anywhere, so every number it
// hands out is checked against the slots in use. Guarded by Server.mu.
type slotNumbers struct {
	next  int          // numbers from next up are free unless claimed
	freed intHeap      // free numbers below next (some may have been claimed since)
	held  map[int]bool // what freed holds, to keep it free of duplicates
}

// take returns the smallest number whose slot is not in use.
func (sn *slotNumbers) take(inUse func(string) bool) string {
	for sn.freed.Len() > 0 {
		n := heap.Pop(&sn.freed).(int)
		delete(sn.held, n)
		if name := strconv.Itoa(n); !inUse(name) {
			return name
		}
	}
	if sn.next < 1 {
		sn.next = 1
	}
	for {
		name := strconv.Itoa(sn.next)
		sn.next++
		if !inUse(name) {
			return name
		}
	}
}

// release notes that slot name is free again.
func (sn *slotNumbers) release(name string) {
	n, err := strconv.Atoi(name)
	if err != nil || n <= 0 || n >= sn.next || strconv.Itoa(n) != name || sn.held[n] {
		return // not a number take hands out, or free already
	}
	if sn.held == nil {
		sn.held = make(map[int]bool)
	}
	sn.held[n] = true
	heap.Push(&sn.freed, n)
}

// intHeap is a min-heap of ints for container/heap.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
