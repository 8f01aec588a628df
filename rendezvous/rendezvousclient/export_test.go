package rendezvousclient

import (
	"context"
)

// DialVersion dials as a client of protocol version v.
func DialVersion(ctx context.Context, serverURL string, v int) (*Conn, error) {
	return dial(ctx, serverURL, v)
}
