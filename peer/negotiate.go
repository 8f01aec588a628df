package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/webrtc/v4"
)

// signalingLossGrace is how long Connect still waits for the channel to open
// after the signaling path broke, unless ICE already found a path.
const signalingLossGrace = 5 * time.Second

// signalingGrace bounds how long Connect, once done, waits for its signaling
// goroutines to notice the cancellation (a Signaler must honour ctx).
const signalingGrace = 2 * time.Second

// run trades descriptions and candidates with the peer through sig until the
// data channel opens (the Conn), ICE fails, the signaling breaks for good, or
// ctx ends.
func (n *negotiation) run(ctx context.Context, sig Signaler, bn *bufferedNet, mux io.Closer) (_ *Conn, err error) {
	sg := n.startSignaling(ctx, sig)
	defer func() { sg.stop(ctx, err != nil) }()
	if n.role == Offerer {
		if err := n.offer(); err != nil {
			return nil, err
		}
	}
	for {
		select {
		case m := <-sg.in:
			switch {
			case errors.Is(m.err, errSignal):
				return nil, m.err
			case m.err != nil:
				if err := n.signalingLost(ctx, &sg.loss, "receiving from", m.err); err != nil {
					return nil, err
				}
				sg.in = nil
			default:
				if err := n.handle(m.sig); err != nil {
					return nil, err
				}
			}
		case err := <-sg.sendErr:
			if err := n.signalingLost(ctx, &sg.loss, "sending to", err); err != nil {
				return nil, err
			}
		case <-sg.loss.timer:
			sg.loss.timer = nil
			switch n.pc.ICEConnectionState() {
			case webrtc.ICEConnectionStateConnected, webrtc.ICEConnectionStateCompleted:
				// ICE found a path: wait for the channel (or ICE failure, or ctx)
			default:
				return nil, sg.loss.err
			}
		case rwc := <-n.opened:
			return n.established(rwc, bn, mux)
		case err := <-n.failed:
			return nil, err
		case <-ctx.Done():
			return nil, n.timedOut(ctx)
		}
	}
}

// signaling is the exchange with the peer through a Signaler while Connect
// runs: what arrives, what failed to go out, and how the path was lost.
type signaling struct {
	in      chan incoming
	sendErr chan error
	loss    signalingLoss
	// stop ends both directions, waiting a little for them; after a
	// failure (failed) it first sends what is queued, so that the peer
	// learns what it needs to find its own reason to fail (the offer, the
	// end of the candidates) instead of only that this side left.
	stop func(ctx context.Context, failed bool)
}

// signalingLoss is a broken signaling path after the descriptions were
// traded: err, and when to give up on the channel opening.
type signalingLoss struct {
	err   error
	timer <-chan time.Time
}

// incoming is one message (or the end) from the peer's signaling.
type incoming struct {
	sig signal
	err error
}

// startSignaling runs the receiving and the sending side of sig until the
// returned signaling's stop.
func (n *negotiation) startSignaling(ctx context.Context, sig Signaler) *signaling {
	sigCtx, cancel := context.WithCancel(ctx)
	sg := &signaling{in: make(chan incoming), sendErr: make(chan error, 1)}
	recvDone, sendDone := make(chan struct{}), make(chan struct{})
	go n.receive(sigCtx, sig, sg.in, recvDone)
	go n.out.run(sigCtx, sig, sg.sendErr, sendDone)
	sg.stop = func(ctx context.Context, failed bool) {
		if failed && ctx.Err() == nil {
			n.out.finish()
			flushed := time.NewTimer(signalingGrace)
			select {
			case <-sendDone:
			case <-flushed.C:
			}
			flushed.Stop()
		}
		cancel()
		n.out.close() // late candidates are dropped quietly
		grace := time.NewTimer(signalingGrace)
		defer grace.Stop()
		for _, done := range []chan struct{}{recvDone, sendDone} {
			select {
			case <-done:
			case <-grace.C:
				return // a Signaler that ignores ctx: leave its goroutine behind
			}
		}
	}
	return sg
}

// signalingLost handles an error of the signaling path (what: "receiving
// from" or "sending to"). Before the remote description arrived it ends
// Connect. After it, it need not: the peer may have connected first and
// closed its Signaler; then Connect waits a little for the channel to open
// (loss.timer). It returns the error that ends Connect, or nil to go on.
func (n *negotiation) signalingLost(ctx context.Context, loss *signalingLoss, what string, err error) error {
	if ctx.Err() != nil {
		return n.timedOut(ctx)
	}
	err = fmt.Errorf("peer: %s the peer through the rendezvous server: %w", what, err)
	if !n.haveRemote {
		return err
	}
	if loss.err == nil {
		loss.err = err
		loss.timer = time.After(signalingLossGrace)
	}
	return nil
}

// established makes the Conn of the data channel that opened; a failure
// reported while it was being set up is passed on to it.
func (n *negotiation) established(rwc datachannel.ReadWriteCloser, bn *bufferedNet, mux io.Closer) (*Conn, error) {
	c, err := newConn(n.pc, rwc, n.cfg, bn, mux)
	if err != nil {
		return nil, err
	}
	c.route, _ = selectedRoute(n.pc)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.conn = c
	select {
	case err := <-n.failed: // failed while we were setting up
		c.lost(err)
	default:
	}
	return c, nil
}

// receive reads and decodes the peer's signaling messages until an error.
func (n *negotiation) receive(ctx context.Context, sig Signaler, in chan<- incoming, done chan<- struct{}) {
	defer close(done)
	for {
		b, err := sig.Recv(ctx)
		var m incoming
		if err != nil {
			m.err = err
		} else {
			m.sig, m.err = decodeSignal(b)
			if m.err != nil {
				m.err = fmt.Errorf("%w (message from the peer)", m.err)
			}
		}
		select {
		case in <- m:
		case <-ctx.Done():
			return
		}
		if m.err != nil {
			return
		}
	}
}
