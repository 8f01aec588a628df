package peer

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/pion/datachannel"
)

// readAhead is how many bytes of messages the read loop holds for Read
// beyond what pion's SCTP receive window holds; at least two messages, so
// that pion can reassemble the next one while Read consumes the last.
const readAhead = 1 << 20

// smallMessage: a message this short (an acknowledgement) is copied out of
// its buffer, which goes straight back to reading, so that a side that only
// receives small messages holds one buffer, not readAhead bytes of them.
const smallMessage = 4 << 10

// reader runs a loop that reads whole messages from the data channel into a
// small pool of buffers, and serves them to Read as a byte stream. The loop
// also notices the peer's close (io.EOF) while nobody calls Read, which Close
// waits for.
type reader struct {
	results chan []byte   // messages read, in order
	free    chan []byte   // buffers Read is done with
	done    chan struct{} // closed when the loop ended, after final is set
	final   error         // why: io.EOF when the peer closed cleanly

	mu   sync.Mutex // serializes Reads
	cur  []byte     // buffer of the message being consumed
	rest []byte     // its unread bytes
}

func (r *reader) start(dc datachannel.ReadWriteCloser, maxMessage int, closing <-chan struct{}) {
	n := max(2, readAhead/maxMessage)
	r.results = make(chan []byte, n)
	r.free = make(chan []byte, n)
	r.done = make(chan struct{})
	go r.loop(dc, maxMessage, n, closing)
}

func (r *reader) loop(dc datachannel.ReadWriteCloser, maxMessage, buffers int, closing <-chan struct{}) {
	defer close(r.done)
	allocated := 0
	var spare []byte // a buffer whose message was dropped or empty
	for {
		buf := spare
		spare = nil
		if buf == nil {
			select {
			case buf = <-r.free:
			default:
				if allocated < buffers {
					buf = make([]byte, maxMessage)
					allocated++
					break
				}
				select {
				case buf = <-r.free:
				case <-closing:
					// Nobody reads any more: reuse an unread message's buffer
					// (there is one, as a Read holds at most one of them).
					select {
					case buf = <-r.results:
						if cap(buf) <= smallMessage {
							buf = make([]byte, maxMessage) // a copied small message
						}
					case buf = <-r.free:
					}
				}
			}
		}
		n, err := dc.Read(buf[:cap(buf)])
		if err != nil {
			r.final = readError(err, maxMessage)
			return
		}
		if n == 0 {
			spare = buf
			continue
		}
		select {
		case <-closing:
			// Keep reading, dropping the data, to see the peer's io.EOF,
			// which Close waits for.
			spare = buf
			continue
		default:
		}
		msg := buf[:n]
		if n <= smallMessage && cap(buf) > smallMessage {
			msg = append([]byte(nil), msg...)
			spare = buf
		}
		select {
		case r.results <- msg:
		case <-closing:
			spare = buf
		}
	}
}

func readError(err error, maxMessage int) error {
	switch {
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.Is(err, io.ErrShortBuffer):
		return fmt.Errorf("peer: read: the peer sent a message larger than the %d-byte limit it was told", maxMessage)
	default:
		return fmt.Errorf("peer: read: connection to the peer lost: %w", err)
	}
}

// read copies bytes of the next messages into p. Once dead is closed (the
// connection was lost) it returns what was already read and then
// net.ErrClosed, without waiting for pion to tear the connection down.
func (r *reader) read(p []byte, closing, dead <-chan struct{}) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(p) == 0 {
		return 0, nil
	}
	for len(r.rest) == 0 {
		if r.cur != nil && cap(r.cur) > smallMessage { // a copied small message is dropped
			select {
			case r.free <- r.cur[:cap(r.cur)]:
			default: // cannot happen: free has room for every buffer
			}
		}
		r.cur = nil
		select {
		case <-closing:
			return 0, ErrClosed
		default:
		}
		select {
		case msg := <-r.results:
			r.cur, r.rest = msg, msg
		case <-r.done:
			// The loop ended; deliver what it read before saying why.
			select {
			case msg := <-r.results:
				r.cur, r.rest = msg, msg
			default:
				return 0, r.final
			}
		case <-closing:
			return 0, ErrClosed
		case <-dead:
			select {
			case msg := <-r.results:
				r.cur, r.rest = msg, msg
			default:
				return 0, net.ErrClosed // Conn.Read says why
			}
		}
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}
