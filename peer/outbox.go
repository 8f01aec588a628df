package peer

import (
	"context"
	"sync"
)

// outbox queues signaling messages for the peer, in order, without blocking
// pion's callbacks that produce them; run sends them through the Signaler.
type outbox struct {
	mu        sync.Mutex
	queue     [][]byte
	closed    bool
	finishing bool          // run returns once the queue is sent
	wake      chan struct{} // (cap 1) the queue is not empty, or finishing
}

func (o *outbox) init() {
	o.wake = make(chan struct{}, 1)
}

// push queues msg; after close it drops it.
func (o *outbox) push(msg []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	o.queue = append(o.queue, msg)
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbox) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	o.queue = nil
}

// finish makes run return once it has sent what is queued; later messages
// are dropped.
func (o *outbox) finish() {
	o.mu.Lock()
	o.closed, o.finishing = true, true
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// take returns the queued messages; last says that none can follow.
func (o *outbox) take() (q [][]byte, last bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	q = o.queue
	o.queue = nil
	return q, o.finishing
}

// run sends queued messages until ctx ends or a send fails; it reports the
// failure on errc.
func (o *outbox) run(ctx context.Context, sig Signaler, errc chan<- error, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-o.wake:
		case <-ctx.Done():
			return
		}
		q, last := o.take()
		for _, msg := range q {
			if err := sig.Send(ctx, msg); err != nil {
				if ctx.Err() == nil {
					errc <- err // cap 1, sent once
				}
				return
			}
		}
		if last {
			return
		}
	}
}
