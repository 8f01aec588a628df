// Package cpace implements the CPace balanced PAKE of draft-irtf-cfrg-cpace
// (draft 21, April 2026) with the cipher suite CPACE-RISTR255-SHA512: the
// group ristretto255 (RFC 9496) and the hash SHA-512, in the
// initiator-responder setting.
//
// Two parties that share a password (PRS) each call Start, send the share
// it returns to the other, and pass the share they received to Finish. Both
// get the same 64-byte intermediate session key (ISK) if and only if they
// used the same password, channel identifier (CI), session id (sid) and
// associated data, and each saw the other's share unmodified. A wrong
// password does not fail here: it gives different keys, which the caller
// must detect with an explicit key confirmation and treat as a wrong
// password (the draft, section 10.4). Feed the ISK to a KDF before use.
//
// An active attacker learns nothing but whether one password guess was
// right per run; a passive one learns nothing about the password.
package cpace

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

const (
	// ShareSize is the size of the share a party sends: an encoded
	// ristretto255 element.
	ShareSize = 32
	// ISKSize is the size of the intermediate session key.
	ISKSize = sha512.Size
)

// Role is a party's role. The initiator's share and associated data come
// first in the transcript, so the two parties must take different roles;
// a party must never run both roles with the same password and sid.
type Role int

// The two roles of the initiator-responder setting.
const (
	Initiator Role = iota + 1
	Responder
)

// ErrInvalidShare means the peer's share is not the canonical encoding of a
// group element, or is the neutral element. An honest peer never sends one:
// someone is interfering with the exchange.
var ErrInvalidShare = errors.New("cpace: the peer's share is not a valid group element")

// State is one party's side of one CPace run, between Start and Finish.
// It is used once.
type State struct {
	role     Role
	y        *ristretto255.Scalar // nil once Finish ran
	share    []byte               // our share, Y = y*g
	ad, sid  []byte
	finished bool
}

// Start begins a CPace run for role: it derives the generator from the
// password prs, the channel identifier ci and the session id sid, draws a
// secret scalar from rand (crypto/rand.Reader in production) and returns
// the share to send to the peer. ad is this party's associated data (ADa
// for the initiator, ADb for the responder); it is authenticated, not
// secret, and the peer must pass the same bytes to Finish.
func Start(role Role, prs, ci, sid, ad []byte, rand io.Reader) (*State, []byte, error) {
	if role != Initiator && role != Responder {
		return nil, nil, fmt.Errorf("cpace: start: unknown role %d", role)
	}
	y, err := sampleScalar(rand)
	if err != nil {
		return nil, nil, err
	}
	share := scalarMult(y, calculateGenerator(prs, ci, sid))
	st := &State{
		role:  role,
		y:     y,
		share: share,
		ad:    append([]byte(nil), ad...),
		sid:   append([]byte(nil), sid...),
	}
	return st, append([]byte(nil), share...), nil
}

// Finish completes the run with the peer's share and associated data and
// returns the ISK. It fails with ErrInvalidShare if the peer's share is
// invalid or the neutral element; the run must then be aborted. Finish can
// be called only once: the secret scalar is erased.
func (s *State) Finish(peerShare, peerAD []byte) ([]byte, error) {
	if s.finished {
		return nil, errors.New("cpace: finish called twice on one run")
	}
	s.finished = true
	y := s.y
	s.y = nil
	defer y.Zero()

	k := scalarMultVfy(y, peerShare)
	if isIdentity(k) {
		return nil, ErrInvalidShare
	}
	var tr []byte
	if s.role == Initiator {
		tr = transcriptIR(s.share, s.ad, peerShare, peerAD)
	} else {
		tr = transcriptIR(peerShare, peerAD, s.share, s.ad)
	}
	return isk(s.sid, k, tr), nil
}

// isk is ISK = H.hash(lv_cat(G.DSI || "_ISK", sid, K) || transcript).
func isk(sid, k, transcript []byte) []byte {
	h := sha512.New()
	h.Write(lvCat([]byte(dsi+"_ISK"), sid, k))
	h.Write(transcript)
	return h.Sum(make([]byte, 0, ISKSize))
}
