package rendezvous

import (
	"context"
	"log/slog"
)

// DialVersion dials as a client of protocol version v.
func DialVersion(ctx context.Context, serverURL string, v int) (*Conn, error) {
	return dial(ctx, serverURL, v)
}

// NewServerVersion returns a server that speaks protocol version v.
func NewServerVersion(logger *slog.Logger, cfg Config, v int) *Server {
	s := NewServer(logger, cfg)
	s.version = v
	return s
}
