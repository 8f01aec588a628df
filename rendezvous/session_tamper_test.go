package rendezvous

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Attacks on the session: what an active attacker between the two sides,
// or a broken peer, can send, and how each is refused.

func TestSessionRejectsTamperedMessages(t *testing.T) {
	type wire struct{ m0, m1, m2 []byte } // three sealed frames from the sender, in order
	cases := []struct {
		name    string
		deliver func(w wire) [][]byte // what reaches the receiver, in order
		good    int                   // how many of them must open
	}{
		{"altered", func(w wire) [][]byte {
			c := bytes.Clone(w.m0)
			c[len(c)/2] ^= 1
			return [][]byte{c}
		}, 0},
		{"altered tag", func(w wire) [][]byte {
			c := bytes.Clone(w.m0)
			c[len(c)-1] ^= 0x80
			return [][]byte{c}
		}, 0},
		{"type changed", func(w wire) [][]byte {
			c := bytes.Clone(w.m0)
			c[1] = byte(sessConfirm)
			return [][]byte{c}
		}, 0},
		{"version changed", func(w wire) [][]byte {
			c := bytes.Clone(w.m0)
			c[0] = sessionVersion + 1
			return [][]byte{c}
		}, 0},
		{"replayed", func(w wire) [][]byte { return [][]byte{w.m0, w.m0} }, 1},
		{"reordered", func(w wire) [][]byte { return [][]byte{w.m1, w.m0} }, 0},
		{"dropped", func(w wire) [][]byte { return [][]byte{w.m0, w.m2} }, 1},
		{"truncated by one byte", func(w wire) [][]byte { return [][]byte{w.m0[:len(w.m0)-1]} }, 0},
		{"truncated to the header", func(w wire) [][]byte { return [][]byte{w.m0[:sessHeaderSize]} }, 0},
		{"truncated to one byte", func(w wire) [][]byte { return [][]byte{w.m0[:1]} }, 0},
		{"empty", func(w wire) [][]byte { return [][]byte{{}} }, 0},
		{"extended", func(w wire) [][]byte { return [][]byte{append(bytes.Clone(w.m0), 0)} }, 0},
		{"reflected", nil, 0}, // the receiver's own frame sent back to it: below
		{"handshake frame after handshake", func(w wire) [][]byte {
			return [][]byte{encodeSessFrame(sessConfirm, make([]byte, sessConfirmSize))}
		}, 0},
		{"oversized", func(w wire) [][]byte {
			return [][]byte{encodeSessFrame(sessSealed, make([]byte, MaxSealedMessage+sessAEADOver+1))}
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := sessTestCtx(t)
			sa, sb, ab, ba := sessMustPair(t, ctx, 8)
			var w wire
			for i, p := range []*[]byte{&w.m0, &w.m1, &w.m2} {
				if err := sa.Send(ctx, fmt.Appendf(nil, "message %d", i)); err != nil {
					t.Fatal(err)
				}
				*p = <-ab // off the wire before the receiver sees it
			}
			var deliver [][]byte
			if c.deliver != nil {
				deliver = c.deliver(w)
			} else {
				if err := sb.Send(ctx, []byte("message 0")); err != nil {
					t.Fatal(err)
				}
				deliver = [][]byte{<-ba}
			}
			for i, f := range deliver {
				ab <- f
				got, err := sb.Recv(ctx)
				if i < c.good {
					if err != nil {
						t.Fatalf("frame %d should open: %v", i, err)
					}
					continue
				}
				if !errors.Is(err, ErrTampered) {
					t.Fatalf("frame %d: Recv = %q, %v; want ErrTampered", i, got, err)
				}
			}
			// Nothing after a bad message is trusted, not even a good one.
			ab <- w.m1
			if _, err := sb.Recv(ctx); !errors.Is(err, ErrTampered) {
				t.Errorf("Recv after a tampered message = %v; want ErrTampered", err)
			}
		})
	}
}

// sessFakePeer drives the other side of a handshake by hand: it sends the
// frames given, one per flight, and reads one frame per flight.
func sessFakePeer(ctx context.Context, tr Transport, frames ...[]byte) {
	for _, f := range frames {
		if tr.Send(ctx, f) != nil {
			return
		}
		if _, err := tr.Recv(ctx); err != nil {
			return
		}
	}
}

func sessFixedHello() []byte {
	return encodeSessFrame(sessHello, bytes.Repeat([]byte{0x42}, sessNonceSize))
}

