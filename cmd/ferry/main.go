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
	stopProfile := tune.StartCPUProfile()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.System())
	stop()
	stopProfile()
	os.Exit(code)
}
