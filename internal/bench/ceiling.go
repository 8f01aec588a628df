package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"

	"github.com/ferry-dev/ferry/internal/linesig"
	"github.com/ferry-dev/ferry/internal/tune"
	"github.com/ferry-dev/ferry/peer"
)

// The ceiling: a bare pion data channel between two processes, no files, no
// hashing, no framing. peer.ConnectBare sets it up exactly as ferry's Conn is
// set up (the same settings, and the same runtime tuning, tune.Apply), so
// that whatever ferry tunes, the ceiling has too.

// ceilingConfig is the peer configuration ferry uses against a rendezvous
// server that offers no ICE servers (internal/cli passes only the ICE
// servers; everything else is peer's default).
func ceilingConfig() peer.Config { return peer.Config{} }

// connectTimeout bounds the setup of a measurement.
const connectTimeout = 60 * time.Second

// result is what the receiving end of a measurement prints on its last line.
type result struct {
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"` // first byte received to last
	Setup   float64 `json:"setup"`   // start of the process to the first byte
	Route   string  `json:"route,omitempty"`
}

// endMessage is what the receiver sends back over the signaling connection
// once it has every byte; the sender then tears down.
const endMessage = "received"

func ceilingRecvCmd(ctx context.Context, args []string, stdout io.Writer) error {
	start := time.Now()
	fs := newFlags("ceiling-recv", stdout)
	total := fs.Int64("bytes", 0, "bytes to receive")
	listen := fs.String("listen", "127.0.0.1:0", "address to wait for the sender's signaling on")
	if err := parse(fs, args); err != nil {
		return err
	}
	tune.Apply()
	defer tune.StartCPUProfile()()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("ceiling-recv: %w", err)
	}
	defer ln.Close()
	fmt.Fprintf(stdout, "listen %s\n", ln.Addr())
	c, err := ln.Accept()
	if err != nil {
		return fmt.Errorf("ceiling-recv: %w", err)
	}
	defer c.Close()
	sig := linesig.New(c, c)
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	b, err := peer.ConnectBare(cctx, sig, peer.Answerer, ceilingConfig())
	if err != nil {
		return fmt.Errorf("ceiling-recv: %w", err)
	}
	defer b.Close()
	buf := make([]byte, b.MaxMessage())
	var got int64
	var first time.Time
	for got < *total {
		n, err := b.ReadMessage(buf)
		if err != nil {
			return fmt.Errorf("ceiling-recv: after %d of %d bytes: %w", got, *total, err)
		}
		if first.IsZero() {
			first = time.Now()
		}
		got += int64(n)
	}
	r := b.Route()
	res := result{Bytes: got, Seconds: time.Since(first).Seconds(), Setup: first.Sub(start).Seconds(), Route: r.Local + " " + r.Remote}
	if err := sig.Send(ctx, []byte(endMessage)); err != nil {
		return fmt.Errorf("ceiling-recv: %w", err)
	}
	return json.NewEncoder(stdout).Encode(res)
}

func ceilingSendCmd(ctx context.Context, args []string) error {
	fs := newFlags("ceiling-send", io.Discard)
	total := fs.Int64("bytes", 0, "bytes to send")
	addr := fs.String("connect", "", "the receiver's signaling address")
	if err := parse(fs, args); err != nil {
		return err
	}
	tune.Apply()
	defer tune.StartCPUProfile()()
	c, err := net.Dial("tcp", *addr)
	if err != nil {
		return fmt.Errorf("ceiling-send: %w", err)
	}
	defer c.Close()
	sig := linesig.New(c, c)
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	b, err := peer.ConnectBare(cctx, sig, peer.Offerer, ceilingConfig())
	if err != nil {
		return fmt.Errorf("ceiling-send: %w", err)
	}
	defer b.Close()
	buf := randomBlock(1 << 20)
	msg := b.MessageSize()
	for sent := int64(0); sent < *total; {
		n := int(min(int64(msg), *total-sent))
		off := int(sent % int64(len(buf)-msg))
		if err := b.WriteMessage(buf[off : off+n]); err != nil {
			return fmt.Errorf("ceiling-send: after %d of %d bytes: %w", sent, *total, err)
		}
		sent += int64(n)
	}
	return awaitEnd(ctx, sig)
}

// awaitEnd waits for the receiver to say it has everything.
func awaitEnd(ctx context.Context, sig *linesig.Signaler) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	m, err := sig.Recv(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("waiting for the receiver to confirm: %w", err)
	case string(m) != endMessage:
		return fmt.Errorf("waiting for the receiver to confirm: got %.40q", m)
	}
	return nil
}

// randomBlock returns n incompressible bytes (data for the senders that do
// not read files).
func randomBlock(n int) []byte {
	var seed [32]byte
	rng := rand.NewChaCha8(seed)
	b := make([]byte, n)
	_, _ = rng.Read(b)
	return b
}

var errShort = errors.New("the stream ended early")
