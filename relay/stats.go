package relay

import (
	"sync/atomic"
)

// Reason labels a refusal in Stats.Refusals (and the metrics) and keys the
// sampling of its log lines.
type Reason string

// Every refusal of the relay has one of these reasons.
const (
	ReasonCredentials = Reason("credentials")  // malformed, expired or wrong credentials
	ReasonUserQuota   = Reason("user_quota")   // --turn-max-allocations-per-user
	ReasonClientQuota = Reason("client_quota") // --turn-max-allocations-per-client
	ReasonTotalQuota  = Reason("total_quota")  // --turn-max-allocations
	ReasonPorts       = Reason("ports")        // no relay socket: --turn-ports exhausted
	ReasonPeerDenied  = Reason("peer_denied")  // permission to a denied peer address
	ReasonOwnPort     = Reason("own_port")     // a packet to the relay's own listening port, dropped
)

// Reasons lists every Reason, in a stable order.
var Reasons = []Reason{ReasonCredentials, ReasonUserQuota, ReasonClientQuota, ReasonTotalQuota, ReasonPorts, ReasonPeerDenied, ReasonOwnPort}

// Why allocations end early, in Stats.Ended.
const (
	EndIdle     = "idle"     // relayed nothing for --turn-idle-timeout
	EndLifetime = "lifetime" // reached --turn-max-lifetime
)

// Stats are counters for monitoring.
type Stats struct {
	Allocations      int    // allocations now
	AllocationsTotal uint64 // allocations made since start
	RelayedBytes     uint64 // payload bytes relayed, both directions
	DroppedPackets   uint64 // packets dropped over a bandwidth limit
	AuthFailures     uint64 // requests refused for their credentials (= Refusals[ReasonCredentials])
	QuotaRefusals    uint64 // allocations refused by a limit on their number (user, client or total)
	// Refusals counts every refusal by its reason (all of Reasons present).
	Refusals map[Reason]uint64
	// Ended counts allocations the relay ended itself: EndIdle, EndLifetime.
	Ended map[string]uint64
}

// counters are the Server's atomic counters.
type counters struct {
	created, relayed, dropped atomic.Uint64
	refusals                  map[Reason]*atomic.Uint64 // fixed at start
	idle, lifetime            atomic.Uint64
}

func newCounters() *counters {
	c := &counters{refusals: make(map[Reason]*atomic.Uint64, len(Reasons))}
	for _, r := range Reasons {
		c.refusals[r] = new(atomic.Uint64)
	}
	return c
}

// refuse counts a refusal and logs it, sampled per reason.
func (s *Server) refuse(r Reason, msg string, args ...any) {
	s.count.refusals[r].Add(1)
	s.logs.Info(string(r), msg, append(args, "refusal", string(r))...)
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	active := s.active
	s.mu.Unlock()
	st := Stats{
		Allocations:      active,
		AllocationsTotal: s.count.created.Load(),
		RelayedBytes:     s.count.relayed.Load(),
		DroppedPackets:   s.count.dropped.Load(),
		Refusals:         make(map[Reason]uint64, len(Reasons)),
		Ended:            map[string]uint64{EndIdle: s.count.idle.Load(), EndLifetime: s.count.lifetime.Load()},
	}
	for r, n := range s.count.refusals {
		st.Refusals[r] = n.Load()
	}
	st.AuthFailures = st.Refusals[ReasonCredentials]
	st.QuotaRefusals = st.Refusals[ReasonUserQuota] + st.Refusals[ReasonClientQuota] + st.Refusals[ReasonTotalQuota]
	return st
}
