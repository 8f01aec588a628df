package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/peer"
)

// runner holds what one `ferry-bench run` shares between its measurements.
type runner struct {
	bin     string // directory holding ferry, ferry-rendezvous and ferry-bench
	work    string // scratch directory on tmpfs: the files sent and received
	timeBin string // GNU time
	log     io.Writer
	server  string // URL of the rendezvous server
	procs   int    // children started, to name their files
	slot    int    // last code slot used
}

// runOptions are the flags of `ferry-bench run`.
type runOptions struct {
	bin, work, out, timeBin string
	size                    int64
	runs                    int
	rssSizes                []int64
	kinds                   []string
	corpus                  string
}

var allKinds = []string{kindCeiling, kindFerry, kindTCP, kindText, kindParallel, kindParallel4, kindParallel8, kindDefault, kindProcs, kindCroc}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o runOptions
	fs := newFlags("run", stderr)
	self, _ := os.Executable()
	fs.StringVar(&o.bin, "bin", filepath.Dir(self), "directory with the built ferry, ferry-rendezvous and ferry-bench")
	fs.StringVar(&o.work, "work", "/dev/shm/ferry-bench", "scratch directory for the files, on tmpfs (needs twice the largest size free)")
	fs.StringVar(&o.out, "out", "bench-out", "directory for results.json, results.md and bench.svg")
	fs.StringVar(&o.timeBin, "time", "/usr/bin/time", "GNU time, for CPU time and peak RSS")
	size := fs.String("size", "1GiB", "size of the file of the main measurements")
	fs.IntVar(&o.runs, "runs", 3, "runs of each measurement; the table shows medians")
	rss := fs.String("rss-sizes", "256MiB,2GiB", "other file sizes ferry moves once each, to compare peak RSS (empty: none)")
	fs.StringVar(&o.corpus, "corpus", defaultCorpus(), "directory of .go files for the text measurement, e.g. $(go env GOROOT)/src")
	kinds := fs.String("kinds", strings.Join(allKinds, ","), "measurements to make: "+strings.Join(allKinds, ", "))
	if err := parse(fs, args); err != nil {
		return err
	}
	var err error
	if o.size, err = parseSize(*size); err != nil {
		return usageError{fmt.Errorf("-size: %w", err)}
	}
	if *rss != "" {
		for _, s := range strings.Split(*rss, ",") {
			n, err := parseSize(s)
			if err != nil {
				return usageError{fmt.Errorf("-rss-sizes: %w", err)}
			}
			o.rssSizes = append(o.rssSizes, n)
		}
	}
	for _, k := range strings.Split(*kinds, ",") {
		if !slices.Contains(allKinds, k) {
			return usageError{fmt.Errorf("-kinds: unknown measurement %q (choose from %s)", k, strings.Join(allKinds, ", "))}
		}
		o.kinds = append(o.kinds, k)
	}
	if o.runs < 1 {
		return usageError{errors.New("-runs must be at least 1")}
	}
	rep, err := run(ctx, o, stderr)
	if err != nil {
		return err
	}
	return rep.write(o.out, stdout)
}

func run(ctx context.Context, o runOptions, log io.Writer) (*report, error) {
	r := &runner{bin: o.bin, work: o.work, timeBin: o.timeBin, log: log}
	if err := r.check(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return nil, fmt.Errorf("work directory: %w", err)
	}
	if w := tmpfsWarning(o.work); w != "" {
		fmt.Fprintln(log, "warning:", w)
	}
	rep := newReport(o)
	stopServer, err := r.startServer(ctx)
	if err != nil {
		return nil, err
	}
	defer stopServer()

	var crocs *crocEnv
	if slices.Contains(o.kinds, kindCroc) {
		c, done, err := r.setupCroc(ctx)
		if err != nil {
			fmt.Fprintf(log, "croc: skipped: %v\n", err)
			rep.Notes = append(rep.Notes, "croc not measured: "+err.Error())
			o.kinds = slices.DeleteFunc(slices.Clone(o.kinds), func(k string) bool { return k == kindCroc })
		} else {
			defer done()
			crocs = c
		}
	}
	var main, text string
	if slices.Contains(o.kinds, kindDefault) && peer.DefaultParallel() == 1 {
		rep.Notes = append(rep.Notes, "The default is one connection on this machine: the ferry row.")
		o.kinds = slices.DeleteFunc(slices.Clone(o.kinds), func(k string) bool { return k == kindDefault })
	}
	if slices.ContainsFunc(o.kinds, func(k string) bool { return k != kindCeiling && k != kindTCP && k != kindText }) {
		if main, err = r.makeFile("random", o.size, randomFile); err != nil {
			return nil, err
		}
		defer os.Remove(main)
	}
	if slices.Contains(o.kinds, kindText) {
		if text, err = r.makeFile("text", o.size, textCorpus(o.corpus)); err != nil {
			return nil, err
		}
		defer os.Remove(text)
	}
	for i := range o.runs {
		for _, k := range order(o.kinds, i) {
			fmt.Fprintf(log, "run %d/%d: %s, %s ... ", i+1, o.runs, k, humanSize(o.size))
			var s sample
			var err error
			switch k {
			case kindCeiling:
				s, err = r.pair(ctx, "ceiling", o.size)
			case kindTCP:
				s, err = r.pair(ctx, "tcp", o.size)
			case kindFerry:
				s, err = r.ferry(ctx, main, o.size, "--parallel", "1")
			case kindDefault:
				s, err = r.ferry(ctx, main, o.size)
			case kindText:
				s, err = r.ferry(ctx, text, o.size, "--parallel", "1")
			case kindParallel, kindParallel4, kindParallel8:
				s, err = r.ferry(ctx, main, o.size, "--parallel", strconv.Itoa(conns(k)))
			case kindProcs:
				s, err = r.ferryEnv(ctx, []string{"GOMAXPROCS=" + strconv.Itoa(manyProcs)}, main, o.size, "--parallel", "1")
			case kindCroc:
				s, err = r.croc(ctx, crocs, main, o.size)
			}
			if err != nil {
				fmt.Fprintln(log, "failed")
				return nil, fmt.Errorf("%s, run %d: %w", k, i+1, err)
			}
			s.Kind, s.Run = k, i+1
			fmt.Fprintln(log, s.brief())
			rep.add(s)
		}
	}
	if slices.Contains(o.kinds, kindFerry) {
		for _, size := range o.rssSizes {
			if size == o.size {
				continue
			}
			fmt.Fprintf(log, "peak RSS: ferry, %s ... ", humanSize(size))
			f, err := r.makeFile("random", size, randomFile)
			if err != nil {
				return nil, err
			}
			s, err := r.ferry(ctx, f, size, "--parallel", "1")
			os.Remove(f)
			if err != nil {
				fmt.Fprintln(log, "failed")
				return nil, fmt.Errorf("ferry, %s: %w", humanSize(size), err)
			}
			s.Kind, s.Run = kindFerry, 1
			fmt.Fprintln(log, s.brief())
			rep.add(s)
		}
	}
	return rep, nil
}

