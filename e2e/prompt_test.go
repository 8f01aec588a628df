//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ferry-dev/ferry/rendezvous"
)

// openPTY opens a pseudo-terminal pair: what a program reads and writes as
// its terminal (tty), and the side a test types into and reads from.
func openPTY(t *testing.T) (controller, tty *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock the pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	controller = os.NewFile(uintptr(fd), "/dev/ptmx")
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the pty: %v", err)
	}
	t.Cleanup(func() { controller.Close(); tty.Close() })
	return controller, tty
}

// screen collects what a program writes to its terminal.
type screen struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed at each write
}

func newScreen() *screen { return &screen{changed: make(chan struct{})} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
	return s.buf.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor waits until the screen shows want: the program answers each key
// press by writing to its terminal.
func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		s.mu.Lock()
		shown, changed := strings.Contains(s.buf.String(), want), s.changed
		s.mu.Unlock()
		if shown {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("the terminal never showed %q; it shows:\n%q", want, s.String())
		}
	}
}

// uniquePrefix is the shortest start of word that no other code word shares,
// or "" when the word starts another.
func uniquePrefix(word string) string {
	for n := 1; n <= len(word); n++ {
		count := 0
		for _, w := range rendezvous.Words {
			if strings.HasPrefix(w, word[:n]) {
				count++
			}
		}
		if count == 1 {
			return word[:n]
		}
	}
	return ""
}

// TestReceivePromptsForCode: `ferry receive` with no code on a terminal asks
// for it; Tab completes each word from its first letters, and the file then
// arrives. Typed as a person would, into a real pseudo-terminal.
func TestReceivePromptsForCode(t *testing.T) {
	var w1, w2 string
	for _, w := range rendezvous.Words {
		if p := uniquePrefix(w); p != "" && len(p) < len(w) {
			if w1 == "" {
				w1 = w
			} else if w != w1 {
				w2 = w
				break
			}
		}
	}
	code := "4711-" + w1 + "-" + w2
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "asked.bin", 1<<20)
	sender := start(t, []string{"FERRY_CODE="}, nil, bin.ferry, "send", "--server", server, "--json", "--code", code, path)
	sender.waitEvent("code", 30*time.Second)

	controller, tty := openPTY(t)
	cmd := exec.Command(bin.ferry, "receive", "--server", server, "--yes", "--out", out)
	cmd.Env = append(os.Environ(), "FERRY_CODE=", "FERRY_SERVER=")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close() // the child holds it
	scr := newScreen()
	go func() { _, _ = io.Copy(scr, controller) }()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	scr.waitFor(t, "Enter the code")
	type1 := "4711-" + uniquePrefix(w1) + "\t"
	if _, err := controller.WriteString(type1); err != nil {
		t.Fatal(err)
	}
	scr.waitFor(t, "4711-"+w1+"-")
	if _, err := controller.WriteString(uniquePrefix(w2) + "\t"); err != nil {
		t.Fatal(err)
	}
	scr.waitFor(t, code)
	if _, err := controller.WriteString("\r"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("receiver: %v; terminal:\n%s", err, scr.String())
		}
	case <-time.After(transferTimeout):
		_ = cmd.Process.Kill()
		t.Fatalf("receiver did not finish; terminal:\n%s", scr.String())
	}
	if rc, _ := sender.wait(transferTimeout); rc != 0 {
		t.Fatalf("sender exit %d: %s", rc, sender.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, "asked.bin")); got != sum {
		t.Fatalf("received sha256 %s, want %s", got, sum)
	}
}

// TestDeclineTellsSender: the user at the receiver's terminal answers no;
// the sender reads "the receiver declined" (never "you declined", which is
// the receiver's own message), both exit 5 and nothing is written.
func TestDeclineTellsSender(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, _ := randomFile(t, src, "unwanted.bin", 1<<20)
	sender := start(t, []string{"FERRY_CODE="}, nil, bin.ferry, "send", "--server", server, "--code", "4712-decline-please", path)

	controller, tty := openPTY(t)
	// --wait: the receiver may join before the sender holds the code.
	cmd := exec.Command(bin.ferry, "receive", "--server", server, "--out", out, "--wait", "30s", "4712-decline-please")
	cmd.Env = append(os.Environ(), "FERRY_CODE=", "FERRY_SERVER=")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	scr := newScreen()
	go func() { _, _ = io.Copy(scr, controller) }()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	scr.waitFor(t, "Receive unwanted.bin (1.0 MiB)? [Y/n]")
	if _, err := controller.WriteString("n\r"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(transferTimeout):
		_ = cmd.Process.Kill()
		t.Fatalf("receiver did not finish; terminal:\n%s", scr.String())
	}
	if rc := cmd.ProcessState.ExitCode(); rc != 5 {
		t.Fatalf("receiver exit %d, terminal:\n%s\nwant 5", rc, scr.String())
	}
	// What it wrote last may still be on its way through the pty.
	scr.waitFor(t, "you declined unwanted.bin")
	sc, _ := sender.wait(transferTimeout)
	msg := sender.stderr.String()
	if sc != 5 || !strings.Contains(msg, "the receiver declined") || strings.Contains(msg, "you declined") {
		t.Fatalf("sender exit %d, stderr:\n%s\nwant 5 and 'the receiver declined', never 'you declined'", sc, msg)
	}
	if names := dirNames(t, out); len(names) != 0 {
		t.Fatalf("output holds %v after a decline", names)
	}
}
