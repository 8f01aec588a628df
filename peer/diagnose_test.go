package peer

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/relay"
	"github.com/ferry-dev/ferry/rendezvous/turncreds"
)

// ferryRelay runs ferry's own relay on loopback and returns it as an ICE
// server with credentials minted under secret (the relay's is "right").
func ferryRelay(t *testing.T, secret string) ICEServer {
	t.Helper()
	srv, err := relay.Start(context.Background(), relay.Config{
		Listen:   "127.0.0.1:0",
		PublicIP: netip.MustParseAddr("127.0.0.1"),
		Secret:   "right",
		// Both peers are on loopback, which the relay refuses by default.
		AllowedPeers: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	_, turnURL := srv.URLs()
	user, pass := turncreds.Credentials(secret, "test", time.Now().Add(time.Hour))
	return ICEServer{URLs: []string{turnURL}, Username: user, Credential: pass}
}

func relayOnly(ice ICEServer) Config {
	cfg := loopback()
	cfg.ForceRelay = true
	cfg.ICEServers = []ICEServer{ice}
	return cfg
}

func TestForceRelayThroughFerryRelay(t *testing.T) {
	cfg := relayOnly(ferryRelay(t, "right"))
	a, b := connectPair(t, cfg, cfg)
	for name, c := range map[string]*Conn{"offerer": a, "answerer": b} {
		if r := c.Route(); r.Direct || r.LocalType != "relay" || r.RemoteType != "relay" {
			t.Errorf("%s: route %+v, want relay to relay", name, r)
		}
	}
}

// bothFail connects two peers that cannot connect and returns their errors.
func bothFail(t *testing.T, cfg Config) []error {
	t.Helper()
	sa, sb := signalerPair()
	ra, rb := connectBoth(t, sa, sb, cfg, cfg)
	var errs []error
	for _, r := range []result{ra, rb} {
		if r.err == nil {
			r.conn.Close()
			t.Fatal("connected")
		}
		errs = append(errs, r.err)
	}
	return errs
}

func TestRelayRefusingCredentialsIsExplained(t *testing.T) {
	cfg := relayOnly(ferryRelay(t, "wrong"))
	cfg.ICETimeout = time.Minute // the failure must not wait for ICE to time out
	start := time.Now()
	for _, err := range bothFail(t, cfg) {
		if !errors.Is(err, ErrRelayRefused) || !errors.Is(err, ErrNoRoute) || !strings.Contains(err.Error(), "--turn-secret") {
			t.Errorf("got %v, want ErrRelayRefused (and ErrNoRoute) naming --turn-secret", err)
		}
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %s: with --force-relay and no relay address, Connect should fail once gathering ends", d)
	}
}

// TestRelayRefusalOverSlowSignaling: the sender's relay refuses it before
// its offer has gone through a slow rendezvous path. It still sends what it
// queued before it leaves, so the receiver tries its own relay and explains
// the same cause, instead of only that the sender left.
func TestRelayRefusalOverSlowSignaling(t *testing.T) {
	cfg := relayOnly(ferryRelay(t, "wrong"))
	sa, sb := signalerPair()
	sa.latency = 200 * time.Millisecond
	ra, rb := connectBoth(t, sa, sb, cfg, cfg)
	for name, r := range map[string]result{"sender": ra, "receiver": rb} {
		if r.err == nil {
			r.conn.Close()
			t.Fatalf("%s connected", name)
		}
		if !errors.Is(r.err, ErrRelayRefused) {
			t.Errorf("%s: %v, want ErrRelayRefused", name, r.err)
		}
	}
}

func TestSilentRelayIsExplained(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the TURN client's retransmissions (about 8 s)")
	}
	silent, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	ice := ICEServer{URLs: []string{"turn:" + silent.LocalAddr().String() + "?transport=udp"}, Username: "1:x", Credential: "y"}
	for _, err := range bothFail(t, relayOnly(ice)) {
		if !errors.Is(err, ErrNoRoute) || !strings.Contains(err.Error(), "did not answer") {
			t.Errorf("got %v, want ErrNoRoute saying the relay did not answer", err)
		}
	}
}

func TestForceRelayWithoutRelayFailsAtOnce(t *testing.T) {
	cfg := loopback()
	cfg.ForceRelay = true
	start := time.Now()
	sa, _ := signalerPair()
	_, err := Connect(context.Background(), sa, Offerer, cfg)
	if !errors.Is(err, ErrNoRoute) || !strings.Contains(err.Error(), "offers no relay") {
		t.Errorf("got %v, want ErrNoRoute saying that no relay is offered", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s, want an immediate failure", d)
	}
}

func TestNoRouteMessages(t *testing.T) {
	turn := []ICEServer{{URLs: []string{"turn:203.0.113.1:3478"}, Username: "u", Credential: "p"}}
	for _, tc := range []struct {
		name  string
		cfg   Config
		setup func(d *diagnosis)
		want  string
	}{
		{"no relay offered", Config{}, nil, "the server offers no relay"},
		{"we got no relay", Config{ICEServers: turn}, nil, "we got no relay address"},
		{"relay full", Config{ICEServers: turn}, func(d *diagnosis) {
			d.relayFailed("203.0.113.1:3478", errors.New("x"))
			d.relayErr[0].code = 486
		}, "is full"},
		{"peer got no relay", Config{ICEServers: turn}, func(d *diagnosis) { d.local["relay"] = 1 }, "the peer got no relay address"},
		{"relay did not help", Config{ICEServers: turn}, func(d *diagnosis) { d.local["relay"], d.remote["relay"] = 1, 1 }, "not even through the relay"},
	} {
		d := newDiagnosis(tc.cfg)
		if tc.setup != nil {
			tc.setup(d)
		}
		if err := d.noRouteError(); !errors.Is(err, ErrNoRoute) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestRemoteCandidateTypes(t *testing.T) {
	d := newDiagnosis(Config{})
	d.remoteCandidate("candidate:1 1 udp 16777215 203.0.113.10 50000 typ relay raddr 203.0.113.2 rport 4000")
	d.remoteCandidate("candidate:2 1 udp 2130706431 10.0.1.2 4000 typ host")
	if d.remote["relay"] != 1 || d.remote["host"] != 1 {
		t.Errorf("remote types %v", d.remote)
	}
}

func TestParseICEServer(t *testing.T) {
	for _, tc := range []struct {
		in         string
		url        string
		user, pass string
	}{
		{"stun:203.0.113.1:3478", "stun:203.0.113.1:3478", "", ""},
		{"stun:stun.example.com", "stun:stun.example.com", "", ""},
		{"turn:alice:s3cret@203.0.113.1:3478?transport=udp", "turn:203.0.113.1:3478?transport=udp", "alice", "s3cret"},
		{"turn:1700000000%3Aalice:pa%40ss:word@turn.example.com", "turn:turn.example.com", "1700000000:alice", "pa@ss:word"},
		{"turns:bob:pw@turn.example.com:5349?transport=tcp", "turns:turn.example.com:5349?transport=tcp", "bob", "pw"},
	} {
		s, err := ParseICEServer(tc.in)
		if err != nil || len(s.URLs) != 1 || s.URLs[0] != tc.url || s.Username != tc.user || s.Credential != tc.pass {
			t.Errorf("ParseICEServer(%q) = %+v, %v; want %s user %q pass %q", tc.in, s, err, tc.url, tc.user, tc.pass)
		}
	}
	for _, bad := range []string{"", "203.0.113.1:3478", "http://x", "turn:203.0.113.1:3478", "turn:@203.0.113.1", "stun:u:p@203.0.113.1", "turn:u:p@", "turn:u:%zz@h"} {
		_, err := ParseICEServer(bad)
		if err == nil {
			t.Errorf("ParseICEServer(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "%zz") || (strings.Contains(bad, ":p@") && strings.Contains(err.Error(), ":p@")) {
			t.Errorf("ParseICEServer(%q): error %q shows the password", bad, err)
		}
	}
}
