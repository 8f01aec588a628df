package peer

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pion/stun/v4"
)

// ParseICEServer reads an ICE server as a user gives it on the command line:
//
//	stun:host[:port]
//	turn:user:password@host[:port][?transport=udp|tcp]
//	turns:user:password@host[:port][?transport=tcp]
//
// A TURN server needs a user and password; ':', '@' and '%' inside them are
// percent-encoded (%3A, %40, %25), e.g. a coturn shared-secret username
// "1700000000:alice" is written 1700000000%3Aalice.
func ParseICEServer(s string) (ICEServer, error) {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || rest == "" {
		return ICEServer{}, fmt.Errorf("ICE server %q: give stun:host:port or turn:user:password@host:port", s)
	}
	scheme = strings.ToLower(scheme)
	var user, pass string
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		userinfo := rest[:at]
		rest = rest[at+1:]
		u, p, ok := strings.Cut(userinfo, ":")
		var err1, err2 error
		user, err1 = url.PathUnescape(u)
		pass, err2 = url.PathUnescape(p)
		if !ok || user == "" || err1 != nil || err2 != nil {
			return ICEServer{}, fmt.Errorf("ICE server %q: the part before @ must be user:password (percent-encode ':' and '@' inside them)", redact(s))
		}
	}
	bare := scheme + ":" + rest
	uri, err := stun.ParseURI(bare)
	if err != nil {
		return ICEServer{}, fmt.Errorf("ICE server %q: %w (give stun:host:port or turn:user:password@host:port)", redact(s), err)
	}
	isTURN := uri.Scheme == stun.SchemeTypeTURN || uri.Scheme == stun.SchemeTypeTURNS
	switch {
	case isTURN && user == "":
		return ICEServer{}, fmt.Errorf("ICE server %q: a TURN server needs credentials: turn:user:password@%s", s, rest)
	case !isTURN && user != "":
		return ICEServer{}, fmt.Errorf("ICE server %q: a STUN server takes no credentials", redact(s))
	}
	return ICEServer{URLs: []string{bare}, Username: user, Credential: pass}, nil
}

// redact hides a password in an ICE server string quoted in an error.
func redact(s string) string {
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return s
	}
	scheme, userinfo, _ := strings.Cut(s[:at], ":")
	user, _, _ := strings.Cut(userinfo, ":")
	return scheme + ":" + user + ":***@" + s[at+1:]
}
