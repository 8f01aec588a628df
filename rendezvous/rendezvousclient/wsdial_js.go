//go:build js

package rendezvousclient

import (
	"context"
	"net/http"

	"github.com/coder/websocket"
)

// wsDial opens the websocket with the browser's WebSocket, which takes
// neither an HTTP client nor headers: opts' are ignored. The browser does
// not show the handshake's response either, so a server of another protocol
// version reads as one that cannot be reached.
func wsDial(ctx context.Context, u string, _ DialOptions) (*websocket.Conn, *http.Response, error) {
	return websocket.Dial(ctx, u, nil)
}
