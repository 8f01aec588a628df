package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/peer"
)

// Kinds of measurement.
const (
	kindCeiling = "ceiling" // bare pion data channel, two processes
	kindFerry   = "ferry"   // ferry end to end, incompressible data
	kindText    = "text"    // ferry end to end, a text corpus
	kindTCP     = "tcp"     // plain TCP over loopback
	// kindParallel, kindParallel4, kindParallel8: ferry end to end,
	// incompressible data, over 2, 4 and 8 peer connections (--parallel):
	// the scaling figures (scaling).
	kindParallel  = "parallel"
	kindParallel4 = "parallel4"
	kindParallel8 = "parallel8"
	// kindDefault: ferry end to end, incompressible data, with the number
	// of connections it picks on this machine (peer.DefaultParallel); not
	// measured where that is one, the ferry row.
	kindDefault = "default"
	// kindProcs: ferry end to end, incompressible data, with
	// GOMAXPROCS=manyProcs: a many-core machine's setting, which must not
	// make the collector thrash (internal/tune).
	kindProcs = "procs16"
	// kindCroc: croc 10.7.0 with its own relay, the same file (croc.go).
	kindCroc = "croc"
)

// manyProcs is the GOMAXPROCS of the procs16 measurement.
const manyProcs = 16

// scaling lists the measurements over several connections, with their
// --parallel, in order.
var scaling = []struct {
	kind  string
	conns int
}{{kindParallel, 2}, {kindParallel4, 4}, {kindParallel8, 8}}

// conns is the --parallel of a scaling measurement; 0 for any other kind.
func conns(kind string) int {
	for _, s := range scaling {
		if s.kind == kind {
			return s.conns
		}
	}
	return 0
}

var kindNames = map[string]string{
	kindCeiling:   "ceiling: bare pion data channel, 2 processes",
	kindFerry:     "ferry end to end, random data, one connection",
	kindText:      "ferry end to end, text (Go sources)",
	kindTCP:       "TCP over loopback",
	kindParallel:  "ferry --parallel 2, random data",
	kindParallel4: "ferry --parallel 4, random data",
	kindParallel8: "ferry --parallel 8, random data",
	kindDefault:   fmt.Sprintf("ferry default (%d connections here), random data", peer.DefaultParallel()),
	kindProcs:     fmt.Sprintf("ferry, random data, GOMAXPROCS=%d", manyProcs),
	kindCroc:      "croc 10.7.0, its own relay on loopback (whole run)",
}

// Targets (DESIGN.md "Targets").
const (
	targetRatio   = 0.90 // of the ceiling
	peerV3MBps    = 19.0 // the pion-v3 peer measured on this project's machines
	targetMBps    = 3 * peerV3MBps
	targetRSSMiB  = 48.0
	targetRSSFlat = 0.10 // between the smallest and the largest file
	targetSetup   = 0.5  // seconds
)

// sample is one measurement.
type sample struct {
	Kind       string  `json:"kind"`
	Run        int     `json:"run"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"` // data phase, on the receiving side
	MBps       float64 `json:"mb_per_s"`
	SendCPU    float64 `json:"send_cpu_s"`
	RecvCPU    float64 `json:"recv_cpu_s"`
	SendRSSMiB float64 `json:"send_peak_rss_mib"`
	RecvRSSMiB float64 `json:"recv_peak_rss_mib"`
	Setup      float64 `json:"setup_s,omitempty"`    // ferry: receive start to first data
	WireBytes  int64   `json:"wire_bytes,omitempty"` // ferry: bytes on the wire (compressed)
}

func newSample(size int64, seconds float64, send, recv usage) sample {
	return sample{
		Bytes:      size,
		Seconds:    seconds,
		MBps:       float64(size) / seconds / 1e6,
		SendCPU:    send.CPU,
		RecvCPU:    recv.CPU,
		SendRSSMiB: float64(send.RSSKiB) / 1024,
		RecvRSSMiB: float64(recv.RSSKiB) / 1024,
	}
}

