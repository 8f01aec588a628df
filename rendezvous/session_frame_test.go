package rendezvous

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodeSessFrame(t *testing.T) {
	good := [][]byte{
		encodeSessFrame(sessHello, make([]byte, sessNonceSize)),
		encodeSessFrame(sessShare, make([]byte, sessShareSize)),
		encodeSessFrame(sessConfirm, make([]byte, sessConfirmSize)),
		encodeSessFrame(sessSealed, make([]byte, sessAEADOver)),
		encodeSessFrame(sessSealed, make([]byte, MaxSealedMessage+sessAEADOver)),
	}
	for _, f := range good {
		if _, _, err := decodeSessFrame(f, true); err != nil {
			t.Errorf("decode of a valid %d-byte frame: %v", len(f), err)
		}
	}
	bad := map[string]struct {
		frame []byte
		want  error
	}{
		"empty":           {nil, ErrTampered},
		"version only":    {[]byte{sessionVersion}, ErrTampered},
		"other version":   {append([]byte{2, byte(sessHello)}, make([]byte, sessNonceSize)...), ErrPeerVersion},
		"v2 header only":  {[]byte{2, byte(sessHello)}, ErrTampered},
		"garbage":         {[]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n0123456789"), ErrTampered},
		"unknown type":    {[]byte{sessionVersion, 0}, ErrTampered},
		"long hello":      {encodeSessFrame(sessHello, make([]byte, sessNonceSize+1)), ErrTampered},
		"short confirm":   {encodeSessFrame(sessConfirm, make([]byte, sessConfirmSize-1)), ErrTampered},
		"short sealed":    {encodeSessFrame(sessSealed, make([]byte, sessAEADOver-1)), ErrTampered},
		"oversize sealed": {encodeSessFrame(sessSealed, make([]byte, MaxSealedMessage+sessAEADOver+1)), ErrTampered},
	}
	for name, c := range bad {
		if _, _, err := decodeSessFrame(c.frame, true); !errors.Is(err, c.want) {
			t.Errorf("%s: error = %v, want %v", name, err, c.want)
		}
		// After the first frame, every bad frame is tampering.
		if _, _, err := decodeSessFrame(c.frame, false); !errors.Is(err, ErrTampered) {
			t.Errorf("%s, not first: error = %v, want ErrTampered", name, err)
		}
	}
}

// FuzzDecodeSessFrame: the decoder of everything that arrives from the
// other side never panics, and accepts only frames it would itself encode.
func FuzzDecodeSessFrame(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{sessionVersion})
	f.Add(encodeSessFrame(sessHello, make([]byte, sessNonceSize)))
	f.Add(encodeSessFrame(sessShare, make([]byte, sessShareSize)))
	f.Add(encodeSessFrame(sessConfirm, make([]byte, sessConfirmSize)))
	f.Add(encodeSessFrame(sessSealed, make([]byte, 100)))
	f.Add([]byte{2, 1, 0, 0})
	f.Fuzz(func(t *testing.T, frame []byte) {
		if _, _, err := decodeSessFrame(frame, false); err != nil && !errors.Is(err, ErrTampered) {
			t.Fatalf("error %v after the first frame does not wrap ErrTampered", err)
		}
		typ, body, err := decodeSessFrame(frame, true)
		if err != nil {
			if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrPeerVersion) {
				t.Fatalf("error %v wraps neither ErrTampered nor ErrPeerVersion", err)
			}
			return
		}
		if !bytes.Equal(encodeSessFrame(typ, body), frame) {
			t.Fatalf("accepted %x, which does not re-encode to itself", frame)
		}
		if lo, hi, _ := typ.bodySizes(); len(body) < lo || len(body) > hi {
			t.Fatalf("accepted a %s body of %d bytes", typ, len(body))
		}
	})
}

// sessTestPair builds a sender and receiver session with fixed keys, without
// a handshake, for the fuzz target.
func sessTestPair(t testing.TB) (sender, receiver *Session) {
	isk, th := bytes.Repeat([]byte{1}, 64), bytes.Repeat([]byte{2}, 64)
	ks, err := deriveSessKeys(isk, th, SideSender)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := deriveSessKeys(isk, th, SideReceiver)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(k *sessKeys) *Session {
		return &Session{seal: k.seal, open: k.open, sendSem: make(chan struct{}, 1), recvSem: make(chan struct{}, 1)}
	}
	return mk(ks), mk(kr)
}

// FuzzSessionOpen: whatever arrives, opening never panics, and the only
// frame that opens as the first message is the one the sender sealed.
func FuzzSessionOpen(f *testing.F) {
	sender, _ := sessTestPair(f)
	valid := encodeSessFrame(sessSealed, nil)
	valid = sender.seal.Seal(valid, sessNonce(0), []byte("offer"), valid[:sessHeaderSize])
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add(encodeSessFrame(sessSealed, make([]byte, sessAEADOver)))
	f.Add([]byte{sessionVersion, byte(sessConfirm)})
	f.Fuzz(func(t *testing.T, frame []byte) {
		_, receiver := sessTestPair(t)
		msg, err := receiver.openFrame(frame)
		if err == nil && (!bytes.Equal(frame, valid) || string(msg) != "offer") {
			t.Fatalf("opened a forged frame %x as %q", frame, msg)
		}
		if err != nil && !errors.Is(err, ErrTampered) {
			t.Fatalf("error %v does not wrap ErrTampered", err)
		}
	})
}
