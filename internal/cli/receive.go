package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/internal/buildinfo"
	"github.com/ferry-dev/ferry/peer"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/transfer"
)

// ReceiveOptions are the inputs of `ferry receive`.
type ReceiveOptions struct {
	IO        *IOStreams
	Code      string
	Server    string
	Out       string
	Yes       bool
	Overwrite bool
	JSON      bool
	Quiet     bool
	Verify    bool
	// Wait is how long to keep trying while no sender waits under the code
	// yet (--wait, FERRY_WAIT); 0 fails at once.
	Wait time.Duration
	ICE  ICEOptions
}

// NewCmdReceive builds `ferry receive`. runF replaces the run step in tests.
func NewCmdReceive(ios *IOStreams, runF func(context.Context, *ReceiveOptions) error) *cobra.Command {
	opts := &ReceiveOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "receive [flags] [CODE]",
		Short: "Receive files sent with ferry send",
		Long: `Receive files from "ferry send". CODE is the code the sender printed; it may
also come from FERRY_CODE, which keeps it out of the process list.`,
		Example: `  ferry receive --server ws://192.168.1.5:40123 7-apple-river
  ferry receive --server ws://192.168.1.5:40123 --out - 7-apple-river | tar x
  FERRY_CODE=42-alpha-bravo ferry receive --server wss://ferry.example.org --yes --out backups/
  ferry receive --server wss://ferry.example.org --wait 10m --yes 42-alpha-bravo`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Code = args[0]
			} else {
				opts.Code = os.Getenv(envCode)
			}
			if opts.Code == "" {
				return usageError{errors.New("no code: run ferry receive CODE with the code the sender printed (or set FERRY_CODE)")}
			}
			opts.Server = flagOrEnv(opts.Server, envServer)
			if opts.Server == "" {
				return usageError{errors.New("no rendezvous server: pass --server URL as printed by the sender (or set FERRY_SERVER)")}
			}
			if opts.Out == "-" && opts.JSON {
				return usageError{errors.New("--out - and --json would both write to standard output: use one of them")}
			}
			if err := resolveWait(opts, cmd.Flags().Changed("wait")); err != nil {
				return err
			}
			if err := opts.ICE.resolve(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runReceive(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Server, "server", "", "rendezvous server URL, as printed by the sender; env FERRY_SERVER")
	f.StringVar(&opts.Out, "out", ".", "directory to write the files into (created if missing); - writes a single file or stream to standard output")
	f.BoolVar(&opts.Yes, "yes", false, "accept the files without asking")
	f.BoolVar(&opts.Overwrite, "overwrite", false, "replace files that already exist")
	f.BoolVar(&opts.JSON, "json", false, "write JSON Lines events to stdout instead of messages and progress bars")
	f.BoolVar(&opts.Quiet, "quiet", false, "no progress output; only errors")
	f.BoolVar(&opts.Verify, "verify", false, "show a verification string that both sides must see equal, and ask before receiving")
	f.DurationVar(&opts.Wait, "wait", 0, "if no sender waits under the code yet, keep trying for this long (e.g. 10m), for a receiver that may start first; env FERRY_WAIT")
	addICEFlags(f, &opts.ICE)
	return cmd
}

func runReceive(ctx context.Context, opts *ReceiveOptions) error {
	u := newUI(opts.IO, opts.JSON, opts.Quiet)
	defer u.close() // every event written before the exit
	res, err := receive(ctx, opts, u)
	if err != nil {
		kind, _ := classify(ctx, err)
		u.fail(kind, err)
		return reportedError{err}
	}
	u.done("Received", res)
	return nil
}

func receive(ctx context.Context, opts *ReceiveOptions, u *ui) (transfer.Result, error) {
	code, err := rendezvous.ParseCode(opts.Code)
	if err != nil {
		return transfer.Result{}, err
	}
	topts := transfer.ReceiveOptions{
		Dir:       opts.Out,
		Overwrite: opts.Overwrite,
		Accept:    func(ctx context.Context, m transfer.Manifest) error { return accept(ctx, opts, u, m) },
		Progress:  u,
		Text:      textOut{u},
		Software:  buildinfo.String(),
	}
	if opts.Out == "-" {
		topts.Dir, topts.Out = "", outputWriter{opts.IO.Out}
	} else if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return transfer.Result{}, fmt.Errorf("output directory: %w", err)
	}
	rz, err := dialJoin(ctx, opts.Server, code, opts.Wait, func() { u.waiting(code.Slot, opts.Wait) })
	if err != nil {
		return transfer.Result{}, err
	}
	defer rz.Close()
	sess, err := secure(ctx, rz, code, rendezvous.SideReceiver, opts.Verify, opts.IO, u)
	if err != nil {
		return transfer.Result{}, err
	}
	pc, err := connectPeer(ctx, sess, rz.ICEServers(), opts.ICE, peer.Answerer, u)
	if err != nil {
		return transfer.Result{}, err
	}
	defer pc.Close()
	_ = rz.Close()
	return transfer.Receive(ctx, pc, topts)
}

// joinError adds to a failed join what the server cannot know: once a sender
// and its receiver have connected, the server forgets the code, so a second
// receiver that came a little later (someone else used the code first) hears
// that nobody waits under it.
func joinError(err error) error {
	if errors.Is(err, rendezvous.ErrNoSuchSlot) && !errors.Is(err, rendezvous.ErrSlotUsed) {
		return fmt.Errorf("%w; a code works once: if someone else may have used it first, ask the sender to send again for a new code", err)
	}
	return err
}

// textOut shows a received text message through the ui.
type textOut struct{ u *ui }

func (t textOut) Write(p []byte) (int, error) {
	if err := t.u.text(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// accept shows the offer and asks the user, unless --yes.
func accept(ctx context.Context, opts *ReceiveOptions, u *ui, m transfer.Manifest) error {
	u.offer(m)
	u.sizes(m)
	if len(m.Entries) == 1 && m.Entries[0].Text {
		return nil // a text is shown, never written: nothing to agree to
	}
	what := fmt.Sprintf("%s (%s)", describe(m), sizeText(m))
	if opts.Yes {
		u.infof("Receiving %s.", what)
		return nil
	}
	if !opts.IO.StdinTTY {
		return fmt.Errorf("%w: no terminal to ask whether to accept %s; pass --yes to accept without asking", transfer.ErrDeclined, what)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Receive %s? [Y/n] ", what)
	ok, err := askYes(ctx, opts.IO, true)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: you declined %s", transfer.ErrDeclined, what)
	}
	return nil
}
