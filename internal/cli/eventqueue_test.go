package cli

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry"
)

// stuckReader is stdout with a reader that stops reading: the first Write
// says it began and every Write waits until release.
type stuckReader struct {
	began   chan struct{}
	gate    chan struct{}
	once    sync.Once
	mu      sync.Mutex
	written bytes.Buffer
}

func (s *stuckReader) Write(p []byte) (int, error) {
	s.once.Do(func() { close(s.began) })
	<-s.gate
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.written.Write(p)
}

// returnsSoon fails the test if f does not return in time: a stalled write.
func returnsSoon(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s waited for a reader that does not read", what)
	}
}

// TestEventQueueSlowReader: while stdout's reader does not read, progress
// events never wait and only the latest unwritten one is kept; other events
// queue in order; once the reader reads again, close writes everything left,
// each progress event in its place.
func TestEventQueueSlowReader(t *testing.T) {
	out := &stuckReader{began: make(chan struct{}), gate: make(chan struct{})}
	q := newEventQueue(out, 4)
	q.write(codeEvent{Event: "code", Code: "7-a-b"})
	<-out.began // the goroutine is stuck writing the code event

	returnsSoon(t, "a progress event", func() {
		for i := int64(1); i <= 100; i++ {
			q.writeProgress(progressEvent{Event: "progress", Bytes: i, Total: 200})
		}
	})
	returnsSoon(t, "an event while the queue has room", func() {
		for _, p := range []string{"a", "b", "c", "d"} {
			q.write(fileEvent{Event: "file", Path: p})
		}
	})
	returnsSoon(t, "a progress event with the queue full", func() {
		for i := int64(101); i <= 200; i++ {
			q.writeProgress(progressEvent{Event: "progress", Bytes: i, Total: 200})
		}
	})
	// The queue is full: this one waits for the reader, and is not lost.
	wrote := make(chan struct{})
	go func() {
		q.write(doneEvent{Event: "done", Files: 4})
		close(wrote)
	}()
	close(out.gate)
	<-wrote
	q.close()

	want := strings.Join([]string{
		`{"event":"code","code":"7-a-b","server":"","command":""}`,
		// 1 to 199 were dropped: 200, the latest, replaced them.
		`{"event":"file","path":"a","size":0,"sha256":""}`,
		`{"event":"file","path":"b","size":0,"sha256":""}`,
		`{"event":"file","path":"c","size":0,"sha256":""}`,
		`{"event":"file","path":"d","size":0,"sha256":""}`,
		`{"event":"progress","bytes":200,"total":200}`,
		`{"event":"done","files":4,"bytes":0,"transferred":0,"wire_bytes":0,"resumed":0,"seconds":0}`,
	}, "\n") + "\n"
	if got := out.written.String(); got != want {
		t.Fatalf("written:\n%s\nwant:\n%s", got, want)
	}
}

// TestEventQueueCloseFlushes: close returns only once every event is written,
// and what comes after close is dropped, not written half-way.
func TestEventQueueCloseFlushes(t *testing.T) {
	var out bytes.Buffer
	q := newEventQueue(&out, 2)
	for i := range 50 {
		q.write(fileEvent{Event: "file", Size: int64(i)})
	}
	q.writeProgress(progressEvent{Event: "progress", Bytes: 9, Total: 9})
	q.close()
	q.write(fileEvent{Event: "file", Path: "late"})
	q.writeProgress(progressEvent{Event: "progress", Bytes: 10, Total: 9})
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 51 || lines[50] != `{"event":"progress","bytes":9,"total":9}` || strings.Contains(out.String(), "late") {
		t.Fatalf("written %d lines, want the 50 file events and then the progress event:\n%s", len(lines), out.String())
	}
}

// TestUIProgressNeverWaits: with --json, the transfer's progress reports
// return while stdout's reader reads nothing.
func TestUIProgressNeverWaits(t *testing.T) {
	ios, _, _, _ := Test()
	out := &stuckReader{began: make(chan struct{}), gate: make(chan struct{})}
	ios.Out = out
	u := newUI(ios, true, false)
	returnsSoon(t, "the connected event", func() {
		u.Connected(ferry.Connection{Route: ferry.Route{Direct: true, LocalType: "host", RemoteType: "host"}, Connections: 1})
	})
	<-out.began
	returnsSoon(t, "ui.Progress", func() {
		for i := int64(1); i <= 1000; i++ {
			u.Progress(i, 1000) // the last, done == total, is always sent
		}
	})
	close(out.gate)
	u.close()
	if !strings.HasSuffix(out.written.String(), `{"event":"progress","bytes":1000,"total":1000}`+"\n") {
		t.Fatalf("written:\n%s\nwant the last progress event at the end", out.written.String())
	}
}
