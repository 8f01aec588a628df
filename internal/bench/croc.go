package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// croc side by side: croc 10.7.0, installed on demand with go install into a
// directory of the run's own, moves the same file through its own relay on
// loopback, all three inside a network namespace made for the run, so that
// croc reaches nothing beyond this host (no public relay, no LAN discovery).
// Its MB/s is the file's size over the receiver's whole run (croc reports
// no data phase of its own): from its start to its exit, key exchange and
// final hash included.
const (
	crocModule = "github.com/schollz/croc/v10@v10.7.0"
	crocRelay  = "127.0.0.1:9009" // croc's default relay port, alone in its namespace
)

// crocEnv is what croc needs: where it installs and runs.
type crocEnv struct {
	bin  string // the croc binary
	home string // HOME for croc's config files
	ns   string // the network namespace
}

// setupCroc installs croc and makes its namespace; the error says why it
// cannot be measured here (the measurement is then skipped with that note).
func (r *runner) setupCroc(ctx context.Context) (*crocEnv, func(), error) {
	if os.Geteuid() != 0 {
		return nil, nil, errors.New("needs root for its network namespace")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, nil, errors.New("needs iproute2 (ip) for its network namespace")
	}
	dir, err := os.MkdirTemp(r.work, "croc-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	install := exec.CommandContext(ctx, "go", "install", crocModule)
	install.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod")
	if out, err := install.CombinedOutput(); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("go install %s: %v: %s", crocModule, err, strings.TrimSpace(string(out)))
	}
	ns := fmt.Sprintf("ferry-bench-croc-%d", os.Getpid())
	for _, argv := range [][]string{{"ip", "netns", "add", ns}, {"ip", "-n", ns, "link", "set", "lo", "up"}} {
		if out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput(); err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, out)
		}
	}
	c := &crocEnv{bin: filepath.Join(dir, "croc"), ns: ns}
	done := func() {
		c.stopAll()
		_ = exec.Command("ip", "netns", "del", ns).Run()
		cleanup()
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		done()
		return nil, nil, err
	}
	c.home = home
	return c, done, nil
}

// stopAll ends every process in the namespace: killing GNU time, which the
// benchmark runs each one under, leaves its child (the relay) running.
func (c *crocEnv) stopAll() {
	out, _ := exec.Command("ip", "netns", "pids", c.ns).Output()
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		}
	}
}

// inNS is argv run in the croc namespace, its stderr joined to stdout (croc
// writes what it says to either).
func (c *crocEnv) inNS(argv ...string) []string {
	return append([]string{"ip", "netns", "exec", c.ns, "sh", "-c", `exec "$0" "$@" 2>&1`}, argv...)
}

// croc moves file with croc through its own relay and measures both ends.
func (r *runner) croc(ctx context.Context, c *crocEnv, file string, size int64) (sample, error) {
	r.slot++
	code := fmt.Sprintf("%d-bench-croc-run", 1000+r.slot)
	out := filepath.Join(r.work, fmt.Sprintf("received-croc-%d", r.slot))
	if err := os.MkdirAll(out, 0o755); err != nil {
		return sample{}, err
	}
	defer os.RemoveAll(out)
	env := []string{"HOME=" + c.home, "CROC_SECRET=" + code}
	relay, err := r.start(ctx, "croc-relay", env, c.inNS(c.bin, "relay", "--host", "127.0.0.1")...)
	if err != nil {
		return sample{}, err
	}
	defer func() {
		c.stopAll() // the relay, and whatever a failed run left
		relay.kill()
	}()
	if _, err := relay.waitLine(30*time.Second, func(s string) bool { return strings.Contains(s, "starting TCP server on 0.0.0.0:9013") }); err != nil {
		return sample{}, err
	}
	send, err := r.start(ctx, "croc-send", env, c.inNS(c.bin, "--relay", crocRelay, "--yes", "send", file)...)
	if err != nil {
		return sample{}, err
	}
	if _, err := send.waitLine(60*time.Second, func(s string) bool { return strings.Contains(s, "Code is:") }); err != nil {
		send.kill()
		return sample{}, err
	}
	recv, err := r.start(ctx, "croc-receive", env, c.inNS(c.bin, "--relay", crocRelay, "--yes", "--overwrite", "--out", out)...)
	if err != nil {
		send.kill()
		return sample{}, err
	}
	ru, _, err := recv.wait()
	elapsed := time.Since(recv.started)
	if err != nil {
		send.kill()
		return sample{}, err
	}
	su, _, err := send.wait()
	if err != nil {
		return sample{}, err
	}
	fi, err := os.Stat(filepath.Join(out, filepath.Base(file)))
	if err != nil || fi.Size() != size {
		return sample{}, fmt.Errorf("croc's received file is missing or has the wrong size: %v", err)
	}
	return newSample(size, elapsed.Seconds(), su, ru), nil
}
