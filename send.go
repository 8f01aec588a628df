package ferry

import (
	"context"

	"github.com/ferry-dev/ferry/transfer"
)

// SendConfig configures [Send].
type SendConfig struct {
	Config
	// Words is the number of words in a new code (when Config.Code is
	// empty), each adding about 11.5 bits; 0 is the default (2).
	Words int
	// NoCompression sends every byte as it is. By default what shrinks is
	// compressed (zstd, adaptively: random or compressed data is sent as it
	// is).
	NoCompression bool
	// LocalServer configures the server Send starts when Config.Server is
	// empty; it stops when Send returns.
	LocalServer ServerConfig
}

// Send offers src to a receiver: it holds a code on the rendezvous server
// (reported through [Events.Code]), waits for the receiver, and streams what
// it accepts. It returns once the receiver has verified every file; an error
// wraps one of the package's sentinel errors where one fits.
func Send(ctx context.Context, src Source, cfg SendConfig) (Result, error) {
	ev := cfg.events()
	link, err := connect(ctx, ConnectConfig{Config: cfg.Config, Side: Sender, Words: cfg.Words, LocalServer: cfg.LocalServer},
		func() { ev.Offer(src.Manifest()) })
	if err != nil {
		return Result{}, err
	}
	defer link.Close()
	res, err := transfer.Send(ctx, link.pl, src, transfer.SendOptions{
		Progress:      progress{ev},
		NoCompression: cfg.NoCompression,
		Software:      cfg.software(),
	})
	if err != nil {
		if transfer.FromPeer(err) {
			link.abort() // the receiver gave up: what is queued for it would only wait out CloseTimeout
		}
		return res, err
	}
	ev.Done(res)
	return res, nil
}
