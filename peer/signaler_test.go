package peer

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// chanSignaler is one end of an in-memory signaling path: what one end
// sends, the other receives, in order.
type chanSignaler struct {
	in, out   chan []byte
	done      chan struct{} // this end closed
	peerDone  chan struct{} // the other end closed
	closeOnce *sync.Once
	// drop, when set, swallows outgoing messages for which it returns true.
	drop func(msg []byte) bool
	// latency delays each message this end sends: a slow rendezvous path.
	latency time.Duration
}

var errSignalerClosed = errors.New("test signaler: closed")

func signalerPair() (*chanSignaler, *chanSignaler) {
	ab, ba := make(chan []byte, 1024), make(chan []byte, 1024)
	aDone, bDone := make(chan struct{}), make(chan struct{})
	a := &chanSignaler{in: ba, out: ab, done: aDone, peerDone: bDone, closeOnce: new(sync.Once)}
	b := &chanSignaler{in: ab, out: ba, done: bDone, peerDone: aDone, closeOnce: new(sync.Once)}
	return a, b
}

func (s *chanSignaler) Send(ctx context.Context, msg []byte) error {
	select {
	case <-s.done:
		return errSignalerClosed
	case <-s.peerDone:
		return errors.New("test signaler: the peer left")
	default:
	}
	if s.drop != nil && s.drop(msg) {
		return nil
	}
	if s.latency > 0 {
		t := time.NewTimer(s.latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case s.out <- append([]byte(nil), msg...):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *chanSignaler) Recv(ctx context.Context) ([]byte, error) {
	select {
	case m := <-s.in:
		return m, nil
	default:
	}
	select {
	case m := <-s.in:
		return m, nil
	case <-s.done:
		return nil, errSignalerClosed
	case <-s.peerDone:
		return nil, errors.New("test signaler: the peer left")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *chanSignaler) Close() {
	s.closeOnce.Do(func() { close(s.done) })
}

// loopback keeps the tests' traffic on loopback addresses.
func loopback() Config {
	return Config{IPFilter: func(ip net.IP) bool { return ip.IsLoopback() }}
}

// connectTimeout is generous: tests share a loaded 2-core machine.
const connectTimeout = 60 * time.Second

type result struct {
	conn *Conn
	err  error
}

// connectPair connects an Offerer (a) and an Answerer (b) in this process and,
// like the CLI, closes the signalers as soon as each Connect returns.
func connectPair(t testing.TB, ca, cb Config) (a, b *Conn) {
	t.Helper()
	sa, sb := signalerPair()
	ra, rb := connectBoth(t, sa, sb, ca, cb)
	if ra.err != nil || rb.err != nil {
		t.Fatalf("connect: offerer: %v; answerer: %v", ra.err, rb.err)
	}
	t.Cleanup(func() {
		ra.conn.Close()
		rb.conn.Close()
	})
	return ra.conn, rb.conn
}

func connectBoth(t testing.TB, sa, sb *chanSignaler, ca, cb Config) (ra, rb result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	ch := make(chan result, 1)
	go func() {
		c, err := Connect(ctx, sb, Answerer, cb)
		sb.Close()
		ch <- result{c, err}
	}()
	c, err := Connect(ctx, sa, Offerer, ca)
	sa.Close()
	ra = result{c, err}
	rb = <-ch
	return ra, rb
}
