//go:build linux

package e2e

import (
	"fmt"
	"net"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/turncreds"
	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
	"golang.org/x/sys/unix"
)

// The built-in relay, attacked as the internet would: ferry-rendezvous runs
// in namespace "relay" with the public address 198.51.100.1 (a veth to the
// attacker's namespace, 198.51.100.2) and a private NIC to namespace
// "lan", where UDP echo services listen on 10.99.0.1, 192.168.1.1 and
// 100.64.0.1 (the VPC of a cloud VM). The attacker holds valid credentials
// and asks the relay for permissions to the private services, to the relay
// host's own addresses and to the relay's own port: all refused, and no
// echo comes back through the relay, while an echo service at a public
// address answers (the test can see an answer). Every address lives in
// namespaces the test creates.

const attackSecret = "e2e-attack-secret"

// inNetns runs f on an OS thread in namespace ns: sockets made there stay
// in ns when used from any goroutine. The thread is discarded afterwards.
func inNetns(t *testing.T, ns string, f func()) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		fd, err := syscall.Open("/var/run/netns/"+ns, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer syscall.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		f()
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// udpIn opens a UDP socket on addr in namespace ns.
func udpIn(t *testing.T, ns, addr string) net.PacketConn {
	t.Helper()
	var pc net.PacketConn
	var err error
	inNetns(t, ns, func() { pc, err = net.ListenPacket("udp4", addr) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// echoIn runs a UDP echo service on addr in namespace ns and returns its address.
func echoIn(t *testing.T, ns, addr string) *net.UDPAddr {
	t.Helper()
	pc := udpIn(t, ns, addr)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr)
}

// startRelayServer runs ferry-rendezvous with the relay in namespace ns,
// the secret from the environment, and waits until its relay started.
func startRelayServer(t *testing.T, ns string, args ...string) *rendezvousProc {
	t.Helper()
	r := startRendezvousAt(t, in(ns), []string{"FERRY_RENDEZVOUS_TURN_SECRET=" + attackSecret}, "198.51.100.1:0", args...)
	r.waitLog(t, regexp.MustCompile(`msg="relay started"`))
	return r
}

// attacker allocates on the relay at 198.51.100.1:port from namespace ns
// with credentials minted under the server's secret.
func attacker(t *testing.T, ns string, port int) (*turn.Client, net.PacketConn) {
	t.Helper()
	server := fmt.Sprintf("198.51.100.1:%d", port)
	user, pass := turncreds.Credentials(attackSecret, "attacker", time.Now().Add(time.Hour))
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: server, TURNServerAddr: server,
		Conn: udpIn(t, ns, "198.51.100.2:0"), Username: user, Password: pass,
		RTO: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relayed, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocation with valid credentials: %v", err)
	}
	t.Cleanup(func() { relayed.Close() })
	return c, relayed
}

// answered sends a STUN binding request (which an echo service and a STUN
// server both answer) through the relay to dst, and reports an answer.
func answered(relayed net.PacketConn, dst *net.UDPAddr) bool {
	req := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
	if _, err := relayed.WriteTo(req.Raw, dst); err != nil {
		return false
	}
	_ = relayed.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
	buf := make([]byte, 1500)
	_, _, err := relayed.ReadFrom(buf)
	return err == nil
}

func TestRelayRefusesPrivateNetworksAndItself(t *testing.T) {
	requireNetns(t)
	relayNS, lanNS, netNS := newNetns(t), newNetns(t), newNetns(t)
	link(t, relayNS, netNS) // 198.51.100.1 (relay) - 198.51.100.2 (attacker)
	run(t, "ip", "link", "add", "vpc0", "netns", relayNS, "type", "veth", "peer", "name", "vpc1", "netns", lanNS)
	for _, a := range [][2]string{{"10.99.0.254/24", "10.99.0.1/24"}, {"192.168.1.254/24", "192.168.1.1/24"}, {"100.64.0.254/10", "100.64.0.1/10"}} {
		run(t, "ip", "-n", relayNS, "addr", "add", a[0], "dev", "vpc0")
		run(t, "ip", "-n", lanNS, "addr", "add", a[1], "dev", "vpc1")
	}
	run(t, "ip", "-n", relayNS, "link", "set", "vpc0", "up")
	run(t, "ip", "-n", lanNS, "link", "set", "vpc1", "up")

	const turnPort = 3478 // in the test's own namespace: nothing else there
	public := echoIn(t, netNS, "198.51.100.2:0")
	targets := map[string]*net.UDPAddr{
		"VPC service 10.99.0.1":          echoIn(t, lanNS, "10.99.0.1:0"),
		"VPC service 192.168.1.1":        echoIn(t, lanNS, "192.168.1.1:0"),
		"VPC service 100.64.0.1":         echoIn(t, lanNS, "100.64.0.1:0"),
		"relay host's VPC address":       {IP: net.IPv4(10, 99, 0, 254), Port: turnPort},
		"relay host's loopback":          {IP: net.IPv4(127, 0, 0, 1), Port: turnPort},
		"relay's own public port":        {IP: net.IPv4(198, 51, 100, 1), Port: turnPort},
		"relay host's service on 10.99":  nil, // filled below
		"relay host's service on public": nil,
	}
	hostEcho := echoIn(t, relayNS, "0.0.0.0:0")
	targets["relay host's service on 10.99"] = &net.UDPAddr{IP: net.IPv4(10, 99, 0, 254), Port: hostEcho.Port}
	targets["relay host's service on public"] = &net.UDPAddr{IP: net.IPv4(198, 51, 100, 1), Port: hostEcho.Port}

	srv := startRelayServer(t, relayNS, "--turn-listen", fmt.Sprintf(":%d", turnPort), "--turn-public-ip", "198.51.100.1")
	c, relayed := attacker(t, netNS, turnPort)
	if !answered(relayed, public) {
		t.Fatalf("the public echo service at %s did not answer through the relay: the test cannot see answers", public)
	}
	for name, dst := range targets {
		if err := c.CreatePermission(dst); err == nil {
			t.Errorf("%s (%s): permission granted", name, dst)
		}
		if answered(relayed, dst) {
			t.Errorf("%s (%s): answered through the relay", name, dst)
		}
	}
	if n := strings.Count(srv.log.String(), `msg="relay refused permission"`); n == 0 {
		t.Errorf("no refused permission in the log")
	}

	// Allowed the VPC range explicitly (a LAN relay), the relay still never
	// reaches its own port on the host's VPC address.
	startRelayServer(t, relayNS, "--turn-listen", fmt.Sprintf(":%d", turnPort+1), "--turn-public-ip", "198.51.100.1", "--turn-allow-peer", "10.0.0.0/8")
	_, relayed = attacker(t, netNS, turnPort+1)
	if !answered(relayed, targets["VPC service 10.99.0.1"]) {
		t.Errorf("with --turn-allow-peer 10.0.0.0/8 the VPC service did not answer")
	}
	if own := (&net.UDPAddr{IP: net.IPv4(10, 99, 0, 254), Port: turnPort + 1}); answered(relayed, own) {
		t.Errorf("the relay's own port on %s answered through the relay", own)
	}
}
