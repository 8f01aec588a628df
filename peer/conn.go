package peer

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/webrtc/v4"
)

// Conn is the data channel as a byte stream: Write may split its bytes into
// several messages and Read returns bytes across message boundaries. Write
// blocks while too much is queued (backpressure), so memory stays flat for
// any amount written. Read, Write and Close may be called concurrently.
//
// A data channel has no half-close: Close by either side ends the stream in
// both directions. The other side reads every byte written before the Close
// and then io.EOF; its Writes fail from then on.
type Conn struct {
	pc   *webrtc.PeerConnection
	dc   detached
	mux  io.Closer // the UDP mux, or nil
	bn   *bufferedNet
	cfg  settings
	high uint64
	low  uint64

	route Route // as selected when Connect returned

	lowSig  chan struct{} // (cap 1) BufferedAmount fell to the low-water mark
	closing chan struct{} // closed when Close starts
	dead    chan struct{} // closed by lost, after deadErr is set
	deadErr error
	dying   sync.Once

	reader  reader
	writeMu sync.Mutex

	closeOnce sync.Once
	closeErr  error
}

// detached is what pion's detached data channel (*datachannel.DataChannel)
// offers beyond the byte-level interface.
type detached interface {
	datachannel.ReadWriteCloser
	BufferedAmount() uint64
	SetBufferedAmountLowThreshold(th uint64)
	OnBufferedAmountLow(f func())
}

// ErrClosed is returned (wrapped) by Read and Write after Close.
var ErrClosed = fmt.Errorf("peer: connection closed: %w", net.ErrClosed)

// errPeerClosed is returned by Write once the peer closed the stream.
var errPeerClosed = errors.New("peer: write: the peer closed the connection")

func newConn(pc *webrtc.PeerConnection, rwc datachannel.ReadWriteCloser, s settings, bn *bufferedNet, mux io.Closer) (*Conn, error) {
	dc, ok := rwc.(detached)
	if !ok {
		return nil, fmt.Errorf("peer: pion's detached data channel (%T) has no BufferedAmount: pion changed its API", rwc)
	}
	c := &Conn{
		pc:      pc,
		dc:      dc,
		mux:     mux,
		bn:      bn,
		cfg:     s,
		high:    uint64(s.HighWater),
		low:     uint64(s.LowWater),
		lowSig:  make(chan struct{}, 1),
		closing: make(chan struct{}),
		dead:    make(chan struct{}),
	}
	// Never send more than the peer said it accepts (a pion peer says 1 GiB,
	// a ferry peer at least DefaultMaxMessageSize).
	if limit := remoteMaxMessage(pc); limit > 0 && int64(limit) < int64(c.cfg.MessageSize) {
		c.cfg.MessageSize = int(limit)
	}
	dc.SetBufferedAmountLowThreshold(c.low)
	dc.OnBufferedAmountLow(c.signalLow) // called on pion's SCTP read loop: must not block
	if !s.bare {
		c.reader.start(dc, s.maxMessage, c.closing)
	}
	return c, nil
}

func (c *Conn) signalLow() {
	select {
	case c.lowSig <- struct{}{}:
	default:
	}
}

// lost marks the connection as gone (ICE failed after connecting) and tears
// it down, so that blocked Reads and Writes return err.
func (c *Conn) lost(err error) {
	c.dying.Do(func() {
		c.deadErr = err
		close(c.dead)
		go c.pc.Close() //nolint:errcheck // the error is err; this only unblocks Read and Write
	})
}

// Read reads the bytes the peer wrote, in order. It returns io.EOF once the
// peer closed the connection cleanly and every byte was read, and another
// error when the connection was lost or closed here.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.reader.read(p, c.closing, c.dead)
	if err != nil && !errors.Is(err, io.EOF) {
		select {
		case <-c.dead:
			return n, c.deadErr
		default:
		}
	}
	return n, err
}

// Write sends p, split into messages of at most Config.MessageSize bytes. It
// blocks while more than Config.HighWater bytes are queued, until the queue
// drains to Config.LowWater, Close is called or the connection is lost.
func (c *Conn) Write(p []byte) (int, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	written := 0
	for len(p) > 0 {
		if err := c.waitWritable(); err != nil {
			return written, err
		}
		n := min(len(p), c.cfg.MessageSize)
		if _, err := c.dc.Write(p[:n]); err != nil {
			return written, c.writeError(err)
		}
		written += n
		p = p[n:]
	}
	return written, nil
}

// waitWritable blocks while the SCTP send queue is above the high-water mark.
func (c *Conn) waitWritable() error {
	for {
		select {
		case <-c.closing:
			return ErrClosed
		case <-c.dead:
			return c.deadErr
		case <-c.reader.done:
			return c.writeError(c.reader.final)
		default:
		}
		if c.dc.BufferedAmount() <= c.high {
			return nil
		}
		// The queue is above the high mark, so it has yet to cross the low
		// mark on its way down: that crossing signals lowSig.
		select {
		case <-c.lowSig:
		case <-c.closing:
		case <-c.dead:
		case <-c.reader.done:
		}
	}
}

// writeError explains why a write failed, cause being what pion (or the read
// side) reported.
func (c *Conn) writeError(cause error) error {
	select {
	case <-c.dead:
		return c.deadErr
	case <-c.closing:
		return ErrClosed
	default:
	}
	select {
	case <-c.reader.done:
		if errors.Is(c.reader.final, io.EOF) {
			return errPeerClosed
		}
		return fmt.Errorf("peer: write: %w", c.reader.final)
	default:
	}
	return fmt.Errorf("peer: write: connection to the peer lost: %w", cause)
}

