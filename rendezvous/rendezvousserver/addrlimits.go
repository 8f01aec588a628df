package rendezvousserver

// addrLimits are the per-address limits kept besides slots-per-ip and
// joins-per-ip. Every one counts addrKey(ip): an IPv4 address, or an IPv6
// /64. Guarded by Server.mu.
type addrLimits struct {
	// failedJoins is the budget of pairings a receiver's address started and
	// did not finish (--failed-joins-per-ip); see join and relay in slots.go.
	failedJoins *perMinute
	// waiting counts each address's senders waiting now (--waiting-per-ip).
	waiting addrCount
	// conns counts each address's websocket connections open now
	// (--conns-per-ip).
	conns addrCount
}

func newAddrLimits(cfg Config) addrLimits {
	return addrLimits{
		failedJoins: newPerMinute(cfg.FailedJoinsPerIPPerMinute),
		waiting:     addrCount{},
		conns:       addrCount{},
	}
}

// addrCount counts what each address holds now; an address holding
// nothing has no entry, so the map follows the addresses connected.
type addrCount map[string]int

func (m addrCount) inc(key string) { m[key]++ }

func (m addrCount) dec(key string) {
	if m[key] <= 1 {
		delete(m, key)
		return
	}
	m[key]--
}
