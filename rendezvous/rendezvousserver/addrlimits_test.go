package rendezvousserver_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// dialFrom dials srv through a "trusted proxy" (the test's own loopback
// address) that names ip as the client, so a test can be many addresses.
func dialFrom(t *testing.T, url, ip string) (*rendezvousclient.Conn, error) {
	t.Helper()
	c, err := rendezvousclient.DialWith(testCtx(t), url, rendezvousclient.DialOptions{Header: http.Header{"X-Forwarded-For": {ip}}})
	if err == nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

func mustDialFrom(t *testing.T, url, ip string) *rendezvousclient.Conn {
	t.Helper()
	c, err := dialFrom(t, url, ip)
	if err != nil {
		t.Fatalf("Dial from %s: %v", ip, err)
	}
	return c
}

var behindProxy = prefixes("127.0.0.0/8", "::1/128")

// TestPerIPLimitsCountIPv6Per64: addresses of one /64 share every per-IP
// limit; another /64 has its own.
func TestPerIPLimitsCountIPv6Per64(t *testing.T) {
	t.Run("slots-per-ip", func(t *testing.T) {
		srv, _ := start(t, rendezvousserver.Config{SlotsPerIPPerMinute: 2, TrustedProxies: behindProxy})
		ctx := testCtx(t)
		for i := 1; i <= 2; i++ {
			if _, err := mustDialFrom(t, srv.URL, fmt.Sprintf("2001:db8:0:1::%d", i)).Allocate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		_, err := mustDialFrom(t, srv.URL, "2001:db8:0:1:ffff::3").Allocate(ctx)
		wantErr(t, err, rendezvous.ErrLimit, "--slots-per-ip")
		if _, err := mustDialFrom(t, srv.URL, "2001:db8:0:2::1").Allocate(ctx); err != nil {
			t.Fatalf("another /64: %v", err)
		}
	})
	t.Run("joins-per-ip", func(t *testing.T) {
		srv, _ := start(t, rendezvousserver.Config{JoinsPerIPPerMinute: 2, TrustedProxies: behindProxy})
		ctx := testCtx(t)
		for i := 1; i <= 2; i++ {
			err := mustDialFrom(t, srv.URL, fmt.Sprintf("2001:db8:0:1::%d", i)).Join(ctx, "999999")
			wantErr(t, err, rendezvous.ErrNoSuchSlot)
		}
		err := mustDialFrom(t, srv.URL, "2001:db8:0:1::3").Join(ctx, "999999")
		wantErr(t, err, rendezvous.ErrLimit, "--joins-per-ip")
		err = mustDialFrom(t, srv.URL, "2001:db8:0:2::1").Join(ctx, "999999")
		wantErr(t, err, rendezvous.ErrNoSuchSlot)
	})
}

// TestLimitWaitingPerIP: one address (an IPv6 /64) has at most
// --waiting-per-ip senders waiting at once; one that pairs or leaves makes
// room, and other addresses are not affected.
func TestLimitWaitingPerIP(t *testing.T) {
	srv, log := start(t, rendezvousserver.Config{WaitingPerIP: 2, TrustedProxies: behindProxy})
	ctx := testCtx(t)
	full := func(ip string) {
		t.Helper()
		_, err := mustDialFrom(t, srv.URL, ip).Allocate(ctx)
		wantErr(t, err, rendezvous.ErrLimit, "at most 2 at once", "--waiting-per-ip")
	}
	_, slotA := waitingSender(t, srv.URL, "2001:db8:0:1::1")
	b, slotB := waitingSender(t, srv.URL, "2001:db8:0:1::2")
	full("2001:db8:0:1:ffff::3")
	err := mustDialFrom(t, srv.URL, "2001:db8:0:1::4").Claim(ctx, "4242")
	wantErr(t, err, rendezvous.ErrLimit, "--waiting-per-ip")
	waitingSender(t, srv.URL, "2001:db8:0:2::1") // another /64

	// A receiver joins a's code: a no longer waits, so there is room.
	if err := mustDialFrom(t, srv.URL, "192.0.2.1").Join(ctx, slotA); err != nil {
		t.Fatal(err)
	}
	waitingSender(t, srv.URL, "2001:db8:0:1::5")
	full("2001:db8:0:1::6")
	// A waiting sender that leaves makes room too.
	_ = b.Close()
	log.waitFor(t, 1, "slot freed", "slot", slotB)
	waitingSender(t, srv.URL, "2001:db8:0:1::7")
	full("2001:db8:0:1::8")
}

// TestLimitConnsPerIP: one address (an IPv6 /64, as X-Forwarded-For from a
// trusted proxy names it) has at most --conns-per-ip connections open at
// once; closing one makes room.
func TestLimitConnsPerIP(t *testing.T) {
	srv, log := start(t, rendezvousserver.Config{ConnsPerIP: 2, TrustedProxies: behindProxy})
	first := mustDialFrom(t, srv.URL, "2001:db8:0:1::1")
	mustDialFrom(t, srv.URL, "2001:db8:0:1::2")
	_, err := dialFrom(t, srv.URL, "2001:db8:0:1::3")
	wantErr(t, err, rendezvous.ErrLimit, "at most 2 at once", "--conns-per-ip")
	mustDialFrom(t, srv.URL, "2001:db8:0:2::1") // another /64
	mustDialFrom(t, srv.URL, "192.0.2.1")

	_ = first.Close()
	log.waitFor(t, 1, "connection closed", "ip", "2001:db8:0:1::1")
	mustDialFrom(t, srv.URL, "2001:db8:0:1::4")
}
