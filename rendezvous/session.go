package rendezvous

import (
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/ferry-dev/ferry/rendezvous/cpace"
)

// Transport is what the rendezvous client provides after pairing (a
// *rendezvousclient.Conn): an ordered, reliable exchange of opaque messages
// with the other side. Send and Recv are called from different goroutines at
// once; Send is never called concurrently with itself, nor Recv with itself.
type Transport interface {
	Send(ctx context.Context, msg []byte) error
	Recv(ctx context.Context) ([]byte, error)
}

// Side is a client's role in a session.
type Side int

const (
	// SideSender is the side that got the code (the CPace initiator).
	SideSender Side = iota + 1
	// SideReceiver is the side that typed the code (the CPace responder).
	SideReceiver
)

func (s Side) String() string {
	switch s {
	case SideSender:
		return "sender"
	case SideReceiver:
		return "receiver"
	}
	return fmt.Sprintf("Side(%d)", int(s))
}

// Session errors, found with errors.Is.
var (
	// ErrWrongCode: the two sides do not share the password (or an attacker
	// in the middle guessed wrong). The slot is spent either way.
	ErrWrongCode = errors.New("wrong code — or someone tried to guess it; ask for a new code")
	// ErrTampered: a message from the other side was altered, replayed,
	// reordered, dropped, truncated or malformed, or a key share was
	// invalid. Someone between the two sides interfered.
	ErrTampered = errors.New("the signaling was tampered with")
	// ErrPeerVersion: the other side speaks another session protocol.
	ErrPeerVersion = errors.New("the other side runs an incompatible version of ferry")
)

// Session is a sealed channel over a Transport. Send may be called from
// several goroutines at once, and concurrently with Recv.
type Session struct {
	t        Transport
	verifier string

	sendSem chan struct{} // held while sealing and sending: the counter's order is the wire's
	seal    cipher.AEAD
	sendSeq uint64
	sendErr error // sticky: after a failed send the counters disagree

	recvSem chan struct{}
	open    cipher.AEAD
	recvSeq uint64
	recvErr error // sticky: after a bad message nothing later is trusted
}

