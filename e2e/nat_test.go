package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// NAT traversal tests: a small internet in network namespaces. A "public"
// network is a bridge in namespace pub (203.0.113.0/24, TEST-NET-3) where the
// rendezvous server and the relays run at 203.0.113.10. Two home networks
// hang off it, each a router namespace doing NAT with iptables MASQUERADE on
// its WAN side (203.0.113.2 and .3) and a host namespace behind it
// (10.0.1.2 and 10.0.2.2). The built binaries run inside the namespaces with
// ip netns exec; nothing touches the host's own interfaces, and the
// namespaces go when the test ends, failed or not.
//
// A router is a realistic home router: MASQUERADE (endpoint-independent
// mapping: Linux keeps the source port), and on the WAN side it accepts only
// ESTABLISHED,RELATED in both FORWARD and INPUT, i.e. port-restricted
// filtering. If unsolicited packets to the router itself were accepted,
// conntrack would book the port and MASQUERADE remap the host, and the "cone"
// NAT would silently turn symmetric. MASQUERADE --random-fully makes a
// symmetric NAT: a new port for every destination. The tests check the
// selected candidate pair's types, not only that the file arrived: a misbuilt
// cone NAT would still "work" through the relay.
//
// They need root, iproute2 and iptables (coturn for the coturn test): without
// them they skip, unless FERRY_REQUIRE_NETNS=1, as in CI.

const (
	pubIP      = "203.0.113.10"
	turnSecret = "e2e-turn-secret"
	natTimeout = 60 * time.Second
)

type natKind int

const (
	coneNAT      natKind = iota // endpoint-independent mapping, port-restricted filtering
	symmetricNAT                // MASQUERADE --random-fully
)

// requireNAT skips (or, under FERRY_REQUIRE_NETNS=1, fails) without the tools.
func requireNAT(t *testing.T, tools ...string) {
	t.Helper()
	requireNetns(t)
	for _, tool := range append([]string{"iptables", "ss"}, tools...) {
		if _, err := exec.LookPath(tool); err == nil {
			continue
		}
		missing(t, "NAT test needs %s (apt-get install iptables iproute2 coturn)", tool)
	}
}

// natNet is the small internet of one test.
type natNet struct {
	pub   string
	hosts [2]string
}

// in runs argv inside namespace ns.
func in(ns string, argv ...string) []string {
	return append([]string{"ip", "netns", "exec", ns}, argv...)
}

