package peer

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/internal/linesig"
)

// The two-process benchmark runs the receiving peer in a child process (this
// test binary again, with helperEnv set), as ferry runs: each side has its
// own CPU scheduling and GC, which is what DESIGN.md "Targets" measures.
const helperEnv = "FERRY_PEER_BENCH_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperPeer())
	}
	os.Exit(m.Run())
}

// helperPeer is the child: it answers on stdin/stdout, reads everything to
// io.EOF and reports the byte count on stderr.
func helperPeer() int {
	cfg := loopback()
	cfg.MessageSize, _ = strconv.Atoi(os.Getenv(helperEnv + "_MSG"))
	cfg.ReceiveWindow, _ = strconv.Atoi(os.Getenv(helperEnv + "_WINDOW"))
	cfg.UDPMux = os.Getenv(helperEnv+"_MUX") != ""
	c, err := Connect(context.Background(), linesig.New(os.Stdin, os.Stdout), Answerer, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	n, err := io.CopyBuffer(io.Discard, c, make([]byte, 32<<10))
	c.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "read %d\n", n)
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for l := range strings.Lines(string(status)) {
			if strings.HasPrefix(l, "VmHWM:") { // peak RSS, in kB
				fmt.Fprint(os.Stderr, l)
			}
		}
	}
	return 0
}

// BenchmarkConnTwoProcesses sends to a peer in another process (MB/s), and
// reports the receiving process's peak RSS. Run with -benchtime=1000x for
// about 1 GiB.
func BenchmarkConnTwoProcesses(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchTwoProcesses(b, loopback()) })
	if testing.Short() {
		return
	}
	cfg := loopback()
	cfg.MessageSize = 256 << 10
	b.Run("msg=256K", func(b *testing.B) { benchTwoProcesses(b, cfg) })
	cfg = loopback()
	cfg.ReceiveWindow = 4 << 20
	b.Run("window=4M", func(b *testing.B) { benchTwoProcesses(b, cfg) })
	cfg = loopback()
	cfg.UDPMux = true
	b.Run("udpmux", func(b *testing.B) { benchTwoProcesses(b, cfg) })
}

func benchTwoProcesses(b *testing.B, cfg Config) {
	const chunk = 1 << 20
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1",
		fmt.Sprintf("%s_MSG=%d", helperEnv, cfg.MessageSize),
		fmt.Sprintf("%s_WINDOW=%d", helperEnv, cfg.ReceiveWindow))
	if cfg.UDPMux {
		cmd.Env = append(cmd.Env, helperEnv+"_MUX=1")
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Process.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	c, err := Connect(ctx, linesig.New(stdout, stdin), Offerer, cfg)
	if err != nil {
		b.Fatalf("%v (helper: %s)", err, stderr.String())
	}
	buf := make([]byte, chunk)
	b.SetBytes(chunk)
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		b.Fatal(err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		b.Fatalf("helper: %v: %s", err, stderr.String())
	}
	b.StopTimer()
	if want := fmt.Sprintf("read %d", int64(b.N)*chunk); !strings.Contains(stderr.String(), want) {
		b.Fatalf("helper said %q, want %q", stderr.String(), want)
	}
	// The child's own figure: its rusage would include the parent's peak,
	// which Linux carries across exec.
	for l := range strings.Lines(stderr.String()) {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmHWM:" {
			if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
				b.ReportMetric(kb/1024, "peakRSS-MiB")
			}
		}
	}
}
