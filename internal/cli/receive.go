package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry"
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
also come from FERRY_CODE, which keeps it out of the process list.

With no --server (and no FERRY_SERVER), ferry looks for the sender on the local
network: a "ferry send" without --server announces itself there. Otherwise,
pass the --server URL the sender printed.`,
		Example: `  ferry receive 7-apple-river
  ferry receive --server ws://192.168.1.5:40123 7-apple-river
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
			// On a terminal, runReceive asks for a code not given.
			if opts.Code == "" && !(opts.IO.StdinTTY && opts.IO.StderrTTY) {
				return usageError{errors.New("no code: run ferry receive CODE with the code the sender printed (or set FERRY_CODE)")}
			}
			opts.Server = flagOrEnv(opts.Server, envServer) // none: look on the local network
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
	f.StringVar(&opts.Server, "server", "", "rendezvous server URL, as printed by the sender; env FERRY_SERVER; default: find the sender on the local network")
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
	var err error
	if opts.Code == "" {
		opts.Code, err = promptCode(ctx, opts.IO)
	}
	if err == nil {
		_, err = receive(ctx, opts, u)
	}
	if err != nil {
		kind, _ := classify(ctx, err)
		u.fail(kind, err)
		return reportedError{err}
	}
	return nil
}

// receive runs ferry.Receive with what the options name; its events reach u.
func receive(ctx context.Context, opts *ReceiveOptions, u *ui) (ferry.Result, error) {
	cfg := ferry.ReceiveConfig{
		Config: ferry.Config{
			Server:  opts.Server,
			Code:    opts.Code,
			Network: opts.ICE.network(),
			Verify:  verifier(opts.Verify, opts.IO, u),
			Events:  receiverEvents{u},
		},
		Dir:       opts.Out,
		Overwrite: opts.Overwrite,
		Text:      textOut{u},
		Accept:    func(ctx context.Context, m ferry.Manifest) error { return accept(ctx, opts, u, m) },
		Wait:      opts.Wait,
	}
	if opts.Out == "-" {
		cfg.Out = outputWriter{opts.IO.Out}
	}
	return ferry.Receive(ctx, cfg)
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
func accept(ctx context.Context, opts *ReceiveOptions, u *ui, m ferry.Manifest) error {
	if len(m.Entries) == 1 && m.Entries[0].Text {
		return nil // a text is shown, never written: nothing to agree to
	}
	what := fmt.Sprintf("%s (%s)", describe(m), sizeText(m))
	if opts.Yes {
		u.infof("Receiving %s.", what)
		return nil
	}
	if !opts.IO.StdinTTY {
		return ferry.Decline(fmt.Sprintf("no terminal to ask whether to accept %s; pass --yes to accept without asking", what),
			"it had no terminal to ask its user on (ferry receive --yes accepts without asking)")
	}
	fmt.Fprintf(opts.IO.ErrOut, "Receive %s? [Y/n] ", what)
	ok, err := askYes(ctx, opts.IO, true)
	if err != nil {
		return err
	}
	if !ok {
		return ferry.Decline("you declined "+what, "") // the sender reads "the receiver declined"
	}
	return nil
}
