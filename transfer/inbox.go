package transfer

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// inbox is the sender's side of what the receiver says. A goroutine reads the
// receiver's frames all the time, checks that each is allowed at that point
// and queues it for Send's loop: the receiver never blocks on a sender busy
// writing data (net.Pipe, for one, has no buffer at all), and the sender picks
// up acks between data frames instead of waiting for them. Because every frame
// is checked against the manifest as it arrives, the queue holds at most a few
// messages per file.
type inbox struct {
	mu     sync.Mutex
	queue  []any
	err    error // why the goroutine stopped; nil after a clean stop
	wake   chan struct{}
	exited chan struct{}
}

// Messages queued by the inbox besides hello, []haveRecord, fileSum (an ack),
// fileAbort (the ack of an aborted file) and totals (the done ack).
type (
	acceptMsg  struct{}
	declineMsg struct{ reason string }
)

// errInboxStopped is returned by next after the receiver's last frame.
var errInboxStopped = fmt.Errorf("%w: the receiver sent nothing more", ErrProtocol)

func startInbox(fr *frameReader, m Manifest) *inbox {
	ib := &inbox{wake: make(chan struct{}, 1), exited: make(chan struct{})}
	go func() {
		err := ib.read(fr, m)
		ib.mu.Lock()
		ib.err = err
		ib.mu.Unlock()
		close(ib.exited)
		ib.notify()
	}()
	return ib
}

func (ib *inbox) push(msg any) {
	ib.mu.Lock()
	ib.queue = append(ib.queue, msg)
	ib.mu.Unlock()
	ib.notify()
}

func (ib *inbox) notify() {
	select {
	case ib.wake <- struct{}{}:
	default:
	}
}

// The phases of the receiver's side of the conversation, as the inbox reads it.
const (
	wantHello = iota
	wantAnswer
	wantAcks
)

// readState is where the inbox is in the conversation.
type readState struct {
	m       Manifest
	phase   int
	haves   map[uint32]bool // the have records so far, by entry
	nextAck int             // the entry whose ack comes next; -1: none
}

// read runs in the inbox goroutine until the conversation ends or fails.
func (ib *inbox) read(fr *frameReader, m Manifest) error {
	st := &readState{m: m, nextAck: nextFile(m, -1)}
	for {
		t, p, err := fr.next()
		if err != nil {
			return err
		}
		if t == frameError {
			kind, msg, err := decodeErrorFrame(p)
			if err != nil {
				return err
			}
			return &remoteError{kind: kind, peer: "receiver", msg: msg}
		}
		var done bool
		switch {
		case st.phase == wantHello && t == frameHello:
			err = ib.hello(st, p)
		case st.phase == wantAnswer:
			done, err = ib.answer(st, t, p)
		case st.phase == wantAcks:
			done, err = ib.ack(st, t, p)
		default:
			err = unexpectedFrame(t)
		}
		if err != nil || done {
			return err
		}
	}
}

func unexpectedFrame(t frameType) error {
	return fmt.Errorf("%w: unexpected %s frame from the receiver", ErrProtocol, t)
}

// hello takes the receiver's hello.
func (ib *inbox) hello(st *readState, p []byte) error {
	h, err := decodeHello(p)
	if err != nil {
		return err
	}
	ib.push(h)
	st.phase = wantAnswer
	return nil
}

// answer takes the receiver's have records and then its accept, or its
// decline (done).
func (ib *inbox) answer(st *readState, t frameType, p []byte) (done bool, err error) {
	switch t {
	case frameHave:
		recs, err := decodeHaves(nil, p)
		if err != nil {
			return false, err
		}
		if st.haves == nil {
			st.haves = map[uint32]bool{}
		}
		for _, h := range recs {
			if err := checkHave(st.m, h, st.haves); err != nil {
				return false, err
			}
			st.haves[h.index] = true
		}
		ib.push(recs)
	case frameAccept:
		n, err := decodeUint32(t, p)
		if err != nil {
			return false, err
		}
		if int(n) != len(st.haves) {
			return false, fmt.Errorf("%w: the receiver announced %d have records and sent %d", ErrProtocol, n, len(st.haves))
		}
		ib.push(acceptMsg{})
		st.phase = wantAcks
	case frameDecline:
		ib.push(declineMsg{reason: string(p)})
		return true, nil
	default:
		return false, unexpectedFrame(t)
	}
	return false, nil
}