// Secure runs the handshake over t as side and returns the sealed session.
// slot is the code's slot (Code.Slot) and password its words
// (Code.Password); both sides must pass the same bytes. Errors wrap
// ErrWrongCode, ErrTampered, ErrPeerVersion, the transport's errors, or
// ctx.Err(). On error the caller should close the transport.
func Secure(ctx context.Context, t Transport, slot string, password []byte, side Side) (*Session, error) {
	if side != SideSender && side != SideReceiver {
		return nil, fmt.Errorf("session: unknown side %d", int(side))
	}
	if len(password) == 0 {
		return nil, errors.New("session: the password is empty: a code needs at least one word after the number")
	}

	// Flight 1: nonces.
	nonce := make([]byte, sessNonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	ownHello := encodeSessFrame(sessHello, nonce)
	peerHello, err := sessExchange(ctx, t, ownHello, sessHello)
	if err != nil {
		return nil, err
	}
	helloS, helloR := bySide(side, ownHello, peerHello)
	sid := append(append([]byte(nil), helloS[sessHeaderSize:]...), helloR[sessHeaderSize:]...)

	// Flight 2: CPace shares.
	role, ownAD, peerAD := cpace.Initiator, []byte("ferry-v1 sender"), []byte("ferry-v1 receiver")
	if side == SideReceiver {
		role, ownAD, peerAD = cpace.Responder, peerAD, ownAD
	}
	ci := binary.AppendUvarint(nil, uint64(len("ferry-v1")))
	ci = append(ci, "ferry-v1"...)
	ci = binary.AppendUvarint(ci, uint64(len(slot)))
	ci = append(ci, slot...)
	st, share, err := cpace.Start(role, password, ci, sid, ownAD, rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	ownShare := encodeSessFrame(sessShare, share)
	peerShare, err := sessExchange(ctx, t, ownShare, sessShare)
	if err != nil {
		return nil, err
	}
	isk, err := st.Finish(peerShare[sessHeaderSize:], peerAD)
	if err != nil {
		if errors.Is(err, cpace.ErrInvalidShare) {
			return nil, notAHandshake(sessShare, fmt.Errorf("%w: not a valid group element", ErrTampered))
		}
		return nil, fmt.Errorf("session: %w", err)
	}
	shareS, shareR := bySide(side, ownShare, peerShare)
	keys, err := deriveSessKeys(isk, transcriptHash(helloS, helloR, shareS, shareR), side)
	clear(isk)
	if err != nil {
		return nil, err
	}

	// Flight 3: key confirmation. Ours goes out before we look at theirs.
	peerConfirm, err := sessExchange(ctx, t, encodeSessFrame(sessConfirm, keys.ownTag), sessConfirm)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(peerConfirm[sessHeaderSize:], keys.peerTag) {
		return nil, fmt.Errorf("session: the other side's key confirmation does not match: %w", ErrWrongCode)
	}

	return &Session{
		t:        t,
		verifier: keys.verifier,
		sendSem:  make(chan struct{}, 1),
		seal:     keys.seal,
		recvSem:  make(chan struct{}, 1),
		open:     keys.open,
	}, nil
}

// bySide orders a flight's two frames: the sender's first.
func bySide(side Side, own, peer []byte) (sender, receiver []byte) {
	if side == SideSender {
		return own, peer
	}
	return peer, own
}

// sessExchange is one handshake flight: it sends out while it receives the
// other side's frame, which must be of type want. Sending concurrently means
// the handshake works even over a transport whose Send waits for the peer's
// Recv; our frame is out before we judge theirs, so a failure we detect is
// detected by the other side too.
func sessExchange(ctx context.Context, t Transport, out []byte, want sessFrameType) ([]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sent := make(chan error, 1)
	go func() { sent <- t.Send(ctx, out) }()

	in, err := t.Recv(ctx)
	if err != nil {
		cancel()
		<-sent
		return nil, fmt.Errorf("session: waiting for the other side's %s: %w", want, err)
	}
	if err := <-sent; err != nil {
		return nil, fmt.Errorf("session: sending our %s: %w", want, err)
	}
	typ, _, err := decodeSessFrame(in, want == sessHello)
	switch {
	case errors.Is(err, ErrPeerVersion):
		return nil, fmt.Errorf("session: the other side's %s: %w", want, err)
	case err != nil:
		return nil, notAHandshake(want, err)
	case typ != want:
		return nil, notAHandshake(want, fmt.Errorf("%w: a %s", ErrTampered, typ))
	}
	return in, nil
}

// notAHandshake is the error for a handshake flight from the other side that
// is not what ferry sends (garbage, a frame out of turn, an invalid key
// share). Whoever sent it does not run ferry's key exchange with this code:
// someone who joined the code to guess it or to end the wait, or someone in
// between. To the user that is a wrong code (the slot is spent either way),
// not a version problem; the error also wraps ErrTampered, with what was
// wrong in detail.
func notAHandshake(want sessFrameType, detail error) error {
	return fmt.Errorf("session: %w (the other side sent no valid %s: %w)", ErrWrongCode, want, detail)
}

// Verifier is a short string derived from the session keys, like
// "1234 5678". Both sides show the same one; users who want to be sure
// nobody sat in the middle can compare it by voice.
func (s *Session) Verifier() string { return s.verifier }

// Send seals msg (at most MaxSealedMessage bytes) and sends it. It is safe
// for concurrent use; messages go out in the order their Send calls got the
// channel. After a failed send the session cannot send again: the other
// side would see a gap.
func (s *Session) Send(ctx context.Context, msg []byte) error {
	if len(msg) > MaxSealedMessage {
		return fmt.Errorf("session: send: a message of %d bytes is over the %d-byte limit", len(msg), MaxSealedMessage)
	}
	select {
	case s.sendSem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("session: send: %w", ctx.Err())
	}
	defer func() { <-s.sendSem }()
	if s.sendErr != nil {
		return s.sendErr
	}
	if s.sendSeq == math.MaxUint64 {
		return errors.New("session: send: message counter exhausted; start a new transfer")
	}
	frame := encodeSessFrame(sessSealed, nil)
	frame = s.seal.Seal(frame, sessNonce(s.sendSeq), msg, frame[:sessHeaderSize])
	s.sendSeq++
	if err := s.t.Send(ctx, frame); err != nil {
		s.sendErr = fmt.Errorf("session: send: an earlier send failed, the channel is broken: %w", err)
		return fmt.Errorf("session: send: %w", err)
	}
	return nil
}

// Recv receives and opens the next message. A message that does not open
// (altered, replayed, reordered, truncated, or one before it was dropped)
// returns an error wrapping ErrTampered, and so does every later call.
// Concurrent Recv calls take turns; Recv may run concurrently with Send.
func (s *Session) Recv(ctx context.Context) ([]byte, error) {
	select {
	case s.recvSem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("session: receive: %w", ctx.Err())
	}
	defer func() { <-s.recvSem }()
	if s.recvErr != nil {
		return nil, s.recvErr
	}
	frame, err := s.t.Recv(ctx)
	if err != nil {
		return nil, fmt.Errorf("session: receive: %w", err)
	}
	msg, err := s.openFrame(frame)
	if err != nil {
		s.recvErr = err
		return nil, err
	}
	return msg, nil
}

// openFrame decodes and opens the next sealed frame from the other side.
func (s *Session) openFrame(frame []byte) ([]byte, error) {
	typ, body, err := decodeSessFrame(frame, false)
	if err != nil {
		return nil, fmt.Errorf("session: receive: message %d: %w", s.recvSeq, err)
	}
	if typ != sessSealed {
		return nil, fmt.Errorf("session: receive: message %d: %w: a %s after the handshake", s.recvSeq, ErrTampered, typ)
	}
	if s.recvSeq == math.MaxUint64 {
		return nil, errors.New("session: receive: message counter exhausted; start a new transfer")
	}
	msg, err := s.open.Open(nil, sessNonce(s.recvSeq), body, frame[:sessHeaderSize])
	if err != nil {
		return nil, fmt.Errorf("session: receive: message %d: %w: it fails authentication (altered, replayed, out of order, or one before it went missing)", s.recvSeq, ErrTampered)
	}
	s.recvSeq++
	return msg, nil
}
