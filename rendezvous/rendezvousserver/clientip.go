package rendezvousserver

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address that per-IP limits count and logs show.
//
// It is the TCP peer, unless the peer is a trusted reverse proxy
// (Config.TrustedProxies): then X-Forwarded-For names the client. The header
// is read from the right, the end the proxies appended to, and the first
// address that is not itself a trusted proxy is the client; entries to its
// left were written by the client and could be anything. If every entry is a
// trusted proxy, the leftmost is taken. A malformed entry stops the walk at
// the last proxy reached, so garbage counts against that proxy rather than
// letting a client pick its own address. A peer that is not trusted cannot
// choose its address at all: its header is ignored.
func (s *Server) clientIP(r *http.Request) string {
	peer, ok := parseIP(r.RemoteAddr)
	if !ok {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		return host
	}
	if !s.trustedProxy(peer) {
		return peer.String()
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseIP(strings.TrimSpace(hops[i]))
		if !ok {
			break
		}
		client = a
		if !s.trustedProxy(a) {
			break
		}
	}
	return client.String()
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseIP reads an address with or without a port ("192.0.2.1",
// "192.0.2.1:1234", "[2001:db8::1]:1234"), IPv4-mapped IPv6 as IPv4, without zone.
func parseIP(s string) (netip.Addr, bool) {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// addrKey is the key under which per-address limits count a client address
// (as clientIP returns it): an IPv4 address counts on its own, an IPv6
// address by its /64, the smallest network a single subscriber is commonly
// given, so that one user cannot multiply a limit by picking addresses from
// their own prefix. Anything that is not an address is its own key.
func addrKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}
