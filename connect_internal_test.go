package ferry

import (
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
)

// TestPeerConfigOfferedServersFirst: the ICE servers the rendezvous server
// offered (its TURN relay with fresh credentials) come first, then the
// program's own; ForceRelay and Parallel pass through.
func TestPeerConfigOfferedServersFirst(t *testing.T) {
	offered := []rendezvous.ICEServer{{URLs: []string{"turn:203.0.113.9:3478"}, Username: "1:x", Credential: "minted"}}
	own, err := ParseICEServer("turn:me:pw@203.0.113.1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := peerConfig(offered, Network{ICEServers: []ICEServer{own}, ForceRelay: true, Parallel: 3})
	if !cfg.ForceRelay || cfg.Parallel != 3 || len(cfg.ICEServers) != 2 {
		t.Fatalf("config %+v: want ForceRelay, Parallel 3, two servers", cfg)
	}
	if s := cfg.ICEServers[0]; s.URLs[0] != "turn:203.0.113.9:3478" || s.Username != "1:x" || s.Credential != "minted" {
		t.Errorf("first server %+v: want the offered one", s)
	}
	if s := cfg.ICEServers[1]; s.URLs[0] != "turn:203.0.113.1" || s.Username != "me" || s.Credential != "pw" {
		t.Errorf("second server %+v: want the program's own", s)
	}
}
