package turncreds_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/turncreds"
)

// The expected passwords were computed independently (Python's hmac module):
// base64(HMAC-SHA1(secret, username)), as coturn's use-auth-secret checks them.
func TestCredentialsMatchCoturnScheme(t *testing.T) {
	expiry := time.Unix(1700000000, 0)
	user, pass := turncreds.Credentials("north-sea", "alice", expiry)
	if user != "1700000000:alice" || pass != "fYZsCfMUFS6r+6Q7R40Yu2hIbXk=" {
		t.Errorf("got %q / %q, want 1700000000:alice / fYZsCfMUFS6r+6Q7R40Yu2hIbXk=", user, pass)
	}
	user, pass = turncreds.Credentials("north-sea", "", expiry)
	if user != "1700000000" || pass != "ObSkK4cZwf4ivLJGXCHvJX5+oMw=" {
		t.Errorf("without an id: got %q / %q, want 1700000000 / ObSkK4cZwf4ivLJGXCHvJX5+oMw=", user, pass)
	}
}

func TestParseUsername(t *testing.T) {
	for _, tc := range []struct {
		in     string
		expiry int64
		id     string
	}{
		{"1700000000:alice", 1700000000, "alice"},
		{"1700000000:a:b", 1700000000, "a:b"},
		{"1700000000", 1700000000, "1700000000"},
	} {
		exp, id, err := turncreds.ParseUsername(tc.in)
		if err != nil || exp.Unix() != tc.expiry || id != tc.id {
			t.Errorf("ParseUsername(%q) = %v, %q, %v; want %d, %q", tc.in, exp.Unix(), id, err, tc.expiry, tc.id)
		}
	}
	for _, bad := range []string{"", "alice", "alice:1700000000", "-5:x", "17e8:x"} {
		if _, _, err := turncreds.ParseUsername(bad); !errors.Is(err, turncreds.ErrUsername) {
			t.Errorf("ParseUsername(%q): err %v, want ErrUsername", bad, err)
		}
	}
}
