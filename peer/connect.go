package peer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/webrtc/v4"
)

// channelLabel names ferry's one data channel.
const channelLabel = "ferry"

// maxEarlyCandidates bounds the remote candidates queued before the remote
// description arrives.
const maxEarlyCandidates = 256

// Connect sets up the PeerConnection and its data channel with the peer on
// the other end of sig, and returns once the channel is open. The Offerer
// makes the data channel and the offer; the Answerer answers. Candidates
// trickle through sig as they are gathered.
//
// It fails with an error wrapping ErrNoRoute when ICE finds no working path
// (within Config.ICETimeout) or ctx's deadline passes first, and with one
// wrapping ctx.Err() when ctx is cancelled. Once Connect returns, it no
// longer uses sig: the caller may close it.
func Connect(ctx context.Context, sig Signaler, role Role, cfg Config) (*Conn, error) {
	if role != Offerer && role != Answerer {
		return nil, fmt.Errorf("peer: connect: unknown role %d", role)
	}
	s, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s.diag = newDiagnosis(cfg)
	if cfg.ForceRelay && !s.diag.turn {
		return nil, s.diag.noRouteError()
	}
	api, bn, mux, err := newAPI(s)
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtcConfig(cfg))
	if err != nil {
		if mux != nil {
			mux.Close() //nolint:errcheck // reporting the first error
		}
		return nil, fmt.Errorf("peer: creating the peer connection: %w (check the ICE server URLs)", err)
	}
	n := newNegotiation(pc, role, s)
	conn, err := n.run(ctx, sig, bn, mux)
	if err != nil {
		closePC(pc) //nolint:errcheck // reporting why Connect failed
		if mux != nil {
			mux.Close() //nolint:errcheck // reporting why Connect failed
		}
		return nil, err
	}
	return conn, nil
}

// negotiation is the state of one Connect: pion's callbacks feed its
// channels, and run reacts to them and to the peer's signaling messages.
type negotiation struct {
	pc   *webrtc.PeerConnection
	role Role
	cfg  settings
	out  outbox

	opened chan datachannel.ReadWriteCloser // (cap 1) the detached channel
	failed chan error                       // (cap 2) ICE or DTLS failed before connecting

	mu        sync.Mutex  // orders connecting against failures reported by pion
	conn      *Conn       // set once connected: failures go to it from then on
	lostTimer *time.Timer // running while ICE reports the path disconnected (lost.go)

	haveRemote      bool
	earlyCandidates []webrtc.ICECandidateInit
}

func newNegotiation(pc *webrtc.PeerConnection, role Role, s settings) *negotiation {
	n := &negotiation{
		pc:     pc,
		role:   role,
		cfg:    s,
		opened: make(chan datachannel.ReadWriteCloser, 1),
		failed: make(chan error, 2),
	}
	n.out.init()
	pc.OnICECandidate(n.onCandidate)
	pc.OnICEConnectionStateChange(n.onICEState)
	pc.OnConnectionStateChange(n.onState)
	if role == Answerer {
		pc.OnDataChannel(n.onDataChannel)
	}
	return n
}

// offer makes the data channel and sends the offer. The offer goes into the
// outbox before SetLocalDescription starts gathering, so it precedes the
// candidates.
func (n *negotiation) offer() error {
	ordered := true
	dc, err := n.pc.CreateDataChannel(channelLabel, &webrtc.DataChannelInit{Ordered: &ordered})
	if err != nil {
		return fmt.Errorf("peer: creating the data channel: %w", err)
	}
	n.watchOpen(dc)
	offer, err := n.pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("peer: creating the offer: %w", err)
	}
	n.out.push(offerSignal(offer))
	if err := n.pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("peer: applying the offer: %w", err)
	}
	return nil
}

// handle applies one signaling message from the peer.
func (n *negotiation) handle(s signal) error {
	switch s.Kind {
	case kindOffer:
		if n.role != Answerer || n.haveRemote {
			return fmt.Errorf("%w: unexpected offer (both sides think they are the %s?)", errSignal, n.roleName())
		}
		if err := n.setRemote(s); err != nil {
			return err
		}
		answer, err := n.pc.CreateAnswer(nil)
		if err != nil {
			return fmt.Errorf("peer: creating the answer: %w", err)
		}
		n.out.push(answerSignal(answer))
		if err := n.pc.SetLocalDescription(answer); err != nil {
			return fmt.Errorf("peer: applying the answer: %w", err)
		}
	case kindAnswer:
		if n.role != Offerer || n.haveRemote {
			return fmt.Errorf("%w: unexpected answer (both sides think they are the %s?)", errSignal, n.roleName())
		}
		return n.setRemote(s)
	case kindCandidate:
		c := s.candidateInit()
		n.cfg.diag.remoteCandidate(c.Candidate)
		if !n.haveRemote {
			if len(n.earlyCandidates) >= maxEarlyCandidates {
				return fmt.Errorf("%w: more than %d candidates before the session description", errSignal, maxEarlyCandidates)
			}
			n.earlyCandidates = append(n.earlyCandidates, c)
			return nil
		}
		return n.addCandidate(c)
	case kindEndOfCandidates:
		// pion needs no notice: ICE fails after ICETimeout without a pair.
	}
	return nil
}

