package rendezvous

// addrLimits are the per-address limits kept besides slots-per-ip and
// joins-per-ip. Every one counts addrKey(ip): an IPv4 address, or an IPv6
// /64. Guarded by Server.mu.
type addrLimits struct {
	// failedJoins is the budget of pairings a receiver's address started and
	// did not finish (--failed-joins-per-ip); see join and relay in slots.go.
	failedJoins *perMinute
}

func newAddrLimits(cfg Config) addrLimits {
	return addrLimits{
		failedJoins: newPerMinute(cfg.FailedJoinsPerIPPerMinute),
	}
}
