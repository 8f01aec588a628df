package rendezvousserver

import (
	"net/http"
	"time"
)

// ClientIP is the address a server with cfg counts for a request from
// remoteAddr carrying the X-Forwarded-For headers xff.
func ClientIP(cfg Config, remoteAddr string, xff ...string) string {
	s := New(nil, cfg)
	r := &http.Request{RemoteAddr: remoteAddr, Header: http.Header{}}
	for _, v := range xff {
		r.Header.Add("X-Forwarded-For", v)
	}
	return s.clientIP(r)
}

// SetPingInterval makes s ping its clients every d (before any connect).
func SetPingInterval(s *Server, d time.Duration) { s.pingInterval = d }

// AddrKey is the key per-address limits count ip under.
func AddrKey(ip string) string { return addrKey(ip) }
