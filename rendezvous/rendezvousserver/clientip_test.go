package rendezvousserver_test

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

func prefixes(ss ...string) []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range ss {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}

func TestClientIP(t *testing.T) {
	proxies := prefixes("10.0.0.0/8", "2001:db8::/32")
	for _, c := range []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		xff     []string
		want    string
	}{
		{"no proxies configured: the header is ignored", nil, "192.0.2.1:5000", []string{"203.0.113.9"}, "192.0.2.1"},
		{"untrusted peer: the header is ignored", proxies, "192.0.2.1:5000", []string{"203.0.113.9"}, "192.0.2.1"},
		{"trusted proxy without a header", proxies, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"trusted proxy names the client", proxies, "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a client's own entries on the left are not believed", proxies, "10.1.2.3:5000", []string{"198.51.100.1, 203.0.113.9"}, "203.0.113.9"},
		{"chains of trusted proxies are skipped", proxies, "10.1.2.3:5000", []string{"203.0.113.9, 10.9.9.9", "10.8.8.8"}, "203.0.113.9"},
		{"all hops trusted: the leftmost", proxies, "10.1.2.3:5000", []string{"10.7.7.7, 10.9.9.9"}, "10.7.7.7"},
		{"garbage stops at the last proxy", proxies, "10.1.2.3:5000", []string{"203.0.113.9, not-an-ip"}, "10.1.2.3"},
		{"ports and brackets", proxies, "[2001:db8::7]:443", []string{"[2001:db8:1::5]:80, 203.0.113.9:1234"}, "203.0.113.9"},
		{"IPv6 client", proxies, "[2001:db8::7]:443", []string{"2001:db9::1"}, "2001:db9::1"},
		{"IPv4-mapped peer", prefixes("127.0.0.1/32"), "[::ffff:127.0.0.1]:80", []string{"203.0.113.9"}, "203.0.113.9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := rendezvousserver.ClientIP(rendezvousserver.Config{TrustedProxies: c.trusted}, c.remote, c.xff...)
			if got != c.want {
				t.Errorf("client IP = %s, want %s", got, c.want)
			}
		})
	}
}

// TestForwardedForLimits: per-IP limits count the address X-Forwarded-For
// names when the request comes from a trusted proxy, and the TCP peer
// otherwise, whatever the header says.
func TestForwardedForLimits(t *testing.T) {
	allocate := func(t *testing.T, url, forwarded string) error {
		t.Helper()
		c, err := rendezvousclient.DialWith(testCtx(t), url, rendezvousclient.DialOptions{Header: http.Header{"X-Forwarded-For": {forwarded}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		_, err = c.Allocate(testCtx(t))
		return err
	}

	t.Run("trusted", func(t *testing.T) {
		srv, log := start(t, rendezvousserver.Config{SlotsPerIPPerMinute: 1, TrustedProxies: prefixes("127.0.0.0/8")})
		if err := allocate(t, srv.URL, "203.0.113.1"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, allocate(t, srv.URL, "203.0.113.1"), rendezvous.ErrLimit, "--slots-per-ip")
		if err := allocate(t, srv.URL, "198.51.100.1, 203.0.113.2"); err != nil {
			t.Fatalf("another client behind the proxy: %v", err)
		}
		log.waitFor(t, 1, "slot allocated", "ip", "203.0.113.1")
		log.waitFor(t, 1, "slot allocated", "ip", "203.0.113.2")
	})
	t.Run("untrusted", func(t *testing.T) {
		srv, log := start(t, rendezvousserver.Config{SlotsPerIPPerMinute: 1, TrustedProxies: prefixes("10.0.0.0/8")})
		if err := allocate(t, srv.URL, "203.0.113.1"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, allocate(t, srv.URL, "203.0.113.2"), rendezvous.ErrLimit, "--slots-per-ip")
		log.waitFor(t, 1, "slot allocated", "ip", "127.0.0.1")
	})
}

func TestAddrKeyGroupsIPv6By64(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"192.0.2.1", "192.0.2.2", false},
		{"::ffff:192.0.2.1", "192.0.2.1", true},
	} {
		if got := rendezvousserver.AddrKey(tc.a) == rendezvousserver.AddrKey(tc.b); got != tc.same {
			t.Errorf("addrKey(%s)=%q, addrKey(%s)=%q: same=%v, want %v", tc.a, rendezvousserver.AddrKey(tc.a), tc.b, rendezvousserver.AddrKey(tc.b), got, tc.same)
		}
	}
}
