package peer

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/logging"
	"github.com/pion/transport/v5/vnet"
)

// lostWithin is the promise of issue 12 item 10: a vanished peer is noticed
// within 10 s of its last packet.
const lostWithin = 10 * time.Second

// wan is a virtual network (pion's vnet) between an offerer at 10.0.0.1 and
// an answerer at 10.0.0.2, with a one-way delay, random loss, and a switch
// that silences the offerer as SIGSTOP would: its packets no longer arrive.
type wan struct {
	a, b     Config
	silenced atomic.Bool
}

const wanOfferer = "10.0.0.1"

// lossySize is how much TestSlowLossyPathIsNotLost moves each way.
const lossySize = 256 << 10

func newWAN(t *testing.T, delay time.Duration, lossPercent int) *wan {
	t.Helper()
	router, err := vnet.NewRouter(&vnet.RouterConfig{
		CIDR:          "10.0.0.0/24",
		MinDelay:      delay,
		LoggerFactory: logging.NewDefaultLoggerFactory(),
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &wan{}
	router.AddChunkFilter(func(c vnet.Chunk) bool {
		if w.silenced.Load() && c.SourceAddr().(*net.UDPAddr).IP.String() == wanOfferer {
			return false
		}
		return lossPercent == 0 || rand.IntN(100) >= lossPercent
	})
	var nets [2]*vnet.Net
	for i, ip := range []string{wanOfferer, "10.0.0.2"} {
		if nets[i], err = vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}}); err != nil {
			t.Fatal(err)
		}
		if err := router.AddNet(nets[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { router.Stop() }) //nolint:errcheck // the test is over
	onWAN := func(ip net.IP) bool { return !ip.IsLoopback() }
	w.a = Config{net: nets[0], IPFilter: onWAN}
	w.b = Config{net: nets[1], IPFilter: onWAN}
	return w
}

// TestSilentPeerIsLost: once the offerer's packets stop arriving (as when
// it is suspended), the answerer's blocked Read and its Write blocked on
// backpressure both fail within lostWithin with the lost error, and the
// offerer, which hears nothing back either, gives up too.
func TestSilentPeerIsLost(t *testing.T) {
	w := newWAN(t, 10*time.Millisecond, 0)
	a, b := connectPair(t, w.a, w.b)
	if _, err := a.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(b, make([]byte, 5)); err != nil {
		t.Fatal(err)
	}

	readErr, writeErr := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := b.Read(make([]byte, 10))
		readErr <- err
	}()
	go func() {
		// The offerer reads nothing: far more than HighWater blocks.
		_, err := b.Write(make([]byte, 64<<20))
		writeErr <- err
	}()
	// Whether the writer is already blocked on backpressure when the silence
	// starts or gets there after (nothing is acknowledged any more), it must
	// wake up.
	w.silenced.Store(true)
	silent := time.Now()

	for name, ch := range map[string]chan error{"read": readErr, "write": writeErr} {
		select {
		case err := <-ch:
			took := time.Since(silent)
			t.Logf("answerer's %s failed %.1fs after the offerer went silent: %v", name, took.Seconds(), err)
			if !errors.Is(err, errPeerLost) {
				t.Errorf("answerer's %s: %v, want the lost-peer error", name, err)
			}
			if took > lostWithin {
				t.Errorf("answerer's %s failed only after %s, want at most %s", name, took, lostWithin)
			}
		case <-time.After(lostWithin + 15*time.Second):
			t.Fatalf("answerer's %s still blocked %s after the offerer went silent", name, lostWithin+15*time.Second)
		}
	}
	// The offerer hears nothing either (the answerer's packets reach it,
	// but it is the answerer that stopped answering as far as ICE can
	// tell once it gave up): its Read fails too.
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, a)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("offerer's read ended cleanly, want an error")
		}
	case <-time.After(lostWithin + 15*time.Second):
		t.Fatal("offerer's read still blocked")
	}
	closed := make(chan error, 1)
	go func() { closed <- b.Close() }()
	select {
	case err := <-closed:
		t.Logf("answerer's Close after the loss: %v", err)
	case <-time.After(2 * DefaultCloseTimeout):
		t.Fatal("answerer's Close hangs after the loss")
	}
}

// TestSlowLossyPathIsNotLost: a live path with 300 ms one way and 10% loss
// stays idle for longer than LostTimeout (only ICE keepalives flow) and
// then carries data both ways, SCTP retransmitting all along, and never
// reports the peer lost. (At that loss SCTP moves a few KiB/s: the test
// moves as much as it can in the time it has.)
func TestSlowLossyPathIsNotLost(t *testing.T) {
	if testing.Short() {
		t.Skip("moves data over a slow virtual network")
	}
	w := newWAN(t, 300*time.Millisecond, 10)
	a, b := connectPair(t, w.a, w.b)
	start := time.Now()
	idle := time.NewTimer(DefaultLostTimeout + 5*time.Second)
	<-idle.C // the idle pause is what is tested, not a synchronisation
	moveBothWays(t, a, b, lossySize)
	t.Logf("idle %s, then %d KiB each way in %s", DefaultLostTimeout+5*time.Second, lossySize>>10, time.Since(start))
}

// TestLinkLossReachesEveryConn: when one connection of a link is lost, a
// Read waiting on another one fails at once instead of waiting for that one
// to notice (or forever, when only one path broke).
func TestLinkLossReachesEveryConn(t *testing.T) {
	la, lb, _ := connectLinks(t, 2, 2)
	if lb.Conns() != 2 {
		t.Fatalf("%d connections, want 2", lb.Conns())
	}
	if _, err := la.Write(bytes.Repeat([]byte{1}, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(lb, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	// The next bytes come on the first connection; the second is lost.
	lost := time.Now()
	lb.conns[1].lost(errors.New("test: second connection lost"))
	readErr := make(chan error, 1)
	go func() {
		_, err := lb.Read(make([]byte, 10))
		readErr <- err
	}()
	select {
	case err := <-readErr:
		if err == nil {
			t.Fatal("link read succeeded after a connection was lost")
		}
		t.Logf("link read failed %s after the second connection was lost: %v", time.Since(lost), err)
	case <-time.After(5 * time.Second):
		t.Fatal("link read still blocked on the first connection 5s after the second was lost")
	}
}

// stuckChannel is a data channel whose Read blocks until Close, as pion's
// does while a dead association is torn down.
type stuckChannel struct {
	datachannel.ReadWriteCloser // nil: only Read and Close are called
	closed                      chan struct{}
}

func (s *stuckChannel) Read([]byte) (int, error) {
	<-s.closed
	return 0, io.EOF
}

func (s *stuckChannel) Close() error { close(s.closed); return nil }

// TestReadWakesWhenLost: a Read waiting for data returns as soon as the
// connection is declared lost, without waiting for pion's teardown to end
// the read loop.
func TestReadWakesWhenLost(t *testing.T) {
	dc := &stuckChannel{closed: make(chan struct{})}
	defer dc.Close()
	var r reader
	closing, dead := make(chan struct{}), make(chan struct{})
	r.start(dc, DefaultMaxMessageSize, closing)
	readErr := make(chan error, 1)
	go func() {
		_, err := r.read(make([]byte, 10), closing, dead)
		readErr <- err
	}()
	close(dead)
	select {
	case err := <-readErr:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read after the loss: %v, want net.ErrClosed (Conn.Read reports why)", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read still blocked 5s after the connection was lost")
	}
}
