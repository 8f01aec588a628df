package rendezvous

import (
	"fmt"

	"github.com/ferry-dev/ferry/rendezvous/cpace"
	"golang.org/x/crypto/chacha20poly1305"
)

// sessionVersion is the version byte of every frame (see the package doc,
// Session frames).
const sessionVersion = 1

// maxSessionVersion bounds the version bytes taken for a ferry of another
// version; anything above is garbage.
const maxSessionVersion = 16

type sessFrameType byte

const (
	sessHello   sessFrameType = 1
	sessShare   sessFrameType = 2
	sessConfirm sessFrameType = 3
	sessSealed  sessFrameType = 4
)

const (
	sessHeaderSize  = 2
	sessNonceSize   = 32
	sessShareSize   = cpace.ShareSize
	sessConfirmSize = 64
	sessAEADOver    = chacha20poly1305.Overhead
)

// MaxSealedMessage bounds the plaintext of one Session message: with the
// frame overhead and the relay's base64 it stays well under the rendezvous
// server's default message size (64 KiB). SDP offers are a few KiB.
const MaxSealedMessage = 32 << 10

func (t sessFrameType) String() string {
	switch t {
	case sessHello:
		return "hello"
	case sessShare:
		return "key share"
	case sessConfirm:
		return "key confirmation"
	case sessSealed:
		return "sealed message"
	}
	return fmt.Sprintf("unknown frame type %d", byte(t))
}

// bodySizes gives the allowed body sizes per type: [min, max].
func (t sessFrameType) bodySizes() (lo, hi int, ok bool) {
	switch t {
	case sessHello:
		return sessNonceSize, sessNonceSize, true
	case sessShare:
		return sessShareSize, sessShareSize, true
	case sessConfirm:
		return sessConfirmSize, sessConfirmSize, true
	case sessSealed:
		return sessAEADOver, MaxSealedMessage + sessAEADOver, true
	}
	return 0, 0, false
}

// encodeSessFrame lays out a frame; the body is copied.
func encodeSessFrame(t sessFrameType, body []byte) []byte {
	f := make([]byte, sessHeaderSize, sessHeaderSize+len(body))
	f[0], f[1] = sessionVersion, byte(t)
	return append(f, body...)
}

// decodeSessFrame checks a frame's version, type and size. The body aliases
// the frame. Errors wrap ErrTampered, or ErrPeerVersion for a first frame
// that is a hello of another version; once the peer's hello has shown its
// version, another one is tampering.
func decodeSessFrame(f []byte, first bool) (sessFrameType, []byte, error) {
	if len(f) == 0 {
		return 0, nil, fmt.Errorf("%w: an empty message", ErrTampered)
	}
	if f[0] != sessionVersion {
		if first && f[0] < maxSessionVersion && len(f) >= sessHeaderSize+sessNonceSize && sessFrameType(f[1]) == sessHello {
			return 0, nil, peerVersionError(f[0])
		}
		return 0, nil, fmt.Errorf("%w: a message of session protocol v%d in a v%d session", ErrTampered, f[0], sessionVersion)
	}
	if len(f) < sessHeaderSize {
		return 0, nil, fmt.Errorf("%w: a message of %d bytes, too short for its header", ErrTampered, len(f))
	}
	t, body := sessFrameType(f[1]), f[sessHeaderSize:]
	lo, hi, ok := t.bodySizes()
	if !ok {
		return 0, nil, fmt.Errorf("%w: %s", ErrTampered, t)
	}
	if len(body) < lo || len(body) > hi {
		return 0, nil, fmt.Errorf("%w: a %s of %d bytes (allowed: %d to %d)", ErrTampered, t, len(body), lo, hi)
	}
	return t, body, nil
}

func peerVersionError(v byte) error {
	if v > sessionVersion {
		return fmt.Errorf("%w: it speaks session protocol v%d, this ferry v%d: upgrade ferry on this side", ErrPeerVersion, v, sessionVersion)
	}
	return fmt.Errorf("%w: it speaks session protocol v%d, this ferry v%d: the other side must upgrade ferry", ErrPeerVersion, v, sessionVersion)
}
