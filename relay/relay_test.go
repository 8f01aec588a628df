package relay_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"

	"github.com/ferry-dev/ferry/relay"
	"github.com/ferry-dev/ferry/rendezvous/turncreds"
)

const secret = "test-secret"

var loopback = netip.MustParseAddr("127.0.0.1")

// allowLoopback lets a relay on loopback relay to peers on loopback, which
// it refuses by default.
var allowLoopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// startRelay runs a relay on a random loopback port; unless cfg says
// otherwise, advertised on loopback and allowed to relay to it.
func startRelay(t *testing.T, cfg relay.Config) *relay.Server {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if !cfg.PublicIP.IsValid() {
		cfg.PublicIP = loopback
		if cfg.AllowedPeers == nil {
			cfg.AllowedPeers = allowLoopback
		}
	}
	if cfg.Secret == "" {
		cfg.Secret = secret
	}
	s, err := relay.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// client is a TURN client on its own loopback socket.
func client(t *testing.T, s *relay.Server, user, pass string) *turn.Client {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: s.Addr().String(),
		TURNServerAddr: s.Addr().String(),
		Conn:           pc,
		Username:       user,
		Password:       pass,
		RTO:            100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); pc.Close() })
	return c
}

func minted(id string, ttl time.Duration) (string, string) {
	return turncreds.Credentials(secret, id, time.Now().Add(ttl))
}

func allocate(t *testing.T, s *relay.Server, user, pass string) (net.PacketConn, error) {
	t.Helper()
	conn, err := client(t, s, user, pass).Allocate()
	if err == nil {
		t.Cleanup(func() { conn.Close() })
	}
	return conn, err
}

// turnCode is the STUN error code of a refused request, or 0.
func turnCode(err error) int {
	var te *stun.TurnError
	if errors.As(err, &te) {
		return int(te.ErrorCodeAttr.Code)
	}
	return 0
}

// peerSocket is a UDP socket standing for the remote peer.
func peerSocket(t *testing.T) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

func readWithin(t *testing.T, pc net.PacketConn, d time.Duration) ([]byte, net.Addr) {
	t.Helper()
	buf := make([]byte, 2048)
	_ = pc.SetReadDeadline(time.Now().Add(d))
	n, from, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no packet within %s: %v", d, err)
	}
	return buf[:n], from
}

func TestRelaysBothWaysWithMintedCredentials(t *testing.T) {
	s := startRelay(t, relay.Config{})
	user, pass := minted("alice", time.Hour)
	conn, err := allocate(t, s, user, pass)
	if err != nil {
		t.Fatalf("allocate with credentials minted under the shared secret: %v", err)
	}
	if ra := conn.LocalAddr().(*net.UDPAddr); !ra.IP.Equal(net.IP(loopback.AsSlice())) || ra.Port < relay.DefaultMinPort {
		t.Errorf("relay address %s: want the public IP and a port in %d-%d", ra, relay.DefaultMinPort, relay.DefaultMaxPort)
	}
	peer := peerSocket(t)
	if _, err := conn.WriteTo([]byte("to peer"), peer.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	got, from := readWithin(t, peer, 5*time.Second)
	if string(got) != "to peer" {
		t.Fatalf("peer got %q", got)
	}
	if _, err := peer.WriteTo([]byte("to client"), from); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	n, _, err := conn.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "to client" {
		t.Fatalf("client read %q, %v", buf[:n], err)
	}
	st := s.Stats()
	if st.Allocations != 1 || st.AllocationsTotal != 1 || st.RelayedBytes != uint64(len("to peer")+len("to client")) {
		t.Errorf("stats %+v: want 1 allocation and %d relayed bytes", st, len("to peer")+len("to client"))
	}
}

func TestSTUNBinding(t *testing.T) {
	s := startRelay(t, relay.Config{})
	c := client(t, s, "", "")
	mapped, err := c.SendBindingRequest()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mapped.String(), "127.0.0.1:") {
		t.Errorf("mapped address %s, want the client's loopback address", mapped)
	}
}

func TestRefusesBadCredentials(t *testing.T) {
	s := startRelay(t, relay.Config{})
	user, _ := minted("mallory", time.Hour)
	_, wrongPass := turncreds.Credentials("another-secret", "mallory", time.Now().Add(time.Hour))
	expUser, expPass := minted("late", -time.Minute)
	for name, creds := range map[string][2]string{
		"wrong secret":       {user, wrongPass},
		"expired":            {expUser, expPass},
		"not the scheme":     {"mallory", "password"},
		"static credentials": {"user", "pass"},
	} {
		if _, err := allocate(t, s, creds[0], creds[1]); err == nil {
			t.Errorf("%s: allocation accepted", name)
		} else if c := turnCode(err); c != 400 && c != 401 {
			t.Errorf("%s: %v, want error 400 or 401", name, err)
		}
	}
	if st := s.Stats(); st.AuthFailures < 4 || st.Allocations != 0 {
		t.Errorf("stats %+v: want 4 refused, no allocation", st)
	}
}

