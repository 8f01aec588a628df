package logsample

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.b.String()), "\n")
}

func newSampler(t *testing.T, o Options) (*Sampler, *lockedBuffer) {
	t.Helper()
	buf := &lockedBuffer{}
	s := New(slog.New(slog.NewTextHandler(buf, nil)), o)
	t.Cleanup(s.Close)
	return s, buf
}

func count(lines []string, sub string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

func TestBurstThenSummaryOnClose(t *testing.T) {
	s, buf := newSampler(t, Options{Burst: 5, Interval: time.Hour})
	for i := range 20000 {
		s.Info("bad credentials", "refused", "i", i)
	}
	s.Info("other", "other line")
	s.Close()
	lines := buf.lines()
	if got := count(lines, "msg=refused"); got != 5 {
		t.Errorf("%d lines of the flooded reason, want 5", got)
	}
	if got := count(lines, "other line"); got != 1 {
		t.Errorf("another reason: %d lines, want 1 (reasons are counted apart)", got)
	}
	if count(lines, `suppressed=19995`) != 1 || count(lines, `reason="bad credentials"`) != 1 {
		t.Errorf("no summary of 19995 suppressed lines:\n%s", strings.Join(lines, "\n"))
	}
	if len(lines) != 7 {
		t.Errorf("%d lines, want 7:\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

// The summary comes with the first line after the interval, and the
// reason gets a fresh burst; the clock is the sampler's, moved by hand.
func TestSummaryOnNextLineAfterInterval(t *testing.T) {
	s, buf := newSampler(t, Options{Burst: 2, Interval: time.Hour})
	now := time.Now()
	var mu sync.Mutex
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	for range 10 {
		s.Info("r", "line")
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	s.Info("r", "line")
	lines := buf.lines()
	if len(lines) != 4 || !strings.Contains(lines[2], "suppressed=8") || !strings.Contains(lines[3], "msg=line") {
		t.Errorf("want 2 lines, a summary of 8, then a fresh line:\n%s", strings.Join(lines, "\n"))
	}
}

// The ticker reports a flood that stopped, without another line of it.
func TestTickerReportsAStoppedFlood(t *testing.T) {
	s, buf := newSampler(t, Options{Burst: 1, Interval: 20 * time.Millisecond})
	for range 3 {
		s.Info("r", "line")
	}
	deadline := time.Now().Add(10 * time.Second)
	for count(buf.lines(), "suppressed=2") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no summary from the ticker:\n%s", strings.Join(buf.lines(), "\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDisabledLevelIsNotCounted(t *testing.T) {
	s, buf := newSampler(t, Options{Burst: 1})
	for range 5 {
		s.Log(t.Context(), slog.LevelDebug, "r", "debug line")
	}
	s.Close()
	if got := strings.TrimSpace(strings.Join(buf.lines(), "")); got != "" {
		t.Errorf("output for a disabled level: %q", got)
	}
}