func (s sample) brief() string {
	b := fmt.Sprintf("%.1f MB/s, CPU %.1f + %.1f s, peak RSS %.1f / %.1f MiB", s.MBps, s.SendCPU, s.RecvCPU, s.SendRSSMiB, s.RecvRSSMiB)
	if s.Setup > 0 {
		b += fmt.Sprintf(", setup %.2f s", s.Setup)
	}
	if s.WireBytes > 0 && s.WireBytes < s.Bytes {
		b += fmt.Sprintf(", sent as %.0f%%", 100*float64(s.WireBytes)/float64(s.Bytes))
	}
	return b
}

// report is everything one run measured, as written to results.json.
type report struct {
	Date    time.Time `json:"date"`
	Machine string    `json:"machine"`
	Size    int64     `json:"size"`
	Runs    int       `json:"runs"`
	Samples []sample  `json:"samples"`
	LoadAvg string    `json:"load_average_at_start"`
	Command string    `json:"command"`
	// Notes say what could not be measured here, and why.
	Notes []string `json:"notes,omitempty"`
}

func newReport(o runOptions) *report {
	load, _ := os.ReadFile("/proc/loadavg")
	return &report{
		Date:    time.Now().UTC().Truncate(time.Second),
		Machine: machine(),
		Size:    o.size,
		Runs:    o.runs,
		LoadAvg: strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "),
		Command: strings.Join(os.Args, " "),
	}
}

func (rep *report) add(s sample) { rep.Samples = append(rep.Samples, s) }

// machine describes the CPU and OS, for the table's caption.
func machine() string {
	cpu := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for l := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = " (" + strings.TrimSpace(v) + ")"
				break
			}
		}
	}
	kernel := runtime.GOOS
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%d CPUs%s, %s, %s", runtime.NumCPU(), cpu, kernel, runtime.Version())
}

// of returns the samples of kind k at the main size.
func (rep *report) of(k string) []sample {
	var out []sample
	for _, s := range rep.Samples {
		if s.Kind == k && s.Bytes == rep.Size {
			out = append(out, s)
		}
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func field(ss []sample, f func(sample) float64) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// summary is the medians of one kind at the main size.
type summary struct {
	n                int
	mbps             float64
	sendCPU, recvCPU float64 // per GiB
	sendRSS, recvRSS float64
}

func (rep *report) summary(k string) summary {
	ss := rep.of(k)
	gib := float64(rep.Size) / (1 << 30)
	return summary{
		n:       len(ss),
		mbps:    median(field(ss, func(s sample) float64 { return s.MBps })),
		sendCPU: median(field(ss, func(s sample) float64 { return s.SendCPU })) / gib,
		recvCPU: median(field(ss, func(s sample) float64 { return s.RecvCPU })) / gib,
		sendRSS: median(field(ss, func(s sample) float64 { return s.SendRSSMiB })),
		recvRSS: median(field(ss, func(s sample) float64 { return s.RecvRSSMiB })),
	}
}

// pairedRatios divides each run's a by the same run's b.
func (rep *report) pairedRatios(a, b string) []float64 {
	var out []float64
	bs := rep.of(b)
	for _, x := range rep.of(a) {
		for _, y := range bs {
			if y.Run == x.Run && y.MBps > 0 {
				out = append(out, x.MBps/y.MBps)
			}
		}
	}
	return out
}

// write saves results.json, results.md and bench.svg in dir and prints the
// table to w.
func (rep *report) write(dir string, w io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	// The results directory ignores itself, so a run inside a clone leaves
	// git status clean.
	_ = os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("*\n"), 0o644)
	j, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(j, '\n'), 0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	md := rep.markdown()
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(md), 0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bench.svg"), []byte(rep.chart()), 0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	fmt.Fprint(w, md)
	fmt.Fprintf(w, "\nResults in %s: results.json, results.md, bench.svg\n", dir)
	return nil
}
