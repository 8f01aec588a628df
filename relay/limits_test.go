package relay_test

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/relay"
)

// One client address gets at most DefaultMaxAllocationsPerClient
// allocations, however many credentials (user ids) it collected.
func TestPerClientAddressCap(t *testing.T) {
	s := startRelay(t, relay.Config{})
	for i := range relay.DefaultMaxAllocationsPerClient {
		user, pass := minted(fmt.Sprintf("id%d", i), time.Hour)
		if _, err := allocate(t, s, user, pass); err != nil {
			t.Fatalf("allocation %d from one address: %v", i+1, err)
		}
	}
	user, pass := minted("one-more-id", time.Hour)
	if _, err := allocate(t, s, user, pass); turnCode(err) != 486 {
		t.Fatalf("allocation %d from one address with fresh credentials: %v, want 486 Allocation Quota Reached", relay.DefaultMaxAllocationsPerClient+1, err)
	}
	if st := s.Stats(); st.Refusals[relay.ReasonClientQuota] != 1 || st.QuotaRefusals != 1 {
		t.Errorf("stats %+v: want one client_quota refusal", st)
	}
}

// An allocation that relays nothing ends after the idle timeout; one that
// relays lives on.
func TestIdleAllocationEnds(t *testing.T) {
	s := startRelay(t, relay.Config{IdleTimeout: 300 * time.Millisecond})
	u1, p1 := minted("idle", time.Hour)
	if _, err := allocate(t, s, u1, p1); err != nil {
		t.Fatal(err)
	}
	u2, p2 := minted("busy", time.Hour)
	busy, err := allocate(t, s, u2, p2)
	if err != nil {
		t.Fatal(err)
	}
	peer := peerSocket(t)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // a packet every 50 ms keeps it in use
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_, _ = busy.WriteTo([]byte("keep"), peer.LocalAddr())
			}
		}
	}()
	defer func() { close(stop); <-done }()
	waitStats(t, s, "the unused allocation outlived --turn-idle-timeout", func(st relay.Stats) bool {
		return st.Ended[relay.EndIdle] == 1 && st.Allocations == 1
	})
	// The busy one still relays, after more than the idle timeout.
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	for range 3 {
		if _, _, err := peer.ReadFrom(make([]byte, 100)); err != nil {
			t.Fatalf("the allocation in use stopped relaying: %v", err)
		}
	}
	if st := s.Stats(); st.Allocations != 1 || st.Ended[relay.EndIdle] != 1 {
		t.Errorf("stats %+v: want the busy allocation alive", st)
	}
}

// When no relay port is free, the refusal is counted (it was not).
func TestPortExhaustionIsCounted(t *testing.T) {
	hold, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	port := uint16(hold.LocalAddr().(*net.UDPAddr).Port)
	s := startRelay(t, relay.Config{MinPort: port, MaxPort: port})
	user, pass := minted("late", time.Hour)
	if _, err := allocate(t, s, user, pass); turnCode(err) != 508 {
		t.Fatalf("allocation with no free port: %v, want 508 Insufficient Capacity", err)
	}
	if st := s.Stats(); st.Refusals[relay.ReasonPorts] != 1 || st.Allocations != 0 {
		t.Errorf("stats %+v: want one ports refusal", st)
	}
}

// One client address cannot pull more than --turn-bandwidth-per-client
// through all its allocations together.
func TestClientBandwidthBoundsAggregate(t *testing.T) {
	const bw = 256 << 10 // bytes per second; burst a quarter of it
	s := startRelay(t, relay.Config{ClientBandwidth: bw})
	peer := peerSocket(t)
	var conns []net.PacketConn
	for i := range 4 {
		user, pass := minted(fmt.Sprintf("greedy%d", i), time.Hour)
		conn, err := allocate(t, s, user, pass)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	payload := bytes.Repeat([]byte{'x'}, 1000)
	start := time.Now()
	for range 300 { // 1.2 MB offered, in well under a second
		for _, c := range conns {
			if _, err := c.WriteTo(payload, peer.LocalAddr()); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, last := 0, start
	buf := make([]byte, 2048)
	for {
		_ = peer.SetReadDeadline(time.Now().Add(time.Second))
		n, _, err := peer.ReadFrom(buf)
		if err != nil {
			break
		}
		got, last = got+n, time.Now()
	}
	window := last.Sub(start)
	allowed := float64(bw)/4 + bw*window.Seconds()
	t.Logf("%d bytes through 4 allocations in %s; the limit allows %.0f", got, window, allowed)
	if float64(got) > 2*allowed {
		t.Errorf("one client address got %d bytes through in %s; --turn-bandwidth-per-client allows about %.0f", got, window, allowed)
	}
	if got == 0 {
		t.Error("nothing got through")
	}
	// A dropped packet has no event of its own: wait for the counter.
	waitStats(t, s, "no dropped packets counted", func(st relay.Stats) bool { return st.DroppedPackets > 0 })
}
