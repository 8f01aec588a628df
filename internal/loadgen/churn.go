package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
)

// ChurnOptions configure Churn.
type ChurnOptions struct {
	Duration    time.Duration // the measured churn (default 5m)
	Warmup      time.Duration // churn before the memory reference is taken (default 2m)
	PairRate    float64       // pairings per second (default 200)
	Waiting     int           // senders kept waiting; each gives up after a while and another takes its place (default 1000)
	WaitFor     time.Duration // mean wait before a sender gives up (default 10s; uniform in 0..2x)
	BadJoinRate float64       // receivers per second whose code nobody waits under (default 20)
	IdleRate    float64       // connections per second that never ask for a code; the server ends them at its --idle-timeout (default 2)
	UsedEvery   int           // every Nth pairing, a third client tries the code already used (default 10)
	Sample      time.Duration // how often to read the server's stats (default 10s)
	Messages    int           // relay messages each way per pairing (default 4: the three handshake flights and the first sealed message, which tells the server the pairing succeeded)
	MessageSize int           // bytes in each (default 512)
}

func (o *ChurnOptions) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Duration, 5*time.Minute)
	def(&o.Warmup, 2*time.Minute)
	def(&o.WaitFor, 10*time.Second)
	def(&o.Sample, 10*time.Second)
	if o.PairRate <= 0 {
		o.PairRate = 200
	}
	if o.Waiting < 0 {
		o.Waiting = 0
	} else if o.Waiting == 0 {
		o.Waiting = 1000
	}
	if o.BadJoinRate <= 0 {
		o.BadJoinRate = 20
	}
	if o.IdleRate <= 0 {
		o.IdleRate = 2
	}
	if o.UsedEvery <= 0 {
		o.UsedEvery = 10
	}
	if o.Messages <= 0 {
		o.Messages = 4
	}
	if o.MessageSize <= 0 {
		o.MessageSize = 512
	}
}

// ChurnReport is the outcome of Churn.
type ChurnReport struct {
	Options   ChurnOptions
	Baseline  ServerStats   // before any load
	Start     ServerStats   // after the warm-up: the reference
	End       ServerStats   // at the end of the churn, still under load
	Samples   []ServerStats // every Options.Sample from the start
	RSSGrowth float64       // (End.RSS - Start.RSS) / Start.RSS
	Done      map[string]int
	Errors    map[string]int    // unexpected outcomes by kind
	Examples  map[string]string // the first error of each kind
	Pairing   Percentiles
	Leak      LeakCheck
}

// OK reports whether nothing leaked: goroutines and descriptors back to the
// baseline, and resident memory at the end within 10% of where it started.
func (r ChurnReport) OK() bool {
	return r.Leak.Err == nil && r.RSSGrowth <= 0.10
}

