package peer

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/pion/logging"
	"github.com/pion/stun/v4"
	"github.com/pion/webrtc/v4"
)

// ErrRelayRefused: the relay (TURN) server refused our credentials. Errors
// that wrap it also wrap ErrNoRoute.
var ErrRelayRefused = errors.New("the relay refused our credentials")

// diagnosis collects what is needed to say why ICE found no path: which
// candidate types each side gathered, and why relay allocations failed.
// pion reports a failed TURN allocation only in a log line, so diagnosis
// also wraps pion's loggers to catch those lines.
type diagnosis struct {
	turn       bool // a TURN server was offered
	forceRelay bool

	mu       sync.Mutex
	local    map[string]int // candidate type -> count
	remote   map[string]int
	relayErr []relayFailure
	gathered bool // local gathering is complete
}

// relayFailure is one TURN server's answer to our allocation.
type relayFailure struct {
	server string
	code   int // STUN error code, 0 when none
	reason string
	err    error
}

func newDiagnosis(cfg Config) *diagnosis {
	return &diagnosis{
		turn:       hasTURN(cfg.ICEServers),
		forceRelay: cfg.ForceRelay,
		local:      make(map[string]int),
		remote:     make(map[string]int),
	}
}

// localCandidate records one of our candidates; nil marks the end of gathering.
func (d *diagnosis) localCandidate(c *webrtc.ICECandidate) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c == nil {
		d.gathered = true
		return
	}
	d.local[c.Typ.String()]++
}

// remoteCandidate records the type of a candidate the peer sent.
func (d *diagnosis) remoteCandidate(sdp string) {
	typ := "unknown"
	if _, rest, ok := strings.Cut(sdp, " typ "); ok {
		typ, _, _ = strings.Cut(rest, " ")
	}
	d.mu.Lock()
	d.remote[typ]++
	d.mu.Unlock()
}

// noLocalCandidates reports whether gathering ended without a single
// candidate: with ForceRelay, no relay could be had, and ICE cannot succeed.
func (d *diagnosis) noLocalCandidates() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, c := range d.local {
		n += c
	}
	return d.gathered && n == 0
}

func (d *diagnosis) relayFailed(server string, err error) {
	f := relayFailure{server: server, err: err}
	var te *stun.TurnError
	switch {
	case errors.As(err, &te):
		f.code = int(te.ErrorCodeAttr.Code)
		f.reason = string(te.ErrorCodeAttr.Reason)
	case err != nil && strings.Contains(err.Error(), "retransmissions failed"):
		f.reason = "no answer"
	}
	d.mu.Lock()
	d.relayErr = append(d.relayErr, f)
	d.mu.Unlock()
}

// noRouteError says, as precisely as we can, why no path was found.
func (d *diagnosis) noRouteError() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.turn {
		if d.forceRelay {
			return fmt.Errorf("%w: --force-relay needs a relay, and the server offers no relay (TURN): "+
				"use a rendezvous server that offers one (ferry-rendezvous --turn-listen or --turn), or add one with --ice-server", ErrNoRoute)
		}
		return fmt.Errorf("%w: no direct path to the peer, and the server offers no relay (TURN): "+
			"the NATs between you let no direct connection through; use a rendezvous server that offers a relay "+
			"(ferry-rendezvous --turn-listen or --turn), or add one with --ice-server", ErrNoRoute)
	}
	if d.local["relay"] == 0 && len(d.relayErr) > 0 {
		return d.relayError()
	}
	if d.local["relay"] == 0 {
		return fmt.Errorf("%w: no direct path to the peer, and we got no relay address from the relay (TURN) server", ErrNoRoute)
	}
	if d.remote["relay"] == 0 {
		return fmt.Errorf("%w: no direct path to the peer, and the peer got no relay address "+
			"(the relay refused or did not answer it; its own error says more)", ErrNoRoute)
	}
	return fmt.Errorf("%w: no working path, not even through the relay (TURN) server: "+
		"check that both sides can reach it over UDP and that it may relay between them", ErrNoRoute)
}

// relayError explains why our relay allocations failed; the caller holds d.mu.
func (d *diagnosis) relayError() error {
	f := d.relayErr[0]
	for _, g := range d.relayErr { // an authentication failure explains most
		if isAuthCode(g.code) {
			f = g
			break
		}
	}
	answer := fmt.Sprintf("error %d", f.code)
	if f.reason != "" {
		answer += " (" + f.reason + ")"
	}
	switch {
	case isAuthCode(f.code):
		return fmt.Errorf("%w: %w: the relay (TURN) server %s answered %s: the rendezvous server's --turn-secret "+
			"must be the relay's (coturn: static-auth-secret), and the clocks of both must be right", ErrNoRoute, ErrRelayRefused, f.server, answer)
	case f.code == 486 || f.code == 508:
		return fmt.Errorf("%w: the relay (TURN) server %s is full (%s): try again later", ErrNoRoute, f.server, answer)
	case f.code != 0:
		return fmt.Errorf("%w: the relay (TURN) server %s refused to relay (%s)", ErrNoRoute, f.server, answer)
	case f.reason == "no answer":
		port := "its port"
		if _, p, err := net.SplitHostPort(f.server); err == nil {
			port = "UDP port " + p
		}
		return fmt.Errorf("%w: the relay (TURN) server %s did not answer: check that %s is open to you", ErrNoRoute, f.server, port)
	default:
		return fmt.Errorf("%w: no relay address from the relay (TURN) server %s: %v", ErrNoRoute, f.server, f.err)
	}
}

// isAuthCode: 400 (pion's answer to a bad MESSAGE-INTEGRITY), 401
// Unauthorized (coturn's), 403 Forbidden, 441 Wrong Credentials.
func isAuthCode(code int) bool {
	return code == 400 || code == 401 || code == 403 || code == 441
}

// loggers wraps pion's logger factory so that relay failures are recorded.
func (d *diagnosis) loggers(inner logging.LoggerFactory) logging.LoggerFactory {
	return diagFactory{inner: inner, d: d}
}

type diagFactory struct {
	inner logging.LoggerFactory
	d     *diagnosis
}

func (f diagFactory) NewLogger(scope string) logging.LeveledLogger {
	l := f.inner.NewLogger(scope)
	if scope != "ice" {
		return l
	}
	return diagLogger{LeveledLogger: l, d: f.d}
}

// diagLogger catches ice's "failed to allocate on TURN client SERVER ERR"
// (pion/ice gather.go) and passes every line on.
type diagLogger struct {
	logging.LeveledLogger
	d *diagnosis
}

const allocateFailed = "failed to allocate on TURN client"

func (l diagLogger) Warnf(format string, args ...any) {
	if strings.Contains(format, allocateFailed) && len(args) >= 2 {
		err, _ := args[1].(error)
		l.d.relayFailed(fmt.Sprint(args[0]), err)
	}
	l.LeveledLogger.Warnf(format, args...)
}
