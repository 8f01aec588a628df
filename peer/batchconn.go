//go:build linux

package peer

import (
	"errors"
	"net"
	"net/netip"
	"sync"

	"github.com/pion/transport/v5"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// pion sends every SCTP packet with its own sendto and reads each with its
// own recvmsg: on loopback that is about a quarter of the sender's CPU and a
// sixth of the receiver's (issue 15's profiles). batchConn moves the packets
// of a host candidate's socket in batches instead, with sendmmsg and recvmmsg,
// without delaying any packet:
//
//   - a write copies the packet into a queue and returns; one goroutine per
//     socket sends what is queued, all of it in one call, so while it is in
//     the kernel the next packets gather behind it (an idle socket sends a
//     lone packet at once);
//   - a read that finds nothing buffered asks the kernel for up to
//     readBatch packets that are already there, and hands them out one by
//     one.
//
// pion/ice uses the AddrPort methods of a connection that has them, for
// reading and writing alike.

const (
	readBatch  = 32       // packets one recvmmsg may return
	writeBatch = 64       // packets one sendmmsg may send
	maxQueued  = 512      // packets queued before a writer waits
	packetRoom = 8 << 10  // the largest packet read in full (pion/ice reads up to 8 KiB too)
	bufferRoom = 1500 + 1 // a queued packet's buffer, reused unless the packet is larger
)

// batchIO is what x/net's ipv4 and ipv6 PacketConns share.
type batchIO interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// batchConn is a UDP socket of pion's whose packets move in batches.
type batchConn struct {
	transport.UDPConn // the socket: what is not overridden below
	io                batchIO

	rmu   sync.Mutex
	rmsgs []ipv4.Message // made at the first read
	rnext int            // the next of rmsgs[:rn] to hand out
	rn    int

	wmu      sync.Mutex
	wcond    sync.Cond // wmu: queue changed, or closed
	queue    []ipv4.Message
	spare    []ipv4.Message // the flusher's batch, swapped with queue
	free     [][]byte
	closed   bool
	lastAddr netip.AddrPort
	lastUDP  *net.UDPAddr // lastAddr as a net.Addr: reused, since it is never changed
	done     chan struct{}
}

// newBatchConn wraps a UDP socket made by ListenUDP; a socket it cannot batch
// (not a *net.UDPConn) comes back as it is.
func newBatchConn(c transport.UDPConn) transport.UDPConn {
	udp, ok := c.(*net.UDPConn)
	if !ok {
		return c
	}
	b := &batchConn{UDPConn: c, done: make(chan struct{})}
	if la, ok := udp.LocalAddr().(*net.UDPAddr); ok && la.IP.To4() == nil && la.IP != nil && !la.IP.IsUnspecified() {
		b.io = ipv6.NewPacketConn(udp)
	} else {
		b.io = ipv4.NewPacketConn(udp)
	}
	b.wcond.L = &b.wmu
	go b.flush()
	return b
}

// ReadFromAddrPort returns the next packet; it reads a batch when none is
// left from the last.
func (b *batchConn) ReadFromAddrPort(p []byte) (int, netip.AddrPort, error) {
	b.rmu.Lock()
	defer b.rmu.Unlock()
	if b.rnext >= b.rn {
		if b.rmsgs == nil {
			b.rmsgs = make([]ipv4.Message, readBatch)
			for i := range b.rmsgs {
				b.rmsgs[i].Buffers = [][]byte{make([]byte, packetRoom)}
			}
		}
		n, err := b.io.ReadBatch(b.rmsgs, 0)
		if err != nil {
			return 0, netip.AddrPort{}, err
		}
		b.rnext, b.rn = 0, n
	}
	m := &b.rmsgs[b.rnext]
	b.rnext++
	var from netip.AddrPort
	if ua, ok := m.Addr.(*net.UDPAddr); ok {
		from = ua.AddrPort()
	}
	return copy(p, m.Buffers[0][:m.N]), from, nil
}

// ReadFrom is ReadFromAddrPort for callers that want a net.Addr.
func (b *batchConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := b.ReadFromAddrPort(p)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// WriteToAddrPort queues a copy of p for addr; it waits only while maxQueued
// packets are queued already. Like a UDP write, success says nothing of
// delivery: an error the kernel reports for a queued packet is dropped with it.
func (b *batchConn) WriteToAddrPort(p []byte, addr netip.AddrPort) (int, error) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	for len(b.queue) >= maxQueued && !b.closed {
		b.wcond.Wait()
	}
	if b.closed {
		return 0, net.ErrClosed
	}
	var buf []byte
	if n := len(b.free); n > 0 && len(p) <= bufferRoom {
		buf, b.free = b.free[n-1][:len(p)], b.free[:n-1]
	} else {
		buf = make([]byte, len(p), max(len(p), bufferRoom))
	}
	copy(buf, p)
	if addr != b.lastAddr || b.lastUDP == nil {
		b.lastAddr, b.lastUDP = addr, net.UDPAddrFromAddrPort(addr)
	}
	b.queue = append(b.queue, ipv4.Message{Buffers: [][]byte{buf}, Addr: b.lastUDP})
	if len(b.queue) == 1 {
		b.wcond.Broadcast() // the flusher may be waiting for work
	}
	return len(p), nil
}

// WriteTo is WriteToAddrPort for callers with a net.Addr.
func (b *batchConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return b.UDPConn.WriteTo(p, addr)
	}
	return b.WriteToAddrPort(p, ua.AddrPort())
}

// flush sends what is queued until the connection closes.
func (b *batchConn) flush() {
	defer close(b.done)
	for {
		b.wmu.Lock()
		for len(b.queue) == 0 && !b.closed {
			b.wcond.Wait()
		}
		if len(b.queue) == 0 { // closed, nothing left
			b.wmu.Unlock()
			return
		}
		batch := b.queue
		b.queue, b.spare = b.spare[:0], nil
		b.wcond.Broadcast() // writers waiting for room
		b.wmu.Unlock()

		b.send(batch)

		b.wmu.Lock()
		for i := range batch {
			if buf := batch[i].Buffers[0]; cap(buf) == bufferRoom {
				b.free = append(b.free, buf[:0])
			}
			batch[i] = ipv4.Message{}
		}
		b.spare = batch[:0]
		b.wmu.Unlock()
	}
}

// send writes batch with as few system calls as the kernel allows. A packet
// the kernel refuses (a destination it has no route to) is skipped, as a
// failed UDP write would be.
func (b *batchConn) send(batch []ipv4.Message) {
	for len(batch) > 0 {
		n, err := b.io.WriteBatch(batch[:min(len(batch), writeBatch)], 0)
		if err != nil {
			if isClosed(err) {
				return
			}
			n = max(n, 1)
		}
		batch = batch[n:]
	}
}

// Close closes the socket once what is queued is sent.
func (b *batchConn) Close() error {
	b.wmu.Lock()
	b.closed = true
	b.wcond.Broadcast()
	b.wmu.Unlock()
	<-b.done
	return b.UDPConn.Close()
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
