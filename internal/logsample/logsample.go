// Package logsample throttles log lines that an outsider can trigger at will
// (one per packet or per request), so that a flood of them cannot flood the
// log: per reason, the first Burst lines of every Interval are logged, the
// rest are counted, and a summary line says how many were suppressed.
//
// A summary is written on the first line of its reason after the interval,
// by a ticker every Interval (for a flood that stopped), and on Close. The
// ticker's goroutine ends with Close.
package logsample

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Defaults.
const (
	DefaultBurst    = 10
	DefaultInterval = 10 * time.Second
)

// Options configure a Sampler; zero fields take the defaults.
type Options struct {
	Burst    int           // lines logged per reason and interval
	Interval time.Duration // length of an interval
}

// Sampler logs through a slog.Logger, at most Burst lines per reason and
// interval. It is safe for concurrent use.
type Sampler struct {
	log      *slog.Logger
	burst    int
	interval time.Duration
	now      func() time.Time

	mu      sync.Mutex
	reasons map[string]*window

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// window is one reason's current interval.
type window struct {
	start      time.Time
	level      slog.Level // of the suppressed lines (the highest)
	logged     int
	suppressed int
}

// New returns a Sampler writing to log (nil: discard). Close it to stop its ticker.
func New(log *slog.Logger, o Options) *Sampler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	s := &Sampler{
		log:      log,
		burst:    o.Burst,
		interval: o.Interval,
		now:      time.Now,
		reasons:  make(map[string]*window),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go s.tick()
	return s
}

// Log writes msg with args at level, unless reason has had its Burst lines
// in this interval: then the line is only counted.
func (s *Sampler) Log(ctx context.Context, level slog.Level, reason, msg string, args ...any) {
	if !s.log.Enabled(ctx, level) {
		return
	}
	now := s.now()
	s.mu.Lock()
	w := s.reasons[reason]
	var summary *summaryLine
	switch {
	case w == nil:
		w = &window{start: now}
		s.reasons[reason] = w
	case now.Sub(w.start) >= s.interval:
		summary = w.roll(reason, now)
	}
	emit := w.logged < s.burst
	if emit {
		w.logged++
	} else {
		w.suppressed++
		w.level = max(w.level, level)
	}
	s.mu.Unlock()
	summary.write(s.log)
	if emit {
		s.log.Log(ctx, level, msg, args...)
	}
}

// Info is Log at slog.LevelInfo.
func (s *Sampler) Info(reason, msg string, args ...any) {
	s.Log(context.Background(), slog.LevelInfo, reason, msg, args...)
}

// Close stops the ticker and writes the summaries of suppressed lines not yet
// reported. Lines logged after Close are still sampled; their summaries come
// with the next line of the same reason.
func (s *Sampler) Close() {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		s.flush(true)
	})
}

func (s *Sampler) tick() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.flush(false)
		}
	}
}

// flush writes the summaries of the windows that are over (all of them with
// force) and forgets the reasons that were quiet.
func (s *Sampler) flush(force bool) {
	now := s.now()
	var lines []*summaryLine
	s.mu.Lock()
	for reason, w := range s.reasons {
		if !force && now.Sub(w.start) < s.interval {
			continue
		}
		if w.logged == 0 && w.suppressed == 0 {
			delete(s.reasons, reason)
			continue
		}
		if l := w.roll(reason, now); l != nil {
			lines = append(lines, l)
		}
	}
	s.mu.Unlock()
	for _, l := range lines {
		l.write(s.log)
	}
}

type summaryLine struct {
	reason string
	level  slog.Level
	n      int
	span   time.Duration
}

// roll ends w's interval at now and returns its summary, if it suppressed anything.
func (w *window) roll(reason string, now time.Time) *summaryLine {
	var l *summaryLine
	if w.suppressed > 0 {
		l = &summaryLine{reason: reason, level: w.level, n: w.suppressed, span: now.Sub(w.start)}
	}
	*w = window{start: now}
	return l
}

func (l *summaryLine) write(log *slog.Logger) {
	if l == nil {
		return
	}
	log.Log(context.Background(), l.level,
		fmt.Sprintf("suppressed %d %q lines in the last %s", l.n, l.reason, l.span.Round(time.Millisecond)),
		"reason", l.reason, "suppressed", l.n)
}
