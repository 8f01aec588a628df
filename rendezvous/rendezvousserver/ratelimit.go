package rendezvousserver

import "time"

// perMinute counts events per key (an IP address) in one-minute windows,
// each starting at its key's first event. It is not safe for concurrent
// use: the Server guards it with its mutex.
//
// The windows live in two generations of maps. Every minute the older map
// is dropped whole, since every window in it has ended by then, and a new
// one is started; so the memory follows the addresses seen in the last two
// minutes and is given back afterwards. (A single map swept in place keeps
// the buckets of its busiest minute for good: under the load tool's churn
// that was a +20% RSS plateau.)
type perMinute struct {
	limit     int
	cur, prev map[string]window
	rotated   time.Time // when cur was started; every window in prev began before
}

type window struct {
	start time.Time
	count int
}

func newPerMinute(limit int) *perMinute {
	return &perMinute{limit: limit}
}

// allow counts one event for key at now and reports whether it is within the limit.
func (p *perMinute) allow(key string, now time.Time) bool {
	p.rotate(now)
	w, ok := p.cur[key]
	if !ok {
		w, ok = p.prev[key]
	}
	if !ok || now.Sub(w.start) >= time.Minute {
		w = window{start: now}
	}
	if w.count >= p.limit {
		p.cur[key] = w
		return false
	}
	w.count++
	p.cur[key] = w
	return true
}

// full reports whether key has used up its limit in its current window,
// without counting an event.
func (p *perMinute) full(key string, now time.Time) bool {
	w, ok := p.current(key, now)
	return ok && w.count >= p.limit
}

// refund gives back one event that key spent at spent, if the window it was
// counted in is still running (a later window owes it nothing).
func (p *perMinute) refund(key string, spent, now time.Time) {
	w, ok := p.current(key, now)
	if !ok || w.start.After(spent) || w.count == 0 {
		return
	}
	w.count--
	p.cur[key] = w
}

// current returns key's window if one is running at now.
func (p *perMinute) current(key string, now time.Time) (window, bool) {
	p.rotate(now)
	w, ok := p.cur[key]
	if !ok {
		w, ok = p.prev[key]
	}
	if !ok || now.Sub(w.start) >= time.Minute {
		return window{}, false
	}
	return w, true
}

// rotate starts a new generation when the current one is a minute old.
func (p *perMinute) rotate(now time.Time) {
	age := now.Sub(p.rotated)
	switch {
	case p.cur == nil:
	case age < time.Minute:
		return
	case age < 2*time.Minute:
		p.prev = p.cur
	default: // nothing happened for a minute: everything has ended
		p.prev = nil
	}
	p.cur = make(map[string]window)
	p.rotated = now
}

// size is how many windows are kept (for tests).
func (p *perMinute) size() int { return len(p.cur) + len(p.prev) }
