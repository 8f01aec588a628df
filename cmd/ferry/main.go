// Command ferry sends files directly between two computers with a short code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ferry-dev/ferry/internal/cli"
	"github.com/ferry-dev/ferry/internal/tune"
)

func main() {
	tune.Apply()
	// A write to a closed stdout (ferry receive --out - | head) fails with
	// EPIPE instead of killing ferry with SIGPIPE, so that ferry can say what
	// happened, tell the sender, and exit with a code of its own. Go: "If the
	// program is not calling Notify for SIGPIPE, a write to a broken pipe on
	// file descriptors 1 or 2 causes the program to exit with a SIGPIPE signal."
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	stopProfile := tune.StartCPUProfile()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.System())
	stop()
	stopProfile()
	os.Exit(code)
}
