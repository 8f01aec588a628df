package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Spawned is a ferry-rendezvous started for a run.
type Spawned struct {
	Target
	cmd  *exec.Cmd
	done chan error
}

// FindServerBinary looks for ferry-rendezvous next to this program, then
// in PATH.
func FindServerBinary() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "ferry-rendezvous")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("ferry-rendezvous"); err == nil {
		return p, nil
	}
	return "", errors.New("loadgen: no ferry-rendezvous next to ferry-loadgen or in PATH: build both (go build -o bin/ ./cmd/...), or pass --server-bin, or --server with the URL of a running one")
}

// Spawn starts bin on a free port of 127.0.0.1 with extra args, its log on
// logw (nil: /dev/null), and waits until it answers /healthz.
func Spawn(ctx context.Context, bin string, args []string, logw io.Writer) (*Spawned, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// The server serves /metrics only on --metrics-listen.
	mport, err := freePort()
	if err != nil {
		return nil, err
	}
	maddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(mport))
	cmd := exec.Command(bin, append([]string{"--listen", addr, "--metrics-listen", maddr}, args...)...)
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("loadgen: start %s: %w", bin, err)
	}
	s := &Spawned{Target: Target{URL: "ws://" + addr, MetricsURL: "http://" + maddr + "/metrics"}, cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := hc.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("loadgen: %s %v exited at start: %v", bin, cmd.Args[1:], err)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("loadgen: %s did not answer on %s within 20s", bin, addr)
		}
	}
}

// Stop ends the server (SIGTERM, then SIGKILL after 20s).
func (s *Spawned) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("loadgen: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
