package loadgen

import (
	"context"
	"fmt"
	"io"
	"time"
)

// PairOptions configure Pairings.
type PairOptions struct {
	Rate        float64       // pairings started per second; 0: as fast as Concurrency allows (closed loop)
	Concurrency int           // with Rate 0: pairings under way at once (default 64)
	Duration    time.Duration // how long to start them
	Messages    int           // relay messages each way per pairing (default 4: the three handshake flights and the first sealed message, which tells the server the pairing succeeded)
	MessageSize int           // bytes in each (default 512)
	MaxInFlight int           // pairings under way at once before the schedule waits (default 4096)
}

func (o *PairOptions) defaults() {
	if o.Messages <= 0 {
		o.Messages = 4
	}
	if o.MessageSize <= 0 {
		o.MessageSize = 512
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 4096
	}
}

// PairReport is the outcome of Pairings.
type PairReport struct {
	Options   PairOptions
	Started   int
	Completed int
	Errors    map[string]int    // failed pairings by error kind
	Examples  map[string]string // the first error of each kind
	Elapsed   time.Duration     // from the first start to the last finish
	PerSecond float64           // completed pairings per second of Elapsed (or of Duration, if longer)
	Pairing   Percentiles       // from due to both sides paired
	Exchange  Percentiles       // from due to the signaling having gone both ways
	ServerCPU float64           // server CPU seconds per second of Elapsed (2 = both cores)
	// CPU time per completed pairing, of the server and of this load
	// generator (kernel time included: on loopback the TCP work of a
	// connection is charged to whichever side makes the system call).
	ServerCPUPerPairing, ClientCPUPerPairing time.Duration
	Before                                   ServerStats
	During                                   ServerStats // near the end of the run
	After                                    ServerStats // when the last pairing finished
	Leak                                     LeakCheck
}

// Pairings starts pairings at a fixed rate for a while and measures their
// latency and the server's throughput; then checks that the server is back
// to where it started.
func Pairings(ctx context.Context, t Target, o PairOptions, progress io.Writer) (PairReport, error) {
	o.defaults()
	r := PairReport{Options: o}
	cl, err := newClients(t)
	if err != nil {
		return r, err
	}
	p := newProbe(t.MetricsURL)
	if r.Before, err = p.stats(ctx); err != nil {
		return r, err
	}
	ex := newExchange(o.Messages, o.MessageSize)
	var paired, exchanged latencies
	var errs counts
	start, cpu0 := time.Now(), ownCPU()
	stopSampling := sampleNearEnd(ctx, p, o.Duration, &r.During)
	one := func(due time.Time) {
		pt, err := pairOnce(ctx, cl, due, ex, nil)
		if err != nil {
			errs.addErr(errKind(err), err)
			return
		}
		paired.add(pt.paired)
		exchanged.add(pt.exchanged)
	}
	if o.Rate > 0 {
		r.Started = schedule(ctx, o.Rate, o.Duration, o.MaxInFlight, one)
	} else {
		r.Started = closedLoop(ctx, o.Concurrency, o.Duration, one)
	}
	r.Elapsed = time.Since(start)
	clientCPU := ownCPU() - cpu0
	stopSampling()
	if r.After, err = p.stats(ctx); err != nil {
		return r, err
	}
	r.Errors, r.Examples = errs.snapshot(), errs.examples()
	r.Pairing = paired.percentiles()
	r.Exchange = exchanged.percentiles()
	r.Completed = r.Pairing.Count
	r.PerSecond = float64(r.Completed) / max(o.Duration, r.Elapsed).Seconds()
	if r.During.At.IsZero() {
		r.During = r.Before
	}
	serverCPU := r.After.CPUSeconds - r.Before.CPUSeconds
	r.ServerCPU = serverCPU / r.Elapsed.Seconds()
	if r.Completed > 0 {
		r.ServerCPUPerPairing = time.Duration(serverCPU * float64(time.Second) / float64(r.Completed))
		r.ClientCPUPerPairing = clientCPU / time.Duration(r.Completed)
	}
	r.Leak = checkLeak(ctx, p, r.Before)
	fmt.Fprintf(progress, "pair: %d started, %d completed in %s\n", r.Started, r.Completed, r.Elapsed.Round(time.Millisecond))
	return r, ctx.Err()
}

// sampleNearEnd records the server's stats once, 90% into a run of dur.
func sampleNearEnd(ctx context.Context, p *probe, dur time.Duration, into *ServerStats) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTimer(dur * 9 / 10)
		defer t.Stop()
		select {
		case <-t.C:
			if st, err := p.stats(ctx); err == nil {
				*into = st
			}
		case <-ctx.Done():
		}
	}()
	return func() { cancel(); <-done }
}

// LeakCheck says whether the server went back to its baseline after a run.
type LeakCheck struct {
	Baseline ServerStats
	Settled  ServerStats   // the first stats back at the baseline (or the last seen)
	After    time.Duration // how long that took after the clients left
	Err      error         // not back within settleTimeout
}

// settleTimeout bounds the wait for the server to close what the clients
// left: a few close handshakes and timers.
const settleTimeout = 60 * time.Second

func checkLeak(ctx context.Context, p *probe, base ServerStats) LeakCheck {
	st, after, err := p.settle(ctx, base, settleTimeout)
	return LeakCheck{Baseline: base, Settled: st, After: after, Err: err}
}

func (l LeakCheck) String() string {
	if l.Err != nil {
		return "LEAK? " + l.Err.Error()
	}
	return fmt.Sprintf("back to baseline %s after the clients left (goroutines %d <= %d, fds %d <= %d, rss %s)",
		l.After.Round(time.Millisecond), l.Settled.Goroutines, l.Baseline.Goroutines, l.Settled.FDs, l.Baseline.FDs, mib(l.Settled.RSS))
}
