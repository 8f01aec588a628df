package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/peer"
	"time"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1GiB": 1 << 30, "256MiB": 256 << 20, "64KiB": 64 << 10, "1000": 1000, "5B": 5} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1GiB", "1TB", "x"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) succeeded", in)
		}
	}
}

func TestParseTime(t *testing.T) {
	p := filepath.Join(t.TempDir(), "time.txt")
	report := `	Command being timed: "ferry send x"
	User time (seconds): 11.05
	System time (seconds): 3.41
	Percent of CPU this job got: 85%
	Elapsed (wall clock) time (h:mm:ss or m:ss): 0:17.01
	Maximum resident set size (kbytes): 43912
	Exit status: 0
`
	if err := os.WriteFile(p, []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	u, err := parseTime(p)
	if err != nil || u.RSSKiB != 43912 || u.CPU < 14.45 || u.CPU > 14.47 || u.Exit != 0 {
		t.Fatalf("parseTime = %+v, %v", u, err)
	}
	if err := os.WriteFile(p, []byte("0.01user 0.00system\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := parseTime(p); err == nil || !strings.Contains(err.Error(), "GNU time") {
		t.Fatalf("a report without -v figures: %v", err)
	}
}

// TestReport checks the table's figures and verdicts, and that the chart is
// well-formed SVG, from made-up samples.
func TestReport(t *testing.T) {
	rep := &report{Size: 1 << 30, Runs: 3, Machine: "test machine"}
	for run := 1; run <= 3; run++ {
		f := float64(run)
		rep.add(sample{Kind: kindCeiling, Run: run, Bytes: 1 << 30, MBps: 60 + f, SendCPU: 20, RecvCPU: 15, SendRSSMiB: 30, RecvRSSMiB: 25})
		rep.add(sample{Kind: kindFerry, Run: run, Bytes: 1 << 30, MBps: 57 + f, SendCPU: 21, RecvCPU: 16, SendRSSMiB: 40, RecvRSSMiB: 35, Setup: 0.1 * f})
		rep.add(sample{Kind: kindText, Run: run, Bytes: 1 << 30, MBps: 150, WireBytes: 1 << 28, SendRSSMiB: 41, RecvRSSMiB: 36, Setup: 0.2})
		rep.add(sample{Kind: kindTCP, Run: run, Bytes: 1 << 30, MBps: 2000})
		rep.add(sample{Kind: kindParallel, Run: run, Bytes: 1 << 30, MBps: 45.6, SendRSSMiB: 55, RecvRSSMiB: 54, Setup: 0.2})
		rep.add(sample{Kind: kindParallel8, Run: run, Bytes: 1 << 30, MBps: 60, SendRSSMiB: 90, RecvRSSMiB: 80})
		rep.add(sample{Kind: kindDefault, Run: run, Bytes: 1 << 30, MBps: 60 + f, SendRSSMiB: 63, RecvRSSMiB: 66})
		rep.add(sample{Kind: kindProcs, Run: run, Bytes: 1 << 30, MBps: 29.6, SendRSSMiB: 44, RecvRSSMiB: 37, Setup: 0.2})
		rep.add(sample{Kind: kindCroc, Run: run, Bytes: 1 << 30, MBps: 39.5, SendRSSMiB: 30, RecvRSSMiB: 18})
	}
	rep.Notes = append(rep.Notes, "croc not measured: needs root")
	rep.add(sample{Kind: kindFerry, Run: 1, Bytes: 256 << 20, MBps: 50, SendRSSMiB: 39, RecvRSSMiB: 34, Setup: 0.1})
	rep.add(sample{Kind: kindFerry, Run: 1, Bytes: 2 << 30, MBps: 50, SendRSSMiB: 41, RecvRSSMiB: 50, Setup: 0.1})
	md := rep.markdown()
	for _, want := range []string{
		"| ceiling: bare pion data channel, 2 processes | 62.0 | 20.0 + 15.0 | 30.0 / 25.0 MiB |",
		"| ferry / ceiling, of the medians (run by run: 0.95, 0.95, 0.95; their median 0.95) | 0.952 | >= 0.90 | met |",
		"| ferry / the pion-v3 peer (19 MB/s) | 3.1x | >= 3x (57 MB/s) | met |",
		"256 MiB: 39.0 / 34.0, 1 GiB: 40.0 / 35.0, 2 GiB: 41.0 / 50.0; 2 GiB vs 256 MiB: +5% / +47% | <= 48 MiB, within 10% | **missed** |",
		"median of 14 | 0.20 s | < 0.5 s | met |",
		fmt.Sprintf("| ferry --parallel 2 / one connection (on %d cores; peak RSS 55.0 / 54.0 MiB) | 0.77x |", runtime.NumCPU()),
		fmt.Sprintf("| ferry --parallel 8 / one connection (on %d cores; peak RSS 90.0 / 80.0 MiB) | 1.02x |", runtime.NumCPU()),
		fmt.Sprintf("| ferry default (%d connections on %d cores), peak RSS send / receive (MiB) | 63.0 / 66.0 | <= 64 | **missed** |", peer.DefaultParallel(), runtime.NumCPU()),
		fmt.Sprintf("| ferry default (%d connections) / croc | 1.57x | >= 1.5 | met |", peer.DefaultParallel()),
		"text sent as 25% of its size) | 2.54x | > 1 | met |",
		"| ferry, random data, GOMAXPROCS=16 | 29.6 |",
		fmt.Sprintf("| ferry GOMAXPROCS=16 / ferry (the runtime's tuning on a many-core setting, on %d cores) | 0.50x | >= 0.90 | **missed** |", runtime.NumCPU()),
		"| ferry / croc (croc timed over its whole run; peak RSS 30.0 / 18.0 MiB) | 1.49x |",
		"croc not measured: needs root",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the table lacks %q:\n%s", want, md)
		}
	}
	dec := xml.NewDecoder(strings.NewReader(rep.chart()))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed XML: %v", err)
		}
	}
}

