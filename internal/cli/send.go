package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/transfer"
)

// SendOptions are the inputs of `ferry send`.
type SendOptions struct {
	IO        *IOStreams
	Paths     []string
	FilesFrom string // file listing paths, one per line; "-" for standard input
	Name      string // name of the standard-input stream
	Text      string // a text message instead of files ("-": read it from standard input)
	TextSet   bool
	Server    string
	Code      string
	Words     int
	JSON      bool
	Quiet     bool
	Verify    bool
	Compress  bool // adaptive zstd compression (default on)
	// Advertise is the address or interface the embedded server names in
	// the receive command (--advertise, FERRY_ADVERTISE).
	Advertise string
	// QR draws the address of the web page, code included, as a QR code
	// (--qr): a phone scans it and receives in its browser.
	QR  bool
	ICE ICEOptions
}

// NewCmdSend builds `ferry send`. runF replaces the run step in tests.
func NewCmdSend(ios *IOStreams, runF func(context.Context, *SendOptions) error) *cobra.Command {
	opts := &SendOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "send [flags] PATH...",
		Short: "Send files, directories, a stream or a text to another computer",
		Long: `Send files and directories to another computer. ferry prints a code; run
"ferry receive CODE" on the other computer to get them.

PATH may be a file or a directory (sent whole, with empty directories and file
modes; symbolic links inside are not followed and are reported), or - for
standard input, streamed whatever its length. --text sends a message that the
receiver prints.

With no --server (and no FERRY_SERVER), ferry runs a rendezvous server inside
this process and announces it on the local network: there, "ferry receive
CODE" finds it. The longer command it prints, with --server, works on this
host and from the local network where multicast does not.`,
		Example: `  ferry send report.pdf photos/ notes/
  tar c project | ferry send --name project.tar -
  ferry send --text "the wifi password is hunter2"
  find . -name '*.log' | ferry send --files-from -
  ferry send --server wss://ferry.example.org report.pdf
  FERRY_CODE=42-alpha-bravo ferry send --json backup.tar`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !cmd.Flags().Changed("text") && opts.FilesFrom == "" {
				return usageError{errors.New("nothing to send: name at least one file, e.g. ferry send report.pdf")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.TextSet = cmd.Flags().Changed("text")
			opts.Server = flagOrEnv(opts.Server, envServer)
			opts.Code = flagOrEnv(opts.Code, envCode)
			opts.Advertise = flagOrEnv(opts.Advertise, envAdvertise)
			if opts.Advertise != "" && opts.Server != "" {
				return usageError{errors.New("--advertise names the address of the server ferry send runs itself: leave it out with --server (or FERRY_SERVER)")}
			}
			if opts.Words < 1 || opts.Words > 16 {
				return usageError{fmt.Errorf("--words %d: use 1 to 16 words", opts.Words)}
			}
			if err := opts.ICE.resolve(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSend(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.FilesFrom, "files-from", "", "read the paths to send from this file, one per line (- for standard input)")
	f.StringVar(&opts.Name, "name", "stdin", "the name the receiver gets for standard input (with PATH -)")
	f.StringVar(&opts.Text, "text", "", "send this text message instead of files (- reads it from standard input)")
	f.StringVar(&opts.Server, "server", "", "rendezvous server URL (ws://, wss://, http://, https://); env FERRY_SERVER; default: run one in this process")
	f.StringVar(&opts.Advertise, "advertise", "", "the address (or interface, e.g. eth0) the receive command names, without --server; env "+envAdvertise+"; default: this host's LAN address, not a container bridge")
	f.StringVar(&opts.Code, "code", "", "use this code instead of a generated one, e.g. 42-alpha-bravo; env FERRY_CODE")
	f.IntVar(&opts.Words, "words", rendezvous.DefaultWords, "number of words in a generated code (each adds about 11.5 bits)")
	f.BoolVar(&opts.JSON, "json", false, "write JSON Lines events to stdout instead of messages and progress bars")
	f.BoolVar(&opts.Quiet, "quiet", false, "no progress output; only the code and errors")
	f.BoolVar(&opts.Verify, "verify", false, "show a verification string that both sides must see equal, and ask before sending")
	f.BoolVar(&opts.QR, "qr", false, "also draw a QR code of the web page that receives in a browser (the code is in the address): a phone scans it")
	f.BoolVar(&opts.Compress, "compress", true, "compress what shrinks (zstd, adaptive: random or already compressed data is sent as it is); --compress=false never compresses")
	addICEFlags(f, &opts.ICE)
	return cmd
}

func runSend(ctx context.Context, opts *SendOptions) error {
	u := newUI(opts.IO, opts.JSON, opts.Quiet)
	defer u.close() // every event written before the exit
	if _, err := send(ctx, opts, u); err != nil {
		kind, _ := classify(ctx, err)
		u.fail(kind, err)
		return reportedError{err}
	}
	return nil
}

// send runs ferry.Send with what the options name; its events reach u.
func send(ctx context.Context, opts *SendOptions, u *ui) (ferry.Result, error) {
	if opts.Code != "" {
		if _, err := rendezvous.ParseCode(opts.Code); err != nil {
			return ferry.Result{}, usageError{err}
		}
	}
	src, skipped, err := source(opts)
	if err != nil {
		return ferry.Result{}, err
	}
	return ferry.Send(ctx, src, ferry.SendConfig{
		Config: ferry.Config{
			Server:  opts.Server,
			Code:    opts.Code,
			Network: opts.ICE.network(),
			Verify:  verifier(opts.Verify, opts.IO, u),
			Events:  senderEvents{ui: u, skipped: skipped, qr: opts.QR},
		},
		Words:         opts.Words,
		NoCompression: !opts.Compress,
		// Without --server: a server in this process, its warnings on stderr.
		LocalServer: ferry.ServerConfig{
			Advertise: opts.Advertise,
			Logger:    slog.New(slog.NewTextHandler(opts.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelWarn})),
		},
	})
}

// sizeText is the size of what a manifest holds, for messages and the accept
// prompt: "1.5 MiB", or "size unknown" for a stream (standard input), never
// "0 B".
func sizeText(m transfer.Manifest) string {
	for _, e := range m.Entries {
		if e.Size < 0 {
			if m.TotalBytes == 0 {
				return "size unknown"
			}
			return transfer.HumanBytes(m.TotalBytes) + " and a stream of unknown size"
		}
	}
	return transfer.HumanBytes(m.TotalBytes)
}

// describe names what a manifest holds, for messages and the accept prompt:
// "report.pdf", "a text message", or "3 files and 1 directory: photos/, a.txt".
func describe(m transfer.Manifest) string {
	if len(m.Entries) == 1 && m.Entries[0].Text {
		return "a text message"
	}
	if len(m.Entries) == 1 && !m.Entries[0].Mode.IsDir() {
		return displayName(m.Entries[0].Path)
	}
	files, dirs := countEntries(m)
	isDir := map[string]bool{}
	for _, e := range m.Entries {
		if e.Mode.IsDir() {
			isDir[e.Path] = true
		}
	}
	s := fmt.Sprintf("%d %s", files, plural(files, "file", "files"))
	if dirs > 0 {
		s += fmt.Sprintf(" and %d %s", dirs, plural(dirs, "directory", "directories"))
	}
	const show = 5
	names := topNames(m, show)
	for i, n := range names {
		names[i] = displayName(n)
		if isDir[n] {
			names[i] += "/"
		}
	}
	s += ": " + strings.Join(names, ", ")
	if more := countTop(m) - len(names); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// countEntries counts the files (a stream and a text count as one) and the
// directories a manifest offers, as the summary and the offer event show them.
func countEntries(m transfer.Manifest) (files, dirs int) {
	for _, e := range m.Entries {
		if e.Mode.IsDir() {
			dirs++
		}
	}
	return len(m.Entries) - dirs, dirs
}
