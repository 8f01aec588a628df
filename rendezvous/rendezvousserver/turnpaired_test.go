package rendezvousserver_test

import (
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/ferry-dev/ferry/rendezvous/turncreds"
)

// turnEntries returns the ICE servers with credentials (the minted TURN ones).
func turnEntries(ice []rendezvous.ICEServer) []rendezvous.ICEServer {
	var out []rendezvous.ICEServer
	for _, s := range ice {
		if s.Username != "" || s.Credential != "" {
			out = append(out, s)
		}
	}
	return out
}

// TestTURNCredentialsOnlyAfterPairing: the welcome offers STUN only; a
// connection that never pairs gets no TURN credentials. Both sides of a
// pair get TURN credentials with "paired", each minted for its own address.
func TestTURNCredentialsOnlyAfterPairing(t *testing.T) {
	const secret = "s3cret"
	srv, _ := start(t, rendezvousserver.Config{
		ICEServers:     []rendezvous.ICEServer{{URLs: []string{"stun:192.0.2.9:3478"}}},
		TURN:           rendezvousserver.TURN{URLs: []string{"turn:192.0.2.9:3478"}, Secret: secret},
		TrustedProxies: behindProxy,
	})
	ctx := testCtx(t)
	idle := mustDialFrom(t, srv.URL, "203.0.113.1")
	sender, slot := waitingSender(t, srv.URL, "198.51.100.1")
	for name, c := range map[string]*rendezvousclient.Conn{"a connection without a code": idle, "a waiting sender": sender} {
		ice := c.ICEServers()
		if len(ice) != 1 || ice[0].URLs[0] != "stun:192.0.2.9:3478" || len(turnEntries(ice)) != 0 {
			t.Errorf("%s has ICE servers %+v, want the STUN server only", name, ice)
		}
	}

	receiver := mustDialFrom(t, srv.URL, "203.0.113.2")
	if err := receiver.Join(ctx, slot); err != nil {
		t.Fatal(err)
	}
	if err := sender.WaitPeer(ctx); err != nil {
		t.Fatal(err)
	}
	users := map[string]bool{}
	for name, c := range map[string]*rendezvousclient.Conn{"sender": sender, "receiver": receiver} {
		ice := c.ICEServers()
		turn := turnEntries(ice)
		if len(ice) != 2 || ice[0].URLs[0] != "stun:192.0.2.9:3478" || len(turn) != 1 || turn[0].URLs[0] != "turn:192.0.2.9:3478" {
			t.Fatalf("%s after pairing has ICE servers %+v, want STUN and TURN", name, ice)
		}
		if turn[0].Credential != turncreds.Password(secret, turn[0].Username) {
			t.Errorf("%s: TURN password does not match its username %q", name, turn[0].Username)
		}
		_, id, err := turncreds.ParseUsername(turn[0].Username)
		if err != nil || id == "" {
			t.Fatalf("%s: TURN username %q: %v", name, turn[0].Username, err)
		}
		users[id] = true
	}
	if len(users) != 2 {
		t.Errorf("sender and receiver got the same TURN user id: minted for one address")
	}
	if strings.Contains(strings.Join(idle.ICEServers()[0].URLs, ","), "turn:") {
		t.Error("the idle connection got TURN servers after others paired")
	}
}

// pairedICE pairs two clients at url and returns the sender's ICE servers.
func pairedICE(t *testing.T, url string) []rendezvous.ICEServer {
	t.Helper()
	sender, _, _ := pair(t, url)
	return sender.ICEServers()
}
