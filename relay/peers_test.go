package relay_test

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/stun/v4"

	"github.com/ferry-dev/ferry/relay"
)

var publicIP = netip.MustParseAddr("203.0.113.7")

// permits asks the relay, through an allocation of its own, for a
// permission to each of peers, and returns those it granted.
func permits(t *testing.T, s *relay.Server, peers ...netip.Addr) []netip.Addr {
	t.Helper()
	user, pass := minted("probe", time.Hour)
	c := client(t, s, user, pass)
	conn, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var granted []netip.Addr
	for _, p := range peers {
		if err := c.CreatePermission(&net.UDPAddr{IP: p.AsSlice(), Port: 9}); err == nil {
			granted = append(granted, p)
		} else if turnCode(err) != 403 {
			t.Errorf("permission to %s: %v, want 403 Forbidden", p, err)
		}
	}
	return granted
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

// hostIPv4 lists the IPv4 addresses of this host's interfaces.
func hostIPv4(t *testing.T) []netip.Addr {
	t.Helper()
	ifAddrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var out []netip.Addr
	for _, a := range ifAddrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap().Is4() {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}

// A relay on a public address refuses, by default, every private and
// special-purpose range, the host's own addresses and its own public IP
// (its port and its other allocations), and says why in its counters.
func TestRefusesPrivatePeersByDefault(t *testing.T) {
	s := startRelay(t, relay.Config{PublicIP: publicIP})
	denied := addrs(
		"10.99.0.1", "172.16.5.4", "192.168.1.1", // RFC 1918
		"100.64.0.1",             // CGNAT
		"127.0.0.1", "127.1.2.3", // loopback
		"169.254.169.254",                                      // link-local: cloud metadata
		"0.1.2.3", "240.0.0.1", "255.255.255.255", "224.0.0.1", // special
		publicIP.String(), // itself
	)
	denied = append(denied, hostIPv4(t)...)
	if got := permits(t, s, denied...); len(got) > 0 {
		t.Errorf("permissions granted to %v", got)
	}
	if got := permits(t, s, addrs("198.51.100.9", "8.8.8.8")...); len(got) != 2 {
		t.Errorf("permissions to public addresses: granted %v, want both", got)
	}
	if st := s.Stats(); st.Refusals[relay.ReasonPeerDenied] != uint64(len(denied)) {
		t.Errorf("stats %+v: want %d peer_denied refusals", st, len(denied))
	}
}

// Loopback is refused even when the relay's public IP is itself on
// loopback, unless allowed explicitly.
func TestRefusesLoopbackWhenPublicIPIsLoopback(t *testing.T) {
	s := startRelay(t, relay.Config{PublicIP: loopback, AllowedPeers: []netip.Prefix{}})
	if got := permits(t, s, addrs("127.0.0.1", "127.0.0.2")...); len(got) > 0 {
		t.Errorf("permissions granted to %v", got)
	}
}

// --turn-allow-peer opens chosen ranges (a LAN relay); --turn-deny-peer
// wins over it; multicast and broadcast stay closed.
func TestAllowedPeersOverrideDefaults(t *testing.T) {
	s := startRelay(t, relay.Config{
		PublicIP:     publicIP,
		AllowedPeers: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("0.0.0.0/0")},
		DeniedPeers:  []netip.Prefix{netip.MustParsePrefix("10.99.0.0/16")},
	})
	got := permits(t, s, addrs("10.1.2.3", "192.168.1.1", "10.99.0.1", "224.0.0.1", "255.255.255.255")...)
	if len(got) != 2 || got[0] != netip.MustParseAddr("10.1.2.3") || got[1] != netip.MustParseAddr("192.168.1.1") {
		t.Errorf("granted %v, want only 10.1.2.3 and 192.168.1.1", got)
	}
}

// With a wildcard --turn-listen, a packet relayed to the relay's own port
// on any address of its host is dropped, even where the permission was
// granted (an allow list covering the host).
func TestNeverRelaysToOwnPort(t *testing.T) {
	s := startRelay(t, relay.Config{
		Listen:       "0.0.0.0:0",
		PublicIP:     loopback,
		AllowedPeers: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")},
	})
	port := s.Addr().Port
	user, pass := minted("loop", time.Hour)
	c := client(t, s, user, pass)
	conn, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	targets := append(addrs("127.0.0.1", "127.0.0.53"), hostIPv4(t)...)
	for _, ip := range targets {
		// A STUN binding request: the relay's listener would answer it,
		// back through the allocation to the client.
		req := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
		if _, err := conn.WriteTo(req.Raw, &net.UDPAddr{IP: ip.AsSlice(), Port: port}); err != nil {
			t.Fatal(err)
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 1500)
	if n, from, err := conn.ReadFrom(buf); err == nil {
		t.Fatalf("the relay's own listener answered through the relay: %d bytes from %s", n, from)
	}
	waitStats(t, s, "own-port packets counted", func(st relay.Stats) bool {
		return st.Refusals[relay.ReasonOwnPort] >= uint64(len(targets))
	})
}
