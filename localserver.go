package ferry

import (
	"log/slog"
	"time"
)

// The local rendezvous server and the local network (server.go, lan.go,
// mdns.go) exist only in native builds: in a browser (GOOS=js) there is no
// listening socket and no multicast, so Send and Receive need
// Config.Server there (server_js.go).

// ServerConfig configures a rendezvous server run in this process.
type ServerConfig struct {
	// Listen is the TCP address to listen on; "" is ":0", a free port on
	// every interface, so that a receiver on the local network reaches it.
	Listen string
	// Advertise is the host (or host:port), or the name of the interface
	// whose address, [LocalServer.URL] names for the receiver. "" is the
	// listening address when it names one host, or else this host's likeliest
	// address on the local network: interfaces that are down, without a
	// link, virtual bridges and container networks come last.
	Advertise string
	// NoAnnounce keeps the server from announcing itself on the local
	// network. A server that listens on every interface announces itself
	// (multicast DNS) on the advertised one, so that a receiver with no
	// server finds it; the announcement names no code.
	NoAnnounce bool
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
	// CodesPerMinute bounds the codes one address may take per minute (each
	// Send holds one), JoinsPerMinute the codes it may join (each Receive);
	// 0 is ferry-rendezvous's default for each, 30. Every peer in this
	// process reaches the server from the same address: a program that runs
	// more transfers a minute through one server raises them.
	CodesPerMinute, JoinsPerMinute int
}

// DiscoverTimeout is how long a receiver without a server listens for
// senders on the local network, each time it looks.
const DiscoverTimeout = 2 * time.Second
