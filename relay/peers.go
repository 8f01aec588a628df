package relay

import (
	"net"
	"net/netip"
)

// Which peers the relay relays to.
//
// A public relay must not become a way into the networks behind it: by
// default it refuses private and special-purpose ranges (RFC 1918, CGNAT,
// ULA, loopback, link-local, 0/8, 240/4), every address of its own host
// (which includes the VPC address of a cloud VM), and its public IP (its
// own listening port and its other allocations). TURN permissions are per
// IP, so a pair of peers that both use this relay still connects through
// one relay address and the other peer's own address.
//
// Config.AllowedPeers overrides these defaults for chosen ranges (a relay on
// a LAN), Config.DeniedPeers wins over both, and the relay's own listening
// port is refused in the data path whatever the lists say (relayConn.WriteTo).

// neverPeers are refused whatever AllowedPeers says: no peer is there.
var neverPeers = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"
	netip.MustParsePrefix("255.255.255.255/32"), // limited broadcast
	netip.MustParsePrefix("224.0.0.0/4"),        // multicast
	netip.MustParsePrefix("ff00::/8"),
	netip.MustParsePrefix("::/128"),
}

// privatePeers are refused unless AllowedPeers covers them.
var privatePeers = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),     // RFC 1918
	netip.MustParsePrefix("172.16.0.0/12"),  // RFC 1918
	netip.MustParsePrefix("192.168.0.0/16"), // RFC 1918
	netip.MustParsePrefix("100.64.0.0/10"),  // CGNAT, RFC 6598
	netip.MustParsePrefix("127.0.0.0/8"),    // loopback
	netip.MustParsePrefix("169.254.0.0/16"), // link-local
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved
	netip.MustParsePrefix("::1/128"),        // loopback
	netip.MustParsePrefix("fc00::/7"),       // ULA
	netip.MustParsePrefix("fe80::/10"),      // link-local
}

// Why a permission was refused, for the log.
const (
	denyExplicit = "denied by --turn-deny-peer"
	denyNever    = "not a unicast address"
	denyPrivate  = "private or special-purpose address (allow a range with --turn-allow-peer)"
	denyHost     = "an address of the relay's own host or its public IP (allow a range with --turn-allow-peer)"
)

// permitted is pion's PermissionHandler: it grants or refuses permissions
// and channel bindings to peer.
func (s *Server) permitted(client net.Addr, peer net.IP) bool {
	ip, ok := netip.AddrFromSlice(peer)
	if !ok {
		return false
	}
	ip = ip.Unmap()
	why := s.peerDenial(ip)
	if why == "" {
		return true
	}
	s.refuse(ReasonPeerDenied, "relay refused permission", "client", addrString(client), "peer", ip.String(), "reason", why)
	return false
}

// peerDenial says why ip is no peer, or "" if it may be one.
func (s *Server) peerDenial(ip netip.Addr) string {
	if inAny(s.cfg.DeniedPeers, ip) {
		return denyExplicit
	}
	if inAny(neverPeers, ip) || ip.IsMulticast() || ip.IsUnspecified() {
		return denyNever
	}
	if inAny(s.cfg.AllowedPeers, ip) {
		return ""
	}
	if inAny(privatePeers, ip) || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return denyPrivate
	}
	if s.isHostAddr(ip) {
		return denyHost
	}
	return ""
}

func inAny(ps []netip.Prefix, ip netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// hostAddrs are the addresses of the relay's host (its interfaces when it
// started, the address it listens on) and its public IP.
func hostAddrs(public netip.Addr, listen *net.UDPAddr) map[netip.Addr]bool {
	out := map[netip.Addr]bool{public: true}
	if a, ok := netip.AddrFromSlice(listen.IP); ok && !a.Unmap().IsUnspecified() {
		out[a.Unmap()] = true
	}
	addrs, _ := net.InterfaceAddrs() // none found: the ranges above still apply
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				out[ip.Unmap()] = true
			}
		}
	}
	return out
}

func (s *Server) isHostAddr(ip netip.Addr) bool { return s.hostAddrs[ip.Unmap()] }

// isSelf reports whether addr is the relay's own STUN/TURN port on any
// address of its host: relaying there would reach the relay itself.
func (s *Server) isSelf(addr net.Addr) bool {
	ua, ok := addr.(*net.UDPAddr)
	if !ok || ua.Port != s.addr.Port {
		return false
	}
	ip, ok := netip.AddrFromSlice(ua.IP)
	if !ok {
		return true // not an address: refuse
	}
	ip = ip.Unmap()
	return s.isHostAddr(ip) || ip.IsLoopback() || ip.IsUnspecified()
}
