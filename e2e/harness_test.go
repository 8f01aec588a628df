// Package e2e runs the built ferry and ferry-rendezvous binaries against each
// other, as a user would: real processes, a real rendezvous server on a random
// loopback port, real WebRTC peers.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/testbin"
)

var bin struct {
	ferry, rendezvous string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ferry-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, b := range []struct {
		path *string
		pkg  string
	}{{&bin.ferry, testbin.Ferry}, {&bin.rendezvous, testbin.Rendezvous}} {
		if *b.path, err = testbin.Build(dir, b.pkg); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// event is one JSON Lines event; fields are kept raw for the test to read.
type event map[string]any

func (e event) str(k string) string { s, _ := e[k].(string); return s }
func (e event) num(k string) int64  { f, _ := e[k].(float64); return int64(f) }

// proc is a running ferry process whose stdout events are collected.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *lockedBuffer
	events chan event
	all    []event
	done   chan struct{}
	err    error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs a binary with args; env entries are added to the environment.
// prefix, when given, runs the binary under another command (e.g. ip netns exec).
// Its stdout is read as JSON Lines events.
func start(t *testing.T, env []string, prefix []string, binary string, args ...string) *proc {
	t.Helper()
	return startIO(t, nil, nil, env, prefix, binary, args...)
}

// startIO is start with the process's stdin and stdout given; with a non-nil
// stdout, no events are read.
func startIO(t *testing.T, stdin io.Reader, stdoutTo io.Writer, env []string, prefix []string, binary string, args ...string) *proc {
	t.Helper()
	argv := append(append(append([]string{}, prefix...), binary), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = stdin
	p := &proc{t: t, cmd: cmd, stderr: &lockedBuffer{}, events: make(chan event), done: make(chan struct{})}
	cmd.Stderr = p.stderr
	var stdout io.Reader = strings.NewReader("")
	if stdoutTo != nil {
		cmd.Stdout = stdoutTo
	} else {
		pipe, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout = pipe
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	// The reader never waits for the test: a sender announces every file it
	// sent, and one that could not write its events would stop sending (a
	// test waiting on the receiver first then hung). Events queue here, in
	// order, for waitEvent.
	in := make(chan event)
	go forward(in, p.events)
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("%s printed a line on stdout that is not JSON: %q", filepath.Base(binary), sc.Text())
				continue
			}
			mu.Lock()
			p.all = append(p.all, e)
			mu.Unlock()
			in <- e
		}
		close(in)
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.quit()
			if t.Failed() {
				t.Logf("%s was still running when the test ended; stderr (with a goroutine dump):\n%s", filepath.Base(binary), p.stderr.String())
			}
		}
	})
	return p
}

// forward passes events from in to out in order, holding as many as out's
// reader leaves waiting, so that a send on in never blocks; it closes out
// after the last one once in is closed.
func forward(in <-chan event, out chan<- event) {
	var queue []event
	for in != nil || len(queue) > 0 {
		var next chan<- event
		var head event
		if len(queue) > 0 {
			next, head = out, queue[0]
		}
		select {
		case e, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			queue = append(queue, e)
		case next <- head:
			queue = queue[1:]
		}
	}
	close(out)
}

// quit ends a process that should have ended: SIGQUIT first, so that a Go
// program prints where each goroutine stands, then SIGKILL.
func (p *proc) quit() {
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// waitEvent returns the next event named name, failing the test on timeout or exit.
func (p *proc) waitEvent(name string, timeout time.Duration) event {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e, ok := <-p.events:
			if !ok {
				p.t.Fatalf("process exited before a %q event; stderr:\n%s", name, p.stderr.String())
			}
			if e.str("event") == name {
				return e
			}
		case <-deadline:
			p.t.Fatalf("no %q event within %s; stderr:\n%s", name, timeout, p.stderr.String())
		}
	}
}

// wait waits for the process to exit and returns its exit code and all its events.
func (p *proc) wait(timeout time.Duration) (int, []event) {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.quit()
		p.t.Fatalf("process did not exit within %s; stderr (with a goroutine dump):\n%s", timeout, p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode(), p.all
}

func findEvent(events []event, name string) (event, bool) {
	for _, e := range events {
		if e.str("event") == name {
			return e, true
		}
	}
	return nil, false
}

// startRendezvous runs ferry-rendezvous on a random loopback port and returns its ws:// URL.
func startRendezvous(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin.rendezvous, append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	addrRE := regexp.MustCompile(`listening.*addr=(\S+)`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- strings.Trim(m[1], `"`)
			}
		}
	}()
	select {
	case addr := <-found:
		return "ws://" + addr
	case <-time.After(20 * time.Second):
		t.Fatal("ferry-rendezvous did not log its listening address")
		return ""
	}
}

// randomFile writes n random bytes to dir/name and returns its path and SHA-256.
func randomFile(t *testing.T, dir, name string, n int64) (string, string) {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.Reader, n); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(h.Sum(nil))
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("expected file: %v", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}
