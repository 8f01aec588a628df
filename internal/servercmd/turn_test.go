package servercmd_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"

	"github.com/ferry-dev/ferry/internal/servercmd"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/turncreds"
)

func TestTURNUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--turn", "turn:turn.example.com:3478"}, "--turn-secret"},
		{[]string{"--turn", "stun:turn.example.com:3478", "--turn-secret", "s"}, "turn:host:3478"},
		{[]string{"--turn-public-ip", "203.0.113.5"}, "--turn-listen"},
		{[]string{"--turn-bandwidth", "10M"}, "--turn-listen"},
		{[]string{"--turn-listen", ":3478"}, "--turn-public-ip"},
		{[]string{"--turn-listen", "0.0.0.0:3478"}, "--turn-public-ip"},
		{[]string{"--turn-listen", "3478"}, "host:port"},
		{[]string{"--turn-listen", ":3478", "--turn-public-ip", "relay.example.com"}, "IPv4"},
		{[]string{"--turn-listen", ":3478", "--turn-public-ip", "2001:db8::1"}, "IPv4"},
		{[]string{"--turn-listen", "127.0.0.1:0", "--turn-ports", "60000-50000"}, "MIN-MAX"},
		{[]string{"--turn-listen", "127.0.0.1:0", "--turn-bandwidth", "fast"}, "bytes per second"},
		{[]string{"--turn-listen", "127.0.0.1:0", "--turn-deny-peer", "10.0.0.1"}, "address range"},
		{[]string{"--turn-listen", "127.0.0.1:0", "--turn-max-allocations", "0"}, "positive"},
		{[]string{"--turn-allow-peer", "10.0.0.0/8"}, "--turn-listen"},
		{[]string{"--turn-bandwidth-per-client", "1M"}, "--turn-listen"},
		{[]string{"--turn-listen", "127.0.0.1:0", "--turn-allow-peer", "lan"}, "--turn-allow-peer"},
		{[]string{"--turn-listen", "127.0.0.1:0", "--turn-bandwidth-per-client", "fast"}, "--turn-bandwidth-per-client"},
		{[]string{"--turn-listen", "127.0.0.1:0", "--turn-max-allocations-per-client", "0"}, "--turn-max-allocations-per-client"},
		{[]string{"--turn-listen", "127.0.0.1:0", "--turn-idle-timeout", "-1s"}, "--turn-idle-timeout"},
		{[]string{"--turn-ttl", "0s"}, "--turn-ttl"},
	} {
		var stderr bytes.Buffer
		code := servercmd.Main(t.Context(), tc.args, io.Discard, &stderr)
		if code != servercmd.ExitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message naming %s", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// With --turn-listen, the server offers its own STUN and TURN server, with
// credentials that the relay accepts, beside a coturn offered with --turn.
func TestEmbeddedRelayIsOffered(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	out := readLines(pr)
	exit := make(chan int, 1)
	go func() {
		exit <- servercmd.Main(ctx, []string{
			"--listen", "127.0.0.1:0",
			"--turn-listen", "127.0.0.1:0",
			"--turn", "turn:203.0.113.9:3478",
			"--turn-secret", "shared",
			"--turn-ttl", "10m",
		}, io.Discard, pw)
		pw.Close()
	}()
	addr := out.waitFor(t, listeningText)[1]

	cctx, ccancel := context.WithTimeout(t.Context(), testTimeout)
	defer ccancel()
	c, err := rendezvousclient.Dial(cctx, "ws://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pairUp(cctx, t, c, addr)
	ice := c.ICEServers()
	if len(ice) != 2 || len(ice[0].URLs) != 1 || !strings.HasPrefix(ice[0].URLs[0], "stun:127.0.0.1:") {
		t.Fatalf("ICE servers %+v: want the embedded STUN server first", ice)
	}
	tu := ice[1]
	if len(tu.URLs) != 2 || !strings.HasPrefix(tu.URLs[0], "turn:127.0.0.1:") || tu.URLs[1] != "turn:203.0.113.9:3478" {
		t.Fatalf("TURN URLs %v: want the embedded relay, then --turn", tu.URLs)
	}
	expiry, _, err := turncreds.ParseUsername(tu.Username)
	if err != nil || time.Until(expiry) > 10*time.Minute || time.Until(expiry) < 9*time.Minute {
		t.Errorf("username %q: want one that expires in --turn-ttl 10m (%v)", tu.Username, err)
	}
	if tu.Credential != turncreds.Password("shared", tu.Username) {
		t.Errorf("credential not minted with --turn-secret")
	}

	// The relay accepts the credentials.
	relayAddr := strings.TrimSuffix(strings.TrimPrefix(tu.URLs[0], "turn:"), "?transport=udp")
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	tc, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: relayAddr, STUNServerAddr: relayAddr, Conn: pc, Username: tu.Username, Password: tu.Credential})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if err := tc.Listen(); err != nil {
		t.Fatal(err)
	}
	conn, err := tc.Allocate()
	if err != nil {
		t.Fatalf("the embedded relay refused the credentials the server handed out: %v", err)
	}
	conn.Close()
	if !strings.Contains(out.String(), `msg="relay started"`) {
		t.Errorf("no relay line in the log:\n%s", out)
	}
	if !strings.Contains(out.String(), "--turn-ttl is shorter than a sender may wait") {
		t.Errorf("no warning that --turn-ttl 10m is shorter than --slot-lifetime:\n%s", out)
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Fatalf("exit code %d; output:\n%s", code, out)
	}
}

func TestTURNSecretFromEnvironment(t *testing.T) {
	t.Setenv("FERRY_RENDEZVOUS_TURN_SECRET", "from-env")
	var got *servercmd.Options
	cmd := servercmd.NewCmd(io.Discard, io.Discard, func(_ context.Context, o *servercmd.Options) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"--turn", "turn:203.0.113.9:3478"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.TURN.Secret != "from-env" {
		t.Errorf("secret %q, want the one from FERRY_RENDEZVOUS_TURN_SECRET", got.TURN.Secret)
	}
}
