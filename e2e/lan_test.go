package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lan is a local network built of namespaces: hosts on one bridge (in a
// namespace of its own, the switch), 10.99.0.0/24, with no default route (a
// LAN without internet: no route to the multicast group either).
type lan struct {
	t      *testing.T
	sw     string
	nextIP int
}

func newLAN(t *testing.T) *lan {
	requireNetns(t)
	l := &lan{t: t, sw: newNetns(t), nextIP: 1}
	run(t, "ip", "-n", l.sw, "link", "add", "br0", "type", "bridge")
	run(t, "ip", "-n", l.sw, "link", "set", "br0", "up")
	return l
}

// host adds a namespace to the LAN and returns it and its address. With a
// decoy, the host first gets a docker0-style bridge (172.17.0.1/16, with a
// container link, so it is up and has a carrier), listed before the LAN.
func (l *lan) host(decoy bool) (ns, addr string) {
	t := l.t
	ns = newNetns(t)
	n := nsCounter.Add(1)
	if decoy {
		run(t, "ip", "-n", ns, "link", "add", "docker0", "type", "bridge")
		run(t, "ip", "-n", ns, "link", "add", "vethc0", "type", "veth", "peer", "name", "vethc1")
		run(t, "ip", "-n", ns, "link", "set", "vethc0", "master", "docker0", "up")
		run(t, "ip", "-n", ns, "link", "set", "vethc1", "up")
		run(t, "ip", "-n", ns, "addr", "add", "172.17.0.1/16", "dev", "docker0")
		run(t, "ip", "-n", ns, "link", "set", "docker0", "up")
	}
	nic, port := fmt.Sprintf("lan%d", n), fmt.Sprintf("sw%d", n)
	run(t, "ip", "link", "add", nic, "netns", ns, "type", "veth", "peer", "name", port, "netns", l.sw)
	run(t, "ip", "-n", l.sw, "link", "set", port, "master", "br0", "up")
	addr = fmt.Sprintf("10.99.0.%d", l.nextIP)
	l.nextIP++
	run(t, "ip", "-n", ns, "addr", "add", addr+"/24", "dev", nic)
	run(t, "ip", "-n", ns, "link", "set", nic, "up")
	return ns, addr
}

// lanSend starts `ferry send --json` with no server in ns and returns it and
// its code event.
func lanSend(t *testing.T, ns, path string, args ...string) (*proc, event) {
	t.Helper()
	sender := start(t, []string{"FERRY_SERVER=", "FERRY_CODE=", "FERRY_ADVERTISE="}, []string{"ip", "netns", "exec", ns}, bin.ferry,
		append(append([]string{"send", "--json"}, args...), path)...)
	return sender, sender.waitEvent("code", 30*time.Second)
}

// TestReceiveFindsSenderOnLAN: on a LAN with two senders, each on its own
// embedded server, one of them with a container bridge listed before its
// LAN link, `ferry receive CODE` with no --server finds the sender that holds
// its code and gets the file; the command the sender printed names the LAN
// address, never the bridge's.
func TestReceiveFindsSenderOnLAN(t *testing.T) {
	l := newLAN(t)
	nsA, addrA := l.host(true)
	nsB, _ := l.host(false)
	nsR, _ := l.host(false)

	src := t.TempDir()
	pathA, sumA := randomFile(t, src, "a.bin", 4<<20)
	pathB, _ := randomFile(t, src, "b.bin", 1<<20)
	// Chosen codes: two senders on one LAN that drew the same number would
	// each be a wrong code for the other's receiver (1 in 999 per pair).
	senderA, codeA := lanSend(t, nsA, pathA, "--code", "301-lan-alpha")
	senderB, codeB := lanSend(t, nsB, pathB, "--code", "302-lan-bravo")
	defer senderB.quit()

	if !strings.HasPrefix(codeA.str("server"), "ws://"+addrA+":") {
		t.Fatalf("sender with a docker0 bridge listed first advertised %q, want ws://%s:PORT", codeA.str("server"), addrA)
	}
	if want := "ferry receive " + codeA.str("code"); codeA.str("lan_command") != want {
		t.Fatalf("code event %v: lan_command %q, want %q", codeA, codeA.str("lan_command"), want)
	}
	if codeB.str("lan_command") == "" {
		t.Fatalf("second sender's code event %v has no lan_command", codeB)
	}

	out := t.TempDir()
	receiver := receiveVerbatim(t, nsR, codeA.str("lan_command"), out)
	rc, revents := receiver.wait(transferTimeout)
	sc, _ := senderA.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, senderA.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, "a.bin")); got != sumA {
		t.Fatalf("received sha256 %s, want %s", got, sumA)
	}
	if ce, ok := findEvent(revents, "connected"); !ok || ce.str("route") != "direct" {
		t.Fatalf("connected event %v: want direct", ce)
	}
	if names := dirNames(t, out); len(names) != 1 {
		t.Fatalf("output holds %v, want only a.bin", names)
	}

	// The same, with sender and receiver on one host (two terminals).
	pathC, sumC := randomFile(t, src, "c.bin", 1<<20)
	senderC, codeC := lanSend(t, nsR, pathC, "--code", "303-lan-charlie")
	out = t.TempDir()
	receiver = receiveVerbatim(t, nsR, codeC.str("lan_command"), out)
	if rc, _ = receiver.wait(transferTimeout); rc != 0 {
		senderC.quit()
		t.Fatalf("on one host: receiver exit %d:\n%s", rc, receiver.stderr)
	}
	sc, _ = senderC.wait(transferTimeout)
	if rc != 0 || sc != 0 || fileSHA256(t, filepath.Join(out, "c.bin")) != sumC {
		t.Fatalf("on one host: exit codes: receiver %d, sender %d\nreceiver stderr:\n%s", rc, sc, receiver.stderr)
	}
	select {
	case <-senderB.done:
		t.Fatalf("the other sender ended (%d) when it was not its code:\n%s", senderB.cmd.ProcessState.ExitCode(), senderB.stderr)
	default: // still waiting for its own receiver
	}
}

