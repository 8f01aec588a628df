// Package servercmd is the command line of ferry-rendezvous, the self-hosted
// rendezvous server. Exit codes are decided here, in Main.
package servercmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/internal/buildinfo"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// DefaultListen is the address the server listens on without --listen.
const DefaultListen = ":7339"

// Options are the parsed flags.
type Options struct {
	Listen    string
	LogFormat string // text or json
	LogLevel  string // debug, info, warn or error
	STUN      []string
	TURN      TURNOptions
	Config    rendezvousserver.Config

	// Production (ops.go): TLS, reverse proxies, metrics, graceful restarts.
	TLSCert, TLSKey string
	MetricsListen   string
	PublicMetrics   bool                        // --metrics-public: GET /metrics on --listen too
	NoWebApp        bool                        // --no-web-app: no browser app at /
	HTTP            rendezvousserver.HTTPLimits // --http-timeout, --http-idle-timeout, --tcp-conns-per-ip, --max-tcp-conns
	TrustedProxies  []string
	ShutdownTimeout time.Duration

	Stdout, Stderr io.Writer
}

// usageError marks errors in how the command was called (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Main runs ferry-rendezvous with args (without the program name) until ctx
// ends, and returns the exit code: 0 after a clean shutdown, 1 on failure,
// 2 on a usage error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := NewCmd(stdout, stderr, nil)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(stderr, "ferry-rendezvous: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "Run 'ferry-rendezvous --help' for usage.")
		return ExitUsage
	}
	return ExitFailure
}

