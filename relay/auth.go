package relay

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"

	"github.com/ferry-dev/ferry/rendezvous"
)

// authenticate implements coturn's shared-secret scheme: the username is
// "<expiry>:<id>", the password base64(HMAC-SHA1(secret, username)). New
// allocations need unexpired credentials; requests on a running allocation
// (refresh, permissions, channels) are accepted up to MaxLifetime past the
// expiry, so that a long transfer is not cut when its credentials expire.
func (s *Server) authenticate(ra *turn.RequestAttributes) (userID string, key []byte, ok bool) {
	expiry, id, err := rendezvous.ParseTURNUsername(ra.Username)
	if err != nil {
		s.refuseAuth(ra, "malformed username")
		return "", nil, false
	}
	deadline := expiry
	if ra.Method != stun.MethodAllocate {
		deadline = expiry.Add(s.cfg.MaxLifetime)
	}
	if time.Now().After(deadline) {
		s.refuseAuth(ra, "credentials expired")
		return "", nil, false
	}
	password := rendezvous.TURNPassword(s.cfg.Secret, ra.Username)
	return id, turn.GenerateAuthKey(ra.Username, ra.Realm, password), true
}

func (s *Server) refuseAuth(ra *turn.RequestAttributes, reason string) {
	s.authFailures.Add(1)
	s.log.Info("relay refused credentials", "client", addrString(ra.SrcAddr), "username", truncate(ra.Username, 60), "method", ra.Method.String(), "reason", reason)
}

// underQuota answers 486 (Allocation Quota Reached) to a user at its limit.
func (s *Server) underQuota(userID, _ string, src net.Addr) bool {
	s.mu.Lock()
	n := s.perUse[userID]
	s.mu.Unlock()
	if n >= s.cfg.MaxAllocationsPerUser {
		s.refused.Add(1)
		s.log.Info("relay refused allocation", "client", addrString(src), "user", userID, "reason", "per-user limit (--turn-max-allocations-per-user)", "limit", s.cfg.MaxAllocationsPerUser)
		return false
	}
	return true
}

var (
	errTotalLimit = errors.New("relay: allocation limit reached (--turn-max-allocations)")
	errUserLimit  = errors.New("relay: per-user allocation limit reached (--turn-max-allocations-per-user)")
)

// reserve counts a new allocation of user, or refuses it at a limit (the
// client gets 508 Insufficient Capacity).
func (s *Server) reserve(user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	switch {
	case s.active >= s.cfg.MaxAllocations:
		err = fmt.Errorf("%w: %d", errTotalLimit, s.cfg.MaxAllocations)
	case s.perUse[user] >= s.cfg.MaxAllocationsPerUser:
		err = fmt.Errorf("%w: %d", errUserLimit, s.cfg.MaxAllocationsPerUser)
	}
	if err != nil {
		s.refused.Add(1)
		s.log.Info("relay refused allocation", "user", user, "reason", err.Error())
		return err
	}
	s.active++
	s.perUse[user]++
	return nil
}

func (s *Server) release(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.perUse[user]--; s.perUse[user] <= 0 {
		delete(s.perUse, user)
	}
}

// permitted refuses permissions (and channels) to addresses that are never a
// peer: loopback (unless the relay itself is on loopback, as in tests),
// link-local, multicast, unspecified, and the configured denied ranges.
func (s *Server) permitted(client net.Addr, peer net.IP) bool {
	ip, ok := netip.AddrFromSlice(peer)
	if !ok {
		return false
	}
	ip = ip.Unmap()
	deny := ip.IsUnspecified() || ip.IsMulticast() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		(ip.IsLoopback() && !s.cfg.PublicIP.IsLoopback())
	for _, p := range s.cfg.DeniedPeers {
		if p.Contains(ip) {
			deny = true
		}
	}
	if deny {
		s.log.Info("relay refused permission", "client", addrString(client), "peer", ip.String(), "reason", "denied peer address")
	}
	return !deny
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