// ack takes the receiver's word on each file, in manifest order: an ack, or
// a discarded file the sender aborted (sendabort.go); then its doneAck (done).
func (ib *inbox) ack(st *readState, t frameType, p []byte) (done bool, err error) {
	switch t {
	case frameFileAck:
		ack, err := decodeFileSum(t, p)
		if err != nil {
			return false, err
		}
		if st.nextAck < 0 || ack.index != uint32(st.nextAck) {
			return false, fmt.Errorf("%w: the receiver acknowledged entry %d out of order", ErrProtocol, ack.index)
		}
		st.nextAck = nextFile(st.m, st.nextAck)
		ib.push(ack)
	case frameFileAbort:
		ab, err := decodeFileAbort(p)
		if err != nil {
			return false, err
		}
		if st.nextAck < 0 || ab.index != uint32(st.nextAck) {
			return false, fmt.Errorf("%w: the receiver discarded entry %d out of order", ErrProtocol, ab.index)
		}
		st.nextAck = nextFile(st.m, st.nextAck)
		ib.push(ab)
	case frameDoneAck:
		tot, err := decodeTotals(t, p)
		if err != nil {
			return false, err
		}
		if st.nextAck >= 0 {
			return false, fmt.Errorf("%w: the receiver finished before acknowledging %s", ErrProtocol, quoteName(st.m.Entries[st.nextAck].Path))
		}
		ib.push(tot)
		return true, nil
	default:
		return false, unexpectedFrame(t)
	}
	return false, nil
}

func checkHave(m Manifest, h haveRecord, seen map[uint32]bool) error {
	if int64(h.index) >= int64(len(m.Entries)) {
		return fmt.Errorf("%w: have record for entry %d of %d", ErrProtocol, h.index, len(m.Entries))
	}
	e := m.Entries[h.index]
	switch {
	case e.Mode.IsDir() || e.Size < 0:
		return fmt.Errorf("%w: have record for %s, which cannot be resumed", ErrProtocol, quoteName(e.Path))
	case h.offset > uint64(e.Size):
		return fmt.Errorf("%w: have record of %d bytes for %s, which has %d", ErrProtocol, h.offset, quoteName(e.Path), e.Size)
	case seen[h.index]:
		return fmt.Errorf("%w: two have records for %s", ErrProtocol, quoteName(e.Path))
	}
	return nil
}

// nextFile returns the index of the first regular file after entry i, or -1.
func nextFile(m Manifest, i int) int {
	for i++; i < len(m.Entries); i++ {
		if !m.Entries[i].Mode.IsDir() {
			return i
		}
	}
	return -1
}

// next waits for the next message. Once the queue is empty and the goroutine has
// stopped, it returns why it stopped.
func (ib *inbox) next(ctx context.Context) (any, error) {
	for {
		msg, ok, err := ib.poll()
		if ok || err != nil {
			return msg, err
		}
		select {
		case <-ib.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// poll returns the next message without waiting: ok is false if there is none.
func (ib *inbox) poll() (msg any, ok bool, err error) {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	if len(ib.queue) > 0 {
		msg = ib.queue[0]
		ib.queue[0] = nil
		ib.queue = ib.queue[1:]
		return msg, true, nil
	}
	select {
	case <-ib.exited:
		if ib.err == nil {
			return nil, false, errInboxStopped
		}
		return nil, false, ib.err
	default:
		return nil, false, nil
	}
}

// remote returns the error the receiver reported, if it did. Call it after the
// goroutine exited.
func (ib *inbox) remote() *remoteError {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	var re *remoteError
	if errors.As(ib.err, &re) {
		return re
	}
	return nil
}
