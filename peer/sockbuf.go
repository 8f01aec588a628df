package peer

import (
	"fmt"
	"net"
	"sync"
	"syscall"

	"github.com/pion/transport/v5"
)

// The kernel's default UDP socket buffers (about 200 KiB on Linux) overflow at
// data-channel speeds and the dropped packets cost SCTP retransmissions: the
// measurements in DESIGN.md ("Targets") found 4 MiB buffers worth a third more
// throughput. pion leaves its sockets at the default, so bufferedNet hands
// pion sockets with larger buffers.

// minSocketBuffer is where growing a buffer gives up on an OS that refuses
// large sizes outright (macOS) instead of capping them (Linux).
const minSocketBuffer = 64 << 10

// bufferedNet is the network pion uses (webrtc.SettingEngine.SetNet): the
// standard one, except that every UDP socket gets larger buffers.
type bufferedNet struct {
	transport.Net
	size int // asked for; <= 0 leaves the OS default

	mu           sync.Mutex
	gotRead      int // smallest buffer granted so far; 0 = none measured yet
	gotWrite     int
	measureError error
}

func (n *bufferedNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	n.enlarge(c)
	return newBatchConn(c), nil
}

func (n *bufferedNet) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := n.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	n.enlarge(c)
	return c, nil
}

// bufferSetter is what *net.UDPConn offers for its buffers.
type bufferSetter interface {
	SetReadBuffer(bytes int) error
	SetWriteBuffer(bytes int) error
}

// enlarge asks for n.size bytes of buffer each way, halving on refusal, and
// records what the OS granted.
func (n *bufferedNet) enlarge(c any) {
	bs, ok := c.(bufferSetter)
	if !ok || n.size <= 0 {
		return
	}
	for size := n.size; size >= minSocketBuffer && bs.SetReadBuffer(size) != nil; size /= 2 {
	}
	for size := n.size; size >= minSocketBuffer && bs.SetWriteBuffer(size) != nil; size /= 2 {
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	read, write, err := socketBuffers(sc)
	n.mu.Lock()
	defer n.mu.Unlock()
	if err != nil {
		n.measureError = err
		return
	}
	if n.gotRead == 0 || read < n.gotRead {
		n.gotRead = read
	}
	if n.gotWrite == 0 || write < n.gotWrite {
		n.gotWrite = write
	}
}

// warning says, once sockets were made, whether the OS granted less buffer than
// asked for, and how to raise its limit; "" when all is well or unknown.
func (n *bufferedNet) warning() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.size <= 0 || n.gotRead == 0 || n.measureError != nil {
		return ""
	}
	if n.gotRead >= n.size && n.gotWrite >= n.size {
		return ""
	}
	return fmt.Sprintf("the OS capped the UDP socket buffers at %s (receive) and %s (send), below the %s asked for: "+
		"transfers may be slower; %s", kib(n.gotRead), kib(n.gotWrite), kib(n.size), raiseLimitHint(n.size))
}

func kib(b int) string {
	if b >= 1<<20 && b%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", b>>20)
	}
	return fmt.Sprintf("%d KiB", b>>10)
}
