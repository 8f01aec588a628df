// Command ferry-loadgen load- and soak-tests a ferry-rendezvous on this
// machine's loopback: see internal/loadgen.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ferry-dev/ferry/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := loadgen.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
