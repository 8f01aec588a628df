//go:build linux

package peer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/transport/v5"
)

func listenBatch(t *testing.T) (*batchConn, netip.AddrPort) {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadBuffer(4 << 20)
	_ = c.SetWriteBuffer(4 << 20)
	bc, ok := newBatchConn(c).(*batchConn)
	if !ok {
		t.Fatal("a *net.UDPConn was not wrapped")
	}
	t.Cleanup(func() { _ = bc.Close() })
	return bc, c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// packet is the i-th test packet: its number, then filler of a size that
// varies, some larger than a reused buffer.
func packet(i int) []byte {
	size := 8 + (i*37)%1400
	if i%50 == 0 {
		size = 3000 // larger than bufferRoom, smaller than packetRoom
	}
	p := bytes.Repeat([]byte{byte(i)}, size)
	binary.BigEndian.PutUint64(p, uint64(i))
	return p
}

// TestBatchConnDeliversEveryPacketInOrder writes from several goroutines the
// way pion does (SCTP's write loop, ICE's checks) and reads on a batchConn
// too: every packet arrives whole, each writer's in its order, with the
// sender's address.
func TestBatchConnDeliversEveryPacketInOrder(t *testing.T) {
	a, _ := listenBatch(t)
	b, bAddr := listenBatch(t)
	aAddr := a.LocalAddr().(*net.UDPAddr).AddrPort()

	const writers, each = 3, 400
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				p := packet(w*each + i)
				if n, err := a.WriteToAddrPort(p, bAddr); err != nil || n != len(p) {
					t.Errorf("write %d: %d, %v", i, n, err)
					return
				}
				clear(p) // the caller may reuse its buffer at once
			}
		})
	}

	next := make([]int, writers)
	buf := make([]byte, packetRoom)
	_ = b.SetReadDeadline(time.Now().Add(10 * time.Second))
	for range writers * each {
		n, from, err := b.ReadFromAddrPort(buf)
		if err != nil {
			t.Fatalf("read after %v packets: %v", next, err)
		}
		if from != aAddr {
			t.Fatalf("packet from %v, want %v", from, aAddr)
		}
		i := int(binary.BigEndian.Uint64(buf))
		w := i / each
		if w >= writers || i != w*each+next[w] {
			t.Fatalf("got packet %d, want writer %d's packet %d", i, w, next[w])
		}
		if want := packet(i); !bytes.Equal(buf[:n], want) {
			t.Fatalf("packet %d: %d bytes differ from the %d sent", i, n, len(want))
		}
		next[w]++
	}
	wg.Wait()
}

// TestBatchConnReadFromAndWriteTo: the net.Addr forms work as the AddrPort
// ones do.
func TestBatchConnReadFromAndWriteTo(t *testing.T) {
	a, _ := listenBatch(t)
	b, bAddr := listenBatch(t)
	if _, err := a.WriteTo([]byte("hello"), net.UDPAddrFromAddrPort(bAddr)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	_ = b.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, from, err := b.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	if from.String() != a.LocalAddr().String() {
		t.Fatalf("from %v, want %v", from, a.LocalAddr())
	}
}

// TestBatchConnClose: Close sends what was queued, then reads and writes
// fail as on a closed socket, and nothing waits for ever.
func TestBatchConnClose(t *testing.T) {
	a, _ := listenBatch(t)
	b, bAddr := listenBatch(t)
	for i := range 100 {
		if _, err := a.WriteToAddrPort(packet(i), bAddr); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, packetRoom)
	_ = b.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range 100 {
		if _, _, err := b.ReadFromAddrPort(buf); err != nil {
			t.Fatalf("packet %d of those queued before Close: %v", i, err)
		}
	}
	if _, err := a.WriteToAddrPort([]byte("late"), bAddr); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v, want net.ErrClosed", err)
	}
	readErr := make(chan error, 1)
	go func() { _, _, err := b.ReadFromAddrPort(buf); readErr <- err }()
	_ = b.Close()
	if err := <-readErr; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read blocked across Close: %v, want net.ErrClosed", err)
	}
}

// TestBatchConnSkipsUnsendable: a packet the kernel refuses does not stop the
// ones queued behind it.
func TestBatchConnSkipsUnsendable(t *testing.T) {
	a, _ := listenBatch(t)
	b, bAddr := listenBatch(t)
	bad := netip.MustParseAddrPort("127.0.0.1:0") // port 0: EINVAL
	for i := range 10 {
		to := bAddr
		if i%3 == 0 {
			to = bad
		}
		if _, err := a.WriteToAddrPort(packet(i), to); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, packetRoom)
	_ = b.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, want := range []int{1, 2, 4, 5, 7, 8} {
		n, _, err := b.ReadFromAddrPort(buf)
		if err != nil {
			t.Fatalf("waiting for packet %d: %v", want, err)
		}
		if got := int(binary.BigEndian.Uint64(buf[:n])); got != want {
			t.Fatalf("got packet %d, want %d", got, want)
		}
	}
}

// TestBatchConnOnlyWrapsUDPSockets: anything but a *net.UDPConn (a virtual
// network's socket in tests) is left alone.
func TestBatchConnOnlyWrapsUDPSockets(t *testing.T) {
	var c transport.UDPConn = struct{ transport.UDPConn }{}
	if got := newBatchConn(c); got != c {
		t.Fatalf("wrapped %T", got)
	}
}
