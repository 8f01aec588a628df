package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/ferry-dev/ferry/peer"
	"github.com/ferry-dev/ferry/rendezvous"
)

// Environment variables that stand in for flags.
const (
	envServer = "FERRY_SERVER"
	envCode   = "FERRY_CODE"
)

// flagOrEnv returns the flag's value, or the environment variable's when the
// flag was not given.
func flagOrEnv(flag, env string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv(env)
}

// connectPeer sets up the WebRTC connection over the paired rendezvous
// connection, using the ICE servers the rendezvous server offered.
func connectPeer(ctx context.Context, sig peer.Signaler, ice []rendezvous.ICEServer, role peer.Role, u *ui) (*peer.Conn, error) {
	cfg := peer.Config{}
	for _, s := range ice {
		cfg.ICEServers = append(cfg.ICEServers, peer.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	pc, err := peer.Connect(ctx, sig, role, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to peer: %w", err)
	}
	u.connected(pc.Route())
	return pc, nil
}
