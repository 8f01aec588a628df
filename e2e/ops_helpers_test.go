package e2e

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// rendezvousProc is a ferry-rendezvous whose log the test reads.
type rendezvousProc struct {
	cmd  *exec.Cmd
	url  string // ws://127.0.0.1:PORT
	addr string
	log  *lockedBuffer
	done chan struct{} // closed when the process has exited; code is then set
	code int

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every log line
}

// waitLog waits for a log line matching re and returns it.
func (r *rendezvousProc) waitLog(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		for _, line := range strings.Split(r.log.String(), "\n") {
			if re.MatchString(line) {
				return line
			}
		}
		select {
		case <-changed:
		case <-r.done:
			t.Fatalf("ferry-rendezvous exited without logging %s:\n%s", re, r.log)
		case <-timeout:
			t.Fatalf("ferry-rendezvous never logged %s:\n%s", re, r.log)
		}
	}
}

// startRendezvousLogged runs ferry-rendezvous on a random loopback port with
// args, keeping its log; the test may signal it.
func startRendezvousLogged(t *testing.T, args ...string) *rendezvousProc {
	t.Helper()
	return startRendezvousAt(t, nil, nil, "127.0.0.1:0", args...)
}

// startRendezvousAt runs ferry-rendezvous listening on listen with args,
// the command line after prefix (e.g. `ip netns exec NS`), with env added to
// the environment, and waits for its listening address; its log is kept,
// and shown if the test fails.
func startRendezvousAt(t *testing.T, prefix, env []string, listen string, args ...string) *rendezvousProc {
	t.Helper()
	argv := append(append(append([]string(nil), prefix...), bin.rendezvous, "--listen", listen), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &rendezvousProc{cmd: cmd, log: &lockedBuffer{}, done: make(chan struct{}), changed: make(chan struct{})}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-r.done
		if t.Failed() {
			t.Logf("ferry-rendezvous %s log:\n%s", strings.Join(args, " "), r.log)
		}
	})
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`msg=listening addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			r.log.Write(append(sc.Bytes(), '\n'))
			r.mu.Lock()
			close(r.changed)
			r.changed = make(chan struct{})
			r.mu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		_ = cmd.Wait()
		r.code = cmd.ProcessState.ExitCode()
		close(r.done)
	}()
	select {
	case r.addr = <-found:
		r.url = "ws://" + r.addr
		return r
	case <-time.After(20 * time.Second):
		t.Fatalf("ferry-rendezvous did not log its listening address:\n%s", r.log)
		return nil
	}
}

// exited waits for the process to end and returns its exit code.
func (r *rendezvousProc) exited(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(timeout):
		t.Fatalf("ferry-rendezvous did not exit within %s:\n%s", timeout, r.log)
		return -1
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
