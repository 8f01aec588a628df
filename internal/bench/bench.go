// Package bench is ferry-bench: it measures, in one run on one machine and
// with the same data, the ceiling (a bare pion data channel between two
// processes, set up by the peer package exactly as ferry sets up its own),
// ferry end to end (the built binaries, a real rendezvous server, a file from
// tmpfs to tmpfs with every checksum), and plain TCP over loopback, and
// reports throughput, CPU time and peak RSS (from /usr/bin/time -v) as
// medians over several runs, with the ratios between them.
//
// The subcommands other than run and report are the two ends of the ceiling
// and TCP measurements; run starts them as separate processes.
package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// Main runs ferry-bench with args (without the program name) and returns the
// exit code: 0 success, 1 failure, 2 usageText.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		err = runCmd(ctx, rest, stdout, stderr)
	case "report":
		err = reportCmd(rest, stdout, stderr)
	case "ceiling-recv":
		err = ceilingRecvCmd(ctx, rest, stdout)
	case "ceiling-send":
		err = ceilingSendCmd(ctx, rest)
	case "tcp-recv":
		err = tcpRecvCmd(ctx, rest, stdout)
	case "tcp-send":
		err = tcpSendCmd(ctx, rest)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usageText)
		return 0
	default:
		fmt.Fprintf(stderr, "ferry-bench: unknown command %q\n\n%s", cmd, usageText)
		return 2
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ferry-bench: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "ferry-bench: %v\n", err)
		return 1
	}
}

const usageText = `ferry-bench measures ferry against a bare pion data channel and TCP.

Usage:
  ferry-bench run [flags]        the whole benchmark (see ferry-bench run -h);
                                 scripts/bench.sh builds everything and runs it
  ferry-bench report -in bench-out/results.json
                                 print the table of an earlier run, and write
                                 its results.md and bench.svg again

The two ends of single measurements, which run starts as processes:
  ferry-bench ceiling-recv -bytes N [-listen ADDR]
  ferry-bench ceiling-send -bytes N -connect ADDR
  ferry-bench tcp-recv -bytes N [-listen ADDR]
  ferry-bench tcp-send -bytes N -connect ADDR
`

// usageError is a mistake on the command line.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// newFlags returns a flag set for a subcommand that reports errors instead
// of exiting.
func newFlags(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ferry-bench "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}
