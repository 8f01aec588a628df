package rendezvous

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the TURN REST scheme (coturn's use-auth-secret) is defined with HMAC-SHA1
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Short-lived TURN credentials in coturn's shared-secret scheme (the "TURN
// REST API" of draft-uberti-behave-turn-rest, coturn's use-auth-secret and
// static-auth-secret):
//
//	username = "<expiry>:<id>"   expiry in Unix seconds, id names the user
//	password = base64(HMAC-SHA1(secret, username))
//
// The rendezvous server mints fresh credentials for both clients of a pair in
// the paired message (never before: a connection that pairs with nobody gets
// none); the TURN server (ferry-rendezvous's own, or coturn) knows
// only the secret and recomputes the password. The id is derived from the
// client's address as the rendezvous server saw it (an IPv6 address by its
// /64: addrKey), keyed with the secret, so that a TURN server can count
// allocations per user without learning the address.

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

// TURNPassword is the password of a TURN username under secret.
func TURNPassword(secret, username string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// TURNCredentials mints a username and password for user id, valid until expiry.
func TURNCredentials(secret, id string, expiry time.Time) (username, password string) {
	username = strconv.FormatInt(expiry.Unix(), 10)
	if id != "" {
		username += ":" + id
	}
	return username, TURNPassword(secret, username)
}

// ErrTURNUsername: a TURN username that is not "<expiry>[:<id>]".
var ErrTURNUsername = errors.New("not a username of the TURN shared-secret scheme (expiry[:id])")

// ParseTURNUsername splits a username into its expiry and user id. A username
// without an id is its own id, as coturn counts it.
func ParseTURNUsername(username string) (expiry time.Time, id string, err error) {
	ts, id, found := strings.Cut(username, ":")
	if !found {
		id = username
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || secs < 0 {
		return time.Time{}, "", fmt.Errorf("%w: %q", ErrTURNUsername, truncate(username, 60))
	}
	return time.Unix(secs, 0), id, nil
}

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
func (c Config) iceServersFor(ip string, now time.Time) []ICEServer {
	if len(c.TURN.URLs) == 0 || c.TURN.Secret == "" {
		return c.ICEServers
	}
	ttl := c.TURN.TTL
	if ttl <= 0 {
		ttl = DefaultTURNTTL
	}
	user, pass := TURNCredentials(c.TURN.Secret, turnUserID(c.TURN.Secret, ip), now.Add(ttl))
	out := slices.Clone(c.ICEServers)
	return append(out, ICEServer{URLs: slices.Clone(c.TURN.URLs), Username: user, Credential: pass})
}
