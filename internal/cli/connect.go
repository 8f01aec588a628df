package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ferry-dev/ferry/internal/tune"
	"github.com/ferry-dev/ferry/peer"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
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

// connectPeer sets up the WebRTC connection over the sealed session (never
// the raw rendezvous connection: the offer and answer carry the DTLS
// fingerprints, and only the PAKE-sealed session keeps the server from
// reading or swapping them; the parameter's type makes that the only way),
// using the ICE servers the rendezvous server offered and the user's own
// (ice.go).
func connectPeer(ctx context.Context, sess *rendezvous.Session, offered []rendezvous.ICEServer, ice ICEOptions, role peer.Role, u *ui) (*peer.Link, error) {
	pc, err := peer.ConnectLink(ctx, sess, role, ice.peerConfig(offered))
	if errors.Is(err, peer.ErrNoRoute) {
		return nil, err // "could not connect to the peer: why"
	}
	if err != nil {
		return nil, fmt.Errorf("connect to peer: %w", err)
	}
	tune.Connections(pc.Conns())
	u.connected(pc.Route(), pc.Conns())
	if w := pc.Warning(); w != "" {
		u.warnf("%s", w) // one connection per process: shown once
	}
	return pc, nil
}

// secure runs the PAKE over the paired rendezvous connection: from here on
// every signaling message is sealed under a key only the two code holders have.
// With verify, the user compares a string derived from that key with the one
// the other side shows.
func secure(ctx context.Context, rz *rendezvousclient.Conn, code rendezvous.Code, side rendezvous.Side, verify bool, ios *IOStreams, u *ui) (*rendezvous.Session, error) {
	sess, err := rendezvous.Secure(ctx, rz, code.Slot, code.Password(), side)
	if err != nil {
		return nil, fmt.Errorf("secure the connection: %w", err)
	}
	if !verify {
		return sess, nil
	}
	u.verify(sess.Verifier())
	if !ios.StdinTTY {
		return nil, usageError{errors.New("--verify needs a terminal to ask on")}
	}
	fmt.Fprintf(ios.ErrOut, "Verification string: %s\nDoes the other side show the same string? [y/N] ", sess.Verifier())
	ok, err := askYes(ctx, ios, false)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: the verification strings did not match", rendezvous.ErrWrongCode)
	}
	return sess, nil
}

// askYes reads a yes/no answer from the terminal; an empty answer is def.
func askYes(ctx context.Context, ios *IOStreams, def bool) (bool, error) {
	answer := make(chan string, 1)
	go func() {
		line, _ := ios.readLine()
		answer <- strings.ToLower(strings.TrimSpace(line))
	}()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case a := <-answer:
		if a == "" {
			return def, nil
		}
		return a == "y" || a == "yes", nil
	}
}