func TestSessionRejectsInvalidShares(t *testing.T) {
	shares := map[string][]byte{
		"identity element":      make([]byte, sessShareSize),
		"invalid encoding":      sessUnhex("2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c"),
		"non-canonical (>= p)":  sessUnhex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
		"negative field value":  sessUnhex("0100000000000000000000000000000000000000000000000000000000000000"),
		"all bits set":          bytes.Repeat([]byte{0xff}, sessShareSize),
		"short share (31 byte)": make([]byte, sessShareSize-1),
	}
	for name, share := range shares {
		for _, side := range []Side{SideSender, SideReceiver} {
			t.Run(fmt.Sprintf("%s/%s", name, side), func(t *testing.T) {
				ctx := sessTestCtx(t)
				honest, fake, _, _ := sessPipe(4)
				go sessFakePeer(ctx, fake, sessFixedHello(), append(encodeSessFrame(sessShare, nil), share...))
				s, err := Secure(ctx, honest, "7", []byte("apple-river"), side)
				if !errors.Is(err, ErrTampered) || s != nil {
					t.Fatalf("Secure = %v; want ErrTampered", err)
				}
			})
		}
	}
}

func TestSessionPeerVersion(t *testing.T) {
	for _, v := range []byte{0, 2, maxSessionVersion - 1} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			ctx := sessTestCtx(t)
			honest, fake, _, _ := sessPipe(4)
			hello := sessFixedHello()
			hello[0] = v
			go sessFakePeer(ctx, fake, append(hello, "future fields"...))
			_, err := Secure(ctx, honest, "7", []byte("apple-river"), SideReceiver)
			if !errors.Is(err, ErrPeerVersion) {
				t.Fatalf("Secure = %v; want ErrPeerVersion", err)
			}
			if !bytes.Contains([]byte(err.Error()), []byte("upgrade ferry")) {
				t.Errorf("error %q does not say what to do", err)
			}
		})
	}
}

// TestSessionGarbageIsAWrongCode: whatever a joiner sends that is not
// ferry's key exchange, the sender hears "wrong code — or someone tried to
// guess it" (exit 3), never that someone must upgrade ferry.
func TestSessionGarbageIsAWrongCode(t *testing.T) {
	cases := map[string][][]byte{
		"text":                 {[]byte("hello, is this the code?")},
		"http request":         {[]byte("GET / HTTP/1.1\r\nHost: ferry\r\n\r\n")},
		"random bytes":         {bytes.Repeat([]byte{0x9c, 0x01, 0xfe}, 40)},
		"empty":                {{}},
		"one byte":             {{7}},
		"hello, then garbage":  {sessFixedHello(), []byte("not a share")},
		"hello, then identity": {sessFixedHello(), encodeSessFrame(sessShare, make([]byte, sessShareSize))},
	}
	for name, frames := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := sessTestCtx(t)
			honest, fake, _, _ := sessPipe(4)
			go sessFakePeer(ctx, fake, frames...)
			_, err := Secure(ctx, honest, "7", []byte("apple-river"), SideSender)
			if !errors.Is(err, ErrWrongCode) || errors.Is(err, ErrPeerVersion) {
				t.Fatalf("Secure = %v; want ErrWrongCode, not ErrPeerVersion", err)
			}
			if !strings.Contains(err.Error(), "someone tried to guess it") || strings.Contains(err.Error(), "upgrade") {
				t.Errorf("error %q: want the wrong-code advice, no word of upgrading", err)
			}
		})
	}
}

func TestSessionUnexpectedHandshakeFrames(t *testing.T) {
	cases := map[string][][]byte{
		"share instead of hello":  {encodeSessFrame(sessShare, make([]byte, sessShareSize))},
		"sealed instead of hello": {encodeSessFrame(sessSealed, make([]byte, 40))},
		"hello twice":             {sessFixedHello(), sessFixedHello()},
		"short hello":             {sessFixedHello()[:20]},
		"unknown frame type":      {append([]byte{sessionVersion, 99}, make([]byte, 32)...)},
	}
	for name, frames := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := sessTestCtx(t)
			honest, fake, _, _ := sessPipe(4)
			go sessFakePeer(ctx, fake, frames...)
			if _, err := Secure(ctx, honest, "7", []byte("apple-river"), SideSender); !errors.Is(err, ErrTampered) {
				t.Fatalf("Secure = %v; want ErrTampered", err)
			}
		})
	}
}

func sessUnhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