// newNATNet builds the public network and two home networks behind NATs of
// the given kinds.
func newNATNet(t *testing.T, kinds [2]natKind) *natNet {
	t.Helper()
	n := &natNet{pub: newNetns(t)}
	run(t, "ip", "-n", n.pub, "link", "add", "br0", "type", "bridge")
	run(t, "ip", "-n", n.pub, "addr", "add", pubIP+"/24", "dev", "br0")
	run(t, "ip", "-n", n.pub, "link", "set", "br0", "up")
	// A silent default route: packets to the home networks' private
	// addresses (peers' host candidates) vanish instead of failing with
	// "network unreachable", which makes coturn drop a whole allocation.
	run(t, "ip", "-n", n.pub, "link", "add", "sink0", "type", "veth", "peer", "name", "sink1")
	run(t, "ip", "-n", n.pub, "link", "set", "sink0", "arp", "off")
	run(t, "ip", "-n", n.pub, "link", "set", "sink0", "up")
	run(t, "ip", "-n", n.pub, "link", "set", "sink1", "up")
	run(t, "ip", "-n", n.pub, "route", "add", "default", "dev", "sink0")
	for i, kind := range kinds {
		router, host := newNetns(t), newNetns(t)
		n.hosts[i] = host
		wanIP := fmt.Sprintf("203.0.113.%d", i+2)
		lanNet := fmt.Sprintf("10.0.%d", i+1)
		port := fmt.Sprintf("port%d", i)
		run(t, "ip", "link", "add", "wan", "netns", router, "type", "veth", "peer", "name", port, "netns", n.pub)
		run(t, "ip", "-n", n.pub, "link", "set", port, "master", "br0")
		run(t, "ip", "-n", n.pub, "link", "set", port, "up")
		run(t, "ip", "-n", router, "addr", "add", wanIP+"/24", "dev", "wan")
		run(t, "ip", "-n", router, "link", "set", "wan", "up")
		run(t, "ip", "-n", router, "route", "add", "default", "via", pubIP)
		run(t, "ip", "link", "add", "lan", "netns", router, "type", "veth", "peer", "name", "eth0", "netns", host)
		run(t, "ip", "-n", router, "addr", "add", lanNet+".1/24", "dev", "lan")
		run(t, "ip", "-n", router, "link", "set", "lan", "up")
		run(t, "ip", "-n", host, "addr", "add", lanNet+".2/24", "dev", "eth0")
		run(t, "ip", "-n", host, "link", "set", "eth0", "up")
		run(t, "ip", "-n", host, "route", "add", "default", "via", lanNet+".1")
		run(t, in(router, "sysctl", "-qw", "net.ipv4.ip_forward=1")...)
		masq := []string{"iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"}
		if kind == symmetricNAT {
			masq = append(masq, "--random-fully")
		}
		run(t, in(router, masq...)...)
		for _, chain := range []string{"FORWARD", "INPUT"} {
			run(t, in(router, "iptables", "-A", chain, "-i", "wan", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT")...)
			run(t, in(router, "iptables", "-A", chain, "-i", "wan", "-j", "DROP")...)
		}
	}
	return n
}

// startServer runs ferry-rendezvous in the public namespace and returns its
// ws:// URL; its log is shown if the test fails.
func (n *natNet) startServer(t *testing.T, args ...string) string {
	t.Helper()
	return startRendezvousAt(t, in(n.pub), nil, pubIP+":0", args...).url
}

// startCoturn runs Debian's coturn in the public namespace with the TURN
// shared-secret scheme, with its own pid file, database and log, and waits
// until it listens.
func (n *natNet) startCoturn(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	argv := in(n.pub, "turnserver", "-n",
		"--listening-ip", pubIP, "--listening-port", "3478", "--relay-ip", pubIP,
		"--min-port", "49152", "--max-port", "65535",
		"--use-auth-secret", "--static-auth-secret", turnSecret, "--realm", "ferry.test",
		"--no-tls", "--no-dtls", "--no-cli", "--no-multicast-peers",
		"--pidfile", filepath.Join(dir, "turnserver.pid"),
		"--userdb", filepath.Join(dir, "turndb"),
		"--log-file", filepath.Join(dir, "turn.log"), "--simple-log",
	)
	cmd := exec.Command(argv[0], argv[1:]...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(dir, "turn*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("coturn log %s:\n%s", filepath.Base(l), b)
			}
			t.Logf("coturn output:\n%s", out)
		}
	})
	// coturn says nothing on stdout when it is ready: poll for its socket.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ss, _ := exec.Command("ip", "netns", "exec", n.pub, "ss", "-Hlun", "src", pubIP+":3478").Output()
		if len(strings.TrimSpace(string(ss))) > 0 {
			return "turn:" + pubIP + ":3478?transport=udp"
		}
		select {
		case <-exited:
			t.Fatalf("coturn exited at start:\n%s", out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("coturn did not listen on %s:3478 within 20 s:\n%s", pubIP, out)
		}
	}
}

// natResult is what the two sides of one transfer reported.
type natResult struct {
	sendCode, recvCode         int
	sendEvents, recvEvents     []event
	sender, receiver           *proc
	connectedIn, exitedIn      time.Duration // from the receiver's start
	wantSHA256, receivedSHA256 string
}

// transfer sends a random file from the first home network's host to the
// second's through the rendezvous server at url.
func (n *natNet) transfer(t *testing.T, url string) natResult {
	t.Helper()
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "nat.bin", 8<<20)
	env := []string{"FERRY_SERVER=", "FERRY_CODE=", "FERRY_ICE_SERVERS="}
	sender := start(t, env, in(n.hosts[0]), bin.ferry, "send", "--server", url, "--json", path)
	code := sender.waitEvent("code", 30*time.Second).str("code")
	begin := time.Now()
	receiver := start(t, env, in(n.hosts[1]), bin.ferry, "receive", "--server", url, "--yes", "--json", "--out", out, code)
	r := natResult{sender: sender, receiver: receiver, wantSHA256: sum}
	if _, err := findConnected(receiver); err == nil {
		r.connectedIn = time.Since(begin)
	}
	r.recvCode, r.recvEvents = receiver.wait(natTimeout)
	r.exitedIn = time.Since(begin)
	r.sendCode, r.sendEvents = sender.wait(natTimeout)
	if r.recvCode == 0 {
		r.receivedSHA256 = fileSHA256(t, filepath.Join(out, "nat.bin"))
	}
	return r
}

// findConnected waits for the receiver's connected event, or its exit.
func findConnected(p *proc) (event, error) {
	timeout := time.After(natTimeout)
	for {
		select {
		case e, ok := <-p.events:
			if !ok {
				return nil, fmt.Errorf("exited")
			}
			if e.str("event") == "connected" {
				return e, nil
			}
		case <-timeout:
			return nil, fmt.Errorf("timeout")
		}
	}
}

// delivered fails the test unless both sides succeeded and the file arrived.
func (r natResult) delivered(t *testing.T) {
	t.Helper()
	if r.recvCode != 0 || r.sendCode != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", r.recvCode, r.sendCode, r.receiver.stderr, r.sender.stderr)
	}
	if r.receivedSHA256 != r.wantSHA256 {
		t.Fatalf("received sha256 %s, want %s", r.receivedSHA256, r.wantSHA256)
	}
}

