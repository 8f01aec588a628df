package peer

import (
	"io"
	"sync"
)

// Link is one byte stream over one or more Conns (ConnectLink): bytes
// [k*StripeSize, (k+1)*StripeSize) of each direction's stream go on Conn
// k mod N. It has Conn's semantics: Read returns the peer's bytes in order
// and then io.EOF after the peer's Close; Write blocks under backpressure.
type Link struct {
	conns []*Conn

	writeMu sync.Mutex
	written int64 // bytes of the outgoing stream handed to the Conns

	readMu sync.Mutex
	read   int64 // bytes of the incoming stream returned by Read

	closeOnce sync.Once
	closeErr  error
}

func newLink(conns []*Conn) *Link {
	if len(conns) > 1 {
		for _, c := range conns {
			go shareLoss(c, conns)
		}
	}
	return &Link{conns: conns}
}

// shareLoss marks every connection of a link lost once c is: the stream
// cannot go on without c's share of it, and a Read or Write waiting on
// another connection must not wait for that one to notice too.
func shareLoss(c *Conn, conns []*Conn) {
	select {
	case <-c.dead:
		for _, o := range conns {
			o.lost(c.deadErr)
		}
	case <-c.closing:
	}
}

// Conns is how many connections the link runs over.
func (l *Link) Conns() int { return len(l.conns) }

// Write sends p, cutting it where the stream moves to the next connection.
func (l *Link) Write(p []byte) (int, error) {
	if len(l.conns) == 1 {
		return l.conns[0].Write(p)
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	done := 0
	for len(p) > 0 {
		c, room := l.at(l.written)
		n, err := c.Write(p[:min(len(p), room)])
		done += n
		l.written += int64(n)
		if err != nil {
			return done, err
		}
		p = p[n:]
	}
	return done, nil
}

// Read reads the peer's stream in order, from the connection that carries
// the next bytes.
func (l *Link) Read(p []byte) (int, error) {
	if len(l.conns) == 1 {
		return l.conns[0].Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	l.readMu.Lock()
	defer l.readMu.Unlock()
	c, room := l.at(l.read)
	n, err := c.Read(p[:min(len(p), room)])
	l.read += int64(n)
	// io.EOF on the connection due next is the end of the whole stream: the
	// peer closed every connection after its last byte, and the bytes
	// before it on the others were read already.
	return n, err
}

// at is the connection that carries stream offset off, and how many bytes
// it carries from there before the next one takes over.
func (l *Link) at(off int64) (*Conn, int) {
	k := off / StripeSize
	return l.conns[k%int64(len(l.conns))], int(StripeSize - off%StripeSize)
}

// Close closes every connection at once (each flushes and waits for the
// peer as Conn.Close does; the peer reads its connections in turn, so one at
// a time could wait on each other) and reports the first error.
func (l *Link) Close() error { return l.closeAll((*Conn).Close) }

// Abort tears every connection down at once, as Conn.Abort does.
func (l *Link) Abort() error { return l.closeAll((*Conn).Abort) }

func (l *Link) closeAll(closeConn func(*Conn) error) error {
	l.closeOnce.Do(func() {
		if len(l.conns) == 1 {
			l.closeErr = closeConn(l.conns[0])
			return
		}
		errs := make([]error, len(l.conns))
		var wg sync.WaitGroup
		for i, c := range l.conns {
			wg.Go(func() { errs[i] = closeConn(c) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				l.closeErr = err
				break
			}
		}
	})
	return l.closeErr
}

// Route reports the first connection's route: all of them were set up with
// the same candidates, and take the same path.
func (l *Link) Route() Route { return l.conns[0].Route() }

// Warning is the first Conn's Warning (it is the same for all of them).
func (l *Link) Warning() string { return l.conns[0].Warning() }

var _ io.ReadWriteCloser = (*Link)(nil)
