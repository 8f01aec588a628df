package loadgen

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/rendezvousmetrics"
	"github.com/ferry-dev/ferry/internal/testbin"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// startServer runs a rendezvous server in this process on 127.0.0.1. Its
// /metrics then describe this test process: goroutines and descriptors of
// the clients count too, so a client-side leak fails the check as well.
func startServer(t testing.TB, cfg rendezvousserver.Config) Target {
	t.Helper()
	metrics := rendezvousmetrics.New()
	cfg.Metrics = metrics
	rz := rendezvousserver.New(nil, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: metrics.Public(rz), ReadHeaderTimeout: 10 * time.Second} // the probe reads /metrics from the server's own port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		_ = rz.Close()
	})
	addr := ln.Addr().String()
	return Target{URL: "ws://" + addr, MetricsURL: "http://" + addr + "/metrics"}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestShortRunsLeakNothing is the load tool's CI run: a few waiting
// senders, pairings at a low rate and a short churn of every kind of client
// against a real server, each followed by the check that goroutines and
// file descriptors are back to where they were.
func TestShortRunsLeakNothing(t *testing.T) {
	target := startServer(t, rendezvousserver.Config{})
	ctx := testCtx(t)

	h, err := Hold(ctx, target, HoldOptions{Slots: 100, Concurrency: 10, Hold: 50 * time.Millisecond}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if h.Opened != 100 || h.Holding.Waiting != 100 || len(h.Errors) != 0 {
		t.Errorf("hold: opened %d, server saw %d waiting, errors %v", h.Opened, h.Holding.Waiting, h.Errors)
	}
	if h.Leak.Err != nil {
		t.Errorf("hold: %v", h.Leak.Err)
	}

	p, err := Pairings(ctx, target, PairOptions{Rate: 40, Duration: 2 * time.Second}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if p.Completed != p.Started || p.Started < 70 || len(p.Errors) != 0 {
		t.Errorf("pair: started %d, completed %d, errors %v", p.Started, p.Completed, p.Errors)
	}
	if p.After.Pairings-p.Before.Pairings != int64(p.Completed) {
		t.Errorf("pair: the server counted %d pairings, the clients %d", p.After.Pairings-p.Before.Pairings, p.Completed)
	}
	if p.Leak.Err != nil {
		t.Errorf("pair: %v", p.Leak.Err)
	}

	// The churn's server has a short idle timeout, so that the idle
	// connections see it within the run; long enough for a loaded machine
	// running the race detector to get from a welcome to the first request.
	churnTarget := startServer(t, rendezvousserver.Config{IdleTimeout: 3 * time.Second})
	c, err := Churn(ctx, churnTarget, ChurnOptions{
		Duration: 4 * time.Second, Warmup: 500 * time.Millisecond, Sample: 500 * time.Millisecond,
		PairRate: 20, UsedEvery: 3, Waiting: 10, WaitFor: 200 * time.Millisecond, BadJoinRate: 10, IdleRate: 10,
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"pairing", "sender gave up", "unknown code refused", "used code refused", "idle connection timed out"} {
		if c.Done[kind] == 0 {
			t.Errorf("churn: no %q in %v", kind, c.Done)
		}
	}
	if len(c.Errors) != 0 {
		t.Errorf("churn: unexpected outcomes %v", c.Errors)
	}
	if c.Leak.Err != nil {
		t.Errorf("churn: %v", c.Leak.Err)
	}
	var report bytes.Buffer
	printChurn(&report, c)
	t.Logf("churn report:\n%s", report.String())
}

func TestOnlyLoopback(t *testing.T) {
	for _, u := range []string{"ws://127.0.0.1:7339", "ws://localhost:7339", "ws://[::1]:7339", "ws://127.8.9.10:1"} {
		if _, err := CheckLoopback(u); err != nil {
			t.Errorf("CheckLoopback(%s): %v", u, err)
		}
	}
	for _, u := range []string{"ws://192.0.2.1:7339", "ws://example.com:7339", "wss://10.0.0.1", "ws://0.0.0.0:7339"} {
		if _, err := CheckLoopback(u); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("CheckLoopback(%s) = %v, want a refusal", u, err)
		}
	}
}

// TestMainStartsServer runs the command as a user would: it builds
// ferry-rendezvous, lets ferry-loadgen start it, holds a few senders and
// checks the report and the exit code.
func TestMainStartsServer(t *testing.T) {
	bin := testbin.ForTest(t, testbin.Rendezvous)
	var stdout, stderr bytes.Buffer
	code := Main(testCtx(t), []string{"--server-bin", bin, "hold", "--slots", "50", "--hold", "100ms"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	for _, want := range []string{"hold: 50 senders waiting at once", "slots waiting 50", "back to baseline", "errors: none"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, &stdout)
		}
	}
	if !strings.Contains(stderr.String(), "open-file limit (RLIMIT_NOFILE)") {
		t.Errorf("stderr does not say what it did to the open-file limit:\n%s", &stderr)
	}

	code = Main(testCtx(t), []string{"--server", "ws://192.0.2.1:7339", "hold"}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "not a loopback address") {
		t.Errorf("a remote target: exit %d, stderr:\n%s", code, &stderr)
	}
}