func TestAllocationLimits(t *testing.T) {
	s := startRelay(t, relay.Config{MaxAllocations: 3, MaxAllocationsPerUser: 2})
	u1, p1 := minted("one", time.Hour)
	for i := range 2 {
		if _, err := allocate(t, s, u1, p1); err != nil {
			t.Fatalf("allocation %d of user one: %v", i+1, err)
		}
	}
	if _, err := allocate(t, s, u1, p1); turnCode(err) != 486 {
		t.Errorf("third allocation of one user: %v, want 486 Allocation Quota Reached", err)
	}
	u2, p2 := minted("two", time.Hour)
	if _, err := allocate(t, s, u2, p2); err != nil {
		t.Fatalf("first allocation of user two: %v", err)
	}
	u3, p3 := minted("three", time.Hour)
	if _, err := allocate(t, s, u3, p3); turnCode(err) != 508 {
		t.Errorf("allocation over the total limit: %v, want 508 Insufficient Capacity", err)
	}
	if st := s.Stats(); st.Allocations != 3 || st.QuotaRefusals != 2 {
		t.Errorf("stats %+v: want 3 allocations and 2 refusals", st)
	}
}

// waitStats polls the counters, for what has no event of its own (an
// allocation's end, a dropped packet), for up to 10 s.
func waitStats(t *testing.T, s *relay.Server, what string, ok func(relay.Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok(s.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: stats %+v", what, s.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMaxLifetimeEndsAllocation(t *testing.T) {
	s := startRelay(t, relay.Config{MaxLifetime: 300 * time.Millisecond, MaxAllocationsPerUser: 1})
	user, pass := minted("brief", time.Hour)
	if _, err := allocate(t, s, user, pass); err != nil {
		t.Fatal(err)
	}
	waitStats(t, s, "the allocation outlived --turn-max-lifetime", func(st relay.Stats) bool { return st.Allocations == 0 })
	// Its place under the per-user limit is free again.
	if _, err := allocate(t, s, user, pass); err != nil {
		t.Fatalf("allocating again after the first one ended: %v", err)
	}
}

func TestBandwidthLimitDropsExcess(t *testing.T) {
	const bw = 64 << 10 // bytes per second; burst 16 KiB
	s := startRelay(t, relay.Config{Bandwidth: bw})
	user, pass := minted("greedy", time.Hour)
	conn, err := allocate(t, s, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	peer := peerSocket(t)
	start := time.Now()
	payload := bytes.Repeat([]byte{'x'}, 1000)
	const sent = 1000
	for range sent {
		if _, err := conn.WriteTo(payload, peer.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	buf := make([]byte, 2048)
	for {
		_ = peer.SetReadDeadline(time.Now().Add(time.Second))
		n, _, err := peer.ReadFrom(buf)
		if err != nil {
			break
		}
		got += n
	}
	elapsed := time.Since(start)
	allowed := float64(16<<10) + bw*elapsed.Seconds()
	if float64(got) > allowed*1.2 {
		t.Errorf("peer got %d bytes in %s; the limit allows about %.0f", got, elapsed, allowed)
	}
	if got == 0 {
		t.Error("nothing got through")
	}
	// A dropped packet has no event of its own: wait for the counter.
	waitStats(t, s, "no dropped packets counted", func(st relay.Stats) bool { return st.DroppedPackets > 0 })
}

func TestRefusesLoopbackPeers(t *testing.T) {
	// Advertised on a public address: loopback peers are the server's own
	// services, never a ferry peer.
	s := startRelay(t, relay.Config{PublicIP: netip.MustParseAddr("203.0.113.7")})
	user, pass := minted("probe", time.Hour)
	c := client(t, s, user, pass)
	if _, err := c.Allocate(); err != nil {
		t.Fatal(err)
	}
	err := c.CreatePermission(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22})
	if err == nil {
		t.Fatal("permission to a loopback peer was granted")
	}
}

func TestConfigErrors(t *testing.T) {
	for name, cfg := range map[string]relay.Config{
		"no public IP": {Listen: "127.0.0.1:0", Secret: secret},
		"no secret":    {Listen: "127.0.0.1:0", PublicIP: loopback},
		"bad ports":    {Listen: "127.0.0.1:0", PublicIP: loopback, Secret: secret, MinPort: 60000, MaxPort: 50000},
		"IPv6 public":  {Listen: "127.0.0.1:0", PublicIP: netip.MustParseAddr("2001:db8::1"), Secret: secret},
	} {
		if s, err := relay.Start(context.Background(), cfg); err == nil {
			s.Close()
			t.Errorf("%s: started", name)
		}
	}
}

// A running allocation outlives its credentials: refreshes and permissions
// are accepted past the expiry (up to MaxLifetime), new allocations are not.
func TestRunningAllocationOutlivesCredentials(t *testing.T) {
	s := startRelay(t, relay.Config{})
	expiry := time.Now().Add(time.Second).Truncate(time.Second).Add(time.Second)
	user, pass := turncreds.Credentials(secret, "long", expiry)
	c := client(t, s, user, pass)
	conn, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(time.Until(expiry) + 100*time.Millisecond) // let the credentials expire
	peer := peerSocket(t)
	if err := c.CreatePermission(peer.LocalAddr()); err != nil {
		t.Fatalf("permission on a running allocation after the credentials expired: %v", err)
	}
	if _, err := conn.WriteTo([]byte("late"), peer.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got, _ := readWithin(t, peer, 5*time.Second); string(got) != "late" {
		t.Fatalf("peer got %q", got)
	}
	if _, err := allocate(t, s, user, pass); turnCode(err) != 400 && turnCode(err) != 401 {
		t.Errorf("new allocation with expired credentials: %v, want refused", err)
	}
}
