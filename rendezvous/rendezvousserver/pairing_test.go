package rendezvousserver_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

func TestPairAndRelayBothWaysInOrder(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{
		ICEServers: []rendezvous.ICEServer{{URLs: []string{"stun:127.0.0.1:3478"}}, {URLs: []string{"turn:127.0.0.1:3478"}, Username: "u", Credential: "c"}},
	})
	sender, receiver, _ := pair(t, srv.URL)
	for _, c := range []*rendezvousclient.Conn{sender, receiver} {
		ice := c.ICEServers()
		if len(ice) != 2 || ice[0].URLs[0] != "stun:127.0.0.1:3478" || ice[1].Username != "u" || ice[1].Credential != "c" {
			t.Errorf("ICEServers() = %+v, want the server's configuration", ice)
		}
	}

	const n = 100
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for _, d := range []struct {
		name     string
		from, to *rendezvousclient.Conn
	}{{"s2r", sender, receiver}, {"r2s", receiver, sender}} {
		wg.Go(func() {
			for i := range n {
				if err := d.from.Send(ctx, fmt.Appendf(nil, "%s-%d", d.name, i)); err != nil {
					t.Errorf("%s Send %d: %v", d.name, i, err)
					return
				}
			}
		})
		wg.Go(func() {
			for i := range n {
				got, err := d.to.Recv(ctx)
				if err != nil {
					t.Errorf("%s Recv %d: %v", d.name, i, err)
					return
				}
				if want := fmt.Sprintf("%s-%d", d.name, i); string(got) != want {
					t.Errorf("%s message %d = %q, want %q", d.name, i, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestRelayKeepsBinaryBodies(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	sender, receiver, _ := pair(t, srv.URL)
	ctx := testCtx(t)
	body := make([]byte, 256)
	for i := range body {
		body[i] = byte(i)
	}
	for _, b := range [][]byte{body, {}, []byte("\x00\xff{\"type\":\"error\"}")} {
		if err := sender.Send(ctx, b); err != nil {
			t.Fatal(err)
		}
		got, err := receiver.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, b) {
			t.Fatalf("relayed %x, want %x", got, b)
		}
	}
}

func TestConcurrentSendersWhileReceiving(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	sender, receiver, _ := pair(t, srv.URL)
	ctx := testCtx(t)
	const goroutines, each = 8, 20
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				if err := sender.Send(ctx, fmt.Appendf(nil, "%d/%d", g, i)); err != nil {
					t.Errorf("Send: %v", err)
					return
				}
			}
		})
	}
	next := make([]int, goroutines) // per goroutine, messages stay in order
	for range goroutines * each {
		b, err := receiver.Recv(ctx)
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		var g, i int
		if _, err := fmt.Sscanf(string(b), "%d/%d", &g, &i); err != nil {
			t.Fatalf("bad message %q", b)
		}
		if i != next[g] {
			t.Fatalf("goroutine %d: message %d came before %d", g, i, next[g])
		}
		next[g]++
	}
	wg.Wait()
}

// TestSlotsAreDrawnAtRandom: slots are short (two digits while few wait),
// distinct, and not numbered from 1: a waiting sender cannot be found by
// counting (issue 11, item 4).
func TestSlotsAreDrawnAtRandom(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	ctx := testCtx(t)
	seen := map[string]bool{}
	dense := true
	for i := 1; i <= 6; i++ { // at most 6 in use: the space stays 1..99
		c := dial(t, srv.URL)
		slot, err := c.Allocate(ctx)
		if err != nil {
			t.Fatalf("Allocate: %v", err)
		}
		n, err := strconv.Atoi(slot)
		if err != nil || n < 1 || n > 99 || seen[slot] {
			t.Fatalf("slot %q: want a new number in 1..99", slot)
		}
		seen[slot] = true
		dense = dense && n == i
	}
	if dense {
		t.Errorf("slots %v were handed out as 1, 2, 3...: they can be found by counting", seen)
	}
}

func TestClaimChosenSlot(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	ctx := testCtx(t)
	a := dial(t, srv.URL)
	if err := a.Claim(ctx, "42"); err != nil {
		t.Fatalf("Claim(42): %v", err)
	}
	b := dial(t, srv.URL)
	err := b.Claim(ctx, "42")
	wantErr(t, err, rendezvous.ErrSlotTaken, "code already in use: pick another code or let ferry choose one")

	// Allocation never hands out a claimed slot.
	for range 10 {
		if s, err := dial(t, srv.URL).Allocate(ctx); err != nil || s == "42" {
			t.Fatalf("Allocate = %q, %v; want a slot other than 42", s, err)
		}
	}
	// The claimed slot pairs like any other.
	r := dial(t, srv.URL)
	if err := r.Join(ctx, "42"); err != nil {
		t.Fatalf("Join(42): %v", err)
	}
	if err := a.WaitPeer(ctx); err != nil {
		t.Fatalf("WaitPeer: %v", err)
	}
	exchange(t, a, r)
}

func TestClaimRejectsBadSlot(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	for _, s := range []string{"", "abc", "1a", "-1", "12345678901", "１"} {
		c := dial(t, srv.URL)
		if err := c.Claim(testCtx(t), s); err == nil {
			t.Errorf("Claim(%q) succeeded", s)
		}
	}
}

func TestJoinUnknownSlotFailsAtOnce(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	r := dial(t, srv.URL)
	err := r.Join(testCtx(t), "7")
	wantErr(t, err, rendezvous.ErrNoSuchSlot, "no sender is waiting under code 7")
}

func TestThirdClientIsRefused(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	sender, receiver, slot := pair(t, srv.URL)
	third := dial(t, srv.URL)
	err := third.Join(testCtx(t), slot)
	wantErr(t, err, rendezvous.ErrSlotUsed, "someone else already used this code")
	wantErr(t, err, rendezvous.ErrSlotTaken)
	// The pair is not disturbed.
	exchange(t, sender, receiver)
}

func TestPeerLeaves(t *testing.T) {
	for _, leaver := range []string{"sender", "receiver"} {
		t.Run(leaver, func(t *testing.T) {
			srv, log := start(t, rendezvousserver.Config{})
			sender, receiver, slot := pair(t, srv.URL)
			gone, stays := sender, receiver
			if leaver == "receiver" {
				gone, stays = receiver, sender
			}
			ctx := testCtx(t)
			// A message sent just before leaving still arrives.
			if err := gone.Send(ctx, []byte("last words")); err != nil {
				t.Fatal(err)
			}
			_ = gone.Close()
			b, err := stays.Recv(ctx)
			if err != nil || string(b) != "last words" {
				t.Fatalf("Recv = %q, %v; want the last message", b, err)
			}
			_, err = stays.Recv(ctx)
			wantErr(t, err, rendezvous.ErrPeerGone, "the other side left")
			if err := stays.Send(ctx, []byte("hello?")); !errors.Is(err, rendezvous.ErrPeerGone) {
				t.Errorf("Send after the peer left = %v, want ErrPeerGone", err)
			}

			// The slot is free again, but the old pair is gone: a new
			// receiver finds nobody, and a new sender may claim the slot.
			log.waitFor(t, 1, "slot freed", "slot", slot)
			err = dial(t, srv.URL).Join(ctx, slot)
			wantErr(t, err, rendezvous.ErrNoSuchSlot)
			if err := dial(t, srv.URL).Claim(ctx, slot); err != nil {
				t.Fatalf("Claim(%s) after the pair ended: %v", slot, err)
			}
		})
	}
}

func TestWaitingSenderLeavesFreesSlot(t *testing.T) {
	srv, log := start(t, rendezvousserver.Config{})
	ctx := testCtx(t)
	s := dial(t, srv.URL)
	if err := s.Claim(ctx, "5"); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	log.waitFor(t, 1, "slot freed", "slot", "5")
	err := dial(t, srv.URL).Join(ctx, "5")
	wantErr(t, err, rendezvous.ErrNoSuchSlot)
	if err := dial(t, srv.URL).Claim(ctx, "5"); err != nil {
		t.Fatalf("Claim(5) after the sender left: %v", err)
	}
}

func TestOneCodePerConnection(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	ctx := testCtx(t)
	c := dial(t, srv.URL)
	if _, err := c.Allocate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Allocate(ctx); err == nil {
		t.Fatal("a second Allocate on one connection succeeded")
	}
}

func TestManySlots(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	ctx := testCtx(t)
	seen := map[string]bool{}
	for range 20 {
		s, err := dial(t, srv.URL).Allocate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if seen[s] {
			t.Fatalf("slot %s handed out twice", s)
		}
		seen[s] = true
	}
}

func TestCallsHonourContext(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	if _, err := rendezvousclient.Dial(ctx, srv.URL); !errors.Is(err, context.Canceled) {
		t.Errorf("Dial with a cancelled context: %v", err)
	}

	s := dial(t, srv.URL)
	if _, err := s.Allocate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitPeer(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitPeer with a cancelled context: %v", err)
	}
	sender, receiver, _ := pair(t, srv.URL)
	if _, err := receiver.Recv(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Recv with a cancelled context: %v", err)
	}
	if err := sender.Send(ctx, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context: %v", err)
	}
	// A Recv that gave up leaves the connection usable.
	exchange(t, sender, receiver)
}

func TestCloseEndsPendingCalls(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	s := dial(t, srv.URL)
	if _, err := s.Allocate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.WaitPeer(testCtx(t)) }()
	_ = s.Close()
	if err := <-errc; err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitPeer after Close = %v, want a closed-connection error", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
