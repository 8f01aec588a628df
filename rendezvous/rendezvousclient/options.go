package rendezvousclient

import (
	"context"
	"net/http"

	"github.com/ferry-dev/ferry/rendezvous"
)

// DialOptions tune DialWith, for programs other than the ferry command:
// tests, the load generator.
type DialOptions struct {
	// HTTPClient makes the websocket handshake, e.g. with its own TLS roots
	// or local address. Nil means http.DefaultClient, which trusts the
	// system's certificate authorities (on Linux also SSL_CERT_FILE and
	// SSL_CERT_DIR, so a self-signed server certificate can be trusted with
	// SSL_CERT_FILE=cert.pem).
	HTTPClient *http.Client
	// Header is added to the handshake request.
	Header http.Header
}

// DialWith is Dial with options.
func DialWith(ctx context.Context, serverURL string, opts DialOptions) (*Conn, error) {
	return dialWith(ctx, serverURL, rendezvous.Version, opts)
}
