// Package cli is ferry's command line: cobra commands, flags, terminal
// detection, progress bars, JSON events and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/internal/buildinfo"
)

// Main runs ferry with args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, ios *IOStreams) int {
	root := NewCmdRoot(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var reported reportedError
	if errors.As(err, &reported) {
		_, code := classify(ctx, err)
		return code
	}
	// Everything the run steps return is reported; the rest comes from parsing
	// the command line: unknown commands and flags, wrong argument counts.
	fmt.Fprintf(ios.ErrOut, "ferry: %s\nRun 'ferry --help' for usage.\n", err)
	return ExitUsage
}

// NewCmdRoot builds the `ferry` command with its subcommands.
func NewCmdRoot(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:           "ferry",
		Short:         "Send files directly between two computers with a short code",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildinfo.String(),
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out) // help, completion scripts and their answers: stdout, for | less and shells
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(NewCmdSend(ios, nil), NewCmdReceive(ios, nil), newCmdVersion(ios))
	return root
}

func newCmdVersion(ios *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print ferry's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(ios.Out, "ferry %s\n", buildinfo.String())
		},
	}
}
