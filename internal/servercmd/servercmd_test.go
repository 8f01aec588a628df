package servercmd_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/servercmd"
	"github.com/ferry-dev/ferry/internal/testbin"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

const testTimeout = 60 * time.Second

// lines collects what a server writes to stderr, line by line.
type lines struct {
	mu   sync.Mutex
	all  []string
	next chan string
}

func readLines(r io.Reader) *lines {
	l := &lines{next: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.mu.Lock()
			l.all = append(l.all, sc.Text())
			l.mu.Unlock()
			select {
			case l.next <- sc.Text():
			default:
			}
		}
		close(l.next)
	}()
	return l
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n")
}

// waitFor returns the first line matching re, and its submatches.
func (l *lines) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	timeout := time.After(testTimeout)
	for {
		select {
		case line, ok := <-l.next:
			if !ok {
				t.Fatalf("output ended without a line matching %s:\n%s", re, l)
			}
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-timeout:
			t.Fatalf("no line matching %s:\n%s", re, l)
		}
	}
}

var listeningText = regexp.MustCompile(`msg=listening addr=(\S+)`)

func healthz(t *testing.T, addr string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("/healthz = %d %q", resp.StatusCode, body)
	}
}

func TestServeHealthzAndShutDownOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	out := readLines(pr)
	var stdout bytes.Buffer
	exit := make(chan int, 1)
	go func() {
		exit <- servercmd.Main(ctx, []string{"--listen", "127.0.0.1:0", "--log-level", "debug"}, &stdout, pw)
		pw.Close()
	}()
	addr := out.waitFor(t, listeningText)[1]
	healthz(t, addr)

	// A real client gets a slot, and hears why when the server stops.
	cctx, ccancel := context.WithTimeout(t.Context(), testTimeout)
	defer ccancel()
	c, err := rendezvousclient.Dial(cctx, "ws://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	slot, err := c.Allocate(cctx)
	if err != nil || slot == "" { // drawn at random (rendezvous/rendezvousserver/slotnums.go)
		t.Fatalf("Allocate = %q, %v", slot, err)
	}

	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit code %d, want 0; output:\n%s", code, out)
		}
	case <-time.After(testTimeout):
		t.Fatal("server did not stop after its context ended")
	}
	if err := c.WaitPeer(cctx); !errors.Is(err, rendezvous.ErrUnreachable) || !strings.Contains(err.Error(), "the server is restarting; run the same command again") {
		t.Errorf("client after shutdown: %v, want the restart message", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
	for _, want := range []string{`msg="slot allocated" slot=` + slot + ` `, `msg="shutting down"`, `msg=stopped`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

func TestJSONLogs(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	out := readLines(pr)
	exit := make(chan int, 1)
	go func() {
		exit <- servercmd.Main(ctx, []string{"--listen", "127.0.0.1:0", "--log-format", "json"}, io.Discard, pw)
		pw.Close()
	}()
	line := out.waitFor(t, regexp.MustCompile(`^.*"msg":"listening".*$`))[0]
	var rec struct{ Msg, Addr string }
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Addr == "" {
		t.Fatalf("listening line %q: %v", line, err)
	}
	healthz(t, rec.Addr)
	cancel()
	if code := <-exit; code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"extra-arg"},
		{"--log-format", "xml"},
		{"--log-level", "loud"},
		{"--max-slots", "0"},
		{"--max-message-size", "100"},
		{"--slot-lifetime", "soon"},
		{"--idle-timeout", "-1s"},
		{"--stun", "http://example.com"},
	} {
		var stderr bytes.Buffer
		code := servercmd.Main(t.Context(), args, io.Discard, &stderr)
		if code != servercmd.ExitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if !strings.HasPrefix(stderr.String(), "ferry-rendezvous: ") || !strings.Contains(stderr.String(), "--help") {
			t.Errorf("%v: stderr %q does not explain", args, stderr.String())
		}
	}
}

func TestListenFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stderr bytes.Buffer
	code := servercmd.Main(t.Context(), []string{"--listen", ln.Addr().String()}, io.Discard, &stderr)
	if code != servercmd.ExitFailure {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "address already in use") || !strings.Contains(stderr.String(), "--listen") {
		t.Errorf("stderr %q does not explain", stderr.String())
	}
}

