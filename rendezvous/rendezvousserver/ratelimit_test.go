package rendezvousserver

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestPerMinuteGenerations checks the two-generation limiter against a
// plain per-key window, through random events over ten minutes, and that
// it forgets what ended.
func TestPerMinuteGenerations(t *testing.T) {
	p := newPerMinute(3)
	type win struct {
		start time.Time
		count int
	}
	ref := map[string]win{}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(3, 4))
	now := t0
	for i := range 20000 {
		now = now.Add(time.Duration(r.IntN(60)) * time.Millisecond)
		key := strconv.Itoa(r.IntN(50))
		w := ref[key]
		if w.start.IsZero() || now.Sub(w.start) >= time.Minute {
			w = win{start: now}
		}
		want := w.count < 3
		if want {
			w.count++
		}
		ref[key] = w
		if got := p.allow(key, now); got != want {
			t.Fatalf("event %d (%s at %s): allow = %v, want %v", i, key, now.Sub(t0), got, want)
		}
	}
	p.allow("x", now.Add(5*time.Minute))
	if p.size() != 1 {
		t.Fatalf("%d windows kept after a quiet spell, want 1", p.size())
	}
}

// TestPerMinuteRefund: full says whether the next event would be refused;
// refund gives back an event of the running window, never of a later one.
func TestPerMinuteRefund(t *testing.T) {
	p := newPerMinute(2)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if p.full("a", t0) {
		t.Fatal("full before any event")
	}
	p.allow("a", t0)
	p.allow("a", t0.Add(time.Second))
	if !p.full("a", t0.Add(2*time.Second)) || p.allow("a", t0.Add(2*time.Second)) {
		t.Fatal("not full after the limit")
	}
	p.refund("a", t0.Add(time.Second), t0.Add(3*time.Second))
	if p.full("a", t0.Add(3*time.Second)) || !p.allow("a", t0.Add(3*time.Second)) {
		t.Fatal("a refund did not free an event")
	}
	// A new window: the old event is owed nothing.
	t1 := t0.Add(90 * time.Second)
	p.allow("a", t1)
	p.allow("a", t1)
	p.refund("a", t0.Add(time.Second), t1)
	if !p.full("a", t1) {
		t.Fatal("a refund for an ended window freed an event of the next")
	}
	if p.full("b", t1) {
		t.Fatal("another key is full")
	}
}

func TestPerMinute(t *testing.T) {
	p := newPerMinute(2)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if !p.allow("a", t0) || !p.allow("a", t0.Add(time.Second)) {
		t.Fatal("first two refused")
	}
	if p.allow("a", t0.Add(2*time.Second)) {
		t.Fatal("third in a minute allowed")
	}
	if !p.allow("b", t0.Add(2*time.Second)) {
		t.Fatal("another address refused")
	}
	if !p.allow("a", t0.Add(time.Minute)) {
		t.Fatal("refused after the minute")
	}
	p.allow("c", t0.Add(3*time.Minute)) // drops the old windows
	if p.size() != 1 {
		t.Fatalf("%d windows kept, want 1", p.size())
	}
}