// routes returns each side's connected event.
func (r natResult) routes(t *testing.T) map[string]event {
	t.Helper()
	out := map[string]event{}
	for side, events := range map[string][]event{"sender": r.sendEvents, "receiver": r.recvEvents} {
		e, ok := findEvent(events, "connected")
		if !ok {
			t.Fatalf("%s: no connected event", side)
		}
		out[side] = e
	}
	return out
}

// wantRelayed checks that both sides report the relay, with a relay
// candidate in the selected pair.
func (r natResult) wantRelayed(t *testing.T) {
	t.Helper()
	for side, e := range r.routes(t) {
		if e.str("route") != "relay" || (e.str("local_type") != "relay" && e.str("remote_type") != "relay") {
			t.Errorf("%s: connected %v, want route relay with a relay candidate in the pair", side, e)
		}
	}
	t.Logf("connected through the relay %.1f s after the receiver started; done after %.1f s", r.connectedIn.Seconds(), r.exitedIn.Seconds())
}

// TestNATConeToConeIsDirect: both peers behind endpoint-independent NATs
// connect directly, each to the other's NAT mapping (server-reflexive or
// peer-reflexive), although a relay is offered.
func TestNATConeToConeIsDirect(t *testing.T) {
	requireNAT(t)
	n := newNATNet(t, [2]natKind{coneNAT, coneNAT})
	url := n.startServer(t, "--turn-listen", pubIP+":3478")
	r := n.transfer(t, url)
	r.delivered(t)
	for side, e := range r.routes(t) {
		local, remote := e.str("local_type"), e.str("remote_type")
		if e.str("route") != "direct" || local == "relay" || (remote != "srflx" && remote != "prflx") {
			t.Errorf("%s: connected %v, want route direct to the peer's NAT mapping (remote srflx or prflx)", side, e)
		}
	}
	t.Logf("connected directly %.1f s after the receiver started", r.connectedIn.Seconds())
}

// TestNATSymmetricUsesEmbeddedRelay: a symmetric NAT on one side and a
// port-restricted one on the other leave no direct path; ferry-rendezvous's
// own relay carries the file.
func TestNATSymmetricUsesEmbeddedRelay(t *testing.T) {
	requireNAT(t)
	n := newNATNet(t, [2]natKind{coneNAT, symmetricNAT})
	url := n.startServer(t, "--turn-listen", pubIP+":3478")
	r := n.transfer(t, url)
	r.delivered(t)
	r.wantRelayed(t)
}

// TestNATSymmetricUsesCoturn: the same through Debian's coturn, configured
// with the shared secret (use-auth-secret) that ferry-rendezvous mints
// credentials with.
func TestNATSymmetricUsesCoturn(t *testing.T) {
	requireNAT(t, "turnserver")
	n := newNATNet(t, [2]natKind{symmetricNAT, coneNAT})
	turnURL := n.startCoturn(t)
	url := n.startServer(t, "--stun", "stun:"+pubIP+":3478", "--turn", turnURL, "--turn-secret", turnSecret)
	r := n.transfer(t, url)
	r.delivered(t)
	r.wantRelayed(t)
}

// TestNATSymmetricWithoutRelayFails: with STUN but no TURN offered, both
// sides give up with exit 6 and say why, within 30 s, with the real default
// timeouts.
func TestNATSymmetricWithoutRelayFails(t *testing.T) {
	requireNAT(t)
	n := newNATNet(t, [2]natKind{coneNAT, symmetricNAT})
	// A second ferry-rendezvous serves only as the STUN server.
	n.startServer(t, "--turn-listen", pubIP+":3478")
	url := n.startServer(t, "--stun", "stun:"+pubIP+":3478")
	r := n.transfer(t, url)
	if r.exitedIn > 30*time.Second {
		t.Errorf("the receiver gave up after %.1f s, want within 30 s", r.exitedIn.Seconds())
	}
	for side, res := range map[string]struct {
		code   int
		events []event
	}{"sender": {r.sendCode, r.sendEvents}, "receiver": {r.recvCode, r.recvEvents}} {
		if res.code != 6 {
			t.Errorf("%s: exit code %d, want 6", side, res.code)
		}
		e, ok := findEvent(res.events, "error")
		msg := e.str("message")
		if !ok || e.str("kind") != "no_route" || !strings.Contains(msg, "no direct path") || !strings.Contains(msg, "offers no relay") {
			t.Errorf("%s: error event %v, want kind no_route saying there is no direct path and no relay", side, e)
		}
		if _, ok := findEvent(res.events, "connected"); ok {
			t.Errorf("%s: connected without a path", side)
		}
	}
	t.Logf("receiver exited %d after %.1f s", r.recvCode, r.exitedIn.Seconds())
}
