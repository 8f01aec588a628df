package rendezvousserver_test

import (
	"fmt"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// waitingSender connects from ip and waits under a fresh code.
func waitingSender(t *testing.T, url, ip string) (*rendezvousclient.Conn, string) {
	t.Helper()
	c := mustDialFrom(t, url, ip)
	slot, err := c.Allocate(testCtx(t))
	if err != nil {
		t.Fatalf("Allocate from %s: %v", ip, err)
	}
	return c, slot
}

// succeed plays the part of two honest peers after pairing: three
// handshake flights each way, then the sender's first sealed message.
func succeed(t *testing.T, sender, receiver *rendezvousclient.Conn) {
	t.Helper()
	ctx := testCtx(t)
	for range 3 {
		exchange(t, sender, receiver)
	}
	if err := sender.Send(ctx, []byte("offer")); err != nil {
		t.Fatal(err)
	}
	if _, err := receiver.Recv(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestFailedJoinsBudget: an address that pairs and does not finish (leaves,
// sends garbage) spends its --failed-joins-per-ip budget, then cannot join
// at all; IPv6 counts per /64; other addresses are not affected.
func TestFailedJoinsBudget(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{FailedJoinsPerIPPerMinute: 2, TrustedProxies: behindProxy})
	ctx := testCtx(t)
	// Two burns from one /64: a joiner that leaves, one that sends garbage.
	s1, slot1 := waitingSender(t, srv.URL, "198.51.100.1")
	a := mustDialFrom(t, srv.URL, "2001:db8:0:1::1")
	if err := a.Join(ctx, slot1); err != nil {
		t.Fatal(err)
	}
	_ = a.Close()
	wantErr(t, recvErr(t, s1), rendezvous.ErrPeerGone)

	s2, slot2 := waitingSender(t, srv.URL, "198.51.100.2")
	b := mustDialFrom(t, srv.URL, "2001:db8:0:1::2")
	if err := b.Join(ctx, slot2); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(ctx, []byte("garbage")); err != nil {
		t.Fatal(err)
	}
	_ = s2.Close()

	// The budget is spent: the /64 cannot end a third sender, nor look.
	_, slot3 := waitingSender(t, srv.URL, "198.51.100.3")
	for _, code := range []string{slot3, "123456"} {
		err := mustDialFrom(t, srv.URL, "2001:db8:0:1:ffff::3").Join(ctx, code)
		wantErr(t, err, rendezvous.ErrLimit, "at most 2 per minute", "--failed-joins-per-ip")
	}
	// Another address still can.
	if err := mustDialFrom(t, srv.URL, "2001:db8:0:2::1").Join(ctx, slot3); err != nil {
		t.Fatalf("another /64: %v", err)
	}
}

// TestSuccessfulPairingsRefundTheBudget: a receiver that joins more codes a
// minute than the budget, and finishes each pairing, is never refused.
func TestSuccessfulPairingsRefundTheBudget(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{FailedJoinsPerIPPerMinute: 2, TrustedProxies: behindProxy})
	ctx := testCtx(t)
	for i := range 6 {
		s, slot := waitingSender(t, srv.URL, fmt.Sprintf("198.51.100.%d", i+1))
		r := mustDialFrom(t, srv.URL, "203.0.113.9")
		if err := r.Join(ctx, slot); err != nil {
			t.Fatalf("join %d: %v", i+1, err)
		}
		if err := s.WaitPeer(ctx); err != nil {
			t.Fatal(err)
		}
		succeed(t, s, r)
		_ = s.Close()
		_ = r.Close()
	}
}
