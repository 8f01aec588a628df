package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
)

// lineConn is the signaling path between the two ends of a measurement: a
// TCP connection over loopback carrying one message per line (peer's
// signaling messages are JSON, without raw newlines). It implements
// peer.Signaler, and carries the end-of-measurement message afterwards.
type lineConn struct {
	c     net.Conn
	lines chan []byte
	err   chan error // (cap 1) why reading stopped; put back after each take
}

func newLineConn(c net.Conn) *lineConn {
	l := &lineConn{c: c, lines: make(chan []byte, 64), err: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(c)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			l.lines <- append([]byte(nil), sc.Bytes()...)
		}
		l.err <- errors.Join(sc.Err(), io.EOF)
	}()
	return l
}

// Send implements peer.Signaler.
func (l *lineConn) Send(_ context.Context, msg []byte) error {
	if _, err := l.c.Write(append(msg, '\n')); err != nil {
		return fmt.Errorf("signaling: %w", err)
	}
	return nil
}

// Recv implements peer.Signaler.
func (l *lineConn) Recv(ctx context.Context) ([]byte, error) {
	select {
	case b := <-l.lines:
		return b, nil
	case err := <-l.err:
		l.err <- err
		// The reader queues every line before its error, but select
		// picks at random among ready cases: a line still queued comes
		// first (the receiver's "end" followed at once by its close).
		select {
		case b := <-l.lines:
			return b, nil
		default:
		}
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *lineConn) Close() error { return l.c.Close() }