func TestVersionAndHelp(t *testing.T) {
	var stdout bytes.Buffer
	if code := servercmd.Main(t.Context(), []string{"--version"}, &stdout, io.Discard); code != 0 {
		t.Fatalf("--version: exit %d", code)
	}
	if !regexp.MustCompile(`^ferry-rendezvous \S+\n$`).MatchString(stdout.String()) {
		t.Errorf("--version printed %q", stdout.String())
	}
	stdout.Reset()
	if code := servercmd.Main(t.Context(), []string{"--help"}, &stdout, io.Discard); code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	for _, want := range []string{":7339", "/v1/ws", "/healthz", "--listen", "--log-format", "--log-level", "--version",
		"--max-message-size", "--max-messages-per-slot", "--slot-lifetime", "--handshake-timeout",
		"--max-slots", "--slots-per-ip", "--joins-per-ip", "--idle-timeout"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help does not mention %s", want)
		}
	}
}

func TestFlagsSetConfig(t *testing.T) {
	var got *servercmd.Options
	cmd := servercmd.NewCmd(io.Discard, io.Discard, func(_ context.Context, o *servercmd.Options) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{
		"--listen", "127.0.0.1:9", "--max-message-size", "2048", "--max-messages-per-slot", "5",
		"--slot-lifetime", "3m", "--handshake-timeout", "4s", "--max-slots", "6", "--slots-per-ip", "7",
		"--joins-per-ip", "8", "--idle-timeout", "9s", "--stun", "stun:127.0.0.1:3478",
	})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	c := got.Config
	want := rendezvousserver.Config{
		ICEServers:     []rendezvous.ICEServer{{URLs: []string{"stun:127.0.0.1:3478"}}},
		MaxMessageSize: 2048, MaxMessagesPerSlot: 5, SlotLifetime: 3 * time.Minute, HandshakeTimeout: 4 * time.Second,
		MaxSlots: 6, SlotsPerIPPerMinute: 7, JoinsPerIPPerMinute: 8, IdleTimeout: 9 * time.Second,
	}
	if got.Listen != "127.0.0.1:9" || c.MaxMessageSize != want.MaxMessageSize || c.MaxMessagesPerSlot != want.MaxMessagesPerSlot ||
		c.SlotLifetime != want.SlotLifetime || c.HandshakeTimeout != want.HandshakeTimeout || c.MaxSlots != want.MaxSlots ||
		c.SlotsPerIPPerMinute != want.SlotsPerIPPerMinute || c.JoinsPerIPPerMinute != want.JoinsPerIPPerMinute ||
		c.IdleTimeout != want.IdleTimeout || len(c.ICEServers) != 1 || c.ICEServers[0].URLs[0] != "stun:127.0.0.1:3478" {
		t.Fatalf("options = %+v, want %+v", got, want)
	}
	// Without flags, the defaults.
	cmd = servercmd.NewCmd(io.Discard, io.Discard, func(_ context.Context, o *servercmd.Options) error {
		got = o
		return nil
	})
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Listen != servercmd.DefaultListen || got.Config.MaxSlots != rendezvousserver.DefaultConfig().MaxSlots {
		t.Fatalf("defaults = %+v", got)
	}
}

// TestBinarySIGTERM builds ferry-rendezvous and stops it with a real signal.
func TestBinarySIGTERM(t *testing.T) {
	bin := testbin.ForTest(t, testbin.Rendezvous)
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0")
	pr, pw := io.Pipe()
	defer pw.Close()
	cmd.Stderr = pw
	out := readLines(pr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := out.waitFor(t, listeningText)[1]
	healthz(t, addr)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, regexp.MustCompile(`msg=stopped`))
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, out)
		}
	case <-time.After(testTimeout):
		t.Fatal("no exit after SIGTERM")
	}
}
