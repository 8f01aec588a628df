package rendezvousserver

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"slices"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/turncreds"
)

// TURN configures the TURN servers the rendezvous server offers, with
// credentials minted per client.
type TURN struct {
	// URLs are turn: or turns: URLs, e.g. "turn:relay.example.org:3478".
	URLs []string
	// Secret is shared with the TURN servers (coturn's static-auth-secret).
	Secret string
	// TTL is how long minted credentials stay valid. Default DefaultTURNTTL.
	TTL time.Duration
}

// DefaultTURNTTL is the lifetime of minted TURN credentials. They are minted
// when a client connects and used when its peer has arrived, so they must
// outlive a sender's wait (SlotLifetime, 1 h by default) and the handshake.
// A relayed session that started in time outlives them: coturn (4.6) keeps
// refreshing it, and ferry-rendezvous's own relay accepts its refreshes up to
// --turn-max-lifetime past the expiry.
const DefaultTURNTTL = 2 * time.Hour

// turnUserID names the user behind address ip for the TURN server's
// per-user limits, without revealing the address. It is keyed like every
// per-address limit (addrKey): an IPv6 client counts by its /64, so that one
// subscriber cannot collect a user id per address of its prefix.
func turnUserID(secret, ip string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte("ferry-turn-user\x00" + addrKey(ip)))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil)[:10]))
}

// iceServersFor is the ICE server list of the paired message to a client at
// address ip: the static servers, then the TURN servers with fresh credentials.
func (c Config) iceServersFor(ip string, now time.Time) []rendezvous.ICEServer {
	if len(c.TURN.URLs) == 0 || c.TURN.Secret == "" {
		return c.ICEServers
	}
	ttl := c.TURN.TTL
	if ttl <= 0 {
		ttl = DefaultTURNTTL
	}
	user, pass := turncreds.Credentials(c.TURN.Secret, turnUserID(c.TURN.Secret, ip), now.Add(ttl))
	out := slices.Clone(c.ICEServers)
	return append(out, rendezvous.ICEServer{URLs: slices.Clone(c.TURN.URLs), Username: user, Credential: pass})
}
