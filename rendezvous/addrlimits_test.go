package rendezvous_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
)

// dialFrom dials srv through a "trusted proxy" (the test's own loopback
// address) that names ip as the client, so a test can be many addresses.
func dialFrom(t *testing.T, url, ip string) (*rendezvous.Conn, error) {
	t.Helper()
	c, err := rendezvous.DialWith(testCtx(t), url, rendezvous.DialOptions{Header: http.Header{"X-Forwarded-For": {ip}}})
	if err == nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

func mustDialFrom(t *testing.T, url, ip string) *rendezvous.Conn {
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
		srv, _ := start(t, rendezvous.Config{SlotsPerIPPerMinute: 2, TrustedProxies: behindProxy})
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
		srv, _ := start(t, rendezvous.Config{JoinsPerIPPerMinute: 2, TrustedProxies: behindProxy})
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
