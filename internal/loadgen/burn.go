package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// BurnOptions configure Burn.
type BurnOptions struct {
	Senders   int           // senders waiting for their receivers (default 60)
	Attackers int           // attacker source addresses (default 1)
	Duration  time.Duration // how long the attack runs (default 1m)
	MaxSlot   int           // the attackers try slots 1..MaxSlot in turn, then again (default 999)
}

func (o *BurnOptions) defaults() {
	if o.Senders <= 0 {
		o.Senders = 60
	}
	if o.Attackers <= 0 {
		o.Attackers = 1
	}
	if o.Duration <= 0 {
		o.Duration = time.Minute
	}
	if o.MaxSlot <= 0 {
		o.MaxSlot = 999
	}
}

// maxAttackers bounds the attacker addresses (127.3.0.1 up).
const maxAttackers = 250

// BurnReport is the outcome of Burn.
type BurnReport struct {
	Options  BurnOptions
	Waiting  int               // senders waiting when the attack began
	Ended    int               // of those, senders whose wait an attacker ended
	Joins    map[string]int    // the attackers' joins by outcome: paired, or the server's error code
	Examples map[string]string // the first error of each kind
	Errors   map[string]int    // senders that failed to get a code, by kind
	Elapsed  time.Duration
}

// Burn holds o.Senders waiting senders (as Hold does, from rotating source
// addresses) while o.Attackers source addresses (127.3.0.1 up) end as many
// of their waits as the server lets them, for o.Duration: each attacker
// joins slot after slot and, when a join pairs, either leaves at once or
// sends garbage and leaves, in turn. An attacker that the server refuses by
// a limit waits a second before it tries again. The report says how many
// senders' waits ended: the server's defence is that one address ends
// only a few a minute (ferry-rendezvous --failed-joins-per-ip).
func Burn(ctx context.Context, t Target, o BurnOptions, progress io.Writer) (BurnReport, error) {
	o.defaults()
	r := BurnReport{Options: o}
	if o.Attackers > maxAttackers {
		return r, fmt.Errorf("loadgen: burn: at most %d attackers", maxAttackers)
	}
	cl, err := newClients(t)
	if err != nil {
		return r, err
	}
	if !cl.rotate {
		return r, errors.New("loadgen: burn needs an IPv4 loopback target (ws://127.0.0.1:PORT): its attackers and senders need addresses of their own")
	}
	senders := make([]*rendezvousclient.Conn, o.Senders)
	defer closeAll(senders, 20)
	var errs counts
	for i := range senders {
		c, err := waitingSender(ctx, cl)
		if err != nil {
			errs.addErr(errKind(err), err)
			continue
		}
		senders[i] = c
		r.Waiting++
	}
	r.Errors = errs.snapshot()
	fmt.Fprintf(progress, "burn: %d senders waiting; %d attacker addresses for %s\n", r.Waiting, o.Attackers, o.Duration)

	actx, stop := context.WithTimeout(ctx, o.Duration)
	defer stop()
	var ended atomic.Int64
	var wg sync.WaitGroup
	for _, c := range senders {
		if c == nil {
			continue
		}
		wg.Go(func() {
			if c.WaitPeer(actx) == nil && actx.Err() == nil {
				ended.Add(1)
			}
		})
	}
	var joins counts
	start := time.Now()
	for a := range o.Attackers {
		from := net.IPv4(127, 3, 0, byte(a+1))
		acl := &clients{url: cl.url}
		acl.hc = cl.hcFrom(from)
		wg.Go(func() { attack(actx, acl, o.MaxSlot, a, &joins) })
	}
	<-actx.Done()
	r.Elapsed = time.Since(start)
	wg.Wait()
	r.Ended = int(ended.Load())
	r.Joins, r.Examples = joins.snapshot(), joins.examples()
	fmt.Fprintf(progress, "burn: %d of %d waiting senders ended in %s\n", r.Ended, r.Waiting, r.Elapsed.Round(time.Millisecond))
	return r, ctx.Err()
}

// attack joins slots from one address until ctx ends; the n-th attacker
// starts at a different slot.
func attack(ctx context.Context, cl *clients, maxSlot, n int, joins *counts) {
	slot := 1 + (n*97)%maxSlot
	garbage := false
	for ctx.Err() == nil {
		c, err := cl.dial(ctx)
		if err == nil {
			err = c.Join(ctx, strconv.Itoa(slot))
			if err == nil {
				joins.add("paired")
				if garbage {
					_ = c.Send(ctx, []byte("not a session frame"))
				}
				garbage = !garbage
			}
			_ = c.Close()
		}
		if err != nil && ctx.Err() == nil {
			joins.addErr(errKind(err), err)
		}
		slot = slot%maxSlot + 1
		if errors.Is(err, rendezvous.ErrLimit) {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}