// Close flushes what was written, closes the stream so that the peer reads
// it to io.EOF, and tears the connection down. It waits while the peer keeps
// acknowledging data, up to Config.CloseTimeout without progress, and
// reports the bytes it could not deliver. Close is idempotent.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.close(true) })
	return c.closeErr
}

// Abort tears the connection down at once, without Close's flush and orderly
// end of the stream: for a peer that has given up (it reported why it
// stopped), which would acknowledge nothing more. Whichever of Close and
// Abort comes first decides; both are idempotent.
func (c *Conn) Abort() error {
	c.closeOnce.Do(func() { c.closeErr = c.close(false) })
	return c.closeErr
}

// close tears the connection down; graceful first delivers what was written
// and ends the stream.
func (c *Conn) close(graceful bool) error {
	close(c.closing) // wakes blocked Reads and Writes
	c.writeMu.Lock() // waits for a Write inside pion to finish
	defer c.writeMu.Unlock()

	var err error
	if graceful {
		err = c.flush()
	}
	if graceful && err == nil {
		// Reset our outgoing stream. pion queues the reset behind the data;
		// the peer reads everything, then io.EOF, and resets its own stream,
		// which ends our read side: only then may the association go, or the
		// peer could see the teardown before the reset.
		if cerr := c.dc.Close(); cerr != nil {
			err = fmt.Errorf("peer: close: ending the stream: %w", cerr)
		} else {
			select {
			case <-c.reader.done:
			case <-c.dead:
			case <-time.After(c.cfg.CloseTimeout):
				err = fmt.Errorf("peer: close: the peer did not confirm the end of the stream within %s: "+
					"it may not have read everything", c.cfg.CloseTimeout)
			}
		}
	}
	if cerr := closePC(c.pc); cerr != nil && err == nil {
		err = fmt.Errorf("peer: close: %w", cerr)
	}
	if c.mux != nil {
		c.mux.Close() //nolint:errcheck // the PeerConnection is already closed
	}
	select {
	case <-c.reader.done: // the association is gone, so the read loop ends
	case <-time.After(c.cfg.CloseTimeout):
	}
	return err
}

// flush waits until the peer acknowledged every byte written, or until it
// made no progress for CloseTimeout, or the connection is lost.
func (c *Conn) flush() error {
	timer := time.NewTimer(c.cfg.CloseTimeout)
	defer timer.Stop()
	for {
		queued := c.dc.BufferedAmount()
		if queued == 0 {
			return nil
		}
		// Ask to be told when half of it was acknowledged; if that already
		// happened, it is progress too.
		c.dc.SetBufferedAmountLowThreshold(queued / 2)
		if c.dc.BufferedAmount() > queued/2 {
			select {
			case <-c.lowSig:
			case <-timer.C:
				return c.undelivered(c.dc.BufferedAmount(), "the peer acknowledged nothing for "+c.cfg.CloseTimeout.String())
			case <-c.dead:
				return c.undelivered(c.dc.BufferedAmount(), c.deadErr.Error())
			case <-c.reader.done:
				if !errors.Is(c.reader.final, io.EOF) {
					return c.undelivered(c.dc.BufferedAmount(), c.reader.final.Error())
				}
				// The peer closed first: it reads nothing more, and tears
				// the connection down once we confirmed (Write already
				// failed for anything written after its close).
				return nil
			}
		}
		if !timer.Stop() {
			<-timer.C
		}
		timer.Reset(c.cfg.CloseTimeout)
	}
}

func (c *Conn) undelivered(n uint64, why string) error {
	return fmt.Errorf("peer: close: %d bytes written were not delivered to the peer: %s", n, why)
}

// Route reports the selected candidate pair: whether the peers talk directly
// and over which addresses.
func (c *Conn) Route() Route {
	if r, ok := selectedRoute(c.pc); ok {
		return r
	}
	return c.route
}

// Warning is a message for the user when the OS granted less UDP socket
// buffer than Config.SocketBuffer asked for (transfers may be slower), with
// how to raise the limit; "" otherwise. It is the same for every Conn of a
// process, so show it once.
func (c *Conn) Warning() string {
	return c.bn.warning()
}

func selectedRoute(pc *webrtc.PeerConnection) (Route, bool) {
	sctp := pc.SCTP()
	if sctp == nil || sctp.Transport() == nil || sctp.Transport().ICETransport() == nil {
		return Route{}, false
	}
	pair, err := sctp.Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || pair.Local == nil || pair.Remote == nil {
		return Route{}, false
	}
	return Route{
		Direct:     pair.Local.Typ != webrtc.ICECandidateTypeRelay && pair.Remote.Typ != webrtc.ICECandidateTypeRelay,
		LocalType:  pair.Local.Typ.String(),
		RemoteType: pair.Remote.Typ.String(),
		// A browser (pion's js build) gives IPv6 addresses in brackets.
		Local:  net.JoinHostPort(strings.Trim(pair.Local.Address, "[]"), fmt.Sprint(pair.Local.Port)),
		Remote: net.JoinHostPort(strings.Trim(pair.Remote.Address, "[]"), fmt.Sprint(pair.Remote.Port)),
	}, true
}
