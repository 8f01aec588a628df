package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// opTimeout bounds one pairing (or any one client's work).
const opTimeout = 30 * time.Second

// exchange is what one pairing sends through the server after meeting.
type exchange struct {
	messages int    // relay messages each way, alternating as a handshake does
	payload  []byte // each message's body
}

func newExchange(messages, size int) exchange {
	return exchange{messages: messages, payload: bytes.Repeat([]byte{'x'}, size)}
}

// pairTimes are when a pairing reached its steps, from when it was due.
type pairTimes struct {
	paired    time.Duration // both sides heard "paired"
	exchanged time.Duration // and the signaling went both ways
}

// pairOnce runs one pairing as ferry send and ferry receive do on the
// server: the sender connects and gets a code, the receiver connects and
// joins it, both hear "paired", they relay ex.messages each way, and both
// leave. Latencies count from due, the moment the pairing was scheduled.
//
// onPaired, if not nil, runs once the two met (churn sends an intruder).
func pairOnce(ctx context.Context, cl *clients, due time.Time, ex exchange, onPaired func(ctx context.Context, slot string)) (pairTimes, error) {
	var t pairTimes
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	sender, err := cl.dial(ctx)
	if err != nil {
		return t, err
	}
	defer sender.Close()
	slot, err := sender.Allocate(ctx)
	if err != nil {
		return t, err
	}
	receiver, err := cl.dial(ctx)
	if err != nil {
		return t, err
	}
	defer receiver.Close()
	if err := receiver.Join(ctx, slot); err != nil {
		return t, err
	}
	if err := sender.WaitPeer(ctx); err != nil {
		return t, err
	}
	t.paired = time.Since(due)
	if onPaired != nil {
		onPaired(ctx, slot)
	}
	for range ex.messages {
		for _, d := range [][2]interface {
			Send(context.Context, []byte) error
			Recv(context.Context) ([]byte, error)
		}{{sender, receiver}, {receiver, sender}} {
			if err := d[0].Send(ctx, ex.payload); err != nil {
				return t, err
			}
			got, err := d[1].Recv(ctx)
			if err != nil {
				return t, err
			}
			if len(got) != len(ex.payload) {
				return t, fmt.Errorf("loadgen: relayed %d bytes, sent %d", len(got), len(ex.payload))
			}
		}
	}
	t.exchanged = time.Since(due)
	return t, nil
}

// schedule calls fn at rate per second for dur, each call in its own
// goroutine and told when it was due. At most maxInFlight run at once;
// past that the schedule waits (and the wait shows in the latencies, as
// everything counts from the due time). It returns how many it started,
// after all of them returned.
func schedule(ctx context.Context, rate float64, dur time.Duration, maxInFlight int, fn func(due time.Time)) int {
	if rate <= 0 || dur <= 0 {
		return 0
	}
	interval := time.Duration(float64(time.Second) / rate)
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	start := time.Now()
	n := 0
loop:
	for ; ; n++ {
		due := start.Add(time.Duration(n) * interval)
		if due.Sub(start) >= dur {
			break
		}
		if wait := time.Until(due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				break loop
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(due)
		}()
	}
	wg.Wait()
	return n
}

// closedLoop runs fn in n goroutines, one call after another, for dur; each
// call is due when it starts. It returns how many it started.
func closedLoop(ctx context.Context, n int, dur time.Duration, fn func(due time.Time)) int {
	var started atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(dur)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(end) {
				started.Add(1)
				fn(time.Now())
			}
		}()
	}
	wg.Wait()
	return int(started.Load())
}
