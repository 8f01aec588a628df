package ferry

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/transfer"
)

// ReceiveConfig configures [Receive]. Config.Code is required; with no
// Config.Server, Receive looks for the sender on the local network.
type ReceiveConfig struct {
	Config
	// Dir is the directory the files are written into, created if missing
	// (and removed again, with the parents created for it, when Receive
	// fails and nothing was kept there); "" is the current directory. Names
	// the sender offers are checked: none can reach outside Dir.
	Dir string
	// Overwrite replaces files that exist in Dir; without it an offer that
	// would replace one fails with [ErrExists] before anything is written.
	Overwrite bool
	// Out, when set, receives the bytes of an offer of one file or stream
	// instead of Dir (an offer of more is declined). Bytes reach Out as they
	// arrive, each chunk checked; the whole stream's SHA-256 is checked only
	// at the end, so treat what Out got as untrusted unless Receive returns
	// nil.
	Out io.Writer
	// OutName names Out in the error that declines an offer of more than
	// one entry; "" is "standard output".
	OutName string
	// OpenEntry, when set, takes every file of the offer instead of Dir and
	// Out: it is called as each file begins, with its checked path and size
	// (-1: unknown); the writer's Close means the file's SHA-256 matched,
	// Abort that it failed (see [EntryWriter]). For a receiver with no file
	// system, such as the browser page.
	OpenEntry func(path string, size int64) (EntryWriter, error)
	// Text receives a text message (sent with [Text]) once its SHA-256 was
	// checked; without it a text message is declined.
	Text io.Writer
	// Accept decides on the offer, after [Events.Offer] and before anything
	// is written: return nil to accept, or an error (wrapping [ErrDeclined]
	// to decline) to stop, and the sender is told. nil accepts every offer.
	Accept func(ctx context.Context, m Manifest) error
	// Wait is how long to keep trying while no sender waits under the code
	// yet, for a receiver that may start first; 0 fails at once with
	// [ErrNoSuchCode]. [Events.Waiting] says when it waits.
	Wait time.Duration
}

// Receive meets the sender under the code, hears its offer, and writes the
// files it accepts. It returns once every file arrived and was verified
// (SHA-256); a file that fails verification is never kept under its name.
// An error wraps one of the package's sentinel errors where one fits.
func Receive(ctx context.Context, cfg ReceiveConfig) (res Result, err error) {
	if _, err := rendezvous.ParseCode(cfg.Code); err != nil {
		return Result{}, err // before anything is created or dialed
	}
	ev := cfg.events()
	opts := transfer.ReceiveOptions{
		Dir:       cfg.Dir,
		Overwrite: cfg.Overwrite,
		Out:       cfg.Out,
		OutName:   cfg.OutName,
		OpenEntry: cfg.OpenEntry,
		Text:      cfg.Text,
		Progress:  progress{ev},
		Software:  cfg.software(),
		Accept: func(ctx context.Context, m transfer.Manifest) error {
			ev.Offer(m)
			if cfg.Accept == nil {
				return nil
			}
			return cfg.Accept(ctx, m)
		},
	}
	if cfg.Out != nil || cfg.OpenEntry != nil {
		opts.Dir = ""
	} else {
		if opts.Dir == "" {
			opts.Dir = "."
		}
		undo, merr := makeOutDir(opts.Dir)
		if merr != nil {
			return Result{}, fmt.Errorf("output directory: %w", merr)
		}
		defer func() {
			if err != nil {
				undo()
			}
		}()
	}
	link, err := connect(ctx, ConnectConfig{Config: cfg.Config, Side: Receiver, Wait: cfg.Wait}, nil)
	if err != nil {
		return Result{}, err
	}
	defer link.Close()
	res, err = transfer.Receive(ctx, link.pl, opts)
	if err != nil {
		if transfer.FromPeer(err) {
			link.abort() // the sender gave up
		}
		return res, err
	}
	ev.Done(res)
	return res, nil
}
