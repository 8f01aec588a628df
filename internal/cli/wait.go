package cli

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// envWait stands in for ferry receive's --wait.
const envWait = "FERRY_WAIT"

// How a receiver with --wait tries again while no sender waits under its
// code. The server counts every join of a code nobody waits under against
// --joins-per-ip (30 a minute by default, shared by everyone behind the same
// address), so the tries settle at one every 3.2 to 4.8 s: at most 19 a
// minute. A limit the server reports is waited out for waitLimitRetry before
// the next try.
const (
	waitFirstRetry = 250 * time.Millisecond
	waitMaxRetry   = 4 * time.Second
	waitLimitRetry = 15 * time.Second
)

// resolveWait sets opts.Wait from FERRY_WAIT when --wait was not given.
func resolveWait(opts *ReceiveOptions, flagSet bool) error {
	if !flagSet {
		env := os.Getenv(envWait)
		if env == "" {
			return nil
		}
		d, err := time.ParseDuration(env)
		if err != nil {
			return usageError{fmt.Errorf("FERRY_WAIT=%q is not a duration: use e.g. 30s, 10m or 2h", env)}
		}
		opts.Wait = d
	}
	if opts.Wait < 0 {
		return usageError{fmt.Errorf("--wait %s is negative: give how long to wait for the sender, e.g. 10m (0 does not wait)", opts.Wait)}
	}
	return nil
}

// dialJoin connects to the rendezvous server and joins the sender waiting
// under code. With wait > 0, a receiver that came first (no sender waits
// under the code yet) or that hit a server limit tries again, each time on a
// new connection (the server closes one whose join failed), until the sender
// is there or wait has passed; any other error ends it at once. waiting is
// called once, before the first wait.
func dialJoin(ctx context.Context, server string, code rendezvous.Code, wait time.Duration, waiting func()) (*rendezvousclient.Conn, error) {
	deadline := time.Now().Add(wait)
	retry := waitFirstRetry
	announced := false
	for {
		rz, err := dialJoinOnce(ctx, server, code)
		if err == nil {
			return rz, nil
		}
		limited := errors.Is(err, rendezvous.ErrLimit)
		if wait <= 0 || ctx.Err() != nil || !limited && !waitable(err) {
			return nil, joinError(err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("waited %s (--wait) and no sender came: %w", wait, joinError(err))
		}
		if !announced {
			announced = true
			waiting()
		}
		pause := jitter(retry)
		if limited {
			pause = waitLimitRetry
		}
		retry = min(2*retry, waitMaxRetry)
		t := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for the sender: %w", ctx.Err())
		case <-t.C:
		}
	}
}

func dialJoinOnce(ctx context.Context, server string, code rendezvous.Code) (*rendezvousclient.Conn, error) {
	rz, err := rendezvousclient.Dial(ctx, server)
	if err != nil {
		return nil, err
	}
	if err := rz.Join(ctx, code.Slot); err != nil {
		_ = rz.Close()
		return nil, err
	}
	return rz, nil
}

// waitable reports whether err only says that the sender is not there yet:
// not that someone else used the code (ErrSlotUsed also matches ErrSlotTaken,
// never ErrNoSuchSlot, but be explicit).
func waitable(err error) bool {
	return errors.Is(err, rendezvous.ErrNoSuchSlot) && !errors.Is(err, rendezvous.ErrSlotUsed)
}

// jitter spreads d over 0.8d to 1.2d, so that receivers started by the same
// cron minute do not try in step.
func jitter(d time.Duration) time.Duration {
	return d*4/5 + rand.N(d*2/5+1)
}