func TestOrderKeepsCeilingAndFerryTogether(t *testing.T) {
	all := []string{kindCeiling, kindFerry, kindTCP, kindText, kindParallel}
	for i, want := range [][]string{
		{kindCeiling, kindFerry, kindTCP, kindText, kindParallel},
		{kindTCP, kindText, kindParallel, kindFerry, kindCeiling},
		{kindText, kindParallel, kindCeiling, kindFerry, kindTCP},
		{kindParallel, kindFerry, kindCeiling, kindTCP, kindText},
		{kindCeiling, kindFerry, kindTCP, kindText, kindParallel},
	} {
		if got := order(all, i); !slices.Equal(got, want) {
			t.Errorf("run %d: order %v, want %v", i, got, want)
		}
	}
	// Without the pair, every measurement rotates on its own.
	if got, want := order([]string{kindTCP, kindText, kindFerry}, 1), []string{kindText, kindFerry, kindTCP}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// TestCeilingEnds runs the two ends of the ceiling measurement against each
// other in this process: real pion peers over loopback.
func TestCeilingEnds(t *testing.T) {
	testEnds(t, "ceiling", ceilingRecvCmd, ceilingSendCmd)
}

func TestTCPEnds(t *testing.T) {
	testEnds(t, "tcp", tcpRecvCmd, tcpSendCmd)
}

func testEnds(t *testing.T, what string,
	recv func(context.Context, []string, io.Writer) error, send func(context.Context, []string) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const size = 3<<20 + 12345
	pr, pw := io.Pipe()
	recvErr := make(chan error, 1)
	go func() {
		err := recv(ctx, []string{"-bytes", fmt.Sprint(size)}, pw)
		pw.CloseWithError(errors.Join(err, io.EOF))
		recvErr <- err
	}()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "listen 127.0.0.1:") {
		t.Fatalf("%s-recv said %q first (%v)", what, sc.Text(), sc.Err())
	}
	addr := strings.TrimPrefix(sc.Text(), "listen ")
	sendErr := make(chan error, 1)
	go func() { sendErr <- send(ctx, []string{"-bytes", fmt.Sprint(size), "-connect", addr}) }()
	if !sc.Scan() {
		t.Fatalf("%s-recv printed no result: %v", what, <-recvErr)
	}
	var res result
	if err := json.Unmarshal(sc.Bytes(), &res); err != nil || res.Bytes != size || res.Seconds <= 0 {
		t.Fatalf("%s-recv result %q: %+v, %v", what, sc.Text(), res, err)
	}
	if err := <-recvErr; err != nil {
		t.Fatalf("%s-recv: %v", what, err)
	}
	if err := <-sendErr; err != nil {
		t.Fatalf("%s-send: %v", what, err)
	}
}