// Churn runs every kind of client at once for o.Warmup + o.Duration:
// pairings at o.PairRate (every o.UsedEvery-th one with a third client that
// finds the code used), o.Waiting senders that give up and are replaced,
// receivers with codes nobody waits under, and idle connections. It samples
// the server's memory, goroutines and descriptors throughout, then stops
// every client and checks that the server is back to its baseline.
func Churn(ctx context.Context, t Target, o ChurnOptions, progress io.Writer) (ChurnReport, error) {
	o.defaults()
	r := ChurnReport{Options: o}
	cl, err := newClients(t)
	if err != nil {
		return r, err
	}
	p := newProbe(t.MetricsURL)
	if r.Baseline, err = p.stats(ctx); err != nil {
		return r, err
	}
	total := o.Warmup + o.Duration
	// The churn is stopped by a cancel, not a deadline: an operation under
	// way at a deadline can fail with a timeout of its own a moment before
	// the context says it is done, and would count as a real failure.
	churnCtx, stop := context.WithCancel(ctx)
	defer stop()
	stopAt := time.AfterFunc(total, stop)
	defer stopAt.Stop()
	var done, errs counts
	var pairing latencies
	unexpected := func(what string, err error) {
		if churnCtx.Err() != nil {
			return // stopped at the end of the churn
		}
		errs.addErr(what+": "+errKind(err), err)
	}
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}

	ex := newExchange(o.Messages, o.MessageSize)
	var nth atomic.Int64
	run(func() {
		schedule(churnCtx, o.PairRate, total, 4096, func(due time.Time) {
			var intrude func(context.Context, string)
			if nth.Add(1)%int64(o.UsedEvery) == 0 {
				intrude = func(ctx context.Context, slot string) {
					err := joinOnce(ctx, cl, slot)
					if errors.Is(err, rendezvous.ErrSlotUsed) {
						done.add("used code refused")
					} else {
						unexpected("used code", err)
					}
				}
			}
			pt, err := pairOnce(ctx, cl, due, ex, intrude)
			if err != nil {
				unexpected("pairing", err)
				return
			}
			pairing.add(pt.paired)
			done.add("pairing")
		})
	})
	for range o.Waiting {
		run(func() {
			for churnCtx.Err() == nil {
				c, err := waitingSender(churnCtx, cl)
				if err != nil {
					unexpected("waiting sender", err)
					continue
				}
				wait := time.Duration(rand.Int64N(int64(2 * o.WaitFor)))
				select {
				case <-time.After(wait):
					done.add("sender gave up")
				case <-churnCtx.Done():
				}
				_ = c.Close()
			}
		})
	}
	run(func() {
		schedule(churnCtx, o.BadJoinRate, total, 1024, func(time.Time) {
			err := joinOnce(ctx, cl, "999999999")
			if errors.Is(err, rendezvous.ErrNoSuchSlot) {
				done.add("unknown code refused")
			} else {
				unexpected("unknown code", err)
			}
		})
	})
	run(func() {
		schedule(churnCtx, o.IdleRate, total, 1<<16, func(time.Time) {
			c, err := cl.dial(churnCtx)
			if err != nil {
				unexpected("idle", err)
				return
			}
			defer c.Close()
			err = c.WaitPeer(churnCtx) // ends when the server cuts it, or at the end
			var se *rendezvous.ServerError
			switch {
			case errors.As(err, &se) && se.Code == "limit_idle_timeout":
				done.add("idle connection timed out")
			case churnCtx.Err() != nil:
			default:
				unexpected("idle", err)
			}
		})
	})

	// Samples, the reference after the warm-up, and the end.
	tick := time.NewTicker(o.Sample)
	defer tick.Stop()
	warm := time.NewTimer(o.Warmup)
	defer warm.Stop()
	started := time.Now()
	end := time.NewTimer(total - o.Sample/2) // the last sample while still under load
	defer end.Stop()
sampling:
	for {
		select {
		case <-warm.C:
			if st, err := p.stats(ctx); err == nil {
				r.Start = st
				r.Samples = append(r.Samples, st)
				fmt.Fprintf(progress, "churn: reference after the %s warm-up: %s\n", o.Warmup, st)
			}
		case <-tick.C:
			if st, err := p.stats(ctx); err == nil {
				r.Samples = append(r.Samples, st)
				fmt.Fprintf(progress, "churn: %4.0fs %s\n", time.Since(started).Seconds(), st)
			}
		case <-end.C:
			if st, err := p.stats(ctx); err == nil {
				r.End = st
				r.Samples = append(r.Samples, st)
				fmt.Fprintf(progress, "churn: end, still under load: %s\n", st)
			}
			break sampling
		case <-ctx.Done():
			break sampling
		}
	}
	stop()
	wg.Wait()
	r.Done = done.snapshot()
	r.Errors, r.Examples = errs.snapshot(), errs.examples()
	r.Pairing = pairing.percentiles()
	if r.Start.RSS > 0 && r.End.RSS > 0 {
		r.RSSGrowth = float64(r.End.RSS-r.Start.RSS) / float64(r.Start.RSS)
	}
	fmt.Fprintf(progress, "churn: clients stopped; waiting for the server to settle\n")
	r.Leak = checkLeak(ctx, p, r.Baseline)
	return r, ctx.Err()
}

// joinOnce connects a receiver and tries slot.
func joinOnce(ctx context.Context, cl *clients, slot string) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	c, err := cl.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Join(ctx, slot)
}
