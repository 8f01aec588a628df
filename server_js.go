//go:build js

package ferry

import (
	"context"
	"errors"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// errNoServer: in a browser Config.Server is required.
var errNoServer = errors.New("ferry: no rendezvous server given: in a browser, Config.Server is required " +
	"(a browser can neither run a server nor look for one on the local network)")

// errNoLANServer is never returned in a browser (joinError tests for it).
var errNoLANServer = errors.New("ferry: no ferry sender on the local network")

// LocalServer is a rendezvous server run in this process; in a browser
// there is none: [StartServer] fails.
type LocalServer struct{}

// StartServer fails in a browser, which cannot listen.
func StartServer(context.Context, ServerConfig) (*LocalServer, error) { return nil, errNoServer }

// Announced reports false: there is no server.
func (*LocalServer) Announced() bool { return false }

// URL is "": there is no server.
func (*LocalServer) URL() string { return "" }

// LocalURL is "": there is no server.
func (*LocalServer) LocalURL() string { return "" }

// Close does nothing.
func (*LocalServer) Close() error { return nil }

// joinOnLAN fails in a browser, which cannot look on the local network.
func joinOnLAN(context.Context, ConnectConfig, rendezvous.Code) (*rendezvousclient.Conn, error) {
	return nil, errNoServer
}
