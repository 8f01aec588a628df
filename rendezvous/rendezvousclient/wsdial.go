//go:build !js

package rendezvousclient

import (
	"context"
	"net/http"

	"github.com/coder/websocket"
)

// wsDial opens the websocket with opts' HTTP client and headers.
func wsDial(ctx context.Context, u string, opts DialOptions) (*websocket.Conn, *http.Response, error) {
	return websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: opts.HTTPClient, HTTPHeader: opts.Header})
}
