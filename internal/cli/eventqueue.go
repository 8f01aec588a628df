package cli

import (
	"encoding/json"
	"io"
	"sync"
)

// eventQueueSize bounds the events other than progress that wait for a slow
// reader of --json output. A sender of a million small files announces each
// one with a "file" event: past this many unread events, the transfer waits
// for the reader, so memory stays bounded and no such event is ever lost.
const eventQueueSize = 1024

// eventWriter writes events as JSON Lines from a goroutine of its own, so
// that a slow reader of stdout never stalls the transfer on progress:
//
//   - progress events never wait. Only the latest one not yet written is
//     kept; an older one it replaces is dropped (the next says more).
//   - every other event is written, in the order of the calls. Up to
//     eventQueueSize of them queue without waiting; past that, write waits
//     for the reader.
//   - a progress event is written after the events written before it and
//     before those written after it: never after "done", say.
//
// close writes what is queued and stops the goroutine. Safe for concurrent use.
type eventWriter struct {
	enc  *json.Encoder
	done chan struct{} // closed when the goroutine ended

	mu       sync.Mutex
	cond     *sync.Cond // signalled when events, progress, room or closed change
	events   []any      // not yet written, oldest first; at most max
	max      int
	progress any    // the latest progress event not yet written, or nil
	before   uint64 // how many events were queued before progress
	queued   uint64 // events queued so far
	taken    uint64 // events taken by the goroutine so far
	closed   bool
	failed   bool // a write failed (stdout gone): the rest is discarded
}

func newEventWriter(w io.Writer) *eventWriter {
	return newEventQueue(w, eventQueueSize)
}

func newEventQueue(w io.Writer, max int) *eventWriter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	e := &eventWriter{enc: enc, max: max, done: make(chan struct{})}
	e.cond = sync.NewCond(&e.mu)
	go e.run()
	return e
}

// write queues v, an event other than progress, waiting while the queue is
// full. After close it writes nothing.
func (e *eventWriter) write(v any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.events) >= e.max && !e.closed {
		e.cond.Wait()
	}
	if e.closed {
		return
	}
	e.events = append(e.events, v)
	e.queued++
	e.cond.Broadcast()
}

// writeProgress keeps v as the progress event to write next in its place,
// replacing one not yet written; it never waits.
func (e *eventWriter) writeProgress(v any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.progress, e.before = v, e.queued
	e.cond.Broadcast()
}

// close writes every event queued, then stops. Events written after close
// are dropped.
func (e *eventWriter) close() {
	e.mu.Lock()
	e.closed = true
	e.cond.Broadcast()
	e.mu.Unlock()
	<-e.done
}

func (e *eventWriter) run() {
	defer close(e.done)
	for {
		v, ok := e.next()
		if !ok {
			return
		}
		if err := e.enc.Encode(v); err != nil {
			e.mu.Lock()
			e.failed = true // stdout gone: nothing better to do
			e.mu.Unlock()
		}
	}
}

// next takes the event to write next, waiting for one; false once closed and
// nothing is left.
func (e *eventWriter) next() (any, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		switch {
		case e.progress != nil && e.before <= e.taken:
			v := e.progress
			e.progress = nil
			if e.failed {
				continue
			}
			return v, true
		case len(e.events) > 0:
			v := e.events[0]
			e.events[0] = nil
			e.events = e.events[1:]
			e.taken++
			e.cond.Broadcast() // room for a waiting write
			if e.failed {
				continue
			}
			return v, true
		case e.closed:
			return nil, false
		}
		e.cond.Wait()
	}
}
