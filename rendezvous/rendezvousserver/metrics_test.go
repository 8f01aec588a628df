package rendezvousserver_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/rendezvousmetrics"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/ferry-dev/ferry/rendezvous/rendezvoustest"
)

// samples are the metrics of one scrape, keyed as the text format prints
// them: name{label="value"}.
type samples map[string]float64

// scrape reads GET base/metrics.
func scrape(t *testing.T, base string) samples {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %s: %s", resp.Status, body)
	}
	m := samples{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		m[line[:i]] = v
	}
	return m
}

func (m samples) want(t *testing.T, key string, v float64) {
	t.Helper()
	got, ok := m[key]
	if !ok {
		t.Errorf("/metrics has no %s", key)
	} else if got != v {
		t.Errorf("%s = %v, want %v", key, got, v)
	}
}

// waitMetric polls /metrics until key has value v: for what the server
// does after a client left, which no client hears about.
func waitMetric(t *testing.T, base, key string, v float64) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		m := scrape(t, base)
		if m[key] == v {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, want %v", key, m[key], v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMetricsMove follows /metrics as codes are opened, paired, relayed,
// refused and given up.
func TestMetricsMove(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{SlotsPerIPPerMinute: 2})
	ctx := testCtx(t)
	base := srv.HTTPURL

	m := scrape(t, base)
	for _, k := range []string{
		`ferry_rendezvous_connections_open`, `ferry_rendezvous_slots{state="waiting"}`, `ferry_rendezvous_slots{state="paired"}`,
		`ferry_rendezvous_pairings_total`, `ferry_rendezvous_pairings_failed_total{reason="abandoned"}`,
		`ferry_rendezvous_limit_rejections_total{limit="slots_per_ip"}`, `ferry_rendezvous_signaling_messages_total`,
		`ferry_rendezvous_version_mismatches_total{client="older"}`,
	} {
		m.want(t, k, 0)
	}
	for _, k := range []string{"go_goroutines", "process_resident_memory_bytes", "process_open_fds"} {
		if m[k] <= 0 {
			t.Errorf("/metrics: %s = %v, want the process's own figure", k, m[k])
		}
	}

	sender := dial(t, srv.URL)
	slot, err := sender.Allocate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m = scrape(t, base)
	m.want(t, `ferry_rendezvous_connections_open`, 1)
	m.want(t, `ferry_rendezvous_connections_total`, 1)
	m.want(t, `ferry_rendezvous_slots{state="waiting"}`, 1)

	receiver := dial(t, srv.URL)
	if err := receiver.Join(ctx, slot); err != nil {
		t.Fatal(err)
	}
	if err := sender.WaitPeer(ctx); err != nil {
		t.Fatal(err)
	}
	exchange(t, sender, receiver) // "ping" and "pong"
	m = scrape(t, base)
	m.want(t, `ferry_rendezvous_connections_open`, 2)
	m.want(t, `ferry_rendezvous_slots{state="waiting"}`, 0)
	m.want(t, `ferry_rendezvous_slots{state="paired"}`, 1)
	m.want(t, `ferry_rendezvous_pairings_total`, 0) // not before the sender's 4th message
	m.want(t, `ferry_rendezvous_signaling_messages_total`, 2)
	m.want(t, `ferry_rendezvous_signaling_bytes_total`, 8)
	exchange(t, sender, receiver)
	exchange(t, sender, receiver) // the handshake's three flights
	exchange(t, sender, receiver) // and the sender's first sealed message
	m = scrape(t, base)
	m.want(t, `ferry_rendezvous_pairings_total`, 1)

	// Refusals: a code nobody waits under, a code already used, one code
	// too many from this address, a client of another version.
	wantErr(t, dial(t, srv.URL).Join(ctx, "99"), rendezvous.ErrNoSuchSlot)
	wantErr(t, dial(t, srv.URL).Join(ctx, slot), rendezvous.ErrSlotUsed)
	abandoned := dial(t, srv.URL)
	if _, err := abandoned.Allocate(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = dial(t, srv.URL).Allocate(ctx)
	wantErr(t, err, rendezvous.ErrLimit, "--slots-per-ip")
	resp, err := http.Get(srv.HTTPURL + rendezvous.WSPathFor(rendezvous.Version+1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("a client of a newer version got %s, want 426", resp.Status)
	}
	m = scrape(t, base)
	m.want(t, `ferry_rendezvous_pairings_failed_total{reason="no_such_slot"}`, 1)
	m.want(t, `ferry_rendezvous_pairings_failed_total{reason="slot_used"}`, 1)
	m.want(t, `ferry_rendezvous_limit_rejections_total{limit="slots_per_ip"}`, 1)
	m.want(t, `ferry_rendezvous_version_mismatches_total{client="newer"}`, 1)
	m.want(t, `ferry_rendezvous_slots{state="waiting"}`, 1)

	// A sender that gives up, then the pair ends: everything back to zero.
	_ = abandoned.Close()
	waitMetric(t, base, `ferry_rendezvous_pairings_failed_total{reason="abandoned"}`, 1)
	_ = sender.Close()
	_ = receiver.Close()
	waitMetric(t, base, `ferry_rendezvous_connections_open`, 0)
	m = scrape(t, base)
	m.want(t, `ferry_rendezvous_slots{state="waiting"}`, 0)
	m.want(t, `ferry_rendezvous_slots{state="paired"}`, 0)
	m.want(t, `ferry_rendezvous_pairings_total`, 1)
}

// TestMetricsNotPublic: the server itself never serves /metrics (the
// embedded server of ferry send has none); its Metrics do, where mounted.
func TestMetricsNotPublic(t *testing.T) {
	m := rendezvousmetrics.New()
	srv := rendezvoustest.Start(t, nil, rendezvousserver.Config{Metrics: m})
	resp, err := http.Get(srv.HTTPURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics from the server = %s, want 404", resp.Status)
	}
	dial(t, srv.URL)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "ferry_rendezvous_connections_total 1") {
		t.Errorf("Metrics served:\n%s", rec.Body.String())
	}
}
