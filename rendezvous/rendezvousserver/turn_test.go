package rendezvousserver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/ferry-dev/ferry/rendezvous/turncreds"
)

// The paired message gives each client fresh TURN credentials that a TURN
// server holding only the secret accepts (the welcome has none: see
// TestTURNCredentialsOnlyAfterPairing).
func TestWelcomeCarriesMintedTURNCredentials(t *testing.T) {
	const secret = "s3cret"
	srv, _ := start(t, rendezvousserver.Config{
		ICEServers: []rendezvous.ICEServer{{URLs: []string{"stun:203.0.113.5:3478"}}},
		TURN:       rendezvousserver.TURN{URLs: []string{"turn:203.0.113.5:3478?transport=udp"}, Secret: secret, TTL: time.Hour},
	})
	before := time.Now()
	ice := pairedICE(t, srv.URL)
	if len(ice) != 2 || ice[0].URLs[0] != "stun:203.0.113.5:3478" || ice[0].Username != "" {
		t.Fatalf("ICE servers %+v: want the STUN server first, without credentials", ice)
	}
	turn := ice[1]
	if len(turn.URLs) != 1 || turn.URLs[0] != "turn:203.0.113.5:3478?transport=udp" {
		t.Fatalf("TURN entry %+v: want the configured URL", turn)
	}
	expiry, id, err := turncreds.ParseUsername(turn.Username)
	if err != nil {
		t.Fatal(err)
	}
	if d := expiry.Sub(before); d < time.Hour-2*time.Second || d > time.Hour+2*time.Second {
		t.Errorf("credentials expire in %s, want about the 1h TTL", d)
	}
	if id == "" || strings.Contains(id, "127.0.0.1") {
		t.Errorf("user id %q: want an opaque id, not the client's address", id)
	}
	if turn.Credential != turncreds.Password(secret, turn.Username) {
		t.Errorf("password %q does not match the shared secret", turn.Credential)
	}
	// Another client from the same address is the same user, with a fresh
	// credential of its own.
	again := pairedICE(t, srv.URL)[1]
	if _, id2, _ := turncreds.ParseUsername(again.Username); id2 != id {
		t.Errorf("same address, user ids %q and %q: want one user", id, id2)
	}
}

func TestNoTURNWithoutSecret(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{TURN: rendezvousserver.TURN{URLs: []string{"turn:203.0.113.5:3478"}}})
	if ice := dial(t, srv.URL).ICEServers(); len(ice) != 0 {
		t.Errorf("ICE servers %+v without a TURN secret: want none (credentials cannot be minted)", ice)
	}
}