// NewCmd builds the command. runF replaces Run in tests that only parse flags.
func NewCmd(stdout, stderr io.Writer, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Stdout: stdout, Stderr: stderr}
	d := rendezvousserver.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "ferry-rendezvous [flags]",
		Short: "The rendezvous server that pairs ferry senders and receivers",
		Long: `ferry-rendezvous pairs a ferry sender and receiver under the number at the
start of their code and relays their (sealed) WebRTC offer and answer. It
never sees file data, nor the words of a code.

It listens on ` + DefaultListen + ` (all interfaces, port 7339) unless --listen says
otherwise, and serves:
  ` + rendezvous.WSPath + `    the websocket endpoint of protocol v` + fmt.Sprint(rendezvous.Version) + `
  /healthz  200 "ok" while the server runs (503 once it is shutting down)
  /         the browser app: send and receive with a code in a web page
            (--no-web-app turns it off)

and GET /metrics (Prometheus) only on --metrics-listen ADDR, e.g.
127.0.0.1:9339: not on the public listener unless --metrics-public.

Point clients at it with: ferry send --server ws://HOST:7339 FILE
(wss://HOST with --tls-cert, or when a TLS reverse proxy sits in front of it).

Every limit below has a default that is safe on a public address; a client
that hits one gets an error that names the flag. Per-IP limits count the TCP
peer address (IPv6 per /64), or the address in X-Forwarded-For when the peer
is a --trusted-proxy.

It logs to stderr, starting with a "listening" line with the address. On
SIGHUP it reloads the TLS certificate. On SIGINT or SIGTERM it stops taking
connections, tells waiting clients to run their command again, lets pairs
already connecting finish (--shutdown-timeout) and exits. Exit codes: 0 clean
shutdown, 1 failure, 2 usage error.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q: ferry-rendezvous takes only flags", args[0])
			}
			return nil
		},
		Version:       buildinfo.String(),
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd.Flags(), os.LookupEnv); err != nil {
				return err
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if err := opts.validateOps(); err != nil {
				return err
			}
			if err := opts.TURN.validate(cmd); err != nil {
				return err
			}
			for _, u := range opts.STUN {
				opts.Config.ICEServers = append(opts.Config.ICEServers, rendezvous.ICEServer{URLs: []string{u}})
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetVersionTemplate("ferry-rendezvous {{.Version}}\n")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	f := cmd.Flags()
	f.SortFlags = false
	f.StringVar(&opts.Listen, "listen", DefaultListen, "address to listen on, host:port (port 0 picks a free one)")
	f.StringVar(&opts.LogFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&opts.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringArrayVar(&opts.STUN, "stun", nil, "STUN server URL offered to clients, e.g. stun:stun.example.com:3478 (repeatable)")
	addTURNFlags(cmd, &opts.TURN)
	addOpsFlags(cmd, opts)
	c := &opts.Config
	f.IntVar(&c.MaxMessageSize, "max-message-size", d.MaxMessageSize, "largest websocket message a client may send, in bytes (at least 1024)")
	f.IntVar(&c.MaxMessagesPerSlot, "max-messages-per-slot", d.MaxMessagesPerSlot, "most messages the two sides of a code may relay, both ways together")
	f.IntVar(&c.MaxBytesPerSlot, "max-bytes-per-slot", d.MaxBytesPerSlot, "most bytes of messages the two sides of a code may relay, both ways together")
	f.DurationVar(&c.SlotLifetime, "slot-lifetime", d.SlotLifetime, "how long a sender may wait for its receiver")
	f.DurationVar(&c.HandshakeTimeout, "handshake-timeout", d.HandshakeTimeout, "how long a pair may stay connected after meeting")
	f.IntVar(&c.MaxSlots, "max-slots", d.MaxSlots, "most codes in use at once")
	f.IntVar(&c.SlotsPerIPPerMinute, "slots-per-ip", d.SlotsPerIPPerMinute, "most new codes per IP address per minute")
	f.IntVar(&c.JoinsPerIPPerMinute, "joins-per-ip", d.JoinsPerIPPerMinute, "most attempts to use a code per IP address per minute")
	f.DurationVar(&c.IdleTimeout, "idle-timeout", d.IdleTimeout, "how long a client may stay connected without asking for or using a code")
	f.IntVar(&c.WaitingPerIP, "waiting-per-ip", d.WaitingPerIP, "most senders per IP address (IPv6: per /64) waiting for their receivers at once")
	f.IntVar(&c.ConnsPerIP, "conns-per-ip", d.ConnsPerIP, "most websocket connections per IP address (IPv6: per /64) open at once; behind a --trusted-proxy, per forwarded client")
	f.IntVar(&c.FailedJoinsPerIPPerMinute, "failed-joins-per-ip", d.FailedJoinsPerIPPerMinute, "most pairings per IP address (IPv6: per /64) per minute that a receiver starts and does not finish; each ends a sender's wait")
	setHelp(cmd)
	return cmd
}

func (o *Options) validate() error {
	switch o.LogFormat {
	case "text", "json":
	default:
		return usagef("--log-format %q: use text or json", o.LogFormat)
	}
	if _, err := parseLevel(o.LogLevel); err != nil {
		return err
	}
	if o.Listen == "" {
		return usagef("--listen is empty: give host:port, e.g. %s", DefaultListen)
	}
	c := o.Config
	for _, l := range []struct {
		name string
		ok   bool
	}{
		{"max-message-size", c.MaxMessageSize >= 1024},
		{"max-messages-per-slot", c.MaxMessagesPerSlot > 0},
		{"max-bytes-per-slot", c.MaxBytesPerSlot > 0},
		{"slot-lifetime", c.SlotLifetime > 0},
		{"handshake-timeout", c.HandshakeTimeout > 0},
		{"max-slots", c.MaxSlots > 0},
		{"slots-per-ip", c.SlotsPerIPPerMinute > 0},
		{"joins-per-ip", c.JoinsPerIPPerMinute > 0},
		{"idle-timeout", c.IdleTimeout > 0},
		{"failed-joins-per-ip", c.FailedJoinsPerIPPerMinute > 0},
		{"waiting-per-ip", c.WaitingPerIP > 0},
		{"conns-per-ip", c.ConnsPerIP > 0},
	} {
		if !l.ok {
			want := "positive"
			if l.name == "max-message-size" {
				want = "at least 1024"
			}
			return usagef("--%s must be %s", l.name, want)
		}
	}
	for _, u := range o.STUN {
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "stuns:") {
			return usagef("--stun %q: a STUN URL looks like stun:host:3478", u)
		}
	}
	return nil
}
