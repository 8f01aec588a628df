package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ferry-dev/ferry"
)

// envICEServers stands in for --ice-server: comma-separated.
const envICEServers = "FERRY_ICE_SERVERS"

// envParallel stands in for --parallel.
const envParallel = "FERRY_PARALLEL"

// ICEOptions are the connection flags of send and receive: NAT traversal,
// and how many connections to run in parallel.
type ICEOptions struct {
	Servers    []string // --ice-server, or FERRY_ICE_SERVERS
	ForceRelay bool     // --force-relay
	Parallel   int      // --parallel, or FERRY_PARALLEL; 0: from the cores and memory

	parsed []ferry.ICEServer
}

func addICEFlags(f *pflag.FlagSet, o *ICEOptions) {
	f.StringArrayVar(&o.Servers, "ice-server", nil, "add a STUN or TURN server to those the rendezvous server offers: stun:host:port or turn:user:password@host:port (repeatable); env "+envICEServers+", comma-separated")
	f.BoolVar(&o.ForceRelay, "force-relay", false, "connect only through a relay (TURN), never directly: the peer never learns your IP address")
	f.IntVar(&o.Parallel, "parallel", 0, fmt.Sprintf("peer connections to run at once, 1 to %d (the sender asks, the receiver allows at most): more cores, more speed; 0 picks from the cores and memory (%d here); env %s",
		ferry.MaxParallel, ferry.DefaultParallel(), envParallel))
}

// resolve reads FERRY_ICE_SERVERS when no --ice-server was given, and parses
// the servers; an error is a usage error.
func (o *ICEOptions) resolve() error {
	from := "--parallel " + strconv.Itoa(o.Parallel)
	if v := os.Getenv(envParallel); o.Parallel == 0 && v != "" {
		from = fmt.Sprintf("%s=%q", envParallel, v)
		n, err := strconv.Atoi(v)
		if err != nil {
			return usageError{fmt.Errorf("%s: not a number of connections (1 to %d, or 0 for the default)", from, ferry.MaxParallel)}
		}
		o.Parallel = n
	}
	if o.Parallel < 0 || o.Parallel > ferry.MaxParallel {
		return usageError{fmt.Errorf("%s: give 1 to %d connections, or 0 for the default", from, ferry.MaxParallel)}
	}
	servers := o.Servers
	if len(servers) == 0 {
		for _, s := range strings.Split(os.Getenv(envICEServers), ",") {
			if s = strings.TrimSpace(s); s != "" {
				servers = append(servers, s)
			}
		}
	}
	o.parsed = nil
	for _, s := range servers {
		srv, err := ferry.ParseICEServer(s)
		if err != nil {
			return usageError{fmt.Errorf("--ice-server: %w", err)}
		}
		o.parsed = append(o.parsed, srv)
	}
	return nil
}

// network is the peer connection's configuration for ferry.
func (o ICEOptions) network() ferry.Network {
	return ferry.Network{ICEServers: o.parsed, ForceRelay: o.ForceRelay, Parallel: o.Parallel}
}
