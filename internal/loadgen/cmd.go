package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// global are the flags every run shares.
type global struct {
	server, metrics string
	serverBin       string
	serverArgs      []string
	serverLog       string
	json            bool
	cpuProfile      string
}

// Main runs ferry-loadgen with args and returns its exit code: 0 when the
// run finished and nothing leaked, 1 otherwise, 2 on a usage error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &global{}
	root := &cobra.Command{
		Use:   "ferry-loadgen",
		Short: "Load and soak tests for ferry-rendezvous, over loopback only",
		Long: `ferry-loadgen drives a ferry-rendezvous on this machine with real websocket
clients speaking the real protocol, and reports the server's resident memory,
goroutines and open file descriptors (read from its /metrics) and the latency
of pairings.

Without --server it starts the ferry-rendezvous found next to it (or in PATH,
or --server-bin) on a free port of 127.0.0.1 and stops it afterwards. It only
ever connects to loopback addresses; clients come from 127.1.0.0/19 so that
thousands of connections a second neither run out of ports nor count as one
address against the server's per-IP limits.

It raises its own open-file limit (RLIMIT_NOFILE) to the hard limit and says
so: every client connection is a file descriptor.`,
		Example: `  go build -o bin/ ./cmd/...
  bin/ferry-loadgen hold --slots 10000
  bin/ferry-loadgen pair --rate 1000 --duration 30s
  bin/ferry-loadgen churn --duration 5m
  bin/ferry-loadgen burn --senders 60 --attackers 1 --duration 1m`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.server, "server", "", "websocket URL of a running ferry-rendezvous on loopback, e.g. ws://127.0.0.1:7339 (default: start one)")
	pf.StringVar(&g.metrics, "metrics", "", "its metrics URL, e.g. http://127.0.0.1:9339/metrics for a server started with --metrics-listen 127.0.0.1:9339 (default: /metrics on the --server host, where a server serves it only with --metrics-public)")
	pf.StringVar(&g.serverBin, "server-bin", "", "the ferry-rendezvous to start (default: next to ferry-loadgen, else in PATH)")
	pf.StringArrayVar(&g.serverArgs, "server-arg", nil, "an extra flag for the started server, e.g. --server-arg=--log-level=warn (repeatable)")
	pf.StringVar(&g.serverLog, "server-log", "", "write the started server's log to this file (default: discard)")
	pf.BoolVar(&g.json, "json", false, "print the report as JSON")
	pf.StringVar(&g.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile to this file")

	var ho HoldOptions
	hold := &cobra.Command{
		Use:   "hold",
		Short: "Hold N senders waiting at once, measure the server, release them",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.run(cmd.Context(), stdout, stderr, uint64(ho.Slots), func(ctx context.Context, t Target) (any, bool, error) {
				r, err := Hold(ctx, t, ho, stderr)
				return r, r.Leak.Err == nil, err
			}, func(w io.Writer, r any) { printHold(w, r.(HoldReport)) })
		},
	}
	hold.Flags().IntVar(&ho.Slots, "slots", 10000, "senders waiting at once")
	hold.Flags().IntVar(&ho.Concurrency, "concurrency", 200, "connections being opened at once")
	hold.Flags().DurationVar(&ho.Hold, "hold", 10*time.Second, "how long to keep them all once open")

	var po PairOptions
	pair := &cobra.Command{
		Use:   "pair",
		Short: "Start pairings at a fixed rate; report throughput and latency percentiles",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			need := uint64(po.Rate*2) + 1024
			return g.run(cmd.Context(), stdout, stderr, need, func(ctx context.Context, t Target) (any, bool, error) {
				r, err := Pairings(ctx, t, po, stderr)
				return r, r.Leak.Err == nil, err
			}, func(w io.Writer, r any) { printPair(w, r.(PairReport)) })
		},
	}
	pair.Flags().Float64Var(&po.Rate, "rate", 1000, "pairings started per second (open loop: latency counts from when each was due); 0 for as fast as --concurrency allows")
	pair.Flags().IntVar(&po.Concurrency, "concurrency", 64, "with --rate 0: pairings under way at once")
	pair.Flags().DurationVar(&po.Duration, "duration", 30*time.Second, "how long to start pairings")
	pair.Flags().IntVar(&po.Messages, "messages", 4, "signaling messages each way per pairing (4: the handshake's three flights and the first sealed message, as ferry does; the server counts a pairing as successful at the sender's 4th)")
	pair.Flags().IntVar(&po.MessageSize, "message-size", 512, "bytes in each signaling message")

	var co ChurnOptions
	churn := &cobra.Command{
		Use:   "churn",
		Short: "Every kind of client at once for a while; then check that nothing leaked",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			need := uint64(co.Waiting) + uint64(co.PairRate*2) + uint64(co.IdleRate*60) + 1024
			return g.run(cmd.Context(), stdout, stderr, need, func(ctx context.Context, t Target) (any, bool, error) {
				r, err := Churn(ctx, t, co, stderr)
				return r, r.OK(), err
			}, func(w io.Writer, r any) { printChurn(w, r.(ChurnReport)) })
		},
	}
	cf := churn.Flags()
	cf.DurationVar(&co.Duration, "duration", 5*time.Minute, "how long to churn after the warm-up")
	cf.DurationVar(&co.Warmup, "warmup", 2*time.Minute, "churn before the memory reference is taken (the server's heap and per-IP limiter take a minute or two to reach their steady size)")
	cf.Float64Var(&co.PairRate, "pair-rate", 200, "pairings per second")
	cf.IntVar(&co.Waiting, "waiting", 1000, "senders kept waiting (each gives up after a while and is replaced)")
	cf.DurationVar(&co.WaitFor, "wait-for", 10*time.Second, "mean wait before a waiting sender gives up")
	cf.Float64Var(&co.BadJoinRate, "bad-join-rate", 20, "receivers per second with a code nobody waits under")
	cf.Float64Var(&co.IdleRate, "idle-rate", 2, "connections per second that never ask for a code")
	cf.IntVar(&co.UsedEvery, "used-every", 10, "every Nth pairing, a third client tries the used code")
	cf.DurationVar(&co.Sample, "sample", 10*time.Second, "how often to read the server's stats")

	var bo BurnOptions
	var maxEnded int
	burn := &cobra.Command{
		Use:   "burn",
		Short: "Attack: end waiting senders' waits from a few addresses; report how many ended",
		Long: `burn holds --senders waiting senders and, for --duration, lets --attackers
source addresses (127.3.0.1 up) end as many of their waits as the server
allows: each joins slot after slot and, when a join pairs, leaves at once or
sends garbage first. It exits 1 when more than --max-ended waits ended.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bo.defaults()
			if maxEnded <= 0 {
				minutes := int((bo.Duration + time.Minute - 1) / time.Minute)
				maxEnded = 5 * bo.Attackers * minutes
			}
			return g.run(cmd.Context(), stdout, stderr, uint64(bo.Senders+bo.Attackers)+64, func(ctx context.Context, t Target) (any, bool, error) {
				r, err := Burn(ctx, t, bo, stderr)
				return r, r.Ended <= maxEnded, err
			}, func(w io.Writer, r any) { printBurn(w, r.(BurnReport), maxEnded) })
		},
	}
	bf := burn.Flags()
	bf.IntVar(&bo.Senders, "senders", 60, "senders waiting for their receivers")
	bf.IntVar(&bo.Attackers, "attackers", 1, fmt.Sprintf("attacker source addresses, 1 to %d", maxAttackers))
	bf.DurationVar(&bo.Duration, "duration", time.Minute, "how long the attack runs")
	bf.IntVar(&bo.MaxSlot, "max-slot", 999, "the attackers try slots 1 to this in turn")
	bf.IntVar(&maxEnded, "max-ended", 0, "fail when more waits than this ended (default: 5 per attacker per minute begun, the server's default --failed-joins-per-ip)")

	root.AddCommand(hold, pair, churn, burn)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command"):
		fmt.Fprintf(stderr, "ferry-loadgen: %v\nRun 'ferry-loadgen --help' for usage.\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "ferry-loadgen: %v\n", err)
		return 1
	}
}

// usageError marks errors in how the command was called (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q: the runs take only flags", args[0])}
	}
	return nil
}

// run sets up the target (starting a server if needed), runs f and prints
// its report.
func (g *global) run(ctx context.Context, stdout, stderr io.Writer, conns uint64, f func(context.Context, Target) (any, bool, error), print func(io.Writer, any)) error {
	if g.server != "" {
		if _, err := CheckLoopback(g.server); err != nil {
			return err
		}
	}
	msg, err := RaiseFileLimit(conns + 256)
	fmt.Fprintln(stderr, "ferry-loadgen: "+msg)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// The clients' garbage is not what is measured: collect it less often
		// so that more of the machine is left to the server.
		debug.SetGCPercent(400)
		fmt.Fprintln(stderr, "ferry-loadgen: GOGC=400 for the load generator itself (set GOGC to override); the server keeps its own setting")
	}
	t := Target{URL: g.server, MetricsURL: g.metrics}
	serverDesc := g.server
	if g.server == "" {
		bin := g.serverBin
		if bin == "" {
			if bin, err = FindServerBinary(); err != nil {
				return err
			}
		}
		var logw io.Writer // nil: /dev/null
		if g.serverLog != "" {
			f, err := os.Create(g.serverLog)
			if err != nil {
				return fmt.Errorf("--server-log: %w", err)
			}
			defer f.Close()
			logw = f
		}
		s, err := Spawn(ctx, bin, g.serverArgs, logw)
		if err != nil {
			return err
		}
		defer s.Stop()
		t = s.Target
		serverDesc = fmt.Sprintf("%s %s (started by ferry-loadgen)", bin, strings.Join(s.cmd.Args[1:], " "))
	}
	if _, err := CheckLoopback(t.URL); err != nil {
		return err
	}
	if t.MetricsURL == "" {
		t.MetricsURL = "http" + strings.TrimPrefix(strings.TrimRight(t.URL, "/"), "ws") + "/metrics"
	}
	if _, err := CheckLoopback(t.MetricsURL); err != nil {
		return fmt.Errorf("--metrics: %w", err)
	}
	fmt.Fprintf(stderr, "ferry-loadgen: server %s; %d CPUs, %s, load average %s\n", serverDesc, runtime.NumCPU(), runtime.Version(), loadAvg())
	if g.cpuProfile != "" {
		f, err := os.Create(g.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	report, ok, err := f(ctx, t)
	if err != nil {
		return err
	}
	if g.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "server: %s\nmachine: %d CPUs, %s, load average at the end %s\n", serverDesc, runtime.NumCPU(), runtime.Version(), loadAvg())
		print(stdout, report)
	}
	if !ok {
		return errors.New("the server did not return to its baseline, or its memory grew: see the report")
	}
	return nil
}

// loadAvg is /proc/loadavg's first three figures, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
