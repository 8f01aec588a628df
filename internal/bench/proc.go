package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// proc is a child process run under /usr/bin/time -v, which reports its CPU
// time and peak RSS to a file of its own. Its stdout lines are timestamped as
// they arrive; its stderr is kept for error messages.
type proc struct {
	name     string
	cmd      *exec.Cmd
	timeFile string
	started  time.Time
	lines    chan line // stdout, closed at its end
	stderr   *tailBuffer
	copied   sync.WaitGroup
}

// line is one line of a child's stdout and when it arrived.
type line struct {
	at   time.Duration // since the child was started
	text string
}

// usage is what /usr/bin/time -v measured.
type usage struct {
	CPU    float64 // user + system seconds
	RSSKiB int64   // peak resident set size
	Exit   int
}

func (r *runner) start(ctx context.Context, name string, env []string, argv ...string) (*proc, error) {
	r.procs++
	p := &proc{
		name:     name,
		timeFile: filepath.Join(r.work, fmt.Sprintf("time-%d-%s.txt", r.procs, name)),
		lines:    make(chan line, 1024),
		stderr:   &tailBuffer{max: 8 << 10},
	}
	args := append([]string{"-v", "-o", p.timeFile}, argv...)
	p.cmd = exec.CommandContext(ctx, r.timeBin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p.copied.Add(1)
	go func() {
		defer p.copied.Done()
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			l := line{at: time.Since(p.started), text: sc.Text()}
			select {
			case p.lines <- l:
			default: // nobody reads that far: drop (progress events)
			}
		}
		io.Copy(io.Discard, out)
	}()
	return p, nil
}

// waitLine returns the first stdout line for which match is true, or an
// error when the child's stdout ends first or the timeout passes.
func (p *proc) waitLine(timeout time.Duration, match func(string) bool) (line, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return line{}, fmt.Errorf("%s ended before saying what was expected: %s", p.name, p.stderr)
			}
			if match(l.text) {
				return l, nil
			}
		case <-t.C:
			return line{}, fmt.Errorf("%s said nothing expected within %s: %s", p.name, timeout, p.stderr)
		}
	}
}

// wait waits for the child to exit and returns what time measured, and the
// rest of its stdout lines.
func (p *proc) wait() (usage, []line, error) {
	var rest []line
	for l := range p.lines {
		rest = append(rest, l)
	}
	p.copied.Wait()
	err := p.cmd.Wait()
	u, perr := parseTime(p.timeFile)
	if err != nil {
		return u, rest, fmt.Errorf("%s: %w: %s", p.name, err, p.stderr)
	}
	if perr != nil {
		return u, rest, fmt.Errorf("%s: %w", p.name, perr)
	}
	return u, rest, nil
}

// kill stops a child that is no longer wanted (after another one failed).
func (p *proc) kill() {
	if p != nil && p.cmd.Process != nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
}

// parseTime reads the report of GNU time -v.
func parseTime(path string) (usage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return usage{}, fmt.Errorf("reading /usr/bin/time's report: %w", err)
	}
	var u usage
	var seen int
	for l := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ": ")
		if !ok {
			continue
		}
		switch k {
		case "User time (seconds)", "System time (seconds)":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return u, fmt.Errorf("/usr/bin/time: %q: %w", l, err)
			}
			u.CPU += f
			seen++
		case "Maximum resident set size (kbytes)":
			if u.RSSKiB, err = strconv.ParseInt(v, 10, 64); err != nil {
				return u, fmt.Errorf("/usr/bin/time: %q: %w", l, err)
			}
			seen++
		case "Exit status":
			u.Exit, _ = strconv.Atoi(v)
		}
	}
	if seen != 3 {
		return u, fmt.Errorf("/usr/bin/time wrote no CPU times or peak RSS in %s: is it GNU time?", path)
	}
	return u, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.b))
	if s == "" {
		return "(no output on stderr)"
	}
	return "stderr: " + s
}
