package relay

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/turncreds"
	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
	"golang.org/x/time/rate"
)

// authenticate implements coturn's shared-secret scheme: the username is
// "<expiry>:<id>", the password base64(HMAC-SHA1(secret, username)). New
// allocations need unexpired credentials; requests on a running allocation
// (refresh, permissions, channels) are accepted up to MaxLifetime past the
// expiry, so that a long transfer is not cut when its credentials expire.
func (s *Server) authenticate(ra *turn.RequestAttributes) (userID string, key []byte, ok bool) {
	expiry, id, err := turncreds.ParseUsername(ra.Username)
	if err != nil {
		s.refuseAuth(ra.SrcAddr, ra.Username, ra.Method.String(), "malformed username")
		return "", nil, false
	}
	deadline := expiry
	if ra.Method != stun.MethodAllocate {
		deadline = expiry.Add(s.cfg.MaxLifetime)
	}
	if time.Now().After(deadline) {
		s.refuseAuth(ra.SrcAddr, ra.Username, ra.Method.String(), "credentials expired")
		return "", nil, false
	}
	password := turncreds.Password(s.cfg.Secret, ra.Username)
	return id, turn.GenerateAuthKey(ra.Username, ra.Realm, password), true
}

func (s *Server) refuseAuth(src net.Addr, username, method, why string) {
	s.refuse(ReasonCredentials, "relay refused credentials", "client", addrString(src), "username", truncate(username, 60), "method", method, "reason", why)
}

// sourceKey is the key under which the relay counts a TURN client's
// allocations and bandwidth: its IPv4 address, or its IPv6 /64 (the
// smallest network one subscriber is commonly given).
func sourceKey(a net.Addr) string {
	ua, ok := a.(*net.UDPAddr)
	if !ok {
		return addrString(a)
	}
	ip, ok := netip.AddrFromSlice(ua.IP)
	if !ok {
		return ua.IP.String()
	}
	if ip = ip.Unmap(); ip.Is4() {
		return ip.String()
	}
	return netip.PrefixFrom(ip, 64).Masked().String()
}

// source is what the relay holds per client source address.
type source struct {
	allocs int
	limit  *rate.Limiter // aggregate bandwidth of its allocations; nil: none
}

// underQuota is pion's QuotaHandler: it answers 486 (Allocation Quota
// Reached) to a user, or a client address, at its limit. pion handles the
// requests of one listening socket one after another, so the allocation it
// creates next (generator.AllocatePacketConn, which learns only the user
// id) is this client's: pending carries its source key there.
func (s *Server) underQuota(userID, _ string, src net.Addr) bool {
	key := sourceKey(src)
	s.mu.Lock()
	nUser, nSrc := s.perUse[userID], 0
	if so := s.sources[key]; so != nil {
		nSrc = so.allocs
	}
	s.pending = key
	s.mu.Unlock()
	switch {
	case nUser >= s.cfg.MaxAllocationsPerUser:
		s.refuse(ReasonUserQuota, "relay refused allocation", "client", addrString(src), "user", userID,
			"reason", "per-user limit (--turn-max-allocations-per-user)", "limit", s.cfg.MaxAllocationsPerUser)
		return false
	case nSrc >= s.cfg.MaxAllocationsPerClient:
		s.refuse(ReasonClientQuota, "relay refused allocation", "client", addrString(src), "user", userID,
			"reason", "per-client-address limit (--turn-max-allocations-per-client)", "limit", s.cfg.MaxAllocationsPerClient)
		return false
	}
	return true
}

var (
	errTotalLimit  = errors.New("relay: allocation limit reached (--turn-max-allocations)")
	errUserLimit   = errors.New("relay: per-user allocation limit reached (--turn-max-allocations-per-user)")
	errClientLimit = errors.New("relay: per-client-address allocation limit reached (--turn-max-allocations-per-client)")
)

// reserve counts a new allocation of user from the client address that
// underQuota saw last, or refuses it at a limit (the client gets 508
// Insufficient Capacity). It returns the client's source key.
func (s *Server) reserve(user string) (string, *source, error) {
	s.mu.Lock()
	key := s.pending
	s.pending = ""
	so := s.sources[key]
	var err error
	var r Reason
	switch {
	case s.active >= s.cfg.MaxAllocations:
		err, r = fmt.Errorf("%w: %d", errTotalLimit, s.cfg.MaxAllocations), ReasonTotalQuota
	case s.perUse[user] >= s.cfg.MaxAllocationsPerUser:
		err, r = fmt.Errorf("%w: %d", errUserLimit, s.cfg.MaxAllocationsPerUser), ReasonUserQuota
	case so != nil && so.allocs >= s.cfg.MaxAllocationsPerClient:
		err, r = fmt.Errorf("%w: %d", errClientLimit, s.cfg.MaxAllocationsPerClient), ReasonClientQuota
	}
	if err == nil {
		if so == nil {
			so = &source{}
			if bw := s.cfg.ClientBandwidth; bw > 0 {
				so.limit = newLimiter(bw)
			}
			s.sources[key] = so
		}
		so.allocs++
		s.active++
		s.perUse[user]++
	}
	s.mu.Unlock()
	if err != nil {
		s.refuse(r, "relay refused allocation", "client", key, "user", user, "reason", err.Error())
		return "", nil, err
	}
	return key, so, nil
}

func (s *Server) release(user, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.perUse[user]--; s.perUse[user] <= 0 {
		delete(s.perUse, user)
	}
	if so := s.sources[key]; so != nil {
		if so.allocs--; so.allocs <= 0 {
			delete(s.sources, key)
		}
	}
}

// newLimiter allows bw bytes per second with a burst of a quarter second.
func newLimiter(bw int64) *rate.Limiter {
	burst := int(max(min(bw/4, 1<<30), 16<<10))
	return rate.NewLimiter(rate.Limit(bw), burst)
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