// order is the sequence of measurements in run i (from 0). It rotates from
// run to run, so that no measurement always follows the same one, and keeps
// the ceiling and ferry back to back (which goes first alternates): this
// machine's speed drifts over minutes (other jobs share it), and their
// run-by-run ratio should compare them in the same state.
func order(kinds []string, i int) []string {
	var units [][]string
	paired := slices.Contains(kinds, kindCeiling) && slices.Contains(kinds, kindFerry)
	for _, k := range kinds {
		switch {
		case !paired || (k != kindCeiling && k != kindFerry):
			units = append(units, []string{k})
		case k == kindCeiling:
			pair := []string{kindCeiling, kindFerry}
			if i%2 == 1 {
				pair[0], pair[1] = pair[1], pair[0]
			}
			units = append(units, pair)
		}
	}
	for range i % len(units) {
		units = append(units[1:], units[0])
	}
	var out []string
	for _, u := range units {
		out = append(out, u...)
	}
	return out
}

// check finds the programs the benchmark runs.
func (r *runner) check() error {
	for _, p := range []string{"ferry", "ferry-rendezvous", "ferry-bench"} {
		if _, err := os.Stat(filepath.Join(r.bin, p)); err != nil {
			return fmt.Errorf("%s not found in %s: build it first (go build -o %s ./cmd/...), or pass -bin", p, r.bin, r.bin)
		}
	}
	out, err := exec.Command(r.timeBin, "-v", "true").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Maximum resident set size") {
		return fmt.Errorf("%s is not GNU time (needed for CPU time and peak RSS): install it, e.g. apt-get install time", r.timeBin)
	}
	return nil
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServer runs a real ferry-rendezvous on a free loopback port, with
// per-address limits raised for the many transfers from 127.0.0.1.
func (r *runner) startServer(ctx context.Context) (stop func(), err error) {
	cmd := exec.CommandContext(ctx, filepath.Join(r.bin, "ferry-rendezvous"),
		"--listen", "127.0.0.1:0", "--slots-per-ip", "10000", "--joins-per-ip", "10000")
	logs := &tailBuffer{max: 64 << 10}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ferry-rendezvous: %w", err)
	}
	stop = func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRE.FindStringSubmatch(logs.String()); m != nil {
			r.server = "ws://" + m[1]
			return stop, nil
		}
		time.Sleep(20 * time.Millisecond) // polling its log: it has no other signal
	}
	stop()
	return nil, fmt.Errorf("ferry-rendezvous did not say where it listens: %s", logs)
}

// pair runs the two ends of a ceiling or TCP measurement.
func (r *runner) pair(ctx context.Context, what string, size int64) (sample, error) {
	exe := filepath.Join(r.bin, "ferry-bench")
	n := fmt.Sprint(size)
	recv, err := r.start(ctx, what+"-recv", nil, exe, what+"-recv", "-bytes", n)
	if err != nil {
		return sample{}, err
	}
	l, err := recv.waitLine(30*time.Second, func(s string) bool { return strings.HasPrefix(s, "listen ") })
	if err != nil {
		recv.kill()
		return sample{}, err
	}
	send, err := r.start(ctx, what+"-send", nil, exe, what+"-send", "-bytes", n, "-connect", strings.TrimPrefix(l.text, "listen "))
	if err != nil {
		recv.kill()
		return sample{}, err
	}
	ru, lines, rerr := recv.wait()
	if rerr != nil {
		send.kill()
		return sample{}, rerr
	}
	su, _, serr := send.wait()
	if serr != nil {
		return sample{}, serr
	}
	var res result
	if len(lines) == 0 || decodeJSON(lines[len(lines)-1].text, &res) != nil || res.Bytes != size {
		return sample{}, fmt.Errorf("%s-recv reported no result: %s", what, recv.stderr)
	}
	return newSample(size, res.Seconds, su, ru), nil
}
