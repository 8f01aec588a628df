package servercmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagGroups orders --help: each flag under the heading of the first group
// that names it. Flags no group names go under "ICE servers and TURN relay"
// if their name starts with "turn" (the TURN flags live in turn.go), else
// under "Other".
var flagGroups = []struct {
	title string
	flags []string
}{
	{"Listening", []string{"listen", "metrics-listen", "metrics-public", "no-web-app", "shutdown-timeout",
		"http-timeout", "http-idle-timeout", "tcp-conns-per-ip", "max-tcp-conns"}},
	{"TLS and reverse proxies", []string{"tls-cert", "tls-key", "trusted-proxy"}},
	{"ICE servers and TURN relay", []string{"stun"}},
	{"Limits (a client that hits one gets an error naming the flag)", []string{
		"max-message-size", "max-messages-per-slot", "slot-lifetime", "handshake-timeout",
		"max-slots", "slots-per-ip", "joins-per-ip", "idle-timeout", "max-bytes-per-slot",
		"waiting-per-ip", "conns-per-ip", "failed-joins-per-ip"}},
	{"Logging", []string{"log-format", "log-level"}},
	{"Other", nil},
}

const examples = `  # Plain websockets on port 7339, e.g. behind a TLS reverse proxy on this host:
  ferry-rendezvous --listen 127.0.0.1:7339 --trusted-proxy 127.0.0.1/32

  # TLS of its own (reload the files with: kill -HUP PID), metrics kept private:
  ferry-rendezvous --listen :443 --tls-cert /etc/ferry/cert.pem --tls-key /etc/ferry/key.pem \
      --metrics-listen 127.0.0.1:9339

  # The same settings from the environment (e.g. a systemd unit or a container):
  FERRY_RENDEZVOUS_LISTEN=:7339 FERRY_RENDEZVOUS_MAX_SLOTS=20000 ferry-rendezvous`

const envHelp = `Every flag can also be set in the environment as ` + EnvPrefix + ` and its name in
capitals with - as _, e.g. --max-slots as ` + EnvPrefix + `MAX_SLOTS=20000. A repeatable
flag takes a comma-separated list (` + EnvPrefix + `TRUSTED_PROXY=10.0.0.0/8,::1/128).
A flag on the command line wins over its variable.`

// groupOf is the heading a flag goes under.
func groupOf(name string) string {
	for _, g := range flagGroups {
		for _, f := range g.flags {
			if f == name {
				return g.title
			}
		}
	}
	if strings.HasPrefix(name, "turn") {
		return "ICE servers and TURN relay"
	}
	return "Other"
}

// setHelp gives cmd a --help with the flags in groups, examples and the
// environment variables.
func setHelp(cmd *cobra.Command) {
	cmd.Example = examples
	cmd.SetUsageFunc(func(c *cobra.Command) error {
		writeUsage(c.OutOrStderr(), c)
		return nil
	})
}

func writeUsage(w io.Writer, c *cobra.Command) {
	fmt.Fprintf(w, "Usage:\n  %s\n\nExamples:\n%s\n", c.UseLine(), c.Example)
	sets := map[string]*pflag.FlagSet{}
	c.Flags().VisitAll(func(f *pflag.Flag) {
		g := groupOf(f.Name)
		if sets[g] == nil {
			sets[g] = pflag.NewFlagSet(g, pflag.ContinueOnError)
			sets[g].SortFlags = false
		}
		sets[g].AddFlag(f)
	})
	for _, g := range flagGroups {
		if fs := sets[g.title]; fs != nil {
			fmt.Fprintf(w, "\n%s:\n%s", g.title, fs.FlagUsagesWrapped(100))
		}
	}
	fmt.Fprintf(w, "\nEnvironment:\n%s\n", indent(envHelp))
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
