package loadgen

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// latencies collects durations from many goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// Percentiles summarises a set of latencies.
type Percentiles struct {
	Count                    int
	P50, P90, P99, P999, Max time.Duration
}

func (l *latencies) percentiles() Percentiles {
	l.mu.Lock()
	d := slices.Clone(l.d)
	l.mu.Unlock()
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration {
		i := int(q*float64(len(d)) + 0.5)
		return d[min(max(i-1, 0), len(d)-1)]
	}
	return Percentiles{Count: len(d), P50: at(0.50), P90: at(0.90), P99: at(0.99), P999: at(0.999), Max: d[len(d)-1]}
}

func (p Percentiles) String() string {
	if p.Count == 0 {
		return "none"
	}
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, p99.9 %s, max %s (n=%d)",
		ms(p.P50), ms(p.P90), ms(p.P99), ms(p.P999), ms(p.Max), p.Count)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// counts counts outcomes by kind, keeping the first error of each kind as
// an example for the report.
type counts struct {
	mu      sync.Mutex
	m       map[string]int
	example map[string]string
}

// addErr counts err under kind.
func (c *counts) addErr(kind string, err error) {
	c.add(kind)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.example == nil {
		c.example = map[string]string{}
	}
	if _, ok := c.example[kind]; !ok {
		c.example[kind] = err.Error()
	}
}

// examples returns the first error of each kind.
func (c *counts) examples() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.example))
	for k, v := range c.example {
		out[k] = v
	}
	return out
}

func (c *counts) add(kind string) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[kind]++
	c.mu.Unlock()
}

func (c *counts) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}
