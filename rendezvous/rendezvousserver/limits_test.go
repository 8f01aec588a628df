package rendezvousserver_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/logsample"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// The short durations below only make the limits fire soon; no test asserts
// how soon.

func TestLimitMessageSizeOnClient(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{MaxMessageSize: 4096})
	sender, receiver, _ := pair(t, srv.URL)
	err := sender.Send(testCtx(t), bytes.Repeat([]byte("x"), 4096))
	wantErr(t, err, rendezvous.ErrLimit, "at most 4096 bytes", "--max-message-size")
	// Nothing was sent, and the pair still works.
	exchange(t, sender, receiver)
}

func TestLimitMessagesPerSlot(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{MaxMessagesPerSlot: 3})
	sender, receiver, _ := pair(t, srv.URL)
	ctx := testCtx(t)
	for i := range 4 {
		if err := sender.Send(ctx, []byte{byte(i)}); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	for i := range 3 {
		if b, err := receiver.Recv(ctx); err != nil || b[0] != byte(i) {
			t.Fatalf("Recv %d = %v, %v", i, b, err)
		}
	}
	for name, c := range map[string]*rendezvousclient.Conn{"sender": sender, "receiver": receiver} {
		err := recvErr(t, c)
		t.Logf("%s: %v", name, err)
		wantErr(t, err, rendezvous.ErrLimit, "at most 3 messages per code", "--max-messages-per-slot")
	}
}

// TestLimitBytesPerSlot: a pair that relays more than --max-bytes-per-slot,
// both ways together, is cut, and both sides hear which flag; what came
// before the cap arrived.
func TestLimitBytesPerSlot(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{MaxBytesPerSlot: 10000})
	sender, receiver, _ := pair(t, srv.URL)
	ctx := testCtx(t)
	chunk := bytes.Repeat([]byte("x"), 3000)
	for _, d := range []struct{ from, to *rendezvousclient.Conn }{{sender, receiver}, {receiver, sender}, {sender, receiver}} {
		if err := d.from.Send(ctx, chunk); err != nil {
			t.Fatal(err)
		}
		if _, err := d.to.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// 9,000 bytes relayed; 3,000 more would pass the cap.
	if err := receiver.Send(ctx, chunk); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*rendezvousclient.Conn{"sender": sender, "receiver": receiver} {
		err := recvErr(t, c)
		t.Logf("%s: %v", name, err)
		wantErr(t, err, rendezvous.ErrLimit, "at most 10000 bytes per code", "--max-bytes-per-slot")
	}
}

func TestLimitSlotLifetime(t *testing.T) {
	srv, log := start(t, rendezvousserver.Config{SlotLifetime: 100 * time.Millisecond})
	ctx := testCtx(t)
	s := dial(t, srv.URL)
	slot, err := s.Allocate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = s.WaitPeer(ctx)
	wantErr(t, err, rendezvous.ErrLimit, "nobody used the code within 100ms", "--slot-lifetime")
	log.waitFor(t, 1, "slot freed", "slot", slot)
	err = dial(t, srv.URL).Join(ctx, slot)
	wantErr(t, err, rendezvous.ErrNoSuchSlot)
}

func TestLimitHandshakeTimeout(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{HandshakeTimeout: 200 * time.Millisecond})
	sender, receiver, _ := pair(t, srv.URL)
	for _, c := range []*rendezvousclient.Conn{sender, receiver} {
		err := recvErr(t, c)
		wantErr(t, err, rendezvous.ErrLimit, "did not finish connecting within 200ms", "--handshake-timeout")
	}
}

func TestLimitSlotsTotal(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{MaxSlots: 2})
	ctx := testCtx(t)
	for range 2 {
		if _, err := dial(t, srv.URL).Allocate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_, err := dial(t, srv.URL).Allocate(ctx)
	wantErr(t, err, rendezvous.ErrLimit, "2 codes in use", "--max-slots")
	err = dial(t, srv.URL).Claim(ctx, "77")
	wantErr(t, err, rendezvous.ErrLimit, "--max-slots")
}

func TestLimitSlotsPerIP(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{SlotsPerIPPerMinute: 2})
	ctx := testCtx(t)
	for range 2 {
		c := dial(t, srv.URL)
		if _, err := c.Allocate(ctx); err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
	}
	_, err := dial(t, srv.URL).Allocate(ctx)
	wantErr(t, err, rendezvous.ErrLimit, "at most 2 per minute", "--slots-per-ip")
}

func TestLimitJoinsPerIP(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{JoinsPerIPPerMinute: 1})
	ctx := testCtx(t)
	err := dial(t, srv.URL).Join(ctx, "3")
	wantErr(t, err, rendezvous.ErrNoSuchSlot)
	err = dial(t, srv.URL).Join(ctx, "3")
	wantErr(t, err, rendezvous.ErrLimit, "at most 1 per minute", "--joins-per-ip")
}

func TestLimitIdleTimeout(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{IdleTimeout: 100 * time.Millisecond})
	c := dial(t, srv.URL)
	err := c.WaitPeer(testCtx(t))
	wantErr(t, err, rendezvous.ErrLimit, "without asking for or using a code", "--idle-timeout")
}

func TestIdleTimeoutSparesClientsWithCodes(t *testing.T) {
	// Long enough for a loaded machine to Allocate or Join right after Dial.
	srv, log := start(t, rendezvousserver.Config{IdleTimeout: time.Second})
	ctx := testCtx(t)
	s := dial(t, srv.URL)
	slot, err := s.Allocate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A connection opened after the sender's code is idle for longer than
	// the timeout once it is cut: the sender has been waiting longer still.
	idle := dial(t, srv.URL)
	wantErr(t, idle.WaitPeer(ctx), rendezvous.ErrLimit, "--idle-timeout")
	r := dial(t, srv.URL)
	if err := r.Join(ctx, slot); err != nil {
		t.Fatalf("Join after the idle timeout: %v", err)
	}
	if err := s.WaitPeer(ctx); err != nil {
		t.Fatal(err)
	}
	exchange(t, s, r)
	if n, _ := log.count("rejected", "code", "limit_idle_timeout"); n != 1 {
		t.Errorf("%d connections cut as idle, want 1", n)
	}
}

// TestRejectionLogIsSampled: a client can make the server reject it at will
// (unknown codes, limits), so rejections are logged sampled per reason: 60
// joins to codes nobody waits under give at most a burst of lines, not 60.
func TestRejectionLogIsSampled(t *testing.T) {
	srv, log := start(t, rendezvousserver.Config{JoinsPerIPPerMinute: 1000})
	ctx := testCtx(t)
	for i := range 60 {
		c := dial(t, srv.URL)
		wantErr(t, c.Join(ctx, fmt.Sprint(900+i)), rendezvous.ErrNoSuchSlot, "no sender is waiting")
	}
	// Each client hears its error only after the server logged (or
	// counted) the rejection.
	n, _ := log.count("rejected", "code", "no_such_slot")
	if n == 0 || n > logsample.DefaultBurst {
		t.Fatalf("%d rejection lines for 60 unknown codes, want 1 to %d (sampled)", n, logsample.DefaultBurst)
	}
}
