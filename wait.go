package ferry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// How a receiver with a Wait tries again while no sender waits under its
// code. The server counts every join of a code nobody waits under against
// its joins-per-address limit (30 a minute by default, shared by everyone
// behind the same address), so the tries settle at one every 3.2 to 4.8 s:
// at most 19 a minute. A limit the server reports is waited out for
// waitLimitRetry before the next try.
const (
	waitFirstRetry = 250 * time.Millisecond
	waitMaxRetry   = 4 * time.Second
	waitLimitRetry = 15 * time.Second
)

// dialJoin connects to the rendezvous server and joins the sender waiting
// under code. With cfg.Wait > 0, a receiver that came first (no sender waits
// under the code yet) or that hit a server limit tries again, each time on a
// new connection (the server closes one whose join failed), until the sender
// is there or the wait has passed; any other error ends it at once.
// Events.Waiting is called once, before the first wait.
func dialJoin(ctx context.Context, cfg ConnectConfig, code rendezvous.Code) (*rendezvousclient.Conn, error) {
	wait := cfg.Wait
	deadline := time.Now().Add(wait)
	retry := waitFirstRetry
	announced := false
	for {
		rz, err := dialJoinOnce(ctx, cfg, code)
		if err == nil {
			return rz, nil
		}
		limited := errors.Is(err, rendezvous.ErrLimit)
		if wait <= 0 || ctx.Err() != nil || !limited && !waitable(err) {
			return nil, joinError(err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("waited %s and no sender came: %w", wait, joinError(err))
		}
		if !announced {
			announced = true
			cfg.events().Waiting(code.Slot, wait)
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

// dialJoinOnce joins the sender under code on cfg.Server, or, with no
// server, on the local servers that answer on the local network.
func dialJoinOnce(ctx context.Context, cfg ConnectConfig, code rendezvous.Code) (*rendezvousclient.Conn, error) {
	if cfg.Server == "" {
		return joinOnLAN(ctx, cfg, code)
	}
	return dialJoinAt(ctx, cfg, cfg.Server, code)
}

func dialJoinAt(ctx context.Context, cfg ConnectConfig, server string, code rendezvous.Code) (*rendezvousclient.Conn, error) {
	rz, err := rendezvousclient.DialWith(ctx, server, rendezvousclient.DialOptions{HTTPClient: cfg.HTTPClient})
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

// joinError adds to a failed join what the server cannot know: once a sender
// and its receiver have connected, the server forgets the code, so a second
// receiver that came a little later (someone else used the code first) hears
// that nobody waits under it.
func joinError(err error) error {
	if waitable(err) && !errors.Is(err, errNoLANServer) {
		return fmt.Errorf("%w; a code works once: if someone else may have used it first, ask the sender to send again for a new code", err)
	}
	return err
}

// jitter spreads d over 0.8d to 1.2d, so that receivers started by the same
// cron minute do not try in step.
func jitter(d time.Duration) time.Duration {
	return d*4/5 + rand.N(d*2/5+1)
}
