package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ServerStats is what the server's /metrics says about the server process.
type ServerStats struct {
	RSS        int64 // resident memory, bytes (process_resident_memory_bytes)
	Goroutines int   // go_goroutines
	FDs        int   // process_open_fds
	ConnsOpen  int   // ferry_rendezvous_connections_open
	Waiting    int   // ferry_rendezvous_slots{state="waiting"}
	Paired     int   // ferry_rendezvous_slots{state="paired"}
	Pairings   int64 // ferry_rendezvous_pairings_total
	HeapInuse  int64 // go_memstats_heap_inuse_bytes
	CPUSeconds float64
	At         time.Time
}

func (s ServerStats) String() string {
	return fmt.Sprintf("rss %s (heap %s), goroutines %d, fds %d, connections %d, slots waiting %d paired %d",
		mib(s.RSS), mib(s.HeapInuse), s.Goroutines, s.FDs, s.ConnsOpen, s.Waiting, s.Paired)
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// probe reads the server's /metrics; its connection is not kept alive, so
// that it does not count among the server's goroutines and descriptors
// between scrapes.
type probe struct {
	url string
	hc  *http.Client
}

func newProbe(metricsURL string) *probe {
	return &probe{url: metricsURL, hc: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}}
}

func (p *probe) stats(ctx context.Context) (ServerStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return ServerStats{}, fmt.Errorf("loadgen: metrics: %w", err)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return ServerStats{}, fmt.Errorf("loadgen: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ServerStats{}, fmt.Errorf("loadgen: metrics at %s: %s", p.url, resp.Status)
	}
	st := ServerStats{At: time.Now()}
	sc := bufio.NewScanner(resp.Body)
	seen := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		switch line[:i] {
		case "process_resident_memory_bytes":
			st.RSS, seen = int64(v), seen+1
		case "go_goroutines":
			st.Goroutines, seen = int(v), seen+1
		case "process_open_fds":
			st.FDs, seen = int(v), seen+1
		case "ferry_rendezvous_connections_open":
			st.ConnsOpen = int(v)
		case `ferry_rendezvous_slots{state="waiting"}`:
			st.Waiting = int(v)
		case `ferry_rendezvous_slots{state="paired"}`:
			st.Paired = int(v)
		case "ferry_rendezvous_pairings_total":
			st.Pairings = int64(v)
		case "go_memstats_heap_inuse_bytes":
			st.HeapInuse = int64(v)
		case "process_cpu_seconds_total":
			st.CPUSeconds = v
		}
	}
	if err := sc.Err(); err != nil {
		return ServerStats{}, fmt.Errorf("loadgen: metrics: %w", err)
	}
	if seen < 3 {
		return ServerStats{}, fmt.Errorf("loadgen: metrics at %s lack process_resident_memory_bytes, go_goroutines or process_open_fds: is it a ferry-rendezvous on Linux?", p.url)
	}
	return st, nil
}

// settle polls until the server is back to base: no more goroutines and
// descriptors than then, and no connections. It returns the last stats and
// how long that took, or an error after timeout.
func (p *probe) settle(ctx context.Context, base ServerStats, timeout time.Duration) (ServerStats, time.Duration, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		st, err := p.stats(ctx)
		if err != nil {
			return st, time.Since(start), err
		}
		if st.Goroutines <= base.Goroutines && st.FDs <= base.FDs && st.ConnsOpen == 0 {
			return st, time.Since(start), nil
		}
		if time.Now().After(deadline) {
			return st, time.Since(start), fmt.Errorf("loadgen: the server did not return to its baseline within %s: now %s; baseline goroutines %d, fds %d",
				timeout, st, base.Goroutines, base.FDs)
		}
		select {
		case <-ctx.Done():
			return st, time.Since(start), ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
