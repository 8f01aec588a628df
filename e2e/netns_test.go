package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Tests in this file build hosts out of network namespaces. They need root and
// iproute2: without them they skip, unless FERRY_REQUIRE_NETNS=1 (as in CI),
// where a missing tool fails the test.

func requireNetns(t *testing.T) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "needs root"
	} else if _, err := exec.LookPath("ip"); err != nil {
		why = "needs iproute2 (ip)"
	}
	if why == "" {
		return
	}
	missing(t, "network namespace test %s: run the tests as root with iproute2, as .ci/run does", why)
}

// missing skips a test whose prerequisite this machine lacks, saying so
// loudly; under FERRY_REQUIRE_NETNS=1 (CI, which installs them all) it fails
// the test instead.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("FERRY_REQUIRE_NETNS") == "1" {
		t.Fatalf("%s (FERRY_REQUIRE_NETNS=1: a missing prerequisite is a failure)", msg)
	}
	t.Skipf("SKIPPED: %s (set FERRY_REQUIRE_NETNS=1 to make this a failure)", msg)
}

var nsCounter atomic.Int32

func run(t *testing.T, argv ...string) {
	t.Helper()
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

// newNetns creates a namespace with loopback up, removed when the test ends.
func newNetns(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("ferry-e2e-%d-%d", os.Getpid(), nsCounter.Add(1))
	run(t, "ip", "netns", "add", name)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	run(t, "ip", "-n", name, "link", "set", "lo", "up")
	return name
}

// link connects two namespaces with a veth pair on the 198.51.100.0/24 test net.
func link(t *testing.T, a, b string) (addrA, addrB string) {
	t.Helper()
	n := nsCounter.Add(1)
	va, vb := fmt.Sprintf("fe%da", n), fmt.Sprintf("fe%db", n)
	run(t, "ip", "link", "add", va, "netns", a, "type", "veth", "peer", "name", vb, "netns", b)
	addrA, addrB = "198.51.100.1", "198.51.100.2"
	run(t, "ip", "-n", a, "addr", "add", addrA+"/24", "dev", va)
	run(t, "ip", "-n", b, "addr", "add", addrB+"/24", "dev", vb)
	run(t, "ip", "-n", a, "link", "set", va, "up")
	run(t, "ip", "-n", b, "link", "set", vb, "up")
	return addrA, addrB
}

// receiveVerbatim runs the command from the sender's code event as printed,
// adding only flags for unattended use.
func receiveVerbatim(t *testing.T, ns, command, out string) *proc {
	t.Helper()
	args := strings.Fields(command)
	if len(args) < 3 || args[0] != "ferry" || args[1] != "receive" {
		t.Fatalf("code event command %q is not a ferry receive command", command)
	}
	args = append(args[1:], "--yes", "--json", "--out", out)
	return start(t, []string{"FERRY_SERVER="}, []string{"ip", "netns", "exec", ns}, bin.ferry, args...)
}

func checkEmbeddedTransfer(t *testing.T, sendNS, recvNS, wantHost string) {
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "lan.bin", 64<<20)
	sender := start(t, []string{"FERRY_SERVER=", "FERRY_CODE="}, []string{"ip", "netns", "exec", sendNS}, bin.ferry, "send", "--json", path)
	codeEv := sender.waitEvent("code", 30*time.Second)
	if !strings.HasPrefix(codeEv.str("server"), "ws://"+wantHost+":") {
		t.Fatalf("embedded server advertised %q, want ws://%s:PORT", codeEv.str("server"), wantHost)
	}
	receiver := receiveVerbatim(t, recvNS, codeEv.str("command"), out)
	rc, revents := receiver.wait(transferTimeout)
	sc, _ := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, "lan.bin")); got != sum {
		t.Fatalf("received sha256 %s, want %s", got, sum)
	}
	if fe, ok := findEvent(revents, "file"); !ok || fe.str("sha256") != sum {
		t.Fatalf("file event %v, want sha256 %s", fe, sum)
	}
}

// TestEmbeddedServerSameHost: no --server, on a host whose only interface is
// loopback; the printed receive command works verbatim on the same host.
func TestEmbeddedServerSameHost(t *testing.T) {
	requireNetns(t)
	ns := newNetns(t)
	checkEmbeddedTransfer(t, ns, ns, "127.0.0.1")
}

// TestEmbeddedServerAcrossLAN: no --server; the receiver is another host on
// the LAN (another namespace over a veth) and runs the printed command verbatim.
func TestEmbeddedServerAcrossLAN(t *testing.T) {
	requireNetns(t)
	a, b := newNetns(t), newNetns(t)
	addrA, _ := link(t, a, b)
	checkEmbeddedTransfer(t, a, b, addrA)
}
