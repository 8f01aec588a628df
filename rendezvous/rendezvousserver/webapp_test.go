package rendezvousserver_test

import (
	"testing"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// TestWelcomeSaysWhetherTheAppIsServed: the welcome tells a client that the
// browser app is served at the root only when the server is configured so.
func TestWelcomeSaysWhetherTheAppIsServed(t *testing.T) {
	for _, served := range []bool{true, false} {
		srv, _ := start(t, rendezvousserver.Config{WebApp: served})
		if got := dial(t, srv.URL).WebApp(); got != served {
			t.Errorf("Config.WebApp %v: the client read %v from the welcome", served, got)
		}
	}
}