func (n *negotiation) setRemote(s signal) error {
	if err := n.pc.SetRemoteDescription(s.description()); err != nil {
		return fmt.Errorf("%w: the peer's %s was refused: %w", errSignal, s.Kind, err)
	}
	n.haveRemote = true
	for _, c := range n.earlyCandidates {
		if err := n.addCandidate(c); err != nil {
			return err
		}
	}
	n.earlyCandidates = nil
	return nil
}

func (n *negotiation) addCandidate(c webrtc.ICECandidateInit) error {
	if err := n.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("%w: the peer's candidate %.100q was refused: %w", errSignal, c.Candidate, err)
	}
	return nil
}

func (n *negotiation) roleName() string {
	if n.role == Offerer {
		return "sender (offerer)"
	}
	return "receiver (answerer)"
}

// timedOut explains why ctx ended Connect.
func (n *negotiation) timedOut(ctx context.Context) error {
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("peer: connect: %w", ctx.Err())
	}
	var stage string
	switch {
	case !n.haveRemote && n.role == Offerer:
		stage = "the peer never answered"
	case !n.haveRemote:
		stage = "the peer never sent its offer"
	default:
		stage = "no working path found in time" + n.relayHint()
	}
	return fmt.Errorf("%w: %s (%w)", ErrNoRoute, stage, ctx.Err())
}

// relayHint completes a "no path" message.
func (n *negotiation) relayHint() string {
	if hasTURN(n.cfg.ICEServers) {
		return ", not even through the relay (TURN) server: check that it is reachable from both sides"
	}
	return ", and no relay (TURN) server was offered: on different networks, use a rendezvous server that offers one"
}

func hasTURN(servers []ICEServer) bool {
	for _, s := range servers {
		for _, u := range s.URLs {
			if strings.HasPrefix(u, "turn:") || strings.HasPrefix(u, "turns:") {
				return true
			}
		}
	}
	return false
}

// noRoute is the error for ICE giving up: why, as far as we can tell
// (diagnose.go).
func (n *negotiation) noRoute() error {
	return n.cfg.diag.noRouteError()
}

// The callbacks below run on pion's goroutines and must not block.

func (n *negotiation) onCandidate(c *webrtc.ICECandidate) {
	n.cfg.diag.localCandidate(c)
	if c == nil {
		n.out.push(endOfCandidatesSignal())
		if n.cfg.ForceRelay && n.cfg.diag.noLocalCandidates() {
			err := n.noRoute() // no relay address: ICE cannot succeed
			n.fail(err, err)
		}
		return
	}
	init := c.ToJSON()
	if init.Candidate == "candidate:" {
		// pion could not describe it: in a browser, the end-of-candidates
		// marker of one generation (an RTCIceCandidate whose candidate is
		// ""), which a browser peer's addIceCandidate refuses.
		return
	}
	n.out.push(candidateSignal(init))
}

func (n *negotiation) onICEState(st webrtc.ICEConnectionState) {
	n.watchSilence(st)
	if st == webrtc.ICEConnectionStateFailed {
		n.fail(n.noRoute(), fmt.Errorf("%w: nothing received from it for %s", errPeerLost, n.cfg.ICETimeout))
	}
}

func (n *negotiation) onState(st webrtc.PeerConnectionState) {
	if st != webrtc.PeerConnectionStateFailed || n.pc.ICEConnectionState() == webrtc.ICEConnectionStateFailed {
		return // ICE failures are reported by onICEState
	}
	err := errors.New("peer: the encrypted (DTLS) session with the peer failed")
	n.fail(err, err)
}

// fail reports a failure to run (before) or to the Conn (after connecting).
func (n *negotiation) fail(before, after error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn != nil {
		n.conn.lost(after)
		return
	}
	select {
	case n.failed <- before:
	default:
	}
}

func (n *negotiation) onDataChannel(dc *webrtc.DataChannel) {
	if dc.Label() != channelLabel {
		dc.Close() //nolint:errcheck // not ours
		return
	}
	n.watchOpen(dc)
}

// watchOpen detaches dc once it opens and hands it to run.
func (n *negotiation) watchOpen(dc *webrtc.DataChannel) {
	dc.OnOpen(func() {
		rwc, err := detach(dc)
		if err != nil {
			err = fmt.Errorf("peer: detaching the data channel: %w", err)
			n.fail(err, err)
			return
		}
		select {
		case n.opened <- rwc:
		default: // a second channel: only the first counts
			rwc.Close() //nolint:errcheck // not ours
		}
	})
}
