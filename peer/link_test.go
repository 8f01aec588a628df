package peer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
)

type linkResult struct {
	link *Link
	err  error
}

// connectLinks runs ConnectLink on both ends, the offerer asking for
// offered connections and the answerer allowing allowed, and records every
// signaling message the offerer sends.
func connectLinks(t *testing.T, offered, allowed int) (a, b *Link, sent *[][]byte) {
	t.Helper()
	sa, sb := signalerPair()
	var mu sync.Mutex
	var log [][]byte
	sa.drop = func(msg []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		log = append(log, append([]byte(nil), msg...))
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	ca, cb := loopback(), loopback()
	ca.Parallel, cb.Parallel = offered, allowed
	ch := make(chan linkResult, 1)
	go func() {
		l, err := ConnectLink(ctx, sb, Answerer, cb)
		sb.Close()
		ch <- linkResult{l, err}
	}()
	la, err := ConnectLink(ctx, sa, Offerer, ca)
	sa.Close()
	rb := <-ch
	if err != nil || rb.err != nil {
		t.Fatalf("connect: offerer: %v; answerer: %v", err, rb.err)
	}
	t.Cleanup(func() {
		la.Close()
		rb.link.Close()
	})
	mu.Lock()
	defer mu.Unlock()
	return la, rb.link, &log
}

func TestLinkStripesOverAgreedConnections(t *testing.T) {
	for _, tc := range []struct {
		name             string
		offered, allowed int
		want             int
	}{
		{"three asked, three allowed", 3, 3, 3},
		{"four asked, two allowed", 4, 2, 2},
		{"two asked, one allowed", 2, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b, _ := connectLinks(t, tc.offered, tc.allowed)
			if a.Conns() != tc.want || b.Conns() != tc.want {
				t.Fatalf("connections: offerer %d, answerer %d; want %d", a.Conns(), b.Conns(), tc.want)
			}
			// Not a whole number of stripes, so that the last one is short.
			moveBothWays(t, a, b, 5*StripeSize*tc.want+12345)
			if !a.Route().Direct {
				t.Errorf("route %+v, want direct", a.Route())
			}
		})
	}
}

func TestLinkOfOneSpeaksPlainConnect(t *testing.T) {
	// An offerer that wants one connection sends only Connect's messages, so
	// a peer that knows nothing of parallel connections understands it.
	a, b, sent := connectLinks(t, 1, 4)
	if a.Conns() != 1 || b.Conns() != 1 {
		t.Fatalf("connections: offerer %d, answerer %d; want 1", a.Conns(), b.Conns())
	}
	for _, m := range *sent {
		if _, err := decodeSignal(m); err != nil {
			t.Errorf("offerer sent %q, which plain Connect refuses: %v", m, err)
		}
	}
	moveBothWays(t, a, b, 3*StripeSize)
}

func TestLinkEndsWithEOFAfterEveryByte(t *testing.T) {
	a, b, _ := connectLinks(t, 2, 2)
	data := randomBytes(t, 3*StripeSize+777)
	errc := make(chan error, 1)
	go func() {
		if _, err := a.Write(data); err != nil {
			errc <- err
			return
		}
		errc <- a.Close()
	}()
	got, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("read: %v (after %d bytes)", err, len(got))
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, not the %d written", len(got), len(data))
	}
	if err := b.Close(); err != nil {
		t.Errorf("answerer close: %v", err)
	}
	if err := <-errc; err != nil {
		t.Errorf("offerer write and close: %v", err)
	}
}

func TestParallelSignalingRefusesNonsense(t *testing.T) {
	for _, tc := range []struct {
		name, msg, want string
	}{
		{"too many connections", `{"v":1,"kind":"parallel","n":1000}`, "1000 parallel connections"},
		{"no connections", `{"v":1,"kind":"parallel","n":0}`, "0 parallel connections"},
		{"mux before agreeing", `{"v":1,"kind":"mux","stream":0,"data":{"v":1}}`, "before the number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sa, sb := signalerPair()
			defer sa.Close()
			if err := sa.Send(context.Background(), []byte(tc.msg)); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
			defer cancel()
			cfg := loopback()
			cfg.Parallel = 2
			_, err := ConnectLink(ctx, sb, Answerer, cfg)
			if !errors.Is(err, errSignal) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a signaling error saying %q", err, tc.want)
			}
		})
	}
}

func TestParallelMuxRefusesUnknownConnection(t *testing.T) {
	sa, sb := signalerPair()
	defer sa.Close()
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		cfg := loopback()
		cfg.Parallel = 2
		_, err := ConnectLink(ctx, sb, Answerer, cfg)
		errc <- err
	}()
	// A hostile offerer: agrees on two connections, then addresses a third.
	if err := sa.Send(ctx, []byte(`{"v":1,"kind":"parallel","n":2}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.Recv(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sa.Send(ctx, []byte(`{"v":1,"kind":"mux","stream":2,"data":{"v":1,"kind":"end-of-candidates"}}`)); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, errSignal) || !strings.Contains(err.Error(), "one of 2 parallel connections") {
		t.Fatalf("got %v, want a signaling error about the connection number", err)
	}
}

func TestParallelOutOfRange(t *testing.T) {
	cfg := loopback()
	cfg.Parallel = MaxParallel + 1
	sa, _ := signalerPair()
	if _, err := ConnectLink(context.Background(), sa, Offerer, cfg); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("got %v, want an out-of-range error", err)
	}
}

func FuzzDecodeParallel(f *testing.F) {
	f.Add([]byte(`{"v":1,"kind":"parallel","n":2}`))
	f.Add([]byte(`{"v":1,"kind":"mux","stream":1,"data":{"v":1,"kind":"end-of-candidates"}}`))
	f.Add([]byte(`{"v":1,"kind":"offer","sdp":"v=0"}`))
	f.Add([]byte(`{"v":1,"kind":"mux","stream":-1,"data":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, ok, err := decodeParallel(b)
		if err != nil && ok {
			t.Fatalf("both an error (%v) and a message", err)
		}
		if !ok {
			return
		}
		switch s.Kind {
		case kindParallel:
			if s.N < 1 || s.N > MaxParallel {
				t.Fatalf("accepted %d connections", s.N)
			}
		case kindMux:
			if len(s.Data) == 0 {
				t.Fatal("accepted a mux message without data")
			}
		default:
			t.Fatalf("accepted kind %q", s.Kind)
		}
	})
}
