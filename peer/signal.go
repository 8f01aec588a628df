package peer

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pion/webrtc/v4"
)

// Signaling messages, one per Signaler message, are small JSON objects:
//
//	{"v":1,"kind":"offer","sdp":"v=0..."}
//	{"v":1,"kind":"answer","sdp":"v=0..."}
//	{"v":1,"kind":"candidate","candidate":"candidate:1 1 udp ...","mid":"0","mline":0}
//	{"v":1,"kind":"end-of-candidates"}
//
// Candidates trickle: each is sent as soon as it is gathered. Unknown fields
// are ignored (a later minor version may add some); an unknown kind or a
// different version is an error, so an incompatible peer fails clearly.

// signalVersion is the version of the signaling messages above.
const signalVersion = 1

// maxSignalSize bounds what decodeSignal accepts: an SDP with a data channel
// only is about 1 KiB, a candidate about 150 bytes.
const maxSignalSize = 64 << 10

const (
	kindOffer           = "offer"
	kindAnswer          = "answer"
	kindCandidate       = "candidate"
	kindEndOfCandidates = "end-of-candidates"
)

// errSignal marks a malformed or unexpected signaling message.
var errSignal = errors.New("peer: bad signaling message")

type signal struct {
	V         int     `json:"v"`
	Kind      string  `json:"kind"`
	SDP       string  `json:"sdp,omitempty"`
	Candidate string  `json:"candidate,omitempty"`
	Mid       *string `json:"mid,omitempty"`
	MLine     *uint16 `json:"mline,omitempty"`
}

func encodeSignal(s signal) []byte {
	s.V = signalVersion
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("peer: encoding signaling message: %v", err)) // only strings and ints: cannot fail
	}
	return b
}

func offerSignal(d webrtc.SessionDescription) []byte {
	return encodeSignal(signal{Kind: kindOffer, SDP: d.SDP})
}

func answerSignal(d webrtc.SessionDescription) []byte {
	return encodeSignal(signal{Kind: kindAnswer, SDP: d.SDP})
}

func candidateSignal(c webrtc.ICECandidateInit) []byte {
	return encodeSignal(signal{Kind: kindCandidate, Candidate: c.Candidate, Mid: c.SDPMid, MLine: c.SDPMLineIndex})
}

func endOfCandidatesSignal() []byte {
	return encodeSignal(signal{Kind: kindEndOfCandidates})
}

// decodeSignal parses and checks one signaling message from the peer.
func decodeSignal(b []byte) (signal, error) {
	var s signal
	if len(b) > maxSignalSize {
		return s, fmt.Errorf("%w: %d bytes, more than the %d-byte limit", errSignal, len(b), maxSignalSize)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%w: %w", errSignal, err)
	}
	if s.V != signalVersion {
		return s, fmt.Errorf("%w: the peer speaks signaling version %d, this ferry speaks %d: "+
			"use the same ferry version on both sides", errSignal, s.V, signalVersion)
	}
	switch s.Kind {
	case kindOffer, kindAnswer:
		if s.SDP == "" {
			return s, fmt.Errorf("%w: %s without a session description", errSignal, s.Kind)
		}
	case kindCandidate:
		if s.Candidate == "" {
			return s, fmt.Errorf("%w: candidate message without a candidate", errSignal)
		}
	case kindEndOfCandidates:
	default:
		return s, fmt.Errorf("%w: unknown kind %.40q: the peer may run a newer ferry, use the same version on both sides",
			errSignal, s.Kind)
	}
	return s, nil
}

func (s signal) description() webrtc.SessionDescription {
	typ := webrtc.SDPTypeOffer
	if s.Kind == kindAnswer {
		typ = webrtc.SDPTypeAnswer
	}
	return webrtc.SessionDescription{Type: typ, SDP: s.SDP}
}

func (s signal) candidateInit() webrtc.ICECandidateInit {
	return webrtc.ICECandidateInit{Candidate: s.Candidate, SDPMid: s.Mid, SDPMLineIndex: s.MLine}
}
