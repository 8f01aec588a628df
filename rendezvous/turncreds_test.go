package rendezvous_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
)

// The expected passwords were computed independently (Python's hmac module):
// base64(HMAC-SHA1(secret, username)), as coturn's use-auth-secret checks them.
func TestTURNCredentialsMatchCoturnScheme(t *testing.T) {
	expiry := time.Unix(1700000000, 0)
	user, pass := rendezvous.TURNCredentials("north-sea", "alice", expiry)
	if user != "1700000000:alice" || pass != "fYZsCfMUFS6r+6Q7R40Yu2hIbXk=" {
		t.Errorf("got %q / %q, want 1700000000:alice / fYZsCfMUFS6r+6Q7R40Yu2hIbXk=", user, pass)
	}
	user, pass = rendezvous.TURNCredentials("north-sea", "", expiry)
	if user != "1700000000" || pass != "ObSkK4cZwf4ivLJGXCHvJX5+oMw=" {
		t.Errorf("without an id: got %q / %q, want 1700000000 / ObSkK4cZwf4ivLJGXCHvJX5+oMw=", user, pass)
	}
}

func TestParseTURNUsername(t *testing.T) {
	for _, tc := range []struct {
		in     string
		expiry int64
		id     string
	}{
		{"1700000000:alice", 1700000000, "alice"},
		{"1700000000:a:b", 1700000000, "a:b"},
		{"1700000000", 1700000000, "1700000000"},
	} {
		exp, id, err := rendezvous.ParseTURNUsername(tc.in)
		if err != nil || exp.Unix() != tc.expiry || id != tc.id {
			t.Errorf("ParseTURNUsername(%q) = %v, %q, %v; want %d, %q", tc.in, exp.Unix(), id, err, tc.expiry, tc.id)
		}
	}
	for _, bad := range []string{"", "alice", "alice:1700000000", "-5:x", "17e8:x"} {
		if _, _, err := rendezvous.ParseTURNUsername(bad); !errors.Is(err, rendezvous.ErrTURNUsername) {
			t.Errorf("ParseTURNUsername(%q): err %v, want ErrTURNUsername", bad, err)
		}
	}
}

// The paired message gives each client fresh TURN credentials that a TURN
// server holding only the secret accepts (the welcome has none: see
// TestTURNCredentialsOnlyAfterPairing).
func TestWelcomeCarriesMintedTURNCredentials(t *testing.T) {
	const secret = "s3cret"
	srv, _ := start(t, rendezvous.Config{
		ICEServers: []rendezvous.ICEServer{{URLs: []string{"stun:203.0.113.5:3478"}}},
		TURN:       rendezvous.TURN{URLs: []string{"turn:203.0.113.5:3478?transport=udp"}, Secret: secret, TTL: time.Hour},
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
	expiry, id, err := rendezvous.ParseTURNUsername(turn.Username)
	if err != nil {
		t.Fatal(err)
	}
	if d := expiry.Sub(before); d < time.Hour-2*time.Second || d > time.Hour+2*time.Second {
		t.Errorf("credentials expire in %s, want about the 1h TTL", d)
	}
	if id == "" || strings.Contains(id, "127.0.0.1") {
		t.Errorf("user id %q: want an opaque id, not the client's address", id)
	}
	if turn.Credential != rendezvous.TURNPassword(secret, turn.Username) {
		t.Errorf("password %q does not match the shared secret", turn.Credential)
	}
	// Another client from the same address is the same user, with a fresh
	// credential of its own.
	again := pairedICE(t, srv.URL)[1]
	if _, id2, _ := rendezvous.ParseTURNUsername(again.Username); id2 != id {
		t.Errorf("same address, user ids %q and %q: want one user", id, id2)
	}
}

func TestNoTURNWithoutSecret(t *testing.T) {
	srv, _ := start(t, rendezvous.Config{TURN: rendezvous.TURN{URLs: []string{"turn:203.0.113.5:3478"}}})
	if ice := dial(t, srv.URL).ICEServers(); len(ice) != 0 {
		t.Errorf("ICE servers %+v without a TURN secret: want none (credentials cannot be minted)", ice)
	}
}
