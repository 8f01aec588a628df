package peer

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConnectCancelledReturnsPromptly(t *testing.T) {
	sa, sb := signalerPair() // nobody answers on sb
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Connect(ctx, sa, Offerer, loopback())
		done <- err
	}()
	select {
	case <-sb.in: // the offer went out: Connect is under way
	case <-time.After(connectTimeout):
		t.Fatal("no offer was sent")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if errors.Is(err, ErrNoRoute) {
			t.Errorf("cancellation reported as ErrNoRoute: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Connect did not return within 10 s of cancellation")
	}
}

func TestConnectWithoutAnswerHitsDeadline(t *testing.T) {
	for _, role := range []Role{Offerer, Answerer} {
		sa, _ := signalerPair() // the other end never says anything
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, err := Connect(ctx, sa, role, loopback())
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrNoRoute) {
			t.Fatalf("role %d: got %v, want ErrNoRoute and context.DeadlineExceeded", role, err)
		}
		if !strings.Contains(err.Error(), "never") {
			t.Errorf("role %d: %q does not say the peer never answered", role, err)
		}
	}
}

func isCandidate(msg []byte) bool {
	return bytes.Contains(msg, []byte(`"kind":"candidate"`))
}

func TestICEFailureIsErrNoRoute(t *testing.T) {
	// Candidates are lost both ways: no pair can ever be checked. (With only
	// the answerer's lost, ICE still connects through a peer-reflexive
	// candidate: TestConnectsWithOneSidesCandidatesLost.)
	cfg := loopback()
	cfg.ICETimeout = 3 * time.Second
	sa, sb := signalerPair()
	sa.drop, sb.drop = isCandidate, isCandidate
	start := time.Now()
	ra, rb := connectBoth(t, sa, sb, cfg, cfg)
	for name, r := range map[string]result{"offerer": ra, "answerer": rb} {
		if r.err == nil {
			r.conn.Close()
			t.Errorf("%s connected without candidates", name)
			continue
		}
		if !errors.Is(r.err, ErrNoRoute) {
			t.Errorf("%s: got %v, want ErrNoRoute", name, r.err)
		}
		if !strings.Contains(r.err.Error(), "no direct path to the peer, and the server offers no relay (TURN)") {
			t.Errorf("%s: %q does not explain the failure", name, r.err)
		}
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("failure took %s with a 3 s ICE timeout", d)
	}
}

func TestConnectsWithOneSidesCandidatesLost(t *testing.T) {
	sa, sb := signalerPair()
	sb.drop = isCandidate
	ra, rb := connectBoth(t, sa, sb, loopback(), loopback())
	if ra.err != nil || rb.err != nil {
		t.Fatalf("offerer: %v; answerer: %v", ra.err, rb.err)
	}
	defer ra.conn.Close()
	defer rb.conn.Close()
	if r := ra.conn.Route(); r.RemoteType != "prflx" || !r.Direct {
		t.Errorf("offerer route %+v, want a direct pair to a peer-reflexive candidate", r)
	}
}

func TestBadSignalingMessages(t *testing.T) {
	for _, tc := range []struct {
		name, msg, want string
	}{
		{"unknown kind", `{"v":1,"kind":"renegotiate"}`, `unknown kind "renegotiate"`},
		{"newer version", `{"v":2,"kind":"offer","sdp":"x"}`, "signaling version 2"},
		{"not json", `hello`, "bad signaling message"},
		{"answer to answerer", `{"v":1,"kind":"answer","sdp":"v=0"}`, "unexpected answer"},
		{"garbage sdp", `{"v":1,"kind":"offer","sdp":"v=0 nonsense"}`, "offer was refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sa, sb := signalerPair()
			if err := sb.Send(context.Background(), []byte(tc.msg)); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
			defer cancel()
			_, err := Connect(ctx, sa, Answerer, loopback())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestDecodeSignalBounds(t *testing.T) {
	big := append([]byte(`{"v":1,"kind":"offer","sdp":"`), bytes.Repeat([]byte("a"), maxSignalSize)...)
	big = append(big, `"}`...)
	if _, err := decodeSignal(big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized message: got %v, want a size-limit error", err)
	}
	for _, msg := range []string{
		`{"v":1,"kind":"candidate"}`,
		`{"v":1,"kind":"offer"}`,
		`{"kind":"end-of-candidates"}`,
		`[]`,
	} {
		if _, err := decodeSignal([]byte(msg)); !errors.Is(err, errSignal) {
			t.Errorf("%s: got %v, want errSignal", msg, err)
		}
	}
	s, err := decodeSignal(candidateSignal(signal{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"}.candidateInit()))
	if err != nil || s.Kind != kindCandidate || s.Candidate == "" {
		t.Errorf("round trip of a candidate: %+v, %v", s, err)
	}
}

func FuzzDecodeSignal(f *testing.F) {
	f.Add([]byte(`{"v":1,"kind":"offer","sdp":"v=0"}`))
	f.Add([]byte(`{"v":1,"kind":"candidate","candidate":"candidate:1 1 udp 1 ::1 9 typ host","mid":"0","mline":0}`))
	f.Add([]byte(`{"v":1,"kind":"end-of-candidates"}`))
	f.Add([]byte(`{"v":7,"kind":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSignal(b)
		if err != nil {
			if !errors.Is(err, errSignal) {
				t.Fatalf("error %v does not wrap errSignal", err)
			}
			return
		}
		if s.V != signalVersion {
			t.Fatalf("accepted version %d", s.V)
		}
		// What was accepted re-encodes to something accepted alike.
		again, err := decodeSignal(encodeSignal(s))
		if err != nil || again.Kind != s.Kind || again.SDP != s.SDP || again.Candidate != s.Candidate {
			t.Fatalf("re-encoding %+v gave %+v, %v", s, again, err)
		}
	})
}

func TestCandidatesBeforeOfferAreQueued(t *testing.T) {
	// Hold the offer back until the offerer's candidates went out: the
	// answerer gets them before any session description.
	sa, sb := signalerPair()
	var offer []byte
	early := 0
	sa.drop = func(msg []byte) bool {
		switch {
		case offer == nil && bytes.Contains(msg, []byte(`"kind":"offer"`)):
			offer = msg
			return true
		case isCandidate(msg):
			early++
		case bytes.Contains(msg, []byte(`"kind":"end-of-candidates"`)):
			sa.out <- offer
		}
		return false
	}
	ra, rb := connectBoth(t, sa, sb, loopback(), loopback())
	if ra.err != nil || rb.err != nil {
		t.Fatalf("offerer: %v; answerer: %v", ra.err, rb.err)
	}
	ra.conn.Close()
	rb.conn.Close()
	if early == 0 {
		t.Error("no candidate was sent ahead of the offer")
	}
}
