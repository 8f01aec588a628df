package loadgen

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// TestBurnOneAddressEndsAtMostFive is issue 11's item 4: one attacker
// address that joins and leaves (or sends garbage) as fast as a server with
// its defaults allows ends at most 5 of 60 waiting senders in a minute. The
// attack runs a few seconds, not a minute: every per-address limit counts
// per minute, and the test checks that the attacker was refused by one, so
// the rest of the minute would add nothing.
func TestBurnOneAddressEndsAtMostFive(t *testing.T) {
	target := startServer(t, rendezvousserver.Config{})
	r, err := Burn(testCtx(t), target, BurnOptions{Senders: 60, Attackers: 1, Duration: 3 * time.Second}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d waiting senders ended; attacker's joins: %v", r.Ended, r.Waiting, r.Joins)
	if r.Waiting != 60 {
		t.Fatalf("%d senders waiting, want 60 (errors %v)", r.Waiting, r.Errors)
	}
	if r.Ended > 5 {
		t.Errorf("one address ended %d of 60 waiting senders, want at most 5", r.Ended)
	}
	limited := false
	for k := range r.Joins {
		limited = limited || strings.HasPrefix(k, "limit_")
	}
	if !limited {
		t.Errorf("the attacker was never refused by a limit (joins %v): the attack did not run to the server's limit", r.Joins)
	}
}
