package rendezvous

import "time"

// perMinute counts events per key (an IP address) in fixed one-minute windows.
// It is not safe for concurrent use: the Server guards it with its mutex.
type perMinute struct {
	limit   int
	windows map[string]*window
	swept   time.Time
}

type window struct {
	start time.Time
	count int
}

func newPerMinute(limit int) *perMinute {
	return &perMinute{limit: limit, windows: make(map[string]*window)}
}

// allow counts one event for key at now and reports whether it is within the limit.
func (p *perMinute) allow(key string, now time.Time) bool {
	p.sweep(now)
	w := p.windows[key]
	if w == nil || now.Sub(w.start) >= time.Minute {
		w = &window{start: now}
		p.windows[key] = w
	}
	if w.count >= p.limit {
		return false
	}
	w.count++
	return true
}

// sweep forgets windows that ended, at most once a minute, so the map stays
// as small as the set of recently active addresses.
func (p *perMinute) sweep(now time.Time) {
	if now.Sub(p.swept) < time.Minute {
		return
	}
	p.swept = now
	for k, w := range p.windows {
		if now.Sub(w.start) >= time.Minute {
			delete(p.windows, k)
		}
	}
}
