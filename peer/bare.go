package peer

import (
	"context"
	"fmt"
)

// Bare is pion's detached data channel, set up by ConnectBare exactly as
// Connect sets up the channel under a Conn (the same SettingEngine, socket
// buffers, SCTP window, message size and watermarks), but without ferry's
// stream layer on top: messages go straight to pion and come straight from
// it. It is the ceiling that cmd/ferry-bench measures ferry against; ferry
// itself uses Conn.
type Bare struct {
	c *Conn
}

// ConnectBare connects like Connect and returns the bare channel.
func ConnectBare(ctx context.Context, sig Signaler, role Role, cfg Config) (*Bare, error) {
	cfg.bare = true
	c, err := Connect(ctx, sig, role, cfg)
	if err != nil {
		return nil, err
	}
	return &Bare{c: c}, nil
}

// MessageSize is the message size Conn.Write would use on this channel.
func (b *Bare) MessageSize() int { return b.c.cfg.MessageSize }

// MaxMessage is the largest message this side accepts: ReadMessage needs a
// buffer this large.
func (b *Bare) MaxMessage() int { return b.c.cfg.maxMessage }

// WriteMessage sends p as one message, waiting first while more than
// Config.HighWater bytes are queued, as Conn.Write does.
func (b *Bare) WriteMessage(p []byte) error {
	if err := b.c.waitWritable(); err != nil {
		return err
	}
	if _, err := b.c.dc.Write(p); err != nil {
		return fmt.Errorf("peer: bare write: %w", err)
	}
	return nil
}

// ReadMessage reads the next message into p, which must hold MaxMessage
// bytes.
func (b *Bare) ReadMessage(p []byte) (int, error) {
	n, err := b.c.dc.Read(p)
	if err != nil {
		return n, readError(err, len(p))
	}
	return n, nil
}

// Close tears the connection down without flushing: the caller agrees with
// the peer, out of band, that everything arrived.
func (b *Bare) Close() error {
	return b.c.pc.Close()
}

// Route is Conn.Route.
func (b *Bare) Route() Route { return b.c.Route() }
