// Command ferry-bench measures ferry's data path against what pion/webrtc
// and TCP carry on the same machine: see internal/bench and scripts/bench.sh.
// It is a development tool, not part of the release archives.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ferry-dev/ferry/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := bench.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
