// Package turncreds mints and checks short-lived TURN credentials in
// coturn's shared-secret scheme (the "TURN
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
// /64), keyed with the secret, so that a TURN server can count
// allocations per user without learning the address.
//
// The rendezvous server (package rendezvousserver) mints with Credentials;
// the TURN relay (package relay) checks with ParseUsername and Password.
package turncreds

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the TURN REST scheme (coturn's use-auth-secret) is defined with HMAC-SHA1
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Password is the password of a TURN username under secret.
func Password(secret, username string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Credentials mints a username and password for user id, valid until expiry.
func Credentials(secret, id string, expiry time.Time) (username, password string) {
	username = strconv.FormatInt(expiry.Unix(), 10)
	if id != "" {
		username += ":" + id
	}
	return username, Password(secret, username)
}

// ErrTURNUsername: a TURN username that is not "<expiry>[:<id>]".
var ErrUsername = errors.New("not a username of the TURN shared-secret scheme (expiry[:id])")

// ParseUsername splits a username into its expiry and user id. A username
// without an id is its own id, as coturn counts it.
func ParseUsername(username string) (expiry time.Time, id string, err error) {
	ts, id, found := strings.Cut(username, ":")
	if !found {
		id = username
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || secs < 0 {
		return time.Time{}, "", fmt.Errorf("%w: %q", ErrUsername, shorten(username, 60))
	}
	return time.Unix(secs, 0), id, nil
}

// shorten cuts s for an error message.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
