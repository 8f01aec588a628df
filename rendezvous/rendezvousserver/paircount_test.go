package rendezvousserver_test

import (
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// TestMetricsCountBurnsAndGuesses: a join is not a successful pairing. A
// joiner that leaves at once, a wrong code (or a guess), and a join refused
// for ending too many waits each show in pairings_failed_total; only a
// pairing whose sender went on after the PAKE counts in pairings_total.
func TestMetricsCountBurnsAndGuesses(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{FailedJoinsPerIPPerMinute: 2, TrustedProxies: behindProxy})
	ctx := testCtx(t)
	base := srv.HTTPURL
	const attacker = "203.0.113.66"

	// A joiner that leaves before any PAKE attempt.
	s1, slot := waitingSender(t, srv.URL, "198.51.100.1")
	a := mustDialFrom(t, srv.URL, attacker)
	if err := a.Join(ctx, slot); err != nil {
		t.Fatal(err)
	}
	_ = a.Close()
	wantErr(t, recvErr(t, s1), rendezvous.ErrPeerGone)
	waitMetric(t, base, `ferry_rendezvous_pairings_failed_total{reason="left_before_pake"}`, 1)

	// A guess: both sides run the three flights, the sender's confirmation
	// check fails, and it leaves.
	s2, slot := waitingSender(t, srv.URL, "198.51.100.2")
	g := mustDialFrom(t, srv.URL, attacker)
	if err := g.Join(ctx, slot); err != nil {
		t.Fatal(err)
	}
	if err := s2.WaitPeer(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		exchange(t, s2, g)
	}
	_ = s2.Close()
	waitMetric(t, base, `ferry_rendezvous_pairings_failed_total{reason="wrong_code"}`, 1)

	// The attacker's budget is spent: refused, and counted.
	_, slot = waitingSender(t, srv.URL, "198.51.100.3")
	wantErr(t, mustDialFrom(t, srv.URL, attacker).Join(ctx, slot), rendezvous.ErrLimit, "--failed-joins-per-ip")

	// A real pairing, from elsewhere.
	s4, slot := waitingSender(t, srv.URL, "198.51.100.4")
	r := mustDialFrom(t, srv.URL, "192.0.2.44")
	if err := r.Join(ctx, slot); err != nil {
		t.Fatal(err)
	}
	if err := s4.WaitPeer(ctx); err != nil {
		t.Fatal(err)
	}
	succeed(t, s4, r)
	_ = s4.Close()
	_ = r.Close()

	waitMetric(t, base, `ferry_rendezvous_connections_open`, 1) // the third sender
	m := scrape(t, base)
	m.want(t, `ferry_rendezvous_pairings_total`, 1)
	m.want(t, `ferry_rendezvous_pairings_failed_total{reason="left_before_pake"}`, 1)
	m.want(t, `ferry_rendezvous_pairings_failed_total{reason="wrong_code"}`, 1)
	m.want(t, `ferry_rendezvous_pairings_failed_total{reason="failed_joins_per_ip"}`, 1)
	m.want(t, `ferry_rendezvous_limit_rejections_total{limit="failed_joins_per_ip"}`, 1)
}
