package loadgen

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// HoldOptions configure Hold.
type HoldOptions struct {
	Slots       int           // senders waiting at once
	Concurrency int           // connections being opened at once (default 200)
	Hold        time.Duration // how long to keep them all open once they are (default 10s)
}

// HoldReport is the outcome of Hold.
type HoldReport struct {
	Options   HoldOptions
	Opened    int
	Errors    map[string]int    // failed senders by error kind
	Examples  map[string]string // the first error of each kind
	OpenTime  time.Duration     // to open all of them
	Open      Percentiles       // connect and get a code, per sender
	Before    ServerStats
	Holding   ServerStats // with all of them waiting, after Hold
	PerSlot   int64       // server RSS per waiting sender, bytes: (Holding - Before) / Opened
	CloseTime time.Duration
	Leak      LeakCheck
}

// Hold opens o.Slots senders that each get a code and wait, keeps them for
// o.Hold, measures the server, then closes them all and checks that the
// server is back to where it started.
func Hold(ctx context.Context, t Target, o HoldOptions, progress io.Writer) (HoldReport, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 200
	}
	if o.Hold <= 0 {
		o.Hold = 10 * time.Second
	}
	r := HoldReport{Options: o}
	cl, err := newClients(t)
	if err != nil {
		return r, err
	}
	p := newProbe(t.MetricsURL)
	if r.Before, err = p.stats(ctx); err != nil {
		return r, err
	}
	conns := make([]*rendezvousclient.Conn, o.Slots)
	var open latencies
	var errs counts
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= o.Slots || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				c, err := waitingSender(ctx, cl)
				if err != nil {
					errs.addErr(errKind(err), err)
					continue
				}
				open.add(time.Since(t0))
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	r.OpenTime = time.Since(start)
	r.Open = open.percentiles()
	r.Opened = r.Open.Count
	r.Errors, r.Examples = errs.snapshot(), errs.examples()
	fmt.Fprintf(progress, "hold: %d senders waiting after %s; holding them %s\n", r.Opened, r.OpenTime.Round(time.Millisecond), o.Hold)

	select {
	case <-time.After(o.Hold):
	case <-ctx.Done():
	}
	if r.Holding, err = p.stats(ctx); err != nil {
		closeAll(conns, o.Concurrency)
		return r, err
	}
	if r.Opened > 0 {
		r.PerSlot = (r.Holding.RSS - r.Before.RSS) / int64(r.Opened)
	}
	start = time.Now()
	closeAll(conns, o.Concurrency)
	r.CloseTime = time.Since(start)
	r.Leak = checkLeak(ctx, p, r.Before)
	return r, ctx.Err()
}

// waitingSender connects and gets a code.
func waitingSender(ctx context.Context, cl *clients) (*rendezvousclient.Conn, error) {
	octx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	c, err := cl.dial(octx)
	if err != nil {
		return nil, err
	}
	if _, err := c.Allocate(octx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// closeAll closes conns with n goroutines.
func closeAll(conns []*rendezvousclient.Conn, n int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(conns) {
					return
				}
				if conns[i] != nil {
					_ = conns[i].Close()
					conns[i] = nil
				}
			}
		}()
	}
	wg.Wait()
}