// TestReceiveOnLANWithoutSender: no sender on the LAN: the receiver says it
// found none on the local network and what to do, exit 3 (no such code).
func TestReceiveOnLANWithoutSender(t *testing.T) {
	l := newLAN(t)
	nsR, _ := l.host(false)
	receiver := start(t, []string{"FERRY_SERVER=", "FERRY_CODE="}, []string{"ip", "netns", "exec", nsR}, bin.ferry, "receive", "--yes", "--out", t.TempDir(), "7-apple-river")
	rc, _ := receiver.wait(time.Minute)
	msg := receiver.stderr.String()
	if rc != 3 || !strings.Contains(msg, "local network") || !strings.Contains(msg, "--server") {
		t.Fatalf("exit %d, stderr:\n%s\nwant 3, that no sender answered on the local network, and the advice to use --server", rc, msg)
	}
}

// TestAdvertiseChoosesTheAddress: --advertise names an interface (or an
// address) for the receive command, even a bridge ferry would pass over.
func TestAdvertiseChoosesTheAddress(t *testing.T) {
	l := newLAN(t)
	nsA, _ := l.host(true)
	src := t.TempDir()
	path, _ := randomFile(t, src, "x.bin", 1024)
	for _, c := range []struct{ flag, want string }{
		{"docker0", "ws://172.17.0.1:"},
		{"192.0.2.7", "ws://192.0.2.7:"},
	} {
		sender, code := lanSend(t, nsA, path, "--advertise", c.flag)
		sender.quit()
		if !strings.HasPrefix(code.str("server"), c.want) {
			t.Errorf("--advertise %s: server %q, want %sPORT", c.flag, code.str("server"), c.want)
		}
	}
}
